"""The report's charts, drawn by matplotlib as inline SVG (no request of any kind), in the
installed CJK font."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from io import StringIO

import matplotlib

matplotlib.use("Agg")  # a server has no display; set before anything could pick a GUI backend

from markupsafe import Markup
from matplotlib import font_manager
from matplotlib.figure import Figure

from creditpipe.reporting.presentation import LEVEL_COLOUR, ReportError, format_figure, rule_rows

MISSING_FONT = "缺少中文字体（fonts-noto-cjk），PDF 无法正确显示中文：请运行 make system-deps"
# Preferred first: Simplified Chinese glyph shapes. Any other CJK face is still readable.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Serif CJK SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
)


def _month_tick(month: str, first: bool) -> str:
    """'2026-01' → '1月'; the first month and each January also name the year."""
    year, mon = month.split("-")
    label = f"{int(mon)}月"
    return f"{label}\n{year}年" if first or mon == "01" else label


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


def _rc(font: str) -> dict:
    return {
        "font.family": [font],
        "font.size": 9,
        "axes.unicode_minus": False,
        "svg.fonttype": "path",  # glyphs as paths: the SVG looks the same on any machine
        "svg.hashsalt": "creditpipe",  # stable ids: the same model gives the same file
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e3e3e3",
        "grid.linewidth": 0.6,
        "axes.edgecolor": "#888888",
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "legend.frameon": False,
    }


def _svg(fig: Figure, prefix: str) -> Markup:
    """The figure as an inline <svg> that scales to its container. Several SVGs share one
    document, so every id gets the chart's prefix (matplotlib's ids would clash)."""
    buf = StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.05, metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    text = re.sub(
        r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"',
        r'<svg\1 class="chart" role="img" preserveAspectRatio="xMidYMid meet"',
        text,
        count=1,
    )
    return Markup(text)


def _levels(model: dict) -> list[tuple[float, str]]:
    """The rate's warning levels (bound, level), lowest first, as the model states them."""
    levels = (model.get("assessment") or {}).get("rate_levels") or []
    return sorted((float(b["at_least_pct"]), b["level"]) for b in levels)


def _bands(ax, model: dict, vertical: bool = False) -> None:
    for bound, level in _levels(model):
        line = ax.axvline if vertical else ax.axhline
        line(bound, color=LEVEL_COLOUR[level], linestyle="--", linewidth=0.9, zorder=1)
        if vertical:
            ax.annotate(
                f"{bound:g}%",
                (bound, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, 2),
                textcoords="offset points",
                fontsize=7,
                color=LEVEL_COLOUR[level],
                va="bottom",
            )
        else:
            ax.annotate(
                f"{bound:g}%",
                (1.0, bound),
                xycoords=("axes fraction", "data"),
                xytext=(3, 0),
                textcoords="offset points",
                fontsize=7,
                color=LEVEL_COLOUR[level],
                va="center",
            )


def _nan(values) -> list[float]:
    """None (no data that month) as NaN: matplotlib leaves a gap, never a zero."""
    return [math.nan if v is None else v for v in values]


def _given(values) -> bool:
    return any(v is not None for v in values)


def trend_lines(model: dict, field: str) -> tuple[list[str], list[str]]:
    """(department ids drawn, short names left out) of a trend chart: a department with no
    value of ``field`` in any month of the span has no line, and the chart's note names it."""
    series = model["trend"]["series"]
    names = {d["department_id"]: d["short_name"] for d in model["departments"]}
    order = [d["department_id"] for d in model["departments"] if d["department_id"] in series]
    order += [i for i in series if i not in order]
    drawn = [i for i in order if _given(series[i][field])]
    return drawn, [names.get(i, i) for i in order if i not in drawn]


ISSUE_FIELDS = ("warnings", "late_items", "publication_late")


def issue_panels(model: dict) -> tuple[list[dict], list[str]]:
    """(departments drawn, short names left out) of the small multiples: a department that
    delivered nothing in any month of the span and had no late item has no panel."""
    series = model["trend"]["series"]
    drawn, left = [], []
    for d in model["departments"]:
        s = series.get(d["department_id"])
        if s and (_given(s["warnings"]) or _given(s["publication_late"]) or any(s["late_items"])):
            drawn.append(d)
        else:
            left.append(d["short_name"])
    return drawn, left


