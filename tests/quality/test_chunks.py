"""A delivery read and judged in chunks gives exactly the single-pass result: the same
records (source rows included), the same issues, the same refused rows — including
duplicates whose two copies lie in different chunks."""

import datetime as dt
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from creditpipe.core.catalog import load_catalog
from creditpipe.core.clock import county_tz
from creditpipe.core.parts import read_part
from creditpipe.devtools.simulators import error_plan, make_delivery, spread_days, write_table
from creditpipe.ingest import split as splitting
from creditpipe.ingest.files import DeliveryError
from creditpipe.ingest.readers import iter_chunks, read_delivery
from creditpipe.orchestration import steps
from creditpipe.quality.chunks import read_verdict
from creditpipe.quality.judge import check_records

DELIVERED = dt.date(2026, 10, 28)
# An objection register is judged against the warehouse too (tests/warehouse/test_objections.py).
SOURCES = [
    (ds.id, src.department)
    for ds in load_catalog().datasets.values()
    if not any(name == "held_record" for name, _, _ in ds.rules)
    for src in ds.sources
]


def delivery_file(tmp_path, dataset_id, department, encoding="utf-8"):
    rng = random.Random(f"chunks:{dataset_id}:{department}")
    kinds = error_plan(dataset_id, rng, 1, extra=4)[0]
    days = spread_days(rng, 90, dt.date(2026, 10, 15), dt.date(2026, 10, 27))
    records, _ = make_delivery(dataset_id, department, rng, days, DELIVERED, kinds)
    key = load_catalog().dataset(dataset_id).business_key
    # The first record again near the end: a duplicate across chunks.
    records.insert(80, dict(records[0]))
    records.insert(40, {k: "" for k in records[0]})  # a wholly empty line keeps its number
    path = tmp_path / f"{dataset_id}.csv"
    write_table(records, path, "csv", encoding)
    return path, key


def nulls_as_none(frame):
    frame = frame.reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


def chunked(path, dataset, department, rows, home, monkeypatch):
    """The file judged as every delivery is (split, chunks checked, merged), ``rows``
    records a chunk: its records as split, its issues, the records received."""
    monkeypatch.setattr(splitting, "CHUNK_ROWS", rows)
    when = dt.datetime.combine(DELIVERED, dt.time(16), county_tz())
    checked = steps.check_file(dataset.id, path, home / str(rows), delivered_at=when, department_id=department)
    batch, verdict = read_verdict(checked.work_dir, with_records=False)
    records = pd.concat([read_part(p).to_pandas() for p in batch["parts"]], ignore_index=True)
    return records, verdict.issues, checked.received


@pytest.mark.parametrize("dataset_id,department", SOURCES)
def test_chunks_give_the_single_pass_result(tmp_path, monkeypatch, dataset_id, department):
    dataset = load_catalog().dataset(dataset_id)
    path, key = delivery_file(tmp_path, dataset_id, department, "gb18030")
    whole = check_records(read_delivery(path, dataset).records, dataset.suite, DELIVERED)
    for rows in (7, 33, 1000):
        records, issues, received = chunked(path, dataset, department, rows, tmp_path / "home", monkeypatch)
        pd.testing.assert_frame_equal(nulls_as_none(records), nulls_as_none(whole.records), check_dtype=False)
        pd.testing.assert_frame_equal(nulls_as_none(issues), nulls_as_none(whole.issues), check_dtype=False)
        assert received == whole.received
    duplicated = whole.issues[whole.issues["rule"] == "duplicate_in_delivery"]
    assert {1, 82} <= set(duplicated["source_row"])  # rows 1 and 82 lie in different chunks


def test_progress_reaches_the_end_and_an_empty_file_is_refused(tmp_path):
    dataset = load_catalog().dataset("market.admin_penalty")
    path, _ = delivery_file(tmp_path, dataset.id, "market")
    shares = [share for _, share in iter_chunks(path, dataset, rows=25)]
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) == 4
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DeliveryError, match="空文件"):
        list(iter_chunks(empty, dataset))


