"""Vectorised building blocks of the rules (pure pandas, no Great Expectations).

The custom expectations in ``custom_expectations`` call these; tests call them directly."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from creditpipe.core.identifiers import (
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
_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")  # ASCII digits: pandas reads no others as numbers


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates that exist, as Timestamps; NaT for anything else.

    Cells of the canonical shape YYYY-MM-DD (nearly all of them) are read by numpy from
    their bytes; the rest by shape through pandas (``_parse_dates_by_shape``). The two
    agree on every canonical cell (tests/test_rules.py holds them to it)."""
    text = values.astype("string").str.strip()
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    where, year, month, day = _canonical_dates(text)
    real = _day_exists(year, month, day)  # pandas reads year 0000 too
    months = (year - 1970) * 12 + np.clip(month, 1, 12) - 1
    dates = (months.astype("datetime64[M]").astype("datetime64[D]") + (np.clip(day, 1, 31) - 1)).astype("datetime64[us]")
    out[where[real]] = dates[real]
    rest = text.notna().to_numpy().copy()
    rest[where] = False
    if rest.any():
        out[rest] = _parse_dates_by_shape(text[rest]).to_numpy()
    return pd.Series(out, index=values.index)


def _canonical_dates(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the cells shaped YYYY-MM-DD (ten ASCII bytes) and their year, month
    and day as numbers, read from the bytes a column at a time."""
    where, b = _width_bytes(text, 10)
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


def _day_exists(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)]
    month_days = month_days + ((month == 2) & leap)
    return (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)


def _parse_dates_by_shape(text: pd.Series) -> pd.Series:
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


def is_non_negative_number(values: pd.Series) -> pd.Series:
    """A decimal number (sign, digits, one point) that is not below zero. Shaped text is
    a number, so no conversion is needed: it is negative when it starts with a minus and
    has a digit other than 0 (-0 and -0.00 are zero)."""
    text = values.astype("string").str.strip()
    shaped = text.str.match(_NUMBER.pattern).fillna(False).to_numpy(dtype=bool)
    negative = shaped & text.str.startswith("-").fillna(False).to_numpy(dtype=bool)
    if negative.any():
        zero = text[negative].str.fullmatch(r"-[0.]*").fillna(False).to_numpy(dtype=bool)
        negative[np.flatnonzero(negative)[zero]] = False
    return pd.Series(shaped & ~negative, index=values.index)


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
    """Not one of ``placeholders`` once stripped. Only a cell short enough, or with a blank
    at an end, can be one: the others (most, in a text field) are not stripped at all."""
    if pd.api.types.infer_dtype(values, skipna=True) != "string":
        return ~values.astype("string").str.strip().isin(set(placeholders)).fillna(False).astype(bool)
    cells = _arrow_text(values)
    longest = max(len(p.encode()) for p in placeholders)
    maybe = (_byte_lengths(values) <= longest) | _per_chunk(_edge_blank, cells)
    hit = np.zeros(len(values), dtype=bool)
    if maybe.any():
        some = values[maybe] if not maybe.all() else values
        hit[maybe] = some.str.strip().isin(set(placeholders)).fillna(False).to_numpy(dtype=bool)
    return pd.Series(~hit, index=values.index)


# Every character Python counts as whitespace (str.isspace), the full-width blank included.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def is_trimmed_single_line(values: pd.Series) -> pd.Series:
    """No blank or full-width blank at either end, no line break inside. Read from the
    cells' UTF-8 bytes (``_padded_or_broken``); what is not Arrow text goes through
    pandas' strip (a regex with ``$`` or ``\\s`` would fall back to Python per value)."""
    if pd.api.types.infer_dtype(values, skipna=True) != "string":  # numbers in a test frame
        text = values.astype("string")
        padded = text != text.str.strip(WHITESPACE)
        broken = text.str.contains("[\r\n]", regex=True)
        return ~(padded | broken).fillna(False).astype(bool)
    return pd.Series(~_per_chunk(_padded_or_broken, _arrow_text(values)), index=values.index)


_BLANK = np.zeros(0x3001, dtype=bool)  # code point → is it one of WHITESPACE
_BLANK[[ord(c) for c in WHITESPACE]] = True
# Bytes that begin, and bytes that end, a blank's UTF-8 (a cheap first look per cell).
_BLANK_LEAD = np.zeros(256, dtype=bool)
_BLANK_END = np.zeros(256, dtype=bool)
for _c in WHITESPACE:
    _BLANK_LEAD[_c.encode()[0]] = _BLANK_END[_c.encode()[-1]] = True


def _padded_or_broken(cells) -> np.ndarray:
    """Per cell of a valid UTF-8 Arrow string array: its first or last character is a
    blank, or it holds a line break (missing cells: False). 0x0A and 0x0D never occur
    inside a longer character, so line breaks are found by one pass over the bytes."""
    out = _edge_blank(cells)
    offsets, data = _offsets_and_data(cells)
    if len(data) > offsets[0]:
        body = data[offsets[0]:]
        low = np.flatnonzero(body <= 0x0D)  # one pass; line breaks are among the few control bytes
        breaks = low[(body[low] == 0x0A) | (body[low] == 0x0D)] + offsets[0]
        if len(breaks):
            out[np.searchsorted(offsets, breaks, side="right") - 1] = True
    return out


def _offsets_and_data(cells) -> tuple[np.ndarray, np.ndarray]:
    """An Arrow string array's n + 1 offsets (int64) and its data bytes."""
    import pyarrow as pa

    n = len(cells)
    wide = pa.types.is_large_string(cells.type)
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int64 if wide else np.int32, count=n + 1,
                            offset=cells.offset * (8 if wide else 4)).astype(np.int64)
    data = cells.buffers()[2]
    return offsets, (np.frombuffer(data, dtype=np.uint8, count=int(offsets[n])) if data is not None and offsets[n]
                     else np.zeros(0, dtype=np.uint8))


