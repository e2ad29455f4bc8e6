"""失信被执行人 (court.dishonest_debtor) and 公用事业欠费 (utility.arrears, from 供电, 水务 and
燃气): clean simulated records pass their suites, every injected error kind is refused for
exactly its (row, field, rule), `creditpipe validate` refuses exactly the injected records,
and the suites' formats (案号, masked ID) accept what courts publish and nothing else."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
import string
import subprocess
import sys
from collections import defaultdict

import pandas as pd
import pytest

from creditpipe.core.catalog import load_catalog
from creditpipe.core.identifiers import is_valid_uscc, resident_id_check_char
from creditpipe.devtools.simulators import make_delivery, module_for, write_table
from creditpipe.quality.judge import check_records
from creditpipe.quality.suites import expectation_columns, load_suite_document

DELIVERED = dt.date(2026, 10, 31)
COURT, UTILITY = "court.dishonest_debtor", "utility.arrears"
SOURCES = [(COURT, "court"), (UTILITY, "power"), (UTILITY, "water"), (UTILITY, "gas")]
SOURCE_IDS = [f"{d}:{dep}" for d, dep in SOURCES]
DATE_FIELDS = {COURT: ["立案时间", "发布时间"], UTILITY: ["欠费起始日期", "最近催缴日期", "认定日期"]}


# -- helpers ---------------------------------------------------------------------------


def as_frame(records: list[dict]) -> pd.DataFrame:
    """What read_delivery hands the suite: strings, None for empty cells, a source_row."""
    frame = pd.DataFrame(records)
    frame = frame.where(frame != "", None).astype(object)
    frame.insert(0, "source_row", range(1, len(frame) + 1))
    return frame


def run(records: list[dict], dataset_id: str, delivered: dt.date = DELIVERED):
    return check_records(as_frame(records), dataset_id, delivered)


def issues(verdict) -> set[tuple[int, str, str]]:
    return {(int(r.source_row), r.field, r.rule) for r in verdict.issues.itertuples()}


def clean_records(dataset_id: str, department: str, n: int, seed: int = 1, last: dt.date = DELIVERED) -> list[dict]:
    factory = module_for(dataset_id).Factory(random.Random(f"{seed}:{department}"), department, 0)
    return [factory.record(last - dt.timedelta(days=(n - k) % 120)) for k in range(n)]


def suite_regex(dataset_id: str, rule: str) -> str:
    (pattern,) = [
        e["kwargs"]["regex"] for e in load_suite_document(dataset_id)["expectations"] if e["meta"]["rule"] == rule
    ]
    return pattern


def matches(pattern: str, value: str) -> bool:
    return re.search(pattern, value) is not None  # what GE's pandas match_regex does


# -- (a) clean records pass, and look like 江阴's ---------------------------------------


@pytest.mark.parametrize("dataset_id,department", SOURCES, ids=SOURCE_IDS)
def test_clean_records_pass(dataset_id, department):
    dataset = load_catalog().dataset(dataset_id)
    days = [DELIVERED - dt.timedelta(days=k % 200) for k in range(200)]
    factory = module_for(dataset_id).Factory(random.Random(f"clean:{department}"), department, 3000)
    records = [factory.record(day) for day in days]
    for rec, day in zip(records, days):
        assert list(rec) == dataset.field_names  # every catalog field, nothing else, in order
        assert all(isinstance(v, str) for v in rec.values())
        assert all(rec[f] for f in dataset.required_fields)
        for name in DATE_FIELDS[dataset_id]:
            if rec[name]:
                assert dt.date.fromisoformat(rec[name]) <= day, (name, rec)
    verdict = run(records, dataset_id)
    assert verdict.issues.empty, verdict.issues.head(10).to_string()
    assert (verdict.accepted, verdict.rejected) == (200, 0)


def test_court_records_are_realistic():
    records = clean_records(COURT, "court", 400, seed=7)
    courts = {"江阴市人民法院": "苏0281", "无锡市中级人民法院": "苏02"}
    persons = [r for r in records if r["性别"]]
    assert 0.7 <= len(persons) / len(records) <= 0.9
    assert {r["执行法院"] for r in records} == set(courts)
    assert sum(r["执行法院"] == "江阴市人民法院" for r in records) > 0.8 * len(records)
    assert {r["省份"] for r in records} == {"江苏"}
    assert any(r["案号"].startswith("(") for r in records) and any(r["案号"].startswith("（") for r in records)
    assert any("字第" in r["案号"] for r in records)  # a few pre-2016 case numbers
    for r in records:
        if "字第" not in r["案号"]:
            assert r["案号"][6:].startswith(courts[r["执行法院"]] + "执"), r
        assert r["案号"][1:5] == r["立案时间"][:4]  # the case year is the filing year
        assert r["立案时间"] < r["发布时间"]
    masks = {len(r["身份证号码/组织机构代码"]) for r in persons}
    assert masks <= {15, 18, 19} and 18 in masks  # 10+4+4 mostly; old 15-digit; relays' 11+4+4
    for r in persons:
        code = r["身份证号码/组织机构代码"]
        born, sex = (f"19{code[6:8]}", code[14]) if len(code) == 15 else (code[6:10], code[-2])
        assert int(r["年龄"]) == int(r["发布时间"][:4]) - int(born)
        assert r["性别"] == ("男" if int(sex) % 2 else "女")
        assert not r["法定代表人"]
    organisations = [r["身份证号码/组织机构代码"] for r in records if r not in persons]
    assert all((r["年龄"], r["法定代表人"] != "") == ("", True) for r in records if r not in persons)
    for code in organisations:
        masked = re.fullmatch(r"[0-9A-Z]{10}\*{4}[0-9A-Z]{4}", code)
        assert is_valid_uscc(code) or masked or re.fullmatch(r"[0-9]{8}-?[0-9X]", code), code
    assert any("*" in c for c in organisations) and any(re.fullmatch(r"[0-9]{8}[0-9X]", c) for c in organisations)


ACCOUNT_SHAPE = {"power": r"3202[0-9]{6}", "water": r"JY[0-9]{8}", "gas": r"RQ[0-9]{9}"}


@pytest.mark.parametrize("department", ["power", "water", "gas"])
def test_utility_records_follow_the_provider_and_the_local_rule(department):
    catalog = load_catalog()
    records = clean_records(UTILITY, department, 400, seed=11)
    assert {r["提供单位"] for r in records} == {catalog.departments[department].name}
    (provider_uscc,) = {r["提供单位统一社会信用代码"] for r in records}
    assert is_valid_uscc(provider_uscc)
    assert len({r["户号"] for r in records}) == len(records)
    residents = [r for r in records if r["用户类型"] == "居民"]
    assert 0.65 <= len(residents) / len(records) <= 0.85
    for r in records:
        assert re.fullmatch(ACCOUNT_SHAPE[department], r["户号"]), r["户号"]
        assert r["用电（水、气）地址"].startswith("江阴市") and r["用电（水、气）地址"].endswith(("号", "室"))
        resident = r["用户类型"] == "居民"
        threshold = 500 if resident else 1000
        assert int(r["催缴次数"]) >= 2
        assert float(r["欠费金额（元）"]) >= threshold or int(r["欠费月数"]) >= 3, r
        assert r["欠费起始日期"] <= r["最近催缴日期"] <= r["认定日期"]
        if resident:
            assert r["证件类型"] in ("身份证", "居民身份证") and r["证件号码"][:6].isdigit()
            assert not r["统一社会信用代码"]
        else:
            assert is_valid_uscc(r["统一社会信用代码"]) and not r["证件号码"]


# -- (b) every error kind is refused for exactly its (row, field, rule) ----------------


@pytest.mark.parametrize("dataset_id,department", SOURCES, ids=SOURCE_IDS)
@pytest.mark.parametrize("seed", [1, 2])
def test_each_error_kind_refused_exactly(dataset_id, department, seed):
    """Every kind four times in one delivery (the injectors pick among several shapes):
    each injected row is refused for its kind's (field, rule) only, and no other row is."""
    mod = module_for(dataset_id)
    rng = random.Random(f"kinds:{seed}:{department}")
    days = sorted(DELIVERED - dt.timedelta(days=rng.randint(0, 27)) for _ in range(400))
    kinds = list(mod.ERROR_KINDS) * 4
    records, expected = make_delivery(dataset_id, department, rng, days, DELIVERED, kinds, 5000 * seed, "kinds")
    verdict = run(records, dataset_id)
    got = defaultdict(set)
    for row, field, rule in issues(verdict):
        got[row].add((field, rule))
    rows_of = defaultdict(list)
    for e in expected:
        rows_of[e.kind].append(e.source_row)
    assert set(rows_of) == set(mod.ERROR_KINDS)
    for kind, rows in rows_of.items():
        field, rule = mod.ERROR_KINDS[kind]
        assert len(rows) == (8 if rule == "duplicate_in_delivery" else 4), kind
        for row in rows:
            assert got.pop(row, set()) == {(field, rule)}, (kind, row, records[row - 1])
    assert not got, f"refused without an injected error: {dict(got)}"
    assert verdict.rejected == len({e.source_row for e in expected})


