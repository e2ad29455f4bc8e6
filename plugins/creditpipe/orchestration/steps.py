"""The steps the DAGs' tasks run, one function per task and of the same name, each a thin
composition of the rooms below: typed hand-offs in (``core.handoffs``), typed hand-offs
out, paths and counts only.

    collect → split → check (a task per chunk) → merge → load → send_rejection_notice
                    ↘ refuse_file (a file that cannot be read)
    send_owed_notices (what an earlier run loaded but did not send)

``check_file`` runs split → check → merge in one process (chunks on threads): what the
command line, the bench and the tests use; the DAG maps the chunks to tasks instead."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from creditpipe.core import settings
from creditpipe.core.catalog import load_catalog
from creditpipe.core.clock import county_now, county_time
from creditpipe.core.handoffs import (
    CheckedBatch,
    ChunkRef,
    DeliveryRef,
    FileRefused,
    Handoff,
    JudgedChunk,
    LoadOutcome,
    NoticeSent,
    SplitDelivery,
    UnreadableFile,
    ZeroReport,
)

log = logging.getLogger(__name__)

# The warehouses (by URL) whose schema this process has applied; one whose tables are
# dropped is forgotten here, and its schema applied again on next use.
SCHEMA_READY: set[str] = set()


def warehouse_engine(home=None):
    """The warehouse, its schema applied (and checked) once per process."""
    from creditpipe.warehouse.schema import apply_schema, connect

    url = settings.warehouse_url(home)
    engine = connect(url)
    if url not in SCHEMA_READY:
        apply_schema(engine, load_catalog())
        SCHEMA_READY.add(url)
    return engine


# --- a source's deliveries ---------------------------------------------------------------


def collect(dataset_id: str, department_id: str, until: dt.datetime, home=None) -> list[DeliveryRef]:
    """What one source delivered by ``until`` that is not loaded yet, whatever its channel:
    new files in its landing folder, or what changed at its API or front-end database
    since its watermark (staged as one file; none when nothing changed)."""
    from creditpipe.ingest import landing, pulls
    from creditpipe.warehouse.collection_log import log_pull_answer
    from creditpipe.warehouse.load import file_seen, read_watermark
    from creditpipe.warehouse.refusals import open_refusal_of_key

    dataset = load_catalog().dataset(dataset_id)
    source = dataset.source_for(department_id)
    engine = warehouse_engine(home)
    if source.channel == "landing":
        folder = settings.paths(home).landing_for(department_id, dataset.id)
        with engine.connect() as conn:
            found = landing.new_files(folder, until, lambda sha256: file_seen(conn, dataset.id, sha256), dataset.id)
        # A file stamped ahead of the clock is dated by the run (landing.clock_skewed).
        return [
            DeliveryRef(dataset.id, department_id, str(p), until.isoformat() if landing.clock_skewed(p) else None)
            for p in found
        ]
    since = read_watermark(engine, dataset.id, department_id) or pulls.EPOCH
    until = county_time(until)

    def refused_already(records: list[dict]) -> list[bool]:
        return open_refusal_of_key(engine, dataset, department_id, records)

    staged = pulls.staged_path(dataset, source, until, home)
    pulled = pulls.pull(dataset, source, since, until, staged, refused_already)
    log_pull_answer(engine, dataset, department_id, pulled.watermark or since, until)
    if pulled.path is None:
        log.info("%s/%s: nothing changed since %s", dataset.id, department_id, since)
        return []
    # Dated by its changes, not by the run: the 00:00 run on the 1st delivers what changed up
    # to the month's end, and counts in that month, whenever (or however often) it runs. A
    # pull of nothing but records dated ahead of the clock (refused) is dated by the run.
    if pulled.records == pulled.ahead:
        changed = until
    else:
        changed = county_time(dt.datetime.fromisoformat(pulled.watermark).replace(tzinfo=until.tzinfo))
    return [
        DeliveryRef(dataset.id, department_id, pulled.path, changed.isoformat(), pulled.watermark, until.isoformat())
    ]


def split(ref: DeliveryRef, home=None, progress=None) -> SplitDelivery | UnreadableFile:
    """Read a delivery once into chunks; a file that cannot be read is handed on to be refused."""
    from creditpipe.ingest.split import split_delivery

    ref = DeliveryRef.from_xcom(ref)
    dataset = load_catalog().dataset(ref.dataset_id)
    dataset.source_for(ref.department_id)  # a department that does not deliver it is refused here
    return split_delivery(dataset, ref, home, progress)


def chunks_of(split_results: list) -> list[ChunkRef]:
    """Every chunk of the run's readable deliveries (the check is mapped over them)."""
    return [c for r in map(Handoff.from_xcom, split_results) if isinstance(r, SplitDelivery) for c in r.chunks]


