"""One pass over a CSV's bytes before it is parsed: its encoding (UTF-8, with or without
BOM, or GB18030), whether its quotes balance, whether a quote is stray, and whether a line
break sits inside quotes — what decides how Arrow may read it (``readers``). Errors of
the strict ``csv`` module are said here in Chinese, naming the line."""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from creditpipe.core.names import shown_name
from creditpipe.ingest.files import ENCODINGS, DeliveryError

# Python's csv module refuses a cell over 131,072 characters by default; a delivered cell
# may be longer (a long 违法事实). Cells up to 16 Mi characters are read, the size of the
# block Arrow's reader parses; a longer one is almost always a quote left open.
MAX_CELL_CHARS = 1 << 24


csv.field_size_limit(MAX_CELL_CHARS)


def text_encoding(path: Path, raw: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, decided by the whole file. A file that is
    neither is refused naming the first line that does not decode, never read as mojibake."""
    for encoding in ENCODINGS:
        try:
            raw.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    raise undecodable_error(path)


def undecodable_error(path: Path) -> DeliveryError:
    """Why a text file decodes in none of ENCODINGS, naming the line (read line by line,
    so a large file is never whole in memory). The first line (the header) sets the
    encoding the file claims: UTF-8 when it is valid UTF-8, else GB18030; the first line
    that does not decode in it is named (rows from two exports in different encodings, or
    a file cut inside a character)."""
    with open(path, "rb") as fh:
        first = fh.readline()
        try:
            first.decode("utf-8-sig")
            claimed, label = "utf-8-sig", "UTF-8"
        except UnicodeDecodeError:
            claimed, label = "gb18030", "GB18030（GBK）"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder(claimed)()
        line = 0
        for line, piece in enumerate(fh, start=1):  # noqa: B007  (the line is named after the loop)
            try:
                decoder.decode(piece)
            except UnicodeDecodeError:
                break
    return DeliveryError(
        f"{shown_name(path.name)} 的编码无法识别：表头是 {label} 编码，但文件第 {line} 行不是 {label} 编码"
        "（同一文件混用了 UTF-8 和 GBK 两种编码，或文件被截断）；请统一以 UTF-8 编码重新导出后报送"
    )


def csv_error_message(name: str, exc: csv.Error, line: int) -> str:
    """A CSV syntax error in Chinese, naming the physical line where the bad record starts."""
    shown, text = shown_name(name), str(exc)
    if "field larger than field limit" in text:
        return (
            f'{shown} 第 {line} 行起有单元格超过 {MAX_CELL_CHARS:,} 个字符，通常是引号（"）未闭合，'
            "后面的多行被并进了一个单元格；请检查该行的引号后重新导出"
        )
    if "unexpected end of data" in text or "EOF" in text:
        return (
            f'{shown} 第 {line} 行的引号（"）没有闭合，直到文件末尾都未闭合，无法确定记录的边界；'
            '请检查该行的引号（单元格内的引号应写成两个 ""）后重新导出'
        )
    if "expected after" in text:
        return (
            f"{shown} 第 {line} 行的引号用法有误：引号闭合后紧跟了其他字符"
            '（单元格内的引号应写成两个 ""）；请检查该行后重新导出'
        )
    if "NUL" in text:
        return f"{shown} 第 {line} 行含有空字符（NUL），不是正常的文本 CSV；请重新导出为 CSV UTF-8 后报送"
    return f"{shown} 第 {line} 行的 CSV 格式有误（{text}）；请检查该行后重新导出"


def csv_encoding(path: Path) -> str:
    """The first of ENCODINGS the whole file decodes in, read in blocks (no copy of the file)."""
    return scan_csv(path).encoding


def scan_csv(path: Path) -> CsvScan:
    """``_scan_of`` remembered for the file as it is now (split_delivery reads the file and
    then asks its encoding: one pass over the bytes, not two)."""
    path = Path(path)
    stat = path.stat()
    return _scan_cached(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)


@lru_cache(maxsize=8)
def _scan_cached(path: str, size: int, mtime_ns: int, inode: int) -> CsvScan:
    return _scan_of(Path(path))


@dataclass
class CsvScan:
    encoding: str
    # Arrow may read a file differently from the strict ``csv`` module only where quotes
    # are misused: a quote left open (an odd count) or a stray one (see _stray_quotes).
    quotes_balanced: bool
    stray_quote: bool = False
    # A line break inside a quoted cell: only then must Arrow's reader look for one there
    # (newlines_in_values), which costs it about half its speed.
    quoted_line_break: bool = True

    @property
    def arrow_reads_alike(self) -> bool:
        return self.quotes_balanced and not self.stray_quote


_FIELD_EDGE = np.zeros(256, dtype=bool)  # byte → is it a comma, line break or quote
_FIELD_EDGE[list(b',\r\n"')] = True


@dataclass
class BlockFacts:
    quotes: int  # quotes in the block
    stray_quote: bool
    # A line break after an even / odd number of the block's own quotes: which of the two
    # is inside quotes depends on the quotes before the block (see _quoted_break).
    break_after_even: bool
    break_after_odd: bool
    utf8: bool


# What makes a block need the exact walk below: a stray quote (see block_facts), or a
# line (between \r or \n breaks) with an odd number of quotes, i.e. a line break inside
# quotes. A well-formed file has neither, and RE2 says so in one pass over the bytes
# (about a quarter of the walk's time: the walk finds every quote, sixty a record when
# every cell is quoted). A match only sends the block to the walk, which decides.
_NEEDS_WALK = (
    r'[^,\r\n"]"[^,\r\n"]'
    r'|(?:\A|[\r\n])[^"\r\n]*(?:"[^"\r\n]*"[^"\r\n]*)*"[^"\r\n]*(?:[\r\n]|\z)'
)


def block_facts(context: bytes, block: bytes, utf8_part: bytes, line_aligned: bool = False) -> BlockFacts:
    """One block's facts, from its quotes found once. ``context`` is the two bytes before
    the block; ``utf8_part`` is what to validate as UTF-8 (cut after a line break, with the
    previous block's rest in front). Numpy and Arrow let go of the interpreter, so blocks
    are judged on several threads. A ``line_aligned`` block starts after a line break and
    ends with one: when RE2 finds no line with an odd number of quotes and no stray quote
    in it, every break in it follows an even number of its quotes, and the walk is skipped."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def as_array(raw: bytes):  # the bytes as a one-value binary array, without a copy
        offsets = pa.py_buffer(np.array([0, len(raw)], dtype=np.int32))
        return pa.BinaryArray.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(raw)])

    try:
        as_array(utf8_part).cast(pa.string())
        utf8 = True
    except pa.ArrowInvalid:
        utf8 = False
    # The block alone: the byte before a line-aligned block is a line break, which neither
    # part of the pattern needs to see (a quote right after it is not stray; a line starts).
    if line_aligned and not pc.match_substring_regex(as_array(block), _NEEDS_WALK)[0].as_py():
        return BlockFacts(
            int(np.count_nonzero(np.frombuffer(block, dtype=np.uint8) == 0x22)),
            False,
            b"\n" in block or b"\r" in block,
            False,
            utf8,
        )
    data = context + block
    arr = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero(arr == 0x22)
    # A quote with something else than , line break or quote on both sides: inside a
    # quoted cell every quote is doubled, and a quote opens or closes a cell only next to
    # a comma or a line break, so in a well-formed file this never happens. (The last
    # byte is judged with the next block, as its context.)
    inner = at[(at >= 1) & (at <= len(arr) - 2)]
    stray = bool(len(inner)) and bool((~_FIELD_EDGE[arr[inner - 1]] & ~_FIELD_EDGE[arr[inner + 1]]).any())
    own = at[at >= len(context)] - len(context)
    body = arr[len(context) :]
    breaks = body == 0x0A
    if block.find(b"\r") >= 0:
        breaks |= body == 0x0D
    if len(own):
        ranks = np.searchsorted(own, np.flatnonzero(breaks)) % 2  # quotes before each break
        even, odd = bool((ranks == 0).any()), bool((ranks == 1).any())
    else:
        even, odd = bool(breaks.any()), False
    return BlockFacts(len(own), stray, even, odd, utf8)


