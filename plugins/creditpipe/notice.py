"""The rejection notice (数据退回通知): what a department gets back for one delivery —
every refused record as delivered, the field, the rule, why, and how to fix it.

It goes only to the department that sent the records, so values are not masked here."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from creditpipe.catalog import Dataset, Department
from creditpipe.quality import ROW_ID, Verdict

REJECTIONS_CSV = "rejections.csv"
REJECTIONS_JSON = "rejections.json"
NOTICE_XLSX = "rejection_notice.xlsx"
SEVERITY_LABEL = {"error": "错误（退回）", "warning": "提示（不退回）"}
_UNSAFE = re.compile(r"[^0-9A-Za-z._\u4e00-\u9fff-]+")


def safe_name(text: str) -> str:
    """A file-name part that cannot climb out of its folder (no /, \\, .., control chars)."""
    cleaned = _UNSAFE.sub("_", text).strip("._") or "delivery"
    return cleaned[:80]


def _spreadsheet_text(value: object) -> object:
    """Cells we write never become formulas (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _append_row(sheet, values) -> None:
    """Append a row whose cells stay values: openpyxl would make a string that starts
    with = a formula, so such a cell goes in as text. (Fixing the row up after appending
    looked the row up by ``max_row``, which scans the sheet: quadratic in its rows.)"""
    from openpyxl.cell.cell import Cell

    cells = []
    for value in values:
        if isinstance(value, str) and len(value) > EXCEL_CELL_CHARS:
            value = _cut(value)
        if isinstance(value, str) and value.startswith("="):
            # Placed (row 1, column 1) only so that openpyxl's write-only sheets, which try
            # a Cell as a value first and name it in the error, can; append places it.
            value = Cell(sheet, row=1, column=1, value=value)
            value.data_type = "s"
        cells.append(value)
    sheet.append(cells)


# An Excel cell holds at most 32,767 characters; Excel "repairs" a workbook with a longer
# one. A longer delivered value is cut in the workbook; rejections.json keeps it whole.
EXCEL_CELL_CHARS = 32_767


def _cut(value: str) -> str:
    note = f"……（共 {len(value):,} 字，此处截断；完整内容见 {REJECTIONS_JSON}）"
    return value[: EXCEL_CELL_CHARS - len(note)] + note


def write_rejections_csv(verdict: Verdict, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REJECTIONS_CSV
    frame = verdict.issues.copy()
    frame["value"] = frame["value"].map(_spreadsheet_text)
    # UTF-8 with BOM: Excel on a clerk's PC opens it with the Chinese intact.
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_rejections_json(verdict: Verdict, dataset: Dataset, department: Department, file_name: str, out_dir: Path) -> Path:
    """The same notice for machines: the summary, then each refused record with its issues."""
    import json

    import numpy as np

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REJECTIONS_JSON

    # Column arrays, and each entry built only as it is written: dicts of every refused
    # record and every issue held at once grew with the refusals (the run's peak when the
    # notice is drafted beside the load).
    def cells(frame: pd.DataFrame, column: str) -> np.ndarray:
        values = frame[column].to_numpy(dtype=object, copy=True)  # the verdict's own stay as they are
        values[pd.isna(values)] = None
        return values

    issue_keys = ("field", "rule", "severity", "message", "fix")
    issue_rows = verdict.issues[ROW_ID].to_numpy(dtype=np.int64)
    order = np.argsort(issue_rows, kind="stable")  # by record, each record's issues as found
    issue_cells = [cells(verdict.issues, k) for k in issue_keys]
    # Looked up once, not per record (refused_rows is computed on each call).
    refused = verdict.refused_rows
    fields = [f for f in dataset.field_names if f in verdict.records.columns]
    record_cells = [cells(verdict.records, f) for f in fields]
    position = {int(row): n for n, row in enumerate(verdict.records[ROW_ID].to_numpy(dtype=np.int64))}
    head = {"dataset": dataset.id, "department": department.id, "file": file_name, **verdict.summary()}
    # Written record by record: the whole document as one string was the run's peak of
    # memory for a delivery with a hundred thousand refusals.
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "records": [')
        starts = np.flatnonzero(np.r_[True, np.diff(issue_rows[order]) != 0]) if len(order) else []
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(order)
            row = int(issue_rows[order[start]])
            at = position[row]
            entry = {
                "source_row": row,
                "refused": row in refused,
                "record": {f: values[at] for f, values in zip(fields, record_cells)},
                "issues": [{k: values[i] for k, values in zip(issue_keys, issue_cells)} for i in order[start:end]],
            }
            out.write(("," if n else "") + "\n    " + json.dumps(entry, ensure_ascii=False))
        out.write("\n  ]\n}\n")
    return path


def write_rejection_notice(
    verdict: Verdict,
    dataset: Dataset,
    department: Department,
    file_name: str,
    delivered_at: dt.datetime,
    out_dir: Path,
    extra_columns: list[str] = (),
) -> Path:
    """The notice workbook. XlsxWriter (constant-memory mode: text stored in the cell, no
    table of every string kept until the end) writes the 说明 sheet, the formats and the
    header row of each table sheet; the data rows of the two tables, millions of cells for
    a large delivery, are then built column at a time with Arrow (``_add_rows``): one
    XlsxWriter call per cell took 12-18 s for 55,000 refusals, most of the run's notice."""
    import xlsxwriter

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / NOTICE_XLSX
    summary = verdict.summary()
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(out_dir)})
    try:
        bold = book.add_format({"bold": True})
        title = book.add_format({"bold": True, "font_size": 14})
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "pattern": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})

        info = book.add_worksheet("说明")
        lines = [
            ("数据退回通知", ""),
            ("报送部门", department.name),
            ("数据集", f"{dataset.title}（{dataset.id}）"),
            ("报送文件", file_name),
            ("报送时间", delivered_at.strftime("%Y-%m-%d %H:%M")),
            ("收到记录", summary["received"]),
            ("入库记录", summary["accepted"]),
            ("退回记录", summary["rejected"]),
            ("提示（不退回）", summary["warnings"]),
            ("本批数据不合格率", f"{summary['nonconformity_rate_pct']:.2f}%"),
            ("", ""),
            ("如何处理", "请按“问题明细”逐条修改“退回记录”中的数据，修改后按原格式重新报送这些记录；"
                       "“行号”是该记录在所报送文件中的数据行序号（表头之后第1行为1）。"),
            ("计分说明", "退回记录计入本部门当月及年度数据不合格率（信息规范性考核）；“提示”不计入。"),
        ]
        if extra_columns:
            lines.append(("非标准列", extra_columns_text(extra_columns)))
        info.set_column(0, 0, 18)
        info.set_column(1, 1, 90)
        for n, (label, value) in enumerate(lines):
            _write_cell(info, n, 0, label, title if n == 0 else bold)
            _write_cell(info, n, 1, value, wrap if n >= 11 else None)

        tables: dict[str, pd.DataFrame] = {}  # the sheet's member in the .xlsx → its rows

        def table(title_: str, frame: pd.DataFrame, widths: dict[str, int]) -> None:
            tables[_table_sheet(book, title_, frame, widths, head)] = frame

        issues = verdict.issues.rename(
            columns={ROW_ID: "行号", "field": "字段", "rule": "规则", "severity": "级别",
                     "message": "问题说明", "fix": "修改建议", "value": "原值"}
        )
        issues["级别"] = issues["级别"].map(SEVERITY_LABEL)
        table("问题明细", issues, {"字段": 22, "规则": 22, "问题说明": 60, "修改建议": 50, "原值": 28})

        refused = verdict.refused_records()
        refused = refused.assign(退回原因=refused[ROW_ID].map(_reasons(verdict.issues)))
        refused = refused.rename(columns={ROW_ID: "行号"})
        refused = refused[["行号", "退回原因", *dataset.field_names]]
        table("退回记录", refused, {"退回原因": 60})
    finally:
        book.close()
    try:
        _add_rows(path, tables)
    except BaseException:
        path.unlink(missing_ok=True)  # a notice with its headers only is never left to be sent
        raise
    return path


