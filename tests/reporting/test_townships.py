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
    # A county bureau (11 机关) decides penalties: not a township's, and not listed as one.
    assert towns.attribute("江阴市市场监督管理局", "11320281668606619Q", by_code_alone=False) is None
    assert towns.attribute("江阴市市场监督管理局", "11320281668606619Q").township is None  # on the debtor list: listed


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
    # The court removes the town government's listing after it performed (法释〔2017〕7号 第十条).
    with warehouse.connect() as conn:
        gov_case = conn.execute(
            sa.text(f"SELECT case_no FROM {table} WHERE debtor_name = :n"), {"n": government[0]}
        ).scalar_one()

    def removal(records, rng):
        records[0].update(
            {
                "案号": gov_case,
                "被执行人姓名/名称": government[0],
                "身份证号码/组织机构代码": government[1],
                "执行法院": "江阴市人民法院",
                "删除日期": "2027-01-12",
                "删除原因": "全部履行",
            }
        )

    seed_batch(warehouse, catalog, "court.debtor_removal", "court", at(2027, 1, 13), 1, edit=removal)
    _, jan = events(warehouse, catalog, "2027-01", dt.date(2027, 2, 1))
    assert jan[government[0]]["status"] == "已移出" and jan[government[0]]["removed_how"] == "法院删除：全部履行"
    assert (
        jan[government[0]]["days_on_list"]
        == (dt.date(2027, 1, 12) - dt.date.fromisoformat(jan[government[0]]["published_date"])).days
    )
    _, feb = events(warehouse, catalog, "2027-02", dt.date(2027, 3, 1))
    assert government[0] not in feb
    # Judged as of a day before the withdrawal, November still shows the village listed.
    _, early = events(warehouse, catalog, "2026-11", dt.date(2026, 11, 4))
    assert early[village[0]]["status"] == "仍在列"


INSTITUTION = next(r for r in REGISTER if r["镇街园区"] == "澄江街道" and r["单位类别"] == "事业单位")
VILLAGE_2 = next(r for r in REGISTER if r["镇街园区"] == "周庄镇" and r["单位类别"] == "村民委员会")


def arrears_of(warehouse, catalog, when, department, accounts):
    """A utility's monthly arrears list with the bodies' accounts (name, code, 户号, 元) in it."""

    def edit(records, rng):
        for r, (name, code, account, amount) in zip(records, accounts):
            r.update(
                {
                    "户名": name,
                    "统一社会信用代码": code,
                    "户号": account,
                    "欠费金额（元）": amount,
                    "用户类型": "非居民",
                }
            )
            r.update({"证件类型": "", "证件号码": ""})

    seed_batch(warehouse, catalog, "utility.arrears", department, when, max(6, len(accounts)), edit=edit)


