"""The warehouse: schema from sql/, idempotent batch loads, the month's figures.

Works on the embedded SQLite file and on PostgreSQL alike: every statement is in sql/,
portable, and parameterised. The one exception is speed: on PostgreSQL (psycopg 3) a
batch's rows go in with COPY, inside the same transaction as the rest of the load."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from pandas.api.extensions import ExtensionDtype
from pandas.core.dtypes.cast import maybe_box_native  # what to_dict does to a cell
from sqlalchemy import event
from sqlalchemy.engine import Engine

from creditpipe.catalog import Catalog, Dataset
from creditpipe.settings import project_dir

PUBLISHED = "报送日期"  # quality.PUBLISHED (not imported: quality pulls in Great Expectations)
ROW_ID = "source_row"  # quality.ROW_ID

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


def source_of(dataset: Dataset, department_id: str) -> tuple[str, str]:
    """The channel a department delivers the dataset through, and where: its landing folder,
    or the Airflow connection and the API path or front-end table it names."""
    source = dataset.source_for(department_id)
    if source.channel == "landing":
        return source.channel, f"landing/{source.department}/{dataset.name}/"
    where = source.option("path") if source.channel == "api" else source.option("table")
    return source.channel, f"{source.option('conn_id')}:{where}"


def _pull_request(conn, batch: dict) -> str | None:
    """A pull asked its source for the records changed after the watermark (as stored before
    this load advances it) up to the run's moment, which is the delivery's time."""
    from creditpipe.channels import EPOCH, watermark_text

    since = conn.execute(
        sa.text(statement("queries/find_source_watermark")),
        {"dataset_id": batch["dataset_id"], "department_id": batch["department_id"]},
    ).scalar_one_or_none()
    return f"变更时间 ({since or EPOCH}, {watermark_text(batch['delivered_at'])}]"


def _record_file(conn, dataset: Dataset, batch: dict, batch_id: str, outcome: str) -> None:
    """The delivery into the collection log (归集日志), with its own counts."""
    channel, source = source_of(dataset, batch["department_id"])
    conn.execute(
        sa.text(statement("queries/record_delivered_file")),
        {
            "dataset_id": batch["dataset_id"],
            "file_sha256": batch["file_sha256"],
            "file_name": batch["file_name"],
            "department_id": batch["department_id"],
            "channel": channel,
            "source": source,
            "request": _pull_request(conn, batch) if channel != "landing" else None,
            "content_sha256": batch["content_sha256"],
            "batch_id": batch_id,
            "outcome": outcome,
            "reason": None,
            "delivered_at": batch["delivered_at"],
            "delivered_month": batch["delivered_month"],
            "recorded_at": batch["processed_at"],
            "received": batch["received"],
            "accepted": batch["accepted"],
            "rejected": batch["rejected"],
        },
    )


def log_unreadable(engine: Engine, dataset: Dataset, entry: dict) -> None:
    """An unreadable (quarantined) file into the collection log: its bytes, when and from
    whom it came, and why it could not be read; no counts (no record could be read)."""
    channel, source = source_of(dataset, entry["department_id"])
    delivered_at = str(entry["delivered_at"])
    with engine.begin() as conn:
        conn.execute(
            sa.text(statement("queries/record_delivered_file")),
            {
                "dataset_id": dataset.id,
                "file_sha256": entry["file_sha256"],
                "file_name": entry["file_name"],
                "department_id": entry["department_id"],
                "channel": channel,
                "source": source,
                "request": None,
                "content_sha256": None,
                "batch_id": None,
                "outcome": "unreadable",
                "reason": entry["reason"],
                "delivered_at": delivered_at,
                "delivered_month": delivered_at[:7],
                "recorded_at": entry["recorded_at"],
                "received": None,
                "accepted": None,
                "rejected": None,
            },
        )


def collection_log(engine: Engine, month: str) -> list[dict]:
    """The month's 归集日志: every delivery received in it, loaded, duplicate or unreadable."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(statement("queries/collection_log")), {"month": month}).mappings().all()
    return [dict(r) for r in rows]