def _edge_blank(cells) -> np.ndarray:
    """Per cell of a valid UTF-8 Arrow string array: its first or last character is a blank
    (missing and empty cells: False). Every blank is at most three bytes (U+3000): the
    first and last characters are decoded from at most three bytes each, and only where
    their first or last byte can belong to a blank."""
    n = len(cells)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    offsets, data = _offsets_and_data(cells)
    if offsets[n] == offsets[0]:
        return out
    starts, ends = offsets[:-1], offsets[1:]
    filled = np.flatnonzero(ends > starts)  # a missing cell has no bytes either
    first, last = starts[filled], ends[filled] - 1

    def at(i):
        return data.take(i, mode="clip").astype(np.int32)

    def blank(cp):
        known = (cp >= 0) & (cp < len(_BLANK))
        return known & _BLANK[np.where(known, cp, 0)]

    # The first character, decoded from its lead byte where that byte can begin a blank.
    maybe = _BLANK_LEAD[data.take(first)]
    if maybe.any():
        at0 = first[maybe]
        b0, b1, b2 = at(at0), at(at0 + 1), at(at0 + 2)
        lead = np.where(b0 < 0x80, b0,
                        np.where(b0 >= 0xE0, ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F),
                                 ((b0 & 0x1F) << 6) | (b1 & 0x3F)))  # no blank has four bytes
        out[filled[maybe]] = blank(lead)
    # The last character, back from the last byte (where it can end a blank) to its lead.
    maybe = _BLANK_END[data.take(last)]
    if maybe.any():
        at0 = last[maybe]
        z0, z1, z2 = at(at0), at(at0 - 1), at(at0 - 2)
        tail = np.where(z0 < 0x80, z0,
                        np.where(z1 >= 0xC0, ((z1 & 0x1F) << 6) | (z0 & 0x3F),
                                 np.where((z2 >= 0xE0) & (z2 < 0xF0),
                                          ((z2 & 0x0F) << 12) | ((z1 & 0x3F) << 6) | (z0 & 0x3F), -1)))
        out[filled[maybe]] |= blank(tail)
    return out


# The identifier checks run over whole columns as numpy arrays: a column of 18-character
# codes becomes an (n, 18) array of their bytes (read straight from Arrow's buffer), and a
# check character is a weighted sum of looked-up byte values, a column at a time.
# identifiers.py keeps the same checks one value at a time (for messages and the tests,
# which hold the two to the same answers).
_USCC_LUT = np.full(256, -1, dtype=np.int64)  # byte → its index in the alphabet (ASCII only)
for _i, _c in enumerate(USCC_ALPHABET):
    _USCC_LUT[ord(_c)] = _i
