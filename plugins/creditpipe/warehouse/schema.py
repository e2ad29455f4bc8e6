"""The warehouse's schema and statements: the tables from ``sql/`` (the datasets' tables
generated from their declarations), one statement per file, and the connection.

Works on the embedded SQLite file and on PostgreSQL alike: every statement is in sql/,
portable, and parameterised."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from creditpipe.core.catalog import Catalog
from creditpipe.core.settings import project_dir


class WarehouseError(RuntimeError):
    pass


def sql_dir() -> Path:
    return project_dir() / "sql"


@lru_cache(maxsize=64)
def statement(name: str) -> str:
    """One statement per file: ``statement("queries/find_batch_by_hash")``."""
    return (sql_dir() / f"{name}.sql").read_text(encoding="utf-8")


def connect(url: str) -> Engine:
    # Records name citizens: a failed statement's parameters never reach a log or a task's
    # error (SQLAlchemy would print the first rows of an executemany).
    engine = sa.create_engine(url, future=True, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        # SQLite leaves foreign keys off unless asked, and waits for no lock by default.
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA busy_timeout = 30000")
            cur.close()

        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    return engine


def apply_schema(engine: Engine, catalog: Catalog) -> None:
    files = sorted((sql_dir() / "schema").glob("*.sql"))
    files += [sql_dir() / "datasets" / f"{ds.table}.sql" for ds in catalog.datasets.values()]
    with engine.begin() as conn:
        for path in files:
            if not path.exists():
                raise WarehouseError(f"缺少建表语句 {path.relative_to(project_dir())}")
            conn.execute(sa.text(path.read_text(encoding="utf-8")))
    _check_columns(engine, tuple(files))


def _check_columns(engine: Engine, files: tuple[Path, ...]) -> None:
    """CREATE TABLE IF NOT EXISTS leaves an older table as it was: say so, clearly, rather
    than fail later on a missing column or a key that has changed."""
    reference = sa.create_engine("sqlite://")
    with reference.begin() as conn:
        for path in files:
            conn.execute(sa.text(path.read_text(encoding="utf-8")))
    want = sa.inspect(reference)
    have = sa.inspect(engine)
    for table in want.get_table_names():
        missing = {c["name"] for c in want.get_columns(table)} - {c["name"] for c in have.get_columns(table)}
        key = want.get_pk_constraint(table)["constrained_columns"]
        held = have.get_pk_constraint(table)["constrained_columns"]
        if missing or set(key) != set(held):
            what = (
                f"缺少列 {'、'.join(sorted(missing))}"
                if missing
                else f"主键为（{'、'.join(held)}），应为（{'、'.join(key)}）"
            )
            raise WarehouseError(
                f"数据仓库表 {table} {what}：该表由旧版本创建。生产库请先迁移；演示环境可执行 make clean 后重跑 make demo"
            )
    reference.dispose()


def totals(engine: Engine) -> dict:
    with engine.connect() as conn:
        row = conn.execute(sa.text(statement("queries/warehouse_totals"))).mappings().one()
    return {k: int(v) for k, v in row.items()}


def table_count(engine: Engine, table: str) -> int:
    # Table names come from the catalog, which admits plain identifiers only.
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def dataset_ddl(dataset, catalog: Catalog) -> str:
    """A dataset's table, generated from its declaration: the batch and the record's row
    (lineage), then a TEXT column per field, NOT NULL where the standard requires it, the
    terms of each multi-term field in their canonical form (``Field.terms_column``), and
    superseded_by: NULL while the record is current; a record with the same business key
    delivered later replaces it, and it stays, named superseded by that batch (or withdrawn
    by an objection, 撤销); corrected_by: the objection whose 更正 changed it."""
    who = "、".join(catalog.departments[d].short_name for d in dataset.departments if d in catalog.departments)
    rows = [
        ("batch_id", "TEXT NOT NULL", "the batch (no FOREIGN KEY: see below)"),
        ("source_row", "INTEGER NOT NULL", ""),
    ]
    rows += [(f.column, "TEXT NOT NULL" if f.required else "TEXT", f.name) for f in dataset.fields]
    rows += [(f.terms_column, "TEXT", f"{f.name}，标准名称，以；分隔") for f in dataset.term_fields]
    rows += [
        (
            "superseded_by",
            "TEXT",
            "the later batch whose record with the same business key replaced it, or 异议 <编号> that withdrew it",
        ),
        (
            "corrected_by",
            "TEXT",
            "the objection (异议编号) whose 更正 changed its values (earlier ones in objection_change)",
        ),
    ]
    width = max(len(c) for c, _, _ in rows) + 1
    lines = [f"    {c.ljust(width)}{t},  -- {note}" if note else f"    {c.ljust(width)}{t}," for c, t, note in rows]
    return (
        "\n".join(
            [
                f"-- Accepted {dataset.title} records ({who}), values as delivered, with lineage.",
                f"-- Generated from the declaration dags/datasets/{dataset.id}.yml by `make suites`: edit that, not this.",
                f"CREATE TABLE IF NOT EXISTS {dataset.table} (",
                *lines,
                "    PRIMARY KEY (batch_id, source_row)",
                ")",
                "-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the",
                "-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch",
                "-- counts the batch's rows back before it commits.",
            ]
        )
        + "\n"
    )
