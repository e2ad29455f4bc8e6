"""Closing the loop: a corrected record delivered again with the same business key closes
its refusal; the refusal still counts in the month it was delivered."""

import datetime as dt
import os
import random

import pytest

from creditpipe.core.clock import county_tz
from creditpipe.devtools.simulators import write_table
from creditpipe.devtools.simulators.market_admin_penalty import Factory
from creditpipe.orchestration import month_steps, steps
from creditpipe.reporting.conformity import open_refusals, read_conformity
from creditpipe.warehouse.schema import totals

TZ = county_tz()


@pytest.fixture
def home(tmp_path, warehouse, monkeypatch):
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", warehouse.url.render_as_string(hide_password=False))
    return tmp_path / "home"


def drop(home, name, records, when):
    folder = home / "landing" / "market" / "admin_penalty"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    write_table(records, path, "csv")
    os.utime(path, (when.timestamp(), when.timestamp()))
    return [steps.load(steps.check_file("market.admin_penalty", str(path), home), home) for p in [path]]


def test_a_corrected_record_closes_its_refusal(warehouse, home):
    factory = Factory(random.Random(8))
    clean = [factory.record(dt.date(2026, 9, 10)) for _ in range(6)]
    broken = [dict(r) for r in clean]
    broken[1]["处罚类别"] = "罚金"
    broken[4]["违法事实"] = ""
    drop(home, "九月.csv", broken, dt.datetime(2026, 9, 14, 16, 0, tzinfo=TZ))
    assert totals(warehouse)["rejected"] == 2
    opened = open_refusals(warehouse, dt.date(2026, 9, 28))
    assert {r["source_row"] for r in opened} == {2, 5}
    assert all(r["age_working_days"] == 10 for r in opened)  # 15–28 September, weekdays

    # In October the department sends record 2 again, corrected.
    drop(home, "更正.csv", [clean[1]], dt.datetime(2026, 10, 9, 10, 0, tzinfo=TZ))
    still_open = open_refusals(warehouse, dt.date(2026, 10, 12))
    assert [r["source_row"] for r in still_open] == [5]
    # 9 October 2026 lies after 国庆; 15 September → 12 October counts the 调休 Saturdays.
    assert still_open[0]["age_working_days"] > 10

    month_steps.compute_figures("2026-09", home)
    september = {r["department_id"]: r for r in read_conformity(warehouse, "2026-09")}["market"]
    assert (september["received"], september["rejected"]) == (6, 2)  # the refusal still counts
    assert (september["refusals_corrected"], september["refusals_open"]) == (1, 1)


def test_a_record_still_wrong_does_not_close_anything(warehouse, home):
    factory = Factory(random.Random(9))
    rec = factory.record(dt.date(2026, 9, 10))
    bad = dict(rec, 处罚类别="罚金")
    drop(home, "a.csv", [bad], dt.datetime(2026, 9, 14, tzinfo=TZ))
    drop(home, "b.csv", [dict(rec, 违法事实="")], dt.datetime(2026, 9, 15, tzinfo=TZ))
    assert len(open_refusals(warehouse, dt.date(2026, 9, 30))) == 2


def _closers(warehouse):
    import sqlalchemy as sa

    sql = (
        "SELECT b.file_name, r.source_row, c.file_name FROM refused_record r "
        "JOIN delivery_batch b ON b.batch_id = r.batch_id LEFT JOIN delivery_batch c ON c.batch_id = r.closed_by_batch"
    )
    with warehouse.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(sa.text(sql)))


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
def test_a_refusal_is_closed_by_the_first_correction_delivered_whatever_the_load_order(warehouse, home, order):
    """Two deliveries of one source load in parallel (mapped tasks on several workers), and a
    re-run may load an older file after a newer one: the warehouse ends the same."""
    factory = Factory(random.Random(10))
    clean = [factory.record(dt.date(2026, 9, 10)) for _ in range(4)]
    broken = [dict(r) for r in clean]
    broken[1]["处罚类别"] = "罚金"
    files = [
        ("九月.csv", broken, dt.datetime(2026, 9, 14, 16, 0, tzinfo=TZ)),
        ("更正一.csv", [clean[1]], dt.datetime(2026, 9, 20, 10, 0, tzinfo=TZ)),
        ("更正二.csv", [clean[1], clean[3]], dt.datetime(2026, 9, 25, 10, 0, tzinfo=TZ)),
    ]
    for n in order:
        drop(home, *files[n])
    assert _closers(warehouse) == [("九月.csv", 2, "更正一.csv")]
