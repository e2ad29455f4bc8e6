"""A judged delivery into the warehouse, idempotently, in one transaction: the batch, its
accepted records with lineage (batch, row) replacing earlier records with the same business
key (``supersede``), its refused records with every reason, the
days its records were made available, the refusals it corrects, its line in the collection
log and its source's watermark. The counts are checked before it commits.

A batch whose records are already there (same content fingerprint) is not loaded again;
the file is logged as a duplicate of it."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import repeat

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from creditpipe.core.catalog import Dataset
from creditpipe.core.records import PUBLISHED, ROW_ID, table_frame
from creditpipe.warehouse.collection_log import record_file
from creditpipe.warehouse.refusals import close_corrected_refusals
from creditpipe.warehouse.rows import (
    business_keys,
    cells_of,
    field_texts,
    frame_of,
    is_arrow,
    rows_of,
)
from creditpipe.warehouse.schema import WarehouseError, statement
from creditpipe.warehouse.supersede import supersede_by_key
from creditpipe.warehouse.writers import RowWriter, without_values, writer_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    batch_id: str
    status: str  # "loaded" | "already_loaded"
    received: int
    accepted: int
    rejected: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def find_batch(conn, dataset_id: str, content_sha256: str):
    return (
        conn.execute(
            sa.text(statement("queries/find_batch_by_content")),
            {"dataset_id": dataset_id, "content_sha256": content_sha256},
        )
        .mappings()
        .first()
    )


def file_seen(conn, dataset_id: str, file_sha256: str) -> bool:
    found = conn.execute(
        sa.text(statement("queries/find_delivered_file")),
        {"dataset_id": dataset_id, "file_sha256": file_sha256},
    ).first()
    return found is not None


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
        stored = int(
            conn.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE batch_id = :b"), {"b": batch_id}).scalar_one()
        )
    refused = int(counts["refused_stored"])
    delivered = counts["received"] if received is None else received
    if (
        delivered != stored + refused
        or counts["received"] != delivered
        or stored != counts["accepted"]
        or refused != counts["rejected"]
    ):
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
                record_file(conn, dataset, batch, existing["batch_id"], "duplicate")
                # The same records: the batch they matched must hold as many as came now.
                reconcile_batch(conn, dataset.table, existing["batch_id"], batch["received"])
                _advance_watermark(conn, batch, existing["batch_id"])
                return _already(existing)
            conn.execute(sa.text(statement("queries/insert_delivery_batch")), _batch_columns(batch))
            record_file(conn, dataset, batch, batch["batch_id"], "loaded")
            writer = writer_for(conn)
            days: Counter[tuple[str, str]] = Counter()
            accepted_n = refused_n = 0
            copied: int | None = 0  # rows the server reported stored (None: not all were COPYs)
            for accepted, refused in parts():
                reported = _insert_records(writer, dataset, batch["batch_id"], accepted)
                copied = None if reported is None or copied is None else copied + reported
                _insert_refused(writer, dataset, batch["batch_id"], refused)
                _count_delivery_days(days, dataset, batch, accepted, refused)
                accepted_n, refused_n = accepted_n + len(accepted), refused_n + len(refused)
            if accepted_n != batch["accepted"] or refused_n != batch["rejected"]:  # rolls it all back
                raise WarehouseError(
                    f"批次 {batch['batch_id']} 的明细与计数不一致：明细入库 {accepted_n}、退回 {refused_n}，"
                    f"校验结果入库 {batch['accepted']}、退回 {batch['rejected']}"
                )
            # What the tables now hold for the batch, counted back before it commits.
            reconcile_batch(conn, dataset.table, batch["batch_id"], batch["received"], stored=copied)
            replaced, arrived = supersede_by_key(conn, dataset, batch)
            if replaced or arrived:
                log.info(
                    "%s: replaced %d earlier record(s) with the same business key; %d arrived superseded",
                    batch["batch_id"], replaced, arrived,
                )  # fmt: skip
            _insert_issues(writer, batch["batch_id"], issues)
            _insert_delivery_days(writer, dataset, batch, days)
            close_corrected_refusals(
                conn, dataset, batch, accepted_keys() if accepted_keys else (a for a, _ in parts())
            )
            _advance_watermark(conn, batch, batch["batch_id"])
    except sa.exc.IntegrityError as exc:
        # Another run loaded the same records between our look and our insert.
        with engine.begin() as conn:
            existing = find_batch(conn, batch["dataset_id"], batch["content_sha256"])
            if existing is None:
                raise without_values(exc) from None
            record_file(conn, dataset, batch, existing["batch_id"], "duplicate")
        return _already(existing)
    except sa.exc.DBAPIError as exc:
        raise without_values(exc) from None
    return LoadResult(batch["batch_id"], "loaded", batch["received"], batch["accepted"], batch["rejected"])


_BATCH_COLUMNS = (
    "batch_id",
    "dataset_id",
    "department_id",
    "file_name",
    "file_sha256",
    "content_sha256",
    "file_format",
    "encoding",
    "delivered_at",
    "delivered_month",
    "processed_at",
    "received",
    "accepted",
    "rejected",
    "error_count",
    "warning_count",
)


def _batch_columns(batch: dict) -> dict:
    return {k: batch.get(k) for k in _BATCH_COLUMNS}


def _already(row) -> LoadResult:
    return LoadResult(row["batch_id"], "already_loaded", row["received"], row["accepted"], row["rejected"])


def _insert_records(writer: RowWriter, dataset: Dataset, batch_id: str, frame) -> int | None:
    """Insert a part's accepted records; returns the rows PostgreSQL reported it stored
    when they went in by COPY (None otherwise: the reconciliation then counts them)."""
    if len(frame) == 0:
        return 0
    import pyarrow as pa

    columns = ("batch_id", "source_row", *(f.column for f in dataset.fields), *_terms_columns(dataset))
    if is_arrow(frame) and writer.takes_arrow:
        n = len(frame)
        names = set(frame.column_names)
        arrays = [pa.array([batch_id] * n, pa.string()), frame.column(ROW_ID)]
        arrays += [
            frame.column(f).cast(pa.string()) if f in names else pa.nulls(n, pa.string()) for f in dataset.field_names
        ]
        arrays += _canonical_terms(dataset, {f: arrays[2 + i] for i, f in enumerate(dataset.field_names)})
        return writer.insert_arrow(dataset.table, columns, arrays)
    frame = frame_of(frame)
    sql = f"INSERT INTO {dataset.table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    values = field_texts(frame, dataset.field_names)
    texts = {f: pa.array(v, pa.string()) for f, v in zip(dataset.field_names, values)}
    values += [a.to_numpy(zero_copy_only=False) for a in _canonical_terms(dataset, texts)]
    rows = zip(repeat(batch_id), rows_of(frame), *values)
    writer.insert(dataset.table, columns, rows, sql)
    return None


def _terms_columns(dataset: Dataset) -> list[str]:
    return [f.terms_column for f in dataset.term_fields]


def _canonical_terms(dataset: Dataset, arrays: dict) -> list:
    """The canonical form of each multi-term field's accepted cells (``Field.terms_column``)."""
    from creditpipe.quality.rules.enumeration import canonical_terms_of

    return [canonical_terms_of(arrays[f.name], f.terms) for f in dataset.term_fields]


