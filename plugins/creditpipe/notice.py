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
    """The notice workbook, written row by row by XlsxWriter in its constant-memory mode:
    each row goes to disk as it is written and text is stored in the cell, not in a
    table of every string kept until the end (openpyxl's write-only mode kept one: it
    grew with the refusals, and the notice took 1.6 times as long)."""
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

        def table(title_: str, frame: pd.DataFrame, widths: dict[str, int]) -> None:
            sheet = book.add_worksheet(title_)
            for i, name in enumerate(frame.columns):
                sheet.set_column(i, i, widths.get(name, 16))
            sheet.freeze_panes(1, 1)
            for i, name in enumerate(frame.columns):
                sheet.write_string(0, i, str(name), head)
            columns = [frame[c].to_numpy(dtype=object) for c in frame.columns]
            for r in range(len(frame)):  # in order: constant-memory mode flushes each row
                for i, values in enumerate(columns):
                    _write_cell(sheet, r + 1, i, values[r])
            if len(frame):
                sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)

        issues = verdict.issues.rename(
            columns={ROW_ID: "行号", "field": "字段", "rule": "规则", "severity": "级别",
                     "message": "问题说明", "fix": "修改建议", "value": "原值"}
        )
        issues["级别"] = issues["级别"].map(SEVERITY_LABEL)
        table("问题明细", issues, {"字段": 22, "规则": 22, "问题说明": 60, "修改建议": 50, "原值": 28})

        refused = verdict.refused_records()
        reasons = (
            verdict.issues[verdict.issues["severity"] == "error"]
            .groupby(ROW_ID)["message"]
            .agg("；".join)
        )
        refused = refused.assign(退回原因=refused[ROW_ID].map(reasons)).rename(columns={ROW_ID: "行号"})
        refused = refused[["行号", "退回原因", *dataset.field_names]]
        table("退回记录", refused, {"退回原因": 60})
    finally:
        book.close()
    return path


def _write_cell(sheet, row: int, col: int, value, style=None) -> None:
    """One cell as delivered: text stays text (never a formula, however it starts), cut
    where Excel's limit would have it repaired; numbers are numbers; missing is empty."""
    import numbers

    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
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
