"""Uniqueness within a delivery: a key (a document number, an account, a case and its
debtor) that occurs more than once leaves no way to tell which record holds. Judged over
the whole delivery, a hash bucket of keys at a time when it is judged in chunks."""

from __future__ import annotations

import pandas as pd

from creditpipe.quality.rules.base import Check, Expectation, Rule, expectation


def duplicated(values: pd.Series) -> pd.Series:
    """Every value that occurs more than once (pandas' ``duplicated(keep=False)``); for
    Arrow-backed text counted by Arrow, without a Python object per value (a delivery's
    ten million keys are judged at once when its chunks are merged)."""
    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        return values.duplicated(keep=False)
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.array(values.array)  # the column's own Arrow data
    counts = pc.value_counts(cells)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    hit = pc.is_in(cells, value_set=repeated).to_numpy(zero_copy_only=False)
    return pd.Series(hit, index=values.index)


def _unique(fields: list[str], spec: dict) -> list[dict]:
    """[field] or [field, field, …] (a compound key): no two records share it."""
    field = "、".join(fields)
    if len(fields) == 1:
        kind, kwargs = "expect_column_values_to_be_unique", {"column": fields[0]}
    else:
        kind, kwargs = "expect_compound_columns_to_be_unique", {"column_list": list(fields)}
    return [
        expectation(
            kind,
            kwargs,
            rule="duplicate_in_delivery",
            spec=spec,
            field=field,
            message="{field}“{value}”在本批数据中出现不止一次，无法确定以哪条为准",
            fix="同一{field}只报送一条",
        )
    ]


EXPECTATIONS = (
    Expectation(
        "expect_column_values_to_be_unique",
        "column",
        kernel=lambda c, kw: ~duplicated(c),
        whole_delivery=True,
        examples=(
            {
                "data": {"x": ["a", "b", "a", None, None]},
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [0, 2]}},),
            },
        ),
    ),
    Expectation(
        "expect_compound_columns_to_be_unique",
        "compound",
        whole_delivery=True,
        examples=(
            {
                "data": {"x": ["a", "a", "a", None, None], "y": ["1", "2", "1", None, None]},
                "tests": ({"in": {"column_list": ["x", "y"]}, "out": {"unexpected_index_list": [0, 2]}},),
            },
        ),
    ),
)
RULES = (Rule("duplicate_in_delivery", "同批次内业务编号重复"),)
CHECKS = (Check("unique", _unique, over_fields=True, doc="[字段…]：同一批次内不得重复"),)