@pytest.mark.parametrize("dataset_id", [COURT, UTILITY])
def test_error_kinds_name_rules_of_the_suite(dataset_id):
    rules = {
        ("、".join(expectation_columns(e)), e["meta"]["rule"]) for e in load_suite_document(dataset_id)["expectations"]
    }
    for kind, pair in module_for(dataset_id).ERROR_KINDS.items():
        assert pair in rules, kind


# -- (c) `creditpipe validate` on a CSV delivery with every kind -------------------------

CSV_ENCODINGS = {"court": "utf-8", "power": "gb18030", "water": "utf-8-sig", "gas": "utf-8"}


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """One CSV per source with every kind injected, validated by four concurrent CLI runs."""
    folder = tmp_path_factory.mktemp("validate")
    runs = {}
    for dataset_id, department in SOURCES:
        mod = module_for(dataset_id)
        rng = random.Random(f"cli:{department}")
        days = sorted(DELIVERED - dt.timedelta(days=rng.randint(0, 27)) for _ in range(120))
        name = f"{department}_{DELIVERED:%Y%m%d}.csv"
        records, expected = make_delivery(
            dataset_id, department, rng, days, DELIVERED, list(mod.ERROR_KINDS), 9000, name
        )
        path = folder / name
        write_table(records, path, "csv", CSV_ENCODINGS[department])
        out = folder / f"out_{department}"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "creditpipe.cli",
                "validate",
                "--dataset",
                dataset_id,
                str(path),
                "--out",
                str(out),
                "--delivery-date",
                DELIVERED.isoformat(),
                "--department",
                department,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        runs[department] = (proc, out, expected, len(records))
    done = {}
    for department, (proc, out, expected, count) in runs.items():
        stdout, stderr = proc.communicate(timeout=300)
        done[department] = (proc.returncode, stdout, stderr, out, expected, count)
    return done


