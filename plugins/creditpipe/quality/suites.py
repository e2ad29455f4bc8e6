"""A dataset's suite: the Great Expectations suite in ``expectations/`` (generated from the
dataset's declaration), read once per process, and what its rules read."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from creditpipe.core.records import PUBLISHED, ROW_ID
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


# --- a suite generated from the dataset's declaration -------------------------------------

SUITE_NOTE = (
    "severity critical = 错误（退回，计入数据不合格率）；warning = 提示（告知部门，不计入）。"
    "meta.message / meta.fix 中的 {value} {field} {allowed} {detail} {not_after} 由 creditpipe 填入。"
)
# Checks every field gets from what it is, never declared by name: a required field may not
# be empty or a placeholder; a field that is not free text gets the stray-whitespace warning;
# a field with no format of its own (a name, free text) may hold no control character.
IMPLIED = ("required", "placeholder", "trimmed", "no_control")
# And every record: the day it reached the platform (a landed file's delivery day; a pulled
# record's change time at its source) is not after the delivery. A pull stages records its
# source dates ahead of the real clock only to refuse them with this (ingest.pulls): a
# department's wrong clock is told, not silently waited out.
CHANGED_AFTER_COLLECTION = {
    "rule": "change_after_collection",
    "message": "记录的变更时间“{value}”晚于本次归集的日期 {not_after}：数据源服务器的时钟或记录的变更时间（updated_at）有误",
    "fix": "请核对并更正该记录的变更时间；更正后的记录在下一次归集时读取",
}


def suite_for(dataset) -> dict:
    """The dataset's Great Expectations suite, from its declaration: field by field (in the
    declared order) its implied and declared checks, then the rules over several fields."""
    from creditpipe.quality.rules import CHECKS
    from creditpipe.quality.rules.base import WORD_KEYS

    where = f"数据集 {dataset.id}"
    expectations: list[dict] = []

    def expand(name: str, target, spec: dict, over_fields: bool, what: str) -> list[dict]:
        check = CHECKS.get(name)
        if check is None or check.over_fields != over_fields or (not over_fields and name in IMPLIED):
            usable = sorted(n for n, c in CHECKS.items() if c.over_fields == over_fields and n not in IMPLIED)
            raise SuiteError(f"{where}：{what}的校验 {name!r} 不存在；可用：{'、'.join(usable)}")
        unknown = set(spec) - check.keys - WORD_KEYS
        if unknown:
            raise SuiteError(f"{where}：{what}的校验 {name} 不认识参数 {'、'.join(sorted(unknown))}")
        try:
            return check.expand(target, spec)
        except KeyError as exc:
            raise SuiteError(f"{where}：{what}的校验 {name} 缺少参数 {exc.args[0]}") from None

    for f in dataset.fields:
        what = f"字段“{f.name}”"
        if f.required:
            expectations += CHECKS["required"].expand(f.name, {})
        if f.required_when:
            expectations += CHECKS["required_when"].expand(f.name, f.required_when)
        for name, spec in f.checks:
            expectations += expand(name, f.name, spec, False, what)
        if f.required:
            expectations += CHECKS["placeholder"].expand(f.name, {})
        if not f.free_text:
            expectations += CHECKS["trimmed"].expand(f.name, {})
        if not f.checks:  # a format, code table or date check refuses such characters itself
            expectations += CHECKS["no_control"].expand(f.name, {})
    for name, fields, spec in dataset.rules:
        expectations += expand(name, list(fields), spec, True, f"规则 {name}（{'、'.join(fields)}）")
    expectations += CHECKS["not_future"].expand(PUBLISHED, CHANGED_AFTER_COLLECTION)
    meta = {
        "dataset": dataset.id,
        "title": f"{dataset.title}数据规范",
        "note": SUITE_NOTE,
        "declared_in": f"dags/datasets/{dataset.id}.yml（本文件由 make suites 生成，请修改声明而非本文件）",
        **dataset.notes,
    }
    return {"name": dataset.suite, "meta": meta, "expectations": expectations}


def suite_text(dataset) -> str:
    """The suite as it is kept in ``expectations/<suite>.json``."""
    return json.dumps(suite_for(dataset), ensure_ascii=False, indent=2) + "\n"
