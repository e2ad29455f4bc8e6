"""Vectorised building blocks of the rules (pure pandas, no Great Expectations).

The custom expectations in ``custom_expectations`` call these; tests call them directly."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from creditpipe.identifiers import (
    ID_CHECK,
    ID_WEIGHTS,
    ORG_CODE_WEIGHTS,
    PROVINCES,
    USCC_ALPHABET,
    USCC_ENTITY_TYPES,
    USCC_WEIGHTS,
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
    """Every term of the cell (split on ; , either width, blanks stripped) is allowed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = values.map(str) if pd.api.types.infer_dtype(values, skipna=True) != "string" else values
    cells = pa.array(text.astype(object).to_numpy(), pa.string(), from_pandas=True) \
        if not isinstance(text.dtype, pd.StringDtype) or text.dtype.storage != "pyarrow" \
        else pa.array(text.array)
    # Split, stripped and looked up by Arrow over all terms at once; a cell is allowed when
    # none of its terms is not (a missing cell has no terms and is not allowed).
    terms = pc.split_pattern_regex(cells, TERM_SEPARATORS.pattern)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(terms))
    bad = ~pc.is_in(flat, value_set=pa.array(sorted(set(allowed)), pa.string())).to_numpy(zero_copy_only=False)
    ok = ~np.asarray(pc.is_null(cells).to_numpy(zero_copy_only=False), dtype=bool)
    ok[pc.list_parent_indices(terms).to_numpy()[bad]] = False
    return pd.Series(ok, index=values.index)


# What exports write for "nothing": in a required field they mean it was left empty.
PLACEHOLDERS = ("NULL", "null", "Null", "None", "NONE", "nan", "NaN", "N/A", "n/a", "NA", "#N/A",
                "无", "空", "暂无", "/", "／", "-", "--", "—", "——", "\\N")


def is_not_placeholder(values: pd.Series, placeholders=PLACEHOLDERS) -> pd.Series:
    return ~values.astype("string").str.strip().isin(set(placeholders)).fillna(False).astype(bool)


# Every character Python counts as whitespace (str.isspace), the full-width blank included.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def is_trimmed_single_line(values: pd.Series) -> pd.Series:
    """No blank or full-width blank at either end, no line break inside. (Stripping is
    pyarrow's and exact; a regex with ``$`` or ``\\s`` would fall back to Python per value.)"""
    text = values.astype("string")
    padded = text != text.str.strip(WHITESPACE)
    broken = text.str.contains("[\r\n]", regex=True)
    return ~(padded | broken).fillna(False).astype(bool)


# The identifier checks run over whole columns as numpy arrays: a column of 18-character
# codes becomes an (n, 18) array of code points, and a check character is a matrix product.
# identifiers.py keeps the same checks one value at a time (for messages and the tests,
# which hold the two to the same answers).
_USCC_LUT = np.full(65536, -1, dtype=np.int64)  # code points of the BMP
for _i, _c in enumerate(USCC_ALPHABET):
    _USCC_LUT[ord(_c)] = _i
_USCC_W = np.array(USCC_WEIGHTS, dtype=np.int64)
_ORG_W = np.array(ORG_CODE_WEIGHTS, dtype=np.int64)
_ID_W = np.array(ID_WEIGHTS, dtype=np.int64)
_ID_CHECK = np.array([ord(c) for c in ID_CHECK], dtype=np.uint32)
_ORG_CHECK = np.array([ord(c) for c in "0123456789X0"], dtype=np.uint32)  # 11 − Σ mod 11: 10 → X, 11 → 0
_USCC_PAIRS = {a + k for a, kinds in USCC_ENTITY_TYPES.items() for k in kinds}


