"""The monthly monitoring and early-warning report (月度监测与预警报告) as data.

``build_model`` reads the month from the warehouse alone (through ``MonthFacts``) into
one JSON-able model; ``render`` turns that model into the HTML page, the PDF and the
workbook, so the three forms cannot disagree."""

from __future__ import annotations

import datetime as dt

from creditpipe.core.catalog import Catalog
from creditpipe.core.clock import county_now
from creditpipe.core.labels import LEVELS
from creditpipe.reporting import warnings as early_warning
from creditpipe.reporting.facts import MonthFacts, rate_pct
from creditpipe.reporting.scores import conformity_text, coverage_deduction, department_score


class _Fallback(dict):
    """Names by id; an id since removed from the catalog shows as itself (its history stays)."""

    def __missing__(self, key):
        return key


def _deductions(catalog: Catalog, facts: MonthFacts, dep: str, figure: dict) -> dict:
    table = catalog.assessment
    cov, tim = table["coverage"], table["timeliness"]
    coverage = coverage_deduction(facts.coverage[dep], cov)
    conformity = int(figure["conformity_deduction"])
    timeliness = min(int(tim["max_points"]), facts.ytd_late_items(dep) * int(tim["points_per_late_item"]))
    return {
        "coverage": coverage,
        "conformity": conformity,
        "timeliness": timeliness,
        "total": coverage + conformity + timeliness,
    }


def _department(catalog: Catalog, facts: MonthFacts, dep_id: str, over_limit: int, figure: dict) -> dict:
    """One department's part of the report: its month's figures (``conformity``), and
    what the month's facts say of its timeliness, coverage and refusals."""
    dep = catalog.departments[dep_id]
    m = {k: figure[k] for k in ("batches", "received", "accepted", "rejected", "warning_count")}
    refusals = [r for r in facts.open_refusals if r["department_id"] == dep_id]
    return {
        "department_id": dep_id,
        "name": dep.name,
        "short_name": dep.short_name,
        "month": {**m, "rate_pct": rate_pct(m["rejected"], m["received"])},
        "ytd": {
            "received": figure["ytd_received"],
            "rejected": figure["ytd_rejected"],
            "rate_pct": rate_pct(figure["ytd_rejected"], figure["ytd_received"]),
        },
        "deductions": _deductions(catalog, facts, dep_id, figure),
        "score": department_score(facts, dep_id),
        "timeliness": {
            "items_due": facts.items_due(dep_id),
            "items_late": len(facts.late_items(dep_id)),
            "ytd_items_late": facts.ytd_late_items(dep_id),
        },
        "coverage": facts.coverage[dep_id],
        "publication_late": facts.publication_late_count(dep_id),
        "refusals": {
            "open": len(refusals),
            "corrected": facts.refusals_corrected(dep_id),
            "oldest_working_days": max((r["age_working_days"] for r in refusals), default=0),
            "over_limit": sum(r["age_working_days"] > over_limit for r in refusals),
        },
    }


def _rank(departments: list[dict]) -> list[dict]:
    """Best first: the highest year-to-date score over the items scored (the assessment is
    the year's); between equal scores the lower month rate, then those that delivered."""
    ordered = sorted(
        departments,
        key=lambda d: (
            -d["score"]["ytd_score"],
            d["month"]["rate_pct"] is None,
            d["month"]["rate_pct"] or 0,
            d["department_id"],
        ),
    )
    for i, d in enumerate(ordered, 1):
        d["rank"] = i
    return ordered


def _rule(catalog: Catalog, kind: str) -> dict:
    return next((r for r in catalog.early_warnings.get("rules", []) if r["kind"] == kind), {})


def _trend(catalog: Catalog, facts: MonthFacts) -> dict:
    """Each department's figures month by month, over the months the warehouse has data for
    (``MonthFacts.trend_months``). A month the department delivered nothing in — no batch, no
    zero report — has no value (None: no data is not zero) in every figure but its late
    items, which are judged whether it delivered or not."""
    months = facts.trend_months
    series = {}
    for dep in catalog.assessed:
        rows = [facts.delivered(dep, m) for m in months]
        given = [(dep, m) in facts.by_department_month or facts.zero_reported(dep, m) for m in months]

        def when_given(values: list, given: list = given) -> list:
            return [v if g else None for v, g in zip(values, given)]

        series[dep] = {
            "received": when_given([r["received"] for r in rows]),
            "rejected": when_given([r["rejected"] for r in rows]),
            "rate_pct": [rate_pct(r["rejected"], r["received"]) for r in rows],
            "warnings": when_given([r["warning_count"] for r in rows]),
            "late_items": [len(facts.late_items(dep, m)) for m in months],
            "publication_late": when_given([facts.publication_late_count(dep, m) for m in months]),
            "open_refusals": when_given(
                [
                    sum(1 for r in facts.open_refusals if r["department_id"] == dep and r["delivered_month"] == m)
                    for m in months
                ]
            ),
        }
    return {"months": months, "series": series}


