"""Issue 18: section 三 of seed 002's 附件2 on its edges — the categories a department owes
(its part of the 指标目录), zero reports, periods judged by what reports cover, 以上 counting
the number itself, and "均未提供 → 7"."""

import dataclasses
import datetime as dt
import random

import pytest
from seeding import at, seed_batch

from creditpipe.core.catalog import Department
from creditpipe.reporting.facts import MonthFacts
from creditpipe.reporting.model import build_model
from creditpipe.reporting.scores import coverage_deduction

LICENSE, PENALTY, ARREARS = "market.admin_license", "market.admin_penalty", "utility.arrears"


def owing(catalog, department_id: str, *owes: dict):
    """The catalog with the department owing exactly ``owes``."""
    dep = catalog.departments[department_id]
    departments = {**catalog.departments, department_id: dataclasses.replace(dep, owes=tuple(owes))}
    return dataclasses.replace(catalog, departments=departments)


def market_of(catalog, engine, month="2026-10", as_of=dt.date(2026, 11, 1)):
    facts = MonthFacts(engine, catalog, month, as_of)
    table = catalog.assessment["coverage"]
    return facts, coverage_deduction(facts.coverage["market"], table)


def test_a_department_owing_two_categories_that_provides_neither_loses_7(warehouse, catalog):
    # Another department's delivery starts the county's exchange; 市场监管 gives nothing.
    seed_batch(warehouse, catalog, ARREARS, "power", at(2026, 10, 14), 10)
    both = owing(catalog, "market", {"dataset": PENALTY}, {"dataset": LICENSE})
    facts, points = market_of(both, warehouse)
    assert facts.coverage["market"]["missing_ytd"] == ["行政处罚信息（双公示）", "行政许可信息（双公示）"]
    assert points == 7  # "均未提供的，扣7分", not 2 × 2
    # One of the two provided: 2 for the other.
    seed_batch(warehouse, catalog, PENALTY, "market", at(2026, 10, 14), 10)
    assert market_of(both, warehouse)[1] == 2


def test_a_category_not_collected_yet_is_owed_all_the_same(warehouse, catalog):
    seed_batch(warehouse, catalog, PENALTY, "market", at(2026, 10, 14), 10)
    seed_batch(warehouse, catalog, LICENSE, "market", at(2026, 10, 14), 10)
    more = owing(
        catalog,
        "market",
        {"dataset": PENALTY},
        {"dataset": LICENSE},
        {"category": "行政检查信息", "cycle": "monthly"},
    )
    facts, points = market_of(more, warehouse)
    assert facts.coverage["market"] == {
        "required": 3,
        "missing_month": ["行政检查信息"],
        "missing_ytd": ["行政检查信息"],
    }
    assert points == 2


def test_a_category_owed_from_a_later_day_is_not_owed_before_it(warehouse, catalog):
    seed_batch(warehouse, catalog, PENALTY, "market", at(2026, 10, 14), 10)
    later = owing(catalog, "market", {"dataset": PENALTY}, {"dataset": LICENSE, "from": "2026-11-01"})
    facts, points = market_of(later, warehouse)
    assert facts.coverage["market"]["required"] == 1 and points == 0
    assert not [i for i in facts.timeliness_items() if i["dataset_id"] == LICENSE]


@pytest.mark.parametrize("delivered_day,late", [(5, False), (6, True)])
def test_a_monthly_category_reported_5_working_days_late_is_deducted_and_4_is_not(
    warehouse, catalog, delivered_day, late
):
    def october(records, rng):
        for r in records:
            r["认定日期"] = "2026-10-20"

    power = owing(catalog, "power", {"dataset": ARREARS, "from": "2026-10-01"})
    seed_batch(warehouse, catalog, ARREARS, "power", at(2026, 11, delivered_day), 10, edit=october)
    facts = MonthFacts(warehouse, power, "2026-11", dt.date(2026, 12, 1))
    (item,) = [i for i in facts.timeliness_items() if i["department_id"] == "power"]
    assert (item["period"], item["working_days_late"], item["late"]) == (
        "2026-10-01～2026-10-31",
        delivered_day - 1,  # 31 October is a Saturday: 2 November is the 1st working day after
        late,
    )
    department = next(d for d in build_model(facts)["departments"] if d["department_id"] == "power")
    assert department["deductions"]["timeliness"] == (1 if late else 0)


def test_a_sparse_daily_api_source_with_zero_reports_loses_nothing(warehouse_home, warehouse, catalog, monkeypatch):
    """Licences on Tuesdays and Thursdays only, each made available the day it is decided;
    the API answers every other day's pull with nothing — a zero report for those days."""
    from creditpipe.core.clock import county_tz
    from creditpipe.devtools.simulators import make_delivery
    from creditpipe.devtools.simulators.api_server import SimulatedApi
    from creditpipe.orchestration import steps

    tz = county_tz()
    days = [dt.date(2026, 11, 1) + dt.timedelta(days=i) for i in range(30)]
    busy = [d for d in days if d.weekday() in (1, 3)]
    recs, _ = make_delivery(LICENSE, "market", random.Random(8), busy, busy[0], [])
    for rec, day in zip(recs, busy):
        rec["updated_at"] = dt.datetime.combine(day, dt.time(10)).isoformat(timespec="microseconds")
    owed = owing(catalog, "market", {"dataset": LICENSE, "from": "2026-11-01"})
    with SimulatedApi(token="t") as api:
        monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_API_MARKET", api.connection_uri())
        api.add("/api/v1/admin-licenses", recs)
        for day in days:  # the daily run at 00:00 collects what changed the day before
            until = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz)
            steps.ingest_source(LICENSE, "market", until, warehouse_home)
    import sqlalchemy as sa

    with warehouse.connect() as conn:
        zeros = conn.execute(sa.text("SELECT COUNT(*) FROM zero_report WHERE how = 'pull'")).scalar()
        batches = conn.execute(sa.text("SELECT COUNT(*) FROM delivery_batch")).scalar()
    assert (batches, zeros) == (len(busy), len(days) - len(busy))
    facts = MonthFacts(warehouse, owed, "2026-11", dt.date(2026, 12, 1))
    items = [i for i in facts.timeliness_items() if i["dataset_id"] == LICENSE]
    # The working days of November whose last day on time falls in it (2–24 November).
    assert len(items) == 17 and not [i for i in items if i["late"]]
    assert facts.ytd_late_items("market") == 0


def test_department_with_no_owes_owes_what_it_delivers(catalog):
    assert [o.dataset_id for o in catalog.obligations_of("police")] == ["police.admin_penalty", "police.population"]
    bare = dataclasses.replace(catalog.departments["police"], owes=())
    assert isinstance(bare, Department)
    derived = dataclasses.replace(catalog, departments={**catalog.departments, "police": bare})
    assert {o.dataset_id for o in derived.obligations_of("police")} == {"police.admin_penalty", "police.population"}
