"""The DAGs run through Airflow (`airflow db migrate`, then `airflow dags test`) with the
warehouse on the real PostgreSQL server."""

import json

import pytest
import sqlalchemy as sa

from creditpipe.airflow_env import airflow_env, dag_test, migrate
from creditpipe.simulators import generate_month, last_moment_of
from creditpipe.warehouse import connect, totals

pytestmark = pytest.mark.airflow
MONTH = "2026-06"


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory, pg_database):
    home = tmp_path_factory.mktemp("home")
    engine = connect(pg_database)
    with engine.begin() as conn:  # a clean warehouse for this module
        names = sa.inspect(conn).get_table_names()
        if names:
            conn.execute(sa.text("DROP TABLE " + ", ".join(names) + " CASCADE"))
    engine.dispose()
    env = airflow_env(home, warehouse_url=pg_database)
    migrate(env)
    return home, env


def test_ingest_and_monthly_dags_against_postgres(airflow_home, pg_database, catalog):
    home, env = airflow_home
    expected = generate_month(home / "landing" / "market" / "admin_penalty", MONTH, seed=42,
                              records_per_file=(60, 90))
    until = last_moment_of(MONTH)
    dag_test("ingest__market__admin_penalty", until.isoformat(), env)

    engine = connect(pg_database)
    assert engine.dialect.name == "postgresql"
    t = totals(engine)
    with engine.connect() as conn:
        issues = set(conn.execute(sa.text(
            "SELECT b.file_name, i.source_row, i.field, i.rule FROM record_issue i "
            "JOIN delivery_batch b ON b.batch_id = i.batch_id")))
        months = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT delivered_month FROM delivery_batch"))}
    assert t["batches"] == 4 and t["received"] == t["accepted"] + t["rejected"]
    assert issues == {(e.file, e.source_row, e.field, e.rule) for e in expected}
    assert months == {MONTH}
    notices = list((home / "outbox" / "market" / MONTH).glob("*/rejection_notice.xlsx"))
    assert len(notices) == 4

    # A second run of the DAG (a re-run, a backfill) finds nothing new and changes nothing.
    dag_test("ingest__market__admin_penalty", until.replace(minute=58).isoformat(), env)
    assert totals(engine) == t

    # The monthly DAG for the month just ended, by its schedule (1st of next month) …
    dag_test("monthly_conformity", "2026-07-01T01:00:00+08:00", env)
    # … and a chosen month re-run through params.
    dag_test("monthly_conformity", "2026-11-01T01:00:00+08:00", env, conf=json.dumps({"month": MONTH}))
    with engine.connect() as conn:
        rows = {r.department_id: r for r in conn.execute(sa.text(
            "SELECT * FROM monthly_conformity WHERE month = :m"), {"m": MONTH})}
    assert set(rows) == set(catalog.departments)
    assert rows["market"].received == t["received"] and rows["market"].rejected == t["rejected"]
    assert (home / "reports" / MONTH / "信息规范性_数据不合格率.csv").exists()
    engine.dispose()


def test_a_failed_run_is_reported_not_swallowed(tmp_path):
    from creditpipe.airflow_env import AirflowRunError

    env = airflow_env(tmp_path, warehouse_url="postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    migrate(env)
    with pytest.raises(AirflowRunError, match="failed") as err:
        dag_test("monthly_conformity", "2026-07-01T01:00:00+08:00", env)
    assert "Connection refused" in str(err.value) or "connection" in str(err.value).lower()


def test_demo_command_end_to_end(tmp_path):
    """What `make demo` runs, on the embedded SQLite warehouse, twice (the second changes nothing)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CREDITPIPE_WAREHOUSE"))}
    cmd = [sys.executable, "-m", "creditpipe.cli", "demo", "--month", "2026-05", "--home", str(tmp_path)]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "：一致" in first.stdout
    notices = [ln.strip() for ln in first.stdout.splitlines() if ln.strip().endswith("rejection_notice.xlsx")]
    # Every department of the catalog delivered through its channel and got its notices.
    assert {n.split("/outbox/")[1].split("/")[0] for n in notices} == {"market", "police", "court", "power", "water", "gas"}
    assert "本月无报送" not in first.stdout
    assert (tmp_path / "warehouse.db").exists()
    assert (tmp_path / "reports" / "2026-05" / "信息规范性_数据不合格率.csv").exists()
    totals_line = next(ln for ln in first.stdout.splitlines() if ln.startswith("累计批次"))
    second = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr[-2000:]
    assert next(ln for ln in second.stdout.splitlines() if ln.startswith("累计批次")) == totals_line
