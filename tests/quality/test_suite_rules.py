"""The market.admin_penalty suite, run through Great Expectations, one rule at a time:
a clean record passes; each broken record is refused for exactly its (field, rule)."""

import datetime as dt
import random

import pandas as pd
import pytest

from creditpipe.devtools.simulators.market_admin_penalty import Factory as PenaltyFactory
from creditpipe.quality.judge import check_records
from creditpipe.quality.suites import load_suite_document

DELIVERED = dt.date(2026, 10, 31)


def records(n=3, seed=1):
    rng = random.Random(seed)
    factory = PenaltyFactory(rng)
    out = []
    while len(out) < n:
        rec = factory.record(dt.date(2026, 10, 28))
        out.append(rec)
    return out


def by_category(category):
    for seed in range(50):
        for rec in records(10, seed):
            if rec["行政相对人类别"] == category:
                return rec
    raise AssertionError(category)


def run(recs):
    frame = pd.DataFrame(recs)
    frame = frame.where(frame != "", None).astype(object)
    frame.insert(0, "source_row", range(1, len(frame) + 1))
    return check_records(frame, "market.admin_penalty", DELIVERED)


def issues(verdict):
    return {(r.source_row, r.field, r.rule) for r in verdict.issues.itertuples()}


def test_clean_records_pass():
    verdict = run(records(200))
    assert verdict.issues.empty
    assert verdict.accepted == 200 and verdict.rejected == 0


ORG, PERSON, SHOP = "法人及非法人组织", "自然人", "个体工商户"
CASES = [
    # (party category, changes, expected (field, rule) set)
    (ORG, {"行政相对人名称": ""}, {("行政相对人名称", "required")}),
    (ORG, {"处罚依据": None}, {("处罚依据", "required")}),
    (ORG, {"数据来源单位统一社会信用代码": ""}, {("数据来源单位统一社会信用代码", "required")}),
    (ORG, {"统一社会信用代码": ""}, {("统一社会信用代码", "required_for_organisation")}),
    (SHOP, {"统一社会信用代码": ""}, {("统一社会信用代码", "required_for_organisation")}),
    (PERSON, {"证件号码": ""}, {("证件号码", "required_for_natural_person")}),
    (PERSON, {"证件类型": "", "证件号码": "11010519491231002X"}, {("证件类型", "required_for_natural_person")}),
    (ORG, {"统一社会信用代码": "91110000710926094Q"}, {("统一社会信用代码", "uscc_invalid")}),
    (ORG, {"处罚机关统一社会信用代码": "1132028100000000"}, {("处罚机关统一社会信用代码", "uscc_invalid")}),
    (PERSON, {"证件号码": "110105194912310021"}, {("证件号码", "resident_id_invalid")}),
    (PERSON, {"证件号码": "3.20281E+17"}, {("证件号码", "resident_id_invalid")}),
    (ORG, {"法定代表人证件号码": "110105194912310021"}, {("法定代表人证件号码", "resident_id_invalid")}),
    (PERSON, {"证件类型": "护照", "证件号码": "E12345678"}, set()),  # not a resident ID: no ID check
    (ORG, {"行政相对人类别": "企业"}, {("行政相对人类别", "enumeration")}),
    (PERSON, {"证件类型": "驾驶证"}, {("证件类型", "enumeration")}),
    (ORG, {"处罚类别": "罚金"}, {("处罚类别", "enumeration")}),
    (ORG, {"处罚类别": "警告；罚款"}, set()),
    (ORG, {"处罚类别": "没收违法所得、没收非法财物"}, set()),  # an older feed's category
    (ORG, {"处罚决定日期": "2026-09-31"}, {("处罚决定日期", "date_invalid")}),
    (ORG, {"处罚决定日期": "2026-11-02"}, {("处罚决定日期", "date_in_future")}),
    (ORG, {"处罚决定日期": "2026/10/28"}, set()),
    (ORG, {"处罚有效期": "长期"}, {("处罚有效期", "date_invalid")}),
    (ORG, {"公示截止期": "20290230"}, {("公示截止期", "date_invalid")}),
    (ORG, {"罚款金额（万元）": "-0.5"}, {("罚款金额（万元）", "amount_invalid")}),
    (ORG, {"罚款金额（万元）": "5000元"}, {("罚款金额（万元）", "amount_invalid")}),
    (
        ORG,
        {"没收违法所得、没收非法财物的金额（万元）": "-1"},
        {("没收违法所得、没收非法财物的金额（万元）", "amount_invalid")},
    ),
]


@pytest.mark.parametrize("category,changes,expected", CASES, ids=[str(c[1]) for c in CASES])
def test_each_rule(category, changes, expected):
    clean = records(5, seed=3)
    broken = dict(by_category(category))
    broken.update(changes)
    broken["行政处罚决定书文号"] = "澄市监处罚〔2026〕9999号"
    verdict = run([*clean, broken])
    assert issues(verdict) == {(6, f, r) for f, r in expected}
    assert verdict.rejected == (1 if expected else 0)
    assert verdict.received == verdict.accepted + verdict.rejected


