"""The rejection notice's table sheets, their data rows written as sheet XML a column at a
time with Arrow into the workbook XlsxWriter wrote with the header rows only: one XlsxWriter
call per cell took 12-18 s for 55,000 refusals, most of the run's notice."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from creditpipe.notice.cells import EXCEL_CELL_CHARS, cut_to_cell, is_missing

# --- the table sheets' data rows, as sheet XML built column at a time ---------------------
#
# Each cell is exactly what write_cell and XlsxWriter's constant-memory mode write (see
# xlsxwriter/worksheet.py write_cell and xmlwriter.py): text as an inline string
# <c r="B2" t="inlineStr"><is><t>…</t></is></c> with &, < and > escaped and
# xml:space="preserve" when it starts or ends with whitespace; an integer as
# <c r="A2"><v>12</v></c>; a missing value (None, NA, NaN) no cell at all. An inline
# string is never a formula, whatever it starts with (=, +, -, @). The few cells that need
# more (a control character or literal _xHHHH_ text, which XlsxWriter writes as _xHHHH_
# escapes; text that may pass Excel's 32,767 characters) go through XlsxWriter's own
# functions one by one; a column that is not all text or all integers, cell by cell as
# write_cell writes it; a row without a cell is left out, as XlsxWriter leaves it. A cell of
# a column with a format of its own (``set_column``: wrapped text) carries that format's
# index, s="N", as XlsxWriter gives a cell written without a format of its own.
# Deliberate differences: XlsxWriter writes text that starts with <r> and ends with </r>
# unescaped, as rich-text XML, where here it stays the text it is; and pandas' NaT in a
# text column is no cell here, "NaT" there (no delivered cell is either).

# Rows built at a time: bounds the memory the Arrow columns of one chunk take.
_ROWS_PER_CHUNK = 10_000
# zlib level of the rewritten .xlsx. Measured on 55,000 refusals (130 MB of sheet XML):
# level 1, 0.8 s and 14.3 MB; level 3, 0.9 s and 13.0 MB; level 6 (XlsxWriter's), 1.4 s
# and 10.7 MB.
_DEFLATE_LEVEL = 1
# Text XlsxWriter rewrites before escaping (_escape_control_characters): literal _xHHHH_,
# the control characters but tab and line feed, and the non-characters U+FFFE/U+FFFF.
_NEEDS_ESCAPES = r"_x[0-9a-fA-F]{4}_|[\x{0}-\x{8}\x{b}-\x{1f}\x{fffe}\x{ffff}]"
# Text this long in code points may be over 32,767 UTF-16 units: cut as write_cell does.
_MAY_BE_TOO_LONG = EXCEL_CELL_CHARS // 2
_EXCEL_ROWS = 1_048_576  # a sheet's rows, its header's included


def add_rows(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Put each table's data rows into the sheet XlsxWriter wrote with its header row only
    (after that row, before ``</sheetData>``), with ``<dimension>`` saying the real range,
    by writing the .xlsx again; its other parts are copied as they are."""
    import os
    import re
    import zipfile
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    from xlsxwriter.utility import xl_rowcol_to_cell

    if not any(len(frame) for frame in tables.values()):
        return
    rewritten = path.with_name(f".{path.name}.rows")
    # No ZIP64, as XlsxWriter's workbook: a sheet part over 2 GiB fails here as it did there.
    try:
        with (
            zipfile.ZipFile(path) as source,
            zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED, compresslevel=_DEFLATE_LEVEL) as target,
        ):
            for member in source.infolist():
                frame = tables.get(member.filename)
                if frame is None or not len(frame):
                    target.writestr(member, source.read(member))
                    continue
                head, end, tail = source.read(member).decode("utf-8").partition("</sheetData>")
                if not end or end in tail or not re.search(r'<row r="1"[ >]', head):
                    raise RuntimeError(f"{member.filename}: not the table sheet XlsxWriter wrote")
                # XlsxWriter drops cells past Excel's last row (1,048,576): so do we. The
                # range ends at the last row with a cell (every row has one, its 行号, in a
                # notice) and the last column (the header row has them all).
                frame = frame.iloc[: _EXCEL_ROWS - 1]
                filled = np.flatnonzero(frame.notna().to_numpy().any(axis=1))
                last = xl_rowcol_to_cell(int(filled[-1]) + 1 if len(filled) else 0, len(frame.columns) - 1)
                head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head, count=1)
                styles = column_styles(head, len(frame.columns))
                with target.open(member.filename, "w") as out, ThreadPoolExecutor(1) as deflate:
                    out.write(head.encode("utf-8"))
                    # A chunk is compressed (zlib lets go of the GIL) while Arrow builds the
                    # next: the two took about as long as each other.
                    written = None
                    for start in range(0, len(frame), _ROWS_PER_CHUNK):
                        rows = _sheet_rows(frame.iloc[start : start + _ROWS_PER_CHUNK], start + 2, styles)
                        if written is not None:
                            written.result()
                        written = deflate.submit(out.write, rows)
                    written.result()
                    out.write((end + tail).encode("utf-8"))
        os.replace(rewritten, path)
    finally:
        rewritten.unlink(missing_ok=True)


