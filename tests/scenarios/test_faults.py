"""Faults: a load killed half way (SIGKILL, mid-COPY, on PostgreSQL) leaves nothing and its
re-run leaves exactly one copy; re-running a day, a month or a backfill gives the same
warehouse; a source that is down is retried and then fails saying which, how often and
why; credentials never live in the repository."""

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

import creditpipe.warehouse.load as wh
from creditpipe.core import settings
from creditpipe.core.clock import county_tz
from creditpipe.devtools import demo
from creditpipe.devtools.simulators import generate_month
from creditpipe.devtools.simulators.api_server import SimulatedApi
from creditpipe.ingest import split as splitting
from creditpipe.ingest.pulls import SourceError
from creditpipe.orchestration import month_steps, steps
from creditpipe.warehouse.collection_log import collection_log
from creditpipe.warehouse.schema import apply_schema, connect, table_count, totals

pytestmark = pytest.mark.faults
REPO = Path(__file__).resolve().parents[2]
PENALTY = "market.admin_penalty"


@pytest.fixture
def pg(pg_database, catalog, monkeypatch):
    from conftest import _reset

    engine = connect(pg_database)
    _reset(engine)
    apply_schema(engine, catalog)
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", pg_database)
    yield engine
    engine.dispose()


# --- a load killed half way -------------------------------------------------------------

KILLED_LOAD = textwrap.dedent('''
    """Runs the load step and stops, for the test to kill it, inside the COPY of the
    delivery's second part into the records table (the first part copied, the batch row,
    the log row and the first part's refusals already sent, all uncommitted)."""
    import contextlib, json, sys, time
    from pathlib import Path

    import psycopg

    checked, home, table, marker = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4])
    real_copy = psycopg.Cursor.copy
    copies = []

    @contextlib.contextmanager
    def copy(self, statement, *args, **kwargs):
        with real_copy(self, statement, *args, **kwargs) as cp:
            text = statement if isinstance(statement, str) else statement.as_string(self)
            if f"COPY {table} " in text:
                copies.append(text)
                if len(copies) == 2:
                    for name in ("write", "write_row"):
                        send = getattr(cp, name)

                        def pause(*a, _send=send, **k):
                            _send(*a, **k)
                            marker.write_text("mid-copy")
                            time.sleep(600)

                        setattr(cp, name, pause)
            yield cp

    psycopg.Cursor.copy = copy
    from creditpipe.orchestration import steps

    steps.load(checked, home)
    print("FINISHED", len(copies))
''')


def _backend(engine, application):
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT state, query FROM pg_stat_activity WHERE application_name = :a"), {"a": application}
        ).first()


