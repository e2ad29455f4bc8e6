"""The notice as a department's clerk reads it in Excel (issue 20, item 4): rules named in
Chinese, long texts wrapped in columns wide enough to read, the day by which the refusals
must be corrected — the very day the early warning on refusals left uncorrected waits for —
and how the 数据不合格率 counts the refusals."""

import datetime as dt
import random
import re

import openpyxl
import pandas as pd
import pytest
from seeding import at, seed_batch

from creditpipe.core.labels import SEVERITY_LABELS
from creditpipe.core.records import ROW_ID, Verdict
from creditpipe.core.workdays import WorkingCalendar
from creditpipe.devtools.simulators import make_delivery
from creditpipe.devtools.simulators.market_admin_penalty import ERROR_KINDS
from creditpipe.notice import workbook
from creditpipe.quality.judge import check_records
from creditpipe.quality.rules import RULES, rule

ASCII_ID = re.compile(r"[A-Za-z_]")
WRAPPED = ("字段", "规则", "问题说明", "修改建议", "原值")


def small_verdict(dataset, issues: list[tuple]) -> Verdict:
    """Two records of ``dataset`` (every field empty but the first) and ``issues`` on them."""
    records = pd.DataFrame({f: [None, None] for f in dataset.field_names}, dtype=object)
    records[dataset.field_names[0]] = ["甲", "乙"]
    records.insert(0, ROW_ID, [1, 2])
    return Verdict(
        records, pd.DataFrame(issues, columns=[ROW_ID, "field", "rule", "severity", "message", "fix", "value"])
    )


def info_of(path) -> dict:
    return dict(openpyxl.load_workbook(path)["说明"].iter_rows(values_only=True))


def real_notice(catalog, out_dir, delivered=dt.datetime(2026, 10, 28, 9)):
    """A delivery of market.admin_penalty with every kind of error its simulator injects,
    judged by its suite, and its notice."""
    dataset = catalog.dataset("market.admin_penalty")
    records, _ = make_delivery(
        dataset.id, "market", random.Random(7), [dt.date(2026, 10, 20)] * 40, delivered.date(), list(ERROR_KINDS)
    )
    frame = pd.DataFrame(records).replace("", None)
    frame[ROW_ID] = range(1, len(frame) + 1)
    verdict = check_records(frame, dataset.suite, delivered.date())
    assert verdict.rejected > 5
    path = workbook.write_rejection_notice(
        verdict, dataset, catalog.departments["market"], "市场监管.csv", delivered, out_dir
    )
    return verdict, path


def market_notice(catalog, verdict, dataset, out_dir, delivered=dt.datetime(2026, 10, 28, 9)):
    return workbook.write_rejection_notice(verdict, dataset, catalog.departments["market"], "x.csv", delivered, out_dir)


def test_the_rule_a_clerk_reads_is_its_chinese_label(catalog, tmp_path):
    verdict, path = real_notice(catalog, tmp_path)
    sheet = openpyxl.load_workbook(path)["问题明细"]
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    shown = [r[header.index("规则")] for r in rows]
    assert len(shown) == len(verdict.issues)
    # The labels the rules declare (quality/rules), issue by issue, and never an id.
    assert shown == [RULES[r].label for r in verdict.issues["rule"]]
    assert not [s for s in shown if ASCII_ID.search(s)]
    assert not set(shown) & set(RULES)
    assert "必填项缺失" in shown and "日期晚于报送日期" in shown


def test_a_rule_a_declaration_made_up_is_named_in_chinese_too(catalog, tmp_path):
    """``email_format`` and the like (a format rule of a dataset's own) have no label of their
    own: the notice says what they are, 格式错误, never the id."""
    dataset = catalog.dataset("market.admin_penalty")
    verdict = small_verdict(
        dataset,
        [
            (1, "行政相对人名称", "email_format", "error", "格式不对", "请改", "甲"),
            (2, "行政相对人名称", "uscc_invalid", "warning", "校验位不对", "请改", "乙"),
        ],
    )
    path = market_notice(catalog, verdict, dataset, tmp_path)
    shown = [r[2] for r in openpyxl.load_workbook(path)["问题明细"].iter_rows(min_row=2, values_only=True)]
    assert (
        shown == [rule("email_format").label, RULES["uscc_invalid"].label] == ["格式错误", "统一社会信用代码校验错误"]
    )


