"""A record that must name one the platform holds: an objection (异议) disputes a record
delivered earlier, so the record it names — a dataset, the record's business key, and the
department that delivered it — has to be in the warehouse.

Unlike the other rules this one is judged against the warehouse, not the delivery alone:
it has no Great Expectations expectation (a suite sees one delivery), and the orchestration
looks the named records up (``warehouse.objections.held_records``) and hands them to the
merge of the delivery's chunks, which refuses the records this kernel finds unheld."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from creditpipe.quality.rules.base import Check, Rule

KEY_SEPARATOR = "|"  # a multi-field business key's parts, in the declaration's order


def _no_expectations(fields: list[str], spec: dict) -> list[dict]:
    """``corrections``: the field holding the corrected values (字段=值；…), its names checked too."""
    if len(fields) != 3:
        raise KeyError("held_record: [数据集字段, 业务主键字段, 部门字段]")
    return []


def named_records(frame: pd.DataFrame, fields: tuple[str, str, str]) -> set[tuple[str, str]]:
    """The (dataset, business key) pairs the records name, as written (trimmed)."""
    dataset, key, _ = fields
    pairs = frame[[dataset, key]].dropna()
    return {(str(d).strip(), str(k).strip()) for d, k in pairs.itertuples(index=False)}


@dataclass(frozen=True)
class HeldRecords:
    """What the warehouse holds of the records a delivery names: (dataset, business key) →
    the id of the department that delivered it; and each department's id, name and short
    name → its id (a register may name it any of the three), id → short name."""

    held: Mapping[tuple[str, str], str]
    department_ids: Mapping[str, str]
    department_names: Mapping[str, str]
    fields_of: Mapping[str, frozenset[str]] = field(default_factory=dict)  # dataset → its fields' names


def parse_corrections(text) -> list[tuple[str, str]]:
    """``字段=值；字段=值`` (； or ;) → [(field, value)], as the register's format rule admits."""
    out = []
    for part in str(text or "").replace(";", "；").split("；"):
        if "=" in part:
            name, value = part.split("=", 1)
            out.append((name.strip(), value.strip()))
    return out


def unheld(
    frame: pd.DataFrame, fields: tuple[str, str, str], known: HeldRecords, corrections: str | None = None
) -> list[tuple[int, str, str, str]]:
    """(row position, field, rule, detail) for each record naming a record not held, or held
    but delivered by another department than the one it names, or (``corrections``: the
    field of the corrected values) correcting a field its dataset does not have. A record
    missing a part is left to the required-field rules."""
    dataset, key, department = fields
    out = []
    if corrections is not None:
        for pos, (d, text) in enumerate(frame[[dataset, corrections]].itertuples(index=False)):
            own = known.fields_of.get(str(d).strip()) if isinstance(d, str) else None
            unknown = [n for n, _ in parse_corrections(text if isinstance(text, str) else "") if own and n not in own]
            if unknown:
                out.append((pos, corrections, "correction_unknown_field", "、".join(unknown)))
    for pos, (d, k, dep) in enumerate(frame[[dataset, key, department]].itertuples(index=False)):
        if any(v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) for v in (d, k, dep)):
            continue
        d, k, dep = str(d).strip(), str(k).strip(), str(dep).strip()
        holder = known.held.get((d, k))
        if holder is None:
            out.append((pos, key, "disputed_record_not_held", f"{d} 中没有业务主键为“{k}”的记录"))
        elif known.department_ids.get(dep) != holder:
            out.append(
                (pos, department, "disputed_record_other_department", known.department_names.get(holder, holder))
            )
    return out


def issue_rows(frame: pd.DataFrame, rule_spec: tuple, known: HeldRecords, row_ids) -> list[dict]:
    """The refusals, as ``judge.issue_rows`` makes them: ``rule_spec`` the declaration's
    (fields, spec) of the rule, ``row_ids`` each row's source_row."""
    fields, spec = rule_spec
    out = []
    for pos, name, rule, detail in unheld(frame, fields, known, spec.get("corrections")):
        value = frame[name].iloc[pos]
        message, fix = MESSAGES[rule]
        fill = {"value": value, "detail": detail}
        out.append(
            {
                "_pair": None,
                "source_row": int(row_ids[pos]),
                "field": name,
                "rule": rule,
                "severity": "error",
                "message": message.format(**fill),
                "fix": fix.format(**fill),
                "value": value,
            }
        )
    return out


MESSAGES = {
    "disputed_record_not_held": (
        "本平台未归集该条异议所指的记录（{detail}）",
        "请核对异议信息所属数据集（如 market.admin_penalty）和业务主键（多个字段用 | 连接，顺序同该数据集的业务主键）",
    ),
    "correction_unknown_field": (
        "更正内容中的“{detail}”不是该数据集的字段",
        "请按该数据集的字段名填写，如“当事人名称=江阴市某某贸易有限公司”",
    ),
    "disputed_record_other_department": (
        "责任部门“{value}”不是报送该记录的部门（该记录由{detail}报送）",
        "请填写报送该记录的部门（异议应转办给信息提供单位）",
    ),
}

RULES = (
    Rule("disputed_record_not_held", "异议所指记录未归集"),
    Rule("disputed_record_other_department", "责任部门与报送部门不符"),
    Rule("correction_unknown_field", "更正内容所列字段不存在"),
)
EXPECTATIONS = ()
CHECKS = (
    Check(
        "held_record",
        _no_expectations,
        over_fields=True,
        keys=frozenset({"corrections"}),
        doc="[数据集字段, 业务主键字段, 部门字段]：所指记录须已归集、由该部门报送（合并分块时对照数据仓库）",
    ),
)