@pytest.mark.parametrize("dataset_id,department", SOURCES, ids=SOURCE_IDS)
def test_validate_cli_refuses_exactly_the_injected(validated, dataset_id, department):
    returncode, stdout, stderr, out, expected, count = validated[department]
    assert returncode == 0, stderr
    assert {e.kind for e in expected} == set(module_for(dataset_id).ERROR_KINDS)
    with open(out / "rejections.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert all(r["message"] and r["fix"] for r in rows)
    assert {(int(r["source_row"]), r["field"], r["rule"]) for r in rows} == {
        (e.source_row, e.field, e.rule) for e in expected
    }
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["dataset"] == dataset_id and summary["received"] == count
    assert summary["rejected"] == len({e.source_row for e in expected})
    assert (out / "rejection_notice.xlsx").stat().st_size > 0


# -- (d) the suites themselves ---------------------------------------------------------

ALLOWED_TYPES = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
    "expect_column_values_to_not_be_placeholder_text",
    "expect_column_values_to_be_trimmed_single_line",
    "expect_column_values_to_have_no_control_characters",
    "expect_column_values_to_have_valid_uscc_structure",
    "expect_column_values_to_have_valid_embedded_org_code",
    "expect_column_pair_dates_to_be_in_order",
    "expect_column_pair_uscc_to_match_party_category",
    "expect_column_pair_published_within_working_days",
    "expect_column_pair_name_to_match_party_category",
    "expect_column_values_to_be_valid_uscc",
    "expect_column_values_to_be_valid_resident_id",
    "expect_column_values_to_not_be_whole_resident_id",
    "expect_column_values_to_not_be_placeholder_code",
    "expect_column_values_to_be_calendar_dates",
    "expect_column_values_to_be_dates_not_after",
    "expect_column_values_to_be_non_negative_numbers",
    "expect_column_values_to_be_terms_in_set",
}
PLACEHOLDERS = {"value", "field", "allowed", "detail", "not_after"}