def test_arrears_month_on_month_penalties_and_publications_per_township(warehouse, catalog):
    deliver_register(warehouse, catalog, at(2026, 9, 1))
    shrinking = (INSTITUTION["单位名称"], INSTITUTION["统一社会信用代码"], "W-0001")
    growing = (VILLAGE_2["单位名称"], VILLAGE_2["统一社会信用代码"], "W-0002")
    cleared = (HUASHI_VILLAGE["单位名称"], HUASHI_VILLAGE["统一社会信用代码"], "W-0003")
    arrears_of(
        warehouse, catalog, at(2026, 9, 5), "water", [(*shrinking, "12000.00"), (*growing, "800"), (*cleared, "300")]
    )
    arrears_of(warehouse, catalog, at(2026, 10, 5), "water", [(*shrinking, "9000.50"), (*growing, "1500")])

    def fined(
        records, rng
    ):  # 华士镇 decides two penalties itself (the first published late); 市场监管 fines 澄江街道's institution
        records[0].update(
            {"处罚机关": HUASHI_GOV["单位名称"], "处罚机关统一社会信用代码": HUASHI_GOV["统一社会信用代码"]}
        )
        records[1].update(
            {"处罚机关": HUASHI_GOV["单位名称"], "处罚机关统一社会信用代码": HUASHI_GOV["统一社会信用代码"]}
        )
        records[2].update(
            {"行政相对人名称": INSTITUTION["单位名称"], "统一社会信用代码": INSTITUTION["统一社会信用代码"]}
        )

    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 12), 10, late=1, edit=fined)

    facts = MonthFacts(warehouse, catalog, "2026-10", dt.date(2026, 11, 1))
    by_name = {a["name"]: a for a in facts.township_arrears}
    assert (by_name[shrinking[0]]["status"], by_name[shrinking[0]]["amount"], by_name[shrinking[0]]["previous"]) == (
        "减少",
        9000.5,
        12000.0,
    )
    assert by_name[growing[0]]["status"] == "增加" and by_name[cleared[0]]["status"] == "已结清"
    rows = {
        r["township"]: r
        for r in township_rows(
            facts.townships, [], 3, facts.township_arrears, facts.township_penalties, facts.township_publications
        )
    }
    assert (rows["澄江街道"]["arrears_amount"], rows["澄江街道"]["arrears_previous"]) == (9000.5, 12000.0)
    assert (rows["华士镇"]["arrears_cleared"], rows["周庄镇"]["arrears_grown"]) == (1, 1)
    assert rows["澄江街道"]["penalties"] == 1 and rows["华士镇"]["penalties"] == 0
    assert (rows["华士镇"]["issued"], rows["华士镇"]["published_late"], rows["华士镇"]["on_time_pct"]) == (2, 1, 50.0)
    assert rows["澄江街道"]["on_time_pct"] is None  # issued nothing itself
    # Every figure against a query written here: 澄江街道's arrears this month.
    with warehouse.connect() as conn:
        want = conn.execute(
            sa.text(
                "SELECT SUM(CAST(r.arrears_yuan AS NUMERIC)) FROM rec_utility_arrears r "
                "JOIN delivery_batch b ON b.batch_id = r.batch_id "
                "WHERE b.delivered_month = '2026-10' AND r.holder_uscc = :code"
            ),
            {"code": INSTITUTION["统一社会信用代码"]},
        ).scalar_one()
    assert float(want) == rows["澄江街道"]["arrears_amount"]

    from creditpipe.reporting.warnings import evaluate

    _, found = evaluate(facts, ["arrears_grown", "township_penalised"])
    assert sorted((w.rule_id, w.township) for w in found) == [
        ("arrears_grown", "周庄镇"),
        ("township_penalised", "澄江街道"),
    ]
    grown = next(w for w in found if w.rule_id == "arrears_grown")
    assert "欠费 1500.00 元，上月 800.00 元" in grown.evidence


