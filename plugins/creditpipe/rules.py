"""Vectorised building blocks of the rules (pure pandas, no Great Expectations).

The custom expectations in ``custom_expectations`` call these; tests call them directly."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from creditpipe.identifiers import (
    has_valid_embedded_org_code,
    has_valid_uscc_structure,
    is_valid_resident_id,
    is_valid_uscc,
)

# The date shapes departments send; Excel date cells are turned into the first one on read.
DATE_SHAPES = (
    (re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$"), "%Y-%m-%d"),
    (re.compile(r"^\d{4}/\d{1,2}/\d{1,2}$"), "%Y/%m/%d"),
    (re.compile(r"^\d{8}$"), "%Y%m%d"),
)
# Several categories in one cell are separated by a semicolon or a comma (either width).
TERM_SEPARATORS = re.compile(r"[;；,，]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates that exist, as Timestamps; NaT for anything else."""
    text = values.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
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


def is_non_negative_number(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    shaped = text.str.match(_NUMBER.pattern).fillna(False).astype(bool)
    numbers = pd.to_numeric(text.where(shaped), errors="coerce")
    return shaped & (numbers >= 0).fillna(False).astype(bool)


def terms_in_set(values: pd.Series, allowed: list[str]) -> pd.Series:
    allowed_set = set(allowed)

    def ok(cell: object) -> bool:
        terms = [t.strip() for t in TERM_SEPARATORS.split(str(cell))]
        return bool(terms) and all(t in allowed_set for t in terms)

    return values.map(ok).astype(bool)


# What exports write for "nothing": in a required field they mean it was left empty.
PLACEHOLDERS = ("NULL", "null", "Null", "None", "NONE", "nan", "NaN", "N/A", "n/a", "NA", "#N/A",
                "无", "空", "暂无", "/", "／", "-", "--", "—", "——", "\\N")


def is_not_placeholder(values: pd.Series, placeholders=PLACEHOLDERS) -> pd.Series:
    return ~values.astype("string").str.strip().isin(set(placeholders)).fillna(False).astype(bool)


def is_trimmed_single_line(values: pd.Series) -> pd.Series:
    """No blank or full-width blank at either end, no line break inside."""
    text = values.astype("string")
    bad = text.str.contains(r"^[\s\u3000]|[\s\u3000]$|[\r\n]", regex=True)
    return ~bad.fillna(False).astype(bool)


def is_uscc(values: pd.Series) -> pd.Series:
    return values.map(is_valid_uscc).astype(bool)


def is_uscc_structure(values: pd.Series) -> pd.Series:
    return values.map(has_valid_uscc_structure).astype(bool)


def is_uscc_org_code(values: pd.Series) -> pd.Series:
    return values.map(has_valid_embedded_org_code).astype(bool)


def is_resident_id(values: pd.Series, as_of: str | dt.date | None = None) -> pd.Series:
    limit = _as_date(as_of)
    return values.map(lambda v: is_valid_resident_id(v, limit)).astype(bool)


def _as_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


PARTY_CATEGORIES = ("法人及非法人组织", "自然人", "个体工商户")


def uscc_matches_category(codes: pd.Series, categories: pd.Series) -> pd.Series:
    """A code starting with 92 is an individual business (个体工商户) and an individual
    business's code starts with 92; a natural person has no credit code. Categories outside
    the standard are the enumeration rule's to report."""
    code = codes.astype("string").str.strip()
    cat = categories.astype("string").str.strip()
    individual = code.str.startswith("92").fillna(False).astype(bool)
    known = cat.isin(PARTY_CATEGORIES).fillna(False).astype(bool)
    wrong = (individual & (cat != "个体工商户")) | (~individual & (cat == "个体工商户")) | (cat == "自然人")
    return ~(known & wrong.fillna(False).astype(bool))


def dates_in_order(earlier: pd.Series, later: pd.Series) -> pd.Series:
    """The first date is not after the second; values that are no date are left to the date rule."""
    a, b = parse_dates(earlier), parse_dates(later)
    return (a.isna() | b.isna() | (a <= b)).astype(bool)


def published_within(decided: pd.Series, published: pd.Series, working_days: int, calendar=None) -> pd.Series:
    """Published no more than ``working_days`` working days after the decision (双公示: 7),
    counting the official holidays and make-up days. Values that are no date are left to
    the date rules."""
    from creditpipe.workdays import WorkingCalendar

    calendar = calendar or WorkingCalendar()
    a, b = parse_dates(decided), parse_dates(published)
    ok = a.isna() | b.isna()
    lag = {}
    for da, db in set(zip(a[~ok].dt.date, b[~ok].dt.date)):
        lag[(da, db)] = calendar.working_days_between(da, db)
    late = pd.Series(
        [False if skip else lag[(x.date(), y.date())] > working_days for skip, x, y in zip(ok, a, b)],
        index=decided.index,
    )
    return ~late


# Words only an organisation's or a shop's name carries, never a natural person's.
ORGANISATION_WORDS = ("公司", "有限", "集团", "厂", "店", "中心", "合作社", "协会", "委员会",
                      "事务所", "医院", "学校", "商行", "经营部", "工作室", "局", "站")


def name_matches_category(names: pd.Series, categories: pd.Series) -> pd.Series:
    """A natural person's name is not an organisation's (a shop reported as 自然人 should
    be a 个体工商户 with its 92 code)."""
    name = names.astype("string")
    person = categories.astype("string").str.strip() == "自然人"
    looks_organised = name.str.contains("|".join(ORGANISATION_WORDS), regex=True)
    return ~(person & looks_organised).fillna(False).astype(bool)
