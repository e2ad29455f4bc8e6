"""The rejection notice (数据退回通知) a clerk opens in Excel: what a department gets back for
one delivery — every refused record as delivered, the field, the rule (in Chinese: the
rule's own label), why, and how to fix it, the long texts wrapped in columns wide enough to
read; the day by which the refusals must be corrected before the early warning is raised,
and how the 数据不合格率 counts them. It goes only to the department that sent the records,
so values are not masked here."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import pandas as pd

from creditpipe.core.catalog import Catalog, Dataset, Department, load_catalog
from creditpipe.core.labels import SEVERITY_LABELS
from creditpipe.core.names import shown_name
from creditpipe.core.records import ROW_ID, Verdict
from creditpipe.core.workdays import WorkingCalendar
from creditpipe.notice.cells import write_cell
from creditpipe.notice.sheet_rows import add_rows
from creditpipe.quality.rules import rule

NOTICE_XLSX = "rejection_notice.xlsx"


def write_rejection_notice(
    verdict: Verdict,
    dataset: Dataset,
    department: Department,
    file_name: str,
    delivered_at: dt.datetime,
    out_dir: Path,
    extra_columns: list[str] = (),
    catalog: Catalog | None = None,
) -> Path:
    """The notice workbook. XlsxWriter (constant-memory mode: text stored in the cell, no
    table of every string kept until the end) writes the 说明 sheet, the formats and the
    header row of each table sheet; the data rows of the two tables, millions of cells for
    a large delivery, are then built column at a time with Arrow (``add_rows``): one
    XlsxWriter call per cell took 12-18 s for 55,000 refusals, most of the run's notice.
    ``catalog``: where the deadline's warning rule, the calendar and the assessment are
    read (the project's by default)."""
    import xlsxwriter

    catalog = catalog or load_catalog()

    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / NOTICE_XLSX
    # Written under a name of its own, then moved into place whole: two writers of one
    # folder (two `creditpipe validate --out` runs) never share a file or delete the other's.
    path = unique_part(final)
    summary = verdict.summary()
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(out_dir)})
    try:
        label = book.add_format({"bold": True, "valign": "top"})
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
        ]
        if summary["rejected"]:
            deadline = correction_deadline_text(catalog, dataset, department, delivered_at.date())
            if deadline:
                lines.append((DEADLINE_LABEL, deadline))
        lines.append((RATE_LABEL, rate_text(catalog, department)))
        if extra_columns:
            lines.append(("非标准列", extra_columns_text(extra_columns)))
        info.set_column(0, 0, 18)
        info.set_column(1, 1, 90)
        for n, (name, value) in enumerate(lines):
            write_cell(info, n, 0, name, title if n == 0 else label)
            write_cell(info, n, 1, value, wrap if n else None)

        tables: dict[str, pd.DataFrame] = {}  # the sheet's member in the .xlsx → its rows

        def table(title_: str, frame: pd.DataFrame, widths: dict[str, int], wrapped=()) -> None:
            tables[table_sheet(book, title_, frame, widths, head, wrap, wrapped)] = frame

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
        # The clerk reads the rule's Chinese label; its id stays in rejections.csv/.json.
        issues["规则"] = rule_labels(issues["规则"])
        table("问题明细", issues, ISSUE_WIDTHS, wrapped=ISSUE_WIDTHS)

        refused = verdict.refused_records()
        refused = refused.assign(退回原因=refused[ROW_ID].map(refusal_reasons(verdict.issues)))
        refused = refused.rename(columns={ROW_ID: "行号"})
        refused = refused[["行号", "退回原因", *dataset.field_names]]
        table("退回记录", refused, {"退回原因": 60}, wrapped={"退回原因"})
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


def table_sheet(book, title: str, frame: pd.DataFrame, widths: dict[str, int], head, wrap=None, wrapped=()) -> str:
    """A table sheet as XlsxWriter writes it, but for its data rows: column widths (the
    ``wrapped`` columns' cells in the format ``wrap``: text wrapped, at the top), frozen
    header and first column, the header row, the autofilter over the rows to come. Returns
    the sheet's member name in the .xlsx, where ``add_rows`` puts the rows."""
    sheet = book.add_worksheet(title)
    for i, name in enumerate(frame.columns):
        sheet.set_column(i, i, widths.get(name, 16), wrap if name in wrapped else None)
    sheet.freeze_panes(1, 1)
    for i, name in enumerate(frame.columns):
        sheet.write_string(0, i, str(name), head)
    if len(frame):
        sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    # XlsxWriter numbers its worksheet parts in the order the sheets were added (no chart
    # sheets here); add_rows fails loudly if the part is not this sheet's.
    return f"xl/worksheets/sheet{len(book.worksheets())}.xml"


