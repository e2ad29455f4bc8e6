"""Airflow connections for the sources (API tokens, front-end databases) and the warehouse.

Credentials never live in the repository: a connection comes from the environment
(``AIRFLOW_CONN_<ID>``, in Airflow's URI or JSON form, as docker-compose passes them) or,
inside a running task, from Airflow's own connection store."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit


class ConnectionError_(LookupError):
    pass


@dataclass(frozen=True)
class Conn:
    conn_id: str
    conn_type: str
    host: str = ""
    port: int | None = None
    login: str = ""
    password: str = ""
    schema: str = ""
    extra: dict = field(default_factory=dict)

    def base_url(self) -> str:
        """http(s)://host[:port][/schema] for an HTTP API connection."""
        scheme = self.extra.get("scheme") or ("https" if self.conn_type == "https" else "http")
        port = f":{self.port}" if self.port else ""
        path = f"/{self.schema.strip('/')}" if self.schema else ""
        return f"{scheme}://{self.host}{port}{path}"

    def token(self) -> str:
        return self.extra.get("token") or self.password

    def sqlalchemy_url(self) -> str:
        if self.conn_type == "sqlite":
            return f"sqlite:///{self.host or self.schema}"
        if self.conn_type in ("postgres", "postgresql"):
            auth = self.login + (f":{self.password}" if self.password else "")
            at = f"{auth}@" if auth else ""
            return f"postgresql+psycopg://{at}{self.host}:{self.port or 5432}/{self.schema}"
        if self.conn_type in ("mysql", "mariadb"):
            auth = self.login + (f":{self.password}" if self.password else "")
            return f"mysql+pymysql://{auth}@{self.host}:{self.port or 3306}/{self.schema}"
        raise ConnectionError_(f"连接 {self.conn_id} 的类型 {self.conn_type!r} 不是数据库")


def parse_conn(conn_id: str, text: str) -> Conn:
    text = text.strip()
    if text.startswith("{"):
        data = json.loads(text)
        extra = data.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra) if extra else {}
        return Conn(
            conn_id,
            data.get("conn_type", ""),
            data.get("host", "") or "",
            data.get("port"),
            data.get("login", "") or "",
            data.get("password", "") or "",
            data.get("schema", "") or "",
            extra,
        )
    if text.startswith("sqlite:///"):
        return Conn(conn_id, "sqlite", host=text[len("sqlite:///") :])
    parts = urlsplit(text)
    scheme = parts.scheme.replace("-", "_")
    return Conn(
        conn_id,
        {"postgresql": "postgres"}.get(scheme, scheme),
        unquote(parts.hostname or ""),
        parts.port,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
        unquote(parts.path.lstrip("/")),
        dict(parse_qsl(parts.query)),
    )


def get_conn(conn_id: str) -> Conn:
    env = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if env:
        return parse_conn(conn_id, env)
    try:  # inside a task: Airflow's connection store (UI, secrets backend)
        from airflow.sdk import BaseHook

        c = BaseHook.get_connection(conn_id)
        return Conn(
            conn_id,
            c.conn_type or "",
            c.host or "",
            c.port,
            c.login or "",
            c.password or "",
            c.schema or "",
            c.extra_dejson or {},
        )
    except Exception:
        pass
    raise ConnectionError_(f"未找到连接 {conn_id}：请在 Airflow 中配置，或设置环境变量 AIRFLOW_CONN_{conn_id.upper()}")
