"""The monthly monitoring and early-warning report (月度监测与预警报告), rendered from one
report model (a JSON-serialisable dict built from the warehouse elsewhere) into:

- report.html: one self-contained page (inline CSS, charts as inline SVG, no request of any
  kind), fit to forward to the county's leaders;
- report.pdf: the same HTML through WeasyPrint, A4 with print CSS and a CJK font;
- report.xlsx: one sheet per table, for the credit office to work with;
- report.json: the model itself, so index.html (and anyone) can read a month back.

Personal data is masked in the model already: this module renders what it gets, never more.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
import subprocess
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")  # a server has no display; set before anything could pick a GUI backend

import jinja2  # noqa: E402
from markupsafe import Markup  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

TEMPLATES = Path(__file__).with_name("templates")
FORMATS = ("html", "pdf", "xlsx")
LEVELS = ("红", "橙", "黄")
LEVEL_CLASS = {"红": "red", "橙": "orange", "黄": "yellow"}
LEVEL_COLOUR = {"红": "#c0392b", "橙": "#e67e22", "黄": "#d4ac0d"}
BANDS_PCT = (0.1, 0.5, 1.0)  # the conformity assessment's band bounds, drawn on rate charts
MISSING_FONT = "缺少中文字体（fonts-noto-cjk），PDF 无法正确显示中文：请运行 make system-deps"
# Preferred first: Simplified Chinese glyph shapes. Any other CJK face is still readable.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Droid Sans Fallback")
# Colours by sorted department id: a department keeps its colour in every chart, and from
# month to month while the set of departments stays the same.
PALETTE = ("#4e79a7", "#59a14f", "#b07aa1", "#76b7b2", "#9c755f", "#f28e2b",
           "#ff9da7", "#edc948", "#bab0ac", "#e15759", "#86bcb6", "#8cd17d")
SEVERITY_LABEL = {"error": "错误（退回）", "warning": "提示（不退回）"}

# The per-department figures, as (group, key, header). group None: a top-level key.
# Shared by the HTML tables and the 部门指标 sheet so both say the same thing.
DEPT_TABLES = (
    ("报送与合格情况", (
        ("month", "batches", "本月批次"), ("month", "received", "本月报送"), ("month", "accepted", "本月合格"),
        ("month", "rejected", "本月不合格"), ("month", "rate_pct", "本月不合格率"),
        ("month", "warning_count", "本月质量提示"),
        ("ytd", "received", "本年报送"), ("ytd", "rejected", "本年不合格"), ("ytd", "rate_pct", "本年不合格率"),
    )),
    ("考核扣分（本年累计，分）", (
        ("deductions", "coverage", "信息覆盖率"), ("deductions", "conformity", "信息规范性"),
        ("deductions", "timeliness", "信息时效性"),
        ("deductions", "total", "扣分合计"),
    )),
    ("时效与整改情况", (
        ("timeliness", "items_due", "本月应报事项"), ("timeliness", "items_late", "本月超期事项"),
        ("timeliness", "ytd_items_late", "本年超期事项"), (None, "publication_late", "双公示超期"),
        ("refusals", "open", "退回未更正"), ("refusals", "over_limit", "其中超期"),
        ("refusals", "oldest_working_days", "最久未更正（工作日）"), ("refusals", "corrected", "本月已更正"),
    )),
)

# The overview's cards, in reading order: two rows of five (the rate card is double width).
SUMMARY_FIGURES = (
    ("departments", "报送部门"), ("batches", "报送批次"), ("received", "报送记录（条）"), ("accepted", "合格记录（条）"),
    ("rejected", "不合格记录（条）"), ("rate_pct", "全县数据不合格率"),
    ("warnings_红", "红色预警（条）"), ("warnings_橙", "橙色预警（条）"), ("warnings_黄", "黄色预警（条）"),
)


class ReportError(RuntimeError):
    """The report cannot be rendered as it should be (say what to do about it)."""


# --- figures -------------------------------------------------------------------------------

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
        t=Markup(tag), c=cls, k=key, v=format_figure(value, key))


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
    return sorted(model["warnings"], key=lambda w: (order.get(w["level"], 9), rank.get(w.get("department_id"), 999),
                                                     w.get("raised_at") or ""))


def _month_tick(month: str, first: bool) -> str:
    """'2026-01' → '1月'; the first month and each January also name the year."""
    year, mon = month.split("-")
    label = f"{int(mon)}月"
    return f"{label}\n{year}年" if first or mon == "01" else label


def _local_time(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


# --- fonts ---------------------------------------------------------------------------------

def _fontconfig_has_cjk() -> bool | None:
    """What fontconfig (WeasyPrint's font source) says; None when fc-list is not there."""
    if not shutil.which("fc-list"):
        return None
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


def _matplotlib_cjk() -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    return next((n for n in sorted(names) if "CJK" in n), None)


def cjk_font() -> str:
    """The family name of the installed CJK font (as matplotlib knows it), or ReportError."""
    family = _matplotlib_cjk()
    if family is None:
        # matplotlib caches its font list: a font installed after the cache was built is
        # only seen after a rescan.
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        family = _matplotlib_cjk()
    if family is None or _fontconfig_has_cjk() is False:
        raise ReportError(MISSING_FONT)
    return family


# --- charts --------------------------------------------------------------------------------

def _rc(font: str) -> dict:
    return {
        "font.family": [font], "font.size": 9, "axes.unicode_minus": False,
        "svg.fonttype": "path",      # glyphs as paths: the SVG looks the same on any machine
        "svg.hashsalt": "creditpipe",  # stable ids: the same model gives the same file
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
        "grid.color": "#e3e3e3", "grid.linewidth": 0.6, "axes.edgecolor": "#888888",
        "axes.titlesize": 10, "axes.titleweight": "bold", "legend.frameon": False,
    }


def _svg(fig: Figure, prefix: str) -> Markup:
    """The figure as an inline <svg> that scales to its container. Several SVGs share one
    document, so every id gets the chart's prefix (matplotlib's ids would clash)."""
    buf = StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.05, metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    text = re.sub(r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"',
                  r'<svg\1 class="chart" role="img" preserveAspectRatio="xMidYMid meet"', text, count=1)
    return Markup(text)


def _bands(ax, vertical: bool = False) -> None:
    for bound, level in zip(BANDS_PCT, ("黄", "橙", "红")):
        line = ax.axvline if vertical else ax.axhline
        line(bound, color=LEVEL_COLOUR[level], linestyle="--", linewidth=0.9, zorder=1)
        if vertical:
            ax.annotate(f"{bound:g}%", (bound, 1.0), xycoords=("data", "axes fraction"), xytext=(2, 2),
                        textcoords="offset points", fontsize=7, color=LEVEL_COLOUR[level], va="bottom")
        else:
            ax.annotate(f"{bound:g}%", (1.0, bound), xycoords=("axes fraction", "data"), xytext=(3, 0),
                        textcoords="offset points", fontsize=7, color=LEVEL_COLOUR[level], va="center")


def _nan(values) -> list[float]:
    return [math.nan if v is None else v for v in values]


def chart_ranking(model: dict, colours: dict, font: str) -> Markup:
    """Month rate per department, best at the top, against the assessment bands."""
    depts = model["departments"]
    with matplotlib.rc_context(_rc(font)):
        fig = Figure(figsize=(7.2, 0.3 * len(depts) + 0.9))
        ax = fig.add_subplot()
        ax.grid(axis="y", visible=False)
        rows = range(len(depts))[::-1]
        rates = [d["month"]["rate_pct"] for d in depts]
        ax.barh(list(rows), [r or 0 for r in rates], color=[colours[d["department_id"]] for d in depts],
                height=0.6, zorder=2)
        top = max([r for r in rates if r is not None] + [BANDS_PCT[-1]]) * 1.15
        ax.set_xlim(0, top)
        for y, rate in zip(rows, rates):
            text = "本月未报送" if rate is None else format_figure(rate, "rate_pct")
            ax.annotate(text, (rate or 0, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8,
                        color="#999999" if rate is None else "#333333")
        ax.set_yticks(list(rows), [f"{d['rank'] or '—'}. {d['short_name']}" for d in depts])
        ax.set_xlabel("本月数据不合格率（%）")
        _bands(ax, vertical=True)
        return _svg(fig, "rank")


def _month_axis(ax, months: list[str], every: int = 1) -> None:
    ax.set_xticks(range(len(months)),
                  [_month_tick(m, i == 0) if i % every == 0 else "" for i, m in enumerate(months)])
    ax.set_xlim(-0.5, len(months) - 0.5)


def chart_trend(model: dict, colours: dict, font: str, field: str, ylabel: str, prefix: str) -> Markup:
    """One line per department over the 12 months; a month with no value is a gap."""
    months, series = model["trend"]["months"], model["trend"]["series"]
    names = {d["department_id"]: d["short_name"] for d in model["departments"]}
    with matplotlib.rc_context(_rc(font)):
        fig = Figure(figsize=(7.2, 3.2))
        ax = fig.add_subplot()
        for dept_id in sorted(series, key=lambda i: list(names).index(i) if i in names else 99):
            ax.plot(range(len(months)), _nan(series[dept_id][field]), color=colours[dept_id], marker="o",
                    markersize=3, linewidth=1.6, label=names.get(dept_id, dept_id), zorder=3)
        if field == "rate_pct":
            _bands(ax)
        ax.set_ylim(bottom=0)
        _month_axis(ax, months)
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=min(6, max(1, len(series))), fontsize=8)
        return _svg(fig, prefix)


def chart_issues(model: dict, colours: dict, font: str) -> Markup:
    """Small multiples, one panel per department: warnings (bars), late items and late
    双公示 (lines), on one scale so panels compare."""
    months, series = model["trend"]["months"], model["trend"]["series"]
    depts = [d for d in model["departments"] if d["department_id"] in series]
    cols = 3
    rows = max(1, math.ceil(len(depts) / cols))
    peak = max([1] + [v or 0 for d in depts for f in ("warnings", "late_items", "publication_late")
                      for v in series[d["department_id"]][f]])
    with matplotlib.rc_context(_rc(font)):
        fig = Figure(figsize=(7.2, 1.9 * rows + 0.4))
        axes = fig.subplots(rows, cols, sharey=True, squeeze=False)
        x = range(len(months))
        for ax, dept in zip(axes.flat, depts):
            s = series[dept["department_id"]]
            ax.bar(x, _nan(s["warnings"]), color=colours[dept["department_id"]], alpha=0.85, width=0.7,
                   label="质量提示", zorder=2)
            ax.plot(x, _nan(s["late_items"]), color="#333333", marker="o", markersize=2.5, linewidth=1.1,
                    label="时效超期事项", zorder=3)
            ax.plot(x, _nan(s["publication_late"]), color="#999999", marker="s", markersize=2.5, linewidth=1.1,
                    linestyle=":", label="双公示超期", zorder=3)
            ax.set_title(dept["short_name"], fontsize=9)
            ax.set_ylim(0, peak * 1.15)
            ax.yaxis.get_major_locator().set_params(integer=True)
            _month_axis(ax, months, every=3)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(depts):]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8)
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        return _svg(fig, "issues")