def column_styles(sheet_xml: str, columns: int) -> list[str]:
    """Each column's format attribute for its cells (' s="N"', or "" for none), from the
    sheet's ``<cols>`` as XlsxWriter wrote them: ``<col min="2" max="4" … style="N" …/>``."""
    import re

    styles = [""] * columns
    for col in re.findall(r"<col [^>]*/>", sheet_xml.partition("<sheetData")[0]):
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', col))
        if attributes.get("style", "0") != "0":
            for i in range(int(attributes["min"]) - 1, min(int(attributes["max"]), columns)):
                styles[i] = f' s="{attributes["style"]}"'
    return styles


def _sheet_rows(frame: pd.DataFrame, first_row: int, styles: list[str] | None = None) -> memoryview:
    """The ``<row>`` elements of ``frame``'s rows, the first as sheet row ``first_row``
    (1-based), as UTF-8: each column's cells built by Arrow at once, then joined row-wise;
    ``styles``, each column's format attribute (``column_styles``)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    from xlsxwriter.utility import xl_col_to_name

    numbers = pa.array(np.arange(first_row, first_row + len(frame)), pa.int64()).cast(pa.large_string())
    styles = styles or [""] * len(frame.columns)
    cells = [_column_cells(frame[name], xl_col_to_name(i), numbers, styles[i]) for i, name in enumerate(frame.columns)]
    # A missing cell (null) is left out of its row, and a row without a cell (XlsxWriter
    # writes none) out of the sheet.
    rows = pc.binary_join_element_wise(
        _xml('<row r="'),
        numbers,
        _xml('">'),
        *cells,
        _xml("</row>"),
        _xml(""),
        null_handling="replace",
        null_replacement="",
    )
    filled = cells[0].is_valid()
    for column in cells[1:]:
        filled = pc.or_(filled, column.is_valid())
    if not pc.all(filled).as_py():
        rows = rows.filter(filled)
    # The values of a large_string array are one buffer: the rows as they are, no copy.
    offsets = np.frombuffer(rows.buffers()[1], np.int64)[rows.offset : rows.offset + len(rows) + 1]
    return memoryview(rows.buffers()[2])[offsets[0] : offsets[-1]]


def _xml(text: str):
    import pyarrow as pa

    return pa.scalar(text, pa.large_string())


def _column_cells(column: pd.Series, letter: str, numbers, style: str = ""):
    """One column's ``<c>`` elements (null where the cell is missing), row numbers given;
    ``style``, the column's format attribute (' s="N"') or ""."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = None
    try:
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            # As text (None, NA and NaN are nulls) only when Arrow sees text and nulls
            # alone: bytes, numbers and the like go cell by cell, below, as write_cell
            # writes them (str()). (NaT, which pandas calls missing, is no cell here
            # where write_cell wrote "NaT": no delivered cell is one.)
            inferred = pa.array(column)
            inferred = inferred.type if not isinstance(inferred, pa.ChunkedArray) else inferred.type
            if pa.types.is_string(inferred) or pa.types.is_large_string(inferred) or pa.types.is_null(inferred):
                values = pa.array(column, type=pa.large_string(), from_pandas=True)
        elif pd.api.types.is_integer_dtype(column.dtype):
            values = pa.array(column, from_pandas=True)
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
    except (pa.ArrowException, TypeError, ValueError):
        values = None  # mixed types: below, cell by cell
    if values is not None and pa.types.is_integer(values.type):
        least, most = (pc.min_max(values)[k].as_py() for k in ("min", "max"))
        if least is None or least >= -(2**53) and most <= 2**53:
            # XlsxWriter's "{:.16G}" formats the integer as a float: its plain digits
            # while the float holds it exactly (to 2**53), as a 行号 always is.
            return pc.binary_join_element_wise(
                _xml('<c r="' + letter),
                numbers,
                _xml('"' + style + "><v>"),
                values.cast(pa.large_string()),
                _xml("</v></c>"),
                _xml(""),
            )
    elif values is not None:
        text, special = values, pc.greater(pc.utf8_length(values), _MAY_BE_TOO_LONG)
        # One pass for what is rare in a delivery; then the passes that need it, if any.
        if pc.any(pc.match_substring_regex(values, f"[&<>]|{_NEEDS_ESCAPES}")).as_py():
            if pc.any(pc.match_substring_regex(values, "[&<>]")).as_py():
                text = pc.replace_substring(text, "&", "&amp;")
                text = pc.replace_substring(pc.replace_substring(text, "<", "&lt;"), ">", "&gt;")
            special = pc.or_(special, pc.match_substring_regex(values, _NEEDS_ESCAPES))
        # xml:space="preserve" if it starts or ends with whitespace: its first and last character.
        blank = xml_whitespace()
        preserve = pc.or_(
            pc.is_in(pc.utf8_slice_codeunits(values, 0, 1), value_set=blank),
            pc.is_in(pc.utf8_slice_codeunits(values, -1, None), value_set=blank),
        )
        # The few cells XlsxWriter would rewrite further: its own functions, one by one.
        special = pc.fill_null(special, False)
        if pc.any(special).as_py():
            done = [_inline_text(v) for v in values.filter(special).to_pylist()]
            text = pc.replace_with_mask(text, special, pa.array([t for _, t in done], pa.large_string()))
            preserve = pc.replace_with_mask(preserve, special, pa.array([k for k, _ in done], pa.bool_()))
        opening = pc.if_else(
            preserve,
            _xml('"' + style + ' t="inlineStr"><is><t xml:space="preserve">'),
            _xml('"' + style + ' t="inlineStr"><is><t>'),
        )
        return pc.binary_join_element_wise(
            _xml('<c r="' + letter), numbers, opening, text, _xml("</t></is></c>"), _xml("")
        )
    # Any other column (mixed, floats, booleans, dates: not in a delivery read as text).
    refs = [letter + n for n in numbers.to_pylist()]
    return pa.array(
        [_cell_xml(ref, v, style) for ref, v in zip(refs, column.to_numpy(dtype=object))], pa.large_string()
    )


