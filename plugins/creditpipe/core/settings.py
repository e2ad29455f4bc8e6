"""Where things live. Every path and connection comes from the environment or Airflow,
never from the repository, with a self-contained default under ``var/`` for the demo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Airflow connection id of the warehouse; docker-compose.yml passes it as
# AIRFLOW_CONN_CREDITPIPE_WAREHOUSE (a test keeps the two in step).
WAREHOUSE_CONN_ID = "creditpipe_warehouse"
WAREHOUSE_URL_ENV = "CREDITPIPE_WAREHOUSE_URL"
HOME_ENV = "CREDITPIPE_HOME"
PROJECT_DIR_ENV = "CREDITPIPE_PROJECT_DIR"


def project_dir() -> Path:
    """The folder holding dags/, expectations/ and sql/ (the repo, or /opt/airflow)."""
    if os.environ.get(PROJECT_DIR_ENV):
        return Path(os.environ[PROJECT_DIR_ENV]).resolve()
    return Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def work(self) -> Path:
        return self.home / "work"

    def landing_for(self, department_id: str, dataset_id: str) -> Path:
        """<home>/landing/<department>/<dataset name>/, e.g. landing/water/arrears/."""
        return self.landing / department_id / dataset_id.split(".", 1)[1]


def paths(home: str | os.PathLike | None = None) -> Paths:
    if home is None:
        home = os.environ.get(HOME_ENV) or project_dir() / "var"
    return Paths(Path(home).resolve())


def default_warehouse_url(home: Path) -> str:
    return f"sqlite:///{home / 'warehouse.db'}"


def warehouse_url(home: str | os.PathLike | None = None) -> str:
    """The warehouse's SQLAlchemy URL: the environment, else the Airflow connection,
    else the embedded SQLite file of the demo."""
    if os.environ.get(WAREHOUSE_URL_ENV):
        return os.environ[WAREHOUSE_URL_ENV]
    from_airflow = _airflow_connection_url(WAREHOUSE_CONN_ID)
    if from_airflow:
        return from_airflow
    return default_warehouse_url(paths(home).home)


def _airflow_connection_url(conn_id: str) -> str | None:
    env_uri = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if not env_uri:
        return None
    return sqlalchemy_url_from_airflow_uri(env_uri)


def sqlalchemy_url_from_airflow_uri(uri: str) -> str:
    """Airflow writes postgres connections as postgres:// or postgresql://; SQLAlchemy
    wants a driver. SQLite URIs pass through."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        raise ValueError(f"不是连接 URI：{scheme[:20]}…")
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    return uri
