"""Reading a delivered file as departments really send it: CSV in UTF-8 (with or
without BOM) or GB18030, or XLSX; the standard's Chinese headers, matched leniently."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from creditpipe.core.catalog import Dataset
from creditpipe.core.names import shown_name
from creditpipe.core.records import frame_table, table_frame
from creditpipe.ingest.csv_scan import MAX_CELL_CHARS, csv_error_message, scan_csv, text_encoding
from creditpipe.ingest.files import ENCODINGS, RESAVE, DeliveryError, file_sha256, sniff_file
from creditpipe.ingest.fingerprint import records_fingerprint
from creditpipe.ingest.layout import layout_of, records_frame, records_table


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
    encoding = text_encoding(path, raw)
    reader = csv.reader(io.StringIO(raw.decode(encoding), newline=""), strict=True)
    rows, start = [], 1
    try:
        for row in reader:
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DeliveryError(csv_error_message(path.name, exc, start)) from None
    return rows, encoding


# A record is a few kilobytes; a CSV cell may hold MAX_CELL_CHARS (csv_scan): a JSON line
# or a workbook's strings past these sizes are refused before they are held in memory.
MAX_LINE_CHARS = 1 << 24
MAX_SHARED_STRINGS_BYTES = 256 << 20


def _read_jsonl(path: Path) -> list[list[str]]:
    """One JSON object per line; the header is every key seen, in order of appearance."""
    objects: list[dict] = []
    name, n = shown_name(path.name), 0
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                if len(line) > MAX_LINE_CHARS:
                    raise DeliveryError(
                        f"{name} 第 {n} 行超过 {MAX_LINE_CHARS:,} 个字符（单元格过大）；请检查导出的内容后重新报送"
                    )
                obj = json.loads(line, object_pairs_hook=_unique_keys)
                if not isinstance(obj, dict):
                    raise DeliveryError(f"{name} 第 {n} 行不是 JSON 对象")
                objects.append(obj)
    except _DuplicateKey as exc:
        raise DeliveryError(
            f"{name} 第 {n} 行的字段“{shown_name(exc.key, 40)}”出现了两次，无法确定使用哪一个值；"
            "请修正导出程序后重新报送"
        ) from None
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


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        self.key = key


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """An object whose key appears twice is refused: JSON would keep the last value silently."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        raise _DuplicateKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return obj


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
                    if data_only:
                        _one_visible_sheet(book, name)
                    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
                finally:
                    book.close()
        except DeliveryError:
            raise
        except Exception as exc:  # openpyxl raises many kinds for a broken book
            raise DeliveryError(
                f"{name} 无法作为 XLSX 打开（{type(exc).__name__}），文件可能已损坏或不是 Excel 工作簿；{RESAVE}"
            ) from None

    _not_a_bomb(path, name)
    _no_giant_text(path, name)
    shown = rows(data_only=True)
    if _has_formulas(path):
        formulas = rows(data_only=False)
        for r, row in enumerate(shown):
            for c, value in enumerate(row):
                if value is None and r < len(formulas) and c < len(formulas[r]):
                    row[c] = formulas[r][c]
    cells = [[_xlsx_cell(v) for v in row] for row in shown]
    for r, row in enumerate(cells, start=1):
        for c, text in enumerate(row, start=1):
            if len(text) > MAX_CELL_CHARS:
                raise DeliveryError(_giant_cell(name, f"第 {r} 行第 {c} 列的单元格"))
    return cells


def _giant_cell(name: str, where: str) -> str:
    return (
        f"{name} {where}超过 {MAX_CELL_CHARS:,} 个字符的上限（单元格异常巨大）；"
        "请检查该单元格的内容后重新导出，或改用 CSV UTF-8 报送"
    )


def _no_giant_text(path: Path, name: str) -> None:
    """A cell's text is one XML text node, held whole when the sheet is parsed (an inline
    string written in the sheet itself is not in the shared-strings table): a run of bytes
    without a tag longer than MAX_CELL_CHARS characters could be (4 bytes each, at most) is
    refused while the unpacked XML streams past, before any of it is parsed."""
    limit = MAX_CELL_CHARS * 4
    block = min(1 << 20, limit)  # a run within one block is then within the limit
    try:
        with zipfile.ZipFile(path) as book:
            members = [
                m for m in book.namelist() if m.startswith("xl/worksheets/") or m.lower().endswith("sharedstrings.xml")
            ]
            giant = any(_longest_text_over(book, m, limit, block) for m in members)
    except (zipfile.BadZipFile, RuntimeError, OSError, EOFError):
        return  # openpyxl says what is wrong with it
    if giant:
        raise DeliveryError(_giant_cell(name, "的工作表中有单元格"))


def _longest_text_over(book: zipfile.ZipFile, member: str, limit: int, block: int) -> bool:
    run = 0  # bytes since the last "<"
    with book.open(member) as fh:
        for data in iter(lambda: fh.read(block), b""):
            first = data.find(b"<")
            if first == -1:
                run += len(data)
            elif run + first > limit:
                return True
            else:
                run = len(data) - data.rfind(b"<") - 1
            if run > limit:
                return True
    return False