def _text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The values as text, and where they are text at all (anything else fails a check)."""
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        is_text = values.notna().to_numpy()
    else:
        is_text = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    return values.astype("string"), is_text


def _codepoints(text: pd.Series, width: int) -> np.ndarray:
    """(n, width) code points of strings already known to be ``width`` long (BMP only)."""
    if text.empty:
        return np.zeros((0, width), dtype=np.uint32)
    arr = np.array(text.tolist(), dtype=f"<U{width}")
    return arr.view(np.uint32).reshape(len(arr), width)


def _shaped(values: pd.Series, pattern: str) -> tuple[pd.Series, np.ndarray]:
    text, is_text = _text(values)
    shaped = is_text & text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    return text, shaped


_USCC_PATTERN = "[0-9ABCDEFGHJKLMNPQRTUWXY]{18}"


def is_uscc(values: pd.Series) -> pd.Series:
    text, shaped = _shaped(values, _USCC_PATTERN)
    ok = np.zeros(len(values), dtype=bool)
    if shaped.any():
        cp = _codepoints(text[shaped], 18)
        total = _USCC_LUT[cp[:, :17]] @ _USCC_W
        ok[shaped] = _USCC_LUT[cp[:, 17]] == (31 - total % 31) % 31
    return pd.Series(ok, index=values.index)


def is_uscc_structure(values: pd.Series) -> pd.Series:
    """Authority, entity type and division; codes of another shape are the check's to report."""
    text, shaped = _shaped(values, _USCC_PATTERN)
    ok = np.ones(len(values), dtype=bool)
    if shaped.any():
        t = text[shaped]
        pair_ok = t.str.slice(0, 2).isin(_USCC_PAIRS).to_numpy(dtype=bool)
        division = t.str.slice(2, 8)
        division_ok = (division.str.fullmatch("[0-9]{6}").fillna(False)
                       & division.str.slice(0, 2).isin(PROVINCES)).to_numpy(dtype=bool)
        ok[shaped] = pair_ok & division_ok
    return pd.Series(ok, index=values.index)


def is_uscc_org_code(values: pd.Series) -> pd.Series:
    """The GB 11714 check of positions 9–17; codes of another shape pass (not this rule's)."""
    text, shaped = _shaped(values, _USCC_PATTERN)
    ok = np.ones(len(values), dtype=bool)
    if shaped.any():
        cp = _codepoints(text[shaped], 18).astype(np.int64)
        body = cp[:, 8:16]
        digit = (body >= 48) & (body <= 57)
        vals = np.where(digit, body - 48, body - 55)  # A = 10 … Z = 35 (the alphabet has no others)
        check = 11 - (vals @ _ORG_W) % 11
        ok[shaped] = _ORG_CHECK[check] == cp[:, 16]
    return pd.Series(ok, index=values.index)


def is_resident_id(values: pd.Series, as_of: str | dt.date | None = None) -> pd.Series:
    """18 characters (a lowercase x is X), a province, a birth date that exists, is not
    before 1880 nor after ``as_of``, and the right check character."""
    limit = _as_date(as_of)
    text, is_text = _text(values)
    text = text.str.upper()
    shaped = is_text & text.str.fullmatch("[0-9]{17}[0-9X]").fillna(False).to_numpy(dtype=bool)
    ok = np.zeros(len(values), dtype=bool)
    if shaped.any():
        t = text[shaped]
        cp = _codepoints(t, 18).astype(np.int64)
        digits = cp[:, :17] - 48
        province = t.str.slice(0, 2).isin(PROVINCES - {"10"}).to_numpy(dtype=bool)
        year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
        month = digits[:, 10] * 10 + digits[:, 11]
        day = digits[:, 12] * 10 + digits[:, 13]
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)]
        month_days = month_days + ((month == 2) & leap)
        real = (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days) & (year >= 1)
        ymd = year * 10000 + month * 100 + day
        born_ok = real & (ymd >= 18800101)
        if limit is not None:
            born_ok &= ymd <= limit.year * 10000 + limit.month * 100 + limit.day
        check_ok = _ID_CHECK[(digits @ _ID_W) % 11] == cp[:, 17]
        ok[shaped] = province & born_ok & check_ok
    return pd.Series(ok, index=values.index)


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


def dates_in_order(earlier: pd.Series, later: pd.Series, parsed: tuple[pd.Series, pd.Series] | None = None) -> pd.Series:
    """The first date is not after the second; values that are no date are left to the date rule."""
    a, b = parsed if parsed is not None else (parse_dates(earlier), parse_dates(later))
    return (a.isna() | b.isna() | (a <= b)).astype(bool)


def published_within(decided: pd.Series, published: pd.Series, working_days: int, calendar=None,
                     parsed: tuple[pd.Series, pd.Series] | None = None) -> pd.Series:
    """Published no more than ``working_days`` working days after the decision (双公示: 7),
    counting the official holidays and make-up days. Values that are no date are left to
    the date rules."""
    from creditpipe.workdays import WorkingCalendar

    calendar = calendar or WorkingCalendar()
    a, b = parsed if parsed is not None else (parse_dates(decided), parse_dates(published))
    dated = (a.notna() & b.notna()).to_numpy()
    late = np.zeros(len(a), dtype=bool)
    if dated.any():
        days = [s.to_numpy()[dated].astype("datetime64[D]").astype(np.int64) for s in (a, b)]
        late[dated] = calendar.working_days_between_many(*days) > working_days
    return pd.Series(~late, index=decided.index)


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
