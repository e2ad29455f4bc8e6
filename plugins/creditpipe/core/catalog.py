"""The catalog: departments, datasets and the assessment table, read from dags/catalog.yml."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from creditpipe.core.catalog_sections import WARNING_KINDS, CatalogError, check_monitoring, check_warnings
from creditpipe.core.declarations import DeclarationError, check_entry, load_folder, read_yaml, resolve, rule_entry
from creditpipe.core.labels import CHANNEL_LABELS, CYCLE_LABELS
from creditpipe.core.settings import project_dir

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
# A dataset's exchange cycle is what its department owes (timeliness, 信息时效性); the
# pipeline collects every source daily at 00:00, whatever its cycle, so that what was
# delivered in a month is in the warehouse before that month's report (01:00 on the 1st).
CYCLES = ("daily", "weekly", "monthly")
assert set(CYCLES) == set(CYCLE_LABELS)
SCHEDULES = {
    "collect": "@daily",  # every ingest DAG
    "report": "0 1 1 * *",  # monthly_report: the month just ended
    "warning_mornings": "0 9 * * 1-5",  # early_warning, besides every load
}
CHANNELS = tuple(CHANNEL_LABELS)
# The county's time zone when the catalog does not name one (county.timezone).
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Field:
    name: str  # the standard's Chinese header
    column: str  # the warehouse column
    required: bool = False
    personal: bool = False
    # Long text as published (facts, legal basis): its blanks and line breaks are the
    # department's own, so no stray-whitespace warning.
    free_text: bool = False
    # Required for some records only: {"when": {field: value or [values]}, "rule": …, words}.
    required_when: dict | None = None
    checks: tuple[tuple[str, dict], ...] = ()  # (check name, its spec) as declared
    examples: tuple[str, ...] = ()  # realistic values, for the simulators (free text)

    @property
    def terms(self) -> dict | None:
        """The spec of its ``terms`` check, when a cell may name several terms of a code table
        (a penalty's categories, a debtor's grounds)."""
        return next((spec for name, spec in self.checks if name == "terms"), None)

    @property
    def terms_column(self) -> str:
        """The warehouse column holding the cell's terms in their canonical form, so reports
        count by term whatever label or separator the source wrote."""
        return f"{self.column}_terms"


@dataclass(frozen=True)
class Obligation:
    """An information category a department owes the platform (its part of the 指标目录):
    a dataset it delivers, or a category not collected yet (``dataset_id`` None, owed all
    the same: its absence costs coverage), at the exchange cycle agreed for it, from the day
    it is owed (None: from the county's first delivery on record, the exchange's start)."""

    department_id: str
    category: str
    dataset_id: str | None
    cycle: str
    owed_from: dt.date | None = None


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    short_name: str
    email: str = ""
    # Raw ``owes`` entries of the catalog; read through ``Catalog.obligations_of``.
    owes: tuple = ()
    # False for the credit office itself: it delivers its objection register like any
    # source, but is not one of the departments the assessment scores and ranks.
    assessed: bool = True
    # For a township delivering its own information (its commitments): the 镇街园区 it is.
    township: str | None = None


@dataclass(frozen=True)
class Source:
    """One department delivering a dataset through one channel.

    landing: files in <home>/landing/<department>/<dataset name>/;
    api: a paged JSON API (options conn_id, path, page_size);
    database: a front-end database table (options conn_id, table, watermark_column)."""

    department: str
    channel: str
    options: dict = field(default_factory=dict)

    def option(self, name: str, default=None):
        return self.options.get(name, default)


@dataclass(frozen=True)
class Dataset:
    id: str
    title: str
    suite: str
    table: str
    cycle: str
    business_key: tuple[str, ...]
    fields: tuple[Field, ...]
    sources: tuple[Source, ...]
    natural_person: dict = field(default_factory=dict)
    standard: str = ""
    # The date field that places a record in its exchange period (a decision's date, a
    # listing's): a delivery reports the periods its records fall in (信息时效性).
    period_field: str | None = None
    # Rules over several fields: (name, fields, spec), the included blocks' first.
    rules: tuple[tuple[str, tuple[str, ...], dict], ...] = ()
    notes: dict = field(default_factory=dict)  # what the suite's meta says of the standard

    @property
    def slug(self) -> str:
        return self.id.replace(".", "__")

    @property
    def name(self) -> str:
        """The dataset's name within its group: admin_penalty of market.admin_penalty."""
        return self.id.split(".", 1)[1]

    @property
    def departments(self) -> list[str]:
        return [s.department for s in self.sources]

    @property
    def department(self) -> str:
        """The first delivering department (the only one for most datasets)."""
        return self.sources[0].department

    def source_for(self, department_id: str) -> Source:
        for s in self.sources:
            if s.department == department_id:
                return s
        raise CatalogError(f"部门 {department_id!r} 不报送数据集 {self.id}")

    @property
    def schedule(self) -> str:
        """When its ingest DAG collects: daily for every dataset (see SCHEDULES)."""
        return SCHEDULES["collect"]

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def term_fields(self) -> list[Field]:
        return [f for f in self.fields if f.terms is not None]

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
    calendar: dict = field(default_factory=dict)
    early_warnings: dict = field(default_factory=dict)
    # Seed 000's monitoring of the townships: which datasets hold the register of their bodies
    # and the court's list (``monitoring`` in the catalog).
    monitoring: dict = field(default_factory=dict)
    # Dataset declarations that could not be read, by dataset id: the message names the
    # entry and the fix. Their DAGs fail alone (an import error); the rest run.
    broken: dict[str, str] = field(default_factory=dict)

    @property
    def timezone(self) -> str:
        return self.county.get("timezone") or DEFAULT_TIMEZONE

    def dataset(self, dataset_id: str) -> Dataset:
        if dataset_id in self.broken:
            raise CatalogError(self.broken[dataset_id])
        try:
            return self.datasets[dataset_id]
        except KeyError:
            known = "、".join(sorted(self.datasets))
            raise CatalogError(f"未知数据集 {dataset_id!r}；已登记的数据集：{known}") from None

    @property
    def assessed(self) -> dict[str, Department]:
        """The departments the assessment (附件2 三) scores, ranks and warns about."""
        return {k: d for k, d in self.departments.items() if d.assessed}

    def department_named(self, text: str) -> Department | None:
        """The department a register names by its id, full name or short name."""
        text = (text or "").strip()
        return next((d for d in self.departments.values() if text in (d.id, d.name, d.short_name)), None)

    def datasets_of(self, department_id: str) -> list[Dataset]:
        return [d for d in self.datasets.values() if department_id in d.departments]

    def obligations_of(self, department_id: str) -> list[Obligation]:
        """The categories the department owes: its ``owes`` in the catalog, or, where it
        lists none, every dataset it is a source of (owed from the exchange's start)."""
        department = self.departments[department_id]
        if not department.assessed:
            return []
        owes = department.owes
        if not owes:
            return [Obligation(department_id, d.title, d.id, d.cycle) for d in self.datasets_of(department_id)]
        out = []
        for o in owes:
            ds = self.datasets.get(o.get("dataset")) if o.get("dataset") else None
            if o.get("dataset") and ds is None:
                continue  # a dataset since removed from the catalog: no longer collected
            out.append(
                Obligation(
                    department_id,
                    o.get("category") or ds.title,
                    ds.id if ds else None,
                    o.get("cycle") or ds.cycle,
                    _day(o.get("from")),
                )
            )
        return out

    def obligations(self) -> list[Obligation]:
        return [o for dep in self.assessed for o in self.obligations_of(dep)]