def reconcile_batch(conn, table: str, batch_id: str, received: int | None = None, stored: int | None = None) -> None:
    """Raise unless what the warehouse holds for the batch adds up: the records stored in the
    dataset's table and in refused_record equal the batch's accepted and refused counts, and
    together the records received (``received``: the delivery's own count, when given).
    ``stored``: the rows PostgreSQL reported its COPYs of the batch stored, in this very
    transaction (the records are then not counted again: a million rows took 0.7 s)."""
    counts = conn.execute(sa.text(statement("queries/find_batch_counts")), {"batch_id": batch_id}).mappings().first()
    if counts is None:
        raise WarehouseError(f"批次 {batch_id} 对账失败：数据仓库中没有该批次")
    if stored is None:
        # The table is the catalog's (plain identifiers only, see catalog.py).
        stored = int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE batch_id = :b"),
                                  {"b": batch_id}).scalar_one())
    refused = int(counts["refused_stored"])
    delivered = counts["received"] if received is None else received
    if (delivered != stored + refused or counts["received"] != delivered
            or stored != counts["accepted"] or refused != counts["rejected"]):
        raise WarehouseError(
            f"批次 {batch_id} 对账不平：报送 {delivered} 条，数据仓库中入库 {stored} 条、退回 {refused} 条"
            f"（合计 {stored + refused} 条）；批次登记收到 {counts['received']}、入库 {counts['accepted']}、"
            f"退回 {counts['rejected']}"
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
    """Load one judged delivery in one transaction (see ``load_batch_parts``)."""
    return load_batch_parts(engine, dataset, batch, lambda: iter([(accepted, refused)]), issues)


def load_batch_parts(
    engine: Engine,
    dataset: Dataset,
    batch: dict,
    parts: Callable[[], Iterator[tuple[pd.DataFrame, pd.DataFrame]]],
    issues: pd.DataFrame,
    accepted_keys: Callable[[], Iterator] | None = None,
) -> LoadResult:
    """Load one judged delivery in one transaction, its records a part at a time (memory
    holds one part: a large delivery streams through COPY).

    A batch whose records are already there (same content fingerprint) is not loaded
    again; the file is logged as a duplicate of it. ``batch`` holds the delivery_batch
    columns; ``parts()`` yields (accepted, refused) frames (or Arrow tables: the
    accepted are then COPYed from Arrow on PostgreSQL) carrying source_row and the
    dataset's Chinese field names, and may be called twice (refusals the delivery
    corrects are matched in a second pass; ``accepted_keys()``, when given, yields the
    accepted records again with only their business-key columns, for that pass to read
    less). A pulled delivery's ``batch["watermark"]`` advances its source's watermark in
    the same transaction."""
    if batch["received"] != batch["accepted"] + batch["rejected"]:
        raise WarehouseError(
            f"批次 {batch['batch_id']} 记录数不平：收到 {batch['received']}，"
            f"入库 {batch['accepted']} + 退回 {batch['rejected']}"
        )
    try:
        with engine.begin() as conn:
            existing = find_batch(conn, batch["dataset_id"], batch["content_sha256"])
            if existing is not None:
                _record_file(conn, dataset, batch, existing["batch_id"], "duplicate")
                # The same records: the batch they matched must hold as many as came now.
                reconcile_batch(conn, dataset.table, existing["batch_id"], batch["received"])
                _advance_watermark(conn, batch, existing["batch_id"])
                return _already(existing)
            conn.execute(sa.text(statement("queries/insert_delivery_batch")), _batch_columns(batch))
            _record_file(conn, dataset, batch, batch["batch_id"], "loaded")
            days: Counter[str] = Counter()
            accepted_n = refused_n = 0
            copied: int | None = 0  # rows the server reported stored (None: not all were COPYs)
            for accepted, refused in parts():
                reported = _insert_records(conn, dataset, batch["batch_id"], accepted)
                copied = None if reported is None or copied is None else copied + reported
                _insert_refused(conn, dataset, batch["batch_id"], refused)
                _count_delivery_days(days, batch, accepted, refused)
                accepted_n, refused_n = accepted_n + len(accepted), refused_n + len(refused)
            if accepted_n != batch["accepted"] or refused_n != batch["rejected"]:  # rolls it all back
                raise WarehouseError(
                    f"批次 {batch['batch_id']} 的明细与计数不一致：明细入库 {accepted_n}、退回 {refused_n}，"
                    f"校验结果入库 {batch['accepted']}、退回 {batch['rejected']}"
                )
            # What the tables now hold for the batch, counted back before it commits.
            reconcile_batch(conn, dataset.table, batch["batch_id"], batch["received"], stored=copied)
            _insert_issues(conn, batch["batch_id"], issues)
            _insert_delivery_days(conn, batch, days)
            _close_corrected_refusals(conn, dataset, batch,
                                      accepted_keys() if accepted_keys else (a for a, _ in parts()))
            _advance_watermark(conn, batch, batch["batch_id"])
    except sa.exc.IntegrityError as exc:
        # Another run loaded the same records between our look and our insert.
        with engine.begin() as conn:
            existing = find_batch(conn, batch["dataset_id"], batch["content_sha256"])
            if existing is None:
                raise without_values(exc) from None
            _record_file(conn, dataset, batch, existing["batch_id"], "duplicate")
        return _already(existing)
    except sa.exc.DBAPIError as exc:
        raise without_values(exc) from None
    return LoadResult(
        batch["batch_id"], "loaded", batch["received"], batch["accepted"], batch["rejected"]
    )


def without_values(exc: sa.exc.DBAPIError) -> sa.exc.DBAPIError:
    """The same error (same class: an IntegrityError stays one) said without the record it
    choked on: PostgreSQL adds the failing row and the COPY line (an ID number, a name) to
    its message, which would land in the task's log. The first line names the column and
    the constraint, which is what an operator needs."""
    text = str(exc.orig if exc.orig is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    try:
        orig = type(exc.orig)(first)
    except Exception:  # a driver error class that will not take a message
        orig = RuntimeError(first)
    return type(exc)(exc.statement, None, orig, hide_parameters=True,
                     connection_invalidated=exc.connection_invalidated)


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


def _texts(values: pd.Series | None, n: int) -> np.ndarray:
    """``_nullable`` of every cell of a column as ``DataFrame.to_dict("records")`` hands it
    over (None when the frame has no such column), in bulk: the cells are converted one by
    one only when they are not all text, None or NaN."""
    if values is None:
        return np.full(n, None, dtype=object)
    if values.dtype == object or isinstance(values.dtype, ExtensionDtype):  # to_dict boxes these
        def cell(v):
            return _nullable(maybe_box_native(v))
    else:
        cell = _nullable
    out = values.to_numpy(dtype=object, copy=True)
    missing = pd.isna(out)  # None and NaN, but also NaT and pd.NA, which are not alike
    if missing.any():
        where = np.flatnonzero(missing)
        if all(k is type(None) or issubclass(k, float) for k in set(map(type, out[where]))):
            out[where] = None
        else:
            out[where] = [cell(v) for v in out[where]]
        where = np.flatnonzero(~missing)
    else:
        where = slice(None)
    present = out[where]
    if len(present) and set(map(type, present)) != {str}:
        out[where] = [cell(v) for v in present]
    return out


def _field_texts(frame: pd.DataFrame, names) -> list[np.ndarray]:
    return [_texts(frame[name] if name in frame.columns else None, len(frame)) for name in names]


def _cells(values: pd.Series) -> list:
    """A column's cells as ``DataFrame.to_dict("records")`` hands them over."""
    cells = values.tolist()
    if (values.dtype == object or isinstance(values.dtype, ExtensionDtype)) and set(map(type, cells)) - {str}:
        cells = [maybe_box_native(v) for v in cells]
    return cells


def _rows_of(frame: pd.DataFrame) -> list[int]:
    return [int(v) for v in _cells(frame[ROW_ID])]


def _joined_key(parts) -> str | None:
    if not parts or any(p is None or not p.strip() for p in parts):
        return None
    return "|".join(p.strip() for p in parts)


def business_key(dataset: Dataset, rec: dict) -> str | None:
    """The record's business key as one text (parts joined by |), None when a part is
    missing: such a refusal cannot be matched and waits for a record with the key."""
    return _joined_key([_nullable(rec.get(f)) for f in dataset.business_key])


def _business_keys(dataset: Dataset, frame: pd.DataFrame, texts: dict | None = None) -> list[str | None]:
    """``business_key`` of every record of the frame, column by column."""
    if not dataset.business_key:
        return [None] * len(frame)
    if texts is None:
        texts = dict(zip(dataset.business_key, _field_texts(frame, dataset.business_key)))
    parts = [texts[f] for f in dataset.business_key]
    if len(parts) == 1:  # most datasets: no tuple per record to join
        return [None if p is None or not (key := p.strip()) else key for p in parts[0]]
    return [_joined_key(record) for record in zip(*parts)]


# --- Bulk inserts. On PostgreSQL through psycopg 3 the rows go in with COPY, on the load's
# own connection and so inside its transaction; elsewhere (the embedded SQLite file) as one
# executemany of the statement in sql/queries. Values are text or None, as ever.

def _copies(conn) -> bool:
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def _bulk_insert(conn, table: str, columns: tuple[str, ...], rows, insert_sql: str) -> None:
    """``rows``: tuples in the order of ``columns``. ``table`` and ``columns`` are this
    module's own names or the catalog's (plain identifiers only, see catalog.py)."""
    if _copies(conn):
        _copy(conn, f"COPY {table} ({', '.join(columns)}) FROM STDIN", rows)
    else:
        params = [dict(zip(columns, row)) for row in rows]
        if params:
            conn.execute(sa.text(insert_sql), params)


def _copy(conn, sql: str, rows) -> None:
    dbapi = conn.dialect.loaded_dbapi
    raw = conn.connection.driver_connection  # the psycopg connection, in the load's transaction
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as exc:
        # Raised as SQLAlchemy would have (an IntegrityError stays an IntegrityError).
        raise sa.exc.DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=conn.dialect) from exc


def _is_arrow(records) -> bool:
    return not isinstance(records, pd.DataFrame)


def _frame_of(records) -> pd.DataFrame:
    """A part as a frame (the load also takes Arrow tables: see ``load_batch_parts``)."""
    if _is_arrow(records):
        from creditpipe.delivery import table_frame

        return table_frame(records)
    return records


def _copy_arrow(conn, table: str, columns: tuple[str, ...], arrays: list, rows_per_write: int = 50_000) -> int:
    """COPY … FROM STDIN (FORMAT binary) from Arrow arrays: text columns from string
    arrays, INTEGER columns from integer arrays (a record table's source_row).

    Binary, because this machine's PostgreSQL spends a third of a CSV COPY parsing the
    CSV (1 M penalty records: 12.1 s as CSV, 8.2 s as binary, server side alone); and
    built by Arrow, because psycopg's ``write_row`` costs a Python call per row, several
    times what COPY itself costs. See ``copy_binary_rows``."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
    dbapi = conn.dialect.loaded_dbapi
    raw_conn = conn.connection.driver_connection  # the psycopg connection, in the load's transaction
    from concurrent.futures import ThreadPoolExecutor

    n = len(arrays[0]) if arrays else 0

    def encoded(start: int):
        return copy_binary_rows([a.slice(start, rows_per_write) for a in arrays])

    try:
        # The next slice is encoded (Arrow, without the GIL) while PostgreSQL reads this one.
        with raw_conn.cursor() as cur:
            with cur.copy(sql) as copy, ThreadPoolExecutor(1) as encoder:
                copy.write(COPY_BINARY_HEADER)
                pending = encoder.submit(encoded, 0) if n else None
                for start in range(0, n, rows_per_write):
                    data = pending.result()
                    following = start + rows_per_write  # one slice ahead, no more: memory stays flat
                    pending = encoder.submit(encoded, following) if following < n else None
                    copy.write(data)
                copy.write(COPY_BINARY_TRAILER)
            stored = cur.rowcount  # the server's own count of the rows it stored ("COPY n")
        if stored < 0:
            raise WarehouseError(f"{table}：PostgreSQL 未报告 COPY 入库的行数")
        return stored
    except dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=conn.dialect) from exc


# PostgreSQL's binary COPY: a signature, 32-bit flags and header-extension length; each
# tuple a 16-bit field count, then per field a 32-bit length (-1: NULL) and its bytes, all
# big-endian; a 16-bit -1 ends the data.
COPY_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_BINARY_TRAILER = b"\xff\xff"


def copy_binary_rows(arrays: list):
    """The tuples of binary COPY for equal-length Arrow arrays, as one buffer: a string
    array is sent as text (its UTF-8 bytes; a null as length -1), an integer array as
    int4. Every row is joined by Arrow (``binary_join_element_wise``) from fixed-width
    prefixes numpy builds and the arrays' own bytes, so no Python object per value."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arrays[0])
    if n == 0:
        return b""

    def fixed(values: np.ndarray, width: int):
        """Each row's ``width`` big-endian bytes as a binary array."""
        raw = pa.py_buffer(np.ascontiguousarray(values).tobytes())
        return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, raw]).cast(pa.binary())

    parts = [fixed(np.full(n, len(arrays), dtype=">i2"), 2)]
    for array in arrays:
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_integer(array.type):
            if array.null_count:
                raise ValueError("binary COPY: an integer column holds nulls")
            values = array.to_numpy()
            if len(values) and (values.min() < -(2**31) or values.max() >= 2**31):
                raise ValueError("binary COPY: an integer does not fit an INTEGER column")
            pairs = np.empty((n, 2), dtype=">i4")
            pairs[:, 0], pairs[:, 1] = 4, values
            parts.append(fixed(pairs, 8))
            continue
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            array = array.cast(pa.string())
        data = array.cast(pa.binary()) if pa.types.is_string(array.type) else array.cast(pa.large_binary()).cast(pa.binary())
        lengths = pc.binary_length(data).fill_null(-1).to_numpy().astype(">i4")
        parts.append(fixed(lengths, 4))
        parts.append(data.fill_null(b"") if data.null_count else data)
    rows = pc.binary_join_element_wise(*parts, b"")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=n + 1, offset=rows.offset * 4)
    return rows.buffers()[2][int(offsets[0]):int(offsets[n])]


