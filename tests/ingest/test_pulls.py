"""The API and front-end-database channels against a real local HTTP server and a real
PostgreSQL database: faults, timeouts, paging, and incremental reads by watermark."""

import datetime as dt
import json
import random
import time

import pytest
import sqlalchemy as sa

from creditpipe.core.catalog import Source
from creditpipe.devtools.simulators import stamp_changes
from creditpipe.devtools.simulators.api_server import SimulatedApi
from creditpipe.devtools.simulators.frontdb import fill
from creditpipe.devtools.simulators.market_admin_penalty import Factory
from creditpipe.ingest.pulls import EPOCH, SourceError, pull, watermark_text

TZ = dt.timezone(dt.timedelta(hours=8))
OCT = dt.datetime(2026, 10, 1, tzinfo=TZ)


def penalties(n, seed=1, first=OCT, days=30):
    factory = Factory(random.Random(seed))
    recs = [factory.record(dt.date(2026, 10, 1)) for _ in range(n)]
    return stamp_changes(recs, first, first + dt.timedelta(days=days))


def staged(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture
def api(monkeypatch):
    with SimulatedApi(token="s3cret") as server:
        monkeypatch.setenv("AIRFLOW_CONN_TEST_API", server.connection_uri())
        yield server


def api_source(**options):
    return Source(
        "market",
        "api",
        {"conn_id": "test_api", "path": "/api/v1/things", "page_size": 50, "backoff_s": 0.01, **options},
    )


def test_api_pages_and_window(api, penalty, tmp_path):
    recs = penalties(120)
    api.add("/api/v1/things", recs)
    until = OCT + dt.timedelta(days=15)
    got = pull(penalty, api_source(), EPOCH, until, tmp_path / "a.jsonl")
    want = [r for r in recs if r["updated_at"] <= watermark_text(until)]
    assert got.records == len(want) and 0 < len(want) < 120
    assert [r["行政处罚决定书文号"] for r in staged(got.path)] == [r["行政处罚决定书文号"] for r in want]
    assert got.watermark == watermark_text(want[-1]["updated_at"])
    assert {q["page"] for q in api.requests} == {"1", "2"}  # 50 a page


def test_api_survives_a_500_and_a_timeout(api, penalty, tmp_path):
    api.add("/api/v1/things", penalties(30))
    api.fail_next("500", "slow:2", "503")
    got = pull(penalty, api_source(timeout_s=0.5), EPOCH, OCT + dt.timedelta(days=40), tmp_path / "a.jsonl")
    assert got.records == 30
    assert len(api.requests) == 4  # three faults retried, then the page


def test_api_gives_up_clearly_and_stages_nothing(api, penalty, tmp_path):
    api.add("/api/v1/things", penalties(5))
    api.fail_next(*["500"] * 10)
    with pytest.raises(SourceError, match="重试后仍返回错误"):
        pull(penalty, api_source(retries=2), EPOCH, OCT + dt.timedelta(days=40), tmp_path / "a.jsonl")
    assert not (tmp_path / "a.jsonl").exists()


def test_api_wrong_token_and_unreachable(monkeypatch, penalty, tmp_path):
    with SimulatedApi(token="right") as server:
        monkeypatch.setenv("AIRFLOW_CONN_TEST_API", server.connection_uri().replace("right", "wrong"))
        with pytest.raises(SourceError, match="HTTP 401"):
            pull(penalty, api_source(), EPOCH, OCT, tmp_path / "a.jsonl")
    monkeypatch.setenv("AIRFLOW_CONN_TEST_API", "http://:t@127.0.0.1:9")
    started = time.monotonic()
    with pytest.raises(SourceError, match="无法连接"):
        pull(penalty, api_source(retries=1), EPOCH, OCT, tmp_path / "b.jsonl")
    assert time.monotonic() - started < 10


def test_api_incremental_reads_never_overlap_or_skip(api, penalty, tmp_path):
    recs = penalties(90)
    api.add("/api/v1/things", recs)
    seen, since = [], EPOCH
    for n, day in enumerate([10, 20, 31]):
        got = pull(penalty, api_source(), since, OCT + dt.timedelta(days=day), tmp_path / f"{n}.jsonl")
        seen += [r["行政处罚决定书文号"] for r in staged(got.path)]
        since = got.watermark
    assert seen == [r["行政处罚决定书文号"] for r in recs]  # each once, in order


@pytest.fixture
def frontdb(pg_database, monkeypatch):
    engine = sa.create_engine(pg_database)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS ex_test_penalty"))
    engine.dispose()
    monkeypatch.setenv("AIRFLOW_CONN_TEST_FRONTDB", pg_database.replace("postgresql+psycopg://", "postgresql://"))
    return pg_database


def db_source():
    return Source(
        "police", "database", {"conn_id": "test_frontdb", "table": "ex_test_penalty", "watermark_column": "updated_at"}
    )


def test_database_reads_only_new_rows(frontdb, penalty, tmp_path):
    first = penalties(40, seed=2)
    fill(frontdb, penalty, "ex_test_penalty", first)
    got = pull(penalty, db_source(), EPOCH, OCT + dt.timedelta(days=40), tmp_path / "1.jsonl")
    assert got.records == 40
    rows = staged(got.path)
    assert rows[0]["行政处罚决定书文号"] == first[0]["行政处罚决定书文号"]
    assert set(rows[0]) == {*penalty.field_names, "updated_at"}
    # The department's system writes more rows later; the next read takes only those.
    later = penalties(15, seed=3, first=OCT + dt.timedelta(days=35), days=3)
    fill(frontdb, penalty, "ex_test_penalty", later)
    again = pull(penalty, db_source(), got.watermark, OCT + dt.timedelta(days=60), tmp_path / "2.jsonl")
    assert [r["行政处罚决定书文号"] for r in staged(again.path)] == [r["行政处罚决定书文号"] for r in later]
    nothing = pull(penalty, db_source(), again.watermark, OCT + dt.timedelta(days=60), tmp_path / "3.jsonl")
    assert nothing.path is None and nothing.watermark == again.watermark


def test_database_dates_held_as_timestamps_come_as_dates(frontdb, penalty, tmp_path):
    # Oracle's DATE (and many front-end tables) hold a date as a timestamp at midnight.
    recs = penalties(3, seed=4)
    fill(frontdb, penalty, "ex_test_penalty", recs)
    column = penalty.column_of("处罚决定日期")
    engine = sa.create_engine(frontdb)
    with engine.begin() as conn:
        conn.execute(
            sa.text(f"ALTER TABLE ex_test_penalty ALTER COLUMN {column} TYPE timestamp USING {column}::timestamp")
        )
    engine.dispose()
    got = pull(penalty, db_source(), EPOCH, OCT + dt.timedelta(days=40), tmp_path / "1.jsonl")
    assert sorted(r["处罚决定日期"] for r in staged(got.path)) == sorted(r["处罚决定日期"] for r in recs)


def test_database_missing_table_or_column_is_clear(frontdb, penalty, tmp_path):
    with pytest.raises(SourceError, match="前置库读取失败"):
        pull(penalty, db_source(), EPOCH, OCT, tmp_path / "x.jsonl")
    bad = Source(
        "police", "database", {"conn_id": "test_frontdb", "table": "ex_test_penalty", "watermark_column": "changed"}
    )
    fill(frontdb, penalty, "ex_test_penalty", penalties(1))
    with pytest.raises(SourceError, match="没有水位列 changed"):
        pull(penalty, bad, EPOCH, OCT, tmp_path / "x.jsonl")


@pytest.mark.faults
def test_6_a_source_that_ignores_the_window_cannot_carry_the_watermark_out_of_it(api, penalty, tmp_path):
    """Issue 16, 6: one record dated a year ahead (a department's clock) and records from
    before the window (a server that drops both bounds) are not staged; the watermark stays
    within the window, so the next changes are read."""
    recs = penalties(60)
    ahead = dict(penalties(1, seed=9)[0], updated_at="2027-10-20T09:00:00")
    api.add("/api/v1/things", [*recs, ahead])
    api.misbehave("ignore_window")
    mid = OCT + dt.timedelta(days=15)
    now = OCT + dt.timedelta(days=40)  # the real clock: mid-November 2026
    first = pull(penalty, api_source(), EPOCH, mid, tmp_path / "a.jsonl", now=now)
    inside = [r for r in recs if r["updated_at"] <= watermark_text(mid)]
    # The 2027 record is staged to be refused (told, not waited out); it moves nothing.
    assert first.records == len(inside) + 1 and first.ahead == 1
    assert first.watermark == watermark_text(inside[-1]["updated_at"])
    assert [r["updated_at"] for r in staged(first.path)][-1] == "2027-10-20T09:00:00"
    told = lambda records: [r["updated_at"].startswith("2027") for r in records]  # noqa: E731
    second = pull(penalty, api_source(), first.watermark, OCT + dt.timedelta(days=31), tmp_path / "b.jsonl", told, now)
    assert first.records - 1 + second.records == 60 and second.ahead == 0  # every record once; the 2027 one told
    assert second.watermark < "2026-11-01"


@pytest.mark.faults
def test_7_a_server_that_ignores_page_is_stopped_not_read_for_ever(api, penalty, tmp_path):
    api.add("/api/v1/things", penalties(120))
    api.misbehave("ignore_page")
    started = time.monotonic()
    with pytest.raises(SourceError, match="第 2 页与第 1 页完全相同"):
        pull(penalty, api_source(), EPOCH, OCT + dt.timedelta(days=31), tmp_path / "a.jsonl")
    assert time.monotonic() - started < 30 and not (tmp_path / "a.jsonl").exists()


@pytest.mark.faults
def test_7_pages_without_end_stop_at_the_cap(api, penalty, tmp_path, monkeypatch):
    # A server that always says has_more and sends new records each time.
    api.add("/api/v1/things", penalties(500))
    with pytest.raises(SourceError, match="上限 3 页"):
        pull(penalty, api_source(max_pages=3, page_size=50), EPOCH, OCT + dt.timedelta(days=31), tmp_path / "a.jsonl")