def readable_of(split_results: list) -> list[SplitDelivery]:
    return [r for r in map(Handoff.from_xcom, split_results) if isinstance(r, SplitDelivery)]


def unreadable_of(split_results: list) -> list[UnreadableFile]:
    return [r for r in map(Handoff.from_xcom, split_results) if isinstance(r, UnreadableFile)]


def zero_reports_of(split_results: list) -> list[ZeroReport]:
    return [r for r in map(Handoff.from_xcom, split_results) if isinstance(r, ZeroReport)]


def record_zero_report(zero: ZeroReport, home=None) -> ZeroReport:
    """A file with the standard's header and no record: the department's 本期无数据 for its
    period, logged in the collection log (its bytes not collected again) and counted as that
    period reported (信息时效性) — not quarantined, nothing sent back."""
    from creditpipe.warehouse.collection_log import log_zero_report_file

    zero = ZeroReport.from_xcom(zero)
    log_zero_report_file(warehouse_engine(home), load_catalog().dataset(zero.dataset_id), zero)
    return zero


def check(chunk: ChunkRef) -> JudgedChunk:
    """Judge one chunk by the per-record rules."""
    from creditpipe.quality.chunks import check_part

    return check_part(ChunkRef.from_xcom(chunk))


def merge(delivery: SplitDelivery, judged: list[JudgedChunk], home=None) -> CheckedBatch:
    """A delivery's chunks merged into its verdict (the uniqueness rules over every chunk;
    for an objection register, the records it names looked up in the warehouse)."""
    from creditpipe.quality.chunks import merge_parts, named_in
    from creditpipe.warehouse.objections import held_records

    delivery = SplitDelivery.from_xcom(delivery)
    named = named_in(delivery)
    held = None if named is None else held_records(warehouse_engine(home), load_catalog(), named)
    return merge_parts(delivery, [JudgedChunk.from_xcom(j) for j in judged], home, held)


# Chunks judged at once by check_file (the DAG maps them to tasks instead). Threads: the
# rules spend much of their time in Arrow and numpy, which let go of the GIL, and memory
# stays one process's (a chunk per thread). (Processes were tried: on this machine's two
# shared cores a forkserver pool judged a 1 M delivery's five chunks in 7.1 s against
# the threads' 4.1 s, its workers' start and cold caches costing more than the GIL.)
CHECK_THREADS = int(os.environ.get("CREDITPIPE_CHECK_THREADS", "0")) or min(2, os.cpu_count() or 1)


def check_file(
    dataset_id: str,
    path: str | Path,
    home=None,
    delivered_at: dt.datetime | None = None,
    department_id: str | None = None,
    watermark: str | None = None,
    progress=None,
    until: str | None = None,
) -> CheckedBatch | ZeroReport | UnreadableFile:
    """Read and judge one delivered file in this process: split, the chunks checked on
    CHECK_THREADS threads, merged. The verdict is written to the work folder. ``progress``
    is told the share of the file read as it is split. A file that cannot be read, or has
    no record (a zero report), comes back as split gave it."""
    dataset = load_catalog().dataset(dataset_id)
    ref = DeliveryRef(
        dataset.id,
        department_id or dataset.department,
        str(path),
        delivered_at.isoformat() if delivered_at else None,
        watermark,
        until,
    )
    result = split(ref, home, progress)
    if isinstance(result, (UnreadableFile, ZeroReport)):
        return result
    workers = min(len(result.chunks), CHECK_THREADS)
    if workers <= 1:
        judged = [check(c) for c in result.chunks]
    else:
        with ThreadPoolExecutor(workers, thread_name_prefix="check") as pool:
            judged = list(pool.map(check, result.chunks))  # in the chunks' order
    return merge(result, judged, home)