# 问题明细's columns a clerk reads in full: their widths; their text wraps.
ISSUE_WIDTHS = {"字段": 24, "规则": 26, "问题说明": 60, "修改建议": 50, "原值": 30}
DEADLINE_LABEL = "更正期限"
RATE_LABEL = "不合格率怎么算"


def rule_labels(rules: pd.Series) -> pd.Series:
    """Each rule id as its Chinese label (``quality.rules``; a rule a declaration made up is
    a format rule), looked up once per rule."""
    labels = {r: rule(r).label for r in rules.dropna().unique()}
    return rules.map(labels)


def correction_deadline(catalog: Catalog, delivered: dt.date) -> tuple[dict, dt.date, WorkingCalendar] | None:
    """The early-warning rule on refusals left uncorrected (``refusal_overdue``), and the
    last day a refusal of a delivery on ``delivered`` may be corrected before it raises it:
    the warning counts a refusal's working days since its delivery by the catalog's calendar
    and warns once they are more than the rule's number, so the deadline is that number of
    working days after the delivery, by the same calendar. None without such a rule."""
    warning = next((r for r in catalog.early_warnings.get("rules", []) if r["kind"] == "refusal_overdue"), None)
    if warning is None:
        return None
    calendar = WorkingCalendar.from_catalog(catalog)
    return warning, calendar.add_working_days(delivered, int(warning["older_than_working_days"])), calendar


def day_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（星期{'一二三四五六日'[day.weekday()]}）"


def correction_deadline_text(catalog: Catalog, dataset: Dataset, department: Department, delivered: dt.date) -> str:
    """By when the refused records must come back corrected, and what follows if they do
    not; empty for a department the warning does not watch (one not assessed)."""
    found = correction_deadline(catalog, delivered)
    if found is None or not department.assessed:
        return ""
    warning, deadline, calendar = found
    keys = "、".join(f"“{k}”" for k in dataset.business_key)
    text = (
        f"请于{day_text(deadline)}前（含当日，即报送日{delivered.month}月{delivered.day}日后的第"
        f"{warning['older_than_working_days']}个工作日）将退回记录更正后重新报送。"
        + (f"\n系统按{keys}认定同一条记录：更正后的记录入库，原退回记录即为已更正。" if keys else "")
        + f"\n到期仍未更正的，自下一个工作日起，系统向信用办发出“{warning['title']}”{warning['level']}色预警，"
        "这些记录在信用办《月度监测与预警报告》的“退回未更正”中标为超期。"
        "超期本身不另行扣分，但退回记录已计入报送当月的数据不合格率，更正后也不扣除。"
    )
    return text + (f"\n{calendar.statement()}" if calendar.statement() else "")


def rate_text(catalog: Catalog, department: Department) -> str:
    """How the department's 数据不合格率 counts this notice's refusals (as
    ``core.records.nonconformity_rate`` and the monthly figures compute it)."""
    if not department.assessed:
        return (
            "数据不合格率 = 不合格记录数 ÷ 报送记录数 × 100%。本单位不参加部门信用信息归集考核："
            "退回记录不计入部门数据不合格率和考核扣分，也不触发超期未更正预警；请仍按退回原因更正后重新报送。"
        )
    conformity = catalog.assessment["conformity"]
    return (
        "数据不合格率 = 不合格记录数 ÷ 报送记录数 × 100%，按报送时间计入当月；考核按本年度累计的数据不合格率"
        f"分档扣减“{conformity.get('title', '信息规范性')}”分（满分{conformity['max_points']}分，"
        "档位见信用办《月度监测与预警报告》）。"
        f"\n① 因“{SEVERITY_LABELS['error']}”问题退回的记录计为不合格记录，一条记录有几处错误都只计1条；"
        f"\n② “{SEVERITY_LABELS['warning']}”的问题不计入，该记录照常入库；"
        "\n③ 整份无法读取而退回的文件，既不计入报送记录数，也不计入不合格记录数；记录完全相同的文件重复报送只计一次；"
        "\n④ 更正后重新报送的记录是一次新的报送，计入重新报送当月的报送记录数（重新校验，合格的不计为不合格）；"
        "原退回记录仍计入原报送月份的不合格记录数，不因更正而扣除。"
    )


def extra_columns_text(extra_columns: list[str]) -> str:
    """What the notice says of columns that are not the standard's (their cells are not loaded)."""
    names = "、".join(f"“{shown_name(c, 30)}”" for c in extra_columns)
    return (
        f"文件中有 {len(extra_columns)} 列不是数据标准的字段：{names}。这些列的内容未入库，其余各列照常校验入库。"
        "如其中有标准字段，请按标准表头命名后重新报送；如不需要，请在以后的报送中删除这些列。"
    )
