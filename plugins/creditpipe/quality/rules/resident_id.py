"""公民身份号码 (GB 11643-1999): 18 characters (a lowercase x is X), a province that
exists, a birth date that exists and is neither before 1880 nor after the delivery, and the
right check character. And its opposite, for a field published masked: a value that *is*
a whole, valid ID number is refused there (the court's 失信名单 masks the birth month and day)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from creditpipe.core.identifiers import (
    ID_CHECK,
    ID_WEIGHTS,
    PROVINCES,
    resident_id_birth_date,
    resident_id_check_char,
)
from creditpipe.quality.cells import width_bytes
from creditpipe.quality.rules.base import DELIVERY_DATE, Check, Expectation, Rule, expectation, with_condition
from creditpipe.quality.rules.dates import day_exists
from creditpipe.quality.rules.uscc import _weighted

_DIGIT_VALUE = np.arange(256, dtype=np.int64) - 48
_ID_CHECK = np.array([ord(c) for c in ID_CHECK], dtype=np.int64)
_RESIDENT_PROVINCES = np.array(sorted(int(p) for p in PROVINCES - {"10"}))


def is_resident_id(values: pd.Series, as_of: str | dt.date | None = None) -> pd.Series:
    """18 characters (a lowercase x is X), a province, a birth date that exists, is not
    before 1880 nor after ``as_of``, and the right check character."""
    limit = _as_date(as_of)
    where, b = width_bytes(values, 18)
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
        real = day_exists(year, month, day) & (year >= 1)
        ymd = year * 10000 + month * 100 + day
        born_ok = real & (ymd >= 18800101)
        if limit is not None:
            born_ok &= ymd <= limit.year * 10000 + limit.month * 100 + limit.day
        check_ok = _ID_CHECK[_weighted(_DIGIT_VALUE, b[:, :17], ID_WEIGHTS) % 11] == last
        ok[where[shaped]] = province & born_ok & check_ok
    return pd.Series(ok, index=values.index)


def _as_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _explain(value: str, kwargs: dict) -> str:
    code = value.upper()
    if len(code) != 18:
        return f"：应为18位，实为{len(code)}位"
    if not code[:17].isdigit() or code[17] not in "0123456789X":
        return "：前17位须为数字，末位为数字或X"
    if code[:2] not in PROVINCES - {"10"}:
        return f"：前两位省份代码“{code[:2]}”不存在"
    born = resident_id_birth_date(code)
    if born is None:
        return f"：其中的出生日期“{code[6:14]}”不存在"
    expected = resident_id_check_char(code[:17])
    if expected != code[17]:
        return f"：校验位应为“{expected}”，实为“{code[17]}”"
    return f"：其中的出生日期“{code[6:14]}”晚于报送日期"


def _resident_id(field: str, spec: dict) -> list[dict]:
    """``when``: the records whose document is an ID card (the check applies to them only)."""
    return [
        expectation(
            "expect_column_values_to_be_valid_resident_id",
            with_condition({"column": field, "as_of": DELIVERY_DATE}, spec.get("when")),
            rule="resident_id_invalid",
            spec=spec,
            message="{field}“{value}”不是有效的18位公民身份号码{detail}",
            fix="请按身份证核对号码；末位校验码为X时请填大写X",
            field=field,
        )
    ]


def _unmasked_id(field: str, spec: dict) -> list[dict]:
    """A field that must never hold a whole ID number (a published, masked one). A regex
    cannot tell an 18-digit ID from an 18-character credit code; the ID's own check can."""
    return [
        expectation(
            "expect_column_values_to_not_be_whole_resident_id",
            {"column": field},
            rule="unmasked_resident_id",
            spec=spec,
            # No {value}: the message itself would show the whole number.
            message="{field}是一个完整的公民身份号码，未按公布要求遮蔽",
            fix="失信名单公布的身份证号码须遮蔽出生月日：前10位、4个*、后4位，如3301061977****0418",
            field=field,
        )
    ]


def published_mask(code: str) -> str:
    """An ID number as the 失信名单 publishes it: the birth month and day masked."""
    return code[:10] + "****" + code[14:]


def make_resident_id(rng, born: dt.date | None = None, division: str = "320281") -> str:
    born = born or dt.date(rng.randint(1950, 2003), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"{division}{born:%Y%m%d}{rng.randint(1, 999):03d}"
    return first17 + resident_id_check_char(first17)


def _wrong_check_character(value, rng, spec, delivered):
    code = value if value and len(value) == 18 else make_resident_id(rng)
    return code[:17] + rng.choice([c for c in "0123456789X" if c != code[17]])


EXPECTATIONS = (
    Expectation(
        "expect_column_values_to_be_valid_resident_id",
        "column",
        kernel=lambda c, kw: is_resident_id(c, kw.get("as_of")),
        ge_fields={"as_of": (str | dict | None, None)},
        examples=(
            {
                "data": {
                    "x": [
                        "320281198503120013",
                        "320281198503120014",
                        "32028119850312001X",
                        "990281198503120013",
                        "320281198502300013",
                        "320281203001010013",
                        "3202811985",
                    ]
                },
                "tests": (
                    {
                        "in": {"column": "x", "as_of": "2026-10-31"},
                        "out": {"unexpected_index_list": [1, 2, 3, 4, 5, 6]},
                    },
                ),
            },
        ),
    ),
    Expectation(
        "expect_column_values_to_not_be_whole_resident_id",
        "column",
        kernel=lambda c, kw: ~is_resident_id(c),
        ge_fields={},
        examples=(
            {
                "data": {
                    "x": [
                        "3202811985****0013",
                        "320281198503120013",
                        "32028119850312003x",
                        "9132028129141777XH",
                        "71092609-4",
                        "320281198503120014",
                        None,
                    ]
                },
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [1, 2]}},),
            },
        ),
    ),
)
RULES = (
    Rule("resident_id_invalid", "身份证号码校验错误", explain=_explain, cell_damage=True),
    Rule("unmasked_resident_id", "身份证号码未遮蔽"),
)
CHECKS = (
    Check(
        "resident_id",
        _resident_id,
        make=lambda rng, spec: make_resident_id(rng),
        violate=_wrong_check_character,
        keys=frozenset({"when"}),
        doc="18位公民身份号码（GB 11643）",
    ),
    Check(
        "unmasked_id",
        _unmasked_id,
        make=lambda rng, spec: published_mask(make_resident_id(rng)),
        violate=lambda value, rng, spec, delivered: make_resident_id(rng),
        doc="须遮蔽的身份证号码（如失信名单）：完整有效的18位号码不收",
    ),
)