_USCC_LUT_OK = _USCC_LUT >= 0
# GB 11714's value of a character: 0–9, then A = 10 … Z = 35 (the alphabet has no others).
_ORG_VALUE = np.array([b - 48 if 48 <= b <= 57 else b - 55 for b in range(256)], dtype=np.int64)
_DIGIT_VALUE = np.arange(256, dtype=np.int64) - 48
_ID_CHECK = np.array([ord(c) for c in ID_CHECK], dtype=np.int64)
_ORG_CHECK = np.array([ord(c) for c in "0123456789X0"], dtype=np.int64)  # 11 − Σ mod 11: 10 → X, 11 → 0
_USCC_PAIRS = np.array(sorted(ord(a) * 256 + ord(k) for a, kinds in USCC_ENTITY_TYPES.items() for k in kinds))
_PROVINCE_NUMBERS = np.array(sorted(int(p) for p in PROVINCES))
_RESIDENT_PROVINCES = np.array(sorted(int(p) for p in PROVINCES - {"10"}))


def _text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The values as text, and where they are text at all (anything else fails a check)."""
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        is_text = values.notna().to_numpy()
    else:
        is_text = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    return values.astype("string"), is_text


def _arrow_text(text: pd.Series):
    """The Arrow string data behind Arrow-backed text, as it is (a chunked array: joining
    the chunks would copy every column once per rule)."""
    import pyarrow as pa

    if not (isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow"):
        text = text.astype(pd.StringDtype("pyarrow"))
    cells = pa.array(text.array)
    return cells if isinstance(cells, pa.ChunkedArray) else pa.chunked_array([cells], cells.type)


def _per_chunk(kernel, cells, *args) -> np.ndarray:
    """A kernel of one Arrow array run over each chunk, its results joined in order."""
    parts = [kernel(chunk, *args) for chunk in cells.chunks]
    return np.concatenate(parts) if parts else kernel(cells.combine_chunks(), *args)


def _byte_lengths(text: pd.Series) -> np.ndarray:
    """Each cell's length in UTF-8 bytes (0 for a missing cell)."""
    import pyarrow.compute as pc

    return pc.binary_length(_arrow_text(text)).fill_null(0).to_numpy(zero_copy_only=False)


def _fixed_bytes(cells, width: int) -> np.ndarray:
    """(n, width) bytes of an Arrow string array whose every cell is ``width`` bytes: its
    data buffer is then one run of n × width bytes, read as it is."""
    import pyarrow as pa

    n = len(cells)
    if n == 0:
        return np.zeros((0, width), dtype=np.uint8)
    wide = pa.types.is_large_string(cells.type)
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int64 if wide else np.int32, count=n + 1,
                            offset=cells.offset * (8 if wide else 4))
    if cells.null_count or offsets[n] - offsets[0] != n * width:
        raise ValueError(f"not {n} cells of {width} bytes")
    return np.frombuffer(cells.buffers()[2], dtype=np.uint8, count=n * width, offset=int(offsets[0])).reshape(n, width)