# --- into the warehouse, and back to the department ----------------------------------------


def load(checked: CheckedBatch, home=None) -> LoadOutcome:
    """Load a checked delivery into the warehouse in one transaction (a delivery already
    there is logged as a duplicate), and count back what committed.

    While PostgreSQL takes the COPY this process mostly waits: the notice is drafted then,
    in a thread (openpyxl holds the interpreter; Arrow and the socket do not), and
    published by send_rejection_notice once the batch is in. A delivery already loaded
    gets no notice, so none is drafted for it."""
    from creditpipe.notice.drafts import NOTICE_DRAFT, draft_notice
    from creditpipe.quality.chunks import read_verdict
    from creditpipe.warehouse.load import already_loaded, load_checked_batch, verify_batch
    from creditpipe.warehouse.objections import apply_objections, register_datasets

    checked = CheckedBatch.from_xcom(checked)
    work_dir = Path(checked.work_dir)
    batch, verdict = read_verdict(work_dir)
    dataset = load_catalog().dataset(batch["dataset_id"])
    engine = warehouse_engine(home)
    with ThreadPoolExecutor(1, thread_name_prefix="notice_draft") as drafter:
        drafting = None if already_loaded(engine, batch) else drafter.submit(draft_notice, work_dir, batch, verdict)
        result = load_checked_batch(engine, dataset, batch, verdict.refused_rows, verdict.issues)
        verify_batch(engine, dataset.table, result.batch_id, batch["received"])
        if dataset in register_datasets(load_catalog()):  # an objection register: its outcomes applied
            apply_objections(
                engine, load_catalog(), dataset, result.batch_id, county_now().isoformat(timespec="seconds")
            )
        if drafting is not None:
            try:
                drafting.result()
            except Exception as exc:  # the notice is then written when it is sent
                # The error's class only: a workbook's error can quote the cell (a record's value).
                log.warning("%s: 退回通知草稿未写成（%s），发送时重写", result.batch_id, type(exc).__name__)
                shutil.rmtree(work_dir / NOTICE_DRAFT, ignore_errors=True)
    log.info("%s: %s (%d accepted, %d refused)", result.batch_id, result.status, result.accepted, result.rejected)
    return LoadOutcome(result.batch_id, str(work_dir), result.status, result.received, result.accepted, result.rejected)


def send_rejection_notice(loaded: LoadOutcome, home=None) -> NoticeSent:
    """The loaded batch's notice into its department's outbox (only its own records), and
    by mail to it. A duplicate delivery's notice went out with the first."""
    from creditpipe.notice.drafts import outbox_folder, published_draft, write_notice_files
    from creditpipe.notice.mail import mail_notice
    from creditpipe.quality.chunks import read_verdict
    from creditpipe.warehouse.notice_log import notice_published, record_notice

    loaded = LoadOutcome.from_xcom(loaded)
    work_dir = Path(loaded.work_dir)
    if not (work_dir / "batch.json").exists():  # published, and its work files removed, by an earlier try
        log.info("%s: notice already published; its work files are removed", loaded.batch_id)
        return NoticeSent(loaded.batch_id)
    engine = warehouse_engine(home)
    if loaded.status != "loaded" or notice_published(engine, loaded.batch_id):
        remove_work_files(work_dir, home)
        return NoticeSent(loaded.batch_id)
    catalog = load_catalog()
    batch, verdict = read_verdict(work_dir, with_records=False)  # the mail needs the counts only
    dataset = catalog.dataset(batch["dataset_id"])
    department = catalog.departments[batch["department_id"]]
    delivered_at = dt.datetime.fromisoformat(batch["delivered_at"])
    folder = outbox_folder(department.id, delivered_at, batch["file_name"], batch["file_sha256"], home)
    drafted = published_draft(work_dir, batch, folder)
    if drafted is None:  # no draft of this verdict (the load's failed, or an older check's)
        batch, verdict = read_verdict(work_dir)
        drafted = write_notice_files(batch, verdict, folder)
    csv_path, json_path, xlsx_path = drafted
    mailed = mail_notice(dataset, department, batch, verdict, [xlsx_path, csv_path])
    outbox, written = settings.paths(home).outbox.resolve(), Path(xlsx_path).resolve()
    shown = written.relative_to(outbox) if written.is_relative_to(outbox) else written
    record_notice(engine, loaded.batch_id, str(shown), mailed, county_now())
    remove_work_files(work_dir, home)
    return NoticeSent(loaded.batch_id, str(xlsx_path), str(csv_path), str(json_path), mailed)


