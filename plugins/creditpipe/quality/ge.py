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

_DEFINED: list = []
# Domain and success keys of GE's column pair map expectations (as its own pair
# expectations declare them).
_PAIR_DOMAIN = ("batch_id", "table", "column_A", "column_B", "row_condition", "condition_parser", "ignore_row_if")
_PAIR_SUCCESS = ("column_A", "column_B", "ignore_row_if", "mostly")


def define_expectations() -> None:
    """Teach Great Expectations the expectation types it does not have, once per process:
    for each, a metric provider that runs the rule module's kernel, and the expectation
    class GE finds by the type's name (``expect_column_values_to_be_valid_uscc`` →
    ``ExpectColumnValuesToBeValidUscc``). Nulls are left to the not-null rules; every other
    value is judged on its own row, as by the compiled engine."""
    if _DEFINED:
        return
    from typing import ClassVar

    from great_expectations.execution_engine import PandasExecutionEngine
    from great_expectations.expectations.expectation import ColumnMapExpectation, ColumnPairMapExpectation
    from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial
    from great_expectations.expectations.metrics.map_metric_provider import (
        ColumnPairMapMetricProvider,
        column_pair_condition_partial,
    )

    from creditpipe.quality.rules import EXPECTATIONS

    for known in EXPECTATIONS.values():
        if known.ge_fields is None:  # one of GE's own
            continue
        pair = known.shape == "pair"
        suffix = known.type.removeprefix("expect_column_pair_" if pair else "expect_column_values_to_")
        metric = f"{'column_pair_values' if pair else 'column_values'}.creditpipe_{suffix}"
        value_keys = tuple(k for k in known.ge_fields if k != "ignore_row_if")

        if pair:

            def _pandas(cls, column_A, column_B, _kernel=known.kernel, **kwargs):
                return _kernel(column_A, column_B, kwargs)

            provider = {
                "condition_domain_keys": _PAIR_DOMAIN,
                "_pandas": column_pair_condition_partial(engine=PandasExecutionEngine)(_pandas),
            }
            bases = (ColumnPairMapMetricProvider, ColumnPairMapExpectation)
            success = (*_PAIR_SUCCESS, *value_keys)
        else:

            def _pandas(cls, column, _kernel=known.kernel, **kwargs):
                return _kernel(column, kwargs)

            provider = {"_pandas": column_condition_partial(engine=PandasExecutionEngine)(_pandas)}
            bases = (ColumnMapMetricProvider, ColumnMapExpectation)
            success = ("mostly", *value_keys)
        type(
            f"Metric_{suffix}",
            (bases[0],),
            {"__module__": __name__, "condition_metric_name": metric, "condition_value_keys": value_keys, **provider},
        )
        fields = {name: annotation for name, (annotation, _) in known.ge_fields.items()}
        defaults = {name: default for name, (_, default) in known.ge_fields.items() if default is not ...}
        name = "".join(part.capitalize() for part in known.type.split("_"))
        _DEFINED.append(
            type(
                name,
                (bases[1],),
                {
                    "__module__": __name__,
                    "__doc__": f"{known.type}: creditpipe's rule, its kernel in quality/rules.",
                    "__annotations__": {
                        "map_metric": ClassVar[str],
                        "success_keys": ClassVar[tuple[str, ...]],
                        **fields,
                    },
                    "map_metric": metric,
                    "success_keys": success,
                    **defaults,
                },
            )
        )


class GreatExpectations:
    """One ephemeral Great Expectations context per process (creating one costs ~1 s)."""

    _instance = None

    def __init__(self) -> None:
        os.environ["GX_ANALYTICS_ENABLED"] = "False"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            define_expectations()

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("deliveries").add_dataframe_asset("delivery")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole delivery")

    @classmethod
    def get(cls) -> GreatExpectations:
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
    return result_rows(result)


def result_rows(result) -> list[dict]:
    """A GE validation result's unexpected rows as issue rows (``judge.issue_rows``): the
    same rows our engine gives for the same records, before they are de-duplicated."""
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
        expectation = {
            "type": config.type,
            "kwargs": dict(config.kwargs),
            "meta": config.meta or {},
            "severity": str(getattr(raw, "value", raw)),
        }  # GE gives an enum
        rows.extend(issue_rows(expectation, res.result.get("unexpected_index_list") or []))
    return rows
