"""Reading a delivered file as departments really send it: CSV in UTF-8 (with or
without BOM) or GB18030, or XLSX; the standard's Chinese headers, matched leniently."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from creditpipe.catalog import Dataset
from creditpipe.quality import PUBLISHED, ROW_ID

ENCODINGS = ("utf-8-sig", "gb18030")
SUPPORTED = (".csv", ".xlsx", ".jsonl", ".ndjson")


class DeliveryError(ValueError):
    """The file cannot be read as a delivery of the dataset; the message is one line of Chinese."""


@dataclass
class Delivery:
    path: Path
    sha256: str
    file_format: str
    encoding: str | None
    records: pd.DataFrame  # source_row + the dataset's fields (strings, missing = None)
    extra_columns: list[str] = field(default_factory=list)

    @property
    def content_sha256(self) -> str:
        return records_fingerprint(self.records)

    @property
    def received(self) -> int:
        return len(self.records)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def records_fingerprint(records: pd.DataFrame) -> str:
    """SHA-256 of the records themselves (fields in catalog order, rows in file order):
    equal for the same data sent as CSV or XLSX, in any encoding, under any name."""
    return Fingerprint().update(records).hexdigest()


class Fingerprint:
    """``records_fingerprint`` fed chunk by chunk (the same digest as the whole at once).

    Each record is its fields' UTF-8 bytes, each followed by 0xFF (a byte no UTF-8 text
    holds, so the encoding is unambiguous); a blank cell is empty. Computed by Arrow a
    column at a time: a Python call per record cost more than reading the file."""

    def __init__(self):
        self.digest = hashlib.sha256()
        self.started = False

    def update(self, records) -> "Fingerprint":
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        table = records if isinstance(records, pa.Table) else _frame_table(records)
        fields = [c for c in table.column_names if c not in (ROW_ID, PUBLISHED)]
        if not self.started:
            self.digest.update(json.dumps(fields, ensure_ascii=False).encode())
            self.started = True
        if table.num_rows == 0:
            return self
        columns = [table.column(f).cast(pa.string()).cast(pa.binary()) for f in fields]
        end = pa.scalar(b"", pa.binary())
        joined = pc.binary_join_element_wise(*columns, end, pa.scalar(b"\xff", pa.binary()),
                                             null_handling="replace", null_replacement=b"")
        for chunk in joined.chunks:
            chunk = pa.concat_arrays([chunk])  # unsliced: its bytes are one contiguous run
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
            if offsets[-1] > offsets[0]:
                self.digest.update(memoryview(chunk.buffers()[2])[offsets[0]:offsets[-1]])
        return self

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def header_key(name: object) -> str:
    """Headers are matched after NFKC (full-width brackets = half-width) without blanks."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    return "".join(text.split()).lstrip("\ufeff")


def shown_name(name: object, limit: int = 60) -> str:
    """A delivered file's name as we quote it in messages, notices, mail and logs: control
    characters (a line feed in a name would split a mail header or a log line) become
    "?", and a very long name is cut in the middle."""
    text = "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in str(name))
    if len(text) > limit:
        text = text[: limit - 12] + "…" + text[-11:]
    return text or "?"


# Python's csv module refuses a cell over 131,072 characters by default; a delivered cell
# may be longer (a long 违法事实). Cells up to 16 Mi characters are read, the size of the
# block Arrow's reader parses; a longer one is almost always a quote left open.
MAX_CELL_CHARS = 1 << 24
csv.field_size_limit(MAX_CELL_CHARS)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RESAVE = "请在 Excel 中“另存为”Excel 工作簿（.xlsx）或“CSV UTF-8（逗号分隔）”后重新报送"


