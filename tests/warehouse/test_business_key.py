"""Issue 16, item 8: a business key delivered again (a cumulative re-export, an API whose
lower bound is inclusive) is one current record in the warehouse — the later delivery's —
and the earlier stays as history, named superseded by it. On SQLite and PostgreSQL."""

import datetime as dt
import os

import bad_inputs as bad
import pytest
import sqlalchemy as sa

from creditpipe.core.clock import county_tz
from creditpipe.orchestration import steps

pytestmark = pytest.mark.faults
PENALTY = "market.admin_penalty"
KEY = "行政处罚决定书文号"
TZ = county_tz()


def _drop(home, name, recs, day):
    folder = home / "landing" / "market" / "admin_penalty"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(bad.csv_text(recs), encoding="utf-8")
    stamp = dt.datetime(2026, 10, day, 10, tzinfo=TZ).timestamp()
    os.utime(path, (stamp, stamp))


def _run(home):
    return steps.ingest_source(PENALTY, "market", dt.datetime(2026, 10, 31, 23, 59, tzinfo=TZ), home)


@pytest.mark.parametrize("order", ["in_order", "backfilled"])
def test_8_a_key_delivered_again_is_one_current_record_and_history(warehouse_home, warehouse, catalog, order):
    home = warehouse_home
    first = bad.records(3, seed=11)
    fresh = dict(first[0], **{KEY: "澄市监处罚〔2026〕0104号"})
    second = [dict(first[1], 违法事实="更正后的违法事实"), dict(first[2], 违法事实="再次更正"), fresh]
    assert len({r[KEY] for r in first + second}) == 4
    if order == "in_order":
        _drop(home, "a_先.csv", first, 12)
        _drop(home, "b_后.csv", second, 13)
        _run(home)
    else:  # the later delivery loaded first, the earlier one backfilled after it
        _drop(home, "b_后.csv", second, 13)
        _run(home)
        _drop(home, "a_先.csv", first, 12)
        _run(home)

    dataset = catalog.dataset(PENALTY)
    column = {f.name: f.column for f in dataset.fields}
    with warehouse.connect() as conn:
        batch_of = dict(conn.execute(sa.text("SELECT file_name, batch_id FROM delivery_batch")).all())
        rows = conn.execute(
            sa.text(f"SELECT batch_id, {column[KEY]}, {column['违法事实']}, superseded_by FROM {dataset.table}")
        ).all()
    a, b = batch_of["a_先.csv"], batch_of["b_后.csv"]
    assert len(rows) == 6  # history kept: every delivered record is still there
    current = {key: (batch, fact) for batch, key, fact, by in rows if by is None}
    assert current == {
        first[0][KEY]: (a, first[0]["违法事实"]),
        first[1][KEY]: (b, "更正后的违法事实"),
        first[2][KEY]: (b, "再次更正"),
        second[2][KEY]: (b, second[2]["违法事实"]),
    }
    assert sorted((key, by) for batch, key, _, by in rows if by is not None) == sorted(
        [(first[1][KEY], b), (first[2][KEY], b)]
    )
