"""Enumerations: a field whose value comes from the standard's code table (a category, a
document type, a sex, an ethnicity), and fields that may hold several terms of one (a
penalty's categories, a debtor's grounds), each term judged."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from creditpipe.quality.rules.base import Check, Expectation, Rule, expectation

# Several categories in one cell are separated by a semicolon or a comma (either width).
TERM_SEPARATORS = re.compile(r"[;；,，]")


def terms_in_set(values: pd.Series, allowed: list[str]) -> pd.Series:
    """Every term of the cell (split on ; , either width, blanks stripped) is allowed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = values.map(str) if pd.api.types.infer_dtype(values, skipna=True) != "string" else values
    cells = (
        pa.array(text.astype(object).to_numpy(), pa.string(), from_pandas=True)
        if not isinstance(text.dtype, pd.StringDtype) or text.dtype.storage != "pyarrow"
        else pa.array(text.array)
    )
    # Split, stripped and looked up by Arrow over all terms at once; a cell is allowed when
    # none of its terms is not (a missing cell has no terms and is not allowed).
    terms = pc.split_pattern_regex(cells, TERM_SEPARATORS.pattern)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(terms))
    bad = ~pc.is_in(flat, value_set=pa.array(sorted(set(allowed)), pa.string())).to_numpy(zero_copy_only=False)
    ok = ~np.asarray(pc.is_null(cells).to_numpy(zero_copy_only=False), dtype=bool)
    ok[pc.list_parent_indices(terms).to_numpy()[bad]] = False
    return pd.Series(ok, index=values.index)


def in_set(values: pd.Series, kw: dict) -> pd.Series:
    value_set = kw.get("value_set")
    return pd.Series(True, index=values.index) if value_set is None else values.isin(value_set)


def _enum(field: str, spec: dict) -> list[dict]:
    """``values``: the code table (codes and names alike, as the standard allows)."""
    return [
        expectation(
            "expect_column_values_to_be_in_set",
            {"column": field, "value_set": list(spec["values"])},
            rule="enumeration",
            spec=spec,
            message="{field}“{value}”不在标准取值范围内{detail}",
            fix="请改为以下之一：{allowed}",
            field=field,
        )
    ]


def _terms(field: str, spec: dict) -> list[dict]:
    """``values``: the allowed terms; a cell may hold several, separated by ; or , (either width)."""
    return [
        expectation(
            "expect_column_values_to_be_terms_in_set",
            {"column": field, "value_set": list(spec["values"])},
            rule="enumeration",
            spec=spec,
            message="{field}“{value}”含有标准以外的类别{detail}",
            fix="请改为以下之一（多个用分号分隔）：{allowed}",
            field=field,
        )
    ]


def _any_of(rng, spec):
    return rng.choice(list(spec["values"]))


def _outside(value, rng, spec, delivered):
    return "（不在代码表内）" + str(value or "其他")


EXPECTATIONS = (
    Expectation(
        "expect_column_values_to_be_in_set",
        "column",
        kernel=in_set,
        examples=(
            {
                "data": {"x": ["男", "女", "1", None]},
                "tests": ({"in": {"column": "x", "value_set": ["男", "女"]}, "out": {"unexpected_index_list": [2]}},),
            },
        ),
    ),
    Expectation(
        "expect_column_values_to_be_terms_in_set",
        "column",
        kernel=lambda c, kw: terms_in_set(c, list(kw.get("value_set") or ())),
        ge_fields={"value_set": (list[str], ...)},
        examples=(
            {
                "data": {"x": ["警告;罚款", "罚款，没收违法所得", "罚金", "罚款; ", None]},
                "tests": (
                    {
                        "in": {"column": "x", "value_set": ["警告", "罚款", "没收违法所得"]},
                        "out": {"unexpected_index_list": [2, 3]},
                    },
                ),
            },
        ),
    ),
)
RULES = (Rule("enumeration", "取值不在代码表内", cell_damage=True),)
CHECKS = (
    Check("enum", _enum, make=_any_of, violate=_outside, keys=frozenset({"values", "source"}), doc="取值须在代码表内"),
    Check(
        "terms",
        _terms,
        make=_any_of,
        violate=_outside,
        keys=frozenset({"values", "source"}),
        doc="每个取值（可多个，以分号或逗号分隔）须在代码表内",
    ),
)
