"""Dates: a day that exists (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD; 2026-02-30 does not); not
after the delivery (a decision cannot be in the future); two dates in their order (a
decision before its validity ends); and a 双公示 record published within 7 working days of
its decision, counting the official holidays and make-up days."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from creditpipe.quality.cells import width_bytes
from creditpipe.quality.rules.base import DELIVERY_DATE, Check, Expectation, Rule, expectation, fill

# The date shapes departments send; Excel date cells are turned into the first one on read.
DATE_SHAPES = (
    (re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$"), "%Y-%m-%d"),
    (re.compile(r"^\d{4}/\d{1,2}/\d{1,2}$"), "%Y/%m/%d"),
    (re.compile(r"^\d{8}$"), "%Y%m%d"),
)


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates that exist, as Timestamps; NaT for anything else.

    Cells of the canonical shape YYYY-MM-DD (nearly all of them) are read by numpy from
    their bytes; the rest by shape through pandas (``parse_dates_by_shape``). The two
    agree on every canonical cell (tests/test_rules.py holds them to it)."""
    text = values.astype("string").str.strip()
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    where, year, month, day = _canonical_dates(text)
    real = day_exists(year, month, day)  # pandas reads year 0000 too
    months = (year - 1970) * 12 + np.clip(month, 1, 12) - 1
    dates = (months.astype("datetime64[M]").astype("datetime64[D]") + (np.clip(day, 1, 31) - 1)).astype(
        "datetime64[us]"
    )
    out[where[real]] = dates[real]
    rest = text.notna().to_numpy().copy()
    rest[where] = False
    if rest.any():
        out[rest] = parse_dates_by_shape(text[rest]).to_numpy()
    return pd.Series(out, index=values.index)


