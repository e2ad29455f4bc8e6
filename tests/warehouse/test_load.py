"""Loading into the warehouse, on SQLite and on the real PostgreSQL server."""

import datetime as dt
import os
import shutil

import pytest
import sqlalchemy as sa

from creditpipe.core.clock import county_tz
from creditpipe.devtools.simulators import delivery_dates, generate_month, write_table
from creditpipe.orchestration import month_steps, steps
from creditpipe.reporting.conformity import read_conformity
from creditpipe.warehouse.schema import table_count, totals

MONTH = "2026-07"


@pytest.fixture
def home(tmp_path, warehouse, monkeypatch):
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", warehouse.url.render_as_string(hide_password=False))
    return tmp_path / "home"


@pytest.fixture
def month(home, penalty):
    landing = home / "landing" / "market" / "admin_penalty"
    expected = generate_month(landing, MONTH, seed=3, records_per_file=(80, 120))
    return landing, expected


def run_dataset(home, until):
    """What the ingest DAG does: collect, check, load, notice."""
    return steps.ingest_source("market.admin_penalty", "market", until, home)


END = dt.datetime(2026, 7, 31, 23, 59, tzinfo=county_tz())


def test_load_the_month_and_count(warehouse, home, month, penalty):
    landing, expected = month
    results = run_dataset(home, END)
    assert [r.outcome for r in results] == ["loaded"] * 4
    t = totals(warehouse)
    refused_rows = {(e.file, e.source_row) for e in expected}
    assert t["batches"] == 4
    assert t["received"] == t["accepted"] + t["rejected"]
    assert t["rejected"] == len(refused_rows)
    assert table_count(warehouse, penalty.table) == t["accepted"]
    assert table_count(warehouse, "refused_record") == t["rejected"]
    with warehouse.connect() as conn:
        issues = set(
            conn.execute(
                sa.text(
                    "SELECT b.file_name, i.source_row, i.field, i.rule FROM record_issue i "
                    "JOIN delivery_batch b ON b.batch_id = i.batch_id"
                )
            )
        )
        per_batch = conn.execute(sa.text("SELECT received, accepted, rejected FROM delivery_batch")).all()
        lineage = conn.execute(
            sa.text(f"SELECT COUNT(*) FROM {penalty.table} r JOIN delivery_batch b ON b.batch_id = r.batch_id")
        ).scalar_one()
    assert issues == {(e.file, e.source_row, e.field, e.rule) for e in expected}
    assert all(r == a + j for r, a, j in per_batch)
    assert lineage == t["accepted"]
    # Each delivery's notice sits in the market department's outbox, nowhere else.
    notices = [r.notice for r in results]
    assert all(os.path.exists(n) and "/outbox/market/2026-07/" in n for n in notices)


def test_processing_again_changes_nothing(warehouse, home, month):
    run_dataset(home, END)
    before = totals(warehouse)
    assert run_dataset(home, END) == []  # nothing new to collect
    # Force the same files through check and load again (a re-run of a failed DAG run).
    landing, _ = month
    for path in sorted(landing.iterdir()):
        checked = steps.check_file("market.admin_penalty", str(path), home)
        assert steps.load(checked, home).status == "already_loaded"
    assert totals(warehouse) == before


def test_same_records_under_another_name_or_encoding_count_once(warehouse, home, month, penalty):
    landing, _ = month
    run_dataset(home, END)
    before = totals(warehouse)
    first = sorted(landing.glob("*.csv"))[0]
    copy = landing / ("副本_" + first.name)
    shutil.copy2(first, copy)
    from creditpipe.ingest.readers import read_delivery

    recs = read_delivery(first, penalty).records.drop(columns="source_row")
    recs = recs.where(recs.notna(), "").to_dict("records")
    reencoded = landing / "重新导出.xlsx"
    write_table(recs, reencoded, "xlsx")
    stamp = first.stat().st_mtime
    os.utime(reencoded, (stamp, stamp))
    results = run_dataset(home, END)
    # The byte-identical copy is known by its bytes and not even collected; the re-exported
    # workbook is read, recognised by its records, and logged as a duplicate.
    assert [(os.path.basename(r.checked.work_dir) != "", r.outcome) for r in results] == [(True, "already_loaded")]
    assert totals(warehouse) == before
    with warehouse.connect() as conn:
        log = dict(conn.execute(sa.text("SELECT file_name, outcome FROM delivered_file")).all())
    assert log[reencoded.name] == "duplicate" and copy.name not in log


