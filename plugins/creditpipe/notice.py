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
        if isinstance(value, str) and value.startswith("="):
            value = Cell(sheet, value=value)
            value.data_type = "s"
        cells.append(value)
    sheet.append(cells)


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

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REJECTIONS_JSON
    issues = verdict.issues.where(verdict.issues.notna(), None)
    by_row: dict[int, list] = {}
    for rec in issues.to_dict("records"):
        by_row.setdefault(int(rec[ROW_ID]), []).append({k: rec[k] for k in ("field", "rule", "severity", "message", "fix")})
    records = verdict.records.set_index(ROW_ID)
    body = {
        "dataset": dataset.id,
        "department": department.id,
        "file": file_name,
        **verdict.summary(),
        "records": [
            {"source_row": row, "refused": row in verdict.refused_rows,
             "record": {k: (None if v is None or (isinstance(v, float) and pd.isna(v)) else v)
                        for k, v in records.loc[row].items() if k in dataset.field_names},
             "issues": found}
            for row, found in sorted(by_row.items())
        ],
    }
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_rejection_notice(
    verdict: Verdict,
    dataset: Dataset,
    department: Department,
    file_name: str,
    delivered_at: dt.datetime,
    out_dir: Path,
) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / NOTICE_XLSX
    book = Workbook()
    summary = verdict.summary()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")

    info = book.active
    info.title = "说明"
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
    for label, value in lines:
        _append_row(info, [label, value])
    info["A1"].font = Font(bold=True, size=14)
    for row in info.iter_rows(min_row=2, max_col=1):
        row[0].font = bold
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 90
    for row in info.iter_rows(min_row=12, max_row=13, min_col=2, max_col=2):
        row[0].alignment = wrap

    def table(title: str, frame: pd.DataFrame, widths: dict[str, int]) -> None:
        sheet = book.create_sheet(title)
        sheet.append(list(frame.columns))
        for cell in sheet[1]:
            cell.font, cell.fill = bold, head_fill
        for rec in frame.itertuples(index=False):
            _append_row(sheet, [None if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in rec])
        for i, name in enumerate(frame.columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = widths.get(name, 16)
        sheet.freeze_panes = "B2"
        if len(frame):
            sheet.auto_filter.ref = sheet.dimensions

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
    book.save(path)
    return path