@pytest.mark.parametrize("dataset_id", [COURT, UTILITY])
def test_every_rule_has_a_chinese_message_and_fix(dataset_id):
    dataset = load_catalog().dataset(dataset_id)
    suite = load_suite_document(dataset_id)
    assert suite["name"] == dataset_id and suite["meta"]["dataset"] == dataset_id
    required = set()
    for e in suite["expectations"]:
        meta = e["meta"]
        assert e["severity"] == (
            "warning" if e["meta"]["rule"] in ("stray_whitespace", "uscc_org_code", "late_publication") else "critical"
        ), e
        assert e["type"] in ALLOWED_TYPES, e
        assert set(expectation_columns(e)) <= set(dataset.field_names) | {"报送日期"}, e
        assert meta["rule"] and meta["message"] and meta["fix"], e
        for text in (meta["message"], meta["fix"]):
            assert re.search("[\u4e00-\u9fff]", text), e
            names = {n for _, n, _, _ in string.Formatter().parse(text) if n is not None}
            assert names <= PLACEHOLDERS, e
        if e["type"] == "expect_column_values_to_match_regex":
            assert e["kwargs"]["regex"].startswith("^") and e["kwargs"]["regex"].endswith("$"), e
        if meta["rule"] == "required":
            required.add(e["kwargs"]["column"])
    assert required == set(dataset.required_fields)
    pairs = [(e["type"], json.dumps(e["kwargs"], sort_keys=True)) for e in suite["expectations"]]
    assert len(pairs) == len(set(pairs))  # no rule twice


# -- (e) the 案号 and masked-ID formats --------------------------------------------------