def test_duplicate_decision_numbers_refuse_every_copy():
    recs = records(4, seed=5)
    recs[3]["行政处罚决定书文号"] = recs[1]["行政处罚决定书文号"]
    verdict = run(recs)
    assert issues(verdict) == {
        (2, "行政处罚决定书文号", "duplicate_in_delivery"),
        (4, "行政处罚决定书文号", "duplicate_in_delivery"),
    }


def test_one_record_breaking_several_rules_lists_each():
    rec = by_category(ORG)
    rec.update({"统一社会信用代码": "91110000710926094Q", "处罚类别": "罚金", "违法事实": ""})
    verdict = run([rec])
    assert issues(verdict) == {
        (1, "统一社会信用代码", "uscc_invalid"),
        (1, "处罚类别", "enumeration"),
        (1, "违法事实", "required"),
    }
    assert verdict.rejected == 1 and verdict.errors == 3


def test_messages_say_how_to_fix():
    rec = by_category(ORG)
    rec.update({"统一社会信用代码": "91110000710926094Q", "行政相对人类别": "企业", "处罚决定日期": "2026-11-05"})
    verdict = run([rec])
    by_rule = {r.rule: r for r in verdict.issues.itertuples()}
    assert "校验位应为“P”，实为“Q”" in by_rule["uscc_invalid"].message
    assert "法人及非法人组织、自然人、个体工商户" in by_rule["enumeration"].fix
    assert "2026-11-05" in by_rule["date_in_future"].message and "2026-10-31" in by_rule["date_in_future"].message


def test_every_suite_rule_has_a_chinese_message_and_fix():
    suite = load_suite_document("market.admin_penalty")
    assert len(suite["expectations"]) >= 30
    for e in suite["expectations"]:
        assert e["meta"]["rule"] and e["meta"]["message"] and e["meta"]["fix"], e
        assert e["severity"] in ("critical", "warning")


def _code(first17):
    from creditpipe.core.identifiers import uscc_check_char

    return first17 + uscc_check_char(first17)


@pytest.mark.parametrize(
    "first17,rule,severity,says",
    [
        ("B1320281123456789", "uscc_structure", "error", "第1位登记管理部门代码“B”不存在"),
        ("94320281123456789", "uscc_structure", "error", "第2位机构类别代码“4”与登记管理部门“9”不符"),
        ("91990281123456789", "uscc_structure", "error", "行政区划码“990281”不存在"),
        ("91320281123456780", "uscc_org_code", "warning", "校验位应为"),
    ],
)
def test_credit_code_structure(first17, rule, severity, says):
    rec = by_category(ORG)
    rec["统一社会信用代码"] = _code(first17)
    verdict = run([rec])
    (found,) = verdict.issues.itertuples()
    assert (found.field, found.rule, found.severity) == ("统一社会信用代码", rule, severity)
    assert says in found.message
    assert verdict.rejected == (1 if severity == "error" else 0)


def test_codes_of_authorities_a_n_y_pass_the_structure():
    from creditpipe.core.identifiers import org_code_check_char

    for first in "ANY":
        body8 = "12345678"
        rec = by_category(ORG)
        rec["统一社会信用代码"] = _code(first + "1" + "320281" + body8 + org_code_check_char(body8))
        assert run([rec]).issues.empty


def test_id_number_of_a_province_that_does_not_exist():
    from creditpipe.core.identifiers import resident_id_check_char

    rec = by_category(PERSON)
    first17 = "990105194912310" + "02"
    rec["证件号码"] = first17 + resident_id_check_char(first17)
    (found,) = run([rec]).issues.itertuples()
    assert found.rule == "resident_id_invalid" and "省份代码“99”不存在" in found.message


@pytest.mark.parametrize(
    "category,code_kind,contradicts",
    [
        (ORG, "2", True),  # a 92 code is an individual business, not an organisation
        (SHOP, "1", True),  # an individual business's code starts with 92
        (SHOP, "2", False),
        (ORG, "1", False),
    ],
)
def test_credit_code_and_category_must_agree(category, code_kind, contradicts):
    from creditpipe.devtools.simulators.identity import make_uscc

    rec = by_category(category)
    rec["统一社会信用代码"] = make_uscc(random.Random(4), "9", code_kind)
    found = {(r.field, r.rule) for r in run([rec]).issues.itertuples()}
    assert found == ({("统一社会信用代码、行政相对人类别", "code_contradicts_category")} if contradicts else set())