def _reasons(issues: pd.DataFrame) -> pd.Series:
    """Each refused record's error messages joined by "；" in the order found, by record:
    what ``groupby(ROW_ID)["message"].agg("；".join)`` gives, without its Python call per
    record (a third of a second for 55,000 refusals)."""
    import numpy as np

    errors = issues[issues["severity"] == "error"]
    rows = errors[ROW_ID].to_numpy(dtype=np.int64)
    if not len(rows):
        return pd.Series([], dtype=object)
    order = np.argsort(rows, kind="stable")
    rows, messages = rows[order], errors["message"].to_numpy(dtype=object)[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    ends = np.r_[starts[1:], len(rows)]
    joined = messages[starts]  # (a copy) most records have one error: it is their reason
    for g in np.flatnonzero(ends - starts > 1):
        joined[g] = "；".join(messages[starts[g]:ends[g]])
    return pd.Series(joined, index=rows[starts], dtype=object)


def _table_sheet(book, title: str, frame: pd.DataFrame, widths: dict[str, int], head) -> str:
    """A table sheet as XlsxWriter writes it, but for its data rows: column widths, frozen
    header and first column, the header row, the autofilter over the rows to come. Returns
    the sheet's member name in the .xlsx, where ``_add_rows`` puts the rows."""
    sheet = book.add_worksheet(title)
    for i, name in enumerate(frame.columns):
        sheet.set_column(i, i, widths.get(name, 16))
    sheet.freeze_panes(1, 1)
    for i, name in enumerate(frame.columns):
        sheet.write_string(0, i, str(name), head)
    if len(frame):
        sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    # XlsxWriter numbers its worksheet parts in the order the sheets were added (no chart
    # sheets here); _add_rows fails loudly if the part is not this sheet's.
    return f"xl/worksheets/sheet{len(book.worksheets())}.xml"


# --- the table sheets' data rows, as sheet XML built column at a time ---------------------
#
# Each cell is exactly what _write_cell and XlsxWriter's constant-memory mode write (see
# xlsxwriter/worksheet.py _write_cell and xmlwriter.py): text as an inline string
# <c r="B2" t="inlineStr"><is><t>…</t></is></c> with &, < and > escaped and
# xml:space="preserve" when it starts or ends with whitespace; an integer as
# <c r="A2"><v>12</v></c>; a missing value (None, NA, NaN) no cell at all. An inline
# string is never a formula, whatever it starts with (=, +, -, @). The few cells that need
# more (a control character or literal _xHHHH_ text, which XlsxWriter writes as _xHHHH_
# escapes; text that may pass Excel's 32,767 characters) go through XlsxWriter's own
# functions one by one; a column that is not all text or all integers, cell by cell as
# _write_cell writes it; a row without a cell is left out, as XlsxWriter leaves it.
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
# Text this long in code points may be over 32,767 UTF-16 units: cut as _write_cell does.
_MAY_BE_TOO_LONG = EXCEL_CELL_CHARS // 2
_EXCEL_ROWS = 1_048_576  # a sheet's rows, its header's included


def _add_rows(path: Path, tables: dict[str, pd.DataFrame]) -> None:
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
        with zipfile.ZipFile(path) as source, \
                zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED, compresslevel=_DEFLATE_LEVEL) as target:
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
                with target.open(member.filename, "w") as out, ThreadPoolExecutor(1) as deflate:
                    out.write(head.encode("utf-8"))
                    # A chunk is compressed (zlib lets go of the GIL) while Arrow builds the
                    # next: the two took about as long as each other.
                    written = None
                    for start in range(0, len(frame), _ROWS_PER_CHUNK):
                        rows = _sheet_rows(frame.iloc[start:start + _ROWS_PER_CHUNK], start + 2)
                        if written is not None:
                            written.result()
                        written = deflate.submit(out.write, rows)
                    written.result()
                    out.write((end + tail).encode("utf-8"))
        os.replace(rewritten, path)
    finally:
        rewritten.unlink(missing_ok=True)