def rule_rows(model: dict) -> list[tuple[int, dict]]:
    """(index in model['rules'], row): rules with the most records first, then by count."""
    totals: dict[str, int] = {}
    for r in model["rules"]:
        totals[r["rule"]] = totals.get(r["rule"], 0) + (r["count"] or 0)
    return sorted(enumerate(model["rules"]), key=lambda ir: (-totals[ir[1]["rule"]], ir[1]["rule"], -(ir[1]["count"] or 0)))


def chart_rules(model: dict, colours: dict, font: str) -> Markup | None:
    """Stacked horizontal bars: records per rule, a segment per department."""
    if not model["rules"]:
        return None
    labels: list[str] = []
    for _, r in rule_rows(model):
        if r["rule_label"] not in labels:
            labels.append(r["rule_label"])
    order = [d["department_id"] for d in model["departments"]]
    dept_ids = sorted({r["department_id"] for r in model["rules"]}, key=lambda i: order.index(i) if i in order else 99)
    names = {r["department_id"]: r["short_name"] for r in model["rules"]}
    with matplotlib.rc_context(_rc(font)):
        fig = Figure(figsize=(7.2, 0.32 * len(labels) + 1.2))
        ax = fig.add_subplot()
        ax.grid(axis="y", visible=False)
        y = list(range(len(labels)))[::-1]
        left = [0] * len(labels)
        for dept_id in dept_ids:
            counts = [0] * len(labels)
            for r in model["rules"]:
                if r["department_id"] == dept_id:
                    counts[labels.index(r["rule_label"])] += r["count"] or 0
            ax.barh(y, counts, left=left, color=colours.get(dept_id, "#999999"), height=0.65,
                    label=names[dept_id], zorder=2)
            left = [a + b for a, b in zip(left, counts)]
        for yy, total in zip(y, left):
            ax.annotate(str(total), (total, yy), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xlabel("记录数（条）")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="lower right", fontsize=8)
        return _svg(fig, "rules")


