"""The rule types, one module each: its kernel, how Great Expectations knows it, its
words and its examples together. This registry gathers them; the compiled engine, the GE
runner, the suites' generator and the messages all read it, and nothing else lists them.

    required      必填、占位文字、按条件必填        enumeration  代码表（单值、多值）
    uscc          统一社会信用代码及其与类别的关系   resident_id  公民身份号码（及须遮蔽处不得完整）
    dates         日期、不晚于报送、先后、双公示期限  numbers      金额、整数
    text          首尾空白、格式、名称与类别         uniqueness   批次内不重复
    reference     异议所指记录须已归集（对照数据仓库）
"""

from __future__ import annotations

from creditpipe.quality.rules import (
    dates,
    enumeration,
    numbers,
    reference,
    required,
    resident_id,
    text,
    uniqueness,
    uscc,
)
from creditpipe.quality.rules.base import Check, Expectation, Rule

MODULES = (required, enumeration, uscc, resident_id, dates, numbers, text, uniqueness, reference)

EXPECTATIONS: dict[str, Expectation] = {e.type: e for m in MODULES for e in m.EXPECTATIONS}
RULES: dict[str, Rule] = {r.id: r for m in MODULES for r in m.RULES}
CHECKS: dict[str, Check] = {c.name: c for m in MODULES for c in m.CHECKS}
assert len(EXPECTATIONS) == sum(len(m.EXPECTATIONS) for m in MODULES), "an expectation type is defined twice"
assert len(RULES) == sum(len(m.RULES) for m in MODULES), "a rule id is defined twice"
assert len(CHECKS) == sum(len(m.CHECKS) for m in MODULES), "a check is named twice"

# A rule a dataset declares itself (a format of its own) says what it is by its name.
_DECLARED = Rule("format", "格式错误", cell_damage=True)


def rule(rule_id: str) -> Rule:
    """The rule a refusal names; one a declaration made up (``…_format``) is a format rule."""
    return RULES.get(rule_id) or _DECLARED


def rule_label(rule_id: str) -> str:
    """The rule's name as people read it (the notice, the report): Chinese, never its id."""
    return rule(rule_id).label
