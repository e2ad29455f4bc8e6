"""The warehouse: schema from sql/, idempotent batch loads, the month's figures.

Works on the embedded SQLite file and on PostgreSQL alike: every statement is in sql/,
portable, and parameterised."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from creditpipe.catalog import Catalog, Dataset
from creditpipe.settings import project_dir

PUBLISHED = "报送日期"  # quality.PUBLISHED (not imported: quality pulls in Great Expectations)

log = logging.getLogger(__name__)


class WarehouseError(RuntimeError):
    pass


def sql_dir() -> Path:
    return project_dir() / "sql"


@lru_cache(maxsize=64)
def statement(name: str) -> str:
    """One statement per file: ``statement("queries/find_batch_by_hash")``."""
    return (sql_dir() / f"{name}.sql").read_text(encoding="utf-8")


def connect(url: str) -> Engine:
    engine = sa.create_engine(url, future=True)
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
    than fail later on a missing column."""
    reference = sa.create_engine("sqlite://")
    with reference.begin() as conn:
        for path in files:
            conn.execute(sa.text(path.read_text(encoding="utf-8")))
    want = sa.inspect(reference)
    have = sa.inspect(engine)
    for table in want.get_table_names():
        missing = {c["name"] for c in want.get_columns(table)} - {c["name"] for c in have.get_columns(table)}
        if missing:
            raise WarehouseError(
                f"数据仓库表 {table} 缺少列 {'、'.join(sorted(missing))}：该表由旧版本创建。"
                "生产库请先迁移；演示环境可执行 make clean 后重跑 make demo"
            )
    reference.dispose()


@dataclass(frozen=True)
class LoadResult:
    batch_id: str
    status: str  # "loaded" | "already_loaded"
    received: int
    accepted: int
    rejected: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def batch_id_for(dataset_id: str, content_sha256: str) -> str:
    """Deterministic, so the same records delivered again name the same batch."""
    return f"{dataset_id}:{content_sha256[:20]}"


def find_batch(conn, dataset_id: str, content_sha256: str):
    return conn.execute(
        sa.text(statement("queries/find_batch_by_content")),
        {"dataset_id": dataset_id, "content_sha256": content_sha256},
    ).mappings().first()


def file_seen(conn, dataset_id: str, file_sha256: str) -> bool:
    found = conn.execute(
        sa.text(statement("queries/find_delivered_file")),
        {"dataset_id": dataset_id, "file_sha256": file_sha256},
    ).first()
    return found is not None


def _record_file(conn, batch: dict, batch_id: str, outcome: str) -> None:
    conn.execute(
        sa.text(statement("queries/record_delivered_file")),
        {
            "dataset_id": batch["dataset_id"],
            "file_sha256": batch["file_sha256"],
            "file_name": batch["file_name"],
            "batch_id": batch_id,
            "outcome": outcome,
            "recorded_at": batch["processed_at"],
        },
    )


def read_watermark(engine: Engine, dataset_id: str, department_id: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(statement("queries/find_source_watermark")),
            {"dataset_id": dataset_id, "department_id": department_id},
        ).scalar_one_or_none()


def _advance_watermark(conn, batch: dict, batch_id: str) -> None:
    if not batch.get("watermark"):
        return
    conn.execute(
        sa.text(statement("queries/upsert_source_watermark")),
        {
            "dataset_id": batch["dataset_id"],
            "department_id": batch["department_id"],
            "watermark": batch["watermark"],
            "batch_id": batch_id,
            "updated_at": batch["processed_at"],
        },
    )


def load_batch(
    engine: Engine,
    dataset: Dataset,
    batch: dict,
    accepted: pd.DataFrame,
    refused: pd.DataFrame,
    issues: pd.DataFrame,
) -> LoadResult:
    """Load one judged delivery in one transaction.

    A batch whose records are already there (same content fingerprint) is not loaded
    again; the file is logged as a duplicate of it. ``batch`` holds the delivery_batch columns; the frames carry source_row and the
    dataset's Chinese field names. A pulled delivery's ``batch["watermark"]`` advances its
    source's watermark in the same transaction."""
    if batch["received"] != batch["accepted"] + batch["rejected"]:
        raise WarehouseError(
            f"批次 {batch['batch_id']} 记录数不平：收到 {batch['received']}，"
            f"入库 {batch['accepted']} + 退回 {batch['rejected']}"
        )
    if len(accepted) != batch["accepted"] or len(refused) != batch["rejected"]:
        raise WarehouseError(f"批次 {batch['batch_id']} 的明细与计数不一致")
    try:
        with engine.begin() as conn:
            existing = find_batch(conn, batch["dataset_id"], batch["content_sha256"])
            if existing is not None:
                _record_file(conn, batch, existing["batch_id"], "duplicate")
                _advance_watermark(conn, batch, existing["batch_id"])
                return _already(existing)
            conn.execute(sa.text(statement("queries/insert_delivery_batch")), _batch_columns(batch))
            _record_file(conn, batch, batch["batch_id"], "loaded")
            _insert_records(conn, dataset, batch["batch_id"], accepted)
            _insert_refused(conn, dataset, batch["batch_id"], refused)
            _insert_issues(conn, batch["batch_id"], issues)
            _insert_delivery_days(conn, batch, accepted, refused)
            _close_corrected_refusals(conn, dataset, batch, accepted)
            _advance_watermark(conn, batch, batch["batch_id"])
    except sa.exc.IntegrityError:
        # Another run loaded the same records between our look and our insert.
        with engine.begin() as conn:
            existing = find_batch(conn, batch["dataset_id"], batch["content_sha256"])
            if existing is None:
                raise
            _record_file(conn, batch, existing["batch_id"], "duplicate")
        return _already(existing)
    return LoadResult(
        batch["batch_id"], "loaded", batch["received"], batch["accepted"], batch["rejected"]
    )


