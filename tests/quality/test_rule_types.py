"""Each rule type's examples, kept beside its kernel as Great Expectations keeps them beside
its own expectations: the compiled engine and Great Expectations itself find exactly the
rows each example says, and every expectation type the suites use has examples."""

import datetime as dt
import warnings

import pandas as pd
import pytest

from creditpipe.core.records import ROW_ID
from creditpipe.quality.engine import as_text_columns, unexpected_rows
from creditpipe.quality.rules import CHECKS, EXPECTATIONS, RULES, rule_label

CASES = [
    pytest.param(e.type, example["data"], test, id=f"{e.type}-{i}-{j}")
    for e in EXPECTATIONS.values()
    for i, example in enumerate(e.examples)
    for j, test in enumerate(example["tests"])
]
DELIVERED = dt.date(2026, 10, 31)


def test_every_expectation_type_has_examples_and_every_check_says_what_it_does():
    assert all(e.examples for e in EXPECTATIONS.values()), [t for t, e in EXPECTATIONS.items() if not e.examples]
    assert all(c.doc for c in CHECKS.values())
    assert all(r.label and r.label != r.id for r in RULES.values())
    assert (
        rule_label("uscc_invalid") == "统一社会信用代码校验错误"
        # A format a declaration names itself reads as what it is, never as its id (issue 20).
        and rule_label("sample_no_format") == "格式错误"
    )


@pytest.mark.parametrize("kind,data,test", CASES)
def test_the_compiled_engine_finds_each_examples_rows(kind, data, test):
    frame = as_text_columns(pd.DataFrame(data))
    got = unexpected_rows(frame, {"type": kind, "kwargs": test["in"]}, {"delivery_date": DELIVERED.isoformat()})
    assert sorted(int(i) for i in got) == test["out"]["unexpected_index_list"]


def test_great_expectations_finds_each_examples_rows():
    """The same examples through GE 1.x itself, with the expectations it learns from the
    rule modules (one context for all)."""
    from creditpipe.quality.ge import GreatExpectations

    gx = GreatExpectations.get()
    for case in CASES:
        kind, data, test = case.values
        frame = pd.DataFrame(data).assign(**{ROW_ID: lambda f: range(len(f))})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            suite = gx.gx.ExpectationSuite(
                name=f"example {case.id}", expectations=[{"type": kind, "kwargs": test["in"]}]
            )
            result = gx.batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
                suite,
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": [ROW_ID],
                    "return_unexpected_index_query": False,
                },
            )
        (res,) = result.results
        assert not (res.exception_info or {}).get("raised_exception"), (case.id, res.exception_info)
        rows = sorted(int(r[ROW_ID]) for r in res.result.get("unexpected_index_list") or [])
        assert rows == test["out"]["unexpected_index_list"], case.id
