"""Text: no stray blanks at a cell's ends nor line breaks inside (what copy-paste in Excel
leaves; a warning); no control or bidirectional characters in free text (never text: a
name with a right-to-left override shows backwards); a value in the standard's format (a
document or case number, a masked ID); and a natural person's name that is not an
organisation's."""

from __future__ import annotations

import re

import pandas as pd

from creditpipe.quality.cells import (
    CONTROL_CHARACTERS,
    GARBLED_CHARACTERS,
    WHITESPACE,
    arrow_text,
    holds_control,
    padded_or_broken,
    per_chunk,
)
from creditpipe.quality.rules.base import Check, Expectation, Rule, expectation


def is_trimmed_single_line(values: pd.Series) -> pd.Series:
    """No blank or full-width blank at either end, no line break inside. Read from the
    cells' UTF-8 bytes (``padded_or_broken``); what is not Arrow text goes through
    pandas' strip (a regex with ``$`` or ``\\s`` would fall back to Python per value)."""
    if pd.api.types.infer_dtype(values, skipna=True) != "string":  # numbers in a test frame
        text = values.astype("string")
        padded = text != text.str.strip(WHITESPACE)
        broken = text.str.contains("[\r\n]", regex=True)
        return ~(padded | broken).fillna(False).astype(bool)
    return pd.Series(~per_chunk(padded_or_broken, arrow_text(values)), index=values.index)


def has_no_control(values: pd.Series) -> pd.Series:
    """No C0/C1 control character, no bidirectional mark, embedding, override or isolate
    (``cells.CONTROL_CHARACTERS``) and none of what a wrong encoding leaves
    (``cells.GARBLED_CHARACTERS``); read from the cells' UTF-8 bytes."""
    if pd.api.types.infer_dtype(values, skipna=True) != "string":  # numbers in a test frame
        unwanted = re.escape(CONTROL_CHARACTERS + GARBLED_CHARACTERS)
        found = values.astype("string").str.contains(f"[{unwanted}]", regex=True)
        return ~found.fillna(False).astype(bool)
    return pd.Series(~per_chunk(holds_control, arrow_text(values)), index=values.index)


_CONTROL_NAMES = {
    "\u200e": "从左至右标记",
    "\u200f": "从右至左标记",
    "\u202a": "从左至右嵌入",
    "\u202b": "从右至左嵌入",
    "\u202c": "方向格式结束",
    "\u202d": "从左至右强制",
    "\u202e": "从右至左强制",
    "\u2066": "从左至右隔离",
    "\u2067": "从右至左隔离",
    "\u2068": "方向隔离",
    "\u2069": "方向隔离结束",
}


def _explain_control(value: str, kwargs: dict) -> str:
    garbled = next((ch for ch in value if ch in GARBLED_CHARACTERS), None)
    if garbled is not None:
        return (
            f"：含有乱码“{garbled}”（U+{ord(garbled):04X}），文件很可能以一种编码保存、却按另一种编码读取；"
            "请在原系统中重新导出，用 Excel 时“另存为 → CSV UTF-8（逗号分隔）”"
        )
    at = next((i for i, ch in enumerate(value) if ch in CONTROL_CHARACTERS), None)
    if at is None:
        return ""
    ch = value[at]
    name = _CONTROL_NAMES.get(ch, "控制字符")
    return f"：第 {at + 1} 个字符是看不见的 U+{ord(ch):04X}（{name}）"


def _explain_masked_id(value: str, kwargs: dict) -> str:
    """What is wrong with a debtor's published identifier, as far as it can be told: a
    placeholder, blanks, lower-case letters, or a mask of the wrong place or width."""
    text = value.strip()
    if text and len(set(text.replace("-", ""))) == 1:
        return f"：全部是“{text[0]}”，是占位符而不是证件号码"
    if any(ch.isspace() for ch in value):
        return "：含有空格"
    if any(ch.islower() for ch in text.replace("x", "")):
        return "：含有小写字母（统一社会信用代码和组织机构代码的字母应大写）"
    stars = text.count("*")
    if stars:
        return f"：遮蔽的位置或位数不对（共{len(text)}位，其中{stars}个*）"
    return f"：共{len(text)}位，既不是9位组织机构代码，也不是18位统一社会信用代码"