def _insert_records(conn, dataset: Dataset, batch_id: str, frame) -> int | None:
    """Insert a part's accepted records; returns the rows PostgreSQL reported it stored
    when they went in by COPY (None otherwise: the reconciliation then counts them)."""
    if len(frame) == 0:
        return 0
    columns = ("batch_id", "source_row", *(f.column for f in dataset.fields))
    if _is_arrow(frame) and _copies(conn):
        import pyarrow as pa

        n = len(frame)
        names = set(frame.column_names)
        arrays = [pa.array([batch_id] * n, pa.string()), frame.column(ROW_ID)]
        arrays += [frame.column(f).cast(pa.string()) if f in names else pa.nulls(n, pa.string())
                   for f in dataset.field_names]
        return _copy_arrow(conn, dataset.table, columns, arrays)
    frame = _frame_of(frame)
    sql = (
        f"INSERT INTO {dataset.table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)})"
    )
    values = _field_texts(frame, dataset.field_names)
    rows = zip(repeat(batch_id), _rows_of(frame), *values)
    _bulk_insert(conn, dataset.table, columns, rows, sql)
    return None


_REFUSED_COLUMNS = ("batch_id", "source_row", "record_json", "business_key")


def _insert_refused(conn, dataset: Dataset, batch_id: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    names = dataset.field_names
    texts = dict(zip(names, _field_texts(frame, names)))
    record_json = [
        json.dumps(dict(zip(names, values)), ensure_ascii=False) for values in zip(*texts.values())
    ]
    rows = zip(repeat(batch_id), _rows_of(frame), record_json, _business_keys(dataset, frame, texts))
    _bulk_insert(conn, "refused_record", _REFUSED_COLUMNS, rows, statement("queries/insert_refused_record"))


def _close_corrected_refusals(conn, dataset: Dataset, batch: dict, accepted_parts: Iterable[pd.DataFrame]) -> int:
    """An accepted record whose business key matches an open refusal of the same dataset
    and department closes it (the department corrected and delivered it again)."""
    if not dataset.business_key:
        return 0
    open_rows = conn.execute(
        sa.text(statement("queries/open_refusals_of_source")),
        {"dataset_id": batch["dataset_id"], "department_id": batch["department_id"]},
    ).mappings().all()
    if not open_rows:
        return 0
    waiting = {r["business_key"] for r in open_rows}
    keys: set = set()
    for accepted in accepted_parts:
        if len(accepted) and _is_arrow(accepted):
            keys |= _waiting_keys_in(dataset, accepted, waiting)
        elif len(accepted):
            keys |= waiting.intersection(_business_keys(dataset, accepted))
    # Corrected when the department delivered the correction (not when we processed it):
    # a month's figures as of a day then do not depend on when the platform ran.
    closing = [
        {"batch_id": r["batch_id"], "source_row": r["source_row"],
         "closed_by_batch": batch["batch_id"], "closed_at": batch["delivered_at"]}
        for r in open_rows if r["business_key"] in keys
    ]
    if closing:
        conn.execute(sa.text(statement("queries/close_refusal")), closing)
    return len(closing)


def _waiting_keys_in(dataset: Dataset, table, waiting: set) -> set:
    """``business_key`` (parts stripped, joined by |, none when a part is blank) of an
    Arrow part's records, kept only where an open refusal waits for it, by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = []
    for f in dataset.business_key:
        column = table.column(f) if f in table.column_names else pa.nulls(len(table), pa.string())
        stripped = pc.utf8_trim_whitespace(column.cast(pa.string()))
        parts.append(pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped))
    keys = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "|")  # null if any is
    hit = pc.is_in(keys, value_set=pa.array(sorted(waiting), pa.string()))
    return set(pc.filter(keys, hit).to_pylist())


_DAY_COLUMNS = ("batch_id", "delivery_day", "records")


def _count_delivery_days(days: Counter, batch: dict, accepted: pd.DataFrame, refused: pd.DataFrame) -> None:
    """The days the records were made available (quality.PUBLISHED), for timeliness."""
    fallback = str(batch["delivered_at"])[:10]
    for frame in (accepted, refused):
        if _is_arrow(frame):  # counted by Arrow: a million records are a few dozen days
            import pyarrow.compute as pc

            if PUBLISHED not in frame.column_names:
                days[fallback] += len(frame)
                continue
            column = frame.column(PUBLISHED)
            days[fallback] += column.null_count
            for entry in pc.value_counts(pc.utf8_slice_codeunits(column.drop_null(), 0, 10)).to_pylist():
                days[entry["values"]] += entry["counts"]
            continue
        if PUBLISHED not in frame.columns:
            days[fallback] += len(frame)
            continue
        values = frame[PUBLISHED].to_numpy(dtype=object)
        missing = pd.isna(values)
        days[fallback] += int(missing.sum())
        days.update(str(v)[:10] for v in values[~missing])


def _insert_delivery_days(conn, batch: dict, days: Counter) -> None:
    rows = [(batch["batch_id"], d, n) for d, n in sorted(days.items()) if n]
    _bulk_insert(conn, "batch_delivery_day", _DAY_COLUMNS, rows, statement("queries/insert_batch_delivery_day"))


_ISSUE_COLUMNS = ("batch_id", "source_row", "field", "rule", "severity", "message", "fix")


def _fix(value):
    """No fix given is "": None, and the NaN a pandas string column has for it."""
    return "" if not value or (isinstance(value, float) and pd.isna(value)) else value


def _insert_issues(conn, batch_id: str, issues: pd.DataFrame) -> None:
    if issues.empty:
        return
    rows = zip(
        repeat(batch_id),
        _rows_of(issues),
        _cells(issues["field"]),
        _cells(issues["rule"]),
        _cells(issues["severity"]),
        _cells(issues["message"]),
        [_fix(fix) for fix in _cells(issues["fix"])],
    )
    _bulk_insert(conn, "record_issue", _ISSUE_COLUMNS, rows, statement("queries/insert_record_issue"))


def totals(engine: Engine) -> dict:
    with engine.connect() as conn:
        row = conn.execute(sa.text(statement("queries/warehouse_totals"))).mappings().one()
    return {k: int(v) for k, v in row.items()}


def table_count(engine: Engine, table: str) -> int:
    # Table names come from the catalog, which admits plain identifiers only.
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
