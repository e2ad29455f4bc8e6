"""Reading a delivered file as departments really send it: CSV in UTF-8 (with or
without BOM) or GB18030, or XLSX; the standard's Chinese headers, matched leniently."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

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
    """``records_fingerprint`` fed chunk by chunk (the same digest as the whole at once)."""

    def __init__(self):
        self.digest = hashlib.sha256()
        self.started = False

    def update(self, records: pd.DataFrame) -> "Fingerprint":
        fields = [c for c in records.columns if c not in (ROW_ID, PUBLISHED)]
        if not self.started:
            self.digest.update(json.dumps(fields, ensure_ascii=False).encode())
            self.started = True
        for row in records[fields].itertuples(index=False, name=None):
            self.digest.update(json.dumps(["" if v is None else str(v) for v in row], ensure_ascii=False).encode())
            self.digest.update(b"\n")
        return self

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def header_key(name: object) -> str:
    """Headers are matched after NFKC (full-width brackets = half-width) without blanks."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    return "".join(text.split()).lstrip("\ufeff")


def read_delivery(path: str | Path, dataset: Dataset) -> Delivery:
    path = Path(path)
    if not path.is_file():
        raise DeliveryError(f"文件不存在：{path.name}")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise DeliveryError(f"{path.name} 是空文件")
    suffix = path.suffix.lower()
    if head.startswith(b"PK") or suffix == ".xlsx":
        if not zipfile.is_zipfile(path):
            raise DeliveryError(f"{path.name} 不是有效的 XLSX 文件（可能已损坏或未传完）")
        rows, fmt, encoding = _read_xlsx(path), "xlsx", None
    elif suffix == ".csv":
        rows, encoding = _read_csv(path)
        fmt = "csv"
    elif suffix in (".jsonl", ".ndjson"):
        rows, fmt, encoding = _read_jsonl(path), "jsonl", "utf-8"
    else:
        raise DeliveryError(f"{path.name} 的格式不受支持；请报送 CSV、XLSX 或 JSON Lines 文件")
    return Delivery(path, file_sha256(path), fmt, encoding, *_to_records(rows, dataset, path.name))


def _read_csv(path: Path) -> tuple[list[list[str]], str]:
    raw = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        try:
            return list(csv.reader(io.StringIO(text, newline=""), strict=True)), encoding
        except csv.Error as exc:
            raise DeliveryError(f"{path.name} 的 CSV 格式有误（{exc}）") from None
    raise DeliveryError(f"{path.name} 既不是 UTF-8 也不是 GB18030 编码，无法识别其中的中文")


def _read_jsonl(path: Path) -> list[list[str]]:
    """One JSON object per line; the header is every key seen, in order of appearance."""
    objects: list[dict] = []
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise DeliveryError(f"{path.name} 第 {n} 行不是 JSON 对象")
                objects.append(obj)
    except UnicodeDecodeError:
        raise DeliveryError(f"{path.name} 不是 UTF-8 编码的 JSON Lines 文件") from None
    except json.JSONDecodeError as exc:
        raise DeliveryError(f"{path.name} 第 {n} 行不是有效的 JSON（{exc.msg}）") from None
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
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or encrypted book
        raise DeliveryError(f"{path.name} 无法作为 XLSX 打开（{type(exc).__name__}）") from None
    try:
        sheet = book.worksheets[0]
        return [[_xlsx_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


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
        raise DeliveryError(f"{name} 没有表头行")
    layout = _layout(rows[0], dataset, name)
    return _frame(enumerate(rows[1:], start=1), layout, dataset), layout.extra


@dataclass
class _Layout:
    positions: dict[str, int]  # field → column index
    stamp: int | None  # the pulled record's change time (updated_at), if any
    extra: list[str]


def _layout(header_row: list[str], dataset: Dataset, name: str) -> _Layout:
    header = [header_key(h) for h in header_row]
    wanted = {header_key(f): f for f in dataset.field_names}
    positions: dict[str, int] = {}
    extra = []
    for i, h in enumerate(header):
        if h in wanted and wanted[h] not in positions:
            positions[wanted[h]] = i
        elif h:
            extra.append(header_row[i])
    missing = [f for f in dataset.required_fields if f not in positions]
    if missing:
        raise DeliveryError(f"{name} 缺少必需的列：{'、'.join(missing)}（请使用标准表头）")
    stamp = next((i for i, h in enumerate(header) if h == "updated_at"), None)
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
    import codecs

    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 22), b""):
                    decoder.decode(block)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise DeliveryError(f"{path.name} 既不是 UTF-8 也不是 GB18030 编码，无法识别其中的中文")


def iter_chunks(path: str | Path, dataset: Dataset, rows: int = 200_000):
    """A delivery's records, ``rows`` at a time, with the same reading rules as
    ``read_delivery`` (a CSV is streamed; other formats are read whole and split). Yields
    (frame, progress) where progress is the share of the file read (0–1)."""
    path = Path(path)
    if not path.is_file():
        raise DeliveryError(f"文件不存在：{path.name}")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if path.suffix.lower() != ".csv" or head.startswith(b"PK"):
        delivery = read_delivery(path, dataset)
        records = delivery.records
        for start in range(0, max(len(records), 1), rows):
            yield records.iloc[start:start + rows].reset_index(drop=True), min(1.0, (start + rows) / max(len(records), 1))
        return
    size = path.stat().st_size
    if size == 0:
        raise DeliveryError(f"{path.name} 是空文件")
    encoding = csv_encoding(path)
    with open(path, "rb") as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        reader = csv.reader(text, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise DeliveryError(f"{path.name} 没有表头行")
            layout = _layout(header, dataset, path.name)
            batch, n, yielded = [], 0, False
            for n, row in enumerate(reader, start=1):
                batch.append((n, row))
                if len(batch) == rows:
                    yield _frame(batch, layout, dataset), raw.tell() / size
                    batch, yielded = [], True
            if batch or not yielded:
                yield _frame(batch, layout, dataset), 1.0
        except csv.Error as exc:
            raise DeliveryError(f"{path.name} 的 CSV 格式有误（{exc}）") from None