CASE_NO_OK = [
    "(2020)苏0281执1234号",  # the domain reference's examples
    "(2020)京03执恢88号",
    "(2014)绍虞执民字第00243号",
    "（2015）澄执字第01234号",
    "（2026）苏0281执1234号",
    "（2026）苏0281执恢12号",
    "(2021)苏02执异7号",
    "（2022）苏0281执保321号",
    "（2020)苏0281执1234号",  # mixed bracket widths are still brackets
    "（2019）最高法执复12号",
    "(2021)苏执监5号",  # a high court: the province alone
    "(2023)沪72执123号",  # a maritime court
    "（2013）锡执恢字第0088号",
    "（2012）澄执字第123号",
]
CASE_NO_BAD = [
    "2020苏0281执1234号",  # no brackets
    "〔2020〕苏0281执1234号",  # a document number's brackets
    "【2020】苏0281执1234号",
    "[2020]苏0281执1234号",
    "(2020)苏0281执1234",  # 号 lost
    "(2020)苏281执1234号",  # a three-digit court code
    "(2020)江苏0281执1234号",
    "(2020)苏0281民初1234号",  # not an enforcement case
    "(2020)苏0281执号",  # no serial
    "(2020)苏0281执１２３４号",  # full-width digits
    "(20)苏0281执1234号",
    "(2014)苏0281执1234号",  # the new form did not exist before 2016
    "(2020)澄执字第01234号",  # the old form ended in 2015
    "(2020)苏0281执恢字第88号",
    " (2020)苏0281执1234号",
    "(2020)苏0281执1234号 ",
    "(2020)苏0281执1234号，(2020)苏0281执1235号",
    "案号(2020)苏0281执1234号",
]
MASKED_ID_OK = [
    "3301061977****0418",  # the domain reference's example
    "3202811985****123X",
    "3202811985****123x",
    "71092609-4",  # an organisation code, with and without its hyphen
    "710926094",
    "MA1MXY0G-X",
    "91110000710926094P",  # unified social credit codes
    "9144030071526726XG",
    "92320281MA1XY27Q3K",
]
MASKED_ID_BAD = [
    "330106********0418",  # masked 6 + 8 + 4, not the list's 10 + 4 + 4
    "3301061977***0418",
    "3301061977*****418",
    "3301061977****041",
    "3301061977＊＊＊＊0418",  # full-width asterisks
    "3301061977****0418 ",
    "33010619770101041",  # 17 digits
    "7109260-9",
    "71092609_4",
    "71092609-A",
    "71092609-x",
    "9111000071092609",  # 16 characters
    "91110000710926094",  # 17 characters
    "9111000071092609IP",  # I is not in the code's alphabet
    "91110000710926O94P",
    "身份证3301061977****0418",
]


def test_case_no_format_examples():
    pattern = suite_regex(COURT, "case_no_format")
    assert [v for v in CASE_NO_OK if not matches(pattern, v)] == []
    assert [v for v in CASE_NO_BAD if matches(pattern, v)] == []


def test_masked_id_format_examples():
    pattern = suite_regex(COURT, "masked_id_format")
    assert [v for v in MASKED_ID_OK if not matches(pattern, v)] == []
    assert [v for v in MASKED_ID_BAD if matches(pattern, v)] == []


def test_formats_through_the_suite():
    """The same examples through Great Expectations: only the bad ones are refused."""
    template = clean_records(COURT, "court", 1, seed=5)[0]
    rows, expected = [], set()
    for n, value in enumerate(CASE_NO_OK + CASE_NO_BAD, start=1):
        rows.append({**template, "案号": value})
        if value in CASE_NO_BAD:
            expected.add((n, "案号", "case_no_format"))
    for value in MASKED_ID_OK + MASKED_ID_BAD:
        rows.append({**template, "案号": f"（2026）苏0281执{len(rows) + 1}号", "身份证号码/组织机构代码": value})
        if value in MASKED_ID_BAD:
            expected.add((len(rows), "身份证号码/组织机构代码", "masked_id_format"))
    # 案号 that differ only in bracket width are different strings: no duplicate here.
    assert len({r["案号"] for r in rows}) == len(rows)
    assert issues(run(rows, COURT)) == expected


# -- single rules, one delivery per dataset --------------------------------------------

