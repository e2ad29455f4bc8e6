"""The 归集日志 (collection log): every delivery — a landed file, an API or front-end-database
pull, a duplicate, an unreadable (quarantined) file — is a row of ``delivered_file`` with
its source, hashes, time, status and counts; and the log as the credit office reads it
(``creditpipe log``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import unicodedata

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from creditpipe.core.catalog import Catalog, Dataset
from creditpipe.core.labels import CHANNEL_LABELS, OUTCOME_LABELS
from creditpipe.core.spreadsheet import formula_safe
from creditpipe.warehouse.schema import statement

log = logging.getLogger(__name__)

HEADERS = (
    "接收时间",
    "部门",
    "数据集",
    "渠道",
    "来源",
    "文件或请求",
    "文件哈希",
    "内容哈希",
    "状态",
    "收到",
    "入库",
    "退回",
    "说明",
)


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
    this load advances it) up to the run's moment (the delivery is dated by its newest change)."""
    from creditpipe.ingest.pulls import EPOCH, watermark_text

    since = conn.execute(
        sa.text(statement("queries/find_source_watermark")),
        {"dataset_id": batch["dataset_id"], "department_id": batch["department_id"]},
    ).scalar_one_or_none()
    return f"变更时间 ({since or EPOCH}, {watermark_text(batch.get('pulled_until') or batch['delivered_at'])}]"


def record_file(conn, dataset: Dataset, batch: dict, batch_id: str, outcome: str) -> None:
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


def _log_file_without_batch(conn, dataset: Dataset, entry: dict, outcome: str, reason: str, count) -> None:
    """A delivered file that made no batch (unreadable, or a zero report) into the log."""
    channel, source = source_of(dataset, entry["department_id"])
    delivered_at = str(entry["delivered_at"])
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
            "outcome": outcome,
            "reason": reason,
            "delivered_at": delivered_at,
            "delivered_month": delivered_at[:7],
            "recorded_at": entry["recorded_at"],
            "received": count,
            "accepted": count,
            "rejected": count,
        },
    )


def log_unreadable(engine: Engine, dataset: Dataset, entry: dict) -> None:
    """An unreadable (quarantined) file into the collection log: its bytes, when and from
    whom it came, and why it could not be read; no counts (no record could be read)."""
    with engine.begin() as conn:
        _log_file_without_batch(conn, dataset, entry, "unreadable", entry["reason"], None)


def log_zero_report(engine: Engine, dataset: Dataset, entry: dict) -> bool:
    """A zero report (本期无数据) into the warehouse: the days it answers (zero_report) and,
    for a file, the file into the collection log — its bytes, so it is not collected again.
    Returns False when those bytes were logged already (nothing is added)."""
    with engine.begin() as conn:
        if entry.get("file_sha256"):
            found = conn.execute(
                sa.text(statement("queries/find_delivered_file")),
                {"dataset_id": dataset.id, "file_sha256": entry["file_sha256"]},
            ).first()
            if found is not None:
                return False
            reason = f"本期无数据：{entry['covers_from']} 至 {entry['covers_until']}"
            _log_file_without_batch(
                conn, dataset, {**entry, "recorded_at": entry["reported_at"]}, "zero_report", reason, 0
            )
        conn.execute(
            sa.text(statement("queries/record_zero_report")),
            {
                "dataset_id": dataset.id,
                "department_id": entry["department_id"],
                "covers_from": entry["covers_from"],
                "covers_until": entry["covers_until"],
                "reported_day": entry["reported_day"],
                "reported_at": entry["reported_at"],
                "how": "file" if entry.get("file_sha256") else "pull",
                "file_name": entry.get("file_name"),
            },
        )
    return True


def log_zero_report_file(engine: Engine, dataset: Dataset, zero) -> bool:
    """A ``ZeroReport`` (a file with the header and no record) into the warehouse, judged by
    when it came, as a batch is."""
    logged = log_zero_report(
        engine,
        dataset,
        {
            "department_id": zero.department_id,
            "file_name": zero.file_name,
            "file_sha256": zero.file_sha256,
            "delivered_at": zero.delivered_at,
            "covers_from": zero.covers_from,
            "covers_until": zero.covers_until,
            "reported_day": zero.delivered_at[:10],
            "reported_at": zero.delivered_at,
        },
    )
    log.info(
        "%s/%s %s: 本期无数据（%s 至 %s）",
        dataset.id,
        zero.department_id,
        zero.file_name,
        zero.covers_from,
        zero.covers_until,
    )
    return logged


