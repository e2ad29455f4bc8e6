"""Each early-warning rule fires on its seeded condition and stays quiet without it; a
warning is stored once, alerted once (again only when its level rises), and resolved when
its condition clears. Batches are loaded with the warehouse's own load_batch."""

import datetime as dt

import pytest
from seeding import at, seed_batch

from creditpipe.devtools.simulators.court_dishonest_debtor import is_person, list_government_body
from creditpipe.reporting.facts import MonthFacts
from creditpipe.reporting.warnings import alert, evaluate, record, stored_warnings


def raised(engine, catalog, month, as_of, rule_id):
    _, found = evaluate(MonthFacts(engine, catalog, month, as_of), [rule_id])
    return found


def test_rate_levels_at_their_thresholds(warehouse, catalog):
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 14), 100, refused=2)  # 2 %
    seed_batch(warehouse, catalog, "police.admin_penalty", "police", at(2026, 10, 14), 200, refused=1)  # 0.5 %
    seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", at(2026, 10, 14), 1000, refused=1)  # 0.1 %
    seed_batch(warehouse, catalog, "utility.arrears", "power", at(2026, 10, 14), 1001, refused=1)  # 0.0999 %
    found = {w.department_id: w for w in raised(warehouse, catalog, "2026-10", dt.date(2026, 11, 1), "rate_level")}
    assert {d: w.level for d, w in found.items()} == {"market": "红", "police": "橙", "court": "黄"}
    assert "2.00%" in found["market"].evidence and "100" in found["market"].evidence
    # Below 0.1 %, and a department that delivered nothing, raise nothing.
    assert "power" not in found and "gas" not in found


def test_a_rate_rising_two_months_running(warehouse, catalog):
    for month, police, market in ((8, 1, 3), (9, 2, 2), (10, 3, 3)):
        seed_batch(warehouse, catalog, "police.admin_penalty", "police", at(2026, month, 14), 100, refused=police)
        seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, month, 14), 100, refused=market)
    seed_batch(warehouse, catalog, "utility.arrears", "water", at(2026, 9, 14), 100, refused=1)
    seed_batch(warehouse, catalog, "utility.arrears", "water", at(2026, 10, 14), 100, refused=2)
    found = raised(warehouse, catalog, "2026-10", dt.date(2026, 11, 1), "rate_rising")
    assert [w.department_id for w in found] == ["police"]  # market fell then rose; water has two months only
    assert found[0].level == "橙"
    assert "08月 1.00% → 09月 2.00% → 10月 3.00%" in found[0].evidence
    # A month earlier it had risen only once.
    assert raised(warehouse, catalog, "2026-09", dt.date(2026, 10, 1), "rate_rising") == []


def test_a_weekly_feed_that_stops(warehouse, catalog):
    # Weeks ending 4, 11, 18, 25 October 2026; 市场监管 delivers the first two, then stops.
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 9), 20)
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 14), 20)
    found = [
        w
        for w in raised(warehouse, catalog, "2026-10", dt.date(2026, 11, 1), "feed_late")
        if w.department_id == "market" and "行政处罚" in w.evidence
    ]
    assert len(found) == 1
    # The records of 13 October reported the week of 12–18 October; only the last is missing.
    assert "1 期截至 2026-11-01 未报送：2026-10-19～2026-10-25" in found[0].evidence
    assert "2026-10-12～2026-10-18" not in found[0].evidence

    def market(as_of):
        return [
            w
            for w in raised(warehouse, catalog, "2026-10", as_of, "feed_late")
            if w.department_id == "market" and "行政处罚" in w.evidence
        ]

    # 29 October is the 4th working day after the week ending the 25th: it may still come.
    assert market(dt.date(2026, 10, 29)) == []
    # Judged on the 30th (what came before it), the 5th day has begun: 以上 counts it.
    assert "1 期截至 2026-10-30 未报送" in market(dt.date(2026, 10, 30))[0].evidence


def test_a_weekly_feed_delivered_every_week_is_quiet(warehouse, catalog):
    for day in (9, 14, 21, 28):
        seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, day), 20)
    found = raised(warehouse, catalog, "2026-10", dt.date(2026, 11, 1), "feed_late")
    assert not [w for w in found if w.department_id == "market" and "行政处罚" in w.evidence]


