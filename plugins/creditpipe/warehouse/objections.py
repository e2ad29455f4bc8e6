"""Objections (异议) in the warehouse: the records an objection register names, looked up
before its delivery is judged (an objection about a record the platform does not hold is
refused); and, once the register is loaded, each 更正 or 撤销 applied to the disputed
record, with lineage to the objection.

- 更正: the record's fields are set to the corrected values; the record names the objection
  (``corrected_by``) and each earlier value stays in ``objection_change``.
- 撤销: the record is withdrawn: ``superseded_by`` names the objection (``异议 <编号>``), so
  every figure that reads current records leaves it out; the record itself stays.
- 维持: nothing changes.

An objection is applied once (``objection_change`` says so), whatever register delivery
repeats it; a later delivery of the disputed record by its department replaces the
corrected one as any later delivery does."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from creditpipe.core.catalog import Catalog, Dataset
from creditpipe.quality.rules.enumeration import CANONICAL_SEPARATOR, canonical_terms
from creditpipe.quality.rules.reference import KEY_SEPARATOR, HeldRecords, parse_corrections
from creditpipe.warehouse.schema import statement
from creditpipe.warehouse.supersede import key_columns

log = logging.getLogger(__name__)

# The register's fields, by what the pipeline does with them (the declaration,
# dags/datasets/credit.objection.yml, names them; tests hold the two together).
REGISTER_FIELDS = {
    "number": "异议编号",
    "dataset": "异议信息所属数据集",
    "key": "异议信息业务主键",
    "department": "责任部门",
    "forwarded": "转办日期",
    "deadline": "办理期限",
    "handled": "办结日期",
    "outcome": "处理结果",
    "corrections": "更正内容",
}
WITHDRAWN_PREFIX = "异议 "  # superseded_by of a record an objection withdrew (撤销)
_IN_CHUNK = 500


def register_datasets(catalog: Catalog) -> list[Dataset]:
    """The datasets that are objection registers (their declaration has a held_record rule)."""
    return [d for d in catalog.datasets.values() if any(name == "held_record" for name, _, _ in d.rules)]


def held_records(engine: Engine, catalog: Catalog, named: Iterable[tuple[str, str]]) -> HeldRecords:
    """What the warehouse holds of the named (dataset, business key) pairs: each held one →
    the department that delivered its latest version. A key of another number of parts than
    the dataset's business key, or of an unknown dataset, is not held."""
    wanted: dict[str, set[tuple[str, ...]]] = {}
    for dataset_id, key in named:
        ds = catalog.datasets.get(dataset_id)
        if ds is None or not ds.business_key:
            continue
        parts = tuple(p.strip() for p in key.split(KEY_SEPARATOR))
        if len(parts) == len(ds.business_key):
            wanted.setdefault(dataset_id, set()).add(parts)
    held: dict[tuple[str, str], str] = {}
    with engine.connect() as conn:
        for dataset_id, keys in sorted(wanted.items()):
            ds = catalog.datasets[dataset_id]
            cols = key_columns(ds)
            # Table and column names come from the validated catalog; values are parameters.
            sql = sa.text(
                f"SELECT {', '.join('r.' + c for c in cols)}, b.department_id FROM {ds.table} r "
                f"JOIN delivery_batch b ON b.batch_id = r.batch_id WHERE r.{cols[0]} IN :firsts "
                "ORDER BY b.delivered_at, b.batch_id"
            ).bindparams(sa.bindparam("firsts", expanding=True))
            firsts = sorted({k[0] for k in keys})
            for i in range(0, len(firsts), _IN_CHUNK):
                for row in conn.execute(sql, {"firsts": firsts[i : i + _IN_CHUNK]}):
                    parts = tuple(str(v or "").strip() for v in row[: len(cols)])
                    if parts in keys:  # the latest delivery's department wins
                        held[(dataset_id, KEY_SEPARATOR.join(parts))] = row[-1]
    ids = {}
    for dep in catalog.departments.values():
        ids.update({dep.id: dep.id, dep.name: dep.id, dep.short_name: dep.id})
    return HeldRecords(
        held,
        ids,
        {d.id: d.short_name for d in catalog.departments.values()},
        {d.id: frozenset(d.field_names) for d in catalog.datasets.values()},
    )


def _outcome(register: Dataset, value: str | None) -> str | None:
    """The outcome in the standard's word (aliases such as 不予更正 → 维持)."""
    field = next(f for f in register.fields if f.name == REGISTER_FIELDS["outcome"])
    spec = next((s for name, s in field.checks if name == "enum"), {})
    value = (value or "").strip()
    return (spec.get("aliases") or {}).get(value, value) or None


