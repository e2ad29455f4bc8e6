"""A department's front-end database (前置机), simulated in SQLite or PostgreSQL: one table
per dataset with the catalog's column names, an id and an ``updated_at`` change time."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from creditpipe.core.catalog import Dataset


def front_table(dataset: Dataset, name: str, watermark_column: str = "updated_at") -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *[sa.Column(f.column, sa.Text) for f in dataset.fields],
        sa.Column(watermark_column, sa.DateTime, nullable=False, index=True),
    )


def fill(url: str, dataset: Dataset, table_name: str, records: list[dict], watermark_column: str = "updated_at") -> int:
    """Create the table if needed and append the records (Chinese field names plus
    ``updated_at``) as the department's system would write them."""
    engine = sa.create_engine(url)
    table = front_table(dataset, table_name, watermark_column)
    table.metadata.create_all(engine)
    rows = []
    for rec in records:
        row = {f.column: (rec.get(f.name) or None) for f in dataset.fields}
        stamp = rec["updated_at"]
        row[watermark_column] = dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
        rows.append(row)
    with engine.begin() as conn:
        if rows:
            conn.execute(table.insert(), rows)
    engine.dispose()
    return len(rows)