# Words only an organisation's or a shop's name carries, never a natural person's.
ORGANISATION_WORDS = (
    "公司",
    "有限",
    "集团",
    "厂",
    "店",
    "中心",
    "合作社",
    "协会",
    "委员会",
    "事务所",
    "医院",
    "学校",
    "商行",
    "经营部",
    "工作室",
    "局",
    "站",
)


def name_matches_category(names: pd.Series, categories: pd.Series) -> pd.Series:
    """A natural person's name is not an organisation's (a shop reported as 自然人 should
    be a 个体工商户 with its 92 code)."""
    name = names.astype("string")
    person = categories.astype("string").str.strip() == "自然人"
    looks_organised = name.str.contains("|".join(ORGANISATION_WORDS), regex=True)
    return ~(person & looks_organised).fillna(False).astype(bool)


_UNICODE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})")


def re2_friendly(pattern: str) -> str:
    """The same pattern with ``\\uXXXX`` escapes of non-ASCII characters written as the
    characters themselves: Python's ``re`` reads both alike, and pandas then runs it in
    Arrow (RE2) instead of calling ``re`` once per value (its rule for ``\\u``)."""

    def literal(m: re.Match) -> str:
        char = chr(int(m.group(2), 16))
        return m.group(1) + char if ord(char) > 127 else m.group(0)

    return _UNICODE_ESCAPE.sub(literal, pattern)


def matches(values: pd.Series, kw: dict) -> pd.Series:
    # GE's pandas regex searches (str.contains): the suites anchor their patterns.
    return values.astype(str).str.contains(re2_friendly(kw["regex"]))


def _trimmed(field: str, spec: dict) -> list[dict]:
    return [
        expectation(
            "expect_column_values_to_be_trimmed_single_line",
            {"column": field},
            rule="stray_whitespace",
            severity="warning",
            spec=spec,
            message="{field}“{value}”首尾有空格或含有换行",
            fix="请删除多余的空格和换行（常见于从其他表格复制粘贴）；本条仅作提示，不计入数据不合格率",
            field=field,
        )
    ]


def _no_control(field: str, spec: dict) -> list[dict]:
    return [
        expectation(
            "expect_column_values_to_have_no_control_characters",
            {"column": field},
            rule="control_characters",
            spec=spec,
            # No {value}: a value with a direction override would show reordered here too.
            message="{field}中含有不应出现的字符{detail}",
            fix="看不见的控制字符请删除后重新报送（常见于从网页、聊天软件复制粘贴）；乱码请按正确的编码重新导出",
            field=field,
        )
    ]


def _format(field: str, spec: dict) -> list[dict]:
    """``regex``: the standard's format (anchored); ``rule``: its rule id (…_format);
    ``examples``: values in the format, as departments publish them (the simulators use
    them, the tests hold the regex to them); ``source``: where the format is written down."""
    if not spec.get("examples"):  # a format is shown by the values departments really send
        raise KeyError("examples")
    return [
        expectation(
            "expect_column_values_to_match_regex",
            {"column": field, "regex": spec["regex"]},
            rule="format",
            spec=spec,
            message="{field}“{value}”不符合规定的格式{detail}",
            fix="请按规定的格式填写{field}",
            field=field,
        )
    ]


def _name_category(fields: list[str], spec: dict) -> list[dict]:
    """[party name, party category]: a 自然人 is not named like an organisation."""
    a, b = fields
    return [
        expectation(
            "expect_column_pair_name_to_match_party_category",
            {"column_A": a, "column_B": b, "ignore_row_if": "either_value_is_missing"},
            rule="name_contradicts_category",
            spec=spec,
            a=a,
            b=b,
            message="{a}与类别相互矛盾（{value}）：名称是单位或商户的名称，类别却填“自然人”",
            fix="单位填“法人及非法人组织”，个体户填“个体工商户”并填写其统一社会信用代码；确为自然人的，名称填本人姓名",
        )
    ]


def _example(rng, spec):
    """One of the format's examples, its last run of digits a fresh number of the same
    width (a document number's serial), so that a delivery's values differ."""
    value = rng.choice(list(spec["examples"]))
    runs = list(re.finditer(r"[0-9]+", value))
    if not runs:
        return value
    last = runs[-1]
    fresh = str(rng.randrange(10 ** (len(last.group()) - 1) if len(last.group()) > 1 else 0, 10 ** len(last.group())))
    candidate = value[: last.start()] + fresh + value[last.end() :]
    return candidate if re.search(spec["regex"], candidate) else value


