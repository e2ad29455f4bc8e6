"""Issue 18, item 5: 异议处理 scored from the credit office's register — 0.5 a calendar day
late, at most 2 an objection, the item not below 0 — with warnings two working days before
a deadline and once it has passed; and an 更正 changing the figures that depend on the
record (a government body wrongly listed on the court's list)."""

import datetime as dt

import pytest
from seeding import at, seed_batch

from creditpipe.reporting.facts import MonthFacts
from creditpipe.reporting.scores import department_score
from creditpipe.reporting.warnings import evaluate

REGISTER = "credit.objection"
PENALTY = "market.admin_penalty"


def register(warehouse, catalog, delivered, *objections):
    """The credit office's register delivered at ``delivered``: (number, deadline, handled, outcome)."""

    def edit(records, rng):
        for r, (number, deadline, handled, outcome) in zip(records, objections):
            r.update(
                {
                    "异议编号": number,
                    "异议信息所属数据集": PENALTY,
                    "异议信息业务主键": f"江市监处罚〔2026〕{number[-3:]}号",
                    "责任部门": "市场监管",
                    "转办日期": "2026-09-01",
                    "办理期限": deadline,
                    "办结日期": handled,
                    "处理结果": outcome,
                    "更正内容": "",
                }
            )

    seed_batch(warehouse, catalog, REGISTER, "credit_office", delivered, len(objections), edit=edit)


def item(warehouse, catalog, month="2026-10", as_of=dt.date(2026, 11, 1)):
    facts = MonthFacts(warehouse, catalog, month, as_of)
    score = department_score(facts, "market")
    return next(i for i in score["items"] if i["item"] == "异议处理"), score


@pytest.mark.parametrize(
    "handled,deduction",
    [("2026-10-10", 0), ("2026-10-11", 0.5), ("2026-10-13", 1.5), ("2026-10-14", 2), ("2026-10-15", 2)],
)
def test_each_day_late_costs_half_a_point_at_most_two_an_objection(warehouse, catalog, handled, deduction):
    register(warehouse, catalog, at(2026, 10, 20), ("YY-001", "2026-10-10", handled, "维持"))
    got, score = item(warehouse, catalog)
    assert got["scored"] and got["points"] == 4
    assert got["ytd"]["deduction"] == deduction and got["score"] == 4 - deduction
    assert score["scored_points"] == 25
    if deduction:
        assert "YY-001" in got["ytd"]["evidence"] and f"扣{deduction:g}分" in got["ytd"]["evidence"]


def test_the_item_stops_at_zero_and_the_month_shows_what_it_added(warehouse, catalog):
    register(
        warehouse,
        catalog,
        at(2026, 10, 20),
        ("YY-001", "2026-09-10", "2026-09-13", "更正"),  # September: 1.5
        ("YY-002", "2026-10-01", "2026-10-09", "维持"),  # 2 (8 days, capped)
        ("YY-003", "2026-10-05", "", ""),  # open since: 2
        ("YY-004", "2026-10-30", "2026-10-29", "撤销"),  # on time
    )
    got, _ = item(warehouse, catalog)
    assert got["ytd"]["deduction"] == 4  # 1.5 + 2 + 2, 扣完为止
    assert got["score"] == 0
    assert got["month"]["deduction"] == 2.5  # October added 4 − 1.5
    assert "本年到期异议 4 件，按期办结 1 件" in got["ytd"]["evidence"]
    assert "YY-003" in got["ytd"]["evidence"] and "未办结" in got["ytd"]["evidence"]


def test_an_open_objection_counts_the_days_passed_up_to_the_day_judged(warehouse, catalog):
    register(warehouse, catalog, at(2026, 10, 20), ("YY-001", "2026-10-26", "", ""))
    # Judged on the 28th (the month so far): the 27th is a whole day late, the 28th not yet over.
    got, _ = item(warehouse, catalog, as_of=dt.date(2026, 10, 28))
    assert got["ytd"]["deduction"] == 0.5