# --- HTML and PDF --------------------------------------------------------------------------

def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(figure=figure, format_figure=format_figure, dept_figures=dept_figures)
    env.filters["local_time"] = _local_time
    return env


def report_title(model: dict) -> str:
    return f"{model['county']}公共信用信息归集月度监测与预警报告（{model['month_label']}）"


def render_html(model: dict, font: str | None = None) -> str:
    font = font or cjk_font()
    colours = department_colours(model)
    charts = {
        "ranking": chart_ranking(model, colours, font),
        "rate": chart_trend(model, colours, font, "rate_pct", "数据不合格率（%）", "trend-rate"),
        "received": chart_trend(model, colours, font, "received", "报送记录数（条）", "trend-received"),
        "issues": chart_issues(model, colours, font),
        "rules": chart_rules(model, colours, font),
    }
    return _environment().get_template("report.html.j2").render(
        m=model, title=report_title(model), charts=charts, colours=colours,
        warnings=sorted_warnings(model), dept_tables=DEPT_TABLES, summary_figures=SUMMARY_FIGURES,
        rule_rows=rule_rows(model), severity_label=SEVERITY_LABEL, level_class=LEVEL_CLASS,
        late_items=[(i, t) for i, t in enumerate(model["timeliness_items"]) if t.get("late")],
    )