def catalog_path() -> Path:
    return project_dir() / "dags" / "catalog.yml"


def load_catalog(path: str | None = None) -> Catalog:
    """The catalog (``dags/catalog.yml`` of the project by default), read once per path.
    A dataset declaration that is wrong does not stop the others: it is left out and
    recorded in ``Catalog.broken`` (its DAG then fails alone, naming the entry). What every
    DAG depends on — the county, the departments, the assessment, the warning rules — still
    fails the whole catalog."""
    return _load(str(Path(path or catalog_path()).resolve()))


@lru_cache(maxsize=4)
def _load(path: str) -> Catalog:
    path = Path(path)
    try:
        return parse_catalog(read_yaml(path), base=path.parent, isolate=True)
    except DeclarationError as exc:
        raise CatalogError(str(exc)) from None


FIX = "改正后保存即可：调度器下次解析 DAG 文件时（约 30 秒内）该 DAG 自动恢复，其余 DAG 不受影响"


def parse_catalog(raw: dict, base: Path | None = None, isolate: bool = False) -> Catalog:
    """The catalog from its YAML. ``datasets`` is a folder of declarations (relative to
    ``base``, the catalog's folder) or a list of them written inline, blocks under
    ``blocks``. With ``isolate``, a dataset declaration that is wrong is recorded in
    ``broken`` and left out instead of failing the catalog."""
    departments = {d["id"]: Department(**{**d, "owes": tuple(d.get("owes") or ())}) for d in raw.get("departments", [])}
    declared, blocks = raw.get("datasets", []), dict(raw.get("blocks") or {})
    broken: dict[str, str] = {}
    folder = "dags/catalog.yml 的 datasets"
    if isinstance(declared, str):
        folder = f"dags/{declared.strip('/')}/"
        declared, found = load_folder((base or catalog_path().parent) / declared, broken if isolate else None)
        blocks = {**found, **blocks}
    datasets: dict[str, Dataset] = {}
    for d in declared:
        try:
            ds = _dataset(d, blocks, departments)
        except (CatalogError, DeclarationError, KeyError, TypeError, ValueError) as exc:
            if not isolate:
                raise CatalogError(str(exc)) from None
            entry = str(d.get("id") or "?") if isinstance(d, dict) else "?"
            what = f"缺少必填项 {exc}" if isinstance(exc, KeyError) else str(exc)
            broken[entry] = f"数据集声明 {folder}{entry}.yml 有误：{what}"
            continue
        datasets[ds.id] = ds
    broken = {k: f"{v}。{FIX}" for k, v in broken.items()}
    _check_obligations(departments, datasets, set(broken))
    return Catalog(
        county=raw.get("county", {}),
        departments=departments,
        datasets=datasets,
        assessment=raw.get("assessment", {}),
        calendar=raw.get("calendar") or {},
        early_warnings=check_warnings(raw.get("early_warnings") or {}, departments),
        monitoring=check_monitoring(raw.get("monitoring") or {}, datasets, set(broken)),
        broken=broken,
    )