def test_collect_only_sees_files_delivered_by_the_run(warehouse, home, month):
    first_week = delivery_dates(MONTH)[0] + dt.timedelta(hours=1)
    assert len(run_dataset(home, first_week)) == 1
    assert totals(warehouse)["batches"] == 1
    assert len(run_dataset(home, END)) == 3


def test_unreadable_file_is_quarantined_and_the_others_load(warehouse, home, month):
    landing, _ = month
    bad = landing / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 cut short")
    stamp = delivery_dates(MONTH)[0].timestamp()
    os.utime(bad, (stamp, stamp))
    results = run_dataset(home, END)
    assert sorted(r.outcome for r in results) == ["loaded"] * 4 + ["unreadable"]
    quarantined = next(r for r in results if r.outcome == "unreadable")
    assert not bad.exists() and os.path.exists(quarantined.refused.quarantined)
    assert "XLSX" in quarantined.reason
    assert totals(warehouse)["batches"] == 4


def test_month_figures(warehouse, home, month, catalog):
    landing, expected = month
    run_dataset(home, END)
    result = month_steps.compute_figures(MONTH, home)
    rows = {r["department_id"]: r for r in read_conformity(warehouse, MONTH)}
    assert set(rows) == set(catalog.assessed)
    market = rows["market"]
    t = totals(warehouse)
    assert (market["received"], market["accepted"], market["rejected"]) == (t["received"], t["accepted"], t["rejected"])
    rate = 100 * t["rejected"] / t["received"]
    assert float(market["rate_pct"]) == pytest.approx(rate, abs=1e-4)
    assert float(market["ytd_rate_pct"]) == pytest.approx(rate, abs=1e-4)
    from creditpipe.reporting.scores import conformity_deduction

    assert market["conformity_deduction"] == conformity_deduction(round(rate, 4), catalog.assessment["conformity"])
    assert rows["police"]["received"] == 0 and rows["police"]["conformity_deduction"] == 0
    assert os.path.exists(result["csv"])
    # Recomputing the month replaces its rows, it does not add to them.
    month_steps.compute_figures(MONTH, home)
    assert len(read_conformity(warehouse, MONTH)) == len(catalog.assessed)


def test_counts_that_do_not_add_up_are_refused(warehouse, penalty):
    import pandas as pd

    from creditpipe.warehouse.load import load_batch
    from creditpipe.warehouse.schema import WarehouseError

    batch = {"batch_id": "x", "dataset_id": penalty.id, "received": 3, "accepted": 1, "rejected": 1}
    with pytest.raises(WarehouseError, match="不平"):
        load_batch(warehouse, penalty, batch, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())


def test_a_warehouse_from_an_older_version_is_named_not_misused(tmp_path, catalog):
    from creditpipe.warehouse.schema import WarehouseError, apply_schema, connect

    engine = connect(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE refused_record (batch_id TEXT, source_row INTEGER, record_json TEXT)"))
    with pytest.raises(WarehouseError, match="refused_record 缺少列 business_key、closed_at、closed_by_batch"):
        apply_schema(engine, catalog)


def test_a_table_whose_key_has_changed_is_named_too(tmp_path, catalog):
    """delivered_file's key was the bytes alone before an unreadable delivery could come twice."""
    from creditpipe.warehouse.schema import WarehouseError, apply_schema, connect, sql_dir

    engine = connect(f"sqlite:///{tmp_path / 'old.db'}")
    apply_schema(engine, catalog)
    table = (sql_dir() / "schema" / "015_delivered_file.sql").read_text(encoding="utf-8")
    old = table.replace(
        "PRIMARY KEY (dataset_id, file_sha256, outcome, delivered_at, file_name)",
        "PRIMARY KEY (dataset_id, file_sha256)",
    )
    assert old != table
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE delivered_file"))
        conn.execute(sa.text(old))
    with pytest.raises(WarehouseError, match=r"delivered_file 主键为（dataset_id、file_sha256）"):
        apply_schema(engine, catalog)
