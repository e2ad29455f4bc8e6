"""归集日志 (collection log): every delivery — landed file, API pull, front-end database pull,
duplicate, unreadable file — is a row in the warehouse with its source, hashes, time,
status and counts; a batch whose stored rows do not add up fails the run."""

import datetime as dt
import hashlib
import os
import random

import pytest
import sqlalchemy as sa

import creditpipe.warehouse.load as wh
import creditpipe.warehouse.writers as writers
from creditpipe.cli import main
from creditpipe.core.catalog import load_catalog
from creditpipe.core.clock import county_tz
from creditpipe.devtools.simulators import delivery_dates, generate_month, make_delivery, stamp_changes, write_table
from creditpipe.devtools.simulators.api_server import SimulatedApi
from creditpipe.devtools.simulators.frontdb import fill
from creditpipe.orchestration import steps
from creditpipe.warehouse.collection_log import collection_log
from creditpipe.warehouse.schema import WarehouseError, apply_schema, connect, totals

pytestmark = pytest.mark.faults
MONTH = "2026-07"
END = dt.datetime(2026, 7, 31, 23, 59, tzinfo=county_tz())
PENALTY = "market.admin_penalty"


@pytest.fixture
def home(tmp_path, warehouse, monkeypatch):
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", warehouse.url.render_as_string(hide_password=False))
    return tmp_path / "home"


@pytest.fixture
def landing(home):
    folder = home / "landing" / "market" / "admin_penalty"
    generate_month(folder, MONTH, seed=5, records_per_file=(40, 60))
    return folder