def _dataset(d: dict, blocks: dict[str, dict], departments: dict[str, Department]) -> Dataset:
    d = resolve(d, blocks)
    where = f"数据集 {d.get('id')}"
    sources = d.get("sources") or [{"department": d.get("department"), "channel": d.get("channel", "landing")}]
    ds = Dataset(
        id=d["id"],
        title=d["title"],
        suite=d.get("suite", d["id"]),
        table=d["table"],
        cycle=d.get("cycle", "daily"),
        sources=tuple(
            Source(
                s["department"],
                s.get("channel", "landing"),
                {k: v for k, v in s.items() if k not in ("department", "channel")},
            )
            for s in sources
        ),
        business_key=tuple(d.get("business_key", [])),
        fields=tuple(_field(f, where) for f in d["fields"]),
        natural_person=d.get("natural_person", {}),
        standard=d.get("standard", ""),
        rules=tuple(rule_entry(r, where) for r in d.get("rules") or []),
        notes=d.get("notes") or {},
        period_field=d.get("period_field"),
    )
    _check_dataset(ds, departments)
    return ds


_FIELD_KEYS = {"name", "column", "required", "personal", "free_text", "required_when", "checks", "examples"}


def _field(raw: dict, where: str) -> Field:
    unknown = set(raw) - _FIELD_KEYS
    if unknown or "name" not in raw or "column" not in raw:
        what = f"未知的键 {'、'.join(sorted(unknown))}" if unknown else "须有 name 和 column"
        raise CatalogError(f"{where}：字段 {raw.get('name')!r}：{what}")
    when = raw.get("required_when")
    if when is not None and not (isinstance(when, dict) and isinstance(when.get("when"), dict)):
        raise CatalogError(f"{where}：字段 {raw['name']!r} 的 required_when 须写明 when（条件）")
    try:
        checks = tuple(check_entry(c, f"{where}：字段 {raw['name']!r}") for c in raw.get("checks") or [])
    except DeclarationError as exc:
        raise CatalogError(str(exc)) from None
    return Field(
        name=raw["name"],
        column=raw["column"],
        required=bool(raw.get("required")),
        personal=bool(raw.get("personal")),
        free_text=bool(raw.get("free_text")),
        required_when=when,
        checks=checks,
        examples=tuple(str(e) for e in raw.get("examples") or ()),
    )


