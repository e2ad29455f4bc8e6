"""A dataset's suite: the Great Expectations suite in ``expectations/`` (generated from the
dataset's declaration), read once per process, and what its rules read."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from creditpipe.core.records import ROW_ID
from creditpipe.core.settings import project_dir


class SuiteError(RuntimeError):
    """The suite could not be evaluated (a rule names a missing column, a bad kwarg…)."""


def suite_path(name: str) -> Path:
    return project_dir() / "expectations" / f"{name}.json"


@lru_cache(maxsize=16)
def load_suite_document(name: str) -> dict:
    path = suite_path(name)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuiteError(f"规则集 {path} 不存在") from None


# Rules over the whole delivery: a chunked check judges them once, over every chunk's keys.
WHOLE_DELIVERY_RULES = {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}


def per_record_rules(suite_name: str) -> list[dict]:
    return [e for e in load_suite_document(suite_name)["expectations"] if e["type"] not in WHOLE_DELIVERY_RULES]


def whole_delivery_rules(suite_name: str) -> list[dict]:
    return [e for e in load_suite_document(suite_name)["expectations"] if e["type"] in WHOLE_DELIVERY_RULES]


def expectation_columns(expectation: dict) -> list[str]:
    """The fields an expectation (as stored in a suite file) looks at."""
    kwargs = expectation["kwargs"]
    if "column_list" in kwargs:
        return list(kwargs["column_list"])
    if "column_A" in kwargs:
        return [kwargs["column_A"], kwargs["column_B"]]
    return [kwargs["column"]]


def condition_columns(condition: dict | None) -> set[str]:
    if not condition:
        return set()
    if condition.get("type") in ("and", "or"):
        return set().union(*(condition_columns(c) for c in condition["conditions"]))
    return {condition["column"]["name"]}


def rule_columns(expectation: dict) -> list[str]:
    """What a whole-delivery rule reads: the row id, its columns, its condition's columns."""
    columns = [*expectation_columns(expectation)]
    columns += sorted(condition_columns(expectation["kwargs"].get("row_condition")) - set(columns))
    return [ROW_ID, *columns]


def key_columns(suite_name: str) -> list[str]:
    """The columns the whole-delivery rules read (kept from every chunk)."""
    whole = whole_delivery_rules(suite_name)
    columns = {c for e in whole for c in expectation_columns(e)}
    columns |= {c for e in whole for c in condition_columns(e["kwargs"].get("row_condition"))}
    return [ROW_ID, *sorted(columns)]


