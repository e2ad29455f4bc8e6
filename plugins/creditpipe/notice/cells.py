"""Cells in the workbooks we write: a delivered value stays the value it is — text never
becomes a formula, however it starts, and text longer than an Excel cell holds is cut with
a note rather than left for Excel to "repair"."""

from __future__ import annotations

import pandas as pd

from creditpipe.core.spreadsheet import formula_safe

REJECTIONS_JSON = "rejections.json"


def as_text_cell(value: object) -> object:
    """Cells we write never become formulas (core.spreadsheet.formula_safe)."""
    return formula_safe(value)


def append_row(sheet, values) -> None:
    """Append a row whose cells stay values: openpyxl would make a string that starts
    with = a formula, so such a cell goes in as text. (Fixing the row up after appending
    looked the row up by ``max_row``, which scans the sheet: quadratic in its rows.)"""
    from openpyxl.cell.cell import Cell

    cells = []
    for value in values:
        if isinstance(value, str) and len(value) > EXCEL_CELL_CHARS:
            value = cut_to_cell(value)
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


def cut_to_cell(value: str) -> str:
    note = f"……（共 {len(value):,} 字，此处截断；完整内容见 {REJECTIONS_JSON}）"
    return value[: EXCEL_CELL_CHARS - len(note)] + note


def is_missing(value) -> bool:
    """No cell for it: None, NA, NaN."""
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def write_cell(sheet, row: int, col: int, value, style=None) -> None:
    """One cell as delivered: text stays text (never a formula, however it starts), cut
    where Excel's limit would have it repaired; numbers are numbers; missing is empty."""
    import numbers

    if is_missing(value):
        if style is not None:
            sheet.write_blank(row, col, None, style)
        return
    if isinstance(value, str):
        sheet.write_string(row, col, cut_to_cell(value) if len(value) > EXCEL_CELL_CHARS else value, style)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, style)
    elif isinstance(value, numbers.Number):
        sheet.write_number(row, col, value, style)
    else:
        sheet.write_string(row, col, str(value), style)