def sniff_file(path: Path) -> None:
    """Refuse by its first bytes a file that is no delivery we can read, saying what it is
    and how to send it instead: empty, an encrypted workbook, an old .xls, a web page or
    XML saved under a spreadsheet's name, a UTF-16 or UTF-32 text."""
    name, suffix = shown_name(path.name), path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if not head:
        raise DeliveryError(f"{name} 是空文件（0 字节），可能导出失败或上传未完成；请重新导出后报送")
    if head.startswith(OLE_MAGIC):  # an OLE compound file: Office 97-2003, or an encrypted OOXML
        streams = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in streams or "EncryptionInfo".encode("utf-16-le") in streams:
            raise DeliveryError(
                f"{name} 是设置了打开密码的加密工作簿，系统无法读取；请在 Excel 中取消密码"
                "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后重新报送"
            )
        if "Workbook".encode("utf-16-le") in streams or "Book".encode("utf-16-le") in streams:
            raise DeliveryError(f"{name} 是旧版 Excel 97-2003 工作簿（.xls），系统不读取此格式；{RESAVE}")
        raise DeliveryError(f"{name} 是 Office 97-2003 格式的文件，不是表格数据；{RESAVE}")
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")) or (
        suffix in (".csv", ".jsonl", ".ndjson", ".txt") and b"\x00" in head
    ):
        raise DeliveryError(
            f"{name} 是 UTF-16（Unicode）编码的文本，常见于 Excel 的“Unicode 文本”导出；系统只读取 UTF-8 或 "
            "GB18030 编码的 CSV，请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”后重新报送"
        )
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    if not head.startswith(b"PK") and suffix in (".xlsx", ".xls") and start.startswith((b"<", b"<?xml")):
        kind = "网页（HTML）" if b"<?xml" not in start else "XML 表格（Excel 2003 XML）"
        raise DeliveryError(f"{name} 实际是{kind}格式，只是扩展名为 {suffix}；{RESAVE}")


def read_delivery(path: str | Path, dataset: Dataset) -> Delivery:
    path = Path(path)
    name = shown_name(path.name)
    if not path.is_file():
        raise DeliveryError(f"文件不存在：{name}")
    sniff_file(path)
    with open(path, "rb") as fh:
        zipped = fh.read(2) == b"PK"
    suffix = path.suffix.lower()
    if zipped or suffix in (".xlsx", ".xls"):
        if not zipfile.is_zipfile(path):
            raise DeliveryError(f"{name} 不是有效的 XLSX 文件（文件不完整或已损坏，可能上传未完成）；请重新导出后报送")
        rows, fmt, encoding = _read_xlsx(path), "xlsx", None
    elif suffix == ".csv":
        rows, encoding = _read_csv(path)
        fmt = "csv"
    elif suffix in (".jsonl", ".ndjson"):
        rows, fmt, encoding = _read_jsonl(path), "jsonl", "utf-8"
    else:
        raise DeliveryError(
            f"{name} 的格式（{suffix or '无扩展名'}）不受支持；请报送 CSV（UTF-8 或 GB18030 编码）、XLSX 或 JSON Lines 文件"
        )
    return Delivery(path, file_sha256(path), fmt, encoding, *_to_records(rows, dataset, path.name))


def _read_csv(path: Path) -> tuple[list[list[str]], str]:
    raw = path.read_bytes()
    encoding = _text_encoding(path, raw)
    reader = csv.reader(io.StringIO(raw.decode(encoding), newline=""), strict=True)
    rows, start = [], 1
    try:
        for row in reader:
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DeliveryError(csv_error_message(path.name, exc, start)) from None
    return rows, encoding


def _text_encoding(path: Path, raw: bytes) -> str:
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
        for line, piece in enumerate(fh, start=1):
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
        return (f"{shown} 第 {line} 行起有单元格超过 {MAX_CELL_CHARS:,} 个字符，通常是引号（\"）未闭合，"
                "后面的多行被并进了一个单元格；请检查该行的引号后重新导出")
    if "unexpected end of data" in text or "EOF" in text:
        return (f"{shown} 第 {line} 行的引号（\"）没有闭合，直到文件末尾都未闭合，无法确定记录的边界；"
                "请检查该行的引号（单元格内的引号应写成两个 \"\"）后重新导出")
    if "expected after" in text:
        return (f"{shown} 第 {line} 行的引号用法有误：引号闭合后紧跟了其他字符"
                "（单元格内的引号应写成两个 \"\"）；请检查该行后重新导出")
    if "NUL" in text:
        return f"{shown} 第 {line} 行含有空字符（NUL），不是正常的文本 CSV；请重新导出为 CSV UTF-8 后报送"
    return f"{shown} 第 {line} 行的 CSV 格式有误（{text}）；请检查该行后重新导出"


