"""Per-record verdicts: a dataset's suite over a delivery's records, turned into one row per
(record, field, rule) with a message a clerk understands, each problem said once.

The compiled engine (``engine``) judges by default; ``CREDITPIPE_VERDICT_ENGINE=ge`` runs
Great Expectations itself (``ge``), and the tests hold the two to the same verdicts."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd

from creditpipe.core.records import ISSUE_COLUMNS, ROW_ID, SEVERITY, Verdict, with_published
from creditpipe.quality.messages import explain
from creditpipe.quality.suites import SuiteError, expectation_columns, load_suite_document

# Which evaluator judges the records: "compiled" (creditpipe.quality.engine, vectorised, the
# default) or "ge" (Great Expectations itself; the tests hold the two to the same verdicts).
ENGINE_ENV = "CREDITPIPE_VERDICT_ENGINE"


def check_records(records: pd.DataFrame, suite_name: str, delivery_date: dt.date, engine: str | None = None) -> Verdict:
    """Run the suite over the records (which carry ``source_row``) and collect every issue."""
    engine = engine or os.environ.get(ENGINE_ENV, "compiled")
    records = with_published(records, delivery_date)
    if records.empty:
        return Verdict(records, pd.DataFrame(columns=ISSUE_COLUMNS))
    if engine == "ge":
        from creditpipe.quality.ge import ge_rows

        rows = ge_rows(records, suite_name, delivery_date)
    elif engine == "compiled":
        rows = judge_rows(records, suite_name, delivery_date)
    else:
        raise ValueError(f"未知的校验引擎 {engine!r}（compiled 或 ge）")
    return Verdict(records, finish_issues(rows))


def judge_rows(
    records: pd.DataFrame, suite_name: str, delivery_date: dt.date, expectations: list[dict] | None = None
) -> list[dict]:
    from creditpipe.quality.engine import UnsupportedExpectation, evaluate

    if expectations is None:
        expectations = load_suite_document(suite_name)["expectations"]
    frame = records.reset_index(drop=True)
    rows: list[dict] = []
    try:
        results = evaluate(frame, expectations, delivery_date)
    except KeyError as exc:
        if isinstance(exc, UnsupportedExpectation):
            raise SuiteError(str(exc.args[0])) from None
        raise SuiteError(f"规则集 {suite_name} 引用了不存在的字段 {exc.args[0]!r}") from None
    parameters = {"delivery_date": delivery_date.isoformat()}
    for expectation, positions in results:
        if len(positions) == 0:
            continue
        columns = expectation_columns(expectation)
        # The columns first: taking rows of all thirty columns per rule cost seconds.
        hits = frame[[ROW_ID, *columns]].iloc[positions].to_dict("records")
        rows.extend(issue_rows(resolved(expectation, parameters), hits))
    return rows


def resolved(expectation: dict, parameters: dict) -> dict:
    from creditpipe.quality.engine import resolve

    return {**expectation, "kwargs": resolve(expectation["kwargs"], parameters)}


def finish_issues(rows: list[dict]) -> pd.DataFrame:
    """The issues as a frame, each problem said once (see the echo rules below)."""
    issues = pd.DataFrame(rows, columns=["_pair", *ISSUE_COLUMNS])
    if not issues.empty:
        # A rule over a pair of fields (dates in order, code vs category) is not repeated
        # when one of its fields already has an error of its own on that row.
        single = issues["_pair"].isna() & (issues["severity"] == "error")
        own = set(zip(issues.loc[single, ROW_ID], issues.loc[single, "field"]))
        pair_echo = pd.Series(
            [
                p is not None and isinstance(p, tuple) and any((r, c) in own for c in p)
                for r, p in zip(issues[ROW_ID], issues["_pair"])
            ],
            index=issues.index,
        )
        issues = issues[~pair_echo]
    issues = issues.drop(columns="_pair")
    if not issues.empty:
        # "NULL" or "无" in a field, or a code of zeros, is one problem, said once: drop the
        # other rules' echoes.
        placeholder = issues["rule"].isin(("placeholder_text", "placeholder_code"))
        if placeholder.any():
            keys = set(zip(issues.loc[placeholder, ROW_ID], issues.loc[placeholder, "field"]))
            echo = ~placeholder & pd.Series(
                [k in keys for k in zip(issues[ROW_ID], issues["field"])], index=issues.index
            )
            issues = issues[~echo]
        # A value that is wrong is said by its error; a warning on the same value would only
        # repeat it (a blank that broke a code, the org-code check of a code that fails anyway).
        errors = issues["severity"] == "error"
        erred = set(zip(issues.loc[errors, ROW_ID], issues.loc[errors, "field"]))
        echo = ~errors & pd.Series([k in erred for k in zip(issues[ROW_ID], issues["field"])], index=issues.index)
        issues = issues[~echo]
        issues = issues.sort_values([ROW_ID, "field", "rule"], kind="stable").reset_index(drop=True)
    return issues


def issue_rows(expectation: dict, unexpected: list[dict]) -> list[dict]:
    """Issue rows for the unexpected rows of one expectation (its parameters resolved);
    each hit carries source_row and the expectation's columns."""
    # A rule over several columns (a compound key) names them all as its field.
    kwargs = expectation["kwargs"]
    columns = expectation_columns(expectation)
    column = "、".join(columns)
    meta = expectation.get("meta") or {}
    severity = SEVERITY[str(expectation.get("severity") or "critical").lower()]
    value_set = [str(v) for v in kwargs.get("value_set") or []]
    # Some standard values contain 、 themselves (没收违法所得、没收非法财物).
    allowed = ("；" if any("、" in v for v in value_set) else "、").join(value_set)
    not_after = kwargs.get("not_after") or kwargs.get("as_of") or ""
    kind = expectation["type"]
    out = []
    for hit in unexpected:
        parts = [hit.get(c) for c in columns]
        parts = [None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else str(v) for v in parts]
        value = None if all(v is None for v in parts) else " / ".join(v or "" for v in parts)
        fill = {
            "value": value or "",
            "field": column,
            "allowed": allowed,
            "not_after": not_after,
            "detail": explain(meta.get("rule", ""), value, kwargs),
        }
        out.append(
            {
                "_pair": tuple(columns) if "column_A" in kwargs else None,
                ROW_ID: int(hit[ROW_ID]),
                "field": column,
                "rule": meta.get("rule", kind),
                "severity": severity,
                "message": meta.get("message", kind).format(**fill),
                "fix": meta.get("fix", "").format(**fill),
                "value": value,
            }
        )
    return out