def _canonical_dates(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the cells shaped YYYY-MM-DD (ten ASCII bytes) and their year, month
    and day as numbers, read from the bytes a column at a time."""
    where, b = width_bytes(text, 10)
    shaped = (b[:, 4] == 45) & (b[:, 7] == 45)
    for j in (0, 1, 2, 3, 5, 6, 8, 9):
        shaped &= (b[:, j] - 48) < 10  # uint8: a byte below "0" wraps round
    b = b[shaped]

    def number(*columns: int) -> np.ndarray:
        out = np.zeros(len(b), dtype=np.int32)
        for j in columns:
            out = out * 10 + (b[:, j].astype(np.int32) - 48)
        return out

    return where[shaped], number(0, 1, 2, 3), number(5, 6), number(8, 9)


def canonical_date_cells(values: pd.Series) -> np.ndarray:
    """Where a cell (as it is, unstripped) is shaped YYYY-MM-DD."""
    out = np.zeros(len(values), dtype=bool)
    out[_canonical_dates(values)[0]] = True
    return out


def day_exists(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)]
    month_days = month_days + ((month == 2) & leap)
    return (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)


def parse_dates_by_shape(text: pd.Series) -> pd.Series:
    """Stripped text read by the first of ``DATE_SHAPES`` it has (pandas, any shape)."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for shape, fmt in DATE_SHAPES:
        hit = text.str.match(shape.pattern).fillna(False).astype(bool)
        if hit.any():
            out[hit] = pd.to_datetime(text[hit], format=fmt, errors="coerce")
    return out


def parse_date(value: object) -> dt.date | None:
    """One value as ``parse_dates`` reads it (for messages: no Series per value)."""
    text = str(value).strip() if value is not None else ""
    for shape, fmt in DATE_SHAPES:
        if shape.match(text):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                return None
    return None


def is_calendar_date(values: pd.Series) -> pd.Series:
    return parse_dates(values).notna()


def is_not_after(values: pd.Series, limit: str | dt.date) -> pd.Series:
    """True where the date is on or before ``limit``, and where it is no date at all
    (that is the calendar-date rule's to report, once)."""
    dates = parse_dates(values)
    return dates.isna() | (dates <= pd.Timestamp(limit))


def dates_in_order(
    earlier: pd.Series, later: pd.Series, parsed: tuple[pd.Series, pd.Series] | None = None
) -> pd.Series:
    """The first date is not after the second; values that are no date are left to the date rule."""
    a, b = parsed if parsed is not None else (parse_dates(earlier), parse_dates(later))
    return (a.isna() | b.isna() | (a <= b)).astype(bool)


def published_within(
    decided: pd.Series,
    published: pd.Series,
    working_days: int,
    calendar=None,
    parsed: tuple[pd.Series, pd.Series] | None = None,
) -> pd.Series:
    """Published no more than ``working_days`` working days after the decision (双公示: 7),
    counting the official holidays and make-up days. Values that are no date are left to
    the date rules."""
    from creditpipe.core.catalog import load_catalog
    from creditpipe.core.workdays import WorkingCalendar

    calendar = calendar or WorkingCalendar.from_catalog(load_catalog())
    a, b = parsed if parsed is not None else (parse_dates(decided), parse_dates(published))
    dated = (a.notna() & b.notna()).to_numpy()
    late = np.zeros(len(a), dtype=bool)
    if dated.any():
        days = [s.to_numpy()[dated].astype("datetime64[D]").astype(np.int64) for s in (a, b)]
        late[dated] = calendar.working_days_between_many(*days) > working_days
    return pd.Series(~late, index=decided.index)


@lru_cache(maxsize=4096)  # the same pair of days recurs across a delivery
def _publication_lag(value: str, allowed: int) -> str:
    decided, published = (parse_date(v) for v in value.split(" / "))
    if decided is None or published is None:
        return ""
    calendar = _calendar()
    lag = calendar.working_days_between(decided, published)
    note = calendar.statement()
    return f"：决定于 {decided}，{published} 才报送公示，相隔 {lag} 个工作日（应在 {allowed} 个工作日内）" + (
        f"。{note}" if note else ""
    )


@lru_cache(maxsize=1)
def _calendar():
    """The county's working days (the catalog's overrides for a year not yet announced)."""
    from creditpipe.core.catalog import load_catalog
    from creditpipe.core.workdays import WorkingCalendar

    return WorkingCalendar.from_catalog(load_catalog())


def _explain_lag(value: str, kwargs: dict) -> str:
    return _publication_lag(value, kwargs.get("working_days", 7))


def _date(field: str, spec: dict) -> list[dict]:
    return [
        expectation(
            "expect_column_values_to_be_calendar_dates",
            {"column": field},
            rule="date_invalid",
            spec=spec,
            message="{field}“{value}”不是存在的日期{detail}",
            fix="请使用 YYYY-MM-DD 格式的真实日期，例如 2026-10-08",
            field=field,
        )
    ]


def _not_future(field: str, spec: dict) -> list[dict]:
    """``reason``: why the date cannot be after the delivery (the message says it)."""
    return [
        expectation(
            "expect_column_values_to_be_dates_not_after",
            {"column": field, "not_after": DELIVERY_DATE},
            rule="date_in_future",
            spec=spec,
            message="{field}“{value}”晚于报送日期 {not_after}，{reason}",
            fix="请核对{field}",
            field=field,
            reason=fill(spec.get("reason", "{field}不可能在报送日期之后"), field=field),
        )
    ]


def _date_order(fields: list[str], spec: dict) -> list[dict]:
    """[earlier, later]: the first date is not after the second."""
    a, b = fields
    return [
        expectation(
            "expect_column_pair_dates_to_be_in_order",
            {"column_A": a, "column_B": b, "ignore_row_if": "either_value_is_missing"},
            rule="date_order",
            spec=spec,
            message="{a}晚于{b}（{value}），日期先后颠倒",
            fix="请核对两个日期：{a}不应晚于{b}",
            a=a,
            b=b,
        )
    ]


def _published_within(fields: list[str], spec: dict) -> list[dict]:
    """[decision date, 报送日期]: published within ``days`` working days (双公示: 7)."""
    a, b = fields
    days = int(spec.get("days", 7))
    return [
        expectation(
            "expect_column_pair_published_within_working_days",
            {"column_A": a, "column_B": b, "working_days": days, "ignore_row_if": "either_value_is_missing"},
            rule="late_publication",
            severity="warning",
            spec=spec,
            a=a,
            days=days,
            message="{a}后超过 {days} 个工作日才报送公示{detail}",
            fix=(
                "双公示信息应在作出决定之日起 {days} 个工作日内报送公示；本条照常入库，不计入数据不合格率，"
                "计入本部门双公示按时公示率（考核“双公示信息报送”的依据）；决定日期所在的交换周期此前未报送的，"
                "该期同时计为信息时效性迟报"
            ),
        )
    ]


def _a_day(rng, spec):
    return (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 280))).isoformat()


