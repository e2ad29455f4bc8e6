"""Issue 17, item 2: a multi-term field is stored as delivered and, beside it, in its
canonical form (the standard's names, joined by ；), so a report counts by term whatever
label, width or separator the source wrote. On SQLite and PostgreSQL."""

import datetime as dt
import os

import bad_inputs as bad
import sqlalchemy as sa

from creditpipe.core.clock import county_tz
from creditpipe.orchestration import steps

PENALTY = "market.admin_penalty"
TZ = county_tz()
WRITTEN = {
    "罚款;没收违法所得": "罚款；没收违法所得",
    "警告、罚款": "警告；罚款",
    "罚款 ， 没收违法所得": "罚款；没收违法所得",
    "其它": "其他",
    "没收违法所得、没收非法财物": "没收违法所得、没收非法财物",  # the older merged term, kept whole
    "警告": "警告",
}


def test_terms_are_stored_as_delivered_and_in_canonical_form(warehouse_home, warehouse, catalog):
    recs = [dict(r, 处罚类别=written) for r, written in zip(bad.records(len(WRITTEN), seed=5), WRITTEN)]
    folder = warehouse_home / "landing" / "market" / "admin_penalty"
    folder.mkdir(parents=True)
    path = folder / "处罚.csv"
    path.write_text(bad.csv_text(recs), encoding="utf-8")
    stamp = dt.datetime(2026, 10, 12, 10, tzinfo=TZ).timestamp()
    os.utime(path, (stamp, stamp))
    steps.ingest_source(PENALTY, "market", dt.datetime(2026, 10, 31, 23, 59, tzinfo=TZ), warehouse_home)

    field = next(f for f in catalog.dataset(PENALTY).fields if f.name == "处罚类别")
    with warehouse.connect() as conn:
        sql = f"SELECT {field.column}, {field.terms_column} FROM {catalog.dataset(PENALTY).table}"
        stored = dict(conn.execute(sa.text(sql)).all())
    assert stored == WRITTEN
