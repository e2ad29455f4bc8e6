"""Which loaded batches have had their rejection notice published. A batch loaded whose
notice was not (its run failed after the load, or the notice task did) is owed one: its
source's next run offers it again, until it is sent (issue 16, item 5)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from creditpipe.warehouse.schema import statement


def record_notice(engine: Engine, batch_id: str, notice_file: str, mailed: bool, published_at: dt.datetime) -> None:
    """The batch's notice is published (recorded once: a second publication keeps the first)."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(statement("queries/record_rejection_notice")),
            {
                "batch_id": batch_id,
                "published_at": published_at.isoformat(timespec="seconds"),
                "notice_file": notice_file,
                "mailed": bool(mailed),
            },
        )


def notice_published(engine: Engine, batch_id: str) -> bool:
    with engine.connect() as conn:
        found = conn.execute(sa.text(statement("queries/find_rejection_notice")), {"batch_id": batch_id}).first()
    return found is not None


def notices_owed(
    engine: Engine, dataset_id: str, department_id: str, checked_before: dt.datetime | None = None
) -> list[dict]:
    """A source's loaded batches checked before ``checked_before`` (None: ever) whose notice
    was never published, oldest first (batch_id, file_sha256 and the counts)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(statement("queries/notices_owed")),
            {
                "dataset_id": dataset_id,
                "department_id": department_id,
                "checked_before": checked_before.isoformat(timespec="seconds") if checked_before else None,
            },
        ).mappings()
        return [dict(r) for r in rows]