def test_responses_commitments_warnings_and_the_composite(warehouse, catalog):
    from creditpipe.reporting.warnings import evaluate

    deliver_register(warehouse, catalog, at(2026, 9, 1))
    government = (HUASHI_GOV["单位名称"], HUASHI_GOV["统一社会信用代码"])
    village = (VILLAGE_2["单位名称"], VILLAGE_2["统一社会信用代码"])  # 周庄镇
    batch = list_bodies(warehouse, catalog, at(2026, 10, 9), [government, village])
    with warehouse.connect() as conn:
        cases = dict(
            conn.execute(
                sa.text("SELECT debtor_name, case_no FROM rec_court_dishonest_debtor WHERE batch_id = :b"),
                {"b": batch["batch_id"]},
            ).all()
        )

    def responded(records, rng):  # 周庄镇 answered for its village; 华士镇 did not
        records[0].update(
            {
                "镇街园区": "周庄镇",
                "单位名称": village[0],
                "案号": cases[village[0]],
                "反馈日期": "2026-10-16",
                "整改措施": "已筹措资金并与申请执行人达成分期履行协议",
                "预计履行日期": "2026-12-31",
            }
        )

    seed_batch(warehouse, catalog, "credit.event_response", "credit_office", at(2026, 10, 16), 1, edit=responded)

    def promised(records, rng, township):
        rows = [
            ("HS-01", "华士镇", "履约中", "2026-10-15", ""),  # past due, not kept
            ("HS-02", "华士镇", "已兑现", "2026-10-20", "2026-10-18"),
            ("ZZ-01", "周庄镇", "未兑现", "2026-12-31", ""),  # broken as registered
            ("ZZ-02", "周庄镇", "履约中", "2026-12-31", ""),  # not yet due
        ]
        for r, (no, town, status, due, kept) in zip(records, [row for row in rows if row[1] == township]):
            r.update({"承诺编号": no, "镇街园区": town, "履约状态": status, "作出日期": "2026-03-01"})
            r.update({"兑现期限": due, "兑现日期": kept})

    def of(township):
        return lambda records, rng: promised(records, rng, township)

    seed_batch(warehouse, catalog, "township.commitment", "huashi", at(2026, 10, 25), 2, edit=of("华士镇"))
    seed_batch(warehouse, catalog, "township.commitment", "zhouzhuang", at(2026, 10, 25), 2, edit=of("周庄镇"))

    facts = MonthFacts(warehouse, catalog, "2026-10", dt.date(2026, 11, 1))
    events = {e["name"]: e for e in facts.serious_events}
    assert events[village[0]]["responded_on"] == "2026-10-16" and not events[village[0]]["response_overdue"]
    # 9 October to 1 November: 16 working days (10 October, a Saturday, is a make-up working day) > 10.
    assert events[government[0]]["response_overdue"] and events[government[0]]["waited_working_days"] == 16
    states = {c["number"]: c["status"] for c in facts.township_commitments}
    assert states == {"HS-01": "逾期未兑现", "HS-02": "已兑现", "ZZ-01": "未兑现", "ZZ-02": "履约中"}

    weights = catalog.monitoring["composite"]
    rows = {
        r["township"]: r
        for r in township_rows(
            facts.townships, facts.serious_events, 3, commitments=facts.township_commitments, weights=weights
        )
    }
    assert rows["华士镇"]["composite"] == 100 - 30 - 10 - 10  # listed, no response, one commitment failed
    assert rows["周庄镇"]["composite"] == 100 - 30 - 10  # listed (answered), one commitment broken
    assert rows["澄江街道"]["composite"] == 100 and rows["澄江街道"]["rank"] == 1
    assert rows["华士镇"]["rank"] == 17 and rows["周庄镇"]["rank"] == 16

    _, found = evaluate(facts, ["event_no_response", "commitment_failed", "government_debtor"])
    by_rule = {}
    for w in found:
        by_rule.setdefault(w.rule_id, []).append(w)
    assert [w.township for w in by_rule["event_no_response"]] == ["华士镇"]
    assert sorted(w.township for w in by_rule["commitment_failed"]) == ["华士镇", "周庄镇"]
    assert {w.township for w in by_rule["government_debtor"]} == {"华士镇", "周庄镇"}
    assert all(w.department_id == "" and w.title.startswith(w.township) for w in found)


def test_a_township_is_mailed_its_own_warnings_and_no_other(warehouse, catalog, smtp):
    from creditpipe.reporting.warnings import alert, evaluate, record

    deliver_register(warehouse, catalog, at(2026, 9, 1))
    government = (HUASHI_GOV["单位名称"], HUASHI_GOV["统一社会信用代码"])
    village = (VILLAGE_2["单位名称"], VILLAGE_2["统一社会信用代码"])
    list_bodies(warehouse, catalog, at(2026, 10, 9), [government, village])
    now = at(2026, 10, 10, 9)
    facts = MonthFacts(warehouse, catalog, "2026-10", dt.date(2026, 10, 10))
    evaluated, found = evaluate(facts, ["government_debtor"])
    new = record(warehouse, "2026-10", evaluated, found, now)
    contacts = facts.townships.contacts
    assert contacts["华士镇"] == HUASHI_GOV["预警联系邮箱"]
    assert alert(warehouse, catalog, new, now, contacts=contacts)["townships_mailed"] == 2
    by_rcpt = {tuple(rcpts): msg for rcpts, msg in smtp.messages}
    everything = by_rcpt[(catalog.county["credit_office_email"],)].get_body(("plain",)).get_content()
    assert government[0] in everything and village[0] in everything
    own = by_rcpt[(HUASHI_GOV["预警联系邮箱"],)].get_body(("plain",)).get_content()
    assert government[0] in own and village[0] not in own and "周庄镇" not in own


