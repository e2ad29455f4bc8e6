"""Bulk loading: on PostgreSQL a batch's rows go in with COPY inside the load's own
transaction, on SQLite with executemany; either way every value comes back exactly as it
went in, and a load that fails half way leaves nothing of the batch behind."""

import datetime as dt
import json
import random
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

import creditpipe.warehouse.writers as wh
from creditpipe.core.records import ISSUE_COLUMNS, PUBLISHED, ROW_ID
from creditpipe.devtools.simulators import module_for
from creditpipe.warehouse.load import load_batch, read_watermark
from creditpipe.warehouse.rows import business_key
from creditpipe.warehouse.schema import apply_schema, connect, table_count, totals

HUGE = "长" * 199_992 + "\t\n\\N=end"  # 200,000 characters
AWKWARD = [
    "tab\there",
    "\t",
    "line\nbreak",
    "crlf\r\nline",
    "cr\ronly",
    "\n",
    "back\\slash",
    "\\",
    "\\\\",
    "\\N",
    "\\n",
    "\\t",
    "\\.",
    "\n\\.\n",
    "end\\",
    "'single'",
    '"double"',
    'both \'" \\"',
    "",
    " ",
    "  padded  ",
    "中文：江阴市市场监督管理局（测试）",
    "〔2026〕１２号",
    "=SUM(A1:A2)",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@x",
    "emoji 🧾𠀀",
    "\u00a0nbsp\u3000",
    "zero\u200bwidth",
    "comma,semi;pipe|",
    "NULL",
    "null",
    "None",
    "nan",
    "NaN",
    '{"json": [1, "\\u0000"]}',
    "a\x01b\x7fc",
]
MISSING = object()  # a cell left None in the frame (or NaN), to come back NULL


def _frame(dataset, n, *, first_row=1, accepted=True, seed=0):
    """n realistic records with awkward values in every field, in the shape load_batch gets."""
    rng = random.Random(seed)
    factory = module_for(dataset.id).Factory(rng, dataset.department, 0)
    records = [factory.record(dt.date(2026, 7, 1) + dt.timedelta(days=i % 20)) for i in range(n)]
    for i, rec in enumerate(records):
        for j, f in enumerate(dataset.fields):
            k = (i * 7 + j) % (len(AWKWARD) + 3)
            if k < len(AWKWARD):
                rec[f.name] = AWKWARD[k]
            elif not (accepted and f.required):  # a refused record may lack anything
                rec[f.name] = (None, float("nan"), None)[k - len(AWKWARD)]
    frame = pd.DataFrame(records, dtype=object)
    frame.insert(0, ROW_ID, range(first_row, first_row + n))
    frame[PUBLISHED] = [("2026-07-30", None, "2026-07-29T10:00:00+08:00", float("nan"))[i % 4] for i in range(n)]
    return frame


def _batch(dataset, received, rejected, **extra):
    stamp = "2026-07-31T16:00:00+08:00"
    return {
        "batch_id": f"{dataset.id}:{uuid.uuid4().hex[:12]}",
        "dataset_id": dataset.id,
        "department_id": dataset.department,
        "file_name": "报送\t文件\n.csv",
        "file_sha256": uuid.uuid4().hex,
        "content_sha256": uuid.uuid4().hex,
        "file_format": "csv",
        "encoding": "utf-8",
        "delivered_at": stamp,
        "delivered_month": "2026-07",
        "processed_at": stamp,
        "received": received,
        "accepted": received - rejected,
        "rejected": rejected,
        "error_count": rejected,
        "warning_count": 0,
        **extra,
    }


def _issues(refused_rows, warned_rows, dtype=None):
    """Issues as quality.py has them; with the default dtype pandas makes a missing fix NaN."""
    rows = [
        (r, "行政相对人名称", "required", "error", AWKWARD[r % len(AWKWARD)], AWKWARD[(r + 5) % len(AWKWARD)], "v")
        for r in refused_rows
    ]
    rows += [(r, "备注\t字段", "rule\\N", "warning", "提示：\n=第二行", None, None) for r in warned_rows]
    return pd.DataFrame(rows, columns=ISSUE_COLUMNS, dtype=dtype)


def _text(value):
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def _stored_records(engine, dataset, batch_id):
    columns = ", ".join(["source_row", *(f.column for f in dataset.fields)])
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text(f"SELECT {columns} FROM {dataset.table} WHERE batch_id = :b ORDER BY source_row"),
                {"b": batch_id},
            )
        ]


def _expected_records(dataset, frame):
    return [(int(rec[ROW_ID]), *(_text(rec.get(f.name)) for f in dataset.fields)) for rec in frame.to_dict("records")]


def _leftovers(engine, dataset, batch_id):
    """Every row anywhere that belongs to the batch."""
    found = {}
    with engine.connect() as conn:
        for table in (
            dataset.table,
            "delivery_batch",
            "delivered_file",
            "refused_record",
            "record_issue",
            "batch_delivery_day",
            "source_watermark",
        ):
            found[table] = conn.execute(
                sa.text(f"SELECT COUNT(*) FROM {table} WHERE batch_id = :b"), {"b": batch_id}
            ).scalar_one()
    return found


