"""Issue 19 (first part): the townships and their bodies from the credit office's register;
any party attributed by credit code, else by name; what cannot be attributed listed, not
dropped; 严重失信事件 carried from month to month until withdrawn, and 附件2 五's −3 charged
once per township."""

import datetime as dt

import sqlalchemy as sa
from seeding import at, seed_batch

from creditpipe.devtools.simulators.townships import register_rows
from creditpipe.reporting.facts import MonthFacts
from creditpipe.reporting.townships import Townships, township_rows
from creditpipe.warehouse.objections import apply_objections

REGISTER = register_rows(seed=7)
HUASHI_GOV = next(r for r in REGISTER if r["单位名称"] == "江阴市华士镇人民政府")
HUASHI_VILLAGE = next(r for r in REGISTER if r["镇街园区"] == "华士镇" and r["单位类别"] == "村民委员会")


def test_a_party_is_attributed_by_code_else_by_name_else_listed():
    towns = Townships(REGISTER)
    assert len(towns.names) == 17  # 10 镇, 5 街道, 2 园区
    by_code = towns.attribute("江阴市华士镇政府（旧称）", HUASHI_GOV["统一社会信用代码"])
    assert (by_code.township, by_code.how) == ("华士镇", "统一社会信用代码")
    by_name = towns.attribute(HUASHI_VILLAGE["单位名称"], "12345678-9")
    assert (by_name.township, by_name.how) == ("华士镇", "单位名称")
    # Not in the register, but its name names a township and is a township body's.
    unregistered = towns.attribute("江阴市人民政府澄江街道办事处", "")
    assert unregistered.township == "澄江街道"
    shaped = towns.attribute("江阴市长泾镇河塘村村民委员会", "")
    assert (shaped.township, shaped.how) == ("长泾镇", "名称所含镇街园区")
    assert towns.attribute("江阴高新技术产业开发区管理委员会", "").township == "江阴高新技术产业开发区"
    # A government body no township can be found for: listed for the credit office.
    assert towns.attribute("江阴市某某水利站", "12320281MA1XXXXX0X").township is None
    assert towns.attribute("无锡市某镇人民政府", "").how == "未能归属"
    # Companies and people are not township bodies; a company named after a town is not either.
    assert towns.attribute("江阴市华士镇恒鑫纺织有限公司", "91320281MA1XXXXX0X") is None
    assert towns.attribute("王建国", "320281********114X") is None


def deliver_register(warehouse, catalog, when):
    def edit(records, rng):
        records[:] = [dict(r) for r in REGISTER]

    seed_batch(warehouse, catalog, "credit.township_body", "credit_office", when, len(REGISTER), edit=edit)


def list_bodies(warehouse, catalog, when, bodies):
    """A court delivery listing the bodies (name, code) among its debtors."""

    def edit(records, rng):
        for r, (name, code) in zip(records, bodies):
            r.update({"被执行人姓名/名称": name, "身份证号码/组织机构代码": code, "性别": "", "年龄": ""})

    return seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", when, max(5, len(bodies)), edit=edit)


def events(warehouse, catalog, month, as_of):
    facts = MonthFacts(warehouse, catalog, month, as_of)
    return facts, {e["name"]: e for e in facts.serious_events}


def test_a_listed_body_is_carried_over_months_until_withdrawn(warehouse, catalog):
    deliver_register(warehouse, catalog, at(2026, 9, 1))
    village = (HUASHI_VILLAGE["单位名称"], HUASHI_VILLAGE["统一社会信用代码"])
    government = (HUASHI_GOV["单位名称"], HUASHI_GOV["统一社会信用代码"])
    stray = ("江阴市某某水利站", "12320281MA1XXXXX0X")
    batch = list_bodies(warehouse, catalog, at(2026, 9, 10), [village, stray])

    _, sept = events(warehouse, catalog, "2026-09", dt.date(2026, 10, 1))
    assert sept[village[0]]["status"] == "新列入" and sept[village[0]]["attributed_by"] == "统一社会信用代码"
    assert sept[stray[0]]["township"] is None  # listed for the credit office to settle

    # October: nothing new from the court — the village is still listed; the town government joins.
    list_bodies(warehouse, catalog, at(2026, 10, 12), [government])
    facts, octo = events(warehouse, catalog, "2026-10", dt.date(2026, 11, 1))
    assert octo[village[0]]["status"] == "仍在列" and octo[village[0]]["days_on_list"] > 30
    assert octo[government[0]]["status"] == "新列入"
    rows = {r["township"]: r for r in township_rows(facts.townships, facts.serious_events, 3)}
    assert rows["华士镇"]["deduction"] == 3  # two bodies listed: charged once
    assert (rows["华士镇"]["newly_listed"], rows["华士镇"]["still_listed"]) == (1, 1)
    assert sum(r["deduction"] for r in rows.values()) == 3

    # November: the court withdraws the village's listing on an objection (撤销).
    with warehouse.connect() as conn:
        table = catalog.dataset("court.dishonest_debtor").table
        case_no = conn.execute(
            sa.text(f"SELECT case_no FROM {table} WHERE batch_id = :b AND debtor_name = :n"),
            {"b": batch["batch_id"], "n": village[0]},
        ).scalar_one()

    def withdrawal(records, rng):
        records[0].update(
            {
                "异议编号": "YY-2026-201",
                "异议信息所属数据集": "court.dishonest_debtor",
                "异议信息业务主键": f"{case_no}|{village[1]}",
                "责任部门": "法院",
                "转办日期": "2026-11-02",
                "办理期限": "2026-11-16",
                "办结日期": "2026-11-05",
                "处理结果": "撤销",
                "更正内容": "",
            }
        )

    register = seed_batch(warehouse, catalog, "credit.objection", "credit_office", at(2026, 11, 5), 1, edit=withdrawal)
    apply_objections(
        warehouse, catalog, catalog.dataset("credit.objection"), register["batch_id"], "2026-11-05T17:00:00+08:00"
    )
    _, nov = events(warehouse, catalog, "2026-11", dt.date(2026, 12, 1))
    assert nov[village[0]]["status"] == "已移出" and nov[village[0]]["withdrawn_on"] == "2026-11-05"
    assert nov[government[0]]["status"] == "仍在列"
    _, dec = events(warehouse, catalog, "2026-12", dt.date(2027, 1, 1))
    assert village[0] not in dec and dec[government[0]]["status"] == "仍在列"
    # Judged as of a day before the withdrawal, November still shows the village listed.
    _, early = events(warehouse, catalog, "2026-11", dt.date(2026, 11, 4))
    assert early[village[0]]["status"] == "仍在列"