def test_a_natural_person_with_a_credit_code_contradicts():
    rec = by_category(PERSON)
    rec["统一社会信用代码"] = "91110000710926094P"
    (found,) = run([rec]).issues.itertuples()
    assert found.rule == "code_contradicts_category" and "自然人不填统一社会信用代码" in found.message


def test_dates_out_of_order_and_no_echo_of_a_bad_date():
    rec = by_category(ORG)
    rec.update({"处罚决定日期": "2026-10-28", "处罚有效期": "2026-10-01"})
    (found,) = run([rec]).issues.itertuples()
    assert (found.field, found.rule) == ("处罚决定日期、处罚有效期", "date_order")
    assert "2026-10-28 / 2026-10-01" in found.message
    # A decision date in the future is one problem, not also an order problem.
    rec2 = by_category(ORG)
    rec2.update(
        {"处罚决定日期": "2030-01-01", "处罚有效期": "2029-12-31", "行政处罚决定书文号": "澄市监处罚〔2026〕8888号"}
    )
    assert {(r.field, r.rule) for r in run([rec2]).issues.itertuples()} == {("处罚决定日期", "date_in_future")}


@pytest.mark.parametrize(
    "number,ok",
    [
        ("澄市监处罚〔2026〕0012号", True),
        ("澄市监处罚[2026]12号", True),  # half-width brackets
        ("澄市监处罚（2026）12号", True),  # full-width round brackets
        ("宜市监案字〔2019〕第123号", True),
        ("澄市监处罚2026012号", False),
        ("澄市监处罚〔26〕12号", False),
        ("澄市监处罚〔２０２６〕12号", False),  # full-width digits
    ],
)
def test_decision_number_format(number, ok):
    rec = by_category(ORG)
    rec["行政处罚决定书文号"] = number
    found = {(r.field, r.rule) for r in run([rec]).issues.itertuples()}
    assert found == (set() if ok else {("行政处罚决定书文号", "doc_no_format")})


@pytest.mark.parametrize(
    "decided,late",
    [
        ("2026-10-21", False),  # 22, 23, 26–30 October: 7 working days, on time
        ("2026-10-20", True),  # 8 working days: late, a warning only
        ("2026-09-29", False),  # across 国庆: 30 Sep, 8, 9, 10 (调休 Saturday), 12, 13, 14 Oct: 7
    ],
)
def test_publication_deadline_counts_working_days_with_the_holidays(decided, late):
    rec = by_category(ORG)
    rec["处罚决定日期"] = decided
    delivered = {"2026-09-29": dt.date(2026, 10, 14)}.get(decided, DELIVERED)
    frame = pd.DataFrame([rec]).astype(object)
    frame = frame.where(frame != "", None)
    frame.insert(0, "source_row", [1])
    verdict = check_records(frame, "market.admin_penalty", delivered)
    found = {(r.field, r.rule, r.severity) for r in verdict.issues.itertuples()}
    assert found == ({("处罚决定日期、报送日期", "late_publication", "warning")} if late else set())
    assert verdict.rejected == 0  # never in the 数据不合格率
    if late:
        assert "相隔 8 个工作日（应在 7 个工作日内）" in verdict.issues.iloc[0]["message"]


def test_a_pulled_record_is_published_when_it_changed_at_the_source():
    rec = by_category(ORG)
    rec["处罚决定日期"] = "2026-10-01"
    frame = pd.DataFrame(
        [
            rec,
            dict(rec, 行政处罚决定书文号="澄市监处罚〔2026〕7777号"),
            dict(rec, 行政处罚决定书文号="澄市监处罚〔2026〕7778号"),
        ]
    ).astype(object)
    frame = frame.where(frame != "", None)
    frame.insert(0, "source_row", [1, 2, 3])
    # Row 1 changed at the source on 9 October (2 working days after 国庆: on time); row 2
    # on 20 October (late); row 3 has no change time, so the delivery (31 October) counts.
    frame["报送日期"] = ["2026-10-09T10:00:00.000000", "2026-10-20T08:30:00.000000", None]
    found = {
        (r.source_row, r.rule) for r in check_records(frame, "market.admin_penalty", DELIVERED).issues.itertuples()
    }
    assert found == {(2, "late_publication"), (3, "late_publication")}


@pytest.mark.parametrize(
    "name,category,contradicts",
    [
        ("江阴市澄江恒源贸易有限公司", "自然人", True),
        ("江阴市王伟便利店", "自然人", True),
        ("王伟", "自然人", False),
        ("江阴市王伟便利店", "个体工商户", False),
    ],
)
def test_a_natural_person_is_not_named_like_a_company(name, category, contradicts):
    rec = by_category(PERSON if category == "自然人" else SHOP)
    rec["行政相对人名称"] = name
    found = {(r.field, r.rule) for r in run([rec]).issues.itertuples()}
    assert found == ({("行政相对人名称、行政相对人类别", "name_contradicts_category")} if contradicts else set())