def _read_jsonl(path: Path) -> list[list[str]]:
    """One JSON object per line; the header is every key seen, in order of appearance."""
    objects: list[dict] = []
    name, n = shown_name(path.name), 0
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise DeliveryError(f"{name} 第 {n} 行不是 JSON 对象")
                objects.append(obj)
    except UnicodeDecodeError:
        raise DeliveryError(f"{name} 不是 UTF-8 编码的 JSON Lines 文件；请以 UTF-8 编码重新导出后报送") from None
    except json.JSONDecodeError as exc:
        raise DeliveryError(f"{name} 第 {n} 行不是有效的 JSON（{exc.msg}），可能文件被截断；请重新导出后报送") from None
    if not objects:
        raise DeliveryError(f"{name} 没有数据记录（只有空行）")
    header: dict[str, None] = {}
    for obj in objects:
        header.update(dict.fromkeys(obj))
    keys = list(header)
    return [keys] + [[_json_cell(obj.get(k)) for k in keys] for obj in objects]


def _json_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _read_xlsx(path: Path) -> list[list[str]]:
    """The first sheet's cells as shown in Excel. A formula cell is its cached result; a
    formula with no cached result (a workbook written by a program, never opened in Excel)
    is kept as its text (=HYPERLINK(…) stays text: we never evaluate it)."""
    import openpyxl

    name = shown_name(path.name)

    def rows(data_only: bool) -> list[list]:
        try:
            with open(path, "rb") as fh:
                book = openpyxl.load_workbook(fh, read_only=True, data_only=data_only)
                try:
                    if not book.worksheets:
                        raise DeliveryError(f"{name} 中没有工作表")
                    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
                finally:
                    book.close()
        except DeliveryError:
            raise
        except Exception as exc:  # openpyxl raises many kinds for a broken book
            raise DeliveryError(
                f"{name} 无法作为 XLSX 打开（{type(exc).__name__}），文件可能已损坏或不是 Excel 工作簿；{RESAVE}"
            ) from None

    shown = rows(data_only=True)
    if _has_formulas(path):
        formulas = rows(data_only=False)
        for r, row in enumerate(shown):
            for c, value in enumerate(row):
                if value is None and r < len(formulas) and c < len(formulas[r]):
                    row[c] = formulas[r][c]
    return [[_xlsx_cell(v) for v in row] for row in shown]