def test_long_texts_wrap_in_columns_wide_enough_to_read(catalog, tmp_path):
    _, path = real_notice(catalog, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["问题明细"]
    header = [c.value for c in sheet[1]]
    letters = {name: openpyxl.utils.get_column_letter(header.index(name) + 1) for name in header}
    for name in WRAPPED:
        cells = [row[header.index(name)] for row in sheet.iter_rows(min_row=2) if row[header.index(name)].value]
        assert cells, name
        assert all(c.alignment.wrap_text and c.alignment.vertical == "top" for c in cells), name
    widths = {name: sheet.column_dimensions[letters[name]].width for name in WRAPPED}
    assert widths["问题说明"] >= 60 and widths["修改建议"] >= 50 and min(widths.values()) >= 24
    # The refusals sheet: why each record went back, wrapped.
    refused = book["退回记录"]
    assert refused["B1"].value == "退回原因" and refused.column_dimensions["B"].width >= 60
    assert all(row[1].alignment.wrap_text for row in refused.iter_rows(min_row=2))
    # The explanations on the first sheet wrap, and their label stands at the top beside them.
    info = book["说明"]
    for row in info.iter_rows(min_row=2):
        if row[1].value:
            assert row[1].alignment.wrap_text and row[0].alignment.vertical == "top", row[0].value
    assert info.column_dimensions["B"].width >= 90


def stated_deadline(path) -> dt.date:
    text = info_of(path)[workbook.DEADLINE_LABEL]
    y, m, d = re.match(r"请于(\d{4})年(\d{1,2})月(\d{1,2})日（星期", text).groups()
    return dt.date(int(y), int(m), int(d))


@pytest.mark.parametrize(
    "delivered",
    [
        at(2026, 10, 28, 9),  # a Wednesday: two weeks of working days
        at(2026, 9, 28, 10),  # National Day's week, its make-up working days, in between
        at(2026, 11, 13, 18),  # a Friday evening: the weekend is not counted
    ],
    ids=["wednesday", "national_day", "friday_evening"],
)
def test_the_deadline_is_the_last_day_before_the_warning_is_raised(catalog, tmp_path, delivered):
    """The date the notice states, against the early-warning rule itself on a warehouse
    holding the notice's refusals: quiet through the deadline (and the days off after it),
    raised on the first working day after it."""
    from creditpipe.reporting.facts import MonthFacts
    from creditpipe.reporting.warnings import evaluate
    from creditpipe.warehouse.schema import apply_schema, connect

    dataset = catalog.dataset("market.admin_penalty")
    verdict = small_verdict(dataset, [(1, "违法事实", "required", "error", "必填项为空", "请填写", None)])
    path = workbook.write_rejection_notice(
        verdict, dataset, catalog.departments["market"], "x.csv", delivered, tmp_path
    )
    deadline = stated_deadline(path)
    limit = next(r for r in catalog.early_warnings["rules"] if r["kind"] == "refusal_overdue")
    assert deadline == workbook.correction_deadline(catalog, delivered.date())[1]
    text = info_of(path)[workbook.DEADLINE_LABEL]
    assert f"第{limit['older_than_working_days']}个工作日" in text and f"“{limit['title']}”" in text

    engine = connect(f"sqlite:///{tmp_path / 'warehouse.db'}")
    apply_schema(engine, catalog)
    seed_batch(engine, catalog, dataset.id, "market", delivered, 30, refused=2)

    def warned(day: dt.date) -> list:
        _, found = evaluate(MonthFacts(engine, catalog, f"{day:%Y-%m}", day), [limit["id"]])
        return [w.department_id for w in found]

    calendar = WorkingCalendar.from_catalog(catalog)
    raised_on = calendar.add_working_days(deadline, 1)
    day = deadline
    while day < raised_on:
        assert warned(day) == [], day
        day += dt.timedelta(days=1)
    assert warned(raised_on) == ["market"]
    engine.dispose()


def test_the_notice_says_what_follows_the_deadline_and_how_the_rate_counts(catalog, tmp_path):
    verdict, path = real_notice(catalog, tmp_path)
    info = info_of(path)
    # The counts add up, and the batch's rate is theirs.
    assert info["收到记录"] == info["入库记录"] + info["退回记录"] == verdict.received
    assert info["本批数据不合格率"] == f"{100 * verdict.rejected / verdict.received:.2f}%"
    deadline = info[workbook.DEADLINE_LABEL]
    assert "“行政处罚决定书文号”认定同一条记录" in deadline
    assert "黄色预警" in deadline and "退回未更正" in deadline and "不另行扣分" in deadline
    rate = info[workbook.RATE_LABEL]
    for said in (
        "数据不合格率 = 不合格记录数 ÷ 报送记录数 × 100%",
        "本年度累计",
        f"满分{catalog.assessment['conformity']['max_points']}分",
        f"因“{SEVERITY_LABELS['error']}”问题退回的记录计为不合格记录",
        "只计1条",
        f"“{SEVERITY_LABELS['warning']}”的问题不计入",
        "整份无法读取",
        "重复报送只计一次",
        "不因更正而扣除",
    ):
        assert said in rate, said


def test_without_refusals_no_deadline_but_the_rate_is_explained(catalog, tmp_path):
    dataset = catalog.dataset("market.admin_penalty")
    verdict = small_verdict(
        dataset, [(1, "行政相对人名称", "stray_whitespace", "warning", "首尾有空格", "请删除", "甲 ")]
    )
    path = market_notice(catalog, verdict, dataset, tmp_path)
    info = info_of(path)
    assert workbook.DEADLINE_LABEL not in info and "不合格记录数 ÷ 报送记录数" in info[workbook.RATE_LABEL]


def test_a_source_not_assessed_is_told_no_warning_and_no_score(catalog, tmp_path):
    """The credit office (its objection register) and the townships are not scored, and the
    warning watches assessed departments only: their notice promises neither."""
    office = catalog.departments["credit_office"]
    assert not office.assessed
    dataset = catalog.dataset("credit.objection")
    verdict = small_verdict(dataset, [(1, "异议编号", "required", "error", "必填项为空", "请填写", None)])
    path = workbook.write_rejection_notice(verdict, dataset, office, "x.csv", dt.datetime(2026, 10, 28), tmp_path)
    info = info_of(path)
    assert workbook.DEADLINE_LABEL not in info
    assert "不参加部门信用信息归集考核" in info[workbook.RATE_LABEL]