EXPECTATIONS = (
    Expectation(
        "expect_column_values_to_be_trimmed_single_line",
        "column",
        kernel=lambda c, kw: is_trimmed_single_line(c),
        ge_fields={},
        examples=(
            {
                "data": {"x": ["甲公司", " 甲公司", "甲公司\u3000", "甲\n公司", "甲 公司", None]},
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [1, 2, 3]}},),
            },
        ),
    ),
    Expectation(
        "expect_column_values_to_have_no_control_characters",
        "column",
        kernel=lambda c, kw: has_no_control(c),
        ge_fields={},
        examples=(
            {
                "data": {
                    "x": [
                        "江阴市恒鑫有限公司",
                        "张\u202e三",
                        "“违法”事实…",
                        "甲\x1b[31m乙",
                        "甲\u2067乙\u2069",
                        "甲\u0085乙",
                        "甲\t乙",
                        "甲\u200b乙",
                        None,
                        "æ±Ÿé˜´å¸‚",
                        "江阴市\ufffd\ufffd公司",
                        "ЅТхКР有限公司",
                        "阿卜杜·热合曼",
                        "规格3×4，（全角）",
                    ]
                },
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [1, 3, 4, 5, 9, 10, 11]}},),
            },
        ),
    ),
    Expectation(
        "expect_column_values_to_match_regex",
        "column",
        kernel=matches,
        examples=(
            {
                "data": {"x": ["澄市监处罚〔2026〕12号", "澄市监处罚2026-12", None]},
                "tests": (
                    {
                        "in": {"column": "x", "regex": "^[\\u4e00-\\u9fa5]{2,30}〔[0-9]{4}〕[0-9]{1,8}号$"},
                        "out": {"unexpected_index_list": [1]},
                    },
                ),
            },
        ),
    ),
    Expectation(
        "expect_column_pair_name_to_match_party_category",
        "pair",
        kernel=lambda a, b, kw: name_matches_category(a, b),
        ge_fields={"ignore_row_if": (str, "either_value_is_missing")},
        examples=(
            {
                "data": {
                    "name": ["张三", "江阴市张三饭店", "江阴市恒鑫有限公司"],
                    "category": ["自然人", "自然人", "法人及非法人组织"],
                },
                "tests": (
                    {
                        "in": {"column_A": "name", "column_B": "category", "ignore_row_if": "either_value_is_missing"},
                        "out": {"unexpected_index_list": [1]},
                    },
                ),
            },
        ),
    ),
)
RULES = (
    Rule("stray_whitespace", "含多余空白或换行"),
    Rule("name_contradicts_category", "名称与相对人类别不符"),
    Rule("control_characters", "含控制字符或乱码", explain=_explain_control),
    Rule("format", "格式错误", cell_damage=True),
    Rule("doc_no_format", "文号格式错误", cell_damage=True),
    Rule("case_no_format", "案号格式错误", cell_damage=True),
    Rule("masked_id_format", "脱敏证件号格式错误", explain=_explain_masked_id, cell_damage=True),
)
CHECKS = (
    Check(
        "trimmed",
        _trimmed,
        violate=lambda value, rng, spec, delivered: f" {value or '值'}",
        doc="首尾无空白、无换行（提示）",
    ),
    Check(
        "no_control",
        _no_control,
        violate=lambda value, rng, spec, delivered: f"{(value or '值')[:1]}\u202e{(value or '值')[1:]}",
        doc="不含控制字符、方向控制符（自由文本及无格式规则的字段）",
    ),
    Check(
        "format",
        _format,
        make=_example,
        # A format that admits any text after some shape (字段=值) says how it is broken.
        violate=lambda value, rng, spec, delivered: (
            rng.choice(spec["counterexamples"]) if spec.get("counterexamples") else f"{value or '值'}#"
        ),
        keys=frozenset({"regex", "examples", "counterexamples", "source", "label"}),
        doc="符合规定格式（regex），并给出真实样例（examples；counterexamples：不符合的写法）",
    ),
    Check(
        "name_category", _name_category, over_fields=True, doc="[相对人名称, 相对人类别]：自然人的名称不得是单位名称"
    ),
)
