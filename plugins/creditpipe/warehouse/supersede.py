"""The business key, enforced: a dataset's table holds one current record per key. A
delivery's accepted record replaces the current record of an earlier delivery with the same
key (the later one wins, as the declarations say); the earlier stays in the table, named
superseded by the batch that replaced it, so the history is kept and every batch's rows
still add up. Delivery order decides, not load order: a backfilled older delivery's records
arrive superseded by the later ones already there."""

from __future__ import annotations

import sqlalchemy as sa

from creditpipe.core.catalog import Dataset
from creditpipe.warehouse.schema import statement


def key_columns(dataset: Dataset) -> list[str]:
    columns = {f.name: f.column for f in dataset.fields}
    return [columns[name] for name in dataset.business_key]


def supersede_by_key(conn, dataset: Dataset, batch: dict) -> tuple[int, int]:
    """In the load's transaction, after the batch's records are in: the earlier deliveries'
    current records with a key of this batch are superseded by it, and this batch's records
    whose key a later delivery holds are superseded by that one. Returns the two counts.
    Only the batches table is read when neither can happen (a first or an in-order load)."""
    keys = key_columns(dataset)
    if not keys:
        return 0, 0
    where = {
        "dataset_id": batch["dataset_id"],
        "batch_id": batch["batch_id"],
        "delivered_at": batch["delivered_at"],
    }
    around = conn.execute(sa.text(statement("queries/batches_around")), where).mappings().one()
    names = {"table": dataset.table, "keys": ", ".join(keys)}  # catalog identifiers only
    replaced = arrived = 0
    if around["earlier"]:
        sql = statement("queries/supersede_earlier").format(**names)
        replaced = conn.execute(sa.text(sql), where).rowcount
    if around["later"]:
        same_key = " AND ".join(f"later.{k} = {dataset.table}.{k}" for k in keys)
        sql = statement("queries/superseded_on_arrival").format(**names, same_key=same_key)
        arrived = conn.execute(sa.text(sql), where).rowcount
    return replaced, arrived