def test_a_government_body_on_the_debtor_list_raises_red_at_once(warehouse, catalog):
    def with_bodies(records, rng):
        organisations = [i for i, r in enumerate(records) if not is_person(r)]
        list_government_body(records[organisations[0]], rng, "town_government")
        list_government_body(records[organisations[1]], rng, "village_committee")

    seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", at(2026, 10, 15, 10), 40, edit=with_bodies)
    # Judged the day after the load, mid-month: the warning does not wait for the month end.
    found = raised(warehouse, catalog, "2026-10", dt.date(2026, 10, 16), "government_debtor")
    assert len(found) == 2 and {w.level for w in found} == {"红"}
    town = next(w for w in found if "人民政府" in w.evidence)
    assert "机关" in town.evidence and "代码 11320281" in town.evidence
    village = next(w for w in found if "村民委员会" in w.evidence)
    assert "基层群众性自治组织" in village.evidence
    assert "3分" in town.action


def test_a_masked_government_code_is_raised_and_a_person_without_sex_is_not(warehouse, catalog):
    def edit(records, rng):
        organisations = [i for i, r in enumerate(records) if not is_person(r)]
        list_government_body(records[organisations[0]], rng, "town_government", masked=True)
        person = next(r for r in records if is_person(r))  # a Beijing ID (110…) and no 性别
        person.update({"身份证号码/组织机构代码": "1101051985****0013", "性别": "", "年龄": ""})

    seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", at(2026, 10, 15, 10), 40, edit=edit)
    (found,) = raised(warehouse, catalog, "2026-10", dt.date(2026, 10, 16), "government_debtor")
    assert "人民政府（机关，代码 11320281" in found.evidence and "****" in found.evidence


def test_companies_and_persons_on_the_debtor_list_are_quiet(warehouse, catalog):
    seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", at(2026, 10, 15, 10), 40)
    assert raised(warehouse, catalog, "2026-10", dt.date(2026, 10, 16), "government_debtor") == []


def test_refusals_left_open_too_long(warehouse, catalog):
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 9, 14), 30, refused=2)
    # 15–28 September: 10 working days — not yet more than 10.
    assert raised(warehouse, catalog, "2026-09", dt.date(2026, 9, 28), "refusal_overdue") == []
    (w,) = raised(warehouse, catalog, "2026-09", dt.date(2026, 9, 29), "refusal_overdue")
    assert (w.department_id, w.level) == ("market", "黄")
    assert "2 条退回记录超过 10 个工作日未更正，最久 11 个工作日" in w.evidence


def test_stored_once_alerted_once_resolved_when_cleared(warehouse, catalog, smtp):
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 9), 1000, refused=2)  # 0.2 % 黄
    now = at(2026, 10, 9, 17)

    def run(as_of):
        facts = MonthFacts(warehouse, catalog, "2026-10", as_of)
        evaluated, found = evaluate(facts, ["rate_level"])
        return record(warehouse, "2026-10", evaluated, found, now)

    new = run(dt.date(2026, 10, 9))
    assert [w.level for w in new] == ["黄"]
    assert alert(warehouse, catalog, new, now) == {"alerted": 1, "mailed": True, "townships_mailed": 0}
    ((rcpts, msg),) = smtp.messages
    assert rcpts == [catalog.county["credit_office_email"]]
    assert "【黄色预警】" in msg["Subject"] and "市场监管：数据不合格率偏高" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert "0.20%" in body and "建议：" in body

    assert run(dt.date(2026, 10, 9)) == []  # the same condition: no second alert
    # More refusals arrive: the rate reaches 0.5 % → 橙, alerted again.
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 16), 200, refused=5)
    escalated = run(dt.date(2026, 10, 16))
    assert [w.level for w in escalated] == ["橙"]
    assert len(stored_warnings(warehouse, "2026-10")) == 1  # one condition, one row

    # A large clean delivery brings the month's rate below 0.1 %: the warning is resolved.
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 23), 7000)
    assert run(dt.date(2026, 10, 23)) == []
    assert stored_warnings(warehouse, "2026-10") == []


