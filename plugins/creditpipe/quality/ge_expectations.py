"""Expectations the built-in set cannot express, registered with Great Expectations.

Importing this module registers them, so a suite in ``expectations/`` can name them by
type (``expect_column_values_to_be_valid_uscc`` …). Each is a column map expectation:
nulls are left to the not-null rules, every other value is judged on its own row."""

from __future__ import annotations

from typing import ClassVar, List, Optional, Tuple, Union

from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation, ColumnPairMapExpectation
from great_expectations.expectations.metrics import (
    ColumnMapMetricProvider,
    column_condition_partial,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnPairMapMetricProvider,
    column_pair_condition_partial,
)

from creditpipe.quality import kernels as rules


class ColumnValuesValidUscc(ColumnMapMetricProvider):
    condition_metric_name = "column_values.creditpipe_valid_uscc"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return rules.is_uscc(column)


class ExpectColumnValuesToBeValidUscc(ColumnMapExpectation):
    """统一社会信用代码: 18 characters of the GB 32100 alphabet with the right check character."""

    map_metric: ClassVar[str] = "column_values.creditpipe_valid_uscc"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly",)


class ColumnValuesValidResidentId(ColumnMapMetricProvider):
    condition_metric_name = "column_values.creditpipe_valid_resident_id"
    condition_value_keys = ("as_of",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, as_of=None, **kwargs):
        return rules.is_resident_id(column, as_of)


class ExpectColumnValuesToBeValidResidentId(ColumnMapExpectation):
    """公民身份号码: 18 characters, a real birth date not after ``as_of``, the right check character."""

    as_of: Optional[Union[str, dict]] = None
    map_metric: ClassVar[str] = "column_values.creditpipe_valid_resident_id"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly", "as_of")


class ColumnValuesCalendarDate(ColumnMapMetricProvider):
    condition_metric_name = "column_values.creditpipe_calendar_date"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return rules.is_calendar_date(column)


class ExpectColumnValuesToBeCalendarDates(ColumnMapExpectation):
    """A date that exists (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD; 2026-02-30 does not)."""

    map_metric: ClassVar[str] = "column_values.creditpipe_calendar_date"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly",)


class ColumnValuesDateNotAfter(ColumnMapMetricProvider):
    condition_metric_name = "column_values.creditpipe_date_not_after"
    condition_value_keys = ("not_after",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, not_after=None, **kwargs):
        return rules.is_not_after(column, not_after)


class ExpectColumnValuesToBeDatesNotAfter(ColumnMapExpectation):
    """A date on or before ``not_after`` (the delivery date: a decision cannot be in the future)."""

    not_after: Union[str, dict]
    map_metric: ClassVar[str] = "column_values.creditpipe_date_not_after"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly", "not_after")


class ColumnValuesNonNegativeNumber(ColumnMapMetricProvider):
    condition_metric_name = "column_values.creditpipe_non_negative_number"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return rules.is_non_negative_number(column)


class ExpectColumnValuesToBeNonNegativeNumbers(ColumnMapExpectation):
    """A plain decimal number ≥ 0 (amounts in 万元)."""

    map_metric: ClassVar[str] = "column_values.creditpipe_non_negative_number"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly",)


class ColumnValuesTermsInSet(ColumnMapMetricProvider):
    condition_metric_name = "column_values.creditpipe_terms_in_set"
    condition_value_keys = ("value_set",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, value_set=(), **kwargs):
        return rules.terms_in_set(column, list(value_set))


class ExpectColumnValuesToBeTermsInSet(ColumnMapExpectation):
    """Every term of a cell that may hold several (separated by ; or ,) is in ``value_set``."""

    value_set: List[str]
    map_metric: ClassVar[str] = "column_values.creditpipe_terms_in_set"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly", "value_set")


class ColumnValuesNotPlaceholder(ColumnMapMetricProvider):
    condition_metric_name = "column_values.creditpipe_not_placeholder"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return rules.is_not_placeholder(column)


class ExpectColumnValuesToNotBePlaceholderText(ColumnMapExpectation):
    """Not a stand-in for nothing ("NULL", "无", "/", "-" …): in a required field it means empty."""

    map_metric: ClassVar[str] = "column_values.creditpipe_not_placeholder"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly",)


