"""Deliveries loaded straight into a warehouse with its own load_batch (no Great
Expectations run): realistic records from the simulators, refusals and warnings as told."""

import datetime as dt
import random
import uuid

import pandas as pd

from creditpipe.core.records import ISSUE_COLUMNS, PUBLISHED, ROW_ID
from creditpipe.devtools.simulators import module_for
from creditpipe.warehouse.load import load_batch

TZ = dt.timezone(dt.timedelta(hours=8))


def seed_batch(engine, catalog, dataset_id, department, delivered, received, refused=0, late=0, edit=None):
    """One delivery of ``received`` realistic records, the first ``refused`` refused (a
    required field missing), the next ``late`` warned as published late."""
    rng = random.Random(f"{dataset_id}{department}{delivered}{received}")
    factory = module_for(dataset_id).Factory(rng, department, rng.randint(0, 10**6))
    records = [factory.record(delivered.date() - dt.timedelta(days=1)) for _ in range(received)]
    if edit:
        edit(records, rng)
    frame = pd.DataFrame(records).assign(**{ROW_ID: range(1, received + 1), PUBLISHED: delivered.date().isoformat()})
    ds = catalog.dataset(dataset_id)
    issues = [
        (r, ds.required_fields[0], "required", "error", "必填项为空", "请填写", "") for r in range(1, refused + 1)
    ]
    issues += [
        (r, ds.required_fields[0], "late_publication", "warning", "超过7个工作日", "按时报送", "")
        for r in range(refused + 1, refused + late + 1)
    ]
    batch = {
        "batch_id": f"{dataset_id}:{uuid.uuid4().hex[:12]}",
        "dataset_id": dataset_id,
        "department_id": department,
        "file_name": f"{department}_{delivered:%Y%m%d}.csv",
        "file_sha256": uuid.uuid4().hex,
        "content_sha256": uuid.uuid4().hex,
        "file_format": "csv",
        "encoding": "utf-8",
        "delivered_at": delivered.isoformat(),
        "delivered_month": delivered.strftime("%Y-%m"),
        "processed_at": delivered.isoformat(),
        "received": received,
        "accepted": received - refused,
        "rejected": refused,
        "error_count": refused,
        "warning_count": late,
    }
    load_batch(
        engine, ds, batch, frame.iloc[refused:], frame.iloc[:refused], pd.DataFrame(issues, columns=ISSUE_COLUMNS)
    )
    return batch


def at(y, m, d, h=16):
    return dt.datetime(y, m, d, h, 0, tzinfo=TZ)