def send_owed_notices(
    dataset_id: str, department_id: str, checked_before: dt.datetime | None = None, home=None
) -> list[NoticeSent]:
    """The notices a source's earlier runs owe: batches loaded whose notice was never
    published (the run failed after the load, or the notice task did), each sent now from
    the work files kept for it. Batches checked from ``checked_before`` on (a DAG run's
    own, checked after it started) are left to their own notice task; None: every batch
    (one process taking a source's steps in turn has none in flight). A batch whose work files are gone (removed
    by hand) is named in the log: its refusals are in the warehouse and the report."""
    from creditpipe.quality.chunks import work_dir_of
    from creditpipe.warehouse.notice_log import notices_owed

    sent = []
    before = county_time(checked_before) if checked_before else None
    for owed in notices_owed(warehouse_engine(home), dataset_id, department_id, before):
        work_dir = work_dir_of(owed["batch_id"], owed["file_sha256"], home)
        if not (work_dir / "batch.json").exists():
            log.warning("%s: 退回通知未发出，且其工作文件已不在（%s），无法补发", owed["batch_id"], work_dir)
            continue
        loaded = LoadOutcome(
            owed["batch_id"], str(work_dir), "loaded", owed["received"], owed["accepted"], owed["rejected"]
        )
        log.info("%s: 补发此前未发出的退回通知", owed["batch_id"])
        sent.append(send_rejection_notice(loaded, home))
    return sent


# "False" keeps a delivery's work files after its notice is published (to look into a case).
RETENTION_ENV = "CREDITPIPE_REMOVE_WORK_FILES"


def remove_work_files(work_dir: Path, home=None) -> list[Path]:
    """A delivery's split parts and its verdict's folder (the notice draft with it), once its
    notice is published: they hold every record, personal data among them, and nothing
    reads them again — the warehouse, the outbox and the collection log keep what stays.
    Only folders under the work folder are removed; returns them."""
    if os.environ.get(RETENTION_ENV, "True").strip().lower() in ("false", "0", "no"):
        return []
    import json

    work = settings.paths(home).work.resolve()
    batch = json.loads((work_dir / "batch.json").read_text(encoding="utf-8"))
    folders = {Path(p).parent for p in batch.get("parts") or []} | {work_dir}
    removed = [f for f in sorted(folders) if f.resolve().is_relative_to(work) and f.resolve() != work]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def refuse_file(unreadable: UnreadableFile, home=None) -> FileRefused:
    """A file that could not be read: kept aside in quarantine with its reason, logged in the
    collection log (nothing delivered is unlogged), and sent back whole with a notice in
    the department's outbox and by mail."""
    from creditpipe.ingest.landing import quarantine
    from creditpipe.notice.drafts import outbox_folder
    from creditpipe.notice.files import write_unreadable_notice
    from creditpipe.notice.mail import mail_unreadable
    from creditpipe.warehouse.collection_log import log_unreadable

    refused = UnreadableFile.from_xcom(unreadable)
    catalog = load_catalog()
    dataset = catalog.dataset(refused.dataset_id)
    department = catalog.departments[refused.department_id]
    delivered_at = county_time(dt.datetime.fromisoformat(refused.delivered_at))
    stored = quarantine(department.id, Path(refused.path), refused.file_sha256, refused.reason, delivered_at, home)
    log_unreadable(
        warehouse_engine(home),
        dataset,
        {
            "department_id": department.id,
            "file_name": refused.file_name,
            "file_sha256": refused.file_sha256,
            "reason": refused.reason,
            "delivered_at": refused.delivered_at,
            "recorded_at": county_now().isoformat(timespec="seconds"),
        },
    )
    folder = outbox_folder(department.id, delivered_at, refused.file_name, refused.file_sha256, home)
    xlsx_path, json_path = write_unreadable_notice(
        dataset, department, refused.file_name, delivered_at, refused.reason, folder
    )
    mailed = mail_unreadable(dataset, department, refused.file_name, delivered_at, refused.reason, xlsx_path)
    return FileRefused(refused.file_name, str(stored), str(xlsx_path), str(json_path), mailed)


