"""A delivery full of what spreadsheets do to data is refused with messages that say what
happened and how to avoid it; stray blanks in names are only a warning."""

import datetime as dt
import random
import unicodedata

import pandas as pd
import pytest

from creditpipe.devtools.simulators.market_admin_penalty import Factory
from creditpipe.quality.judge import check_records

DELIVERED = dt.date(2026, 10, 31)


def full_width(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.fixture(scope="module")
def verdict():
    factory = Factory(random.Random(21))

    def of(category):
        return next(
            r for r in iter(lambda: factory.record(dt.date(2026, 10, 28)), None) if r["行政相对人类别"] == category
        )

    def org():
        return of("法人及非法人组织")

    def person():
        return of("自然人")

    rows = [
        dict(person(), 证件号码="3.20281E+17"),  # 1 ID in scientific notation
        dict(org(), 统一社会信用代码="913202811234567000"),  # 2 lost its last digits
        None,  # 3 full-width credit code
        dict(org(), 行政相对人名称="江阴市澄江恒源贸易有限公司 \n"),  # 4 stray blank and line break
        dict(org(), 违法事实="NULL"),  # 5 "NULL" in a required field
        dict(org(), 处罚依据="无"),  # 6 "无" in a required field
        dict(org(), 处罚决定日期="46300"),  # 7 an Excel date serial
        dict(org(), **{"罚款金额（万元）": "1,200"}),  # 8 thousands separator
        dict(org(), 处罚有效期=full_width("2029-10-04")),  # 9 full-width digits in a date
        dict(person(), 行政相对人类别="自然人 "),  # 10 a blank after a category
    ]
    code = org()
    rows[2] = dict(code, 统一社会信用代码=full_width(code["统一社会信用代码"]))
    for n, r in enumerate(rows):
        r["行政处罚决定书文号"] = f"澄市监处罚〔2026〕{9000 + n}号"
    frame = pd.DataFrame(rows).astype(object)
    frame = frame.where(frame != "", None)
    frame.insert(0, "source_row", range(1, len(rows) + 1))
    return check_records(frame, "market.admin_penalty", DELIVERED)


def issue(verdict, row):
    found = verdict.issues[verdict.issues["source_row"] == row]
    assert len(found) == 1, found[["field", "rule", "message"]].to_dict("records")
    return found.iloc[0]


@pytest.mark.parametrize(
    "row,field,rule,says",
    [
        (1, "证件号码", "resident_id_invalid", "科学计数法"),
        (2, "统一社会信用代码", "uscc_invalid", "末尾为“000”"),
        (3, "统一社会信用代码", "uscc_invalid", "全角字符"),
        (5, "违法事实", "placeholder_text", "填写的是“NULL”"),
        (6, "处罚依据", "placeholder_text", "填写的是“无”"),
        (7, "处罚决定日期", "date_invalid", "日期序列号（对应 2026-10-05）"),
        (8, "罚款金额（万元）", "amount_invalid", "千位分隔符"),
        (9, "处罚有效期", "date_invalid", "全角字符"),
        (10, "行政相对人类别", "enumeration", "多余的空格"),
    ],
)
def test_each_symptom_is_refused_with_its_own_message(verdict, row, field, rule, says):
    found = issue(verdict, row)
    assert (found["field"], found["rule"], found["severity"]) == (field, rule, "error")
    assert says in found["message"], found["message"]


def test_messages_say_how_to_avoid_it(verdict):
    assert "文本" in issue(verdict, 1)["message"]  # set the column to text
    assert "半角" in issue(verdict, 3)["message"]
    assert "不要用 NULL" in issue(verdict, 5)["fix"]


def test_a_stray_blank_in_a_name_is_a_warning_only(verdict):
    found = issue(verdict, 4)
    assert (found["field"], found["rule"], found["severity"]) == ("行政相对人名称", "stray_whitespace", "warning")
    assert 4 not in verdict.refused_rows
    assert verdict.summary()["warnings"] == 1 and verdict.rejected == 9


def test_full_width_helper_really_makes_full_width():
    assert unicodedata.normalize("NFKC", full_width("91A")) == "91A" and full_width("91A") != "91A"


@pytest.mark.parametrize(
    "rule,value,says",
    [
        ("uscc_invalid", "320281000123456", "这是15位的工商注册号"),
        ("uscc_invalid", "71092609-4", "这是9位的组织机构代码，请填在“组织机构代码”字段"),
        ("uscc_invalid", "9132028129141777xh", "字母须大写"),
        ("masked_id_format", "320281********0013", "遮蔽的位置或位数不对（共18位，其中8个*）"),
        ("masked_id_format", "3202 811985****0013", "含有空格"),
    ],
)
def test_a_code_in_the_wrong_field_or_shape_says_what_it_is(rule, value, says):
    """Issue 17: what real files get wrong is named, not only "应为18位"."""
    from creditpipe.quality.messages import explain

    assert says in explain(rule, value)


def test_text_read_in_the_wrong_encoding_is_named_as_such():
    """Issue 17: mojibake — a Chinese name saved as UTF-8 and read as Latin-1, or with the
    replacement character — is refused saying how it happened and how to export it."""
    from creditpipe.quality.messages import explain
    from creditpipe.quality.rules.text import has_no_control

    names = pd.Series(
        ["æ±Ÿé˜´å¸‚æ\u0081’é‘«", "江阴市\ufffd\ufffd公司", "ЅТхКР", "阿卜杜·热合曼", "江阴市恒鑫有限公司"]
    )
    assert has_no_control(names.astype(pd.StringDtype("pyarrow"))).tolist() == [False, False, False, True, True]
    said = explain("control_characters", "江阴市\ufffd公司")
    assert "乱码" in said and "U+FFFD" in said and "CSV UTF-8" in said
