"""The catalog's sections beside the datasets: the township monitoring's sources and the
early-warning rules, each checked as the catalog is read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from creditpipe.core.labels import LEVELS

if TYPE_CHECKING:
    from creditpipe.core.catalog import Dataset, Department


class CatalogError(ValueError):
    """A catalog entry that cannot be used; the message names the entry and the fix."""


def check_monitoring(config: dict, datasets: dict[str, Dataset], broken: set[str] = frozenset()) -> dict:
    """The datasets the township monitoring reads are in the catalog. One whose declaration
    is wrong (``broken``) is left out of the monitoring until it is fixed."""
    config = dict(config)
    for key in ("township_register", "debtor_list", "debtor_removals", "responses", "commitments"):
        if config.get(key) in broken:
            config.pop(key)
        elif config.get(key) and config[key] not in datasets:
            raise CatalogError(f"monitoring.{key}：数据集 {config[key]!r} 未登记")
    for key in ("arrears", "penalties", "publications"):
        config[key] = [s for s in config.get(key) or [] if s.get("dataset") not in broken]
        for source in config[key]:
            ds = datasets.get(source.get("dataset"))
            if ds is None:
                raise CatalogError(f"monitoring.{key}：数据集 {source.get('dataset')!r} 未登记")
            unknown = [v for k, v in source.items() if k != "dataset" and v not in ds.field_names]
            if unknown:
                raise CatalogError(f"monitoring.{key}：数据集 {ds.id} 没有字段 {'、'.join(unknown)}")
    return config


WARNING_LEVELS = LEVELS
# The kinds of early-warning rule early_warning.py implements (named here so that reading
# the catalog, which every DAG parse does, stays free of pandas and the warehouse).
WARNING_KINDS = (
    "nonconformity_rate",
    "rate_rising",
    "feed_late",
    "government_debtor",
    "refusal_overdue",
    "objection_due",
    "objection_overdue",
    "event_no_response",
    "commitment_failed",
    "arrears_grown",
    "township_penalised",
)


def check_warnings(config: dict, departments: dict[str, Department]) -> dict:
    """Every early-warning rule names a known kind and levels the credit office uses."""
    for rule in config.get("rules", []):
        where = f"预警规则 {rule.get('id')!r}"
        if rule.get("kind") not in WARNING_KINDS:
            raise CatalogError(f"{where}：未知类型 {rule.get('kind')!r}；可用：{'、'.join(WARNING_KINDS)}")
        levels = [rule["level"]] if "level" in rule else [b.get("level") for b in rule.get("levels", [])]
        if not levels or any(lv not in WARNING_LEVELS for lv in levels):
            raise CatalogError(f"{where}：预警等级须为 红/橙/黄")
        for key in ("title", "action"):
            if not rule.get(key):
                raise CatalogError(f"{where}：须写明 {key}")
    return config
