"""Hand-offs through XCom: every kind comes back as itself from what XCom carries, read as
any of a step's kinds (``Handoff.from_xcom``) — the zero report included (issue 18)."""

import dataclasses

import pytest

from creditpipe.core import handoffs
from creditpipe.core.handoffs import Handoff, ZeroReport


def _sample(kind: type[Handoff]) -> Handoff:
    values = {}
    for f in dataclasses.fields(kind):
        if f.name in kind._items:
            values[f.name] = ()
        elif f.default is not dataclasses.MISSING:
            values[f.name] = f.default
        else:
            values[f.name] = 1 if "int" in str(f.type) and "str" not in str(f.type) else f"{f.name}-x"
    return kind(**values)


@pytest.mark.parametrize("kind", Handoff.__subclasses__(), ids=lambda k: k.__name__)
def test_every_kind_comes_back_as_itself(kind):
    sent = _sample(kind)
    assert Handoff.from_xcom(sent.to_xcom()) == sent
    assert kind.from_xcom(sent.to_xcom()) == sent


def test_the_zero_report_is_a_known_kind():
    assert handoffs.KINDS["ZeroReport"] is ZeroReport
