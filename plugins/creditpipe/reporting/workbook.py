"""The report as a workbook (report.xlsx): a sheet per table with the detail rows, for the
credit office to work with, and an Excel line chart of the rates."""

from __future__ import annotations

from pathlib import Path

from creditpipe.core.labels import SEVERITY_LABELS
from creditpipe.core.spreadsheet import formula_safe
from creditpipe.reporting.presentation import (
    DEPT_TABLES,
    SUMMARY_FIGURES,
    department_colours,
    dept_figures,
    local_time,
    report_title,
    rule_rows,
    sorted_warnings,
)


def _sheet(wb, title: str, headers: list[str], rows: list[list], rate_cols=(), widths: dict | None = None):
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE4EE")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        ws.append([formula_safe(v) for v in row])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # belt and braces: openpyxl must never see a formula here
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    for col in rate_cols:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = "0.00"
    for i, header in enumerate(headers, 1):
        # CJK characters are about two columns wide in Excel's unit.
        longest = max([_display_width(header)] + [_display_width(r[i - 1]) for r in rows if i - 1 < len(r)])
        width = (widths or {}).get(i, min(60, max(8, longest + 2)))
        ws.column_dimensions[get_column_letter(i)].width = width
        if longest + 2 > width:  # long text wraps inside its column rather than running off
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return ws


