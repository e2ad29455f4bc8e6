"""Datasets declared once: each in a file of its own beside the catalog
(``dags/datasets/<id>.yml``), with shared blocks (``dags/datasets/blocks/<name>.yml``: the
双公示 party block, the penalty block) included where a dataset names them.

A declaration says, for each field, its standard header and warehouse column, whether it is
required or personal data, and the checks it carries with their parameters and words; and,
for the dataset, the rules over several fields (uniqueness, dates in order, a code against
a category). The Great Expectations suite in ``expectations/`` and the table in
``sql/datasets/`` are generated from it (``make suites``); nothing else lists a field.

    fields:
      - include: party                        # a block's fields, in place, and its rules
      - name: 处罚决定日期
        column: decision_date
        required: true
        checks: [date, {not_future: {reason: 处罚决定不可能尚未作出, fix: 请核对处罚决定书上的决定日期}}]
    rules:
      - {date_order: [处罚决定日期, 处罚有效期]}
    overrides:                                # this dataset's own words for a block's check
      处罚类别: {terms: {fix: …}}
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml


class DeclarationError(ValueError):
    """A declaration that cannot be read as one (the message names the file and the entry)."""


def read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DeclarationError(f"{path.name} 不是有效的 YAML：{str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise DeclarationError(f"{path.name} 应为一个映射（键: 值）")
    return data


def load_folder(folder: Path, broken: dict[str, str] | None = None) -> tuple[list[dict], dict[str, dict]]:
    """The declarations in ``folder`` (one ``<id>.yml`` each, in the order of their names)
    and the blocks in its ``blocks/``. With ``broken``, a declaration that cannot be read is
    recorded there under its file's stem (the dataset id it should declare) and left out,
    so the others still load; without it, it raises."""
    blocks = {p.stem: read_yaml(p) for p in sorted((folder / "blocks").glob("*.yml"))}
    declared = []
    for p in sorted(folder.glob("*.yml")):
        try:
            declared.append(read_yaml(p))
        except DeclarationError as exc:
            if broken is None:
                raise
            broken[p.stem] = f"数据集声明 dags/{folder.name}/{p.name} 有误：{exc}"
    return declared, blocks


def resolve(raw: dict, blocks: dict[str, dict]) -> dict:
    """A declaration with its blocks included — their fields in place, their rules before the
    dataset's own — and its overrides applied."""
    where = f"数据集 {raw.get('id')}"
    fields, rules = [], []
    for entry in raw.get("fields") or []:
        if isinstance(entry, dict) and "include" in entry:
            name = entry["include"]
            if name not in blocks:
                known = "、".join(sorted(blocks)) or "（无）"
                raise DeclarationError(f"{where}：引用的字段块 {name!r} 不存在；已有：{known}")
            fields += copy.deepcopy(blocks[name].get("fields") or [])
            rules += copy.deepcopy(blocks[name].get("rules") or [])
        elif isinstance(entry, dict):
            fields.append(entry)
        else:
            raise DeclarationError(f"{where}：字段须为映射（name、column…）或 include，收到 {entry!r}")
    rules += raw.get("rules") or []
    by_name = {f.get("name"): f for f in fields}
    for field_name, checks in (raw.get("overrides") or {}).items():
        target = by_name.get(field_name)
        if target is None:
            raise DeclarationError(f"{where}：overrides 中的字段 {field_name!r} 不在字段表中")
        for check, words in (checks or {}).items():
            _override(target, check, words, where)
    out = {k: v for k, v in raw.items() if k != "overrides"}
    return {**out, "fields": fields, "rules": rules}


def _override(field: dict, check: str, words: dict, where: str) -> None:
    if check == "required_when" and field.get("required_when"):
        field["required_when"] = {**field["required_when"], **words}
        return
    entries = field.get("checks") or []
    for i, entry in enumerate(entries):
        name, spec = check_entry(entry, where)
        if name == check:
            entries[i] = {name: {**spec, **words}}
            return
    raise DeclarationError(f"{where}：字段 {field.get('name')!r} 没有可覆盖的校验 {check!r}")


def check_entry(entry, where: str = "") -> tuple[str, dict]:
    """A field's check as declared: a name (``uscc``), or a name with its spec
    (``{enum: {values: […]}}``)."""
    if isinstance(entry, str):
        return entry, {}
    if isinstance(entry, dict) and len(entry) == 1:
        ((name, spec),) = entry.items()
        if spec is None:
            return name, {}
        if isinstance(spec, dict):
            return name, dict(spec)
    raise DeclarationError(f"{where}：校验须写成名称或“名称: {{参数}}”，收到 {entry!r}")


def rule_entry(entry, where: str = "") -> tuple[str, tuple[str, ...], dict]:
    """A rule over several fields as declared: its name and fields first
    (``{date_order: [a, b]}``), then its parameters and words."""
    if isinstance(entry, dict) and entry:
        name, fields = next(iter(entry.items()))
        if isinstance(fields, (list, tuple)) and all(isinstance(f, str) for f in fields):
            return name, tuple(fields), {k: v for k, v in entry.items() if k != name}
    raise DeclarationError(f"{where}：多字段规则须写成“名称: [字段, …]”，收到 {entry!r}")
