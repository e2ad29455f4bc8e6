"""The month's figures per department: 数据不合格率 for the month and the year to date,
and the 信息规范性 deduction (on the year's rate, as seed 002 defines it)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from creditpipe.core.catalog import Catalog
from creditpipe.core.clock import county_now
from creditpipe.core.months import check_month
from creditpipe.core.records import nonconformity_rate
from creditpipe.core.spreadsheet import formula_safe
from creditpipe.reporting.facts import MonthFacts
from creditpipe.reporting.scores import conformity_deduction
from creditpipe.warehouse.schema import statement


def month_figures(facts: MonthFacts, corrected: dict[str, int] | None = None) -> list[dict]:
    """The month's 信息规范性 figures per department, from the month's facts: records
    delivered, accepted and refused in the month and the year to date, the rates, the
    deduction (on the year's rate, as seed 002 defines it), and how many of the month's
    refusals have been corrected (``corrected``, by department; by default as of the day the
    month is judged)."""
    table = facts.catalog.assessment["conformity"]
    now = county_now().isoformat(timespec="seconds")
    figures = []
    for dep in facts.catalog.assessed:
        m = facts.delivered(dep)
        y = facts.year_to_date(dep)
        ytd_rate = nonconformity_rate(y["rejected"], y["received"])
        fixed = facts.refusals_corrected(dep) if corrected is None else corrected.get(dep, 0)
        figures.append(
            {
                "month": facts.month,
                "department_id": dep,
                **{k: m[k] for k in ("batches", "received", "accepted", "rejected", "warning_count")},
                "rate_pct": round(float(nonconformity_rate(m["rejected"], m["received"])), 4),
                "ytd_received": y["received"],
                "ytd_rejected": y["rejected"],
                "ytd_rate_pct": round(float(ytd_rate), 4),
                "conformity_deduction": conformity_deduction(ytd_rate, table),
                # The month's refusals still count in its rate; these show the follow-up.
                "refusals_corrected": fixed,
                "refusals_open": m["rejected"] - fixed,
                "computed_at": now,
            }
        )
    return figures


def store_figures(engine: Engine, figures: list[dict], month: str) -> None:
    """The month's figures into ``monthly_conformity``, replacing any computed before."""
    check_month(month)
    with engine.begin() as conn:
        conn.execute(sa.text(statement("queries/delete_monthly_conformity")), {"month": month})
        if figures:
            conn.execute(sa.text(statement("queries/insert_monthly_conformity")), figures)


def compute_conformity(engine: Engine, catalog: Catalog, month: str, now: dt.datetime | None = None) -> list[dict]:
    """Recompute and store the month's figures for every department (re-runnable); the
    refusals corrected are those corrected so far (the report counts them as of its day)."""
    with engine.connect() as conn:
        so_far = {
            r["department_id"]: int(r["corrected"] or 0)
            for r in conn.execute(
                sa.text(statement("queries/refusals_by_department")), {"month": check_month(month)}
            ).mappings()
        }
    figures = month_figures(MonthFacts.judged(engine, catalog, month, now), so_far)
    store_figures(engine, figures, month)
    return figures


def read_conformity(engine: Engine, month: str) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(statement("queries/select_monthly_conformity")), {"month": month})
        return [dict(r) for r in rows.mappings()]


FIGURE_HEADERS = {
    "department": "部门",
    "batches": "报送批次",
    "received": "报送记录数",
    "accepted": "入库记录数",
    "rejected": "不合格记录数",
    "warning_count": "提示数",
    "rate_pct": "本月数据不合格率(%)",
    "ytd_received": "年度累计报送",
    "ytd_rejected": "年度累计不合格",
    "ytd_rate_pct": "年度数据不合格率(%)",
    "conformity_deduction": "信息规范性扣分",
    "refusals_corrected": "退回后已更正",
    "refusals_open": "退回未更正",
}


def write_figures(figures: list[dict], catalog: Catalog, out_dir: Path) -> dict:
    """The month's table as CSV (opens in Excel) and JSON, in the month's report folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "信息规范性_数据不合格率.csv"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIGURE_HEADERS.values())
        for f in figures:
            dep = catalog.departments[f["department_id"]]
            row = {**f, "department": dep.name}
            cells = ["" if f["received"] == 0 and k == "rate_pct" else row[k] for k in FIGURE_HEADERS]
            writer.writerow([formula_safe(c) for c in cells])
    json_path = out_dir / "conformity.json"
    json_path.write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return {"csv": str(csv_path), "json": str(json_path)}


def open_refusals(engine: Engine, as_of: dt.date, calendar=None) -> list[dict]:
    """Refusals not yet corrected, each with its age in working days since delivery."""
    from creditpipe.core.catalog import load_catalog
    from creditpipe.core.workdays import WorkingCalendar

    calendar = calendar or WorkingCalendar.from_catalog(load_catalog())
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.text(statement("queries/open_refusals"))).mappings()]
    for row in rows:
        delivered = dt.datetime.fromisoformat(row["delivered_at"]).date()
        row["age_working_days"] = calendar.working_days_between(delivered, as_of)
    return rows