def xml_whitespace():
    """What XlsxWriter's _preserve_whitespace calls whitespace (Python's \\s: every code
    point it matches; tests/test_notice_workbook.py checks the list)."""
    import pyarrow as pa

    return pa.array(
        [
            chr(c)
            for c in (
                *range(0x09, 0x0E),
                *range(0x1C, 0x21),
                0x85,
                0xA0,
                0x1680,
                *range(0x2000, 0x200B),
                0x2028,
                0x2029,
                0x202F,
                0x205F,
                0x3000,
            )
        ],
        pa.large_string(),
    )


def _inline_text(text: str) -> tuple[bool, str]:
    """Whether the ``<t>`` of an inline-string cell keeps its whitespace, and its escaped
    text, by XlsxWriter's own functions: cut where Excel would repair the workbook
    (write_cell, then write_string's own limit in UTF-16 units), control characters as
    _xHHHH_, &, < and > escaped."""
    from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate
    from xlsxwriter.xmlwriter import XMLwriter

    if len(text) > EXCEL_CELL_CHARS:
        text = cut_to_cell(text)
    if len(text) > _MAY_BE_TOO_LONG and _utf16_len(text) > EXCEL_CELL_CHARS:
        text = _utf16_truncate(text, EXCEL_CELL_CHARS)
    text = XMLwriter._escape_control_characters(text)
    return bool(_preserve_whitespace(text)), XMLwriter()._escape_data(text)


def _cell_xml(ref: str, value, style: str = "") -> str | None:
    """One cell as write_cell has XlsxWriter write it, for a column not all text or all
    integers (``style``: its column's format attribute); None for a missing value."""
    import math
    import numbers

    if is_missing(value):
        return None
    if isinstance(value, str):
        return _text_cell_xml(ref, value, style)
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, numbers.Number):
        if isinstance(value, float) and math.isinf(value):  # as XlsxWriter's write_number refuses it
            raise TypeError("NAN/INF not supported in write_number() without 'nan_inf_to_errors' Workbook() option")
        return f'<c r="{ref}"{style}><v>{value:.16G}</v></c>'
    return _text_cell_xml(ref, str(value), style)


def _text_cell_xml(ref: str, text: str, style: str = "") -> str:
    preserve, escaped = _inline_text(text)
    space = ' xml:space="preserve"' if preserve else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{escaped}</t></is></c>'