GROUND_1, GROUND_4 = "有履行能力而拒不履行生效法律文书确定义务", "违反财产报告制度"
PERSON, ORG = "person", "org"
COURT_CASES = [
    (ORG, {}, set()),
    (PERSON, {"年龄": "18"}, set()),
    (PERSON, {"年龄": "120"}, set()),
    (PERSON, {"年龄": "17"}, {("年龄", "integer_invalid")}),
    (PERSON, {"年龄": "121"}, {("年龄", "integer_invalid")}),
    (PERSON, {"年龄": "45岁"}, {("年龄", "integer_invalid")}),
    (PERSON, {"性别": "未知"}, {("性别", "enumeration")}),
    (PERSON, {"性别": "", "年龄": ""}, set()),
    (ORG, {"身份证号码/组织机构代码": "71092609-4"}, set()),
    (PERSON, {"身份证号码/组织机构代码": ""}, {("身份证号码/组织机构代码", "required")}),
    (PERSON, {"省份": "江苏省"}, {("省份", "enumeration")}),
    (PERSON, {"省份": "内蒙古"}, set()),
    (PERSON, {"被执行人的履行情况": "全部履行"}, {("被执行人的履行情况", "enumeration")}),
    (PERSON, {"失信被执行人行为具体情形": f"{GROUND_1}，{GROUND_4}的"}, set()),
    (PERSON, {"失信被执行人行为具体情形": "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行的"}, set()),
    (PERSON, {"失信被执行人行为具体情形": f"{GROUND_4};其他"}, {("失信被执行人行为具体情形", "enumeration")}),
    (PERSON, {"立案时间": "2026/9/8"}, set()),
    (PERSON, {"立案时间": "2026-11-02"}, {("立案时间", "date_in_future")}),
    (PERSON, {"发布时间": "20260931"}, {("发布时间", "date_invalid")}),
    (PERSON, {"发布时间": "2026-10-31"}, set()),
    (ORG, {"执行法院": ""}, {("执行法院", "required")}),
    (ORG, {"生效法律文书确定的义务": None}, {("生效法律文书确定的义务", "required")}),
    (ORG, {"已履行部分": "", "未履行部分": "", "法定代表人": ""}, set()),
]
RES, BUS = "居民", "非居民"
UTILITY_CASES = [
    (RES, {"证件类型": "护照", "证件号码": "E12345678"}, set()),  # not a resident ID: no ID check
    (RES, {"证件类型": "01"}, set()),
    (RES, {"证件类型": ""}, {("证件类型", "required_for_natural_person")}),
    (RES, {"证件号码": None}, {("证件号码", "required_for_natural_person")}),
    (RES, {"证件号码": "3.20281E+17"}, {("证件号码", "resident_id_invalid")}),
    (RES, {"用户类型": "居民用户"}, {("用户类型", "enumeration")}),
    (RES, {"用户类型": ""}, {("用户类型", "required")}),
    (BUS, {"统一社会信用代码": ""}, {("统一社会信用代码", "required_for_organisation")}),
    (BUS, {"统一社会信用代码": "91110000710926094Q"}, {("统一社会信用代码", "uscc_invalid")}),
    (BUS, {"提供单位统一社会信用代码": "913202810000000000"}, {("提供单位统一社会信用代码", "uscc_invalid")}),
    (BUS, {"欠费金额（元）": "0"}, set()),
    (BUS, {"欠费金额（元）": "1,234.00"}, {("欠费金额（元）", "amount_invalid")}),
    (RES, {"欠费金额（元）": "-12.5"}, {("欠费金额（元）", "amount_invalid")}),
    (RES, {"欠费月数": "0"}, set()),
    (RES, {"欠费月数": "-1"}, {("欠费月数", "integer_invalid")}),
    (RES, {"欠费月数": "3.0"}, {("欠费月数", "integer_invalid")}),
    (RES, {"催缴次数": "2次"}, {("催缴次数", "integer_invalid")}),
    (RES, {"最近催缴日期": ""}, set()),
    (RES, {"最近催缴日期": "2026.09.15"}, {("最近催缴日期", "date_invalid")}),
    (RES, {"欠费起始日期": "2026-13-01"}, {("欠费起始日期", "date_invalid")}),
    (RES, {"认定日期": "2026-11-01"}, {("认定日期", "date_in_future")}),
    (RES, {"认定日期": "2026/10/31"}, set()),
    (BUS, {"提供单位": ""}, {("提供单位", "required")}),
    (BUS, {"用电（水、气）地址": None}, {("用电（水、气）地址", "required")}),
]