def _sheet_rows(frame: pd.DataFrame, first_row: int) -> memoryview:
    """The ``<row>`` elements of ``frame``'s rows, the first as sheet row ``first_row``
    (1-based), as UTF-8: each column's cells built by Arrow at once, then joined row-wise."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    from xlsxwriter.utility import xl_col_to_name

    numbers = pa.array(np.arange(first_row, first_row + len(frame)), pa.int64()).cast(pa.large_string())
    cells = [_column_cells(frame[name], xl_col_to_name(i), numbers) for i, name in enumerate(frame.columns)]
    # A missing cell (null) is left out of its row, and a row without a cell (XlsxWriter
    # writes none) out of the sheet.
    rows = pc.binary_join_element_wise(_xml('<row r="'), numbers, _xml('">'), *cells, _xml("</row>"), _xml(""),
                                       null_handling="replace", null_replacement="")
    filled = cells[0].is_valid()
    for column in cells[1:]:
        filled = pc.or_(filled, column.is_valid())
    if not pc.all(filled).as_py():
        rows = rows.filter(filled)
    # The values of a large_string array are one buffer: the rows as they are, no copy.
    offsets = np.frombuffer(rows.buffers()[1], np.int64)[rows.offset: rows.offset + len(rows) + 1]
    return memoryview(rows.buffers()[2])[offsets[0]:offsets[-1]]


def _xml(text: str):
    import pyarrow as pa

    return pa.scalar(text, pa.large_string())


def _column_cells(column: pd.Series, letter: str, numbers):
    """One column's ``<c>`` elements (null where the cell is missing), row numbers given."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = None
    try:
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            # As text (None, NA and NaN are nulls) only when Arrow sees text and nulls
            # alone: bytes, numbers and the like go cell by cell, below, as _write_cell
            # writes them (str()). (NaT, which pandas calls missing, is no cell here
            # where _write_cell wrote "NaT": no delivered cell is one.)
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
        if least is None or -(2**53) <= least and most <= 2**53:
            # XlsxWriter's "{:.16G}" formats the integer as a float: its plain digits
            # while the float holds it exactly (to 2**53), as a 行号 always is.
            return pc.binary_join_element_wise(_xml('<c r="' + letter), numbers, _xml('"><v>'),
                                               values.cast(pa.large_string()), _xml("</v></c>"), _xml(""))
    elif values is not None:
        text, special = values, pc.greater(pc.utf8_length(values), _MAY_BE_TOO_LONG)
        # One pass for what is rare in a delivery; then the passes that need it, if any.
        if pc.any(pc.match_substring_regex(values, f"[&<>]|{_NEEDS_ESCAPES}")).as_py():
            if pc.any(pc.match_substring_regex(values, "[&<>]")).as_py():
                text = pc.replace_substring(text, "&", "&amp;")
                text = pc.replace_substring(pc.replace_substring(text, "<", "&lt;"), ">", "&gt;")
            special = pc.or_(special, pc.match_substring_regex(values, _NEEDS_ESCAPES))
        # xml:space="preserve" if it starts or ends with whitespace: its first and last character.
        blank = _whitespace()
        preserve = pc.or_(pc.is_in(pc.utf8_slice_codeunits(values, 0, 1), value_set=blank),
                          pc.is_in(pc.utf8_slice_codeunits(values, -1, None), value_set=blank))
        # The few cells XlsxWriter would rewrite further: its own functions, one by one.
        special = pc.fill_null(special, False)
        if pc.any(special).as_py():
            done = [_inline_text(v) for v in values.filter(special).to_pylist()]
            text = pc.replace_with_mask(text, special, pa.array([t for _, t in done], pa.large_string()))
            preserve = pc.replace_with_mask(preserve, special, pa.array([k for k, _ in done], pa.bool_()))
        opening = pc.if_else(preserve, _xml('" t="inlineStr"><is><t xml:space="preserve">'),
                             _xml('" t="inlineStr"><is><t>'))
        return pc.binary_join_element_wise(_xml('<c r="' + letter), numbers, opening, text,
                                           _xml("</t></is></c>"), _xml(""))
    # Any other column (mixed, floats, booleans, dates: not in a delivery read as text).
    refs = [letter + n for n in numbers.to_pylist()]
    return pa.array([_cell_xml(ref, v) for ref, v in zip(refs, column.to_numpy(dtype=object))], pa.large_string())