@pytest.fixture
def copies(monkeypatch):
    """The COPY statements the loads run (none on SQLite)."""
    seen = []
    real, real_arrow = wh.PostgresWriter.insert, wh.PostgresWriter.insert_arrow

    def spy(writer, table, columns, rows, insert_sql):
        seen.append("COPY " + table)
        return real(writer, table, columns, rows, insert_sql)

    def spy_arrow(writer, table, columns, arrays):
        seen.append("COPY " + table)
        return real_arrow(writer, table, columns, arrays)

    monkeypatch.setattr(wh.PostgresWriter, "insert", spy)
    monkeypatch.setattr(wh.PostgresWriter, "insert_arrow", spy_arrow)
    return seen


@pytest.mark.parametrize("arrow", [False, True], ids=["frame", "arrow"])  # the pipeline hands Arrow over
@pytest.mark.parametrize("dataset_id", ["market.admin_penalty", "court.dishonest_debtor"])
def test_awkward_values_come_back_exactly(warehouse, catalog, dataset_id, copies, arrow):
    ds = catalog.dataset(dataset_id)
    accepted = _frame(ds, 60, first_row=11)
    accepted.loc[accepted.index[3], ds.fields[-1].name] = HUGE
    accepted.loc[accepted.index[4], ds.fields[-1].name] = 42  # not text: goes in as "42", as ever
    refused = _frame(ds, 10, accepted=False, seed=1)
    refused.loc[refused.index[0], ds.fields[0].name] = HUGE
    for key in ds.business_key:
        refused.loc[refused.index[1], key] = "  键\t "  # keys are stripped
    refused = refused.drop(columns=ds.fields[-1].name)  # a field the delivery lacks: null
    issues = _issues(range(1, 11), range(11, 71))
    issues.loc[0, "message"] = HUGE
    batch = _batch(ds, 70, 10)

    if arrow:
        from creditpipe.core.records import frame_table as _frame_table

        result = load_batch(warehouse, ds, batch, _frame_table(accepted), refused, issues)
    else:
        result = load_batch(warehouse, ds, batch, accepted, refused, issues)
    assert (result.status, result.accepted, result.rejected) == ("loaded", 60, 10)
    if warehouse.dialect.name == "postgresql":
        assert copies == ["COPY " + ds.table, "COPY refused_record", "COPY record_issue", "COPY batch_delivery_day"]
    else:
        assert copies == []

    assert _stored_records(warehouse, ds, batch["batch_id"]) == _expected_records(ds, accepted)
    with warehouse.connect() as conn:
        stored_refused = conn.execute(
            sa.text(
                "SELECT source_row, record_json, business_key FROM refused_record WHERE batch_id = :b ORDER BY source_row"
            ),
            {"b": batch["batch_id"]},
        ).all()
        stored_issues = conn.execute(
            sa.text(
                "SELECT source_row, field, rule, severity, message, fix FROM record_issue WHERE batch_id = :b "
                "ORDER BY source_row"
            ),
            {"b": batch["batch_id"]},
        ).all()
        days = dict(
            conn.execute(
                sa.text("SELECT delivery_day, records FROM batch_delivery_day WHERE batch_id = :b"),
                {"b": batch["batch_id"]},
            ).all()
        )
    want_refused = [
        (int(rec[ROW_ID]), {f: _text(rec.get(f)) for f in ds.field_names}, business_key(ds, rec))
        for rec in refused.to_dict("records")
    ]
    assert [(r, json.loads(j), k) for r, j, k in stored_refused] == want_refused
    assert stored_refused[0][1] == json.dumps(want_refused[0][1], ensure_ascii=False)
    assert HUGE in json.loads(stored_refused[0][1]).values()
    assert stored_refused[1][2] == "|".join(["键"] * len(ds.business_key))
    assert [tuple(r) for r in stored_issues] == [
        (int(r[ROW_ID]), r["field"], r["rule"], r["severity"], r["message"], _text(r["fix"]) or "")
        for r in issues.to_dict("records")
    ]
    # 报送日期 as delivered, the delivery's own day when missing.
    assert days == {"2026-07-30": 18, "2026-07-29": 17, "2026-07-31": 35}


def test_fifty_thousand_records_add_up(pg_database, catalog, penalty, copies):
    from conftest import _reset

    engine = connect(pg_database)
    _reset(engine)
    apply_schema(engine, catalog)
    base = _frame(penalty, 1000)
    frame = pd.concat([base] * 50, ignore_index=True)
    frame[ROW_ID] = range(1, len(frame) + 1)
    frame[PUBLISHED] = "2026-07-30"
    refused_rows = range(1, 501)
    refused, accepted = frame.iloc[:500], frame.iloc[500:]
    issues = _issues(refused_rows, range(501, 3501))
    batch = _batch(penalty, len(frame), 500, watermark="2026-07-31T00:00:00+08:00")
    try:
        assert load_batch(engine, penalty, batch, accepted, refused, issues).status == "loaded"
        assert len(copies) == 4
        t = totals(engine)
        assert (t["batches"], t["received"], t["accepted"], t["rejected"]) == (1, 50_000, 49_500, 500)
        assert table_count(engine, penalty.table) == 49_500
        assert table_count(engine, "refused_record") == 500
        assert table_count(engine, "record_issue") == 3_500
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT delivery_day, records FROM batch_delivery_day")).all() == [
                ("2026-07-30", 50_000)
            ]
        assert _stored_records(engine, penalty, batch["batch_id"]) == _expected_records(penalty, accepted)
        assert read_watermark(engine, penalty.id, penalty.department) == batch["watermark"]
    finally:
        engine.dispose()