def _has_formulas(path: Path) -> bool:
    with zipfile.ZipFile(path) as book:
        for member in book.namelist():
            if member.startswith("xl/worksheets/") and member.endswith(".xml"):
                with book.open(member) as fh:
                    tail = b""
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        if b"<f>" in tail + block or b"<f " in tail + block:
                            return True
                        tail = block[-3:]
    return False


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _to_records(rows: list[list[str]], dataset: Dataset, name: str):
    # Trailing empty lines (Excel's, editors') are not records.
    while rows and not any(str(c).strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise DeliveryError(f"{shown_name(name)} 没有表头行（文件中只有空行）")
    layout = _layout(rows[0], dataset, name)
    return _frame(enumerate(rows[1:], start=1), layout, dataset), layout.extra


@dataclass
class _Layout:
    positions: dict[str, int]  # field → column index
    stamp: int | None  # the pulled record's change time (updated_at), if any
    extra: list[str]  # headers that are not the standard's: their cells are not loaded


def extra_columns(path: str | Path, dataset: Dataset, encoding: str | None = None) -> list[str]:
    """The headers of a readable delivery that are not the standard's (their cells are not
    loaded; the notice names them). Reads the header alone: a CSV's first record in
    ``encoding``, a workbook's first row; JSON lines are read whole (every key counts)."""
    import openpyxl

    path = Path(path)
    with open(path, "rb") as fh:
        zipped = fh.read(2) == b"PK"
    suffix = path.suffix.lower()
    if zipped or suffix in (".xlsx", ".xls"):
        with open(path, "rb") as fh:
            book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            try:
                header = [_xlsx_cell(v) for v in next(book.worksheets[0].iter_rows(max_row=1, values_only=True), ())]
            finally:
                book.close()
    elif suffix in (".jsonl", ".ndjson"):
        header = _read_jsonl(path)[0]
    else:
        with open(path, encoding=encoding or ENCODINGS[0], newline="") as text:
            header = next(csv.reader(text), [])
    return _layout(header, dataset, path.name).extra


STAMP_COLUMN = "updated_at"


def _layout(header_row: list[str], dataset: Dataset, name: str) -> _Layout:
    shown = shown_name(name)
    header = [header_key(h) for h in header_row]
    if any("\x00" in h for h in header):
        raise DeliveryError(
            f"{shown} 的表头含有空字符（NUL），是 UTF-16（Unicode）编码的文本或二进制文件；"
            "请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”后重新报送"
        )
    wanted = {header_key(f): f for f in dataset.field_names}
    positions: dict[str, int] = {}
    extra = []
    for i, h in enumerate(header):
        if h in wanted and wanted[h] in positions:
            raise DeliveryError(
                f"{shown} 的表头“{wanted[h]}”出现了两次（第 {positions[wanted[h]] + 1} 列和第 {i + 1} 列），"
                "无法确定使用哪一列；请删除多余的列后重新报送"
            )
        if h in wanted:
            positions[wanted[h]] = i
        elif h and h != STAMP_COLUMN:
            extra.append(str(header_row[i]).strip().lstrip("\ufeff"))
    if not positions:
        seen = "、".join(shown_name(h, 20) for h in header if h)[:200] or "（空）"
        raise DeliveryError(
            f"{shown} 的第一行没有一个标准表头（收到：{seen}）：可能文件编码有误（中文成了乱码）、"
            f"第一行不是表头，或不是“{dataset.title}”的数据；请使用标准表头、以 UTF-8 编码重新导出后报送"
        )
    missing = [f for f in dataset.required_fields if f not in positions]
    if missing:
        hint = f"；文件中的非标准列：{'、'.join(shown_name(e, 20) for e in extra)}" if extra else ""
        raise DeliveryError(f"{shown} 缺少必需的列：{'、'.join(missing)}（请使用标准表头{hint}）")
    stamp = next((i for i, h in enumerate(header) if h == STAMP_COLUMN), None)
    return _Layout(positions, stamp, extra)


def _frame(numbered_rows, layout: _Layout, dataset: Dataset) -> pd.DataFrame:
    # source_row is the record's 1-based position after the header; wholly empty rows
    # in between are not records, but keep their number so rows match the file.
    data = [(n, r) for n, r in numbered_rows if any(str(c).strip() for c in r)]
    # Whole columns at once (a Python call per cell cost more than reading the file).
    table = pd.DataFrame.from_records([r for _, r in data]) if data else pd.DataFrame()
    frame = pd.DataFrame({ROW_ID: pd.array([n for n, _ in data], dtype="int64")})
    wanted = [(f, layout.positions.get(f)) for f in dataset.field_names]
    # A pulled record's change time at the source is when the department published it.
    if layout.stamp is not None:
        wanted.append((PUBLISHED, layout.stamp))
    for name, i in wanted:
        frame[name] = _cells(table[i] if i is not None and i in table.columns else None, len(data))
    return frame


def _cells(column: pd.Series | None, n: int) -> pd.Series:
    """A column's cells as delivered; blank cells (and cells a short row lacks) are None."""
    if column is None:
        return pd.Series([None] * n, dtype=object)
    values = column.astype(object).reset_index(drop=True)
    blank = values.isna().to_numpy() | (values.astype("string").str.strip().fillna("") == "").to_numpy()
    values[blank] = None
    return values


def csv_encoding(path: Path) -> str:
    """The first of ENCODINGS the whole file decodes in, read in blocks (no copy of the file)."""
    return _scan_csv(path).encoding


def _scan_csv(path: Path) -> "_CsvScan":
    """``_scan_of`` remembered for the file as it is now (split_delivery reads the file and
    then asks its encoding: one pass over the bytes, not two)."""
    path = Path(path)
    stat = path.stat()
    return _scan_cached(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)


@lru_cache(maxsize=8)
def _scan_cached(path: str, size: int, mtime_ns: int, inode: int) -> "_CsvScan":
    return _scan_of(Path(path))


@dataclass
class _CsvScan:
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
class _BlockFacts:
    quotes: int  # quotes in the block
    stray_quote: bool
    # A line break after an even / odd number of the block's own quotes: which of the two
    # is inside quotes depends on the quotes before the block (see _quoted_break).
    break_after_even: bool
    break_after_odd: bool
    utf8: bool


# What makes a block need the exact walk below: a stray quote (see _block_facts), or a
# line (between \r or \n breaks) with an odd number of quotes, i.e. a line break inside
# quotes. A well-formed file has neither, and RE2 says so in one pass over the bytes
# (about a quarter of the walk's time: the walk finds every quote, sixty a record when
# every cell is quoted). A match only sends the block to the walk, which decides.
_NEEDS_WALK = (r'[^,\r\n"]"[^,\r\n"]'
               r'|(?:\A|[\r\n])[^"\r\n]*(?:"[^"\r\n]*"[^"\r\n]*)*"[^"\r\n]*(?:[\r\n]|\z)')


def _block_facts(context: bytes, block: bytes, utf8_part: bytes, line_aligned: bool = False) -> _BlockFacts:
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
        return _BlockFacts(int(np.count_nonzero(np.frombuffer(block, dtype=np.uint8) == 0x22)), False,
                           b"\n" in block or b"\r" in block, False, utf8)
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
    body = arr[len(context):]
    breaks = body == 0x0A
    if block.find(b"\r") >= 0:
        breaks |= body == 0x0D
    if len(own):
        ranks = np.searchsorted(own, np.flatnonzero(breaks)) % 2  # quotes before each break
        even, odd = bool((ranks == 0).any()), bool((ranks == 1).any())
    else:
        even, odd = bool(breaks.any()), False
    return _BlockFacts(len(own), stray, even, odd, utf8)


def _line_break_in_quotes(block: bytes, quotes_before: int) -> bool:
    """Whether a line break in ``block`` lies inside quotes: after an odd number of
    quotes counted from the file's start (a doubled quote inside a cell counts twice,
    so it does not change the count's parity)."""
    return _quoted_break(_block_facts(b"\n\n", block, b""), quotes_before)


def _quoted_break(facts: _BlockFacts, quotes_before: int) -> bool:
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


def _scan_of(path: Path) -> _CsvScan:
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

    def take(facts: _BlockFacts) -> None:
        nonlocal quotes, utf8, stray, quoted_break
        quoted_break = quoted_break or _quoted_break(facts, quotes)
        quotes += facts.quotes
        stray, utf8 = stray or facts.stray_quote, utf8 and facts.utf8

    with ThreadPoolExecutor(2, thread_name_prefix="scan_csv") as pool:
        pending: deque = deque()
        for context, unit in _scan_blocks(path):
            pending.append(pool.submit(_block_facts, context, unit, unit, True))
            while len(pending) > 2:
                take(pending.popleft().result())
        while pending:
            take(pending.popleft().result())
    if utf8:
        return _CsvScan(ENCODINGS[0], quotes % 2 == 0, stray, quoted_break)
    for encoding in ENCODINGS[1:]:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 22), b""):
                    decoder.decode(block)
            decoder.decode(b"", final=True)
            return _CsvScan(encoding, quotes % 2 == 0, stray, quoted_break)
        except UnicodeDecodeError:
            continue
    raise undecodable_error(path)