def chart_ranking(model: dict, colours: dict, font: str) -> Markup | None:
    """Month rate per department, best at the top, against the assessment bands; None when
    no department delivered (the page says so instead of an empty frame)."""
    depts = model["departments"]
    if all(d["month"]["rate_pct"] is None for d in depts):
        return None
    with matplotlib.rc_context(_rc(font)):
        fig = Figure(figsize=(7.2, 0.3 * len(depts) + 0.9))
        ax = fig.add_subplot()
        ax.grid(axis="y", visible=False)
        rows = range(len(depts))[::-1]
        rates = [d["month"]["rate_pct"] for d in depts]
        ax.barh(
            list(rows),
            [r or 0 for r in rates],
            color=[colours[d["department_id"]] for d in depts],
            height=0.6,
            zorder=2,
        )
        top = max([r for r in rates if r is not None] + [max((b for b, _ in _levels(model)), default=1.0)]) * 1.15
        ax.set_xlim(0, top)
        for y, rate in zip(rows, rates):
            text = "本月未报送" if rate is None else format_figure(rate, "rate_pct")
            ax.annotate(
                text,
                (rate or 0, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                color="#999999" if rate is None else "#333333",
            )
        ax.set_yticks(list(rows), [f"{d['rank'] or '—'}. {d['short_name']}" for d in depts])
        ax.set_xlabel("本月数据不合格率（%）")
        _bands(ax, model, vertical=True)
        return _svg(fig, "rank")


def _month_axis(ax, months: list[str], every: int = 1) -> None:
    ax.set_xticks(range(len(months)), [_month_tick(m, i == 0) if i % every == 0 else "" for i, m in enumerate(months)])
    ax.set_xlim(-0.5, len(months) - 0.5)


def chart_trend(model: dict, colours: dict, font: str, field: str, ylabel: str, prefix: str) -> Markup | None:
    """One line per department over the months of the trend (the same on every trend
    chart); a month with no value is a gap. None when no department has a value."""
    months, series = model["trend"]["months"], model["trend"]["series"]
    names = {d["department_id"]: d["short_name"] for d in model["departments"]}
    drawn, _ = trend_lines(model, field)
    if not drawn:
        return None
    with matplotlib.rc_context(_rc(font)):
        fig = Figure(figsize=(7.2, 3.2))
        ax = fig.add_subplot()
        for dept_id in drawn:
            ax.plot(
                range(len(months)),
                _nan(series[dept_id][field]),
                color=colours[dept_id],
                marker="o",
                markersize=3,
                linewidth=1.6,
                label=names.get(dept_id, dept_id),
                zorder=3,
                gid=f"line-{dept_id}",  # the SVG group's id: a reader's script (or a test) finds the line
            )
        if field == "rate_pct":
            _bands(ax, model)
        ax.set_ylim(bottom=0)
        _month_axis(ax, months)
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=min(6, len(drawn)), fontsize=8)
        return _svg(fig, prefix)


def chart_issues(model: dict, colours: dict, font: str) -> Markup | None:
    """Small multiples, one panel per department with data (``issue_panels``): warnings
    (bars), late items and late 双公示 (lines), on one scale so panels compare; None when
    no department has any."""
    months, series = model["trend"]["months"], model["trend"]["series"]
    depts, _ = issue_panels(model)
    if not depts:
        return None
    cols = 3
    rows = max(1, math.ceil(len(depts) / cols))
    peak = max([1] + [v or 0 for d in depts for f in ISSUE_FIELDS for v in series[d["department_id"]][f]])
    with matplotlib.rc_context(_rc(font)):
        fig = Figure(figsize=(7.2, 1.9 * rows + 0.4))
        axes = fig.subplots(rows, cols, sharey=True, squeeze=False)
        x = range(len(months))
        every = 1 if len(months) <= 4 else 3
        for ax, dept in zip(axes.flat, depts):
            s = series[dept["department_id"]]
            ax.bar(
                x,
                _nan(s["warnings"]),
                color=colours[dept["department_id"]],
                alpha=0.85,
                width=0.7,
                label="质量提示",
                zorder=2,
            )
            ax.plot(
                x,
                _nan(s["late_items"]),
                color="#333333",
                marker="o",
                markersize=2.5,
                linewidth=1.1,
                label="时效超期事项",
                zorder=3,
            )
            ax.plot(
                x,
                _nan(s["publication_late"]),
                color="#999999",
                marker="s",
                markersize=2.5,
                linewidth=1.1,
                linestyle=":",
                label="双公示超期",
                zorder=3,
            )
            ax.set_title(dept["short_name"], fontsize=9)
            ax.set_ylim(0, peak * 1.15)
            ax.yaxis.get_major_locator().set_params(integer=True)
            _month_axis(ax, months, every=every)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(depts) :]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8)
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        return _svg(fig, "issues")


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
            ax.barh(
                y, counts, left=left, color=colours.get(dept_id, "#999999"), height=0.65, label=names[dept_id], zorder=2
            )
            left = [a + b for a, b in zip(left, counts)]
        for yy, total in zip(y, left):
            ax.annotate(str(total), (total, yy), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xlabel("记录数（条）")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="lower right", fontsize=8)
        return _svg(fig, "rules")
