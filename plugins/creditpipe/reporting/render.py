"""The monthly monitoring and early-warning report (月度监测与预警报告), rendered from one
report model (a JSON-serialisable dict built by ``model``) into:

- report.html: one self-contained page (inline CSS, charts as inline SVG, no request of any
  kind), fit to forward to the county's leaders;
- report.pdf: the same HTML through WeasyPrint, A4 with print CSS and a CJK font;
- report.xlsx: one sheet per table, for the credit office to work with (``workbook``);
- report.json: the model itself, so index.html (and anyone) can read a month back.

Personal data is masked in the model already: this module renders what it gets, never more.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from creditpipe.core.clock import county_now
from creditpipe.core.labels import LEVELS, SEVERITY_LABELS
from creditpipe.core.templates import environment
from creditpipe.reporting import charts
from creditpipe.reporting.actions import to_handle
from creditpipe.reporting.presentation import (
    DEPT_TABLES,
    LEVEL_CLASS,
    SUMMARY_FIGURES,
    ReportError,
    department_colours,
    dept_figures,
    figure,
    format_figure,
    local_time,
    refusal_groups,
    report_title,
    rule_rows,
    sorted_warnings,
)
from creditpipe.reporting.workbook import write_xlsx

FORMATS = ("html", "pdf", "xlsx")


def report_environment():
    env = environment(html=True).overlay()
    env.globals.update(figure=figure, format_figure=format_figure, dept_figures=dept_figures)
    env.filters["local_time"] = local_time
    return env


def render_html(model: dict, font: str | None = None) -> str:
    font = font or charts.cjk_font()
    colours = department_colours(model)
    drawn = {
        "ranking": charts.chart_ranking(model, colours, font),
        "rate": charts.chart_trend(model, colours, font, "rate_pct", "数据不合格率（%）", "trend-rate"),
        "received": charts.chart_trend(model, colours, font, "received", "报送记录数（条）", "trend-received"),
        "issues": charts.chart_issues(model, colours, font),
        "rules": charts.chart_rules(model, colours, font),
    }
    return (
        report_environment()
        .get_template("report.html.j2")
        .render(
            m=model,
            title=report_title(model),
            charts=drawn,
            colours=colours,
            warnings=sorted_warnings(model),
            dept_tables=DEPT_TABLES,
            summary_figures=SUMMARY_FIGURES,
            rule_rows=rule_rows(model),
            severity_label=SEVERITY_LABELS,
            level_class=LEVEL_CLASS,
            late_items=[(i, t) for i, t in enumerate(model["timeliness_items"]) if t.get("late")],
            todo=to_handle(model),
            refusal_groups=refusal_groups(model),
            left_out={
                "rate": charts.trend_lines(model, "rate_pct")[1],
                "received": charts.trend_lines(model, "received")[1],
                "issues": charts.issue_panels(model)[1],
            },
        )
    )


def _no_fetch(url: str, *args, **kwargs):
    """The report is self-contained: WeasyPrint may read data: URIs, nothing else."""
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise ReportError(f"报告不应引用外部资源：{url}")


def write_pdf(html: str, path: Path) -> Path:
    charts.cjk_font()  # never a PDF with tofu boxes
    import logging

    import weasyprint  # imported late: it needs Pango, which only the PDF needs

    # WeasyPrint reports every SVG presentation attribute it does not style (thousands per
    # chart, all harmless); only its errors are worth a reader's attention.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf(path)
    return path


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
        render_townships(model, out_dir)  # linked from the page: townships/<name>.html
    if "pdf" in formats:
        paths["pdf"] = write_pdf(html, out_dir / "report.pdf")
    if "xlsx" in formats:
        paths["xlsx"] = write_xlsx(model, out_dir / "report.xlsx")
    return paths


def township_page(name: str) -> str:
    """A township's page, relative to its month's folder."""
    return f"townships/{name}.html"


def render_townships(model: dict, out_dir: Path) -> dict[str, Path]:
    """A page per township (seed 000: each 镇街园区's events, bodies, trend and warnings) in
    out_dir/townships/, linked from the report's overview. Its trend reads the months
    published before (their report.json beside this month's folder)."""
    tw = model.get("townships") or {}
    rows = tw.get("rows") or []
    if not rows:
        return {}
    earlier = []
    for folder in sorted(Path(out_dir).parent.glob("????-??")):
        if folder.name < model["month"] and (folder / "report.json").is_file():
            earlier.append(json.loads((folder / "report.json").read_text(encoding="utf-8")))
    env = report_environment()
    template = env.get_template("township.html.j2")
    out = {}
    (Path(out_dir) / "townships").mkdir(parents=True, exist_ok=True)
    for t in rows:
        name = t["township"]

        def mine(items: list, name: str = name) -> list:
            return [i for i in items if i.get("township") == name]

        trend = []
        for m in [*earlier[-11:], model]:
            row = next((r for r in (m.get("townships") or {}).get("rows", []) if r["township"] == name), None)
            if row and "composite" in row:
                trend.append(
                    {"month": m["month"], **row, "listed": row.get("newly_listed", 0) + row.get("still_listed", 0)}
                )
        html = template.render(
            m=model,
            t=t,
            tw=tw,
            count=len(rows),
            title=f"{name}政务诚信监测（{model['month_label']}）",
            events=mine(tw.get("events", [])),
            arrears=mine(tw.get("arrears", [])),
            penalties=mine(tw.get("penalties", [])),
            publications=mine(tw.get("publications", [])),
            commitments=mine(tw.get("commitments", [])),
            bodies=mine(tw.get("bodies", [])),
            warnings=[w for w in sorted_warnings(model) if w.get("township") == name],
            trend=trend,
            level_class=LEVEL_CLASS,
        )
        path = Path(out_dir) / township_page(name)
        path.write_text(html, encoding="utf-8")
        out[name] = path
    return out


_MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")
_QUARTER_DIR = re.compile(r"^\d{4}-Q[1-4]$")


def render_index(reports_dir: Path, county: str) -> Path:
    """reports_dir/index.html: every published month (a YYYY-MM folder with report.json),
    newest first, with relative links to its files and its headline figures; and every
    quarterly ranking (a YYYY-Qn folder with ranking.json)."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    months = []
    for folder in sorted((p for p in reports_dir.iterdir() if p.is_dir() and _MONTH_DIR.match(p.name)), reverse=True):
        if not (folder / "report.json").is_file():
            continue
        model = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        files = [
            (label, f"{folder.name}/report.{ext}")
            for ext, label in (("html", "网页版"), ("pdf", "PDF"), ("xlsx", "Excel"))
            if (folder / f"report.{ext}").is_file()
        ]
        months.append(
            {
                "month": folder.name,
                "label": model.get("month_label", folder.name),
                "summary": model.get("summary", {}),
                "generated_at": model.get("generated_at"),
                "files": files,
            }
        )
    quarters = [
        {"quarter": f.name, "label": f"{f.name[:4]}年第{f.name[-1]}季度", "files": [
            (label, f"{f.name}/ranking.{ext}") for ext, label in (("html", "网页版"), ("pdf", "PDF"), ("xlsx", "Excel"))
            if (f / f"ranking.{ext}").is_file()
        ]}
        for f in sorted((p for p in reports_dir.iterdir() if p.is_dir() and _QUARTER_DIR.match(p.name)), reverse=True)
        if (f / "ranking.json").is_file()
    ]  # fmt: skip
    html = (
        report_environment()
        .get_template("index.html.j2")
        .render(
            county=county,
            months=months,
            quarters=quarters,
            title=f"{county}公共信用信息归集月度监测与预警报告",
            generated=county_now().strftime("%Y-%m-%d %H:%M"),
            levels=LEVELS,
            level_class=LEVEL_CLASS,
        )
    )
    path = reports_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
