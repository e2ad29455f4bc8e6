"""How the report's figures read, shared by the page, the PDF and the workbook: the
per-department tables and overview cards, figures formatted one way, warnings ordered one
way, each department its own colour."""

from __future__ import annotations

import datetime as dt
import math

from markupsafe import Markup

from creditpipe.core.labels import LEVEL_NAMES, LEVELS

LEVEL_CLASS = LEVEL_NAMES  # the CSS class of each level
LEVEL_COLOUR = {"红": "#c0392b", "橙": "#e67e22", "黄": "#d4ac0d"}
# Colours by sorted department id: a department keeps its colour in every chart, and from
# month to month while the set of departments stays the same.
PALETTE = (
    "#4e79a7",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#9c755f",
    "#f28e2b",
    "#ff9da7",
    "#edc948",
    "#bab0ac",
    "#e15759",
    "#86bcb6",
    "#8cd17d",
)


# The per-department figures, as (group, key, header). group None: a top-level key.
# Shared by the HTML tables and the 部门指标 sheet so both say the same thing.
DEPT_TABLES = (
    (
        "报送与合格情况",
        (
            ("month", "batches", "本月批次"),
            ("month", "received", "本月报送"),
            ("month", "accepted", "本月合格"),
            ("month", "rejected", "本月不合格"),
            ("month", "rate_pct", "本月不合格率"),
            ("month", "warning_count", "本月质量提示"),
            ("ytd", "received", "本年报送"),
            ("ytd", "rejected", "本年不合格"),
            ("ytd", "rate_pct", "本年不合格率"),
        ),
    ),
    (
        "考核扣分（本年累计，分）",
        (
            ("deductions", "coverage", "信息覆盖率"),
            ("deductions", "conformity", "信息规范性"),
            ("deductions", "timeliness", "信息时效性"),
            ("deductions", "total", "扣分合计"),
        ),
    ),
    (
        "时效与整改情况",
        (
            ("timeliness", "items_due", "本月应报事项"),
            ("timeliness", "items_late", "本月超期事项"),
            ("timeliness", "ytd_items_late", "本年超期事项"),
            (None, "publication_late", "双公示超期"),
            ("refusals", "open", "退回未更正"),
            ("refusals", "over_limit", "其中超期"),
            ("refusals", "oldest_working_days", "最久未更正（工作日）"),
            ("refusals", "corrected", "本月已更正"),
        ),
    ),
)


# The overview's cards, in reading order: two rows of five (the rate card is double width).
SUMMARY_FIGURES = (
    ("departments", "报送部门"),
    ("batches", "报送批次"),
    ("received", "报送记录（条）"),
    ("accepted", "合格记录（条）"),
    ("rejected", "不合格记录（条）"),
    ("rate_pct", "全县数据不合格率"),
    ("warnings_红", "红色预警（条）"),
    ("warnings_橙", "橙色预警（条）"),
    ("warnings_黄", "黄色预警（条）"),
)


class ReportError(RuntimeError):
    """The report cannot be rendered as it should be (say what to do about it)."""


def format_figure(value, key: str = "") -> str:
    """How a figure reads in the HTML (the tests compare every data-figure cell with it).
    Rates (keys ending in rate_pct) are percentages with two decimals; no figure reads —."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key.endswith("rate_pct"):
        return f"{value:.2f}%"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


def figure(key: str, value, tag: str = "td", cls: str = "num") -> Markup:
    """One figure cell: the data-figure key lets a test (or a reader's script) find it."""
    return Markup('<{t} class="{c}" data-figure="{k}">{v}</{t}>').format(
        t=Markup(tag), c=cls, k=key, v=format_figure(value, key)
    )


def dept_figures(dept: dict, columns) -> list[tuple[str, object]]:
    """(data-figure key, value) for each column of one department's row."""
    out = []
    for group, key, _header in columns:
        if group is None:
            out.append((f"dept.{dept['department_id']}.{key}", dept.get(key)))
        else:
            out.append((f"dept.{dept['department_id']}.{group}.{key}", (dept.get(group) or {}).get(key)))
    return out


def department_colours(model: dict) -> dict[str, str]:
    ids = sorted({d["department_id"] for d in model["departments"]} | set(model["trend"]["series"]))
    return {dept_id: PALETTE[i % len(PALETTE)] for i, dept_id in enumerate(ids)}


def sorted_warnings(model: dict) -> list[dict]:
    """红 before 橙 before 黄; within a level by department rank, then time raised."""
    rank = {d["department_id"]: d.get("rank") or 999 for d in model["departments"]}
    order = {level: i for i, level in enumerate(LEVELS)}
    return sorted(
        model["warnings"],
        key=lambda w: (order.get(w["level"], 9), rank.get(w.get("department_id"), 999), w.get("raised_at") or ""),
    )


def local_time(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def report_title(model: dict) -> str:
    return f"{model['county']}公共信用信息归集月度监测与预警报告（{model['month_label']}）"


def rule_rows(model: dict) -> list[tuple[int, dict]]:
    """(index in model['rules'], row): rules with the most records first, then by count."""
    totals: dict[str, int] = {}
    for r in model["rules"]:
        totals[r["rule"]] = totals.get(r["rule"], 0) + (r["count"] or 0)
    return sorted(
        enumerate(model["rules"]), key=lambda ir: (-totals[ir[1]["rule"]], ir[1]["rule"], -(ir[1]["count"] or 0))
    )


def refusal_groups(model: dict, shown: int = 10) -> list[dict]:
    """The open refusals by department — the department whose oldest refusal is oldest first,
    each department's rows oldest first — with each group's count and how many are past the
    correction deadline; at most ``shown`` rows a group, each with its index in the model's
    list (its data-figure keys)."""
    groups: dict[str, list[tuple[int, dict]]] = {}
    for i, r in enumerate(model["open_refusals"]):
        groups.setdefault(r["department"], []).append((i, r))
    ordered = sorted(groups.items(), key=lambda g: min(r["delivered_at"] or "" for _, r in g[1]))
    return [
        {
            "department": department,
            "count": len(rows),
            "over_limit": sum(1 for _, r in rows if r["over_limit"]),
            "rows": sorted(rows, key=lambda ir: (ir[1]["delivered_at"] or "", ir[0]))[:shown],
            "more": max(0, len(rows) - shown),
        }
        for department, rows in ordered
    ]