def test_a_township_with_nothing_to_say_is_quiet(warehouse, catalog):
    """The register alone, ordinary companies on the court's list, a clean utility list, an
    ordinary penalty: no township warning, every township at 100, nothing unattributed."""
    from creditpipe.reporting.model import build_model
    from creditpipe.reporting.warnings import evaluate

    deliver_register(warehouse, catalog, at(2026, 9, 1))
    seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", at(2026, 10, 9), 30)
    seed_batch(warehouse, catalog, "utility.arrears", "water", at(2026, 10, 5), 30)
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 12), 30)
    facts = MonthFacts(warehouse, catalog, "2026-10", dt.date(2026, 11, 1))
    kinds = ["government_debtor", "event_no_response", "commitment_failed", "arrears_grown", "township_penalised"]
    _, found = evaluate(facts, kinds)
    assert found == []
    model = build_model(facts)
    townships = model["townships"]
    assert {r["composite"] for r in townships["rows"]} == {100} and {r["rank"] for r in townships["rows"]} == {1}
    assert townships["events"] == townships["arrears"] == townships["penalties"] == townships["unattributed"] == []


def test_the_overview_equals_queries_written_here(warehouse, catalog):
    """Part one's counts against SQL: bodies listed per township (by the register's codes),
    penalties on its bodies in the month."""
    from creditpipe.reporting.model import build_model

    deliver_register(warehouse, catalog, at(2026, 9, 1))
    bodies = [r for r in REGISTER if r["单位类别"] in ("村民委员会", "事业单位")][:6]
    list_bodies(warehouse, catalog, at(2026, 10, 9), [(b["单位名称"], b["统一社会信用代码"]) for b in bodies[:4]])

    def fined(records, rng):
        for r, b in zip(records, bodies[2:]):
            r.update({"行政相对人名称": b["单位名称"], "统一社会信用代码": b["统一社会信用代码"]})
            r.update({"行政相对人类别": "法人及非法人组织"})

    seed_batch(warehouse, catalog, "police.admin_penalty", "police", at(2026, 10, 12), 8, edit=fined)
    model = build_model(MonthFacts(warehouse, catalog, "2026-10", dt.date(2026, 11, 1)))
    rows = {r["township"]: r for r in model["townships"]["rows"]}
    township_of = {b["统一社会信用代码"]: b["镇街园区"] for b in REGISTER}
    with warehouse.connect() as conn:
        listed = conn.execute(
            sa.text(
                "SELECT DISTINCT case_no, debtor_id_no FROM rec_court_dishonest_debtor WHERE sex IS NULL OR sex = ''"
            )
        ).all()
        fines = conn.execute(
            sa.text(
                "SELECT r.party_uscc FROM rec_police_admin_penalty r JOIN delivery_batch b ON b.batch_id = r.batch_id "
                "WHERE b.delivered_month = '2026-10'"
            )
        ).all()
    want_listed, want_fines = {}, {}
    for _, code in listed:
        if code in township_of:
            want_listed[township_of[code]] = want_listed.get(township_of[code], 0) + 1
    for (code,) in fines:
        if code in township_of:
            want_fines[township_of[code]] = want_fines.get(township_of[code], 0) + 1
    assert want_listed and want_fines
    for name, row in rows.items():
        assert row["newly_listed"] == want_listed.get(name, 0), name
        assert row["penalties"] == want_fines.get(name, 0), name
        assert row["deduction"] == (3 if want_listed.get(name) else 0), name