def _assessment_text(catalog: Catalog) -> dict:
    a = catalog.assessment
    return {
        "conformity_bands": conformity_text(a["conformity"]),
        # The rate's warning levels (the catalog's rule), drawn on the rate charts.
        "rate_levels": [
            {"at_least_pct": float(b["at_least_pct"]), "level": b["level"]}
            for b in _rule(catalog, "nonconformity_rate").get("levels", [])
        ],
        "timeliness": f"按约定交换周期，每一期（日、周、月）在周期结束后第{a['timeliness']['late_from_working_days']}个工作日或更晚才报送"
        f"（或未报送）的，扣{a['timeliness']['points_per_late_item']}分，最多扣{a['timeliness']['max_points']}分；"
        "本期无数据的，报送零报告（只有表头的文件，或接口、前置库应答无变更）即视为按时报送；当年未产生数据的信息类别不扣分。",
        "coverage": f"《指标目录》中应报送的信息类别，当年既无数据也无零报告的，每缺一类扣{a['coverage']['points_per_missing']}分；"
        f"应报类别均未提供的，扣{a['coverage'].get('all_missing_points', a['coverage']['max_points'])}分（满分{a['coverage']['max_points']}分）。",
        "government_debtor": f"乡镇（街道）机关及其所属事业单位、村（居）民委员会被列为失信被执行人的，扣"
        f"{a['government_debtor']['points']}分。",
    }


def _unattributed(facts: MonthFacts) -> list[dict]:
    """Government bodies found in the month's records that no township could be found for,
    each once, with where they were found: for the credit office to add to the register."""
    found: dict[str, dict] = {}
    sources = [
        ("失信被执行人名单", [(e["name"], e["credit_code"]) for e in facts.serious_events if e["township"] is None]),
        ("公用事业欠费", [(a["name"], "") for a in facts.township_arrears if a["township"] is None]),
        ("行政处罚（被处罚）", [(r["name"], r["code"]) for r in facts.township_penalties if r["township"] is None]),
        ("双公示（作出机关）", [(r["name"], r["code"]) for r in facts.township_publications if r["township"] is None]),
    ]
    for where, names in sources:
        for name, code in names:
            entry = found.setdefault(name, {"name": name, "credit_code": code or "", "found_in": []})
            entry["credit_code"] = entry["credit_code"] or code or ""
            if where not in entry["found_in"]:
                entry["found_in"].append(where)
    return [{**e, "found_in": "、".join(e["found_in"])} for e in found.values()]


def _respond_by(facts: MonthFacts, event: dict) -> str | None:
    """The last day the township may respond to a serious event (政府反馈): the
    ``response_within``-th working day after the listing was first delivered."""
    within = int(facts.catalog.monitoring.get("response_within_working_days", 10))
    since = event.get("listed_since")
    return facts.calendar.add_working_days(dt.date.fromisoformat(since[:10]), within).isoformat() if since else None


def _townships(facts: MonthFacts) -> dict:
    """Part one (seed 000 三（二）): the townships' 政务诚信 — per township its bodies and its
    严重失信事件 (附件2 五: −3 once), each event, and the bodies no township could be found for."""
    from creditpipe.reporting.townships import composite_text, township_rows

    points = int(facts.catalog.assessment["government_debtor"]["points"])
    events = facts.serious_events
    shown = ("township", "name", "kind", "credit_code", "case_no", "court_name", "published_date")
    titles = {d.id: d.title for d in facts.catalog.datasets.values()}

    def record(r: dict) -> dict:
        return {
            "township": r["township"],
            "name": r["name"],
            "dataset": titles.get(r["dataset_id"], r["dataset_id"]),
            "doc": r["doc"],
            "date": r["date"],
            "authority": r.get("authority"),
            "late": r["late"],
        }

    weights = facts.catalog.monitoring.get("composite")
    rows = township_rows(
        facts.townships,
        events,
        points,
        facts.township_arrears,
        facts.township_penalties,
        facts.township_publications,
        facts.township_commitments,
        weights,
    )
    return {
        "register_size": len(facts.townships.bodies),
        "bodies": [
            {"township": b.township, "name": b.name, "kind": b.kind, "credit_code": b.credit_code}
            for b in facts.townships.bodies
        ],
        "rows": rows,
        "arrears": facts.township_arrears,
        "penalties": [record(r) for r in facts.township_penalties],
        "publications": [record(r) for r in facts.township_publications],
        "events": [
            {
                **{k: e[k] for k in shown},
                **{k: e[k] for k in ("status", "listed_since", "days_on_list", "attributed_by")},
                **{k: e.get(k) for k in ("responded_on", "measures", "expected_on", "waited_working_days")},
                **{k: e.get(k) for k in ("withdrawn_on", "removed_how")},
                "respond_by": _respond_by(facts, e),
                "response_overdue": bool(e.get("response_overdue")),
                "response_late": bool(e.get("response_late")),
            }
            for e in events
        ],
        "commitments": facts.township_commitments,
        "composite_text": composite_text(weights) if weights else None,
        "response_within": int(facts.catalog.monitoring.get("response_within_working_days", 10)),
        "unattributed": _unattributed(facts),
        "points": points,
    }