def test_later_register_rows_of_an_objection_are_its_progress(warehouse, catalog):
    register(warehouse, catalog, at(2026, 10, 5), ("YY-001", "2026-10-10", "", ""))
    register(warehouse, catalog, at(2026, 10, 20), ("YY-001", "2026-10-10", "2026-10-11", "更正"))
    assert item(warehouse, catalog)[0]["ytd"]["deduction"] == 0.5
    # As judged before the second delivery (the 8th): still open, not yet late.
    assert item(warehouse, catalog, as_of=dt.date(2026, 10, 8))[0]["ytd"]["deduction"] == 0


def test_warnings_two_working_days_before_the_deadline_and_once_it_passed(warehouse, catalog):
    # 2026-10-30 is a Friday: the 28th (Wed) is 2 working days before it, the 27th 3.
    register(warehouse, catalog, at(2026, 10, 20), ("YY-001", "2026-10-30", "", ""), ("YY-002", "2026-10-21", "", ""))

    def raised(as_of):
        _, found = evaluate(MonthFacts(warehouse, catalog, "2026-10", as_of), ["objection_due", "objection_overdue"])
        return {(w.rule_id, w.key.rsplit("|", 1)[1]): w for w in found}

    assert set(raised(dt.date(2026, 10, 27))) == {("objection_overdue", "YY-002")}
    on_28 = raised(dt.date(2026, 10, 28))
    assert set(on_28) == {("objection_due", "YY-001"), ("objection_overdue", "YY-002")}
    assert "还有 2 个工作日" in on_28[("objection_due", "YY-001")].evidence
    assert on_28[("objection_due", "YY-001")].department_id == "market"
    assert "已逾期 6 天，已扣 2 分" in on_28[("objection_overdue", "YY-002")].evidence
    assert ("objection_overdue", "YY-001") in raised(dt.date(2026, 10, 31))


def test_a_correction_changes_the_record_and_the_figures_that_depend_on_it(warehouse, catalog):
    """The court lists a town government by mistake (a company's record with the town's name
    and code): a red warning. The court corrects it on the objection: the record holds the
    company again, the warning is gone, and the record's earlier values stay on file."""
    import random

    import sqlalchemy as sa

    from creditpipe.devtools.simulators.court_dishonest_debtor import is_person, list_government_body
    from creditpipe.warehouse.objections import apply_objections

    court = catalog.dataset("court.dishonest_debtor")
    listed = {}

    def government(records, rng):
        record = next(r for r in records if not is_person(r))
        listed.update(name=record["被执行人姓名/名称"], code=record["身份证号码/组织机构代码"])
        list_government_body(record, random.Random(3), "town_government")
        listed.update(key=f"{record['案号']}|{record['身份证号码/组织机构代码']}")

    seed_batch(warehouse, catalog, court.id, "court", at(2026, 10, 9), 20, edit=government)

    def government_warnings():
        _, found = evaluate(MonthFacts(warehouse, catalog, "2026-10", dt.date(2026, 11, 1)), ["government_debtor"])
        return found

    assert len(government_warnings()) == 1

    def correction(records, rng):
        records[0].update(
            {
                "异议编号": "YY-2026-101",
                "异议信息所属数据集": court.id,
                "异议信息业务主键": listed["key"],
                "责任部门": "江阴市人民法院",
                "转办日期": "2026-10-12",
                "办理期限": "2026-10-26",
                "办结日期": "2026-10-16",
                "处理结果": "更正",
                "更正内容": f"被执行人姓名/名称={listed['name']}；身份证号码/组织机构代码={listed['code']}",
            }
        )

    batch = seed_batch(warehouse, catalog, REGISTER, "credit_office", at(2026, 10, 16), 1, edit=correction)
    changes = apply_objections(
        warehouse, catalog, catalog.dataset(REGISTER), batch["batch_id"], "2026-10-16T17:00:00+08:00"
    )
    assert {c["field_name"] for c in changes} == {"被执行人姓名/名称", "身份证号码/组织机构代码"}
    assert government_warnings() == []
    with warehouse.connect() as conn:
        name = conn.execute(
            sa.text(f"SELECT debtor_name FROM {court.table} WHERE corrected_by = 'YY-2026-101'")
        ).scalar_one()
    assert name == listed["name"]
    assert next(c for c in changes if c["field_name"] == "被执行人姓名/名称")["old_value"].endswith("镇人民政府")
