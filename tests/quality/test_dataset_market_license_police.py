"""Three more datasets: 市场监管 行政许可, 公安 行政处罚 (交通、消防), 派出所 人口基础信息.

For each: clean simulated records pass the suite; every error kind of the simulator is
refused for exactly its (row, field, rule) and nothing else; `creditpipe validate` on a
CSV delivery returns exactly the injected errors; every rule tells the clerk how to fix it."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import string
import subprocess
import sys
from collections import defaultdict

import pandas as pd
import pytest

from creditpipe.core.identifiers import resident_id_birth_date
from creditpipe.devtools.simulators import make_delivery, module_for, write_table
from creditpipe.quality.judge import check_records
from creditpipe.quality.suites import expectation_columns, load_suite_document

DATASETS = {
    "market.admin_license": "market",
    "police.admin_penalty": "police",
    "police.population": "police",
}
IDS = list(DATASETS)
DELIVERED = dt.date(2026, 10, 31)
BUILT_IN = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_unique",
}
CUSTOM = {
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
    "expect_column_values_to_be_calendar_dates",
    "expect_column_values_to_be_dates_not_after",
    "expect_column_values_to_be_non_negative_numbers",
    "expect_column_values_to_be_terms_in_set",
}
PLACEHOLDERS = {"value", "field", "allowed", "detail", "not_after"}


def october_days(rng: random.Random, n: int) -> list[dt.date]:
    return sorted(dt.date(2026, 10, 1) + dt.timedelta(days=rng.randint(0, 30)) for _ in range(n))


def run(records: list[dict], dataset_id: str, catalog):
    """The suite over records as the delivery reader hands them over (None when empty)."""
    frame = pd.DataFrame(records, columns=catalog.dataset(dataset_id).field_names)
    frame = frame.where(frame != "", None).astype(object)
    frame.insert(0, "source_row", range(1, len(frame) + 1))
    # Each record published on its decision day (timely): only the injected errors show. A
    # decision dated after the delivery (an injected error) was published on delivery day.
    for decision in ("处罚决定日期", "许可决定日期"):
        if decision in frame.columns:
            ahead = pd.to_datetime(frame[decision], errors="coerce") > pd.Timestamp(DELIVERED)
            frame["报送日期"] = frame[decision].where(~ahead, DELIVERED.isoformat())
    return check_records(frame, catalog.dataset(dataset_id).suite, DELIVERED)


def found(verdict) -> set[tuple[int, str, str]]:
    return {(int(r.source_row), r.field, r.rule) for r in verdict.issues.itertuples()}


# ---------------------------------------------------------------------------- (a) clean


@pytest.mark.parametrize("dataset_id", IDS)
def test_clean_records_pass(dataset_id, catalog):
    mod = module_for(dataset_id)
    rng = random.Random(f"clean:{dataset_id}")
    factory = mod.Factory(rng, DATASETS[dataset_id], 0)
    records = [factory.record(day) for day in october_days(rng, 200)]
    fields = list(catalog.dataset(dataset_id).field_names)
    for rec in records:
        assert list(rec) == fields  # every catalog field, in catalog order, nothing else
        assert all(isinstance(v, str) for v in rec.values())
    verdict = run(records, dataset_id, catalog)
    assert verdict.issues.empty, verdict.issues.head(10).to_dict("records")
    assert (verdict.received, verdict.accepted, verdict.rejected) == (200, 200, 0)
    for key in catalog.dataset(dataset_id).business_key:  # the business key is unique
        assert len({r[key] for r in records}) == 200


@pytest.mark.parametrize("dataset_id", ["market.admin_license", "police.admin_penalty"])
def test_clean_records_cover_every_party_category(dataset_id):
    mod = module_for(dataset_id)
    rng = random.Random(7)
    factory = mod.Factory(rng, DATASETS[dataset_id], 0)
    records = [factory.record(DELIVERED) for _ in range(300)]
    assert {r["行政相对人类别"] for r in records} == {"法人及非法人组织", "个体工商户", "自然人"}
    for r in records:
        assert r["行政相对人名称"]
        if r["行政相对人类别"] == "自然人":
            assert r["证件类型"] == "身份证" and len(r["证件号码"]) == 18 and not r["统一社会信用代码"]
        else:
            assert r["统一社会信用代码"][:2] == ("92" if r["行政相对人类别"] == "个体工商户" else "91")


def test_license_records_look_like_jiangyin_licences():
    mod = module_for("market.admin_license")
    rng = random.Random(3)
    factory = mod.Factory(rng, "market", 0)
    records = [factory.record(dt.date(2026, 10, 8)) for _ in range(300)]
    assert {r["许可机关"] for r in records} == {"江阴市市场监督管理局", "江阴市行政审批局"}
    assert {"食品经营许可证", "营业执照", "特种设备使用登记证"} <= {r["许可证书名称"] for r in records}
    for r in records:
        assert r["许可决定日期"] == r["有效期自"] == "2026-10-08"
        assert r["有效期至"] > r["有效期自"]
        if r["许可证书名称"] == "食品经营许可证":
            assert r["许可编号"].startswith(("JY1320281", "JY2320281")) and len(r["许可编号"]) == 16


def test_police_penalties_are_traffic_and_fire_by_the_right_body():
    mod = module_for("police.admin_penalty")
    rng = random.Random(5)
    factory = mod.Factory(rng, "police", 0)
    records = [factory.record(dt.date(2026, 10, 8)) for _ in range(300)]
    by_body = defaultdict(list)
    for r in records:
        by_body[r["处罚机关"]].append(r)
        assert r["处罚决定日期"] == "2026-10-08"
        if "行政拘留" in r["处罚类别"]:
            assert r["处罚机关"] == "江阴市公安局" and r["行政相对人类别"] == "自然人"
    assert set(by_body) == {"江阴市公安局交通警察大队", "江阴市消防救援大队", "江阴市公安局"}
    for r in by_body["江阴市消防救援大队"]:
        assert r["处罚依据"].startswith("《中华人民共和国消防法》")
        assert r["行政处罚决定书文号"].startswith("澄消行罚决字〔2026〕")
    for r in by_body["江阴市公安局交通警察大队"]:
        assert r["处罚依据"].startswith("《中华人民共和国道路交通安全法》")
        assert r["行政处罚决定书文号"].startswith("澄公（交）行罚决字〔2026〕")
    traffic = [r for r in records if "道路交通安全法" in r["处罚依据"]]
    fire = [r for r in records if "消防法" in r["处罚依据"]]
    assert sum(r["行政相对人类别"] == "自然人" for r in traffic) > 0.8 * len(traffic)
    assert sum(r["行政相对人类别"] != "自然人" for r in fire) > 0.6 * len(fire)


def test_population_records_agree_with_their_id_numbers():
    mod = module_for("police.population")
    rng = random.Random(11)
    factory = mod.Factory(rng, "police", 0)
    records = [factory.record(day) for day in october_days(rng, 500)]
    assert len({r["公民身份号码"] for r in records}) == 500
    for r in records:
        code = r["公民身份号码"]
        assert resident_id_birth_date(code).isoformat() == r["出生日期"]
        assert r["性别"] == ("男" if int(code[16]) % 2 else "女")
        assert r["户籍地址"].startswith("江苏省江阴市") and r["户籍地址"].endswith(("号", "室"))
        assert r["所属派出所"].startswith("江阴市公安局") and r["所属派出所"].endswith("派出所")
        if r["登记日期"]:
            assert r["出生日期"] <= r["登记日期"] <= DELIVERED.isoformat()


# ---------------------------------------------------------------------------- (b) each kind


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("dataset_id", IDS)
def test_each_error_kind_is_refused_for_exactly_its_field_and_rule(dataset_id, seed, catalog):
    """Every kind injected into one delivery (on distinct, non-adjacent rows, so each
    refusal belongs to one kind), checked kind by kind."""
    mod = module_for(dataset_id)
    rng = random.Random(f"kinds:{dataset_id}:{seed}")
    kinds = list(mod.ERROR_KINDS)
    records, expected = make_delivery(
        dataset_id,
        DATASETS[dataset_id],
        rng,
        october_days(rng, 150),
        DELIVERED,
        kinds,
        0,
        "d.csv",
    )
    verdict = run(records, dataset_id, catalog)
    got = found(verdict)
    by_kind = defaultdict(set)
    for e in expected:
        by_kind[e.kind].add((e.source_row, e.field, e.rule))
    assert set(by_kind) == set(kinds)
    for kind, want in by_kind.items():
        rows = {row for row, _, _ in want}
        assert len(rows) == (2 if kind.startswith("duplicate") else 1), kind
        assert {(f, r) for _, f, r in want} == {mod.ERROR_KINDS[kind]}, kind
        assert {g for g in got if g[0] in rows} == want, kind
    assert got == set().union(*by_kind.values())  # nothing refused that was not injected
    assert verdict.rejected == len({row for row, _, _ in got})


# ---------------------------------------------------------------------------- (c) the CLI


@pytest.mark.parametrize("dataset_id", IDS)
def test_validate_cli_returns_exactly_the_injected_errors(dataset_id, tmp_path):
    mod = module_for(dataset_id)
    rng = random.Random(f"cli:{dataset_id}")
    name = f"{dataset_id}.csv"
    records, expected = make_delivery(
        dataset_id,
        DATASETS[dataset_id],
        rng,
        october_days(rng, 120),
        DELIVERED,
        list(mod.ERROR_KINDS),
        0,
        name,
    )
    path = tmp_path / name
    write_table(records, path, "csv")
    out = tmp_path / "out"
    proc = subprocess.run(
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
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    with open(out / "rejections.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    # Errors are exactly the injected ones; a month's decisions delivered on its last day
    # may also carry 双公示 late-publication warnings, which refuse nothing.
    assert {(int(r["source_row"]), r["field"], r["rule"]) for r in rows if r["severity"] == "error"} == {
        (e.source_row, e.field, e.rule) for e in expected
    }
    assert {r["rule"] for r in rows if r["severity"] == "warning"} <= {"late_publication"}
    assert all(r["message"] for r in rows)
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["received"] == 120
    assert summary["rejected"] == len({e.source_row for e in expected})


# ---------------------------------------------------------------------------- (d) the suites


@pytest.mark.parametrize("dataset_id", IDS)
def test_every_rule_has_a_chinese_message_and_fix(dataset_id, catalog):
    dataset = catalog.dataset(dataset_id)
    suite = load_suite_document(dataset.suite)
    assert suite["name"] == dataset.suite == dataset_id
    assert suite["meta"]["title"] and suite["meta"]["note"]
    fields = set(dataset.field_names)
    for e in suite["expectations"]:
        assert set(e) == {"type", "kwargs", "severity", "meta"}, e
        assert e["type"] in BUILT_IN | CUSTOM, e["type"]
        # Errors refuse; only the stray-whitespace rule is a warning (reported, not counted).
        assert e["severity"] == (
            "warning" if e["meta"]["rule"] in ("stray_whitespace", "uscc_org_code", "late_publication") else "critical"
        ), e
        assert set(expectation_columns(e)) <= fields | {"报送日期"}, e
        meta = e["meta"]
        assert meta["rule"] and meta["message"] and meta["fix"], e
        for text in (meta["message"], meta["fix"]):
            assert any("\u4e00" <= c <= "\u9fff" for c in text)
            used = {n for _, n, _, _ in string.Formatter().parse(text) if n is not None}
            assert used <= PLACEHOLDERS, (text, used)
    required = {
        e["kwargs"]["column"]
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_not_be_null" and e["meta"]["rule"] == "required"
    }
    assert required == set(dataset.required_fields)
    # Every error kind of the simulator is a rule of the suite.
    rules = {("、".join(expectation_columns(e)), e["meta"]["rule"]) for e in suite["expectations"]}
    assert set(module_for(dataset_id).ERROR_KINDS.values()) <= rules


def test_enumerations_follow_the_standards():
    lic = {
        e["kwargs"]["column"]: e["kwargs"].get("value_set")
        for e in load_suite_document("market.admin_license")["expectations"]
        if "column" in e["kwargs"]
        if e["meta"]["rule"] == "enumeration"
    }
    assert set(lic["许可类别"]) == {"01", "普通", "02", "特许", "03", "认可", "04", "核准", "05", "登记", "06", "其他"}
    assert {"有效", "无效", "1", "2"} <= set(lic["当前状态"]) and "存续" not in lic["当前状态"]
    pen = {
        e["kwargs"]["column"]: e["kwargs"].get("value_set")
        for e in load_suite_document("police.admin_penalty")["expectations"]
        if "column" in e["kwargs"]
        if e["meta"]["rule"] == "enumeration"
    }
    assert {"行政拘留", "罚款", "警告", "暂扣许可证件", "吊销许可证件", "责令停产停业"} <= set(pen["处罚类别"])
    pop = {
        e["kwargs"]["column"]: e["kwargs"].get("value_set")
        for e in load_suite_document("police.population")["expectations"]
        if "column" in e["kwargs"]
        if e["meta"]["rule"] == "enumeration"
    }
    # The ID card's 男/女 and GB/T 2261.1's names; no codes.
    assert pop["性别"] == ["男", "女", "男性", "女性"]
    # GB/T 3304's 56 names, each also as the ID card prints it (without 族), and the police
    # code table's and the Ministry's additions.
    full = [v for v in pop["民族"] if v.endswith("族")]
    assert len(full) == len(set(full)) == 56 and {v.removesuffix("族") for v in full} <= set(pop["民族"])
    assert set(pop["民族"]) - set(full) - {v.removesuffix("族") for v in full} == {
        "穿青人", "革家人", "其他", "外国血统中国籍人士"
    }  # fmt: skip
    assert not any(v.isdigit() for v in pop["民族"])


@pytest.mark.parametrize(
    "dataset_id,changes,expected",
    [
        ("market.admin_license", {"许可类别": "05"}, set()),
        ("market.admin_license", {"当前状态": "2"}, set()),
        ("market.admin_license", {"当前状态": "已注销"}, set()),
        ("market.admin_license", {"有效期至": "2099-12-31"}, set()),
        ("market.admin_license", {"有效期至": "长期"}, {("有效期至", "date_invalid")}),
        ("police.admin_penalty", {"处罚类别": "罚款；行政拘留"}, set()),
        ("police.admin_penalty", {"处罚类别": "暂扣机动车驾驶证"}, {("处罚类别", "enumeration")}),
        ("police.population", {"民族": "汉民"}, {("民族", "enumeration")}),
        ("police.population", {"民族": ""}, set()),
        ("police.population", {"公民身份号码": "11010519491231002x"}, set()),  # lowercase x is the same as X
        ("police.population", {"登记日期": "2026-11-02"}, {("登记日期", "date_in_future")}),
    ],
)
def test_single_rules(dataset_id, changes, expected, catalog):
    mod = module_for(dataset_id)
    factory = mod.Factory(random.Random(2), DATASETS[dataset_id], 0)
    records = [factory.record(dt.date(2026, 10, 20)) for _ in range(3)]
    records[1].update(changes)
    assert found(run(records, dataset_id, catalog)) == {(2, f, r) for f, r in expected}
