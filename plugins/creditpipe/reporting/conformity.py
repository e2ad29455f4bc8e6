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
from creditpipe.core.months import check_month
from creditpipe.core.records import nonconformity_rate
from creditpipe.reporting.scores import conformity_deduction
from creditpipe.warehouse.schema import statement


def compute_conformity(engine: Engine, catalog: Catalog, month: str) -> list[dict]:
    """Recompute and store the month's figures for every department (re-runnable)."""
    check_month(month)
    table = catalog.assessment["conformity"]
    query = sa.text(statement("report/conformity_by_month"))
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with engine.begin() as conn:
        by_month = [dict(r) for r in conn.execute(query, {"from_month": month[:4] + "-01", "to_month": month}).mappings()]
        refusals = {
            r["department_id"]: r
            for r in conn.execute(sa.text(statement("queries/refusals_by_department")), {"month": month}).mappings()
        }
        month_rows = {r["department_id"]: r for r in by_month if r["month"] == month}
        ytd_rows: dict[str, dict] = {}
        for r in by_month:  # the year to date: the months summed
            total = ytd_rows.setdefault(r["department_id"], {})
            for key in ("batches", "received", "accepted", "rejected", "warning_count"):
                total[key] = total.get(key, 0) + int(r[key] or 0)
        figures = []
        for dep in catalog.departments.values():
            m = month_rows.get(dep.id, {})
            y = ytd_rows.get(dep.id, {})
            received, rejected = int(m.get("received") or 0), int(m.get("rejected") or 0)
            ytd_received, ytd_rejected = int(y.get("received") or 0), int(y.get("rejected") or 0)
            ytd_rate = nonconformity_rate(ytd_rejected, ytd_received)
            corrected = int((refusals.get(dep.id) or {}).get("corrected") or 0)
            figures.append(
                {
                    "month": month,
                    "department_id": dep.id,
                    "batches": int(m.get("batches") or 0),
                    "received": received,
                    "accepted": int(m.get("accepted") or 0),
                    "rejected": rejected,
                    "warning_count": int(m.get("warning_count") or 0),
                    "rate_pct": round(float(nonconformity_rate(rejected, received)), 4),
                    "ytd_received": ytd_received,
                    "ytd_rejected": ytd_rejected,
                    "ytd_rate_pct": round(float(ytd_rate), 4),
                    "conformity_deduction": conformity_deduction(ytd_rate, table),
                    # The month's refusals still count in its rate; these show the follow-up.
                    "refusals_corrected": corrected,
                    "refusals_open": rejected - corrected,
                    "computed_at": now,
                }
            )
        conn.execute(sa.text(statement("queries/delete_monthly_conformity")), {"month": month})
        conn.execute(sa.text(statement("queries/insert_monthly_conformity")), figures)
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
            writer.writerow(["" if f["received"] == 0 and k == "rate_pct" else row[k] for k in FIGURE_HEADERS])
    json_path = out_dir / "conformity.json"
    json_path.write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return {"csv": str(csv_path), "json": str(json_path)}


def open_refusals(engine: Engine, as_of: dt.date, calendar=None) -> list[dict]:
    """Refusals not yet corrected, each with its age in working days since delivery."""
    from creditpipe.core.workdays import WorkingCalendar

    calendar = calendar or WorkingCalendar()
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.text(statement("queries/open_refusals"))).mappings()]
    for row in rows:
        delivered = dt.datetime.fromisoformat(row["delivered_at"]).date()
        row["age_working_days"] = calendar.working_days_between(delivered, as_of)
    return rows
