"""The steps the DAGs run, as plain functions of paths and counts (what XCom carries).

collect → check → load → notice for a dataset's deliveries; the month's figures.
Records travel between steps as files in the work folder (a chunk's records and keys in
Arrow's IPC format, issues as Parquet), never through XCom."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

from creditpipe import settings
from creditpipe.catalog import load_catalog
from creditpipe.delivery import DeliveryError, file_sha256, shown_name
from creditpipe.notice import (
    safe_name,
    write_rejection_notice,
    write_rejections_csv,
    write_rejections_json,
)
from creditpipe.quality import ISSUE_COLUMNS, ROW_ID, Verdict
from creditpipe.warehouse import (
    apply_schema,
    batch_id_for,
    connect,
    file_seen,
)

log = logging.getLogger(__name__)
TZ = ZoneInfo("Asia/Shanghai")


_SCHEMA_READY: set[str] = set()


def warehouse_engine(home=None):
    """The warehouse, its schema applied (and checked) once per process."""
    url = settings.warehouse_url(home)
    engine = connect(url)
    if url not in _SCHEMA_READY:
        apply_schema(engine, load_catalog())
        _SCHEMA_READY.add(url)
    return engine


def _local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(TZ)


def _delivered_at(path: Path) -> dt.datetime:
    """When the department dropped the file: its modification time, in county time (of a
    link itself, never of what it points to)."""
    return dt.datetime.fromtimestamp(path.lstat().st_mtime, TZ)


# Pickup rule for landing folders: a file is a delivery once it has not changed for
# SETTLE_SECONDS (an upload still being written keeps changing; its size and time are
# checked again after it is hashed). Excel's lock files (~$…), hidden files and names of
# uploads in progress are never deliveries. Any other file is: one we cannot read (an
# .xls, a .txt) is quarantined with a notice to its department, never left unseen.
SETTLE_SECONDS = int(os.environ.get("CREDITPIPE_SETTLE_SECONDS", "60"))
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart", ".upload", ".swp")


def _is_candidate(path: Path) -> bool:
    name = path.name
    if name.startswith(("~$", ".")) or name.lower().endswith(PARTIAL_SUFFIXES):
        return False
    return path.is_symlink() or path.is_file()


def _settled(path: Path, now: float) -> bool:
    """Unchanged for SETTLE_SECONDS (a modification time ahead of the clock is not settled)."""
    return now - path.lstat().st_mtime >= SETTLE_SECONDS


def collect_new_files(dataset_id: str, until: dt.datetime, home=None, department_id: str | None = None) -> list[str]:
    """Files in the department's landing folder for the dataset, delivered by ``until``
    and never seen before."""
    catalog = load_catalog()
    dataset = catalog.dataset(dataset_id)
    department_id = department_id or dataset.department
    folder = settings.paths(home).landing_for(department_id, dataset.id)
    folder.mkdir(parents=True, exist_ok=True)
    until = _local(until)
    engine = warehouse_engine(home)
    new: list[str] = []
    hashes: dict[str, str] = {}
    now = time.time()
    with engine.connect() as conn:
        for path in sorted(folder.iterdir()):
            if not _is_candidate(path) or _delivered_at(path) > until:
                continue
            if not _settled(path, now):
                log.info("%s: %s 仍在写入（%d 秒内有改动），下次运行再读取", dataset.id, shown_name(path.name), SETTLE_SECONDS)
                continue
            if path.is_symlink():  # refused when split, without reading what it points to
                new.append(str(path))
                continue
            before = path.stat()
            sha256 = file_sha256(path)
            after = path.stat()
            if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
                log.info("%s: %s 在读取时被改动（仍在写入），下次运行再读取", dataset.id, shown_name(path.name))
                continue
            if sha256 in hashes:  # the same bytes under another name: one delivery
                log.info("%s: %s 与 %s 内容完全相同，只读取一次", dataset.id, shown_name(path.name), shown_name(hashes[sha256]))
                continue
            hashes[sha256] = path.name
            if not file_seen(conn, dataset.id, sha256):
                new.append(str(path))
    log.info("%s: %d new file(s) in %s", dataset.id, len(new), folder)
    return new


def pull_source(dataset_id: str, department_id: str, until: dt.datetime, home=None) -> list[dict]:
    """Pull what changed at an API or front-end database since its watermark; at most one
    staged delivery (none when nothing changed)."""
    from creditpipe.channels import EPOCH, pull
    from creditpipe.warehouse import read_watermark

    catalog = load_catalog()
    dataset = catalog.dataset(dataset_id)
    source = dataset.source_for(department_id)
    since = read_watermark(warehouse_engine(home), dataset.id, department_id) or EPOCH
    until = _local(until)
    out = (
        settings.paths(home).work / "pulls" / department_id
        / f"{dataset.name}_{source.channel}_{until:%Y%m%d%H%M%S}.jsonl"
    )
    pulled = pull(dataset, source, since, until, out)
    if pulled.path is None:
        log.info("%s/%s: nothing changed since %s", dataset.id, department_id, since)
        return []
    return [{
        "path": pulled.path,
        "department_id": department_id,
        "delivered_at": until.isoformat(),
        "watermark": pulled.watermark,
    }]


def collect_deliveries(dataset_id: str, department_id: str, until: dt.datetime, home=None) -> list[dict]:
    """What one source delivered by ``until`` that is not loaded yet, whatever its channel."""
    source = load_catalog().dataset(dataset_id).source_for(department_id)
    if source.channel == "landing":
        return [{"path": p, "department_id": department_id}
                for p in collect_new_files(dataset_id, until, home, department_id)]
    return pull_source(dataset_id, department_id, until, home)


def check_delivery(dataset_id: str, ref: dict, home=None) -> dict:
    delivered_at = ref.get("delivered_at")
    return check_file(
        dataset_id, ref["path"], home,
        delivered_at=dt.datetime.fromisoformat(delivered_at) if delivered_at else None,
        department_id=ref.get("department_id"),
        watermark=ref.get("watermark"),
    )


def check_file(
    dataset_id: str,
    path: str,
    home=None,
    delivered_at: dt.datetime | None = None,
    department_id: str | None = None,
    watermark: str | None = None,
) -> dict:
    """Read and judge one delivered file in this process: the DAG's split → check_chunk →
    merge_chunks, one after the other. Its verdict is written to the work folder."""
    ref = {"path": str(path), "department_id": department_id, "watermark": watermark,
           "delivered_at": delivered_at.isoformat() if delivered_at else None}
    chunks = split_delivery(dataset_id, ref, home)
    return merge_chunks(chunks, _check_chunks(chunks), home)


# Chunks judged at once by check_file (the DAG maps them to tasks instead). Threads: the
# rules spend much of their time in Arrow and numpy, which let go of the GIL, and memory
# stays one process's (a chunk per thread). (Processes were tried: on this machine's two
# shared cores a forkserver pool judged a 1 M delivery's five chunks in 7.1 s against
# the threads' 4.1 s, its workers' start and cold caches costing more than the GIL.)
CHECK_THREADS = int(os.environ.get("CREDITPIPE_CHECK_THREADS", "0")) or min(2, os.cpu_count() or 1)


def _check_chunks(chunks: list[dict]) -> list[dict]:
    workers = min(len(chunks), CHECK_THREADS)
    if workers <= 1:
        return [check_chunk(c) for c in chunks]
    with ThreadPoolExecutor(workers, thread_name_prefix="check_chunk") as pool:
        return list(pool.map(check_chunk, chunks))  # in the chunks' order


# A delivery is judged CHUNK_ROWS records at a time: the DAG maps one task per chunk, so
# Celery workers on several machines share a large file; memory stays one chunk's.
CHUNK_ROWS = int(os.environ.get("CREDITPIPE_CHUNK_ROWS", "200000"))

# A chunk's records between the tasks (and each chunk's keys for the merge): Arrow's own
# file format, LZ4-compressed. It is read three times (check, load, the load's key pass)
# and written once; Parquet cost eight times as much to read back (1 M penalty records:
# 2.5 CPU seconds against 0.3), for a quarter of the disk (48 MB against 151 MB).
PART_SUFFIX = ".arrow"


def write_part(table, path) -> None:
    import pyarrow.ipc as ipc

    with ipc.new_file(str(path), table.schema, options=ipc.IpcWriteOptions(compression="lz4")) as out:
        out.write_table(table)


def read_part(path, columns: list[str] | None = None):
    """A part as an Arrow table; with ``columns``, only those are read, and they come in
    the part's own order (select by name)."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    with pa.memory_map(str(path)) as source:
        reader = ipc.open_file(source)
        if columns is not None:
            names = reader.schema.names
            reader = ipc.open_file(source, options=ipc.IpcReadOptions(
                included_fields=[names.index(c) for c in columns]))
        return reader.read_all()  # Arrow keeps the mapping alive for any buffer that points into it


