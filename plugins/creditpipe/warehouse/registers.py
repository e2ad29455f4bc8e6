"""Registers the credit office keeps as datasets (objections, the townships' bodies): sent
whole each time, so a record's row in the latest delivery before a moment is the register
as it stood then (a rebuilt report reads the same register)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from creditpipe.core.catalog import Dataset


def latest_rows(engine: Engine, dataset: Dataset, cutoff: str) -> list[dict]:
    """Each business key's row from the latest delivery before ``cutoff``, by field name,
    with ``delivered_at``; in the order of the delivery and its rows."""
    if not sa.inspect(engine).has_table(dataset.table):
        return []
    cols = ", ".join(f'r.{f.column} AS "{f.name}"' for f in dataset.fields)
    sql = sa.text(
        f"SELECT {cols}, b.delivered_at FROM {dataset.table} r JOIN delivery_batch b ON b.batch_id = r.batch_id "
        "WHERE b.delivered_at < :cutoff ORDER BY b.delivered_at, b.batch_id, r.source_row"
    )
    latest: dict[tuple, dict] = {}
    with engine.connect() as conn:
        for row in conn.execute(sql, {"cutoff": cutoff}).mappings():
            row = dict(row)
            latest.pop(key := tuple(row[k] for k in dataset.business_key), None)
            latest[key] = row
    return list(latest.values())
