"""Refusals closed by corrections: an accepted record whose business key matches a refused
record of the same source (dataset, department) closes it — the department corrected it and
delivered it again.

A refusal is closed by the first correction *delivered* (by delivered_at, then batch_id),
whatever order the batches were loaded in: two deliveries of one source load in parallel
(mapped load tasks on several workers), and a re-run may load an older file after a newer
one. So a load closes the earlier refusals it corrects (taking them from a later closer),
and its own refusals that a later, already loaded batch corrected. Loads of one source take
a lock for this step, so neither misses the other's uncommitted rows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from creditpipe.core.catalog import Dataset
from creditpipe.warehouse.rows import business_key, business_keys, is_arrow, waiting_keys_in
from creditpipe.warehouse.schema import statement


def close_corrected_refusals(conn, dataset: Dataset, batch: dict, accepted_parts: Iterable) -> int:
    """Close what the batch corrects and what later batches corrected of it; returns how
    many refusals were closed (or moved to an earlier correction)."""
    if not dataset.business_key:
        return 0
    _lock_source(conn, batch)
    order = {
        "dataset_id": batch["dataset_id"],
        "department_id": batch["department_id"],
        "delivered_at": batch["delivered_at"],
        "batch_id": batch["batch_id"],
    }
    closing = _corrected_by_this(conn, dataset, batch, accepted_parts, order)
    closing += _corrected_by_later(conn, dataset, batch, order)
    if closing:
        conn.execute(sa.text(statement("queries/close_refusal")), closing)
    return len(closing)


def _lock_source(conn, batch: dict) -> None:
    """A lock held to the end of the load's transaction, one per source (PostgreSQL; SQLite
    has one writer at a time anyway)."""
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"refusals|{batch['dataset_id']}|{batch['department_id']}".encode()).digest()
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest[:8], "big", signed=True)})


def _corrected_by_this(conn, dataset: Dataset, batch: dict, accepted_parts: Iterable, order: dict) -> list[dict]:
    open_rows = conn.execute(sa.text(statement("queries/open_refusals_of_source")), order).mappings().all()
    if not open_rows:
        return []
    waiting = {r["business_key"] for r in open_rows}
    keys: set = set()
    for accepted in accepted_parts:
        if len(accepted) and is_arrow(accepted):
            keys |= waiting_keys_in(dataset, accepted, waiting)
        elif len(accepted):
            keys |= waiting.intersection(business_keys(dataset, accepted))
    # Corrected when the department delivered the correction (not when we processed it):
    # a month's figures as of a day then do not depend on when the platform ran.
    return [
        {
            "batch_id": r["batch_id"],
            "source_row": r["source_row"],
            "closed_by_batch": batch["batch_id"],
            "closed_at": batch["delivered_at"],
        }
        for r in open_rows
        if r["business_key"] in keys
    ]


def _corrected_by_later(conn, dataset: Dataset, batch: dict, order: dict) -> list[dict]:
    """The batch's own refusals that batches delivered after it, and loaded before it,
    corrected: each closed by the earliest of them."""
    later = conn.execute(sa.text(statement("queries/later_batches_of_source")), order).mappings().all()
    if not later:
        return []
    own: dict[str, list[int]] = {}
    refused = conn.execute(sa.text(statement("queries/refused_keys_of_batch")), {"batch_id": batch["batch_id"]})
    for source_row, key in refused:
        own.setdefault(key, []).append(source_row)
    columns = ", ".join(dataset.column_of(f) for f in dataset.business_key)
    # Table and column names come from the validated catalog; values are parameters.
    select = sa.text(f"SELECT {columns} FROM {dataset.table} WHERE batch_id = :batch_id")
    closing = []
    for closer in later:
        if not own:
            break
        rows = conn.execute(select, {"batch_id": closer["batch_id"]}).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=list(dataset.business_key), dtype=object)
        for key in own.keys() & set(business_keys(dataset, frame)):
            closing += [
                {
                    "batch_id": batch["batch_id"],
                    "source_row": source_row,
                    "closed_by_batch": closer["batch_id"],
                    "closed_at": closer["delivered_at"],
                }
                for source_row in own.pop(key)
            ]
    return closing


def open_refusal_of_key(engine, dataset: Dataset, department_id: str, records: list[dict]) -> list[bool]:
    """Whether each record (as its source sent it) has the business key of a refusal of
    this source still open: the department has been told of it and not corrected it yet."""
    keys = [business_key(dataset, r) for r in records]
    if not any(keys):
        return [False] * len(records)
    with engine.connect() as conn:
        waiting = set(
            conn.execute(
                sa.text(statement("queries/open_refusal_keys")),
                {"dataset_id": dataset.id, "department_id": department_id},
            ).scalars()
        )
    return [key is not None and key in waiting for key in keys]