def log_pull_answer(engine: Engine, dataset: Dataset, department_id: str, newest: str, until) -> None:
    """A pull answered up to ``until`` (an aware datetime) with nothing changed after
    ``newest`` (the newest change it carried, or the watermark when it carried none): a zero
    report for the whole days between — those after the newest change's day, up to the last
    day before ``until``. The same pull run again answers the same days: nothing is added."""
    first = dt.date.fromisoformat(newest[:10]) + dt.timedelta(days=1)
    last = (until - dt.timedelta(microseconds=1)).date()
    if first > last:
        return
    log_zero_report(
        engine,
        dataset,
        {
            "department_id": department_id,
            "covers_from": first.isoformat(),
            "covers_until": last.isoformat(),
            "reported_day": until.date().isoformat(),
            "reported_at": until.isoformat(timespec="seconds"),
        },
    )


def collection_log(engine: Engine, month: str) -> list[dict]:
    """The month's 归集日志: every delivery received in it, loaded, duplicate or unreadable."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(statement("queries/collection_log")), {"month": month}).mappings().all()
    return [dict(r) for r in rows]


def log_lines(rows: list[dict], catalog: Catalog) -> list[tuple[str, ...]]:
    """One line per delivery, in the order of HEADERS. Hashes are shortened to 12 hex digits
    (enough to find the file; the warehouse keeps them whole)."""
    out = []
    for r in rows:
        department = catalog.departments.get(r["department_id"])
        dataset = catalog.datasets.get(r["dataset_id"])
        what = r["file_name"] + (f"；{r['request']}" if r.get("request") else "")
        if r["outcome"] == "duplicate":
            note = f"与批次 {r['batch_id']} 记录相同，未重复入库"
        elif r["outcome"] in ("unreadable", "zero_report"):
            note = r.get("reason") or ""
        else:
            note = f"批次 {r['batch_id']}"
        out.append(
            (
                str(r["delivered_at"])[:19].replace("T", " "),
                department.short_name if department else r["department_id"],
                dataset.title if dataset else r["dataset_id"],
                CHANNEL_LABELS.get(r["channel"], r["channel"]),
                r["source"],
                what,
                (r["file_sha256"] or "")[:12],
                (r["content_sha256"] or "")[:12],
                OUTCOME_LABELS.get(r["outcome"], r["outcome"]),
                *("—" if r[k] is None else str(r[k]) for k in ("received", "accepted", "rejected")),
                note,
            )
        )
    return out


def unbalanced(rows: list[dict]) -> list[dict]:
    """Deliveries whose counts do not add up (the warehouse's CHECK forbids them: a log that
    shows one has been tampered with)."""
    return [
        r for r in rows if r["received"] is not None and r["received"] != (r["accepted"] or 0) + (r["rejected"] or 0)
    ]


def summary(rows: list[dict], month: str) -> str:
    loaded = [r for r in rows if r["outcome"] == "loaded"]
    n = {k: sum(r["outcome"] == k for r in rows) for k in OUTCOME_LABELS}
    received = sum(r["received"] for r in loaded)
    accepted = sum(r["accepted"] for r in loaded)
    rejected = sum(r["rejected"] for r in loaded)
    return (
        f"{month} 归集日志：交付 {len(rows)} 次（入库 {n['loaded']} 次、重复报送 {n['duplicate']} 次、"
        + (f"本期无数据 {n['zero_report']} 次、" if n["zero_report"] else "")
        + f"无法读取 {n['unreadable']} 个）；入库批次收到 {received} 条 = 入库 {accepted} 条 + 退回 {rejected} 条"
    )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def as_table(lines: list[tuple[str, ...]]) -> str:
    """Columns aligned for a terminal (CJK characters count two)."""
    table = [HEADERS, *lines]
    widths = [max(_width(row[i]) for row in table) for i in range(len(HEADERS))]
    return "\n".join(
        "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip() for row in table
    )


def as_csv(lines: list[tuple[str, ...]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADERS)
    # A cell that Excel would take for a formula (a file named "=…") stays text, as in notices.
    writer.writerows([[formula_safe(c) for c in line] for line in lines])
    return buf.getvalue()