def apply_objections(engine: Engine, catalog: Catalog, register: Dataset, batch_id: str, applied_at: str) -> list[dict]:
    """Apply the loaded register batch's 更正 and 撤销 not applied before; returns what
    changed (one row per field changed, or one per record withdrawn)."""
    col = {role: register.column_of(name) for role, name in REGISTER_FIELDS.items()}
    sql = sa.text(
        f"SELECT {', '.join(f'{c} AS {role}' for role, c in col.items())} FROM {register.table} "
        "WHERE batch_id = :batch_id AND superseded_by IS NULL ORDER BY source_row"
    )
    changes: list[dict] = []
    with engine.begin() as conn:
        applied = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT objection_no FROM objection_change"))}
        for row in conn.execute(sql, {"batch_id": batch_id}).mappings().all():
            outcome = _outcome(register, row["outcome"])
            if outcome not in ("更正", "撤销") or row["number"] in applied:
                continue
            ds = catalog.datasets.get((row["dataset"] or "").strip())
            if ds is None:
                continue  # refused when the register was judged; a dataset since removed
            target = _current_record(conn, ds, row["key"])
            if target is None:
                log.warning("异议 %s：%s 中已无该记录的现行版本，未作更改", row["number"], ds.id)
                continue
            base = {
                "objection_no": row["number"],
                "register_batch_id": batch_id,
                "dataset_id": ds.id,
                "record_batch_id": target["batch_id"],
                "source_row": target["source_row"],
                "outcome": outcome,
                "applied_at": applied_at,
            }
            if outcome == "撤销":
                conn.execute(
                    sa.text(f"UPDATE {ds.table} SET superseded_by = :by WHERE batch_id = :b AND source_row = :r"),
                    {"by": WITHDRAWN_PREFIX + row["number"], "b": target["batch_id"], "r": target["source_row"]},
                )
                changes.append({**base, "field_name": "", "old_value": None, "new_value": None})
            else:
                changes += _correct(conn, ds, target, parse_corrections(row["corrections"]), base)
        for change in changes:
            conn.execute(sa.text(statement("queries/insert_objection_change")), change)
    for c in changes:
        log.info(
            "异议 %s：%s %s 第 %s 行 %s",
            c["objection_no"],
            c["outcome"],
            c["dataset_id"],
            c["source_row"],
            c["field_name"],
        )
    return changes


def _current_record(conn, ds: Dataset, key: str) -> dict | None:
    cols = key_columns(ds)
    parts = [p.strip() for p in (key or "").split(KEY_SEPARATOR)]
    if len(parts) != len(cols):
        return None
    where = " AND ".join(f"{c} = :k{i}" for i, c in enumerate(cols))
    sql = sa.text(f"SELECT * FROM {ds.table} WHERE superseded_by IS NULL AND {where} ORDER BY batch_id LIMIT 1")
    found = conn.execute(sql, {f"k{i}": p for i, p in enumerate(parts)}).mappings().first()
    return dict(found) if found else None


def _correct(conn, ds: Dataset, target: dict, corrections: list[tuple[str, str]], base: dict) -> list[dict]:
    """The record's fields set to the corrected values (a multi-term field's canonical terms
    with them); the earlier values kept as the changes returned."""
    by_name = {f.name: f for f in ds.fields}
    values, out = {}, []
    for name, value in corrections:
        field = by_name.get(name)
        if field is None:
            continue  # refused when the register was judged (correction_field)
        values[field.column] = value or None
        if field.terms is not None:
            terms = canonical_terms(value, field.terms["values"], field.terms.get("aliases")) if value else []
            values[field.terms_column] = CANONICAL_SEPARATOR.join(terms) or None
        out.append({**base, "field_name": name, "old_value": target[field.column], "new_value": value or None})
    if values:
        sets = ", ".join(f"{c} = :{c}" for c in values)
        conn.execute(
            sa.text(f"UPDATE {ds.table} SET {sets}, corrected_by = :objection WHERE batch_id = :b AND source_row = :r"),
            {**values, "objection": base["objection_no"], "b": target["batch_id"], "r": target["source_row"]},
        )
    return out


def objection_rows(engine: Engine, catalog: Catalog, cutoff: str) -> list[dict]:
    """The register as it stood at ``cutoff`` (``registers.latest_rows``: an objection's row in
    the latest delivery is its progress), by role (REGISTER_FIELDS), its days as dates (None
    when blank)."""
    import pandas as pd

    from creditpipe.quality.rules.dates import parse_dates
    from creditpipe.warehouse.registers import latest_rows

    rows = []
    for register in register_datasets(catalog):
        for row in latest_rows(engine, register, cutoff):
            out = {role: row[name] for role, name in REGISTER_FIELDS.items()}
            rows.append({**out, "outcome": _outcome(register, out["outcome"]), "delivered_at": row["delivered_at"]})
    for role in ("forwarded", "deadline", "handled"):
        days = parse_dates(pd.Series([r[role] for r in rows], dtype="string"))
        for r, day in zip(rows, days):
            r[role] = None if pd.isna(day) else day.date()
    return sorted(rows, key=lambda r: (r["deadline"] or dt.date.max, r["number"]))
