"""A split delivery judged chunk by chunk, and the chunks merged into one verdict equal to a
single pass over the whole: each chunk is judged by the per-record rules on its own (a
mapped task each in Airflow, threads in one process); the whole-delivery rules (uniqueness)
are judged at the merge over every chunk's keys, a hash bucket at a time."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from creditpipe.core import settings
from creditpipe.core.catalog import load_catalog
from creditpipe.core.clock import county_now
from creditpipe.core.handoffs import CheckedBatch, ChunkRef, JudgedChunk, SplitDelivery
from creditpipe.core.names import safe_name
from creditpipe.core.parts import PART_SUFFIX, key_buckets, read_part, write_part
from creditpipe.core.records import ISSUE_COLUMNS, ROW_ID, Verdict, batch_id_for, table_frame, text_frame
from creditpipe.quality.judge import finish_issues, judge_rows
from creditpipe.quality.rules.reference import HeldRecords, named_records
from creditpipe.quality.rules.reference import issue_rows as reference_rows
from creditpipe.quality.suites import expectation_columns, per_record_rules, rule_columns, whole_delivery_rules

log = logging.getLogger(__name__)


def key_bucket(records, expectation: dict, buckets: int) -> np.ndarray:
    """Each record's bucket for the rule (records: an Arrow table): a hash of the rule's
    columns' bytes, so equal keys (and equal missing keys) always share one, whichever
    chunk they are in. Hashed by numpy over Arrow's buffers: pandas' hash of the same
    keys as Python strings cost more than judging the chunk's rules."""
    n = records.num_rows
    if buckets == 1 or n == 0:
        return np.zeros(n, dtype=np.int64)
    hashed = np.zeros(n, dtype=np.uint64)
    for column in expectation_columns(expectation):
        hashed = hashed * np.uint64(0x100000001B3) ^ text_hash(records.column(column))
    return (hashed % np.uint64(buckets)).astype(np.int64)


_HASH_BASE = np.uint64(0x9E3779B97F4A7C15)