# --- every step in one process -------------------------------------------------------------


@dataclass(frozen=True)
class Ingested:
    """What became of one delivery taken through every step in this process, as the DAG's
    tasks take it one after another: loaded (or a duplicate of a batch loaded before) with
    its notice, or refused whole because it could not be read."""

    ref: DeliveryRef
    checked: CheckedBatch | None = None
    loaded: LoadOutcome | None = None
    sent: NoticeSent | None = None
    unreadable: UnreadableFile | None = None
    refused: FileRefused | None = None
    zero_report: ZeroReport | None = None

    @property
    def outcome(self) -> str:
        """``loaded``, ``already_loaded``, ``zero_report`` or ``unreadable``."""
        if self.zero_report is not None:
            return "zero_report"
        return "unreadable" if self.unreadable is not None else self.loaded.status

    @property
    def reason(self) -> str | None:
        """Why the file could not be read (None when it could)."""
        return self.unreadable.reason if self.unreadable is not None else None

    @property
    def notice(self) -> str | None:
        """The notice workbook in the department's outbox (None for a duplicate delivery or
        a zero report)."""
        if self.zero_report is not None:
            return None
        return self.refused.notice if self.refused is not None else self.sent.notice

    @property
    def rejections_json(self) -> str | None:
        if self.zero_report is not None:
            return None
        return self.refused.rejections_json if self.refused is not None else self.sent.rejections_json

    @property
    def mailed(self) -> bool:
        return self.zero_report is None and (self.refused or self.sent).mailed


def ingest_delivery(ref: DeliveryRef, home=None) -> Ingested:
    """One delivery through split, check, merge, load and its notice (or refuse_file, or
    record_zero_report)."""
    ref = DeliveryRef.from_xcom(ref)
    checked = check_file(
        ref.dataset_id,
        ref.path,
        home,
        dt.datetime.fromisoformat(ref.delivered_at) if ref.delivered_at else None,
        ref.department_id,
        ref.watermark,
        until=ref.until,
    )
    if isinstance(checked, UnreadableFile):
        return Ingested(ref, unreadable=checked, refused=refuse_file(checked, home))
    if isinstance(checked, ZeroReport):
        return Ingested(ref, zero_report=record_zero_report(checked, home))
    loaded = load(checked, home)
    return Ingested(ref, checked, loaded, send_rejection_notice(loaded, home))


def ingest_source(dataset_id: str, department_id: str, until: dt.datetime, home=None) -> list[Ingested]:
    """What one source delivered by ``until``, collected and taken through every step (the
    notices its earlier runs owe sent first)."""
    send_owed_notices(dataset_id, department_id, home=home)
    return [ingest_delivery(ref, home) for ref in collect(dataset_id, department_id, until, home)]
