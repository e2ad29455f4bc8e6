"""The rejection notice (数据退回通知) a clerk opens in Excel: what a department gets back for
one delivery — every refused record as delivered, the field, the rule, why, and how to fix
it. It goes only to the department that sent the records, so values are not masked here."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import pandas as pd

from creditpipe.core.catalog import Dataset, Department
from creditpipe.core.labels import SEVERITY_LABELS
from creditpipe.core.names import shown_name
from creditpipe.core.records import ROW_ID, Verdict
from creditpipe.notice.cells import write_cell
from creditpipe.notice.sheet_rows import add_rows

NOTICE_XLSX = "rejection_notice.xlsx"


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
    a large delivery, are then built column at a time with Arrow (``add_rows``): one
    XlsxWriter call per cell took 12-18 s for 55,000 refusals, most of the run's notice."""
    import xlsxwriter

    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / NOTICE_XLSX
    # Written under a name of its own, then moved into place whole: two writers of one
    # folder (two `creditpipe validate --out` runs) never share a file or delete the other's.
    path = unique_part(final)
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
            (
                "如何处理",
                "请按“问题明细”逐条修改“退回记录”中的数据，修改后按原格式重新报送这些记录；"
                "“行号”是该记录在所报送文件中的数据行序号（表头之后第1行为1）。",
            ),
            ("计分说明", "退回记录计入本部门当月及年度数据不合格率（信息规范性考核）；“提示”不计入。"),
        ]
        if extra_columns:
            lines.append(("非标准列", extra_columns_text(extra_columns)))
        info.set_column(0, 0, 18)
        info.set_column(1, 1, 90)
        for n, (label, value) in enumerate(lines):
            write_cell(info, n, 0, label, title if n == 0 else bold)
            write_cell(info, n, 1, value, wrap if n >= 11 else None)

        tables: dict[str, pd.DataFrame] = {}  # the sheet's member in the .xlsx → its rows

        def table(title_: str, frame: pd.DataFrame, widths: dict[str, int]) -> None:
            tables[table_sheet(book, title_, frame, widths, head)] = frame

        issues = verdict.issues.rename(
            columns={
                ROW_ID: "行号",
                "field": "字段",
                "rule": "规则",
                "severity": "级别",
                "message": "问题说明",
                "fix": "修改建议",
                "value": "原值",
            }
        )
        issues["级别"] = issues["级别"].map(SEVERITY_LABELS)
        table("问题明细", issues, {"字段": 22, "规则": 22, "问题说明": 60, "修改建议": 50, "原值": 28})

        refused = verdict.refused_records()
        refused = refused.assign(退回原因=refused[ROW_ID].map(refusal_reasons(verdict.issues)))
        refused = refused.rename(columns={ROW_ID: "行号"})
        refused = refused[["行号", "退回原因", *dataset.field_names]]
        table("退回记录", refused, {"退回原因": 60})
    finally:
        book.close()
    try:
        add_rows(path, tables)
        os.replace(path, final)
    except BaseException:
        path.unlink(missing_ok=True)  # a notice with its headers only is never left to be sent
        raise
    return final


def unique_part(final: Path) -> Path:
    """A hidden name beside ``final``, this writer's own, to write before moving it into place."""
    return final.with_name(f".{final.name}.{uuid.uuid4().hex[:12]}.part")


def refusal_reasons(issues: pd.DataFrame) -> pd.Series:
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
        joined[g] = "；".join(messages[starts[g] : ends[g]])
    return pd.Series(joined, index=rows[starts], dtype=object)


def table_sheet(book, title: str, frame: pd.DataFrame, widths: dict[str, int], head) -> str:
    """A table sheet as XlsxWriter writes it, but for its data rows: column widths, frozen
    header and first column, the header row, the autofilter over the rows to come. Returns
    the sheet's member name in the .xlsx, where ``add_rows`` puts the rows."""
    sheet = book.add_worksheet(title)
    for i, name in enumerate(frame.columns):
        sheet.set_column(i, i, widths.get(name, 16))
    sheet.freeze_panes(1, 1)
    for i, name in enumerate(frame.columns):
        sheet.write_string(0, i, str(name), head)
    if len(frame):
        sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    # XlsxWriter numbers its worksheet parts in the order the sheets were added (no chart
    # sheets here); add_rows fails loudly if the part is not this sheet's.
    return f"xl/worksheets/sheet{len(book.worksheets())}.xml"


def extra_columns_text(extra_columns: list[str]) -> str:
    """What the notice says of columns that are not the standard's (their cells are not loaded)."""
    names = "、".join(f"“{shown_name(c, 30)}”" for c in extra_columns)
    return (
        f"文件中有 {len(extra_columns)} 列不是数据标准的字段：{names}。这些列的内容未入库，其余各列照常校验入库。"
        "如其中有标准字段，请按标准表头命名后重新报送；如不需要，请在以后的报送中删除这些列。"
    )