def iter_chunks(path: str | Path, dataset: Dataset, rows: int = 200_000):
    """A delivery's records, ``rows`` at a time, with the same reading rules as
    ``read_delivery`` (a CSV is streamed; other formats are read whole and split). Yields
    (frame, progress) where progress is the share of the file read (0–1)."""
    for table, share in iter_tables(path, dataset, rows):
        yield table_frame(table), share


def iter_tables(path: str | Path, dataset: Dataset, rows: int = 200_000):
    """``iter_chunks`` as Arrow tables: ROW_ID (int64), then the dataset's fields (and
    PUBLISHED when delivered) as strings, a blank cell null. A CSV is parsed by Arrow's
    multi-threaded reader; a file Arrow would read differently from Python's strict
    ``csv`` module (a row of the wrong width, a quote left open, a header over several
    lines) is read by ``csv`` from where Arrow stopped, so both give the same records."""
    path = Path(path)
    if not path.is_file():
        raise DeliveryError(f"文件不存在：{path.name}")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if path.suffix.lower() != ".csv" or head.startswith(b"PK"):
        records = read_delivery(path, dataset).records
        for start in range(0, max(len(records), 1), rows):
            chunk = records.iloc[start:start + rows].reset_index(drop=True)
            yield _frame_table(chunk), min(1.0, (start + rows) / max(len(records), 1))
        return
    if path.stat().st_size == 0:
        raise DeliveryError(f"{path.name} 是空文件")
    scan = _scan_csv(path)
    done = 0  # records (after the header) already yielded
    if scan.arrow_reads_alike:
        try:
            for table, share, done in _arrow_csv(path, dataset, rows, scan.encoding,
                                                 newlines_in_values=scan.quoted_line_break):
                yield table, share
            return
        except _NotArrow:
            pass
    for frame, share in _python_csv(path, dataset, rows, scan.encoding, skip=done):
        yield _frame_table(frame), share


