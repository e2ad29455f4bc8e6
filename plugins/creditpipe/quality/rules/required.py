"""Required fields: a field the standard requires may not be empty, nor hold a stand-in
for nothing ("NULL", "无", "/" …: an export's way of saying it was left empty); and
fields required only for some records (a natural person's ID document, an organisation's
credit code), by a condition on the record."""

from __future__ import annotations

import numpy as np
import pandas as pd

from creditpipe.quality.cells import arrow_text, byte_lengths, edge_blank, per_chunk
from creditpipe.quality.rules.base import Check, Expectation, Rule, expectation, with_condition

# What exports write for "nothing": in a required field they mean it was left empty.
PLACEHOLDERS = (
    "NULL",
    "null",
    "Null",
    "None",
    "NONE",
    "nan",
    "NaN",
    "N/A",
    "n/a",
    "NA",
    "#N/A",
    "无",
    "空",
    "暂无",
    "/",
    "／",
    "-",
    "--",
    "—",
    "——",
    "\\N",
)


def is_not_placeholder(values: pd.Series, placeholders=PLACEHOLDERS) -> pd.Series:
    """Not one of ``placeholders`` once stripped. Only a cell short enough, or with a blank
    at an end, can be one: the others (most, in a text field) are not stripped at all."""
    if pd.api.types.infer_dtype(values, skipna=True) != "string":
        return ~values.astype("string").str.strip().isin(set(placeholders)).fillna(False).astype(bool)
    cells = arrow_text(values)
    longest = max(len(p.encode()) for p in placeholders)
    maybe = (byte_lengths(values) <= longest) | per_chunk(edge_blank, cells)
    hit = np.zeros(len(values), dtype=bool)
    if maybe.any():
        some = values[maybe] if not maybe.all() else values
        hit[maybe] = some.str.strip().isin(set(placeholders)).fillna(False).to_numpy(dtype=bool)
    return pd.Series(~hit, index=values.index)


# A code field's stand-in for "unknown": one character repeated (000000000000, 111111111,
# XXXXXXXXX), hyphens aside. Its format may admit it (18 zeros have the shape, and even the
# check character, of a credit code).
_REPEATED = "^(?:" + "|".join(f"{c}{{6,}}" for c in "0123456789") + "|[Xx]{6,}|\\*{6,})$"


def is_not_placeholder_code(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.replace("-", "", regex=False).str.strip()
    return ~text.str.contains(_REPEATED, regex=True).fillna(False).astype(bool)


def _required(field: str, spec: dict) -> list[dict]:
    return [
        expectation(
            "expect_column_values_to_not_be_null",
            {"column": field},
            rule="required",
            spec=spec,
            message="必填项“{field}”为空",
            fix="请填写{field}后重新报送",
            field=field,
        )
    ]


def _placeholder(field: str, spec: dict) -> list[dict]:
    return [
        expectation(
            "expect_column_values_to_not_be_placeholder_text",
            {"column": field},
            rule="placeholder_text",
            spec=spec,
            message="必填项“{field}”填写的是“{value}”，等于没有填写",
            fix="请填写实际的{field}；导出时不要用 NULL、无、/ 等代替空值",
            field=field,
        )
    ]


def _placeholder_code(field: str, spec: dict) -> list[dict]:
    return [
        expectation(
            "expect_column_values_to_not_be_placeholder_code",
            {"column": field},
            rule="placeholder_code",
            spec=spec,
            message="{field}“{value}”是占位符，不是证件号码",
            fix="请填写真实的{field}；不知道的，请核实后再报送，不要用一串0代替",
            field=field,
        )
    ]


def _required_when(field: str, spec: dict) -> list[dict]:
    """``when``: the records it is required for ({field: value or [values]}); ``rule``: how
    reports count it (required_for_natural_person, required_for_organisation, or by default
    required_conditional)."""
    return [
        expectation(
            "expect_column_values_to_not_be_null",
            with_condition({"column": field}, spec["when"]),
            rule="required_conditional",
            spec=spec,
            message="按规定应填写{field}，但未填写",
            fix="请填写{field}",
            field=field,
        )
    ]


def _blank(value, rng, spec, delivered):
    return ""


EXPECTATIONS = (
    Expectation(
        "expect_column_values_to_not_be_null",
        "not_null",
        examples=(
            {
                "data": {"x": ["a", None, "b"]},
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [1]}},),
            },
        ),
    ),
    Expectation(
        "expect_column_values_to_not_be_placeholder_text",
        "column",
        kernel=lambda c, kw: is_not_placeholder(c),
        ge_fields={},
        examples=(
            {
                "data": {"x": ["甲公司", "NULL", " 无 ", "--", None, "无锡公司"]},
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [1, 2, 3]}},),
            },
        ),
    ),
    Expectation(
        "expect_column_values_to_not_be_placeholder_code",
        "column",
        kernel=lambda c, kw: is_not_placeholder_code(c),
        ge_fields={},
        examples=(
            {
                "data": {"x": ["71092609-4", "000000000000000000", "00000000-0", "XXXXXXXXX", "100000", None]},
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [1, 2, 3]}},),
            },
        ),
    ),
)
RULES = (
    Rule("required", "必填项缺失"),
    Rule("required_for_natural_person", "自然人必填项缺失"),
    Rule("required_for_organisation", "法人及非法人组织必填项缺失"),
    Rule("required_conditional", "按条件必填项缺失"),
    Rule("placeholder_text", "以占位文字填充"),
    Rule("placeholder_code", "证件号码为占位符"),
)
CHECKS = (
    Check("required", _required, violate=_blank, doc="必填：不得为空"),
    Check(
        "placeholder",
        _placeholder,
        violate=lambda value, rng, spec, delivered: rng.choice(("NULL", "无", "/")),
        doc="必填项不得以占位文字（NULL、无、/ 等）填充",
    ),
    Check(
        "placeholder_code",
        _placeholder_code,
        violate=lambda value, rng, spec, delivered: "0" * 18,
        doc="证件号码不得以一串相同字符（000000000000 等）充数",
    ),
    Check("required_when", _required_when, violate=_blank, keys=frozenset({"when"}), doc="满足条件（when）的记录必填"),
)