def text_hash(values) -> np.ndarray:
    """A 64-bit hash of each text value of an Arrow array (chunked or not): its UTF-8
    bytes as a polynomial (Σ byte × B^(position + 1), wrapping at 2^64, by one running sum over
    the column's bytes), with its length, then mixed (splitmix64's finaliser) so that a
    bucket is the hash modulo their count; a missing value hashes alike everywhere."""
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    n = len(values)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32, count=n + 1, offset=values.offset * 4).astype(np.int64)
    data = values.buffers()[2]
    raw = (
        np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
        if data is not None and offsets[-1] > offsets[0]
        else np.zeros(0, dtype=np.uint8)
    )
    lengths = np.diff(offsets)
    starts = offsets[:-1] - offsets[0]
    position = np.arange(len(raw), dtype=np.int64) - np.repeat(starts, lengths)  # within its value
    powers = np.cumprod(np.full(max(int(lengths.max(initial=0)), 1), _HASH_BASE, dtype=np.uint64))
    running = np.zeros(len(raw) + 1, dtype=np.uint64)
    np.cumsum(raw.astype(np.uint64) * powers[position], out=running[1:])
    h = (running[starts + lengths] - running[starts]) ^ (lengths.astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9))
    if values.null_count:
        h[values.is_null().to_numpy(zero_copy_only=False)] = np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def read_manifest(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_part(chunk: ChunkRef) -> JudgedChunk:
    """Judge one chunk by the per-record rules; keep its issues (before de-duplication) and
    the key columns the whole-delivery rules need, as files beside the part."""
    import pyarrow.compute as pc

    manifest = read_manifest(chunk.manifest)
    dataset = load_catalog().dataset(manifest["dataset_id"])
    day = dt.datetime.fromisoformat(manifest["delivered_at"]).date()
    # Arrow-backed text columns straight from the part: no Python object per cell.
    part = read_part(chunk.part)
    frame = text_frame(part)
    rows = judge_rows(frame, dataset.suite, day, per_record_rules(dataset.suite)) if len(frame) else []
    stem = Path(chunk.part).with_suffix("")
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
            write_part(
                keys if buckets == 1 else keys.filter(pc.equal(bucket, b)), keys_path / f"r{n}_b{b}{PART_SUFFIX}"
            )
    return JudgedChunk(chunk.manifest, chunk.index, issues_path, str(keys_path), len(frame))


def _raw_issues(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["_pair", *ISSUE_COLUMNS])
    # A pair rule's fields travel as JSON (Parquet holds no tuples).
    frame["_pair"] = [json.dumps(list(p), ensure_ascii=False) if p else None for p in frame["_pair"]]
    return frame


def held_record_rule(dataset) -> tuple[tuple[str, str, str], dict] | None:
    """The fields and spec of the dataset's ``held_record`` rule (an objection register), if any."""
    return next(((tuple(fields), spec) for name, fields, spec in dataset.rules if name == "held_record"), None)


def named_in(delivery: SplitDelivery) -> set[tuple[str, str]] | None:
    """The (dataset, business key) pairs a delivery's records name by its ``held_record``
    rule, what the orchestration looks up in the warehouse before the merge (None: the
    dataset has no such rule)."""
    manifest = read_manifest(delivery.manifest)
    rule = held_record_rule(load_catalog().dataset(manifest["dataset_id"]))
    if rule is None:
        return None
    return set().union(*(named_records(text_frame(read_part(p)), rule[0]) for p in manifest["parts"]))


def merge_parts(
    delivery: SplitDelivery, judged: list[JudgedChunk], home=None, held: HeldRecords | None = None
) -> CheckedBatch:
    """One delivery's chunks merged: the whole-delivery rules over every chunk's keys, each
    problem said once; the batch and its issues written to the work folder. ``judged`` may
    hold other deliveries' chunks (the DAG passes them all). ``held``: what the warehouse
    holds of the records a register names (its ``held_record`` rule needs it)."""
    import pyarrow as pa

    manifest = read_manifest(delivery.manifest)
    mine = sorted((j for j in judged if j.manifest == delivery.manifest), key=lambda j: j.index)
    if len(mine) != len(manifest["parts"]):
        raise RuntimeError(
            f"{manifest['file_name']}：应有 {len(manifest['parts'])} 个分块的校验结果，收到 {len(mine)} 个"
        )
    dataset = load_catalog().dataset(manifest["dataset_id"])
    day = dt.datetime.fromisoformat(manifest["delivered_at"]).date()
    raw = [pd.read_parquet(j.issues).astype(object) for j in mine]
    rows = [r for frame in raw for r in frame.where(frame.notna(), None).to_dict("records")]
    for r in rows:
        r["_pair"] = tuple(json.loads(r["_pair"])) if r.get("_pair") else None
    # Each whole-delivery rule over every chunk's keys, a bucket at a time (check_part),
    # as Arrow-backed text: ten million keys at once were gigabytes.
    for n, rule in enumerate(whole_delivery_rules(dataset.suite)):
        for b in range(manifest.get("key_buckets") or key_buckets(manifest["received"])):
            keys = text_frame(pa.concat_tables([read_part(Path(j.keys) / f"r{n}_b{b}{PART_SUFFIX}") for j in mine]))
            if len(keys):
                rows += judge_rows(keys, dataset.suite, day, [rule])
    reference = held_record_rule(dataset)
    if reference is not None:
        if held is None:
            raise RuntimeError(f"{dataset.id} 须对照数据仓库核对所指记录（held_record），合并时未提供仓库中的记录")
        for path in manifest["parts"]:
            part = text_frame(read_part(path))
            rows += reference_rows(part, reference, held, part[ROW_ID].to_numpy())
    issues = finish_issues(rows)
    # The records stay in the chunks' parts: the load streams them, part by part.
    verdict = Verdict(pd.DataFrame(columns=[ROW_ID]), issues, total=manifest["received"])
    batch_id = batch_id_for(dataset.id, manifest["content_sha256"])
    # Per file: two files with the same records (re-exported, renamed) in one run are merged
    # side by side; the load then keeps one batch and logs the other as a duplicate.
    work_dir = work_dir_of(batch_id, manifest["file_sha256"], home)
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
        "processed_at": county_now().isoformat(timespec="seconds"),
        "received": verdict.received,
        "accepted": verdict.accepted,
        "rejected": verdict.rejected,
        "error_count": verdict.errors,
        "warning_count": verdict.warnings,
        "watermark": manifest["watermark"],
        "pulled_until": manifest.get("pulled_until"),
        "parts": manifest["parts"],
        "extra_columns": manifest.get("extra_columns") or [],
    }
    judged_records = sum(j.records for j in mine)
    if judged_records != manifest["received"]:
        raise RuntimeError(f"{manifest['file_name']}：分块校验 {judged_records} 条，读入时 {manifest['received']} 条")
    (work_dir / "batch.json").write_text(json.dumps(batch, ensure_ascii=False, indent=2), encoding="utf-8")
    log.info(
        "%s %s: %d chunk(s), received %d, accepted %d, refused %d",
        dataset.id,
        manifest["file_name"],
        len(mine),
        verdict.received,
        verdict.accepted,
        verdict.rejected,
    )
    return CheckedBatch(batch_id, str(work_dir), verdict.received, verdict.accepted, verdict.rejected)


def work_dir_of(batch_id: str, file_sha256: str, home=None) -> Path:
    """Where a batch's verdict is kept until its notice is published."""
    return settings.paths(home).work / safe_name(f"{batch_id}_{file_sha256[:12]}")


def read_verdict(work_dir: str | Path, with_records: bool = True) -> tuple[dict, Verdict]:
    """A checked batch and its verdict: every issue, and the records that have one (read
    from the parts, so a large delivery is never whole in memory; not read without
    ``with_records``, when the counts are all that is needed)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    work_dir = Path(work_dir)
    batch = json.loads((work_dir / "batch.json").read_text(encoding="utf-8"))
    issues = pd.read_parquet(work_dir / "issues.parquet")
    if issues.empty:
        issues = pd.DataFrame(columns=ISSUE_COLUMNS)
    if not with_records:
        return batch, Verdict(pd.DataFrame(columns=[ROW_ID]), issues, total=batch["received"])
    # Filtered as Arrow: only the rows with an issue become Python objects.
    wanted = pa.array(sorted(set(issues[ROW_ID].astype(int))), pa.int64())
    kept = [
        table_frame(t.filter(pc.is_in(t.column(ROW_ID), value_set=wanted)))
        for t in (read_part(p) for p in batch["parts"])
    ]
    records = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=[ROW_ID])
    return batch, Verdict(records, issues, total=batch["received"])