def _whitespace():
    """What XlsxWriter's _preserve_whitespace calls whitespace (Python's \\s: every code
    point it matches; tests/test_notice_workbook.py checks the list)."""
    import pyarrow as pa

    return pa.array([chr(c) for c in (*range(0x09, 0x0E), *range(0x1C, 0x21), 0x85, 0xA0, 0x1680,
                                      *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)],
                    pa.large_string())


def _inline_text(text: str) -> tuple[bool, str]:
    """Whether the ``<t>`` of an inline-string cell keeps its whitespace, and its escaped
    text, by XlsxWriter's own functions: cut where Excel would repair the workbook
    (_write_cell, then write_string's own limit in UTF-16 units), control characters as
    _xHHHH_, &, < and > escaped."""
    from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate
    from xlsxwriter.xmlwriter import XMLwriter

    if len(text) > EXCEL_CELL_CHARS:
        text = _cut(text)
    if len(text) > _MAY_BE_TOO_LONG and _utf16_len(text) > EXCEL_CELL_CHARS:
        text = _utf16_truncate(text, EXCEL_CELL_CHARS)
    text = XMLwriter._escape_control_characters(text)
    return bool(_preserve_whitespace(text)), XMLwriter()._escape_data(text)


def _cell_xml(ref: str, value) -> str | None:
    """One cell as _write_cell has XlsxWriter write it, for a column not all text or all
    integers; None for a missing value."""
    import math
    import numbers

    if _missing(value):
        return None
    if isinstance(value, str):
        return _text_cell_xml(ref, value)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, numbers.Number):
        if isinstance(value, float) and math.isinf(value):  # as XlsxWriter's write_number refuses it
            raise TypeError("NAN/INF not supported in write_number() without 'nan_inf_to_errors' Workbook() option")
        return f'<c r="{ref}"><v>{value:.16G}</v></c>'
    return _text_cell_xml(ref, str(value))