def line_break_in_quotes(block: bytes, quotes_before: int) -> bool:
    """Whether a line break in ``block`` lies inside quotes: after an odd number of
    quotes counted from the file's start (a doubled quote inside a cell counts twice,
    so it does not change the count's parity)."""
    return _quoted_break(block_facts(b"\n\n", block, b""), quotes_before)


def _quoted_break(facts: BlockFacts, quotes_before: int) -> bool:
    return facts.break_after_odd if quotes_before % 2 == 0 else facts.break_after_even


SCAN_BLOCK = 1 << 24


def _scan_blocks(path: Path):
    """(two bytes before, unit) for each unit of the file: about SCAN_BLOCK bytes cut
    after a line break (never inside a UTF-8 or GB18030 character, and each unit starts a
    line), the rest carried to the next; last the bytes after the last line break with a
    line feed put after them (the last byte's context for the stray-quote test; that
    break is never inside quotes unless the quotes are left open, which is refused)."""
    context, carry = b"\n\n", b""  # the file's start is a line's
    with open(path, "rb") as fh:
        for n, block in enumerate(iter(lambda: fh.read(SCAN_BLOCK), b"")):
            if n == 0 and block.startswith(b"\xef\xbb\xbf"):
                block = block[3:]
            # After the last line break, a line feed or a carriage return (a file saved as
            # "CSV (Macintosh)" has only the latter): neither byte is ever part of a UTF-8
            # or GB18030 character, and a file of either kind is read a block at a time.
            cut = max(block.rfind(b"\n"), block.rfind(b"\r")) + 1
            if not cut:  # no line ends in this block: it all waits for the next
                carry += block
                continue
            unit = b"".join((carry, memoryview(block)[:cut]))  # one copy of the block, not two
            carry = block[cut:]
            yield context, unit
            context = unit[-2:] if len(unit) >= 2 else (context + unit)[-2:]
    yield context, carry + b"\n"