_BATCH_COLUMNS = (
    "batch_id", "dataset_id", "department_id", "file_name", "file_sha256", "content_sha256",
    "file_format", "encoding", "delivered_at", "delivered_month", "processed_at",
    "received", "accepted", "rejected", "error_count", "warning_count",
)


def _batch_columns(batch: dict) -> dict:
    return {k: batch.get(k) for k in _BATCH_COLUMNS}


def _already(row) -> LoadResult:
    return LoadResult(row["batch_id"], "already_loaded", row["received"], row["accepted"], row["rejected"])


def _nullable(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _insert_records(conn, dataset: Dataset, batch_id: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    columns = [f.column for f in dataset.fields]
    sql = sa.text(
        f"INSERT INTO {dataset.table} (batch_id, source_row, {', '.join(columns)}) "
        f"VALUES (:batch_id, :source_row, {', '.join(':' + c for c in columns)})"
    )
    rows = []
    for rec in frame.to_dict("records"):
        row = {"batch_id": batch_id, "source_row": int(rec["source_row"])}
        for f in dataset.fields:
            row[f.column] = _nullable(rec.get(f.name))
        rows.append(row)
    conn.execute(sql, rows)


def business_key(dataset: Dataset, rec: dict) -> str | None:
    """The record's business key as one text (parts joined by |), None when a part is
    missing: such a refusal cannot be matched and waits for a record with the key."""
    parts = [_nullable(rec.get(f)) for f in dataset.business_key]
    if not parts or any(p is None or not p.strip() for p in parts):
        return None
    return "|".join(p.strip() for p in parts)


def _insert_refused(conn, dataset: Dataset, batch_id: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    rows = [
        {
            "batch_id": batch_id,
            "source_row": int(rec["source_row"]),
            "record_json": json.dumps(
                {f: _nullable(rec.get(f)) for f in dataset.field_names}, ensure_ascii=False
            ),
            "business_key": business_key(dataset, rec),
        }
        for rec in frame.to_dict("records")
    ]
    conn.execute(sa.text(statement("queries/insert_refused_record")), rows)


def _close_corrected_refusals(conn, dataset: Dataset, batch: dict, accepted: pd.DataFrame) -> int:
    """An accepted record whose business key matches an open refusal of the same dataset
    and department closes it (the department corrected and delivered it again)."""
    if accepted.empty or not dataset.business_key:
        return 0
    open_rows = conn.execute(
        sa.text(statement("queries/open_refusals_of_source")),
        {"dataset_id": batch["dataset_id"], "department_id": batch["department_id"]},
    ).mappings().all()
    if not open_rows:
        return 0
    keys = {business_key(dataset, rec) for rec in accepted.to_dict("records")}
    closing = [
        {"batch_id": r["batch_id"], "source_row": r["source_row"],
         "closed_by_batch": batch["batch_id"], "closed_at": batch["processed_at"]}
        for r in open_rows if r["business_key"] in keys
    ]
    if closing:
        conn.execute(sa.text(statement("queries/close_refusal")), closing)
    return len(closing)


def _insert_delivery_days(conn, batch: dict, accepted: pd.DataFrame, refused: pd.DataFrame) -> None:
    """The days the batch's records were made available (quality.PUBLISHED), for timeliness."""
    fallback = str(batch["delivered_at"])[:10]
    days: dict[str, int] = {}
    for frame in (accepted, refused):
        values = frame[PUBLISHED] if PUBLISHED in frame.columns else pd.Series([fallback] * len(frame), dtype=object)
        for value in values:
            day = str(value)[:10] if value is not None and not pd.isna(value) else fallback
            days[day] = days.get(day, 0) + 1
    rows = [{"batch_id": batch["batch_id"], "delivery_day": d, "records": n} for d, n in sorted(days.items())]
    if rows:
        conn.execute(sa.text(statement("queries/insert_batch_delivery_day")), rows)


def _insert_issues(conn, batch_id: str, issues: pd.DataFrame) -> None:
    if issues.empty:
        return
    rows = [
        {
            "batch_id": batch_id,
            "source_row": int(r["source_row"]),
            "field": r["field"],
            "rule": r["rule"],
            "severity": r["severity"],
            "message": r["message"],
            "fix": r["fix"] or "",
        }
        for r in issues.to_dict("records")
    ]
    conn.execute(sa.text(statement("queries/insert_record_issue")), rows)


def totals(engine: Engine) -> dict:
    with engine.connect() as conn:
        row = conn.execute(sa.text(statement("queries/warehouse_totals"))).mappings().one()
    return {k: int(v) for k, v in row.items()}


def table_count(engine: Engine, table: str) -> int:
    # Table names come from the catalog, which admits plain identifiers only.
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