def test_without_an_smtp_connection_nothing_is_marked_alerted(warehouse, catalog, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_CREDITPIPE_SMTP", raising=False)
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 9), 100, refused=2)
    facts = MonthFacts(warehouse, catalog, "2026-10", dt.date(2026, 10, 9))
    evaluated, found = evaluate(facts, ["rate_level"])
    new = record(warehouse, "2026-10", evaluated, found, at(2026, 10, 9))
    assert alert(warehouse, catalog, new, at(2026, 10, 9))["mailed"] is False
    # Still pending: the next evaluation offers it again.
    assert [w.level for w in record(warehouse, "2026-10", evaluated, found, at(2026, 10, 10))] == ["红"]


@pytest.mark.parametrize("kind", ["bogus", None])
def test_the_catalog_refuses_an_unknown_rule_kind(kind):
    from creditpipe.core.catalog import CatalogError, parse_catalog

    raw = {
        "departments": [],
        "datasets": [],
        "assessment": {},
        "early_warnings": {"rules": [{"id": "x", "kind": kind, "level": "红", "title": "t", "action": "a"}]},
    }
    with pytest.raises(CatalogError, match="未知类型"):
        parse_catalog(raw)


def test_a_rise_smaller_than_the_rules_step_is_noise(warehouse, catalog):
    for month, refused in ((8, 10), (9, 11), (10, 20)):  # 1.00 % → 1.10 % → 2.00 % … by 0.10 and 0.90
        seed_batch(warehouse, catalog, "police.admin_penalty", "police", at(2026, month, 14), 1000, refused=refused)
    for month, refused in ((8, 10), (9, 11), (10, 12)):  # 0.50 % → 0.55 % → 0.60 %: by 0.05 each
        seed_batch(warehouse, catalog, "utility.arrears", "power", at(2026, month, 14), 2000, refused=refused)
    found = raised(warehouse, catalog, "2026-10", dt.date(2026, 11, 1), "rate_rising")
    assert [w.department_id for w in found] == ["police"]


def test_thresholds_judge_the_exact_rate(warehouse, catalog):
    # 2 of 2001 is 0.09995 %: it shows as 0.10 % but is below the 黄 threshold.
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 14), 2001, refused=2)
    assert raised(warehouse, catalog, "2026-10", dt.date(2026, 11, 1), "rate_level") == []


def _never_delivered(warehouse, catalog, month, as_of):
    return {
        (w.department_id, w.key.split("|")[-1])
        for w in raised(warehouse, catalog, month, as_of, "feed_late")
        if "无任何报送" in w.evidence
    }


def test_a_registered_feed_that_never_delivered_is_warned(warehouse, catalog):
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 14), 20)
    registered = {(o.department_id, o.dataset_id) for o in catalog.obligations()}
    monthly = {(o.department_id, o.dataset_id) for o in catalog.obligations() if o.cycle == "monthly"}
    assert ("credit_office", "credit.objection") not in registered  # the credit office is not assessed
    # The watch began on 14 October: on 1 November October's monthly deliveries are not yet
    # overdue (5 working days after the 31st: 7 November), the daily and weekly ones are.
    early = _never_delivered(warehouse, catalog, "2026-10", dt.date(2026, 11, 1))
    assert early == registered - {("market", "market.admin_penalty")} - monthly
    late = _never_delivered(warehouse, catalog, "2026-11", dt.date(2026, 11, 10))
    assert late == registered - {("market", "market.admin_penalty")}


def test_an_empty_warehouse_warns_of_nothing(warehouse, catalog):
    # A deployment's first unpause: nothing delivered yet is not "silent for 12 months".
    evaluated, found = evaluate(MonthFacts(warehouse, catalog, "2026-11", dt.date(2026, 12, 1)))
    assert "feed_late" in evaluated and found == []


def test_a_government_body_delivered_twice_is_one_warning(warehouse, catalog):
    listed = {}

    def first(records, rng):
        body = next(r for r in records if not is_person(r))
        listed.update(list_government_body(body, rng, "town_government"))

    def again(records, rng):  # the court sends the listing again, its 履行情况 updated
        records[0] = {**listed, "被执行人的履行情况": "部分未履行"}

    seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", at(2026, 10, 15, 10), 40, edit=first)
    seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", at(2026, 10, 22, 10), 41, edit=again)
    found = raised(warehouse, catalog, "2026-10", dt.date(2026, 10, 23), "government_debtor")
    assert len(found) == 1 and listed["被执行人姓名/名称"] in found[0].evidence