def _text_cell_xml(ref: str, text: str) -> str:
    preserve, escaped = _inline_text(text)
    space = ' xml:space="preserve"' if preserve else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def _missing(value) -> bool:
    """No cell for it: None, NA, NaN."""
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def _write_cell(sheet, row: int, col: int, value, style=None) -> None:
    """One cell as delivered: text stays text (never a formula, however it starts), cut
    where Excel's limit would have it repaired; numbers are numbers; missing is empty."""
    import numbers

    if _missing(value):
        if style is not None:
            sheet.write_blank(row, col, None, style)
        return
    if isinstance(value, str):
        sheet.write_string(row, col, _cut(value) if len(value) > EXCEL_CELL_CHARS else value, style)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, style)
    elif isinstance(value, numbers.Number):
        sheet.write_number(row, col, value, style)
    else:
        sheet.write_string(row, col, str(value), style)


def extra_columns_text(extra_columns: list[str]) -> str:
    """What the notice says of columns that are not the standard's (their cells are not loaded)."""
    from creditpipe.delivery import shown_name

    names = "、".join(f"“{shown_name(c, 30)}”" for c in extra_columns)
    return (f"文件中有 {len(extra_columns)} 列不是数据标准的字段：{names}。这些列的内容未入库，其余各列照常校验入库。"
            "如其中有标准字段，请按标准表头命名后重新报送；如不需要，请在以后的报送中删除这些列。")


UNREADABLE_TITLE = "数据退回通知（文件无法读取）"


def write_unreadable_notice(
    dataset: Dataset,
    department: Department,
    file_name: str,
    delivered_at: dt.datetime,
    reason: str,
    out_dir: Path,
) -> tuple[Path, Path]:
    """The notice for a file that could not be read at all: no record of it was loaded or
    counted; the whole file goes back with the reason. A workbook for the clerk and the
    same as JSON for machines."""
    import json

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from creditpipe.delivery import shown_name

    out_dir.mkdir(parents=True, exist_ok=True)
    shown = shown_name(file_name, 120)
    lines = [
        (UNREADABLE_TITLE, ""),
        ("报送部门", department.name),
        ("数据集", f"{dataset.title}（{dataset.id}）"),
        ("报送文件", shown),
        ("报送时间", delivered_at.strftime("%Y-%m-%d %H:%M")),
        ("处理结果", "整份文件无法读取，已退回：其中的记录均未入库，也不计入收到记录数。"),
        ("原因", reason),
        ("如何处理", "请按“原因”修正后，将整份文件重新报送到原落地目录；系统按内容识别，重新报送不会重复入库。"),
    ]
    book = Workbook()
    info = book.active
    info.title = "说明"
    for label, value in lines:
        _append_row(info, [label, value])
    info["A1"].font = Font(bold=True, size=14)
    for row in info.iter_rows(min_row=2, max_col=1):
        row[0].font = Font(bold=True)
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 90
    for row in info.iter_rows(min_row=2, max_row=len(lines), min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    xlsx_path = out_dir / NOTICE_XLSX
    book.save(xlsx_path)
    json_path = out_dir / REJECTIONS_JSON
    json_path.write_text(json.dumps({
        "dataset": dataset.id, "department": department.id, "file": shown,
        "delivered_at": delivered_at.isoformat(timespec="seconds"), "readable": False,
        "received": 0, "accepted": 0, "rejected": 0, "reason": reason, "records": [],
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    return xlsx_path, json_path
