"""Text: no stray blanks at a cell's ends nor line breaks inside (what copy-paste in Excel
leaves; a warning); a value in the standard's format (a document or case number, a masked
ID); and a natural person's name that is not an organisation's."""

from __future__ import annotations

import re

import pandas as pd

from creditpipe.quality.cells import WHITESPACE, arrow_text, padded_or_broken, per_chunk
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
    Rule("format", "格式错误", cell_damage=True),
    Rule("doc_no_format", "文号格式错误", cell_damage=True),
    Rule("case_no_format", "案号格式错误", cell_damage=True),
    Rule("masked_id_format", "脱敏证件号格式错误", cell_damage=True),
)
CHECKS = (
    Check(
        "trimmed",
        _trimmed,
        violate=lambda value, rng, spec, delivered: f" {value or '值'}",
        doc="首尾无空白、无换行（提示）",
    ),
    Check(
        "format",
        _format,
        make=_example,
        violate=lambda value, rng, spec, delivered: f"{value or '值'}#",
        keys=frozenset({"regex", "examples", "source", "label"}),
        doc="符合规定格式（regex），并给出真实样例（examples）",
    ),
    Check(
        "name_category", _name_category, over_fields=True, doc="[相对人名称, 相对人类别]：自然人的名称不得是单位名称"
    ),
)
