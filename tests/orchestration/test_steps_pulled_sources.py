"""Pulled sources through the whole pipeline on PostgreSQL: the watermark advances only
with a committed load, so a failed run re-reads and never skips; nothing loads twice."""

import datetime as dt
import random

import pytest
import sqlalchemy as sa

from creditpipe.core.catalog import load_catalog
from creditpipe.core.clock import county_tz
from creditpipe.devtools.simulators import make_delivery, stamp_changes
from creditpipe.devtools.simulators.api_server import SimulatedApi
from creditpipe.devtools.simulators.frontdb import fill
from creditpipe.orchestration import steps
from creditpipe.warehouse.load import read_watermark
from creditpipe.warehouse.schema import totals

TZ = county_tz()
OCT1 = dt.datetime(2026, 10, 1, tzinfo=TZ)


@pytest.fixture
def pg_home(tmp_path, pg_database, monkeypatch, catalog):
    from conftest import _reset

    from creditpipe.warehouse.schema import apply_schema, connect

    engine = connect(pg_database)
    _reset(engine)
    apply_schema(engine, catalog)
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", pg_database)
    yield tmp_path / "home", engine
    engine.dispose()


def month_records(dataset_id, department, n, kinds=(), seed=1):
    rng = random.Random(seed)
    days = sorted(dt.date(2026, 10, rng.randint(1, 28)) for _ in range(n))
    records, expected = make_delivery(dataset_id, department, rng, days, dt.date(2026, 10, 31), list(kinds))
    stamp_changes(records, OCT1, OCT1 + dt.timedelta(days=28))
    return records, expected


def police_front_db(engine, monkeypatch, dataset, table, records):
    """The police's front-end table, in the test's PostgreSQL database, behind its connection."""
    front = str(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    fill(front, dataset, table, records)
    monkeypatch.setenv(
        "AIRFLOW_CONN_CREDITPIPE_FRONTDB_POLICE", front.replace("postgresql+psycopg://", "postgresql://")
    )


def run_source(dataset_id, department, until, home):
    return [
        steps.load(
            steps.check_file(
                ref.dataset_id,
                ref.path,
                home,
                dt.datetime.fromisoformat(ref.delivered_at),
                ref.department_id,
                ref.watermark,
            ),
            home,
        )
        for ref in steps.collect(dataset_id, department, until, home)
    ]


def test_api_source_resumes_from_its_watermark(pg_home, monkeypatch):
    home, engine = pg_home
    records, expected = month_records("market.admin_license", "market", 80, kinds=[])
    with SimulatedApi(token="t") as api:
        monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_API_MARKET", api.connection_uri())
        api.add("/api/v1/admin-licenses", records)
        mid = OCT1 + dt.timedelta(days=14)
        first = run_source("market.admin_license", "market", mid, home)
        wm = read_watermark(engine, "market.admin_license", "market")
        assert first[0].status == "loaded" and wm
        n_first = totals(engine)["received"]
        api.fail_next("500", "slow:3")  # the second run meets a 500 and a timeout, and goes on
        monkeypatch.setitem(load_catalog().dataset("market.admin_license").sources[0].options, "timeout_s", 1)
        second = run_source("market.admin_license", "market", OCT1 + dt.timedelta(days=31), home)
        assert second[0].status == "loaded"
        assert totals(engine)["received"] == 80 > n_first  # every record once, none skipped
        assert run_source("market.admin_license", "market", OCT1 + dt.timedelta(days=31), home) == []
        # The API was asked from the watermark on, not from the beginning.
        assert any(q.get("updated_since", "").startswith(wm[:19]) for q in api.requests)


def test_failed_load_leaves_the_watermark_and_the_rerun_reads_again(pg_home, monkeypatch, catalog):
    home, engine = pg_home
    records, expected = month_records("police.admin_penalty", "police", 60, seed=4)
    police_front_db(engine, monkeypatch, catalog.dataset("police.admin_penalty"), "ex_admin_penalty", records)
    until = OCT1 + dt.timedelta(days=31)

    import creditpipe.warehouse.load as wh

    real = wh.writer_for

    def dies_after_the_records(conn):  # the connection drops half way through the load
        found = real(conn)
        insert = found.insert

        def insert_or_die(table, columns, rows, sql):
            if table == "batch_delivery_day":
                raise RuntimeError("数据库连接中断（模拟）")
            return insert(table, columns, rows, sql)

        found.insert = insert_or_die
        return found

    monkeypatch.setattr(wh, "writer_for", dies_after_the_records)
    with pytest.raises(RuntimeError, match="模拟"):
        run_source("police.admin_penalty", "police", until, home)
    assert totals(engine)["batches"] == 0  # the transaction left nothing behind
    assert read_watermark(engine, "police.admin_penalty", "police") is None

    monkeypatch.setattr(wh, "writer_for", real)
    again = run_source("police.admin_penalty", "police", until, home)
    assert [r.status for r in again] == ["loaded"]
    t = totals(engine)
    assert (t["batches"], t["received"]) == (1, 60)
    assert read_watermark(engine, "police.admin_penalty", "police") == max(r["updated_at"] for r in records)
    assert run_source("police.admin_penalty", "police", until, home) == []


def test_a_monthly_pull_at_its_real_cron_moment_counts_in_the_month_it_changed(pg_home, monkeypatch, catalog):
    """The scheduler runs the ingest DAGs at 00:00 on the 1st (not 23:59 on the last day):
    police population changed through 31 October, pulled at 00:00 on 1 November, is
    October's delivery — and so is the same pull made days later."""
    from creditpipe.core.catalog import SCHEDULES
    from creditpipe.core.clock import first_run_after
    from creditpipe.devtools.simulators import collection_moment

    home, engine = pg_home
    rng = random.Random(9)
    days = sorted(dt.date(2026, 10, rng.randint(1, 31)) for _ in range(40))
    records, _ = make_delivery("police.population", "police", rng, days, dt.date(2026, 10, 31), [])
    stamp_changes(records, OCT1, dt.datetime(2026, 10, 31, 23, 30, tzinfo=TZ))
    police_front_db(engine, monkeypatch, catalog.dataset("police.population"), "ex_population", records)
    tick = first_run_after(catalog.dataset("police.population").schedule, dt.datetime(2026, 10, 31, 23, 59, tzinfo=TZ))
    assert tick == collection_moment("2026-10") == dt.datetime(2026, 11, 1, tzinfo=TZ)
    refs = steps.collect("police.population", "police", tick, home)
    assert [r.delivered_at[:10] for r in refs] == ["2026-10-31"]
    late = steps.collect("police.population", "police", tick + dt.timedelta(days=5, hours=9), home)
    assert [r.delivered_at for r in late] == [r.delivered_at for r in refs]
    run_source("police.population", "police", tick, home)
    with engine.connect() as conn:
        months = conn.execute(sa.text("SELECT DISTINCT delivered_month FROM delivery_batch")).scalars().all()
    assert months == ["2026-10"]
    # The monthly report runs an hour later, for the month just ended.
    assert first_run_after(SCHEDULES["report"], tick) == dt.datetime(2026, 11, 1, 1, tzinfo=TZ)