def test_a_load_killed_mid_copy_leaves_nothing_and_the_rerun_loads_one_copy(
    pg, pg_database, tmp_path, monkeypatch, penalty
):
    home = tmp_path / "home"
    landing = home / "landing" / "market" / "admin_penalty"
    generate_month(landing, "2026-07", seed=11, records_per_file=(420, 480))
    path = sorted(landing.glob("*.csv"))[0]
    monkeypatch.setattr(splitting, "CHUNK_ROWS", 100)  # a delivery of several parts
    checked = steps.check_file(PENALTY, str(path), home)
    parts = json.loads((Path(checked.work_dir) / "batch.json").read_text(encoding="utf-8"))["parts"]
    assert len(parts) >= 4 and checked.rejected > 0

    application = "creditpipe_killed_load"
    marker = tmp_path / "paused"
    script = tmp_path / "killed_load.py"
    script.write_text(KILLED_LOAD, encoding="utf-8")
    env = {**os.environ, "CREDITPIPE_WAREHOUSE_URL": f"{pg_database}?application_name={application}"}
    child = subprocess.Popen(
        [sys.executable, str(script), json.dumps(checked.to_xcom()), str(home), penalty.table, str(marker)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            if child.poll() is not None:
                pytest.fail(
                    f"the load ended before it could be killed (does it still COPY part by part?):\n"
                    f"{child.stdout.read()[-3000:]}"
                )
            assert time.monotonic() < deadline, "the load never reached its second part"
            time.sleep(0.05)
        state, query = _backend(pg, application)
        assert query.startswith(f"COPY {penalty.table} ")  # killed in the middle of a COPY …
        with pg.connect() as conn:  # … of a transaction that holds the first part
            assert conn.execute(sa.text("SELECT COUNT(*) FROM delivery_batch")).scalar_one() == 0
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()

    deadline = time.monotonic() + 30
    while _backend(pg, application) is not None:  # the server notices and rolls back
        assert time.monotonic() < deadline, "the killed load's session is still open"
        time.sleep(0.1)
    assert totals(pg)["batches"] == 0
    for table in (penalty.table, "refused_record", "record_issue", "batch_delivery_day", "delivered_file"):
        assert table_count(pg, table) == 0, table

    # Run again: exactly one copy of the batch, every record once.
    assert steps.load(checked, home).status == "loaded"
    assert steps.load(checked, home).status == "already_loaded"
    t = totals(pg)
    assert (t["batches"], t["received"], t["accepted"], t["rejected"]) == (
        1,
        checked.received,
        checked.accepted,
        checked.rejected,
    )
    assert table_count(pg, penalty.table) == checked.accepted
    assert table_count(pg, "refused_record") == checked.rejected
    with pg.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT source_row FROM {penalty.table}")).scalars().all()
    assert len(rows) == len(set(rows))
    log = collection_log(pg, "2026-07")
    assert [(r["file_name"], r["outcome"], r["received"]) for r in log] == [(path.name, "loaded", checked.received)]


# --- re-runs give the same warehouse --------------------------------------------------------

SMALL_PLAN = {
    key: {
        **plan,
        "records": (25, 40),
        **({"error_rate": max(plan["error_rate"], 0.05)} if "error_rate" in plan else {}),
    }
    for key, plan in demo.PLAN.items()
}
# Columns that say when the platform did something, not what it holds.
WHEN_PROCESSED = {"processed_at", "recorded_at", "updated_at", "computed_at", "published_at", "applied_at"}


def _dump(engine, ignore=frozenset()):
    """Every table's rows, sorted, without the columns in ``ignore``."""
    out = {}
    with engine.connect() as conn:
        for table in sorted(sa.inspect(conn).get_table_names()):
            columns = [c["name"] for c in sa.inspect(conn).get_columns(table) if c["name"] not in ignore]
            rows = conn.execute(sa.text(f"SELECT {', '.join(columns)} FROM {table}")).all()
            out[table] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def _run_county(catalog, home, until):
    """Every source of every dataset, as its ingest DAG does, up to ``until``."""
    for dataset in catalog.datasets.values():
        for source in dataset.sources:
            steps.ingest_source(dataset.id, source.department, until, home)


def _backfill(catalog, home, months, api, prepare):
    from creditpipe.devtools.simulators import collection_moment

    for position, month in zip(range(len(months) - 1, -1, -1), months):
        if prepare:
            demo.prepare_month(catalog, home, month, 7, api, position)
        _run_county(catalog, home, collection_moment(month))
        month_steps.compute_figures(month, home)


def _connect_sources(catalog, home, api, monkeypatch):
    for dataset in catalog.datasets.values():
        for source in dataset.sources:
            conn_id = source.option("conn_id")
            if source.channel == "api":
                monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", api.connection_uri())
            elif source.channel == "database":
                monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", demo.front_db_url(home, source.department))


def test_rerunning_a_day_a_month_or_a_backfill_gives_the_same_warehouse(pg, catalog, tmp_path, monkeypatch):
    from conftest import _reset

    monkeypatch.setattr(demo, "PLAN", SMALL_PLAN)
    months = ["2026-08", "2026-09"]
    home = tmp_path / "a"
    with SimulatedApi(token=demo.API_TOKEN) as api:
        _connect_sources(catalog, home, api, monkeypatch)
        _backfill(catalog, home, months, api, prepare=True)
        first = _dump(pg)
        assert totals(pg)["batches"] >= 20 and totals(pg)["rejected"] > 0
        # Every delivery loaded, but a quiet week, said as such (本期无数据).
        assert {r["outcome"] for m in months for r in collection_log(pg, m)} == {"loaded", "zero_report"}

        _backfill(catalog, home, months, api, prepare=False)  # the backfill again
        again = _dump(pg, {"computed_at"})
        assert again == _strip(first, pg, {"computed_at"})
        _run_county(catalog, home, dt.datetime(2026, 9, 15, 12, tzinfo=county_tz()))  # a day, again
        month_steps.compute_figures("2026-08", home)  # a month's figures, again
        assert _dump(pg, {"computed_at"}) == again

    # The same deliveries into an empty warehouse give the same contents.
    _reset(pg)
    steps.SCHEMA_READY.clear()
    with SimulatedApi(token=demo.API_TOKEN) as api:
        other = tmp_path / "b"
        _connect_sources(catalog, other, api, monkeypatch)
        _backfill(catalog, other, months, api, prepare=True)
    # A workbook written again carries the time it was written, so its bytes (file_sha256)
    # differ; its records, and so everything else, must not.
    ignore = WHEN_PROCESSED | {"file_sha256"}
    replayed, before = _dump(pg, ignore), _strip(first, pg, ignore)
    assert {
        t: (sorted(set(before[t]) - set(rows))[:3], sorted(set(rows) - set(before[t]))[:3])
        for t, rows in replayed.items()
        if rows != before[t]
    } == {}
    assert replayed == before


def _strip(dump, engine, ignore):
    """A dump taken with every column, without the columns in ``ignore``."""
    out = {}
    with engine.connect() as conn:
        for table, rows in dump.items():
            names = [c["name"] for c in sa.inspect(conn).get_columns(table)]
            keep = [i for i, n in enumerate(names) if n not in ignore]
            out[table] = sorted(tuple(r[i] for i in keep) for r in rows)
    return out


# --- sources that are down ------------------------------------------------------------------


def test_an_api_that_is_down_is_retried_then_fails_naming_it(pg, tmp_path, monkeypatch, catalog, caplog):
    home = tmp_path / "home"
    source = catalog.dataset("court.dishonest_debtor").source_for("court")
    monkeypatch.setitem(source.options, "backoff_s", 0.01)
    monkeypatch.setitem(source.options, "retries", 2)
    until = dt.datetime(2026, 10, 31, 23, tzinfo=county_tz())
    with SimulatedApi(token="court-secret-token") as api:
        monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_API_COURT", api.connection_uri())
        api.add(source.option("path"), [{"updated_at": "2026-10-02T00:00:00.000000"}])
        api.fail_next(*["503"] * 5)
        with pytest.raises(SourceError) as err:
            steps.collect("court.dishonest_debtor", "court", until, home)
        assert len(api.requests) == 3  # the first try and two retries
    message = str(err.value)
    assert message.startswith("法院失信被执行人信息接口（连接 creditpipe_api_court，/api/v1/dishonest-debtors）")
    assert "共请求 3 次" in message and "HTTP 503" in message and "本次未读取任何记录" in message
    assert "court-secret-token" not in message

    # The port closed: nothing listens any more.
    monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_API_COURT", api.connection_uri())
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        steps.collect("court.dishonest_debtor", "court", until, home)
    assert time.monotonic() - started < 20
    assert "共尝试 3 次" in str(err.value) and "Connection refused" in str(err.value)
    assert "court-secret-token" not in str(err.value)
    assert wh.read_watermark(pg, "court.dishonest_debtor", "court") is None
    assert not list(home.rglob("*.jsonl"))  # nothing staged


def test_a_front_database_that_is_down_is_retried_then_fails_naming_it(pg, tmp_path, monkeypatch, catalog, caplog):
    from conftest import free_port

    home = tmp_path / "home"
    source = catalog.dataset("police.population").source_for("police")
    monkeypatch.setitem(source.options, "backoff_s", 0.01)
    monkeypatch.setitem(source.options, "retries", 2)
    port = free_port()  # nothing listens there
    monkeypatch.setenv(
        "AIRFLOW_CONN_CREDITPIPE_FRONTDB_POLICE", f"postgresql://reader:frontdb-pw-9@127.0.0.1:{port}/qzj"
    )
    caplog.set_level("WARNING", logger="creditpipe.ingest.pulls")
    with pytest.raises(SourceError) as err:
        steps.collect("police.population", "police", dt.datetime(2026, 10, 31, tzinfo=county_tz()), home)
    message = str(err.value)
    assert message.startswith("公安人口基础信息（派出所）前置库（连接 creditpipe_frontdb_police，ex_population）")
    assert "共连接 3 次均失败" in message and "Connection refused" in message
    retries = [r.getMessage() for r in caplog.records if "秒后重试" in r.getMessage()]
    assert [m.split("：")[1][:5] for m in retries] == ["第 1 次", "第 2 次"]
    assert "frontdb-pw-9" not in message + caplog.text

    # Up again after a failed attempt: the pull goes on.
    import creditpipe.ingest.pulls as channels

    real, calls = channels._read_front_table, []

    def flaky(*args):
        calls.append(1)
        if len(calls) == 1:
            raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
        return real(*args)

    monkeypatch.setattr(channels, "_read_front_table", flaky)
    monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_FRONTDB_POLICE", demo.front_db_url(tmp_path, "police"))
    demo.fill_front_db(
        tmp_path,
        catalog.dataset("police.population"),
        source,
        _people(catalog),
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
    )
    refs = steps.collect("police.population", "police", dt.datetime(2026, 10, 31, tzinfo=county_tz()), home)
    assert len(calls) == 2 and len(refs) == 1


def _people(catalog):
    import random

    from creditpipe.devtools.simulators import make_delivery, stamp_changes

    rng = random.Random(2)
    records, _ = make_delivery(
        "police.population", "police", rng, [dt.date(2026, 10, 3)] * 5, dt.date(2026, 10, 31), []
    )
    return stamp_changes(
        records, dt.datetime(2026, 10, 2, tzinfo=county_tz()), dt.datetime(2026, 10, 20, tzinfo=county_tz())
    )


# --- credentials only from Airflow connections or the environment ---------------------------

# A URL with a password, or a password/secret/token given a value in a config file.
URL_WITH_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://([^\s:/@'\"`]*):([^\s@/'\"`]+)@([^\s/:?'\"`]+)", re.I)
ASSIGNED_SECRET = re.compile(
    r"^[ \t-]*[\w.-]*(password|passwd|secret|token|api_key|fernet_key)\w*[ \t]*[:=][ \t]*['\"]?([^\s'\"#,}]*)",
    re.I | re.M,
)
# What a placeholder looks like: the example's own words, or a variable the environment fills.
PLACEHOLDER = re.compile(r"^(\$\{.*|\$\w+|\{.*\}|%\(.*|<.*>|PASSWORD|TOKEN|secret|pw|change-me.*|xxx+|\*+|)$", re.I)
EXAMPLE_HOST = re.compile(r"(^|\.)example(\.|$)|^127\.0\.0\.1$|^localhost$")


UNTRACKED = {".git", ".venv", "var", "data", "__pycache__", ".pytest_cache", "node_modules"}


def _tracked_files():
    """The repository's files: git's list in a checkout, else every file outside the
    folders git ignores (a copy of the tree, as in the image)."""
    if (REPO / ".git").exists():
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
        names = [n for n in out.decode().split("\0") if n]
    else:
        names = [
            str(p.relative_to(REPO))
            for p in REPO.rglob("*")
            if p.is_file() and not UNTRACKED & set(p.relative_to(REPO).parts)
        ]
    for name in names:
        path = REPO / name
        if name and path.is_file() and path.stat().st_size < 2_000_000:
            try:
                yield name, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # binary


def credential_findings(name: str, text: str) -> list[str]:
    found = []
    for m in URL_WITH_PASSWORD.finditer(text):
        password, host = m.group(2), m.group(3)
        if PLACEHOLDER.match(password) or EXAMPLE_HOST.search(host):
            continue
        found.append(f"{name}: {m.group(0)}")
    if name.endswith((".yml", ".yaml", ".env", ".ini", ".cfg", ".toml", ".example", ".sh", ".conf", "Dockerfile")):
        for m in ASSIGNED_SECRET.finditer(text):
            if not PLACEHOLDER.match(m.group(2)) and not m.group(2).startswith(("${", "$")):
                found.append(f"{name}: {m.group(0)}")
    return found


def test_the_scanner_finds_what_it_looks_for():
    # Split so that this file does not hold what it looks for.
    assert credential_findings("x.py", "URL = 'postgresql://creditpipe:" + "Hunter2@10.0.0.5:5432/db'")
    assert credential_findings("docker-compose.yml", "POSTGRES_PASSWORD" + ": s3cr3t-real")
    assert credential_findings("a.env", "AIRFLOW_CONN_X=smtp://u:" + "realpw@smtp.county.gov.cn:25")
    assert credential_findings("x.env", "AIRFLOW_JWT_SECRET" + "=9f8e7d6c5b4a")
    assert not credential_findings("docker-compose.yml", "POSTGRES_PASSWORD: ${AIRFLOW_DB_PASSWORD:?set in .env}")
    assert not credential_findings("x.env", "AIRFLOW_FERNET_KEY=\nAIRFLOW_JWT_SECRET=\n")
    assert not credential_findings("README.md", "postgresql+psycopg://creditpipe:secret@db.example:5432/creditpipe")
    assert not credential_findings("x.py", "postgresql://postgres@127.0.0.1:5432/postgres")


def test_no_credentials_in_the_repository():
    findings = [f for name, text in _tracked_files() for f in credential_findings(name, text)]
    assert findings == []
    assert ".env" in (REPO / ".gitignore").read_text(encoding="utf-8").split()
    if (REPO / ".git").exists():
        tracked = subprocess.run(
            ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.split()
        assert ".env" not in tracked and not [n for n in tracked if n.startswith("var/")]


def test_the_warehouse_and_smtp_come_from_the_environment_or_airflow(monkeypatch, tmp_path):
    from creditpipe.core.mail import smtp_connection

    for name in list(os.environ):
        if name.startswith(("AIRFLOW_CONN_", "CREDITPIPE_WAREHOUSE")):
            monkeypatch.delenv(name)
    # Nothing configured: the embedded warehouse under the data folder, and no mail.
    assert settings.warehouse_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'warehouse.db'}"
    assert smtp_connection() is None
    monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_WAREHOUSE", "postgresql://wh:pw@db.example:5432/creditpipe")
    assert settings.warehouse_url(tmp_path) == "postgresql+psycopg://wh:pw@db.example:5432/creditpipe"
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", "postgresql+psycopg://other@db.example/x")
    assert settings.warehouse_url(tmp_path) == "postgresql+psycopg://other@db.example/x"
    monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_SMTP", "smtp://u:pw@smtp.example.gov.cn:587?starttls=true")
    conn = smtp_connection()
    assert (conn.host, conn.port, conn.login, conn.password) == ("smtp.example.gov.cn", 587, "u", "pw")
    # The source code names connections, never their contents.
    for module in (
        "core/settings.py",
        "core/connections.py",
        "core/mail.py",
        "warehouse/schema.py",
        "warehouse/load.py",
        "ingest/pulls.py",
        "orchestration/steps.py",
    ):
        text = (REPO / "plugins" / "creditpipe" / module).read_text(encoding="utf-8")
        assert not URL_WITH_PASSWORD.search(text), module
