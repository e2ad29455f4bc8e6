"""A delivery's header matched to the standard's fields, and its cells made records.

Headers are matched leniently (full- and half-width alike, blanks ignored); a required
column missing, a header doubled or no standard header at all refuses the file. Columns that
are not the standard's are named (the notice says so) and not loaded."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pandas as pd

from creditpipe.core.catalog import Dataset
from creditpipe.core.names import shown_name
from creditpipe.core.records import PUBLISHED, ROW_ID
from creditpipe.ingest.files import DeliveryError


def header_key(name: object) -> str:
    """Headers are matched after NFKC (full-width brackets = half-width) without blanks."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    return "".join(text.split()).lstrip("\ufeff")


@dataclass
class Layout:
    positions: dict[str, int]  # field → column index
    stamp: int | None  # the pulled record's change time (updated_at), if any
    extra: list[str]  # headers that are not the standard's: their cells are not loaded


STAMP_COLUMN = "updated_at"


# A standard has a few dozen fields: a header far wider is not a delivery of one (a 30 MB
# file of 100,000 mostly empty columns took 2.5 GB to read).
MAX_COLUMNS = 1_000


def layout_of(header_row: list[str], dataset: Dataset, name: str) -> Layout:
    shown = shown_name(name)
    if len(header_row) > MAX_COLUMNS:
        raise DeliveryError(
            f"{shown} 的表头有 {len(header_row):,} 列，超过 {MAX_COLUMNS:,} 列的上限（标准只有 "
            f"{len(dataset.fields)} 个字段）；请只导出标准字段后重新报送"
        )
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
        # Its cells are not quoted: a file without its header row has a record there (an ID
        # number, a name), and the reason goes to logs, the collection log and the notice.
        raise DeliveryError(
            f"{shown} 的第一行（{sum(1 for h in header if h)} 列）没有一个标准表头：可能缺少表头行、"
            f"文件编码有误（中文成了乱码），或不是“{dataset.title}”的数据；请使用标准表头、以 UTF-8 编码重新导出后报送"
        )
    missing = [f for f in dataset.required_fields if f not in positions]
    if missing:
        hint = f"；文件中的非标准列：{'、'.join(shown_name(e, 20) for e in extra)}" if extra else ""
        raise DeliveryError(f"{shown} 缺少必需的列：{'、'.join(missing)}（请使用标准表头{hint}）")
    stamp = next((i for i, h in enumerate(header) if h == STAMP_COLUMN), None)
    return Layout(positions, stamp, extra)


def records_frame(numbered_rows, layout: Layout, dataset: Dataset) -> pd.DataFrame:
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


# Blank is what shows nothing: whitespace, and format characters — zero-width spaces and
# joiners, the word joiner, a stray byte-order mark (Unicode category Cf) — which a value
# made only of them hides; such a value is no value, so a required field holding it is empty.
BLANK_CELL = r"^[\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}\p{Cf}]*$"  # RE2, for Arrow
_BLANK_CHARS = "".join(
    chr(c)
    for c in [*range(0x10000), *range(0xE0000, 0xE0080)]
    if chr(c).isspace() or unicodedata.category(chr(c)) == "Cf"
)


def _cells(column: pd.Series | None, n: int) -> pd.Series:
    """A column's cells as delivered; blank cells (and cells a short row lacks) are None."""
    if column is None:
        return pd.Series([None] * n, dtype=object)
    values = column.astype(object).reset_index(drop=True)
    blank = values.isna().to_numpy() | (values.astype("string").str.strip(_BLANK_CHARS).fillna("") == "").to_numpy()
    values[blank] = None
    return values


# Only a cell that is empty or starts like a blank or format character is run through the
# regex, told by its first bytes (UTF-8) read off the column's own buffers, without copying
# its text: ASCII blanks; U+0085, U+00A0, U+00AD; U+2000–U+200F, U+2028–U+202F, U+205F–U+206F
# (not “ or —); U+3000 (not 《, E3 80 8A,
# which opens many legal citations); U+FEFF and U+FFF9–U+FFFB; and the rare leads of the
# others (Arabic, U+0890, U+1680, U+180E, the tag characters, SMP format characters). A
# regex over every cell cost more than reading the file.
_LEAD = bytearray(256)  # 1: a blank or a rare lead (no second look), 2: look at the next bytes
for _b in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0xD8, 0xDB, 0xDC, 0xE0, 0xE1, 0xF0, 0xF3):
    _LEAD[_b] = 1
for _b in (0xC2, 0xE2, 0xE3, 0xEF):
    _LEAD[_b] = 2


def _maybe_blank(data, starts, lengths):
    """Cells (positions) that may show nothing, by their first bytes alone."""
    import numpy as np

    lead_kind = np.frombuffer(bytes(_LEAD), dtype=np.uint8)
    filled = np.flatnonzero(lengths > 0)
    kind = lead_kind[data[starts[filled]]]
    sure, look = filled[kind == 1], filled[kind == 2]
    if len(look):
        last = len(data) - 1
        b0 = data[starts[look]]
        b1 = np.where(lengths[look] > 1, data[np.minimum(starts[look] + 1, last)], 0)
        b2 = np.where(lengths[look] > 2, data[np.minimum(starts[look] + 2, last)], 0)
        look = look[
            ((b0 == 0xC2) & np.isin(b1, (0x85, 0xA0, 0xAD)))
            | ((b0 == 0xE2) & (b1 == 0x80) & ((b2 <= 0x8F) | ((b2 >= 0xA8) & (b2 <= 0xAF))))  # U+2000–200F, 2028–202F
            | ((b0 == 0xE2) & (b1 == 0x81) & (b2 >= 0x9F) & (b2 <= 0xAF))  # U+205F–206F
            | ((b0 == 0xE3) & (b1 == 0x80) & (b2 == 0x80))
            | ((b0 == 0xEF) & ((b1 == 0xBB) | (b1 == 0xBF)))
        ]
    return np.concatenate([sure, look])  # (an empty cell is blank without a look)


def _blank_cells(column):
    """Which cells of an Arrow string column are null or show nothing (BLANK_CELL)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    # One array (the reader's many small chunks cost more, a Python pass each, than a copy).
    chunk = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    blank = chunk.is_null().to_numpy(zero_copy_only=False)
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
    data = chunk.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None and data.size else np.zeros(1, np.uint8)
    lengths = np.diff(offsets)
    blank |= lengths == 0
    at = _maybe_blank(data, offsets[:-1], lengths)
    at = at[~blank[at]]
    if len(at):
        some = pc.take(chunk, pa.array(at))
        blank[at] = pc.fill_null(pc.match_substring_regex(some, BLANK_CELL), True).to_numpy(zero_copy_only=False)
    return blank


def records_table(raw, layout: Layout, dataset: Dataset, before: int):
    """Arrow's cells as the records: blank cells null, wholly blank rows dropped (their
    number kept, so source_row is the record's position after the header)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = raw.num_rows
    cells = []
    filled = np.zeros(n, dtype=bool)
    for column in raw.columns:
        # Blank: empty, whitespace or format characters only (BLANK_CELL), found without
        # copying the text; a column with no blank cell is kept as it is.
        blank_cells = _blank_cells(column)
        blank = pa.array(blank_cells)
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