def _no_fetch(url: str, *args, **kwargs):
    """The report is self-contained: WeasyPrint may read data: URIs, nothing else."""
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise ReportError(f"报告不应引用外部资源：{url}")


def write_pdf(html: str, path: Path) -> Path:
    cjk_font()  # never a PDF with tofu boxes
    import logging

    import weasyprint  # imported late: it needs Pango, which only the PDF needs

    # WeasyPrint reports every SVG presentation attribute it does not style (thousands per
    # chart, all harmless); only its errors are worth a reader's attention.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf(path)
    return path


# --- XLSX ----------------------------------------------------------------------------------

def _text_safe(value):
    """Data, not formulas: a text starting with = + - @ gets a leading quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


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
        ws.append([_text_safe(v) for v in row])
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
    overview = [["报告", report_title(model)], ["信用办", model["credit_office"]], ["月份", model["month_label"]],
                ["数据截至", model["as_of"]], ["生成时间", _local_time(model["generated_at"])]]
    overview += [[label + ("（%）" if key == "rate_pct" else ""), s.get(key)] for key, label in SUMMARY_FIGURES]
    if model.get("calendar_statement"):
        overview.append(["工作日日历说明", model["calendar_statement"]])
    ws = _sheet(wb, "概览", ["项目", "数值"], overview, widths={1: 18, 2: 70})
    for label, value in ws.iter_rows(min_row=2):
        if label.value.endswith("（%）"):
            value.number_format = "0.00"

    _sheet(wb, "预警", ["级别", "部门", "预警规则", "预警事项", "依据", "建议措施", "预警时间"],
           [[w["level"], w["department"], w["rule_title"], w["title"], w["evidence"], w["action"],
             _local_time(w.get("raised_at"))] for w in sorted_warnings(model)],
           widths={4: 40, 5: 50, 6: 50})

    columns = [c for _, cols in DEPT_TABLES for c in cols]
    headers = ["排名", "部门", "部门全称"] + [h + ("（%）" if k == "rate_pct" else "") for _, k, h in columns]
    headers += ["应报信息类别", "本月缺报类别", "本年缺报类别"]
    rows = []
    for d in model["departments"]:
        cov = d.get("coverage") or {}
        rows.append([d.get("rank"), d["short_name"], d["name"]] + [v for _, v in dept_figures(d, columns)]
                    + [cov.get("required"), "、".join(cov.get("missing_month") or []), "、".join(cov.get("missing_ytd") or [])])
    _sheet(wb, "部门指标", headers, rows, rate_cols=[i for i, h in enumerate(headers, 1) if h.endswith("（%）")])

    _sheet(wb, "规则分布", ["规则", "规则代码", "级别", "部门", "记录数"],
           [[r["rule_label"], r["rule"], SEVERITY_LABEL.get(r["severity"], r["severity"]), r["short_name"], r["count"]]
            for _, r in rule_rows(model)])

    months, series = model["trend"]["months"], model["trend"]["series"]
    order = [d["department_id"] for d in model["departments"] if d["department_id"] in series]
    order += [i for i in series if i not in order]
    names = {d["department_id"]: d["short_name"] for d in model["departments"]}
    fields = (("rate_pct", "不合格率（%）"), ("received", "报送"), ("rejected", "不合格"), ("warnings", "质量提示"),
              ("late_items", "时效超期事项"), ("publication_late", "双公示超期"))
    headers = ["月份"] + [f"{names.get(i, i)}·{label}" for f, label in fields for i in order]
    rows = [[m] + [series[i][f][n] for f, _ in fields for i in order] for n, m in enumerate(months)]
    ws = _sheet(wb, "趋势", headers, rows, rate_cols=range(2, 2 + len(order)))
    chart = LineChart()
    chart.title = "各部门数据不合格率（%）"
    chart.y_axis.title = "不合格率（%）"
    chart.x_axis.title = "月份"
    chart.height, chart.width = 9, 22
    chart.add_data(Reference(ws, min_col=2, max_col=1 + len(order), min_row=1, max_row=1 + len(months)),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(months)))
    colours = department_colours(model)
    for dept_id, line in zip(order, chart.series):
        line.graphicalProperties.line.solidFill = colours[dept_id].lstrip("#")
        line.smooth = False
    chart.display_blanks = "gap"  # a month without deliveries has no rate: a gap, not a zero
    ws.add_chart(chart, f"A{len(months) + 4}")

    _sheet(wb, "时效性明细", ["部门", "数据类别", "交换周期", "数据期间", "应报日期", "实际报送", "超期工作日", "是否超期"],
           [[t["department"], t["dataset"], t["cycle"], t["period"], t["due"], t["delivered"] or "未报送",
             t["working_days_late"], "是" if t["late"] else "否"] for t in model["timeliness_items"]])
    _sheet(wb, "覆盖率", ["部门", "缺报数据类别", "范围"],
           [[g["department"], g["dataset"], g["scope"]] for g in model["coverage_gaps"]])
    _sheet(wb, "双公示超期", ["部门", "数据类别", "决定文书号", "相对人", "决定日期", "公示日期", "说明"],
           [[p["department"], p["dataset"], p["record_key"], p["party"], p["decision_date"], p["published"], p["message"]]
            for p in model["publication_late"]])
    _sheet(wb, "退回未更正", ["部门", "数据类别", "文件", "行号", "记录标识", "报送时间", "已过工作日", "是否超期"],
           [[r["department"], r["dataset"], r["file_name"], r["source_row"], r["record_key"],
             _local_time(r["delivered_at"]), r["age_working_days"], "是" if r["over_limit"] else "否"]
            for r in model["open_refusals"]])
    _sheet(wb, "政府机构失信", ["名称", "统一社会信用代码", "案号", "执行法院", "公布日期", "类型", "考核扣分"],
           [[g["name"], g["credit_code"], g["case_no"], g["court"], g["published"], g["kind"], g.get("points")]
            for g in model["government_debtors"]])
    wb.save(path)
    return path


# --- entry points --------------------------------------------------------------------------

def render_report(model: dict, out_dir: Path, formats=FORMATS) -> dict[str, Path]:
    """Write report.json and the requested forms into out_dir; returns {format: path}."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ReportError(f"未知的报告格式：{', '.join(sorted(unknown))}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json"}
    paths["json"].write_text(json.dumps(model, ensure_ascii=False, indent=1), encoding="utf-8")
    html = render_html(model) if {"html", "pdf"} & set(formats) else None
    if "html" in formats:
        paths["html"] = out_dir / "report.html"
        paths["html"].write_text(html, encoding="utf-8")
    if "pdf" in formats:
        paths["pdf"] = write_pdf(html, out_dir / "report.pdf")
    if "xlsx" in formats:
        paths["xlsx"] = write_xlsx(model, out_dir / "report.xlsx")
    return paths


_MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")


def render_index(reports_dir: Path, county: str) -> Path:
    """reports_dir/index.html: every published month (a YYYY-MM folder with report.json),
    newest first, with relative links to its files and its headline figures."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    months = []
    for folder in sorted((p for p in reports_dir.iterdir() if p.is_dir() and _MONTH_DIR.match(p.name)), reverse=True):
        if not (folder / "report.json").is_file():
            continue
        model = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        files = [(label, f"{folder.name}/report.{ext}") for ext, label in
                 (("html", "网页版"), ("pdf", "PDF"), ("xlsx", "Excel")) if (folder / f"report.{ext}").is_file()]
        months.append({"month": folder.name, "label": model.get("month_label", folder.name),
                       "summary": model.get("summary", {}), "generated_at": model.get("generated_at"), "files": files})
    html = _environment().get_template("index.html.j2").render(
        county=county, months=months, title=f"{county}公共信用信息归集月度监测与预警报告",
        generated=dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M"), levels=LEVELS, level_class=LEVEL_CLASS)
    path = reports_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
