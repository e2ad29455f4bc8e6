"""Shared fixtures. PostgreSQL is the real server at 127.0.0.1:5432 (trust auth, user
postgres): each test session gets its own database, dropped at the end."""

from __future__ import annotations

import email
import email.policy
import os
import socket
import tempfile
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
# Airflow imported in-process (DagBag) must not write to ~/airflow.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="creditpipe-airflow-"))
os.environ.setdefault("AIRFLOW_HOME", str(_AIRFLOW_HOME))
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).resolve().parents[1] / "dags"))

PG_ADMIN_URL = os.environ.get("CREDITPIPE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def catalog():
    from creditpipe.core.catalog import load_catalog

    return load_catalog()


@pytest.fixture(scope="session")
def penalty(catalog):
    return catalog.dataset("market.admin_penalty")


def _admin():
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # say what to do, do not skip: CI has the server
        pytest.fail(
            f"PostgreSQL is needed at {PG_ADMIN_URL} (set CREDITPIPE_TEST_PG to use another): {exc}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this session; yields its SQLAlchemy URL."""
    name = f"creditpipe_test_{uuid.uuid4().hex[:10]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    yield f"{base}/{name}"
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset(engine):
    import sqlalchemy as sa

    with engine.begin() as conn:
        names = sa.inspect(conn).get_table_names()
        if engine.dialect.name == "postgresql" and names:
            conn.execute(sa.text("DROP TABLE " + ", ".join(f'"{n}"' for n in names) + " CASCADE"))
        else:
            for n in names:
                conn.execute(sa.text(f'DROP TABLE "{n}"'))


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse(request, tmp_path, catalog):
    """An empty warehouse with the schema applied, on SQLite and on PostgreSQL."""
    from creditpipe.warehouse.schema import apply_schema, connect

    if request.param == "sqlite":
        engine = connect(f"sqlite:///{tmp_path / 'warehouse.db'}")
    else:
        engine = connect(request.getfixturevalue("pg_database"))
        _reset(engine)
    apply_schema(engine, catalog)
    yield engine
    engine.dispose()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) behind the connection creditpipe_smtp."""
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(
                (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default))
            )
            return "250 OK"

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv(
        "AIRFLOW_CONN_CREDITPIPE_SMTP", f"smtp://127.0.0.1:{port}?from_email=xinyong%40jiangyin.example.gov.cn"
    )
    yield sink
    controller.stop()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A data folder with its own embedded warehouse (a module may define its own ``home``,
    on the warehouse fixture's servers, instead)."""
    from creditpipe.orchestration import steps

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", url)
    yield tmp_path / "home"
    steps.SCHEMA_READY.discard(url)


@pytest.fixture
def warehouse_home(tmp_path, warehouse, monkeypatch):
    """A data folder whose warehouse is the ``warehouse`` fixture's (SQLite, then PostgreSQL)."""
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", warehouse.url.render_as_string(hide_password=False))
    return tmp_path / "home"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`make demo`'s command (three months through Airflow, the embedded SQLite warehouse)
    in a fresh home, run once for the scenarios that read what it left (its report, its
    Airflow): (home, the command, its environment, the finished process)."""
    import subprocess
    import sys

    home = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CREDITPIPE_WAREHOUSE"))}
    cmd = [sys.executable, "-m", "creditpipe.cli", "demo", "--month", "2026-05", "--home", str(home)]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr[-2000:]
    return home, cmd, env, first