def _impossible_day(value, rng, spec, delivered):
    year = str(value or "2026")[:4]
    return rng.choice((f"{year}-02-30", f"{year}-13-01", f"{year}-04-31"))


def _in_the_future(value, rng, spec, delivered):
    return (delivered + dt.timedelta(days=rng.randint(3, 40))).isoformat()


EXPECTATIONS = (
    Expectation(
        "expect_column_values_to_be_calendar_dates",
        "column",
        kernel=lambda c, kw: is_calendar_date(c),
        on_dates=lambda d, kw: d.notna(),
        ge_fields={},
        examples=(
            {
                "data": {"x": ["2026-10-08", "2026/10/8", "20261008", "2026-02-30", "2026.10.08", "46000", None]},
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [3, 4, 5]}},),
            },
        ),
    ),
    Expectation(
        "expect_column_values_to_be_dates_not_after",
        "column",
        kernel=lambda c, kw: is_not_after(c, kw.get("not_after")),
        on_dates=lambda d, kw: d.isna() | (d <= pd.Timestamp(kw.get("not_after"))),
        ge_fields={"not_after": (str | dict, ...)},
        examples=(
            {
                "data": {"x": ["2026-10-08", "2026-10-31", "2026-11-01", "不是日期"]},
                "tests": ({"in": {"column": "x", "not_after": "2026-10-31"}, "out": {"unexpected_index_list": [2]}},),
            },
        ),
    ),
    Expectation(
        "expect_column_pair_dates_to_be_in_order",
        "pair",
        kernel=lambda a, b, kw: dates_in_order(a, b),
        on_dates=lambda a, b, da, db, kw: dates_in_order(a, b, parsed=(da, db)),
        ge_fields={"ignore_row_if": (str, "either_value_is_missing")},
        examples=(
            {
                "data": {
                    "a": ["2026-10-08", "2026-10-09", "2026-10-09", "坏"],
                    "b": ["2026-10-09", "2026-10-09", "2026-10-08", "2026-10-01"],
                },
                "tests": (
                    {
                        "in": {"column_A": "a", "column_B": "b", "ignore_row_if": "either_value_is_missing"},
                        "out": {"unexpected_index_list": [2]},
                    },
                ),
            },
        ),
    ),
    Expectation(
        "expect_column_pair_published_within_working_days",
        "pair",
        kernel=lambda a, b, kw: published_within(a, b, int(kw.get("working_days", 7))),
        on_dates=lambda a, b, da, db, kw: published_within(a, b, int(kw.get("working_days", 7)), parsed=(da, db)),
        ge_fields={"working_days": (int, 7), "ignore_row_if": (str, "either_value_is_missing")},
        # Working days counted with the National Day holiday and its make-up day (chinesecalendar).
        examples=(
            {
                "data": {
                    "a": ["2026-10-08", "2026-10-08", "2026-09-21"],
                    "b": ["2026-10-16", "2026-10-20", "2026-10-09"],
                },
                "tests": (
                    {
                        "in": {
                            "column_A": "a",
                            "column_B": "b",
                            "working_days": 7,
                            "ignore_row_if": "either_value_is_missing",
                        },
                        "out": {"unexpected_index_list": [1, 2]},
                    },
                ),
            },
        ),
    ),
)
RULES = (
    Rule("date_invalid", "日期格式错误", cell_damage=True),
    Rule("date_in_future", "日期晚于报送日期"),
    Rule("change_after_collection", "变更时间晚于归集时间"),
    Rule("date_order", "日期先后顺序错误"),
    Rule("late_publication", "双公示超过7个工作日报送（提示）", explain=_explain_lag),
)
CHECKS = (
    Check("date", _date, make=_a_day, violate=_impossible_day, doc="存在的日期（YYYY-MM-DD 等）"),
    Check(
        "not_future",
        _not_future,
        make=_a_day,
        violate=_in_the_future,
        keys=frozenset({"reason"}),
        doc="不晚于报送日期（reason：为什么不可能）",
    ),
    Check("date_order", _date_order, over_fields=True, doc="[较早日期, 较晚日期]：先后顺序"),
    Check(
        "published_within",
        _published_within,
        over_fields=True,
        keys=frozenset({"days"}),
        doc="[决定日期, 报送日期]：作出决定后若干个工作日内报送公示（提示）",
    ),
)
