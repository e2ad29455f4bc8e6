"""Numbers: an amount (a plain decimal number not below zero, in the unit the header says)
and a count (a whole number)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from creditpipe.quality.rules.base import Check, Expectation, Rule, expectation

_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")  # ASCII digits: pandas reads no others as numbers


def is_non_negative_number(values: pd.Series) -> pd.Series:
    """A decimal number (sign, digits, one point) that is not below zero. Shaped text is
    a number, so no conversion is needed: it is negative when it starts with a minus and
    has a digit other than 0 (-0 and -0.00 are zero)."""
    text = values.astype("string").str.strip()
    shaped = text.str.match(_NUMBER.pattern).fillna(False).to_numpy(dtype=bool)
    negative = shaped & text.str.startswith("-").fillna(False).to_numpy(dtype=bool)
    if negative.any():
        zero = text[negative].str.fullmatch(r"-[0.]*").fillna(False).to_numpy(dtype=bool)
        negative[np.flatnonzero(negative)[zero]] = False
    return pd.Series(shaped & ~negative, index=values.index)


def _amount(field: str, spec: dict) -> list[dict]:
    return [
        expectation(
            "expect_column_values_to_be_non_negative_numbers",
            {"column": field},
            rule="amount_invalid",
            spec=spec,
            message="{field}“{value}”不是不小于0的数字{detail}",
            fix="请只填写数字（如 1234.5），不要带单位、千位分隔符或负号",
            field=field,
        )
    ]


def _integer(field: str, spec: dict) -> list[dict]:
    """``regex``: the whole numbers allowed (any, by default)."""
    return [
        expectation(
            "expect_column_values_to_match_regex",
            {"column": field, "regex": spec.get("regex", "^[0-9]+$")},
            rule="integer_invalid",
            spec=spec,
            message="{field}“{value}”不是不小于0的整数{detail}",
            fix="请填写整数，如 3（不要带单位或小数）",
            field=field,
        )
    ]


EXPECTATIONS = (
    Expectation(
        "expect_column_values_to_be_non_negative_numbers",
        "column",
        kernel=lambda c, kw: is_non_negative_number(c),
        ge_fields={},
        examples=(
            {
                "data": {"x": ["0", "1200.5", ".5", "-0.00", "-1", "1,200", "3元", "١٢", None]},
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [4, 5, 6, 7]}},),
            },
        ),
    ),
)
RULES = (
    Rule("amount_invalid", "金额格式错误", cell_damage=True),
    Rule("integer_invalid", "整数格式错误", cell_damage=True),
)
CHECKS = (
    Check(
        "amount",
        _amount,
        make=lambda rng, spec: f"{rng.choice((0.05, 0.5, 1, 2.5, 10, 1200.75)):g}",
        violate=lambda value, rng, spec, delivered: rng.choice((f"-{value or 1}", f"{value or 1}元")),
        doc="不小于0的数字",
    ),
    Check(
        "integer",
        _integer,
        make=lambda rng, spec: str(rng.randint(18, 90)),
        violate=lambda value, rng, spec, delivered: rng.choice((f"{value or 3}个", f"{value or 3}.5")),
        keys=frozenset({"regex"}),
        doc="整数（regex：允许的范围）",
    ),
)