class _NotArrow(Exception):
    """Arrow would read this file differently from ``csv``: read the rest with ``csv``."""


def _csv_header(path: Path, encoding: str) -> list[str] | None:
    with open(path, encoding=encoding, newline="") as text:
        try:
            return next(csv.reader(text, strict=True), None)
        except csv.Error:
            return None


def _arrow_csv(path: Path, dataset: Dataset, rows: int, encoding: str, newlines_in_values: bool = True):
    """Yields (table, share, records so far); raises _NotArrow before yielding a chunk
    Arrow may have read differently (records already yielded are the same in both)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = _csv_header(path, encoding)
    if not header or any("\n" in h or "\r" in h for h in header):
        raise _NotArrow
    layout = _layout(header, dataset, path.name)
    names = [f"c{i}" for i in range(len(header))]
    uneven: list[object] = []

    def invalid_row(row) -> str:  # a row of another width: csv keeps it, Arrow cannot
        uneven.append(row)
        return "skip"

    source = pa.OSFile(str(path))
    size = max(path.stat().st_size, 1)
    try:
        reader = pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 22,
                                           encoding="utf8" if encoding.startswith("utf-8") else encoding),
            parse_options=pacsv.ParseOptions(newlines_in_values=newlines_in_values, ignore_empty_lines=False,
                                             invalid_row_handler=invalid_row),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        pending: list[pa.RecordBatch] = []
        pending_rows, done = 0, 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            if uneven:
                raise _NotArrow
            pending.append(batch)
            pending_rows += batch.num_rows
            while pending_rows >= rows:
                whole = pa.Table.from_batches(pending)
                yield _table(whole.slice(0, rows), layout, dataset, done), min(1.0, source.tell() / size), done + rows
                done += rows
                rest = whole.slice(rows)
                pending, pending_rows = rest.to_batches(), rest.num_rows
        if uneven:
            raise _NotArrow
        if pending_rows or not done:
            whole = pa.Table.from_batches(pending, schema=reader.schema)
            yield _table(whole, layout, dataset, done), 1.0, done + pending_rows
    except pa.ArrowInvalid:
        raise _NotArrow from None
    finally:
        source.close()


def _table(raw, layout: _Layout, dataset: Dataset, before: int):
    """Arrow's cells as the records: blank cells null, wholly blank rows dropped (their
    number kept, so source_row is the record's position after the header)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = raw.num_rows
    cells = []
    filled = np.zeros(n, dtype=bool)
    for column in raw.columns:
        # Blank: empty, or whitespace only (what trimming leaves empty), found without
        # copying the text; a column with no blank cell is kept as it is.
        blank = pc.or_(pc.equal(pc.binary_length(column), 0), pc.utf8_is_space(column))
        blank_cells = blank.to_numpy(zero_copy_only=False)
        cells.append(pc.if_else(blank, pa.scalar(None, pa.string()), column) if blank_cells.any() else column)
        filled |= ~blank_cells
    keep = None if filled.all() else pa.array(filled)
    out = {ROW_ID: pa.array(np.arange(before + 1, before + n + 1, dtype=np.int64)[filled])}
    wanted = [(f, layout.positions.get(f)) for f in dataset.field_names]
    if layout.stamp is not None:
        wanted.append((PUBLISHED, layout.stamp))
    kept = int(filled.sum())
    for name, i in wanted:
        if i is None:
            out[name] = pa.nulls(kept, pa.string())
        else:
            out[name] = cells[i] if keep is None else pc.filter(cells[i], keep)
    return pa.table(out)


