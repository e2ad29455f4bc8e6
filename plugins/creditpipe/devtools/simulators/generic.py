"""A dataset's simulator made from its declaration, for a dataset that has no simulator of
its own: clean records that pass every rule of its suite, and known errors, each breaking
one field with one rule.

A clean record takes each field's value from the field's first check that can make one (a
credit code, an ID number, a code-table value, an amount, a value in a declared format,
from the format's examples), from the field's ``examples``, or from its name (a person's,
an organisation's, an address, a date); then the rules over several fields are made to
hold (dates in order, a code and a category that agree, a unique key), and a field
required for some records is filled for them. An error is what the check's own ``violate``
does to the value (or a blank for a required field, a copy of the neighbour's key for a
uniqueness rule)."""

from __future__ import annotations

import datetime as dt
import random
import re

from creditpipe.core.catalog import Dataset, Field
from creditpipe.devtools.simulators.identity import TOWNS, company_name, person_name
from creditpipe.quality.rules import CHECKS

_DATE_CHECKS = ("date", "not_future")
_ORGANISATION = ("名称", "单位", "机关", "机构", "法院", "公司")
ROADS = ("人民中路", "虹桥北路", "长江路", "澄江中路", "芙蓉大道", "滨江西路", "朝阳路", "延陵路")


class GenericSimulator:
    """``module_for``'s answer for a dataset without a module: ERROR_KINDS, Factory,
    eligible and inject, as a dataset's own simulator module has them."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self.kinds: dict[str, tuple[Field | None, str, str, dict]] = {}  # kind → field, how, rule, spec
        for f in dataset.fields:
            if f.required:
                self.kinds[f"required@{f.name}"] = (f, "blank", "required", {})
            if f.required_when:
                rule = CHECKS["required_when"].expand(f.name, f.required_when)[0]["meta"]["rule"]
                self.kinds[f"{rule}@{f.name}"] = (f, "blank_when", rule, f.required_when)
            for name, spec in f.checks:
                check = CHECKS[name]
                if check.violate is None:
                    continue
                rule = check.expand(f.name, spec)[0]["meta"]["rule"]
                self.kinds.setdefault(f"{rule}@{f.name}", (f, name, rule, spec))
        for name, fields, _spec in dataset.rules:
            if name == "unique":
                self.kinds[f"duplicate_in_delivery@{'、'.join(fields)}"] = (
                    None,
                    "duplicate",
                    "duplicate_in_delivery",
                    {"fields": fields},
                )
        self.ERROR_KINDS = {
            kind: (f.name if f else "、".join(spec["fields"]), rule)
            for kind, (f, _how, rule, spec) in self.kinds.items()
        }

    # --- the interface of a simulator module -------------------------------------------

    def Factory(self, rng: random.Random, department_id: str = "", serial_base: int = 0):
        return _Factory(self.dataset, rng, serial_base)

    def eligible(self, record: dict, kind: str) -> bool:
        f, how, _rule, spec = self.kinds[kind]
        if how == "duplicate":
            return all(record.get(name) for name in spec["fields"])
        if how == "blank_when":
            return _holds(spec["when"], record) and bool(record.get(f.name))
        if not record.get(f.name):
            return False
        when = spec.get("when")
        return when is None or _holds(when, record)

    def inject(self, records: list[dict], kind: str, i: int, rng: random.Random, delivered: dt.date) -> list[int]:
        f, how, _rule, spec = self.kinds[kind]
        record = records[i]
        if how == "duplicate":
            for name in spec["fields"]:
                records[i + 1][name] = record[name]
            return [i, i + 1]
        if how in ("blank", "blank_when"):
            record[f.name] = ""
        else:
            record[f.name] = CHECKS[how].violate(record[f.name], rng, spec, delivered)
        return [i]


def _holds(when: dict, record: dict) -> bool:
    return all(record.get(k) in v if isinstance(v, (list, tuple)) else record.get(k) == v for k, v in when.items())


class _Factory:
    def __init__(self, dataset: Dataset, rng: random.Random, serial_base: int):
        self.dataset, self.rng, self.serial = dataset, rng, serial_base
        keys = {f for name, fields, _ in dataset.rules if name == "unique" for f in fields}
        # A key's values are made to differ by a serial, but for values a check makes valid
        # and random already (credit codes, ID numbers): a serial would break them.
        self.keys = {
            f.name
            for f in dataset.fields
            if f.name in keys and not any(n in ("uscc", "resident_id") for n, _ in f.checks)
        }

    def record(self, day: dt.date) -> dict:
        """A clean record made on ``day`` (its dates on or before it)."""
        rng, ds = self.rng, self.dataset
        self.serial += 1
        rec = {f.name: (self._value(f, day) if f.required or rng.random() < 0.8 else "") for f in ds.fields}
        for f in ds.fields:  # required for some records: filled for them
            if f.required_when and _holds(f.required_when["when"], rec) and not rec[f.name]:
                rec[f.name] = self._value(f, day)
        for name, fields, spec in ds.rules:
            _make_hold(name, list(fields), spec, rec, rng)
        for f in ds.fields:  # a unique key's values differ record to record
            if f.name in self.keys and rec[f.name]:
                rec[f.name] = self._serialised(f, rec[f.name])
        return rec

    def _value(self, f: Field, day: dt.date) -> str:
        rng = self.rng
        names = [name for name, _ in f.checks]
        if any(n in _DATE_CHECKS for n in names) or (not f.checks and re.search("日期|时间", f.name)):
            return (day - dt.timedelta(days=rng.randint(0, 5))).isoformat()
        for name, spec in f.checks:
            if CHECKS[name].make is not None:
                return CHECKS[name].make(rng, spec)
        if f.examples:
            return rng.choice(f.examples)
        if "姓名" in f.name or f.personal:
            return person_name(rng)
        if any(w in f.name for w in _ORGANISATION):
            return company_name(rng)
        if "地址" in f.name:
            return f"江阴市{rng.choice(TOWNS)}镇{rng.choice(ROADS)}{rng.randint(1, 888)}号"
        return f"{f.name}{self.serial:06d}"

    def _serialised(self, f: Field, value: str) -> str:
        """The value with this record's serial in it: its last run of digits, at the same
        width, when the field's format still holds; else the serial appended."""
        formats = [spec["regex"] for name, spec in f.checks if name == "format"]
        runs = list(re.finditer(r"[0-9]+", value))
        if runs:
            last = runs[-1]
            serial = str(self.serial).zfill(len(last.group()))
            candidate = value[: last.start()] + serial + value[last.end() :]
            if all(re.search(p, candidate) for p in formats):
                return candidate
        return value if formats else f"{value}{self.serial:06d}"


def _make_hold(name: str, fields: list[str], spec: dict, rec: dict, rng: random.Random) -> None:
    """Make a rule over several fields hold for a clean record."""
    if name == "date_order":
        a, b = fields
        if rec.get(a) and rec.get(b) and rec[a] > rec[b]:
            rec[a], rec[b] = rec[b], rec[a]
    elif name == "uscc_category":
        code, category = fields
        kind = rec.get(category)
        if kind == "自然人":
            rec[code] = ""
        elif rec.get(code):
            rec[code] = CHECKS["uscc"].make(rng, {})  # a code of an organisation (91…)
            if kind == "个体工商户":
                from creditpipe.quality.rules.uscc import make_uscc

                rec[code] = make_uscc(rng, "9", "2")
    elif name == "name_category":
        party, category = fields
        if rec.get(category) == "自然人":
            rec[party] = person_name(rng)
