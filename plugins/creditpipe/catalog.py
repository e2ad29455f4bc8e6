"""The catalog: departments, datasets and the assessment table, read from dags/catalog.yml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from creditpipe.settings import project_dir

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
CYCLES = {"daily": "@daily", "weekly": "@weekly", "monthly": "@monthly"}


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class Field:
    name: str  # the standard's Chinese header
    column: str  # the warehouse column
    required: bool = False
    personal: bool = False


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    short_name: str
    email: str = ""


@dataclass(frozen=True)
class Dataset:
    id: str
    department: str
    title: str
    suite: str
    table: str
    channel: str
    formats: tuple[str, ...]
    cycle: str
    business_key: tuple[str, ...]
    fields: tuple[Field, ...]
    natural_person: dict = field(default_factory=dict)
    standard: str = ""

    @property
    def slug(self) -> str:
        return self.id.replace(".", "__")

    @property
    def schedule(self) -> str:
        return CYCLES[self.cycle]

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    def column_of(self, name: str) -> str:
        for f in self.fields:
            if f.name == name:
                return f.column
        raise KeyError(name)


@dataclass(frozen=True)
class Catalog:
    county: dict
    departments: dict[str, Department]
    datasets: dict[str, Dataset]
    assessment: dict

    def dataset(self, dataset_id: str) -> Dataset:
        try:
            return self.datasets[dataset_id]
        except KeyError:
            known = "、".join(sorted(self.datasets))
            raise CatalogError(f"未知数据集 {dataset_id!r}；已登记的数据集：{known}") from None

    def department_of(self, dataset_id: str) -> Department:
        return self.departments[self.dataset(dataset_id).department]


def catalog_path() -> Path:
    return project_dir() / "dags" / "catalog.yml"


@lru_cache(maxsize=4)
def load_catalog(path: str | None = None) -> Catalog:
    raw = yaml.safe_load(Path(path or catalog_path()).read_text(encoding="utf-8"))
    return parse_catalog(raw)


def parse_catalog(raw: dict) -> Catalog:
    departments = {d["id"]: Department(**d) for d in raw.get("departments", [])}
    datasets: dict[str, Dataset] = {}
    for d in raw.get("datasets", []):
        ds = Dataset(
            id=d["id"],
            department=d["department"],
            title=d["title"],
            suite=d.get("suite", d["id"]),
            table=d["table"],
            channel=d.get("channel", "landing"),
            formats=tuple(d.get("formats", ["csv", "xlsx"])),
            cycle=d.get("cycle", "daily"),
            business_key=tuple(d.get("business_key", [])),
            fields=tuple(Field(**f) for f in d["fields"]),
            natural_person=d.get("natural_person", {}),
            standard=d.get("standard", ""),
        )
        _check_dataset(ds, departments)
        datasets[ds.id] = ds
    return Catalog(
        county=raw.get("county", {}),
        departments=departments,
        datasets=datasets,
        assessment=raw.get("assessment", {}),
    )


def _check_dataset(ds: Dataset, departments: dict[str, Department]) -> None:
    where = f"数据集 {ds.id}"
    if ds.department not in departments:
        raise CatalogError(f"{where}：部门 {ds.department!r} 未在 departments 中登记")
    if not ds.id.startswith(ds.department + "."):
        raise CatalogError(f"{where}：数据集编号须以部门编号开头（{ds.department}.）")
    if ds.cycle not in CYCLES:
        raise CatalogError(f"{where}：交换周期 {ds.cycle!r} 不是 {'/'.join(CYCLES)}")
    # Column and table names go into SQL text: only plain identifiers are allowed.
    for name in [ds.table, *(f.column for f in ds.fields)]:
        if not _IDENT.match(name):
            raise CatalogError(f"{where}：{name!r} 不是合法的表名或列名")
    names = [f.name for f in ds.fields]
    if len(set(names)) != len(names):
        raise CatalogError(f"{where}：字段名重复")
    for key in ds.business_key:
        if key not in names:
            raise CatalogError(f"{where}：业务主键字段 {key!r} 不在字段表中")
