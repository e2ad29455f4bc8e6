"""What a rule type is made of, wherever it lives in ``quality/rules/``:

- ``Expectation``: an expectation type the suites use — how the compiled engine judges it
  (its kernel), the class that teaches it to Great Expectations when GE has none of its own,
  and GE-style examples (data, and the rows each test finds unexpected) that the tests run
  through both engines;
- ``Rule``: a rule a refusal or warning names (``meta.rule``) — its Chinese label and how
  its message explains a value (``{detail}``);
- ``Check``: what a dataset's declaration says (``uscc``, ``enum: {...}``) and the
  expectations it stands for, with its default words; and, for the simulators, how to make
  a value it accepts and how to break one so that it refuses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# Where a suite's expectation takes the delivery's day (GE's expectation parameters).
DELIVERY_DATE = {"$PARAMETER": "delivery_date"}


@dataclass(frozen=True)
class Expectation:
    type: str  # Great Expectations' expectation type
    shape: str  # "not_null", "column" (map), "pair" (column pair map) or "compound"
    kernel: Callable | None = None  # column: (values, kwargs) → bool mask; pair: (a, b, kwargs)
    # The same judgement given the cells parsed once per frame (the engine shares the parse
    # between rules that read the same column): dates, and credit codes' bytes.
    on_dates: Callable | None = None
    on_codes: Callable | None = None
    whole_delivery: bool = False  # judged over a whole delivery's keys (uniqueness)
    # For an expectation GE does not have: the fields its class takes besides the column(s)
    # ({name: (annotation, default)}, ``...`` for none); ``quality.ge`` defines the class
    # from it and the kernel. None: one of GE's own.
    ge_fields: dict | None = None
    examples: tuple = ()  # ({"data": {...}, "tests": ({"in": {...}, "out": {"unexpected_index_list": [...]}},)},)


@dataclass(frozen=True)
class Rule:
    id: str
    label: str  # how reports and notices name it
    explain: Callable[[str, dict], str] | None = None  # (value, kwargs) → the message's {detail}
    cell_damage: bool = False  # a spreadsheet's damage to a cell is diagnosed in its detail


@dataclass(frozen=True)
class Check:
    name: str
    # (target, spec) → the suite's expectations; the target is a field's name, or for a
    # check over several fields the list of them.
    expand: Callable[[object, dict], list[dict]]
    make: Callable | None = None  # (rng, spec) → a value the check accepts
    violate: Callable | None = None  # (value, rng, spec, delivered day) → a value it refuses
    doc: str = ""
    over_fields: bool = False  # declared on the dataset over several fields, not on one field
    keys: frozenset = field(default_factory=frozenset)  # the spec's own keys (besides the words)


# The words every check may override in a declaration (and the standard it cites).
WORD_KEYS = frozenset({"message", "fix", "severity", "rule", "source"})


def fill(template: str, **known) -> str:
    """The template with the generation-time names filled in ({field}, {a}, {b}, {reason},
    {days}); the run-time ones ({value}, {detail}, {allowed}, {not_after}) are left for the
    issue rows to fill."""
    return re.sub(r"\{(\w+)\}", lambda m: str(known[m.group(1)]) if m.group(1) in known else m.group(0), template)


def expectation(
    type_: str,
    kwargs: dict,
    *,
    rule: str,
    message: str,
    fix: str,
    spec: dict | None = None,
    severity: str = "critical",
    **known,
) -> dict:
    """One expectation of a suite, its words the declaration's where it gives them (``spec``),
    the rule type's defaults otherwise."""
    spec = spec or {}
    meta = {
        "rule": spec.get("rule", rule),
        "message": fill(spec.get("message", message), **known),
        "fix": fill(spec.get("fix", fix), **known),
    }
    if spec.get("source"):  # where the standard says so: documented in the suite too
        meta["source"] = spec["source"]
    return {"type": type_, "kwargs": kwargs, "severity": spec.get("severity", severity), "meta": meta}


def row_condition(when: dict | None) -> dict | None:
    """A declaration's ``when`` ({field: value} or {field: [values]}, several fields all
    holding) as GE's structured row condition."""
    if not when:
        return None
    parts = [
        {"type": "comparison", "column": {"name": name}, "operator": "IN", "parameter": list(value)}
        if isinstance(value, (list, tuple))
        else {"type": "comparison", "column": {"name": name}, "operator": "==", "parameter": value}
        for name, value in when.items()
    ]
    return parts[0] if len(parts) == 1 else {"type": "and", "conditions": parts}


def with_condition(kwargs: dict, when: dict | None) -> dict:
    condition = row_condition(when)
    return {**kwargs, "row_condition": condition} if condition else kwargs