def build_model(facts: MonthFacts, figures: list[dict] | None = None, generated_at: dt.datetime | None = None) -> dict:
    """The month's report as data, from its facts (the warehouse alone), its figures
    (``conformity.month_figures``, computed from the facts when not handed on) and its
    warnings as stored."""
    from creditpipe.reporting.conformity import month_figures

    catalog, month, as_of = facts.catalog, facts.month, facts.as_of
    by_department = {f["department_id"]: f for f in (figures if figures is not None else month_figures(facts))}
    over_limit = int(_rule(catalog, "refusal_overdue").get("older_than_working_days", 10))
    departments = _rank([_department(catalog, facts, d, over_limit, by_department[d]) for d in catalog.assessed])
    warnings = early_warning.stored_warnings(facts.engine, month)
    short = _Fallback({d: catalog.departments[d].short_name for d in catalog.departments})
    titles = _Fallback({d.id: d.title for d in catalog.datasets.values()})
    from creditpipe.quality.rules import rule_label

    received = sum(d["month"]["received"] for d in departments)
    rejected = sum(d["month"]["rejected"] for d in departments)
    return {
        "county": catalog.county.get("name", ""),
        "credit_office": catalog.county.get("credit_office", ""),
        "month": month,
        "month_label": f"{month[:4]}年{int(month[5:])}月",
        "as_of": as_of.isoformat(),
        "generated_at": (generated_at or county_now()).isoformat(timespec="seconds"),
        "calendar_statement": facts.calendar.statement(),
        "assessment": _assessment_text(catalog),
        "summary": {
            "received": received,
            "accepted": sum(d["month"]["accepted"] for d in departments),
            "rejected": rejected,
            "rate_pct": rate_pct(rejected, received),
            "batches": sum(d["month"]["batches"] for d in departments),
            "departments": len(departments),
            **{f"warnings_{lv}": sum(w["level"] == lv for w in warnings) for lv in LEVELS},
        },
        "departments": departments,
        "rules": sorted(
            (
                {
                    "department_id": r["department_id"],
                    "short_name": short[r["department_id"]],
                    "rule": r["rule"],
                    "rule_label": rule_label(r["rule"]),
                    "severity": r["severity"],
                    "count": int(r["issues"]),
                }
                for r in facts.rule_counts()
            ),
            key=lambda r: (-r["count"], r["department_id"], r["rule"]),
        ),
        "timeliness_items": [
            {
                k: i[k]
                for k in ("department", "dataset", "cycle", "period", "due", "delivered", "working_days_late", "late")
            }
            for i in facts.timeliness_items()
            if i["late"]
        ],
        "coverage_gaps": [
            {"department": short[d], "dataset": t, "scope": scope}
            for d, c in facts.coverage.items()
            for scope, key in (("本年", "missing_ytd"), ("本月", "missing_month"))
            for t in c[key]
        ],
        "publication_late": [
            {
                "department": short[r["department_id"]],
                "dataset": titles[r["dataset_id"]],
                "record_key": r["record_key"],
                "party": r["party"],
                "file_name": r["file_name"],
                "source_row": r["source_row"],
                "decision_date": r["decision_date"],
                "published": r["published"],
                "message": r["message"],
            }
            for r in facts.late_publications
        ],
        "open_refusals": [
            {
                "department": short[r["department_id"]],
                "dataset": titles[r["dataset_id"]],
                "file_name": r["file_name"],
                "source_row": r["source_row"],
                "record_key": r["record_key"],
                "delivered_at": r["delivered_at"],
                "age_working_days": r["age_working_days"],
                # A source not assessed has no correction deadline (its notice says so).
                "over_limit": r["age_working_days"] > over_limit and catalog.departments[r["department_id"]].assessed,
            }
            for r in facts.open_refusals
        ],
        "townships": _townships(facts),
        "warnings": [
            {
                "level": w["level"],
                "rule_id": w["rule_id"],
                "kind": next((r["kind"] for r in catalog.early_warnings["rules"] if r["id"] == w["rule_id"]), None),
                "rule_title": next(
                    (r["title"] for r in catalog.early_warnings["rules"] if r["id"] == w["rule_id"]), w["rule_id"]
                ),
                "department_id": w["department_id"],
                "department": w.get("township") or short.get(w["department_id"], w["department_id"]),
                "township": w.get("township"),
                "title": w["title"],
                "evidence": w["evidence"],
                "action": w["action"],
                "raised_at": w["first_raised_at"],
            }
            for w in warnings
        ],
        "trend": _trend(catalog, facts),
    }