def _case_delivery(dataset_id, department, cases, kind_of, key):
    pool = clean_records(dataset_id, department, 300, seed=21)
    by_kind = defaultdict(list)
    for rec in pool:
        by_kind[kind_of(rec)].append(rec)
    rows, expected = [], set()
    for n, (kind, changes, want) in enumerate(cases, start=1):
        rows.append({**by_kind[kind][n], **changes})
        expected |= {(n, f, r) for f, r in want}
    assert len({r[key] for r in rows}) == len(rows)
    return rows, expected


def test_court_single_rules():
    rows, expected = _case_delivery(COURT, "court", COURT_CASES, lambda r: PERSON if r["性别"] else ORG, "案号")
    assert issues(run(rows, COURT)) == expected


@pytest.mark.parametrize("department", ["power", "gas"])
def test_utility_single_rules(department):
    rows, expected = _case_delivery(UTILITY, department, UTILITY_CASES, lambda r: r["用户类型"], "户号")
    assert issues(run(rows, UTILITY)) == expected


def test_duplicates_refuse_every_copy():
    court = clean_records(COURT, "court", 5, seed=31)
    court[4]["案号"] = court[1]["案号"]  # the same case, another debtor: fine
    assert issues(run(court, COURT)) == set()
    court[4]["身份证号码/组织机构代码"] = court[1]["身份证号码/组织机构代码"]  # the same debtor twice
    key = "案号、身份证号码/组织机构代码"
    assert issues(run(court, COURT)) == {(2, key, "duplicate_in_delivery"), (5, key, "duplicate_in_delivery")}
    arrears = clean_records(UTILITY, "water", 5, seed=31)
    arrears[3]["户号"] = arrears[0]["户号"]
    assert issues(run(arrears, UTILITY)) == {(1, "户号", "duplicate_in_delivery"), (4, "户号", "duplicate_in_delivery")}


def test_messages_tell_the_clerk_what_is_wrong():
    rec = next(r for r in clean_records(UTILITY, "power", 20, seed=41) if r["用户类型"] == "居民")
    code = rec["证件号码"]
    wrong = "0" if code[17] != "0" else "1"
    rec.update({"证件号码": code[:17] + wrong, "用户类型": "居民", "认定日期": "2026-11-05", "欠费月数": "3个月"})
    by_rule = {r.rule: r for r in run([rec], UTILITY).issues.itertuples()}
    assert set(by_rule) == {"resident_id_invalid", "date_in_future", "integer_invalid"}
    assert f"校验位应为“{resident_id_check_char(code[:17])}”" in by_rule["resident_id_invalid"].message
    assert "2026-11-05" in by_rule["date_in_future"].message and "2026-10-31" in by_rule["date_in_future"].message
    assert "3个月" in by_rule["integer_invalid"].message
    court = clean_records(COURT, "court", 1, seed=41)[0]
    court.update({"案号": "〔2026〕苏0281执12号", "省份": "江苏省"})
    by_rule = {r.rule: r for r in run([court], COURT).issues.itertuples()}
    assert "〔2026〕苏0281执12号" in by_rule["case_no_format"].message
    assert "（2026）苏0281执1234号" in by_rule["case_no_format"].fix
    assert "江苏、浙江" in by_rule["enumeration"].fix


def test_notice_names_the_delivering_department(validated, catalog):
    import openpyxl

    for department in ("water", "gas"):
        out = validated[department][3]
        info = dict(openpyxl.load_workbook(out / "rejection_notice.xlsx")["说明"].iter_rows(values_only=True))
        assert info["报送部门"] == catalog.departments[department].name


def test_validate_asks_which_department_when_several_deliver(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("户号\n1\n", encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "creditpipe.cli",
            "validate",
            "--dataset",
            "utility.arrears",
            str(path),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "--department" in proc.stderr and "Traceback" not in proc.stderr
