"""Issue 18, item 5: the credit office's objection register delivered like any dataset. An
objection about a record the platform does not hold is refused (or naming another department,
or correcting a field the dataset lacks); an 更正 changes the held record, with lineage to
the objection and its earlier value kept; a 撤销 withdraws it; re-running changes nothing.
On SQLite and PostgreSQL."""

import csv
import datetime as dt
import io
import os

import bad_inputs as bad
import sqlalchemy as sa

from creditpipe.core.clock import county_tz
from creditpipe.orchestration import steps
from creditpipe.warehouse.objections import REGISTER_FIELDS

PENALTY = "market.admin_penalty"
REGISTER = "credit.objection"
TZ = county_tz()


def drop(folder, name, text, day):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    stamp = dt.datetime.combine(day, dt.time(10), TZ).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def register_text(rows: list[dict]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(REGISTER_FIELDS.values()) + ["异议事项"])
    writer.writeheader()
    writer.writerows({"异议事项": "当事人申请更正公示信息", **r} for r in rows)
    return out.getvalue()


def objection(no, key, outcome="", corrections="", department="市场监管", dataset=PENALTY, handled="2026-10-22"):
    return {
        "异议编号": no,
        "异议信息所属数据集": dataset,
        "异议信息业务主键": key,
        "责任部门": department,
        "转办日期": "2026-10-14",
        "办理期限": "2026-10-28",
        "办结日期": handled if outcome else "",
        "处理结果": outcome,
        "更正内容": corrections,
    }


def deliver_penalties(home, n=5):
    recs = bad.records(n, seed=23)
    drop(home / "landing" / "market" / "admin_penalty", "处罚.csv", bad.csv_text(recs), dt.date(2026, 10, 12))
    steps.ingest_source(PENALTY, "market", dt.datetime(2026, 10, 13, tzinfo=TZ), home)
    return recs


def test_register_is_checked_against_the_warehouse_and_outcomes_applied(warehouse_home, warehouse, catalog):
    recs = deliver_penalties(warehouse_home)
    keys = [r["行政处罚决定书文号"] for r in recs]
    rows = [
        objection("YY-2026-001", keys[0], "维持"),
        objection("YY-2026-002", keys[1], "更正", "处罚内容=警告；罚款金额（万元）=0.2"),
        objection("YY-2026-003", keys[2], "撤销"),
        objection("YY-2026-004", "江市监处罚〔2026〕99999号"),  # not held
        objection("YY-2026-005", keys[3], department="公安"),  # delivered by 市场监管
        objection("YY-2026-006", keys[4], "更正", "处罚机关名称=江阴市某局"),  # no such field
        objection("YY-2026-007", keys[4], "不予更正"),  # an alias of 维持
    ]
    drop(
        warehouse_home / "landing" / "credit_office" / "objection",
        "异议台账.csv",
        register_text(rows),
        dt.date(2026, 10, 23),
    )
    until = dt.datetime(2026, 10, 24, tzinfo=TZ)
    [got] = steps.ingest_source(REGISTER, "credit_office", until, warehouse_home)
    assert (got.loaded.received, got.loaded.accepted, got.loaded.rejected) == (7, 4, 3)
    assert got.notice and "credit_office" in got.notice  # the refusals go back to the credit office

    penalty = catalog.dataset(PENALTY)
    with warehouse.connect() as conn:
        refused = conn.execute(
            sa.text(
                "SELECT i.source_row, i.field, i.rule, i.message FROM record_issue i "
                "JOIN delivery_batch b ON b.batch_id = i.batch_id WHERE b.dataset_id = :d ORDER BY i.source_row"
            ),
            {"d": REGISTER},
        ).all()
        assert [(r[0], r[1], r[2]) for r in refused] == [
            (4, "异议信息业务主键", "disputed_record_not_held"),
            (5, "责任部门", "disputed_record_other_department"),
            (6, "更正内容", "correction_unknown_field"),
        ]
        assert "该记录由市场监管报送" in refused[1][3] and "处罚机关名称" in refused[2][3]

        def record(key):
            sql = f"SELECT * FROM {penalty.table} WHERE {penalty.column_of('行政处罚决定书文号')} = :k"
            return conn.execute(sa.text(sql), {"k": key}).mappings().one()

        corrected = record(keys[1])
        assert corrected[penalty.column_of("处罚内容")] == "警告"
        assert corrected[penalty.column_of("罚款金额（万元）")] == "0.2"
        assert corrected["corrected_by"] == "YY-2026-002" and corrected["superseded_by"] is None
        assert record(keys[2])["superseded_by"] == "异议 YY-2026-003"
        for kept in (keys[0], keys[3], keys[4]):
            assert record(kept)["superseded_by"] is None and record(kept)["corrected_by"] is None
        changes = conn.execute(
            sa.text(
                "SELECT objection_no, outcome, field_name, old_value, new_value FROM objection_change ORDER BY 1, 3"
            )
        ).all()
    assert changes == [
        ("YY-2026-002", "更正", "处罚内容", recs[1]["处罚内容"], "警告"),
        ("YY-2026-002", "更正", "罚款金额（万元）", recs[1]["罚款金额（万元）"], "0.2"),
        ("YY-2026-003", "撤销", "", None, None),
    ]

    # The register sent again (whole, as each month) with one more objection: nothing is applied twice.
    rows.append(objection("YY-2026-008", keys[0], "更正", "处罚内容=罚款"))
    drop(
        warehouse_home / "landing" / "credit_office" / "objection",
        "异议台账2.csv",
        register_text(rows),
        dt.date(2026, 10, 25),
    )
    steps.ingest_source(REGISTER, "credit_office", dt.datetime(2026, 10, 26, tzinfo=TZ), warehouse_home)
    with warehouse.connect() as conn:
        count = conn.execute(sa.text("SELECT COUNT(*) FROM objection_change")).scalar_one()
        assert count == 4
        assert record(keys[1])[penalty.column_of("处罚内容")] == "警告"
        assert record(keys[0])[penalty.column_of("处罚内容")] == "罚款"


def test_register_fields_are_the_declarations(catalog):
    assert set(REGISTER_FIELDS.values()) <= set(catalog.dataset(REGISTER).field_names)