def run_landing(home, until=END):
    return steps.ingest_source(PENALTY, "market", until, home)


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_landed_file_is_logged_loaded_duplicate_or_unreadable(warehouse, home, landing, penalty, capsys):
    from creditpipe.ingest.readers import read_delivery

    files = sorted(landing.iterdir())
    hashes = {f.name: sha256(f) for f in files}
    first = next(f for f in files if f.suffix == ".csv")
    # The same records re-exported as a workbook (a duplicate), and a broken workbook.
    recs = read_delivery(first, penalty).records.drop(columns="source_row")
    reexported = landing / "重新导出.xlsx"
    write_table(recs.where(recs.notna(), "").to_dict("records"), reexported, "xlsx")
    broken = landing / "损坏的报送.xlsx"
    broken.write_bytes(b"PK\x03\x04 cut short")
    stamp = delivery_dates(MONTH)[-1].timestamp()
    for f in (reexported, broken):
        os.utime(f, (stamp, stamp))
    hashes[reexported.name], hashes[broken.name] = sha256(reexported), sha256(broken)

    results = run_landing(home)
    assert sorted(r.outcome for r in results) == sorted(["already_loaded", "unreadable"] + ["loaded"] * len(files))

    log = {r["file_name"]: r for r in collection_log(warehouse, MONTH)}
    assert set(log) == set(hashes)
    assert {name: r["file_sha256"] for name, r in log.items()} == hashes
    with warehouse.connect() as conn:
        batches = {r.file_name: r for r in conn.execute(sa.text("SELECT * FROM delivery_batch"))}
    for f in files:
        row, batch = log[f.name], batches[f.name]
        assert (row["outcome"], row["batch_id"], row["content_sha256"]) == (
            "loaded",
            batch.batch_id,
            batch.content_sha256,
        )
        assert (row["received"], row["accepted"], row["rejected"]) == (batch.received, batch.accepted, batch.rejected)
        assert row["received"] == row["accepted"] + row["rejected"] > 0
        assert (row["department_id"], row["channel"], row["source"]) == (
            "market",
            "landing",
            "landing/market/admin_penalty/",
        )
        assert row["request"] is None and row["delivered_at"].startswith("2026-07")
    dup = log[reexported.name]
    assert (dup["outcome"], dup["batch_id"]) == ("duplicate", batches[first.name].batch_id)
    assert (dup["received"], dup["accepted"], dup["rejected"]) == (
        log[first.name]["received"],
        log[first.name]["accepted"],
        log[first.name]["rejected"],
    )
    bad = log[broken.name]
    assert (bad["outcome"], bad["batch_id"], bad["content_sha256"], bad["received"]) == ("unreadable", None, None, None)
    assert "XLSX" in bad["reason"]
    assert len(log) == len(files) + 2  # and the duplicate added no batch
    assert totals(warehouse)["batches"] == len(files)

    # The CLI prints the month's log with Chinese headers and a total that adds up.
    capsys.readouterr()
    assert main(["log", "--month", MONTH, "--home", str(home)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == [
        "接收时间",
        "部门",
        "数据集",
        "渠道",
        "来源",
        "文件或请求",
        "文件哈希",
        "内容哈希",
        "状态",
        "收到",
        "入库",
        "退回",
        "说明",
    ]
    t = totals(warehouse)
    assert lines[-1] == (
        f"{MONTH} 归集日志：交付 {len(files) + 2} 次（入库 {len(files)} 次、重复报送 1 次、无法读取 1 个）；"
        f"入库批次收到 {t['received']} 条 = 入库 {t['accepted']} 条 + 退回 {t['rejected']} 条"
    )
    broken_line = next(ln for ln in lines if broken.name in ln)
    assert "无法读取（已隔离）" in broken_line and hashes[broken.name][:12] in broken_line
    assert "重复报送" in next(ln for ln in lines if reexported.name in ln)
    assert main(["log", "--month", "2026-08", "--home", str(home)]) == 0
    assert "2026-08 没有报送记录" in capsys.readouterr().out

    # CSV for a spreadsheet: the same headers, one row per delivery.
    import csv
    import io

    assert main(["log", "--month", MONTH, "--home", str(home), "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == len(files) + 2
    assert {r["状态"] for r in rows} == {"已入库", "重复报送", "无法读取（已隔离）"}


def test_the_same_broken_bytes_dropped_again_are_quarantined_again_not_skipped(warehouse, home, landing):
    broken = landing / "坏.xlsx"
    stamp = delivery_dates(MONTH)[1].timestamp()
    broken.write_bytes(b"PK\x03\x04 broken")
    os.utime(broken, (stamp, stamp))
    run_landing(home)
    assert not broken.exists()
    broken.write_bytes(b"PK\x03\x04 broken")  # the department drops the same file again
    os.utime(broken, (stamp + 86400, stamp + 86400))
    again = run_landing(home)
    assert [r.outcome for r in again] == ["unreadable"] and not broken.exists()
    log = [r for r in collection_log(warehouse, MONTH) if r["outcome"] == "unreadable"]
    # Each delivery is a row of the log, the first kept when the same bytes come again
    # (issue 16, item 14); a retried refuse_file adds none.
    assert [r["delivered_at"][:10] for r in log] == [
        dt.datetime.fromtimestamp(t, county_tz()).date().isoformat() for t in (stamp, stamp + 86400)
    ]


def test_pulled_deliveries_are_logged_with_their_request(pg_database, monkeypatch, tmp_path, catalog):
    from conftest import _reset

    engine = connect(pg_database)
    _reset(engine)
    apply_schema(engine, catalog)
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", pg_database)
    home = tmp_path / "home"
    oct1 = dt.datetime(2026, 10, 1, tzinfo=county_tz())
    rng = random.Random(3)
    licences, _ = make_delivery(
        "market.admin_license",
        "market",
        rng,
        sorted(dt.date(2026, 10, rng.randint(1, 28)) for _ in range(40)),
        dt.date(2026, 10, 31),
        [],
    )
    stamp_changes(licences, oct1, oct1 + dt.timedelta(days=28))
    people, _ = make_delivery(
        "police.population",
        "police",
        rng,
        sorted(dt.date(2026, 10, rng.randint(1, 28)) for _ in range(30)),
        dt.date(2026, 10, 31),
        [],
    )
    stamp_changes(people, oct1, oct1 + dt.timedelta(days=28))
    front = f"sqlite:///{tmp_path / 'police.db'}"
    fill(front, catalog.dataset("police.population"), "ex_population", people)
    monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_FRONTDB_POLICE", front)

    def run(dataset_id, department, until):
        return steps.ingest_source(dataset_id, department, until, home)

    mid, end = oct1 + dt.timedelta(days=14), oct1 + dt.timedelta(days=31)
    with SimulatedApi(token="log-token") as api:
        monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_API_MARKET", api.connection_uri())
        api.add("/api/v1/admin-licenses", licences)
        assert [r.outcome for r in run("market.admin_license", "market", mid)] == ["loaded"]
        first_wm = wh.read_watermark(engine, "market.admin_license", "market")
        assert [r.outcome for r in run("market.admin_license", "market", end)] == ["loaded"]
    assert [r.outcome for r in run("police.population", "police", end)] == ["loaded"]

    log = collection_log(engine, "2026-10") + collection_log(engine, "2026-11")
    api_rows = [r for r in log if r["dataset_id"] == "market.admin_license"]
    db_rows = [r for r in log if r["dataset_id"] == "police.population"]
    assert [r["channel"] for r in api_rows] == ["api", "api"]
    assert {r["source"] for r in api_rows} == {"creditpipe_api_market:/api/v1/admin-licenses"}
    # Each pull says what it asked for: from the watermark then stored to the run's moment.
    assert api_rows[0]["request"] == f"变更时间 (1970-01-01T00:00:00.000000, {mid:%Y-%m-%dT%H:%M:%S}.000000]"
    assert api_rows[1]["request"].startswith(f"变更时间 ({first_wm}, ")
    assert sum(r["received"] for r in api_rows) == 40
    assert [(r["channel"], r["source"], r["received"]) for r in db_rows] == [
        ("database", "creditpipe_frontdb_police:ex_population", 30)
    ]
    assert all(r["outcome"] == "loaded" and r["received"] == r["accepted"] + r["rejected"] for r in log)
    assert "log-token" not in repr(log)
    engine.dispose()


def test_rows_lost_on_the_way_fail_the_load_and_leave_nothing(warehouse, home, landing, monkeypatch, penalty):
    """A refused record that does not reach the warehouse (here: a bulk insert that drops the
    last row) makes the batch not add up: the load fails, naming the batch and the numbers,
    and rolls back; the re-run loads it whole."""
    writer = writers.writer_for  # the load's row writer, whichever the warehouse

    def drops_the_last_refusal(conn):
        found = writer(conn)
        insert = found.insert

        def insert_but_one(table, columns, rows, sql):
            rows = list(rows)
            return insert(table, columns, rows[:-1] if table == "refused_record" else rows, sql)

        found.insert = insert_but_one
        return found

    monkeypatch.setattr(wh, "writer_for", drops_the_last_refusal)
    path = next(p for p in sorted(landing.glob("*.csv")))
    checked = steps.check_file(PENALTY, str(path), home)
    assert checked.rejected > 0
    with pytest.raises(WarehouseError) as err:
        steps.load(checked, home)
    message = str(err.value)
    assert checked.batch_id in message and "对账不平" in message
    assert f"报送 {checked.received} 条" in message
    assert f"退回 {checked.rejected - 1} 条" in message and f"入库 {checked.accepted} 条" in message
    assert totals(warehouse)["batches"] == 0 and collection_log(warehouse, MONTH) == []

    monkeypatch.setattr(wh, "writer_for", writer)
    assert steps.load(checked, home).status == "loaded"
    assert totals(warehouse)["received"] == checked.received


def test_accepted_rows_lost_in_the_copy_fail_the_load_and_leave_nothing(warehouse, home, landing, monkeypatch):
    """On PostgreSQL the load takes the stored count from the server's own report of its
    COPYs ("COPY n"): a COPY that stores one row fewer than it was meant to fails the load,
    naming the numbers, and rolls it back."""
    if warehouse.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's; on SQLite the stored rows are counted")
    real = writers.PostgresWriter.insert_arrow

    def drops_one(writer, table, columns, arrays):
        return real(writer, table, columns, [a.slice(0, len(a) - 1) for a in arrays])

    monkeypatch.setattr(writers.PostgresWriter, "insert_arrow", drops_one)
    path = sorted(landing.glob("*.csv"))[0]
    checked = steps.check_file(PENALTY, str(path), home)
    with pytest.raises(
        WarehouseError, match=f"对账不平：报送 {checked.received} 条，数据仓库中入库 {checked.accepted - 1} 条"
    ):
        steps.load(checked, home)
    assert totals(warehouse)["batches"] == 0 and collection_log(warehouse, MONTH) == []
    monkeypatch.setattr(writers.PostgresWriter, "insert_arrow", real)
    assert steps.load(checked, home).status == "loaded"
    wh.verify_batch(warehouse, "rec_market_admin_penalty", checked.batch_id, checked.received)


def test_a_batch_altered_after_its_load_fails_the_next_delivery_of_it(warehouse, home, landing):
    """What committed is counted back too: a refused record missing from a loaded batch is
    found when the same records come again, and the run fails saying so."""
    path = sorted(landing.glob("*.csv"))[0]
    checked = steps.check_file(PENALTY, str(path), home)
    assert steps.load(checked, home).status == "loaded"
    wh.verify_batch(warehouse, "rec_market_admin_penalty", checked.batch_id, checked.received)
    with warehouse.begin() as conn:
        conn.execute(
            sa.text(
                "DELETE FROM refused_record WHERE batch_id = :b AND source_row = "
                "(SELECT MIN(source_row) FROM refused_record WHERE batch_id = :b)"
            ),
            {"b": checked.batch_id},
        )
    from creditpipe.ingest.readers import read_delivery

    recs = read_delivery(path, load_catalog().dataset(PENALTY)).records.drop(columns="source_row")
    copy = landing / "再次报送.xlsx"  # other bytes, the same records
    write_table(recs.where(recs.notna(), "").to_dict("records"), copy, "xlsx")
    again = steps.check_file(PENALTY, str(copy), home)
    with pytest.raises(WarehouseError, match=f"批次 {checked.batch_id} 对账不平：报送 {checked.received} 条"):
        steps.load(again, home)
    with pytest.raises(WarehouseError, match=f"退回 {checked.rejected - 1} 条"):
        wh.verify_batch(warehouse, "rec_market_admin_penalty", checked.batch_id)


def test_the_warehouse_refuses_a_log_entry_that_does_not_add_up(warehouse):
    row = {
        "dataset_id": PENALTY,
        "file_sha256": "f" * 64,
        "file_name": "x.csv",
        "department_id": "market",
        "channel": "landing",
        "source": "landing/market/admin_penalty/",
        "request": None,
        "content_sha256": None,
        "batch_id": None,
        "outcome": "unreadable",
        "reason": "坏",
        "delivered_at": "2026-07-01T00:00:00+08:00",
        "delivered_month": MONTH,
        "recorded_at": "2026-07-01T00:00:00+08:00",
        "received": 5,
        "accepted": 0,
        "rejected": 0,
    }
    with pytest.raises(sa.exc.IntegrityError), warehouse.begin() as conn:
        conn.execute(sa.text(wh.statement("queries/record_delivered_file")), row)