@pytest.mark.parametrize("keys_per_bucket", [500_000, 7], ids=["one bucket", "13 buckets"])
@pytest.mark.parametrize(
    "dataset_id,department", [("market.admin_penalty", "market"), ("court.dishonest_debtor", "court")]
)
def test_the_dags_chunks_merge_to_the_single_pass_verdict(
    tmp_path, monkeypatch, dataset_id, department, keys_per_bucket
):
    """What the ingest DAG's mapped tasks do (split → check per chunk → merge), with
    chunks judged in any order, equals one pass over the file — also when the keys are
    judged a hash bucket at a time (a duplicate's two copies lie in different chunks)."""
    from creditpipe.core import parts
    from creditpipe.core.handoffs import DeliveryRef

    monkeypatch.setattr(parts, "KEYS_PER_BUCKET", keys_per_bucket)

    dataset = load_catalog().dataset(dataset_id)
    path, _ = delivery_file(tmp_path, dataset_id, department)
    whole = check_records(read_delivery(path, dataset).records, dataset.suite, DELIVERED)

    monkeypatch.setattr(splitting, "CHUNK_ROWS", 9)
    home = tmp_path / "home"
    when = dt.datetime(2026, 10, 28, 16, tzinfo=county_tz())
    split = steps.split(DeliveryRef(dataset_id, department, str(path), when.isoformat()).to_xcom(), home)
    assert len(split.chunks) == 11  # 91 rows with records, 9 a chunk
    judged = [steps.check(c.to_xcom()).to_xcom() for c in reversed(split.chunks)]  # workers finish in any order
    other = {**judged[0], "manifest": "another delivery's"}
    checked = steps.merge(split.to_xcom(), judged + [other], home)
    issues = pd.read_parquet(f"{checked.work_dir}/issues.parquet")
    pd.testing.assert_frame_equal(nulls_as_none(issues), nulls_as_none(whole.issues), check_dtype=False)
    assert (checked.received, checked.rejected) == (whole.received, whole.rejected)
    batch = json.loads(Path(checked.work_dir, "batch.json").read_text(encoding="utf-8"))
    records = pd.concat([read_part(p).to_pandas() for p in batch["parts"]], ignore_index=True)
    pd.testing.assert_frame_equal(nulls_as_none(records), nulls_as_none(whole.records), check_dtype=False)


def test_a_missing_chunk_result_fails_the_merge(tmp_path, monkeypatch):
    from creditpipe.core.handoffs import DeliveryRef

    path, _ = delivery_file(tmp_path, "market.admin_penalty", "market")
    monkeypatch.setattr(splitting, "CHUNK_ROWS", 30)
    split = steps.split(DeliveryRef("market.admin_penalty", "market", str(path)), tmp_path / "home")
    judged = [steps.check(c) for c in split.chunks[:-1]]
    with pytest.raises(RuntimeError, match="应有 4 个分块的校验结果，收到 3 个"):
        steps.merge(split, judged, tmp_path / "home")


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_check_file_on_threads_gives_the_single_pass_verdict(tmp_path, monkeypatch, threads):
    """check_file judges its chunks on threads (CREDITPIPE_CHECK_THREADS): the verdict is
    the one pass's, whatever the number, and no split folder of a run is left behind."""
    dataset = load_catalog().dataset("market.admin_penalty")
    path, _ = delivery_file(tmp_path, dataset.id, "market")
    whole = check_records(read_delivery(path, dataset).records, dataset.suite, DELIVERED)
    monkeypatch.setattr(splitting, "CHUNK_ROWS", 9)
    monkeypatch.setattr(steps, "CHECK_THREADS", threads)
    home = tmp_path / "home"
    when = dt.datetime(2026, 10, 28, 16, tzinfo=county_tz())
    checked = steps.check_file(dataset.id, str(path), home, delivered_at=when, department_id="market")
    issues = pd.read_parquet(f"{checked.work_dir}/issues.parquet")
    pd.testing.assert_frame_equal(nulls_as_none(issues), nulls_as_none(whole.issues), check_dtype=False)
    assert (checked.received, checked.rejected) == (whole.received, whole.rejected)
    split = [p.name for p in (home / "work" / "split").iterdir()] if (home / "work" / "split").exists() else None
    assert split is None or not [name for name in split if name.startswith(".")]


def test_read_ahead_yields_every_item_in_order_and_says_what_failed():
    from creditpipe.warehouse.load import read_ahead as _read_ahead

    assert list(_read_ahead(lambda x: x * 2, range(7))) == [0, 2, 4, 6, 8, 10, 12]
    assert list(_read_ahead(lambda x: x, [])) == []

    def read(x):
        if x == 3:
            raise ValueError("第 3 个分块无法读取")
        return x

    got = []
    with pytest.raises(ValueError, match="第 3 个分块"):
        for x in _read_ahead(read, range(6)):
            got.append(x)
    assert got == [0, 1, 2]


def test_a_keys_bucket_depends_on_its_values_only():
    """Equal keys share a bucket whatever chunk, slice or layout they come in (the merge
    judges each bucket alone); missing keys share one too; distinct keys spread."""
    import numpy as np
    import pyarrow as pa

    from creditpipe.quality.chunks import text_hash

    values = [f"市监罚〔2026〕{n:08d}号" for n in range(5000)] + ["", None, "a", "ab", "ba", None, ""]
    whole = text_hash(pa.array(values, pa.string()))
    sliced = text_hash(pa.chunked_array([pa.array(values[:1234]), pa.array(values[1234:])]))
    offset = text_hash(pa.array(["x", *values], pa.string()).slice(1))
    assert (whole == sliced).all() and (whole == offset).all()
    assert whole[-7] == whole[-1] and whole[-6] == whole[-2] and whole[-7] != whole[-6]  # "" twice, None twice
    assert len({whole[-5], whole[-4], whole[-3]}) == 3  # "a", "ab", "ba"
    counts = np.bincount((whole[:5000] % np.uint64(8)).astype(np.int64), minlength=8)
    assert counts.min() > 500  # 625 each if even