def _check_dataset(ds: Dataset, departments: dict[str, Department]) -> None:
    where = f"数据集 {ds.id}"
    if "." not in ds.id or not all(_IDENT.match(p) for p in ds.id.split(".", 1)):
        raise CatalogError(f"{where}：数据集编号须为“组.名称”，如 market.admin_penalty")
    if not ds.sources:
        raise CatalogError(f"{where}：没有报送来源（sources）")
    for src in ds.sources:
        if src.department not in departments:
            known = "、".join(departments)
            raise CatalogError(
                f"{where}：部门 {src.department!r} 未在 departments 中登记；"
                f"请改用已登记的部门编号（{known}），或先在 dags/catalog.yml 的 departments 中登记该部门"
            )
        if src.channel not in CHANNELS:
            raise CatalogError(f"{where}：渠道 {src.channel!r} 不是 {'/'.join(CHANNELS)}")
        needed = {"api": ("conn_id", "path"), "database": ("conn_id", "table", "watermark_column")}
        for key in needed.get(src.channel, ()):
            if not src.option(key):
                raise CatalogError(f"{where}（{src.department}）：{src.channel} 渠道须配置 {key}")
        for key in ("table", "watermark_column"):
            if src.option(key) and not _IDENT.match(str(src.option(key))):
                raise CatalogError(f"{where}（{src.department}）：{src.option(key)!r} 不是合法的表名或列名")
    if len(set(ds.departments)) != len(ds.departments):
        raise CatalogError(f"{where}：同一部门重复登记来源")
    if ds.cycle not in CYCLES:
        raise CatalogError(f"{where}：交换周期 {ds.cycle!r} 不是 {'/'.join(CYCLES)}")
    # Column and table names go into SQL text: only plain identifiers are allowed.
    for name in [ds.table, *(f.column for f in ds.fields)]:
        if not _IDENT.match(name):
            raise CatalogError(f"{where}：{name!r} 不是合法的表名或列名")
    names = [f.name for f in ds.fields]
    if "报送日期" in names:  # quality.PUBLISHED: the platform's own column
        raise CatalogError(f"{where}：字段名“报送日期”保留给系统使用")
    if len(set(names)) != len(names):
        raise CatalogError(f"{where}：字段名重复")
    if ds.period_field is not None:
        dated = {n for f in ds.fields for n, _ in f.checks if f.name == ds.period_field}
        if "date" not in dated:
            raise CatalogError(f"{where}：period_field {ds.period_field!r} 须是字段表中有 date 检查的日期字段")
    for key in ds.business_key:
        if key not in names:
            raise CatalogError(f"{where}：业务主键字段 {key!r} 不在字段表中")
    known = {*names, "报送日期"}
    for rule, fields, _spec in ds.rules:
        missing = [f for f in fields if f not in known]
        if missing:
            raise CatalogError(f"{where}：规则 {rule} 引用的字段 {'、'.join(missing)} 不在字段表中")
    for f in ds.fields:
        for name in (f.required_when or {}).get("when", {}):
            if name not in known:
                raise CatalogError(f"{where}：字段 {f.name!r} 的 required_when 引用的字段 {name!r} 不在字段表中")


def _day(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _check_obligations(
    departments: dict[str, Department], datasets: dict[str, Dataset], broken: set[str] = frozenset()
) -> None:
    """Each ``owes`` entry names a dataset the department delivers, or a category with its
    cycle; ``from`` is a date."""
    for dep in departments.values():
        seen = set()
        for o in dep.owes:
            where = f"部门 {dep.id} 的应报信息类别 {o.get('dataset') or o.get('category')!r}"
            unknown = set(o) - {"dataset", "category", "cycle", "from"}
            if unknown:
                raise CatalogError(f"{where}：未知的键 {'、'.join(sorted(unknown))}")
            if o.get("dataset") in broken:
                continue  # its declaration is wrong: reported there, not here
            if o.get("dataset"):
                ds = datasets.get(o["dataset"])
                if ds is None or dep.id not in ds.departments:
                    raise CatalogError(f"{where}：该部门不是这个数据集的报送来源（sources）")
            elif not o.get("category") or o.get("cycle") not in CYCLES:
                raise CatalogError(f"{where}：未接入的类别须写明 category 和交换周期 cycle（{'/'.join(CYCLES)}）")
            if o.get("cycle") is not None and o["cycle"] not in CYCLES:
                raise CatalogError(f"{where}：交换周期 {o['cycle']!r} 不是 {'/'.join(CYCLES)}")
            try:
                _day(o.get("from"))
            except ValueError:
                raise CatalogError(f"{where}：from {o.get('from')!r} 不是 YYYY-MM-DD 日期") from None
            key = o.get("dataset") or o.get("category")
            if key in seen:
                raise CatalogError(f"{where}：重复登记")
            seen.add(key)


__all__ = ["WARNING_KINDS", "CatalogError", "Catalog", "Dataset", "Department", "load_catalog", "parse_catalog"]