def _display_width(value) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def write_xlsx(model: dict, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.chart import LineChart, Reference

    wb = Workbook()
    wb.remove(wb.active)
    s = model["summary"]
    overview = [
        ["报告", report_title(model)],
        ["信用办", model["credit_office"]],
        ["月份", model["month_label"]],
        ["数据截至", model["as_of"]],
        ["生成时间", local_time(model["generated_at"])],
    ]
    overview += [[label + ("（%）" if key == "rate_pct" else ""), s.get(key)] for key, label in SUMMARY_FIGURES]
    if model.get("calendar_statement"):
        overview.append(["工作日日历说明", model["calendar_statement"]])
    ws = _sheet(wb, "概览", ["项目", "数值"], overview, widths={1: 18, 2: 70})
    for label, value in ws.iter_rows(min_row=2):
        if label.value.endswith("（%）"):
            value.number_format = "0.00"

    _sheet(
        wb,
        "预警",
        ["级别", "部门／镇街园区", "预警规则", "预警事项", "依据", "建议措施", "预警时间"],
        [
            [
                w["level"],
                w["department"],
                w["rule_title"],
                w["title"],
                w["evidence"],
                w["action"],
                local_time(w.get("raised_at")),
            ]
            for w in sorted_warnings(model)
        ],
        widths={4: 40, 5: 50, 6: 50},
    )

    columns = [c for _, cols in DEPT_TABLES for c in cols]
    headers = ["排名", "部门", "部门全称"] + [h + ("（%）" if k == "rate_pct" else "") for _, k, h in columns]
    headers += ["应报信息类别", "本月缺报类别", "本年缺报类别"]
    rows = []
    for d in model["departments"]:
        cov = d.get("coverage") or {}
        rows.append(
            [d.get("rank"), d["short_name"], d["name"]]
            + [v for _, v in dept_figures(d, columns)]
            + [cov.get("required"), "、".join(cov.get("missing_month") or []), "、".join(cov.get("missing_ytd") or [])]
        )
    _sheet(wb, "部门指标", headers, rows, rate_cols=[i for i, h in enumerate(headers, 1) if h.endswith("（%）")])

    _sheet(
        wb,
        "考核得分",
        ["部门", "项目", "分值", "本月扣分", "本年扣分", "得分", "本月依据", "本年依据"],
        [
            [d["short_name"], i["item"], i["points"]]
            + (
                [
                    i["month"]["deduction"],
                    i["ytd"]["deduction"],
                    i["score"],
                    i["month"]["evidence"],
                    i["ytd"]["evidence"],
                ]
                if i["scored"]
                else [None, None, "待评", "", i["evidence"]]
            )
            for d in model["departments"]
            for i in (d.get("score") or {}).get("items", [])
        ],
        widths={7: 50, 8: 60},
    )

    _sheet(
        wb,
        "规则分布",
        ["规则", "规则代码", "级别", "部门", "记录数"],
        [
            [r["rule_label"], r["rule"], SEVERITY_LABELS.get(r["severity"], r["severity"]), r["short_name"], r["count"]]
            for _, r in rule_rows(model)
        ],
    )

    months, series = model["trend"]["months"], model["trend"]["series"]
    order = [d["department_id"] for d in model["departments"] if d["department_id"] in series]
    order += [i for i in series if i not in order]
    names = {d["department_id"]: d["short_name"] for d in model["departments"]}
    fields = (
        ("rate_pct", "不合格率（%）"),
        ("received", "报送"),
        ("rejected", "不合格"),
        ("warnings", "质量提示"),
        ("late_items", "时效超期事项"),
        ("publication_late", "双公示超期"),
    )
    headers = ["月份"] + [f"{names.get(i, i)}·{label}" for f, label in fields for i in order]
    rows = [[m] + [series[i][f][n] for f, _ in fields for i in order] for n, m in enumerate(months)]
    ws = _sheet(wb, "趋势", headers, rows, rate_cols=range(2, 2 + len(order)))
    chart = LineChart()
    chart.title = "各部门数据不合格率（%）"
    chart.y_axis.title = "不合格率（%）"
    chart.x_axis.title = "月份"
    chart.height, chart.width = 9, 22
    chart.add_data(
        Reference(ws, min_col=2, max_col=1 + len(order), min_row=1, max_row=1 + len(months)), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(months)))
    colours = department_colours(model)
    for dept_id, line in zip(order, chart.series):
        line.graphicalProperties.line.solidFill = colours[dept_id].lstrip("#")
        line.smooth = False
    chart.display_blanks = "gap"  # a month without deliveries has no rate: a gap, not a zero
    ws.add_chart(chart, f"A{len(months) + 4}")

    _sheet(
        wb,
        "时效性明细",
        ["部门", "数据类别", "交换周期", "数据期间", "最迟报送", "实际报送", "周期结束后工作日", "是否超期"],
        [
            [
                t["department"],
                t["dataset"],
                t["cycle"],
                t["period"],
                t["due"],
                t["delivered"] or "未报送",
                t["working_days_late"],
                "是" if t["late"] else "否",
            ]
            for t in model["timeliness_items"]
        ],
    )
    _sheet(
        wb,
        "覆盖率",
        ["部门", "缺报数据类别", "范围"],
        [[g["department"], g["dataset"], g["scope"]] for g in model["coverage_gaps"]],
    )
    _sheet(
        wb,
        "双公示超期",
        ["部门", "数据类别", "决定文书号", "相对人", "决定日期", "公示日期", "说明"],
        [
            [
                p["department"],
                p["dataset"],
                p["record_key"],
                p["party"],
                p["decision_date"],
                p["published"],
                p["message"],
            ]
            for p in model["publication_late"]
        ],
    )
    _sheet(
        wb,
        "退回未更正",
        ["部门", "数据类别", "文件", "行号", "记录标识", "报送时间", "已过工作日", "是否超期"],
        [
            [
                r["department"],
                r["dataset"],
                r["file_name"],
                r["source_row"],
                r["record_key"],
                local_time(r["delivered_at"]),
                r["age_working_days"],
                "是" if r["over_limit"] else "否",
            ]
            for r in model["open_refusals"]
        ],
    )
    townships = model["townships"]
    overview = {
        "排名": "rank",
        "镇街园区": "township",
        "政务诚信建设指数": "composite",
        "登记单位": "bodies",
        "新列入失信": "newly_listed",
        "仍在列": "still_listed",
        "本月移出": "removed",
        "最长在列（天）": "longest_days",
        "本月欠费（元）": "arrears_amount",
        "上月欠费（元）": "arrears_previous",
        "结清户数": "arrears_cleared",
        "新增或增加户数": "arrears_grown",
        "受处罚": "penalties",
        "双公示": "issued",
        "超期公示": "published_late",
        "按时公示率（%）": "on_time_pct",
        "超期未反馈": "responses_overdue",
        "承诺": "commitments",
        "承诺未兑现": "commitments_failed",
        "考核扣分": "deduction",
    }
    _sheet(wb, "镇街园区总览", list(overview), [[r[k] for k in overview.values()] for r in townships["rows"]])
    _sheet(
        wb,
        "严重失信事件",
        [
            "镇街园区",
            "单位名称",
            "类型",
            "统一社会信用代码",
            "案号",
            "执行法院",
            "发布日期",
            "状态",
            "在列天数",
            "反馈日期",
            "整改措施",
            "归属依据",
        ],
        [
            [
                e["township"] or "未能归属",
                e["name"],
                e["kind"],
                e["credit_code"],
                e["case_no"],
                e["court_name"],
                e["published_date"],
                e["status"],
                e["days_on_list"],
                e.get("responded_on") or ("超期未反馈" if e.get("response_overdue") else "未反馈"),
                e.get("measures") or "",
                e["attributed_by"],
            ]
            for e in townships["events"]
        ],
    )
    _sheet(
        wb,
        "清欠进度",
        ["镇街园区", "单位", "供应单位", "户号", "本月欠费（元）", "上月欠费（元）", "欠费月数", "进度"],
        [
            [
                a["township"] or "未能归属",
                a["name"],
                a["provider"],
                a["account"],
                a["amount"],
                a["previous"],
                a["months_overdue"],
                a["status"],
            ]
            for a in townships["arrears"]
        ],
    )
    _sheet(
        wb,
        "所属单位受处罚",
        ["镇街园区", "被处罚单位", "信息类别", "决定书文号", "处罚决定日期", "处罚机关"],
        [
            [r["township"] or "未能归属", r["name"], r["dataset"], r["doc"], r["date"], r["authority"]]
            for r in townships["penalties"]
        ],
    )
    _sheet(
        wb,
        "政务公开",
        ["镇街园区", "作出机关", "信息类别", "决定文书号", "决定日期", "按时公示"],
        [
            [r["township"] or "未能归属", r["name"], r["dataset"], r["doc"], r["date"], "否" if r["late"] else "是"]
            for r in townships["publications"]
        ],
    )
    _sheet(
        wb,
        "守信践诺",
        ["镇街园区", "承诺编号", "承诺事项", "类型", "作出日期", "兑现期限", "兑现日期", "状态"],
        [
            [c["township"], c["number"], c["matter"], c["kind"], c["made_on"], c["due_on"], c["kept_on"], c["status"]]
            for c in townships["commitments"]
        ],
    )
    # Part one of the report comes first in the workbook too: after 概览 and 预警.
    part_one = ("镇街园区总览", "严重失信事件", "清欠进度", "所属单位受处罚", "政务公开", "守信践诺")
    for place, name in enumerate(part_one, start=2):
        wb.move_sheet(name, offset=place - wb.sheetnames.index(name))
    wb.save(path)
    return path
