"""Great Expectations itself judging a delivery (``CREDITPIPE_VERDICT_ENGINE=ge``, and the
tests and the bench that hold the compiled engine to it): one ephemeral context per
process, the suite from ``expectations/``, COMPLETE results turned into issue rows."""

from __future__ import annotations

import datetime as dt
import os
import warnings

import pandas as pd

from creditpipe.core.records import ROW_ID
from creditpipe.quality.judge import issue_rows
from creditpipe.quality.suites import SuiteError, load_suite_document


class GreatExpectations:
    """One ephemeral Great Expectations context per process (creating one costs ~1 s)."""

    _instance = None

    def __init__(self) -> None:
        os.environ["GX_ANALYTICS_ENABLED"] = "False"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            import creditpipe.quality.ge_expectations  # noqa: F401  registers our expectations

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("deliveries").add_dataframe_asset("delivery")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole delivery")

    @classmethod
    def get(cls) -> "GreatExpectations":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def suite(self, name: str):
        doc = load_suite_document(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.gx.ExpectationSuite(
                name=doc["name"], expectations=doc["expectations"], meta=doc.get("meta", {})
            )


def ge_rows(records: pd.DataFrame, suite_name: str, delivery_date: dt.date) -> list[dict]:
    gx = GreatExpectations.get()
    suite = gx.suite(suite_name)
    batch = gx.batch_definition.get_batch(batch_parameters={"dataframe": records})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [ROW_ID],
                "return_unexpected_index_query": False,
            },
            expectation_parameters={"delivery_date": delivery_date.isoformat()},
        )
    rows: list[dict] = []
    for res in result.results:
        config = res.expectation_config
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise SuiteError(
                f"规则 {config.type}（{config.kwargs.get('column')}）无法执行："
                f"{res.exception_info.get('exception_message')}"
            )
        if res.success:
            continue
        raw = getattr(config, "severity", None) or "critical"
        expectation = {"type": config.type, "kwargs": dict(config.kwargs), "meta": config.meta or {},
                       "severity": str(getattr(raw, "value", raw))}  # GE gives an enum
        rows.extend(issue_rows(expectation, res.result.get("unexpected_index_list") or []))
    return rows