def _python_csv(path: Path, dataset: Dataset, rows: int, encoding: str, skip: int = 0):
    size = path.stat().st_size
    with open(path, "rb") as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        reader = csv.reader(text, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise DeliveryError(f"{path.name} 没有表头行")
            layout = _layout(header, dataset, path.name)
            batch, n, yielded = [], 0, skip > 0
            start = reader.line_num + 1  # the line the next record starts on, for messages
            for n, row in enumerate(reader, start=1):
                start = reader.line_num + 1
                if n <= skip:
                    continue
                batch.append((n, row))
                if len(batch) == rows:
                    yield _frame(batch, layout, dataset), raw.tell() / size
                    batch, yielded = [], True
            if batch or not yielded:
                yield _frame(batch, layout, dataset), 1.0
        except csv.Error as exc:
            raise DeliveryError(csv_error_message(path.name, exc, start)) from None


def _frame_table(frame: pd.DataFrame):
    """A records frame (ROW_ID, then strings or None) as an Arrow table of the same cells."""
    import pyarrow as pa

    columns = {}
    for name in frame.columns:
        values = frame[name]
        if name == ROW_ID:
            columns[name] = pa.array(values.to_numpy(dtype="int64"), pa.int64())
        else:
            cells = values.astype(object).to_numpy()
            try:  # the readers give str or None
                columns[name] = pa.array(cells, pa.string(), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                columns[name] = pa.array([None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                                          else str(v) for v in cells], pa.string())
    return pa.table(columns) if columns else pa.table({ROW_ID: pa.array([], pa.int64())})


def table_frame(table) -> pd.DataFrame:
    """An Arrow records table as the frame the rules read: ROW_ID int64, cells str or None."""
    # dtype=object said outright: pandas 3 would infer its own string dtype (NaN for None).
    frame = pd.DataFrame({
        name: (table.column(name).to_numpy() if name == ROW_ID
               else pd.Series(table.column(name).to_numpy(zero_copy_only=False), dtype=object))
        for name in table.column_names
    })
    if ROW_ID in frame.columns:
        frame[ROW_ID] = frame[ROW_ID].astype("int64")
    return frame


def text_frame(table) -> pd.DataFrame:
    """An Arrow records table as pandas' Arrow-backed ``string`` columns (missing = NA),
    without a Python object per cell: what the compiled rules read fastest."""
    import pyarrow as pa

    strings = pd.StringDtype("pyarrow")
    frame = table.to_pandas(types_mapper={pa.string(): strings, pa.large_string(): strings}.get)
    if ROW_ID in frame.columns:
        frame[ROW_ID] = frame[ROW_ID].astype("int64")
    return frame