def _not_a_bomb(path: Path, name: str) -> None:
    """A workbook's text table is held whole in memory when read (a 415 KB file with one
    400-million-character string took 4.9 GB): one past MAX_SHARED_STRINGS_BYTES unpacked
    is refused, by the size the zip says, before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as book:
            strings = sum(i.file_size for i in book.infolist() if i.filename.lower().endswith("sharedstrings.xml"))
    except zipfile.BadZipFile:
        return  # openpyxl says what is wrong with it
    if strings > MAX_SHARED_STRINGS_BYTES:
        raise DeliveryError(
            f"{name} 的文本内容解压后有 {strings / (1 << 20):,.0f} MB，超过 {MAX_SHARED_STRINGS_BYTES >> 20} MB 的上限"
            "（可能含有异常巨大的单元格）；请检查后重新导出，或改用 CSV UTF-8 报送"
        )


def _one_visible_sheet(book, name: str) -> None:
    """The records are the first worksheet's, and it must be the only one with data and be
    visible: records on another sheet would be neither loaded nor refused, a hidden sheet's
    records not what the department saw. Such a workbook is refused, naming the sheets."""

    def has_data(sheet) -> bool:
        return any(v not in (None, "") for row in sheet.iter_rows(values_only=True) for v in row)

    first, others = book.worksheets[0], [s for s in book.worksheets[1:] if has_data(s)]
    if getattr(first, "sheet_state", "visible") != "visible":
        raise DeliveryError(
            f"{name} 的第一个工作表“{shown_name(first.title, 31)}”是隐藏的；系统读取第一个工作表，"
            "请取消隐藏并确认其中是要报送的记录，或删除它后重新报送"
        )
    if others:
        listed = "、".join(f"“{shown_name(s.title, 31)}”" for s in others)
        raise DeliveryError(
            f"{name} 中除第一个工作表“{shown_name(first.title, 31)}”外，工作表{listed}也有数据；"
            "系统只读取一个工作表：请把记录放在同一个工作表（或分文件报送）后重新报送"
        )


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
    return layout_of(header, dataset, path.name).extra


def _to_records(rows: list[list[str]], dataset: Dataset, name: str):
    # Trailing empty lines (Excel's, editors') are not records.
    while rows and not any(str(c).strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise DeliveryError(f"{shown_name(name)} 没有表头行（文件中只有空行）")
    layout = layout_of(rows[0], dataset, name)
    return records_frame(enumerate(rows[1:], start=1), layout, dataset), layout.extra


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
            chunk = records.iloc[start : start + rows].reset_index(drop=True)
            yield frame_table(chunk), min(1.0, (start + rows) / max(len(records), 1))
        return
    if path.stat().st_size == 0:
        raise DeliveryError(f"{path.name} 是空文件")
    scan = scan_csv(path)
    done = 0  # records (after the header) already yielded
    if scan.arrow_reads_alike:
        try:
            read = arrow_csv(path, dataset, rows, scan.encoding, newlines_in_values=scan.quoted_line_break)
            for table, share, done in read:  # noqa: B007  (done: where csv takes over when Arrow stops)
                yield table, share
            return
        except NotArrow:
            pass
    for frame, share in python_csv(path, dataset, rows, scan.encoding, skip=done):
        yield frame_table(frame), share


class NotArrow(Exception):
    """Arrow would read this file differently from ``csv``: read the rest with ``csv``."""


def _csv_header(path: Path, encoding: str) -> list[str] | None:
    with open(path, encoding=encoding, newline="") as text:
        try:
            return next(csv.reader(text, strict=True), None)
        except csv.Error:
            return None


def arrow_csv(path: Path, dataset: Dataset, rows: int, encoding: str, newlines_in_values: bool = True):
    """Yields (table, share, records so far); raises NotArrow before yielding a chunk
    Arrow may have read differently (records already yielded are the same in both)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = _csv_header(path, encoding)
    if not header or any("\n" in h or "\r" in h for h in header):
        raise NotArrow
    layout = layout_of(header, dataset, path.name)
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
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=1,
                block_size=1 << 22,
                encoding="utf8" if encoding.startswith("utf-8") else encoding,
            ),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=newlines_in_values, ignore_empty_lines=False, invalid_row_handler=invalid_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        pending: list[pa.RecordBatch] = []
        pending_rows, done = 0, 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            if uneven:
                raise NotArrow
            pending.append(batch)
            pending_rows += batch.num_rows
            while pending_rows >= rows:
                whole = pa.Table.from_batches(pending)
                yield (
                    records_table(whole.slice(0, rows), layout, dataset, done),
                    min(1.0, source.tell() / size),
                    done + rows,
                )
                done += rows
                rest = whole.slice(rows)
                pending, pending_rows = rest.to_batches(), rest.num_rows
        if uneven:
            raise NotArrow
        if pending_rows or not done:
            whole = pa.Table.from_batches(pending, schema=reader.schema)
            yield records_table(whole, layout, dataset, done), 1.0, done + pending_rows
    except pa.ArrowInvalid:
        raise NotArrow from None
    finally:
        source.close()


def python_csv(path: Path, dataset: Dataset, rows: int, encoding: str, skip: int = 0):
    size = path.stat().st_size
    with open(path, "rb") as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        reader = csv.reader(text, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise DeliveryError(f"{path.name} 没有表头行")
            layout = layout_of(header, dataset, path.name)
            batch, n, yielded = [], 0, skip > 0
            start = reader.line_num + 1  # the line the next record starts on, for messages
            for n, row in enumerate(reader, start=1):
                start = reader.line_num + 1
                if n <= skip:
                    continue
                batch.append((n, row))
                if len(batch) == rows:
                    yield records_frame(batch, layout, dataset), raw.tell() / size
                    batch, yielded = [], True
            if batch or not yielded:
                yield records_frame(batch, layout, dataset), 1.0
        except csv.Error as exc:
            raise DeliveryError(csv_error_message(path.name, exc, start)) from None