def split_delivery(dataset_id: str, ref: dict, home=None) -> list[dict]:
    """Read a delivery once, in chunks: each chunk to a part (Arrow IPC), the file's facts (its
    hash, the records' fingerprint, the counts) to a manifest. Returns one reference per
    chunk; an unreadable file is quarantined and returned as the only (unreadable) ref."""
    from creditpipe.delivery import Fingerprint, extra_columns, iter_tables, sniff_file
    from creditpipe.quality import key_buckets, with_published_table

    catalog = load_catalog()
    dataset = catalog.dataset(dataset_id)
    department_id = dataset.source_for(ref.get("department_id") or dataset.department).department
    source = Path(ref["path"])
    delivered_at = _local(dt.datetime.fromisoformat(ref["delivered_at"])) if ref.get("delivered_at") else _delivered_at(source)
    try:
        if source.is_symlink():  # what it points to is not the department's to send
            raise DeliveryError(
                f"{shown_name(source.name)} 是链接（快捷方式），不是文件本身；系统不读取链接指向的文件，请直接上传文件"
            )
        if not source.is_file():
            raise DeliveryError(f"文件不存在：{shown_name(source.name)}")
        sniff_file(source)  # by its first bytes: empty, encrypted, .xls, a web page, UTF-16
        # The file's hash, and each chunk's fingerprint and part, are made in threads
        # while the reader reads on (hashing and Arrow let go of the GIL). The
        # parts go to a folder of this run's own, named for the hash once it is known.
        split_root = settings.paths(home).work / "split"
        building = split_root / f".{safe_name(dataset.id)}_{uuid.uuid4().hex[:12]}"
        building.mkdir(parents=True)
        fingerprint, parts, received = Fingerprint(), [], 0

        def store(table, part: Path) -> None:
            fingerprint.update(table)  # in the chunks' order: one writer thread
            write_part(table, part)

        try:
            with ThreadPoolExecutor(1, thread_name_prefix="file_sha256") as hasher, \
                    ThreadPoolExecutor(1, thread_name_prefix="split_store") as writer:
                hashed = hasher.submit(file_sha256, source)
                stored: list = []
                # Chunks stay Arrow tables from the reader to the part (no Python objects).
                for n, (table, _share) in enumerate(iter_tables(source, dataset, rows=CHUNK_ROWS)):
                    table = with_published_table(table, delivered_at.date())
                    stored.append(writer.submit(store, table, building / f"{n:05d}{PART_SUFFIX}"))
                    parts.append(f"{n:05d}{PART_SUFFIX}")
                    received += table.num_rows
                    while len(stored) > 1:  # at most one chunk waits to be stored: memory stays flat
                        stored.pop(0).result()
                for done in stored:
                    done.result()
                sha256 = hashed.result()
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        folder = split_root / safe_name(f"{dataset.id}_{sha256[:16]}")
        if folder.exists():
            shutil.rmtree(folder)  # a re-run of the same file starts clean
        building.rename(folder)
        parts = [str(folder / name) for name in parts]
        if received == 0:  # wholly blank rows are not records either
            raise DeliveryError(
                f"{shown_name(source.name)} 只有表头，没有数据记录；如本期确无数据，无需报送空表；"
                "如有数据，请检查导出的范围后重新报送"
            )
        fmt, encoding = _format_of(source)
        extra = extra_columns(source, dataset, encoding)
    except DeliveryError as exc:
        quarantined = _quarantine(department_id, source, str(exc), delivered_at, home)
        # What the collection log needs of a delivery that could not be read (load_checked).
        return [{**quarantined, "dataset_id": dataset.id, "department_id": department_id,
                 "delivered_at": delivered_at.isoformat(timespec="seconds")}]
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps({
        "dataset_id": dataset.id, "department_id": department_id, "file_name": source.name,
        "file_sha256": sha256, "content_sha256": fingerprint.hexdigest(), "file_format": fmt,
        "encoding": encoding, "delivered_at": delivered_at.isoformat(timespec="seconds"),
        "watermark": ref.get("watermark"), "received": received, "parts": parts,
        "extra_columns": extra,
        # Decided once: every chunk's keys and the merge must agree on it, in any process.
        "key_buckets": key_buckets(received),
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    return [{"status": "split", "manifest": str(manifest), "part": p, "index": i} for i, p in enumerate(parts)]


def _format_of(source: Path) -> tuple[str, str | None]:
    from creditpipe.delivery import csv_encoding

    with open(source, "rb") as fh:
        zipped = fh.read(2) == b"PK"
    suffix = source.suffix.lower()
    if zipped or suffix == ".xlsx":
        return "xlsx", None
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl", "utf-8"
    return "csv", csv_encoding(source)


def check_chunk(chunk: dict) -> dict:
    """Judge one chunk by the per-record rules; keep its issues (before de-duplication) and
    the key columns the whole-delivery rules need, as files beside the part."""
    import pyarrow.compute as pc

    from creditpipe.delivery import text_frame
    from creditpipe.quality import (
        _compiled_rows, key_bucket, key_buckets, per_record_rules, rule_columns, whole_delivery_rules,
    )

    if chunk.get("status") != "split":
        return chunk
    manifest = json.loads(Path(chunk["manifest"]).read_text(encoding="utf-8"))
    dataset = load_catalog().dataset(manifest["dataset_id"])
    day = dt.datetime.fromisoformat(manifest["delivered_at"]).date()
    # Arrow-backed text columns straight from the part: no Python object per cell.
    part = read_part(chunk["part"])
    frame = text_frame(part)
    rows = _compiled_rows(frame, dataset.suite, day, per_record_rules(dataset.suite)) if len(frame) else []
    stem = Path(chunk["part"]).with_suffix("")
    issues_path, keys_path = f"{stem}.issues.parquet", Path(f"{stem}.keys")
    _raw_issues(rows).to_parquet(issues_path, index=False)
    # Each whole-delivery rule's columns, split by a hash of its key into buckets: equal
    # keys share a bucket, so the merge judges a bucket at a time (memory: one bucket's).
    if keys_path.exists():
        shutil.rmtree(keys_path)
    keys_path.mkdir()
    buckets = manifest.get("key_buckets") or key_buckets(manifest["received"])
    for n, rule in enumerate(whole_delivery_rules(dataset.suite)):
        keys = part.select(rule_columns(rule))
        bucket = key_bucket(keys, rule, buckets)
        for b in range(buckets):  # as Arrow: pandas' frame filters and writers cost more than the rules
            write_part(keys if buckets == 1 else keys.filter(pc.equal(bucket, b)), keys_path / f"r{n}_b{b}{PART_SUFFIX}")
    return {"status": "judged", "manifest": chunk["manifest"], "index": chunk["index"],
            "issues": issues_path, "keys": str(keys_path), "records": len(frame)}


def _raw_issues(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["_pair", *ISSUE_COLUMNS])
    # A pair rule's fields travel as JSON (Parquet holds no tuples).
    frame["_pair"] = [json.dumps(list(p), ensure_ascii=False) if p else None for p in frame["_pair"]]
    return frame


def merge_chunks(chunks: list[dict], judged: list[dict], home=None) -> dict:
    """One delivery's chunks merged: the whole-delivery rules over every chunk's keys, each
    problem said once; the batch written to the work folder as ``check_file`` always did.
    ``judged`` may hold other deliveries' chunks (the DAG passes them all)."""
    import pyarrow as pa

    from creditpipe.delivery import text_frame
    from creditpipe.quality import _compiled_rows, _finish, key_buckets, whole_delivery_rules

    if not chunks or chunks[0].get("status") != "split":
        return chunks[0] if chunks else {"status": "empty"}
    manifest_path = chunks[0]["manifest"]
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    mine = sorted((j for j in judged if j.get("manifest") == manifest_path), key=lambda j: j["index"])
    if len(mine) != len(manifest["parts"]):
        raise RuntimeError(f"{manifest['file_name']}：应有 {len(manifest['parts'])} 个分块的校验结果，收到 {len(mine)} 个")
    dataset = load_catalog().dataset(manifest["dataset_id"])
    day = dt.datetime.fromisoformat(manifest["delivered_at"]).date()
    raw = [pd.read_parquet(j["issues"]).astype(object) for j in mine]
    rows = [r for frame in raw for r in frame.where(frame.notna(), None).to_dict("records")]
    for r in rows:
        r["_pair"] = tuple(json.loads(r["_pair"])) if r.get("_pair") else None
    # Each whole-delivery rule over every chunk's keys, a bucket at a time (check_chunk),
    # as Arrow-backed text: ten million keys at once were gigabytes.
    for n, rule in enumerate(whole_delivery_rules(dataset.suite)):
        for b in range(manifest.get("key_buckets") or key_buckets(manifest["received"])):
            keys = text_frame(pa.concat_tables([read_part(Path(j["keys"]) / f"r{n}_b{b}{PART_SUFFIX}") for j in mine]))
            if len(keys):
                rows += _compiled_rows(keys, dataset.suite, day, [rule])
    issues = _finish(rows)
    # The records stay in the chunks' parts: the load streams them, part by part.
    verdict = Verdict(pd.DataFrame(columns=[ROW_ID]), issues, total=manifest["received"])
    batch_id = batch_id_for(dataset.id, manifest["content_sha256"])
    # Per file: two files with the same records (re-exported, renamed) in one run are merged
    # side by side; the load then keeps one batch and logs the other as a duplicate.
    work_dir = settings.paths(home).work / safe_name(f"{batch_id}_{manifest['file_sha256'][:12]}")
    work_dir.mkdir(parents=True, exist_ok=True)
    issues.to_parquet(work_dir / "issues.parquet", index=False)
    delivered_at = dt.datetime.fromisoformat(manifest["delivered_at"])
    batch = {
        "batch_id": batch_id,
        "dataset_id": dataset.id,
        "department_id": manifest["department_id"],
        "file_name": manifest["file_name"],
        "file_sha256": manifest["file_sha256"],
        "content_sha256": manifest["content_sha256"],
        "file_format": manifest["file_format"],
        "encoding": manifest["encoding"],
        "delivered_at": manifest["delivered_at"],
        "delivered_month": delivered_at.strftime("%Y-%m"),
        "processed_at": dt.datetime.now(TZ).isoformat(timespec="seconds"),
        "received": verdict.received,
        "accepted": verdict.accepted,
        "rejected": verdict.rejected,
        "error_count": verdict.errors,
        "warning_count": verdict.warnings,
        "watermark": manifest["watermark"],
        "parts": manifest["parts"],
        "extra_columns": manifest.get("extra_columns") or [],
    }
    judged_records = sum(int(j["records"]) for j in mine)
    if judged_records != manifest["received"]:
        raise RuntimeError(f"{manifest['file_name']}：分块校验 {judged_records} 条，读入时 {manifest['received']} 条")
    (work_dir / "batch.json").write_text(json.dumps(batch, ensure_ascii=False, indent=2), encoding="utf-8")
    log.info("%s %s: %d chunk(s), received %d, accepted %d, refused %d", dataset.id, manifest["file_name"],
             len(mine), verdict.received, verdict.accepted, verdict.rejected)
    return {"status": "checked", "batch_id": batch_id, "work_dir": str(work_dir),
            "received": verdict.received, "accepted": verdict.accepted, "rejected": verdict.rejected}


def _quarantine(department_id: str, source: Path, reason: str, delivered_at: dt.datetime, home) -> dict:
    """A file that cannot be read is kept aside with the reason; the run goes on. Its
    stored name is built from the department, the month and its hash, never steered by the
    delivered name (which only lends a cleaned, shortened stem), and two files never share one."""
    home_paths = settings.paths(home)
    target = home_paths.home / "quarantine" / department_id / delivered_at.strftime("%Y-%m")
    target.mkdir(parents=True, exist_ok=True)
    # A link is kept as the link (what it points to is never read); its hash is of its target's name.
    sha256 = (hashlib.sha256(os.readlink(source).encode("utf-8", "surrogateescape")).hexdigest()
              if source.is_symlink() else file_sha256(source))
    stored = target / _stored_name(source.name, sha256)
    shutil.move(str(source), stored)
    (target / (stored.name + ".原因.txt")).write_text(reason + "\n", encoding="utf-8")
    log.warning("%s: %s quarantined: %s", department_id, shown_name(source.name), reason)
    return {"status": "unreadable", "file": shown_name(source.name, 120), "quarantined": str(stored),
            "error": reason, "file_sha256": sha256}


def _stored_name(file_name: str, sha256: str) -> str:
    """``<cleaned stem, at most 40 characters>_<8 hex of the hash>.<suffix>``: within a
    file system's 255 bytes even in Chinese, with no way out of its folder."""
    suffix = "".join(ch for ch in Path(file_name).suffix.lower() if ch.isascii() and ch.isalnum())[:10]
    return f"{safe_name(Path(file_name).stem)[:40]}_{sha256[:8]}" + (f".{suffix}" if suffix else "")


def _read_verdict(work_dir: Path, with_records: bool = True) -> tuple[dict, Verdict]:
    """The batch and its verdict: every issue, and the records that have one (read from
    the parts, so a large delivery is never whole in memory; not read without
    ``with_records``, when the counts are all that is needed)."""
    batch = json.loads((work_dir / "batch.json").read_text(encoding="utf-8"))
    issues = pd.read_parquet(work_dir / "issues.parquet")
    if issues.empty:
        issues = pd.DataFrame(columns=ISSUE_COLUMNS)
    if not with_records:
        return batch, Verdict(pd.DataFrame(columns=[ROW_ID]), issues, total=batch["received"])
    import pyarrow as pa
    import pyarrow.compute as pc

    from creditpipe.delivery import table_frame

    # Filtered as Arrow: only the rows with an issue become Python objects.
    wanted = pa.array(sorted(set(issues[ROW_ID].astype(int))), pa.int64())
    kept = [table_frame(t.filter(pc.is_in(t.column(ROW_ID), value_set=wanted)))
            for t in (read_part(p) for p in batch["parts"])]
    records = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=[ROW_ID])
    return batch, Verdict(records, issues, total=batch["received"])


def load_checked(checked: dict, home=None) -> dict:
    """Load a judged delivery into the warehouse (a no-op if the batch is already there),
    streaming its parts into one transaction."""
    from creditpipe.warehouse import load_batch_parts

    if checked.get("status") == "unreadable":
        _log_unreadable(checked, home)
    if checked.get("status") != "checked":
        return {**checked, "load": "skipped"}
    catalog = load_catalog()
    batch, verdict = _read_verdict(Path(checked["work_dir"]))
    dataset = catalog.dataset(batch["dataset_id"])
    engine = warehouse_engine(home)
    refused_rows = verdict.refused_rows

    import pyarrow as pa
    import pyarrow.compute as pc

    from creditpipe.delivery import table_frame

    refused_ids = pa.array(sorted(refused_rows), pa.int64())

    def split(path):
        # The accepted records stay Arrow (COPY is written from them column by column);
        # the refused, a few, become the frame the refusal rows are built from.
        part = read_part(path)
        refused = pc.is_in(part.column(ROW_ID), value_set=refused_ids)
        return part.filter(pc.invert(refused)), table_frame(part.filter(refused))

    def parts():
        return _read_ahead(split, batch["parts"])

    def accepted_keys():
        # The second pass (refusals this delivery corrects) needs the business key only.
        for path in batch["parts"]:
            part = read_part(path, columns=[ROW_ID, *dataset.business_key])
            yield part.filter(pc.invert(pc.is_in(part.column(ROW_ID), value_set=refused_ids)))

    work_dir = Path(checked["work_dir"])
    # While PostgreSQL takes the COPY this process mostly waits: the notice is drafted
    # then, in a thread (openpyxl holds the interpreter; Arrow and the socket do not).
    # send_rejection_notice publishes the draft once the batch is in; a delivery already
    # loaded gets no notice, so none is drafted for it.
    with ThreadPoolExecutor(1, thread_name_prefix="notice_draft") as drafter:
        drafting = None if _already_loaded(engine, batch) else drafter.submit(_draft_notice, work_dir, batch, verdict)
        result = load_batch_parts(engine, dataset, batch, parts, verdict.issues, accepted_keys)
        verify_batch(engine, dataset.table, result.batch_id, batch["received"])
        if drafting is not None:
            try:
                drafting.result()
            except Exception as exc:  # the notice is then written when it is sent
                # The error's class only: a workbook's error can quote the cell (a record's value).
                log.warning("%s: 退回通知草稿未写成（%s），发送时重写", result.batch_id, type(exc).__name__)
                shutil.rmtree(work_dir / NOTICE_DRAFT, ignore_errors=True)
    log.info("%s: %s (%d accepted, %d refused)", result.batch_id, result.status, result.accepted, result.rejected)
    return {**checked, "load": result.status}


def _already_loaded(engine, batch: dict) -> bool:
    """Whether the batch's records are in the warehouse already (a duplicate delivery)."""
    from creditpipe.warehouse import find_batch

    with engine.connect() as conn:
        return find_batch(conn, batch["dataset_id"], batch["content_sha256"]) is not None


def _read_ahead(read, items):
    """``read`` of each item in order, the next one read in a thread while the caller
    works on this one (PostgreSQL takes a part's COPY while the next part is read)."""
    items = list(items)
    if not items:
        return
    with ThreadPoolExecutor(1, thread_name_prefix="read_ahead") as pool:
        pending = pool.submit(read, items[0])
        for following in [*items[1:], None]:
            current = pending.result()
            pending = pool.submit(read, following) if following is not None else None
            yield current


def verify_batch(engine, table: str, batch_id: str, received: int | None = None) -> None:
    """The run fails unless the warehouse's rows for the batch add up: the records the
    delivery brought (``received``) = accepted rows stored + refused rows stored, each equal
    to the batch's counts. The load checks the same before it commits; this checks what
    committed (and a duplicate delivery against the batch it matched)."""
    from creditpipe.warehouse import reconcile_batch

    with engine.connect() as conn:
        reconcile_batch(conn, table, batch_id, received)


def _log_unreadable(checked: dict, home=None) -> None:
    """A quarantined file goes into the collection log too: nothing delivered is unlogged."""
    from creditpipe.warehouse import log_unreadable

    stored = Path(checked["quarantined"])
    dataset = load_catalog().dataset(checked["dataset_id"])
    log_unreadable(warehouse_engine(home), dataset, {
        "department_id": checked["department_id"],
        "file_name": checked.get("file") or stored.name,
        "file_sha256": checked.get("file_sha256") or file_sha256(stored),
        "reason": checked.get("error") or "无法读取",
        "delivered_at": checked["delivered_at"],
        "recorded_at": dt.datetime.now(TZ).isoformat(timespec="seconds"),
    })


def write_notice(checked: dict, home=None) -> dict:
    """Put the rejection notice in the department's outbox (only its own records)."""
    catalog = load_catalog()
    if checked.get("status") == "unreadable":
        return {**checked, **_refuse_file(checked, home)}
    if checked.get("load") != "loaded":
        # A duplicate delivery's notice went out already.
        return {**checked, "notice": None}
    work_dir = Path(checked["work_dir"])
    batch, verdict = _read_verdict(work_dir, with_records=False)  # the mail needs the counts only
    dataset = catalog.dataset(batch["dataset_id"])
    department = catalog.departments[batch["department_id"]]
    delivered_at = dt.datetime.fromisoformat(batch["delivered_at"])
    folder = _outbox_folder(department.id, delivered_at, batch["file_name"], batch["file_sha256"], home)
    drafted = _published_draft(work_dir, batch, folder)
    if drafted is None:  # no draft of this verdict (the load's failed, or an older check's)
        batch, verdict = _read_verdict(work_dir)
        drafted = _write_notice_files(batch, verdict, folder)
    csv_path, json_path, xlsx_path = drafted
    mailed = mail_notice(dataset, department, batch, verdict, [xlsx_path, csv_path])
    return {**checked, "notice": str(xlsx_path), "rejections_csv": str(csv_path),
            "rejections_json": str(json_path), "mailed": mailed}


# The notice's files as load_checked drafts them in the work folder, and the verdict
# they were drafted from (the check's processed_at): a re-check makes an older draft stale.
NOTICE_DRAFT = "notice_draft"
_DRAFTED_FOR = "drafted_for.json"


def _write_notice_files(batch: dict, verdict: Verdict, folder: Path) -> tuple[Path, Path, Path]:
    """rejections.csv, rejections.json and the notice workbook of a batch, into ``folder``."""
    catalog = load_catalog()
    dataset = catalog.dataset(batch["dataset_id"])
    department = catalog.departments[batch["department_id"]]
    shown = shown_name(batch["file_name"], 120)
    csv_path = write_rejections_csv(verdict, folder)
    json_path = write_rejections_json(verdict, dataset, department, shown, folder)
    xlsx_path = write_rejection_notice(verdict, dataset, department, shown,
                                       dt.datetime.fromisoformat(batch["delivered_at"]), folder,
                                       extra_columns=batch.get("extra_columns") or [])
    return csv_path, json_path, xlsx_path


def _draft_notice(work_dir: Path, batch: dict, verdict: Verdict) -> Path:
    """The notice's files written whole into a folder of their own, then named the
    draft: a draft is complete or absent."""
    building = work_dir / f".{NOTICE_DRAFT}_{uuid.uuid4().hex[:12]}"
    building.mkdir()
    try:
        names = [p.name for p in _write_notice_files(batch, verdict, building)]
        (building / _DRAFTED_FOR).write_text(json.dumps({"processed_at": batch["processed_at"], "files": names}),
                                             encoding="utf-8")
        shutil.rmtree(work_dir / NOTICE_DRAFT, ignore_errors=True)
        building.rename(work_dir / NOTICE_DRAFT)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return work_dir / NOTICE_DRAFT


def _published_draft(work_dir: Path, batch: dict, folder: Path) -> tuple[Path, Path, Path] | None:
    """The draft's files moved into the outbox ``folder``, if there is a draft of this
    very verdict; None otherwise (the caller writes them)."""
    draft = work_dir / NOTICE_DRAFT
    try:
        drafted = json.loads((draft / _DRAFTED_FOR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = drafted.get("files") or []
    if (drafted.get("processed_at") != batch["processed_at"] or len(files) != 3
            or not all((draft / name).is_file() for name in files)):
        shutil.rmtree(draft, ignore_errors=True)  # another check's: never sent
        return None
    folder.mkdir(parents=True, exist_ok=True)
    moved = tuple(Path(shutil.move(str(draft / name), str(folder / name))) for name in drafted["files"])
    shutil.rmtree(draft, ignore_errors=True)
    return moved


def _outbox_folder(department_id: str, delivered_at: dt.datetime, file_name: str, sha256: str, home=None) -> Path:
    """outbox/<department>/<month>/<day>_<cleaned stem, at most 40 characters>_<8 hex of the
    file's hash>: the delivered name lends a stem and cannot steer the path."""
    return (settings.paths(home).outbox / department_id / delivered_at.strftime("%Y-%m")
            / f"{delivered_at:%Y%m%d}_{safe_name(Path(file_name).stem)[:40]}_{sha256[:8]}")


def _refuse_file(refused: dict, home=None) -> dict:
    """The notice for a file that could not be read: in the department's outbox, and by
    e-mail to the department (the quarantine keeps the file and the reason)."""
    from creditpipe.mailer import send_mail, smtp_connection
    from creditpipe.notice import write_unreadable_notice

    catalog = load_catalog()
    dataset = catalog.dataset(refused["dataset_id"])
    department = catalog.departments[refused["department_id"]]
    delivered_at = _local(dt.datetime.fromisoformat(refused["delivered_at"]))
    folder = _outbox_folder(department.id, delivered_at, refused["file"], refused.get("file_sha256") or "", home)
    xlsx_path, json_path = write_unreadable_notice(
        dataset, department, refused["file"], delivered_at, refused["error"], folder)
    conn = smtp_connection()
    mailed = False
    if conn is None or not department.email:
        log.warning("未配置 SMTP 连接或部门邮箱：%s 的文件退回通知仅写入退回箱", department.id)
    else:
        shown = shown_name(refused["file"])
        body = (
            f"{department.name}：\n\n"
            f"贵单位于 {delivered_at:%Y-%m-%d %H:%M} 报送的 {dataset.title}（{shown}）无法读取，整份文件已退回，"
            "其中的记录均未入库，也不计入收到记录数。\n\n"
            f"原因：{refused['error']}\n\n"
            "请按原因修正后，将整份文件重新报送到原落地目录；系统按内容识别，重新报送不会重复入库。"
            "附件《rejection_notice.xlsx》为本通知。\n\n"
            "本邮件由信用信息归集系统自动发送。"
        )
        send_mail([department.email], f"【数据退回通知】{dataset.title} {shown}：文件无法读取，整份退回",
                  body, [xlsx_path], conn)
        mailed = True
    return {"notice": str(xlsx_path), "rejections_json": str(json_path), "mailed": mailed}


def mail_notice(dataset, department, batch: dict, verdict: Verdict, attachments: list[Path]) -> bool:
    """E-mail the notice to the department that delivered the batch, and only to it. Without
    an SMTP connection the notice stays in the outbox (and the log says so)."""
    from creditpipe.mailer import send_mail, smtp_connection

    conn = smtp_connection()
    if conn is None or not department.email:
        log.warning("未配置 SMTP 连接或部门邮箱：%s 的退回通知仅写入退回箱", department.id)
        return False
    extra = batch.get("extra_columns") or []
    if verdict.rejected == 0 and verdict.warnings == 0 and not extra:
        return False  # nothing to send back
    from creditpipe.notice import extra_columns_text

    summary = verdict.summary()
    shown = shown_name(batch["file_name"])
    subject = f"【数据退回通知】{dataset.title} {shown}：退回 {summary['rejected']} 条"
    body = (
        f"{department.name}：\n\n"
        f"贵单位于 {batch['delivered_at'][:16].replace('T', ' ')} 报送的 {dataset.title}（{shown}）"
        f"共 {summary['received']} 条，入库 {summary['accepted']} 条，退回 {summary['rejected']} 条，"
        f"提示 {summary['warnings']} 处，本批数据不合格率 {summary['nonconformity_rate_pct']:.2f}%。\n\n"
        + (extra_columns_text(extra) + "\n\n" if extra else "")
        + "附件《rejection_notice.xlsx》列出每条退回记录、问题字段、规则、原因和修改建议。"
        "请修改后按原格式重新报送；更正后的记录（业务编号相同）报送入库后，该条退回即视为已处理。\n\n"
        "本邮件由信用信息归集系统自动发送。"
    )
    send_mail([department.email], subject, body, attachments, conn)
    return True


def month_figures(month: str, home=None) -> dict:
    """Compute, store and write the month's 信息规范性 figures."""
    from creditpipe.monitoring import compute_conformity, write_figures

    catalog = load_catalog()
    engine = warehouse_engine(home)
    figures = compute_conformity(engine, catalog, month)
    out = write_figures(figures, catalog, settings.paths(home).reports / month)
    return {"month": month, "departments": len(figures), **out}


def raise_warnings(moment: dt.datetime, home=None) -> dict:
    """After a load (or the working-morning check): evaluate the early-warning rules on the
    current month as of now (what fell due so far), and alert the credit office at once to
    what is new. A month that has ended is judged once, by the monthly DAG."""
    from creditpipe.early_warning import alert
    from creditpipe.report import evaluate_warnings

    catalog = load_catalog()
    engine = warehouse_engine(home)
    now = _local(moment)
    month = now.strftime("%Y-%m")
    new = evaluate_warnings(engine, catalog, month, now.date(), now, cutoff=now.isoformat(timespec="seconds"))
    sent = alert(engine, catalog, new, now)
    # XCom keys travel in URLs: ASCII names for the levels 红, 橙, 黄.
    levels = {name: sum(w.level == lv for w in new) for name, lv in (("red", "红"), ("orange", "橙"), ("yellow", "黄"))}
    log.info("early warnings as of %s: %d new (%s), mailed: %s", now.isoformat(timespec="minutes"), len(new), levels, sent["mailed"])
    return {"as_of": now.isoformat(timespec="seconds"), "new": len(new), **{f"new_{k}": v for k, v in levels.items()}, **sent}


def publish_report(month: str, moment: dt.datetime | None = None, home=None, send: bool = True) -> dict:
    """The month's report in its three forms, the index, warnings alerted, and the mail to
    the credit office."""
    from creditpipe.early_warning import alert
    from creditpipe.report import evaluate_warnings, judged_as_of, publish_month

    catalog = load_catalog()
    engine = warehouse_engine(home)
    now = _local(moment) if moment else dt.datetime.now(TZ)
    as_of, cutoff = judged_as_of(month, now)
    new = evaluate_warnings(engine, catalog, month, as_of, now, cutoff=cutoff)
    alerted = alert(engine, catalog, new, now) if send else {"alerted": 0, "mailed": False}
    out = publish_month(engine, catalog, month, settings.paths(home).reports, send=send, now=now)
    return {**out, "new_warnings": len(new), "warnings_mailed": alerted["mailed"]}