_REFUSED_COLUMNS = ("batch_id", "source_row", "record_json", "business_key")


def _insert_refused(writer: RowWriter, dataset: Dataset, batch_id: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    names = dataset.field_names
    texts = dict(zip(names, field_texts(frame, names)))
    record_json = [json.dumps(dict(zip(names, values)), ensure_ascii=False) for values in zip(*texts.values())]
    rows = zip(repeat(batch_id), rows_of(frame), record_json, business_keys(dataset, frame, texts))
    writer.insert("refused_record", _REFUSED_COLUMNS, rows, statement("queries/insert_refused_record"))


_DAY_COLUMNS = ("batch_id", "delivery_day", "period_day", "records")


def _count_delivery_days(
    days: Counter, dataset: Dataset, batch: dict, accepted: pd.DataFrame, refused: pd.DataFrame
) -> None:
    """(the day the records were made available (quality.PUBLISHED), the text of their
    period field) → records, for timeliness; each distinct pair is dated once, at the end."""
    fallback = str(batch["delivered_at"])[:10]
    field = dataset.period_field
    for frame in (accepted, refused):
        if is_arrow(frame):  # counted by Arrow: a million records are a few dozen pairs
            import pyarrow as pa
            import pyarrow.compute as pc

            n = len(frame)
            names = frame.column_names
            made = (
                pc.fill_null(pc.utf8_slice_codeunits(frame.column(PUBLISHED), 0, 10), fallback)
                if PUBLISHED in names
                else pa.array([fallback] * n, pa.string())
            )
            dated = (
                pc.fill_null(frame.column(field).cast(pa.string()), "")
                if field in names
                else pa.array([""] * n, pa.string())
            )
            grouped = (
                pa.table({"made": made, "dated": dated}).group_by(["made", "dated"]).aggregate([([], "count_all")])
            )
            for made_day, text, n in zip(*(grouped.column(c).to_pylist() for c in ("made", "dated", "count_all"))):
                days[(made_day, text)] += n
            continue
        made = (
            frame[PUBLISHED].astype(object).where(frame[PUBLISHED].notna(), fallback).map(lambda v: str(v)[:10])
            if PUBLISHED in frame.columns
            else pd.Series(fallback, index=frame.index)
        )
        dated = frame[field].astype(object).where(frame[field].notna(), "") if field in frame.columns else ""
        days.update(zip(made, pd.Series(dated, index=frame.index).map(str)))


def _period_days(dataset: Dataset, batch: dict, days: Counter) -> Counter:
    """Each (day made available, period-field text) dated: the record's own date where it is
    a real one not after the day it was made available; else, for a pulled record, the day
    it changed at the source, for a file the period the delivery reports (its latest period
    ended by that day)."""
    from creditpipe.core.cycles import reported_period
    from creditpipe.quality.rules.dates import parse_date

    pulled = bool(batch.get("watermark"))
    out: Counter = Counter()
    for (made, text), n in days.items():
        made_day = dt.date.fromisoformat(made)
        own = parse_date(text) if text else None
        if own is None or own > made_day:
            own = made_day if pulled else reported_period(dataset.cycle, made_day).end
        out[(made, own.isoformat())] += n
    return out


def _insert_delivery_days(writer: RowWriter, dataset: Dataset, batch: dict, days: Counter) -> None:
    dated = _period_days(dataset, batch, days)
    rows = [(batch["batch_id"], made, period, n) for (made, period), n in sorted(dated.items()) if n]
    writer.insert("batch_delivery_day", _DAY_COLUMNS, rows, statement("queries/insert_batch_delivery_day"))


_ISSUE_COLUMNS = ("batch_id", "source_row", "field", "rule", "severity", "message", "fix")


def _fix(value):
    """No fix given is "": None, and the NaN a pandas string column has for it."""
    return "" if not value or (isinstance(value, float) and pd.isna(value)) else value


def _insert_issues(writer: RowWriter, batch_id: str, issues: pd.DataFrame) -> None:
    if issues.empty:
        return
    rows = zip(
        repeat(batch_id),
        rows_of(issues),
        cells_of(issues["field"]),
        cells_of(issues["rule"]),
        cells_of(issues["severity"]),
        cells_of(issues["message"]),
        [_fix(fix) for fix in cells_of(issues["fix"])],
    )
    writer.insert("record_issue", _ISSUE_COLUMNS, rows, statement("queries/insert_record_issue"))


def load_checked_batch(
    engine: Engine, dataset: Dataset, batch: dict, refused_rows: set[int], issues: pd.DataFrame
) -> LoadResult:
    """Load a checked batch (``quality.chunks.read_verdict``) from its parts, streamed into
    one transaction: the accepted records stay Arrow (COPY is written from them column by
    column), the refused, a few, become the frame the refusal rows are built from."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from creditpipe.core.parts import read_part

    refused_ids = pa.array(sorted(refused_rows), pa.int64())

    def split(path):
        part = read_part(path)
        refused = pc.is_in(part.column(ROW_ID), value_set=refused_ids)
        return part.filter(pc.invert(refused)), table_frame(part.filter(refused))

    def parts():
        return read_ahead(split, batch["parts"])

    def accepted_keys():
        # The second pass (refusals this delivery corrects) needs the business key only.
        for path in batch["parts"]:
            part = read_part(path, columns=[ROW_ID, *dataset.business_key])
            yield part.filter(pc.invert(pc.is_in(part.column(ROW_ID), value_set=refused_ids)))

    return load_batch_parts(engine, dataset, batch, parts, issues, accepted_keys)


def already_loaded(engine: Engine, batch: dict) -> bool:
    """Whether the batch's records are in the warehouse already (a duplicate delivery)."""
    with engine.connect() as conn:
        return find_batch(conn, batch["dataset_id"], batch["content_sha256"]) is not None


def read_ahead(read, items):
    """``read`` of each item in order, the next one read in a thread while the caller
    works on this one (PostgreSQL takes a part's COPY while the next part is read)."""
    from concurrent.futures import ThreadPoolExecutor

    items = list(items)
    if not items:
        return
    with ThreadPoolExecutor(1, thread_name_prefix="read_ahead") as pool:
        pending = pool.submit(read, items[0])
        for following in [*items[1:], None]:
            current = pending.result()
            pending = pool.submit(read, following) if following is not None else None
            yield current


def verify_batch(engine: Engine, table: str, batch_id: str, received: int | None = None) -> None:
    """The run fails unless the warehouse's rows for the batch add up: the records the
    delivery brought (``received``) = accepted rows stored + refused rows stored, each equal
    to the batch's counts. The load checks the same before it commits; this checks what
    committed (and a duplicate delivery against the batch it matched)."""
    with engine.connect() as conn:
        reconcile_batch(conn, table, batch_id, received)