def _width_bytes(values: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the text cells that are ``width`` bytes long, and their bytes. A code
    of ``width`` ASCII characters is among them; anything with a non-ASCII character has
    a byte above 127, which no code alphabet holds."""
    import pyarrow as pa

    text, is_text = _text(values)
    hit = is_text & (_byte_lengths(text) == width)
    cells = _arrow_text(text)
    if not hit.all():
        cells = cells.filter(pa.array(hit))
    return np.flatnonzero(hit), _per_chunk(_fixed_bytes, cells, width).reshape(-1, width)


def uscc_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Where each value is 18 characters of the credit-code alphabet (a mask over the
    values), and those codes' bytes as an (m, 18) array. The three credit-code rules
    share it: the verdict engine computes it once per column."""
    where, b = _width_bytes(values, 18)
    good = _USCC_LUT_OK[b].all(axis=1) if len(b) else np.zeros(0, dtype=bool)
    shaped = np.zeros(len(values), dtype=bool)
    shaped[where[good]] = True
    return shaped, b[good]


def is_uscc(values: pd.Series, codes: tuple[np.ndarray, np.ndarray] | None = None) -> pd.Series:
    shaped, b = codes if codes is not None else uscc_codes(values)
    ok = np.zeros(len(values), dtype=bool)
    if len(b):
        total = _weighted(_USCC_LUT, b[:, :17], USCC_WEIGHTS)
        ok[shaped] = _USCC_LUT[b[:, 17]] == (31 - total % 31) % 31
    return pd.Series(ok, index=values.index)


def is_uscc_structure(values: pd.Series, codes: tuple[np.ndarray, np.ndarray] | None = None) -> pd.Series:
    """Authority, entity type and division; codes of another shape are the check's to report."""
    shaped, b = codes if codes is not None else uscc_codes(values)
    ok = np.ones(len(values), dtype=bool)
    if len(b):
        pair_ok = np.isin(b[:, 0].astype(np.int64) * 256 + b[:, 1], _USCC_PAIRS)
        division = b[:, 2:8]
        division_ok = ((division >= 48) & (division <= 57)).all(axis=1) & \
            np.isin((b[:, 2].astype(np.int64) - 48) * 10 + (b[:, 3] - 48), _PROVINCE_NUMBERS)
        ok[shaped] = pair_ok & division_ok
    return pd.Series(ok, index=values.index)


def is_uscc_org_code(values: pd.Series, codes: tuple[np.ndarray, np.ndarray] | None = None) -> pd.Series:
    """The GB 11714 check of positions 9–17; codes of another shape pass (not this rule's)."""
    shaped, b = codes if codes is not None else uscc_codes(values)
    ok = np.ones(len(values), dtype=bool)
    if len(b):
        check = 11 - _weighted(_ORG_VALUE, b[:, 8:16], ORG_CODE_WEIGHTS) % 11
        ok[shaped] = _ORG_CHECK[check] == b[:, 16]
    return pd.Series(ok, index=values.index)


def is_resident_id(values: pd.Series, as_of: str | dt.date | None = None) -> pd.Series:
    """18 characters (a lowercase x is X), a province, a birth date that exists, is not
    before 1880 nor after ``as_of``, and the right check character."""
    limit = _as_date(as_of)
    where, b = _width_bytes(values, 18)
    last = np.where(b[:, 17] == ord("x"), ord("X"), b[:, 17]).astype(np.uint8)
    digits_ok = ((b[:, :17] - 48) < 10).all(axis=1)  # uint8: a byte below "0" wraps round
    shaped = digits_ok & (((last - 48) < 10) | (last == ord("X")))
    ok = np.zeros(len(values), dtype=bool)
    if shaped.any():
        b, last = b[shaped], last[shaped]

        def number(first: int, width: int) -> np.ndarray:
            out = np.zeros(len(b), dtype=np.int32)
            for j in range(first, first + width):
                out = out * 10 + (b[:, j].astype(np.int32) - 48)
            return out

        province = np.isin(number(0, 2), _RESIDENT_PROVINCES)
        year, month, day = number(6, 4), number(10, 2), number(12, 2)
        real = _day_exists(year, month, day) & (year >= 1)
        ymd = year * 10000 + month * 100 + day
        born_ok = real & (ymd >= 18800101)
        if limit is not None:
            born_ok &= ymd <= limit.year * 10000 + limit.month * 100 + limit.day
        check_ok = _ID_CHECK[_weighted(_DIGIT_VALUE, b[:, :17], ID_WEIGHTS) % 11] == last
        ok[where[shaped]] = province & born_ok & check_ok
    return pd.Series(ok, index=values.index)


def _weighted(values_of: np.ndarray, b: np.ndarray, weights) -> np.ndarray:
    """Σ weight × value of each row's bytes, a column at a time (no (n, 18) array of
    wide integers: the bytes stay bytes until each column is looked up)."""
    columns = np.ascontiguousarray(b.T)  # each character position contiguous
    total = np.zeros(len(b), dtype=np.int64)
    for j, weight in enumerate(weights):
        total += values_of[columns[j]] * weight
    return total


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
    from creditpipe.core.workdays import WorkingCalendar

    from creditpipe.core.catalog import load_catalog

    calendar = calendar or WorkingCalendar.from_catalog(load_catalog())
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