class ColumnValuesTrimmedSingleLine(ColumnMapMetricProvider):
    condition_metric_name = "column_values.creditpipe_trimmed_single_line"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return rules.is_trimmed_single_line(column)


class ExpectColumnValuesToBeTrimmedSingleLine(ColumnMapExpectation):
    """No stray blanks at the ends and no line breaks (what copy-paste in Excel leaves)."""

    map_metric: ClassVar[str] = "column_values.creditpipe_trimmed_single_line"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly",)


class ColumnValuesUsccStructure(ColumnMapMetricProvider):
    condition_metric_name = "column_values.creditpipe_uscc_structure"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return rules.is_uscc_structure(column)


class ExpectColumnValuesToHaveValidUsccStructure(ColumnMapExpectation):
    """统一社会信用代码 positions 1–8: a registering authority that exists, an entity type it
    registers, a real province in the division code (A, N and Y are legal authorities)."""

    map_metric: ClassVar[str] = "column_values.creditpipe_uscc_structure"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly",)


class ColumnValuesUsccOrgCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.creditpipe_uscc_org_code"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return rules.is_uscc_org_code(column)


class ExpectColumnValuesToHaveValidEmbeddedOrgCode(ColumnMapExpectation):
    """The GB 11714 organisation code inside a 统一社会信用代码 (positions 9–17) checks out."""

    map_metric: ClassVar[str] = "column_values.creditpipe_uscc_org_code"
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly",)


_PAIR_DOMAIN = ("batch_id", "table", "column_A", "column_B", "row_condition", "condition_parser", "ignore_row_if")
_PAIR_SUCCESS = ("column_A", "column_B", "ignore_row_if", "mostly")


class ColumnPairUsccMatchesCategory(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.creditpipe_uscc_matches_category"
    condition_domain_keys = _PAIR_DOMAIN

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A, column_B, **kwargs):
        return rules.uscc_matches_category(column_A, column_B)


class ExpectColumnPairUsccToMatchPartyCategory(ColumnPairMapExpectation):
    """column_A a 统一社会信用代码, column_B the party's category: they must not contradict."""

    ignore_row_if: str = "either_value_is_missing"
    map_metric: ClassVar[str] = "column_pair_values.creditpipe_uscc_matches_category"
    success_keys: ClassVar[Tuple[str, ...]] = _PAIR_SUCCESS


class ColumnPairDatesInOrder(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.creditpipe_dates_in_order"
    condition_domain_keys = _PAIR_DOMAIN

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A, column_B, **kwargs):
        return rules.dates_in_order(column_A, column_B)


class ExpectColumnPairDatesToBeInOrder(ColumnPairMapExpectation):
    """The date in column_A is not after the date in column_B (decision ≤ publication, start ≤ end)."""

    ignore_row_if: str = "either_value_is_missing"
    map_metric: ClassVar[str] = "column_pair_values.creditpipe_dates_in_order"
    success_keys: ClassVar[Tuple[str, ...]] = _PAIR_SUCCESS


class ColumnPairPublishedWithin(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.creditpipe_published_within"
    condition_domain_keys = _PAIR_DOMAIN
    condition_value_keys = ("working_days",)

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A, column_B, working_days=7, **kwargs):
        return rules.published_within(column_A, column_B, int(working_days))


class ExpectColumnPairPublishedWithinWorkingDays(ColumnPairMapExpectation):
    """column_A a decision date, column_B when the record was published to the platform:
    at most ``working_days`` working days apart (双公示 7 个工作日)."""

    working_days: int = 7
    ignore_row_if: str = "either_value_is_missing"
    map_metric: ClassVar[str] = "column_pair_values.creditpipe_published_within"
    success_keys: ClassVar[Tuple[str, ...]] = (*_PAIR_SUCCESS, "working_days")


class ColumnPairNameMatchesCategory(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.creditpipe_name_matches_category"
    condition_domain_keys = _PAIR_DOMAIN

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A, column_B, **kwargs):
        return rules.name_matches_category(column_A, column_B)


class ExpectColumnPairNameToMatchPartyCategory(ColumnPairMapExpectation):
    """column_A the party's name, column_B its category: a 自然人 is not named like a company."""

    ignore_row_if: str = "either_value_is_missing"
    map_metric: ClassVar[str] = "column_pair_values.creditpipe_name_matches_category"
    success_keys: ClassVar[Tuple[str, ...]] = _PAIR_SUCCESS