def _scan_of(path: Path) -> CsvScan:
    """One pass over the bytes: the encoding (UTF-8 checked by Arrow's validator block by
    block, cut after a line break — never inside a UTF-8 or GB18030 character — else the
    first of ENCODINGS Python decodes the whole file in), whether the quotes balance, and
    whether a quote is stray or a line break quoted. Blocks are judged on two threads,
    at most four blocks in memory (a block grows only to end a line: a file without any
    line break is one block)."""
    import codecs
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    quotes, utf8, stray, quoted_break = 0, True, False, False

    def take(facts: BlockFacts) -> None:
        nonlocal quotes, utf8, stray, quoted_break
        quoted_break = quoted_break or _quoted_break(facts, quotes)
        quotes += facts.quotes
        stray, utf8 = stray or facts.stray_quote, utf8 and facts.utf8

    with ThreadPoolExecutor(2, thread_name_prefix="scan_csv") as pool:
        pending: deque = deque()
        for context, unit in _scan_blocks(path):
            pending.append(pool.submit(block_facts, context, unit, unit, True))
            while len(pending) > 2:
                take(pending.popleft().result())
        while pending:
            take(pending.popleft().result())
    if utf8:
        return CsvScan(ENCODINGS[0], quotes % 2 == 0, stray, quoted_break)
    for encoding in ENCODINGS[1:]:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 22), b""):
                    decoder.decode(block)
            decoder.decode(b"", final=True)
            return CsvScan(encoding, quotes % 2 == 0, stray, quoted_break)
        except UnicodeDecodeError:
            continue
    raise undecodable_error(path)