@pytest.mark.parametrize("step", ["_insert_refused", "_advance_watermark"])
def test_a_failure_after_the_copy_leaves_nothing(warehouse, penalty, monkeypatch, step):
    accepted, refused = _frame(penalty, 300, first_row=21), _frame(penalty, 20, accepted=False)
    issues = _issues(range(1, 21), range(21, 121), dtype=object)  # a missing fix is None
    batch = _batch(penalty, 320, 20, watermark="2026-07-31T00:00:00+08:00")
    import creditpipe.warehouse.load as loading

    real = getattr(loading, step)
    seen = {}

    def dies(conn, *args, **kwargs):
        conn = getattr(conn, "conn", conn)  # a row writer holds the load's connection
        # The rows copied so far are there, in the load's own transaction...
        for table in (penalty.table, "refused_record", "record_issue", "batch_delivery_day"):
            seen[table] = conn.execute(
                sa.text(f"SELECT COUNT(*) FROM {table} WHERE batch_id = :b"), {"b": batch["batch_id"]}
            ).scalar_one()
        raise RuntimeError("数据库连接中断（模拟）")

    monkeypatch.setattr(loading, step, dies)
    with pytest.raises(RuntimeError, match="模拟"):
        load_batch(warehouse, penalty, batch, accepted, refused, issues)
    assert seen[penalty.table] == 300
    if step == "_advance_watermark":
        assert (seen["refused_record"], seen["record_issue"], seen["batch_delivery_day"]) == (20, 120, 3)
    # ...and gone with it.
    assert set(_leftovers(warehouse, penalty, batch["batch_id"]).values()) == {0}
    assert totals(warehouse)["batches"] == 0
    assert read_watermark(warehouse, penalty.id, penalty.department) is None

    monkeypatch.setattr(loading, step, real)
    assert load_batch(warehouse, penalty, batch, accepted, refused, issues).status == "loaded"
    assert _leftovers(warehouse, penalty, batch["batch_id"]) == {
        penalty.table: 300,
        "delivery_batch": 1,
        "delivered_file": 1,
        "refused_record": 20,
        "record_issue": 120,
        "batch_delivery_day": 3,
        "source_watermark": 1,
    }


def test_a_row_the_database_refuses_mid_copy_leaves_nothing(warehouse, penalty):
    accepted, refused = _frame(penalty, 200, first_row=1), _frame(penalty, 0)
    accepted.loc[accepted.index[150], "行政相对人名称"] = None  # NOT NULL
    batch = _batch(penalty, 200, 0)
    with pytest.raises(sa.exc.IntegrityError):
        load_batch(warehouse, penalty, batch, accepted, refused, _issues([], range(1, 11)))
    assert set(_leftovers(warehouse, penalty, batch["batch_id"]).values()) == {0}
    # The connection went back to the pool clean: the corrected delivery loads.
    accepted.loc[accepted.index[150], "行政相对人名称"] = "江阴市某某商行"
    assert load_batch(warehouse, penalty, batch, accepted, refused, _issues([], range(1, 11))).status == "loaded"
    assert table_count(warehouse, penalty.table) == 200


def test_a_copy_in_many_slices_stores_every_row_once_in_order(warehouse, catalog, monkeypatch):
    """The binary COPY is sent a slice at a time, the next encoded while PostgreSQL takes
    this one: with slices of 7 rows (and a last short one), every row arrives once, as it was."""
    if warehouse.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    from creditpipe.core.records import frame_table as _frame_table

    real = wh.PostgresWriter.insert_arrow
    slices = []

    def counted(writer, table, columns, arrays):
        slices.append(len(arrays[0]))
        return real(writer, table, columns, arrays)

    monkeypatch.setattr(wh.PostgresWriter, "insert_arrow", counted)
    monkeypatch.setattr(wh.PostgresWriter, "rows_per_write", 7)
    ds = catalog.dataset("market.admin_penalty")
    accepted = _frame(ds, 60, first_row=11, seed=3)
    batch = _batch(ds, 60, 0)
    result = load_batch(warehouse, ds, batch, _frame_table(accepted), accepted.iloc[:0], _issues([], []))
    assert (result.status, result.accepted, slices) == ("loaded", 60, [60])
    assert _stored_records(warehouse, ds, batch["batch_id"]) == _expected_records(ds, accepted)
