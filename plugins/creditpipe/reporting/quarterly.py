"""The quarterly ranking (季度排名): seed 000's 曝光制 — "推进效果好和推进不力的单位…进行季度公布".
Published with the report of a quarter's last month, in the same three forms, from the same
facts: each department's score at the quarter's end (the year so far, as the assessment
scores it), what it lost in the quarter and for what, and the quarter's months side by side.

"推进效果好" is read as no point lost in the year so far (the assessment is the year's, and a
gap left open for months is not progress); "推进不力" as points lost, each item named with its
evidence and what of it was lost in this quarter — facts the credit office can publish and defend."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from creditpipe.core.months import month_list
from creditpipe.reporting.facts import MonthFacts, publication_day, rate_pct
from creditpipe.reporting.scores import department_score

QUARTER_END = ("03", "06", "09", "12")


def quarter_of(month: str) -> str | None:
    """2026-09 → 2026-Q3 when the month ends a quarter; else None."""
    return f"{month[:4]}-Q{int(month[5:]) // 3}" if month[5:] in QUARTER_END else None


def quarter_model(facts: MonthFacts, monthly: dict) -> dict:
    """The quarter ending with the facts' month, ranked as the month's report ranks (by the
    year's score); ``monthly`` is that report's model."""
    quarter = quarter_of(facts.month)
    months = month_list(facts.month, 3)
    before = None
    if quarter and not quarter.endswith("Q1"):  # the score at the previous quarter's end
        last = month_list(months[0], 2)[0]
        before = MonthFacts(facts.engine, facts.catalog, last, publication_day(last), facts.calendar)
    rows = []
    for d in monthly["departments"]:
        dep = d["department_id"]
        score = d["score"]
        earlier = department_score(before, dep) if before is not None else None
        lost = []
        for item in score["items"]:
            if not item["scored"] or not item["ytd"]["deduction"]:
                continue
            was = next(i for i in earlier["items"] if i["item"] == item["item"]) if earlier else None
            change = Decimal(str(item["ytd"]["deduction"])) - Decimal(str(was["ytd"]["deduction"] if was else 0))
            lost.append(
                {
                    "item": item["item"],
                    "points": float(item["ytd"]["deduction"]),
                    "in_quarter": float(change),
                    "evidence": item["ytd"]["evidence"],
                }
            )
        delivered = [facts.delivered(dep, m) for m in months]
        received = sum(x["received"] for x in delivered)
        rejected = sum(x["rejected"] for x in delivered)
        rows.append(
            {
                "rank": d["rank"],
                "department_id": dep,
                "short_name": d["short_name"],
                "name": d["name"],
                "ytd_score": score["ytd_score"],
                "scored_points": score["scored_points"],
                "ytd_lost": float(sum(Decimal(str(x["points"])) for x in lost)),
                "quarter_lost": float(sum(Decimal(str(x["in_quarter"])) for x in lost)),
                "lost": lost,
                "verdict": "推进不力" if lost else "推进效果好",
                "months": [
                    {"month": m, "received": x["received"], "rate_pct": rate_pct(x["rejected"], x["received"])}
                    for m, x in zip(months, delivered)
                ],
                "received": received,
                "rate_pct": rate_pct(rejected, received),
                "late_items": sum(len(facts.late_items(dep, m)) for m in months),
            }
        )
    return {
        "county": monthly["county"],
        "credit_office": monthly["credit_office"],
        "quarter": quarter,
        "quarter_label": f"{quarter[:4]}年第{quarter[-1]}季度" if quarter else "",
        "months": months,
        "as_of": monthly["as_of"],
        "generated_at": monthly["generated_at"],
        "departments": rows,
    }


def render_quarter(model: dict, out_dir: Path, formats=("html", "pdf", "xlsx")) -> dict[str, Path]:
    """ranking.json and the requested forms of the quarter's ranking into out_dir."""
    from creditpipe.reporting.render import report_environment, write_pdf

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "ranking.json"}
    paths["json"].write_text(json.dumps(model, ensure_ascii=False, indent=1), encoding="utf-8")
    title = f"{model['county']}{model['quarter_label']}公共信用信息归集考核排名"
    html = report_environment().get_template("quarter.html.j2").render(q=model, title=title)
    if "html" in formats:
        paths["html"] = out_dir / "ranking.html"
        paths["html"].write_text(html, encoding="utf-8")
    if "pdf" in formats:
        paths["pdf"] = write_pdf(html, out_dir / "ranking.pdf")
    if "xlsx" in formats:
        paths["xlsx"] = _write_xlsx(model, title, out_dir / "ranking.xlsx")
    return paths


def _write_xlsx(model: dict, title: str, path: Path) -> Path:
    from openpyxl import Workbook

    from creditpipe.core.spreadsheet import formula_safe

    wb = Workbook()
    ws = wb.active
    ws.title = "季度排名"
    ws.append([title])
    heads = [
        "排名",
        "部门",
        "本年得分",
        "已评分值",
        "本季度失分",
        "评价",
        "本季度报送",
        "本季度不合格率（%）",
        "本季度时效超期",
    ]
    heads += [f"{m} 不合格率（%）" for m in model["months"]] + ["失分项目及依据"]
    ws.append(heads)
    for d in model["departments"]:
        ws.append(
            [
                d["rank"],
                d["short_name"],
                d["ytd_score"],
                d["scored_points"],
                d["ytd_lost"],
                d["quarter_lost"],
                d["verdict"],
            ]
            + [d["received"], d["rate_pct"], d["late_items"]]
            + [m["rate_pct"] for m in d["months"]]
            + [
                formula_safe(
                    "；".join(
                        f"{x['item']} 失{x['points']:g}分（本季度{x['in_quarter']:g}）：{x['evidence']}"
                        for x in d["lost"]
                    )
                )
            ]
        )
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions[ws.cell(row=2, column=len(heads)).column_letter].width = 80
    wb.save(path)
    return path
