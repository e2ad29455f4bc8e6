"""统一社会信用代码 (GB 32100-2015): 18 characters of its alphabet with the right check
character; a registering authority, an entity type it registers and a real division in
positions 1–8; the GB 11714 organisation code inside it (positions 9–17, a warning only:
early codes were issued with errors); and a code that does not contradict the party's
category (92… is an individual business, a natural person has none)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from creditpipe.core.identifiers import (
    ORG_CODE_WEIGHTS,
    PROVINCES,
    USCC_ALPHABET,
    USCC_ENTITY_TYPES,
    USCC_VALUE,
    USCC_WEIGHTS,
    is_valid_uscc,
    org_code_check_char,
    uscc_check_char,
    uscc_structure_problem,
)
from creditpipe.quality.cells import width_bytes
from creditpipe.quality.rules.base import Check, Expectation, Rule, expectation

# The checks run over whole columns as numpy arrays: a column of 18-character codes becomes
# an (n, 18) array of their bytes (read straight from Arrow's buffer), and a check character
# is a weighted sum of looked-up byte values, a column at a time. core.identifiers keeps
# the same checks one value at a time (for messages and the tests, which hold the two to
# the same answers).
_USCC_LUT = np.full(256, -1, dtype=np.int64)  # byte → its index in the alphabet (ASCII only)
for _i, _c in enumerate(USCC_ALPHABET):
    _USCC_LUT[ord(_c)] = _i
_USCC_LUT_OK = _USCC_LUT >= 0
# GB 11714's value of a character: 0–9, then A = 10 … Z = 35 (the alphabet has no others).
_ORG_VALUE = np.array([b - 48 if 48 <= b <= 57 else b - 55 for b in range(256)], dtype=np.int64)
_ORG_CHECK = np.array([ord(c) for c in "0123456789X0"], dtype=np.int64)  # 11 − Σ mod 11: 10 → X, 11 → 0
_USCC_PAIRS = np.array(sorted(ord(a) * 256 + ord(k) for a, kinds in USCC_ENTITY_TYPES.items() for k in kinds))
_PROVINCE_NUMBERS = np.array(sorted(int(p) for p in PROVINCES))


def uscc_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Where each value is 18 characters of the credit-code alphabet (a mask over the
    values), and those codes' bytes as an (m, 18) array. The three credit-code rules
    share it: the verdict engine computes it once per column."""
    where, b = width_bytes(values, 18)
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
        division_ok = ((division >= 48) & (division <= 57)).all(axis=1) & np.isin(
            (b[:, 2].astype(np.int64) - 48) * 10 + (b[:, 3] - 48), _PROVINCE_NUMBERS
        )
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


def _weighted(values_of: np.ndarray, b: np.ndarray, weights) -> np.ndarray:
    """Σ weight × value of each row's bytes, a column at a time (no (n, 18) array of
    wide integers: the bytes stay bytes until each column is looked up)."""
    columns = np.ascontiguousarray(b.T)  # each character position contiguous
    total = np.zeros(len(b), dtype=np.int64)
    for j, weight in enumerate(weights):
        total += values_of[columns[j]] * weight
    return total


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


def _explain_invalid(value: str, kwargs: dict) -> str:
    """What the value is, where it can be told: real files put the older codes, which the
    record has fields of their own for, in the credit-code column."""
    code = value.strip()
    if len(code) == 15 and code.isdigit():
        return "：这是15位的工商注册号（旧营业执照的注册号），请填在“工商注册号”字段；统一社会信用代码为18位"
    if re.fullmatch(r"[0-9A-Z]{8}-?[0-9X]", code):
        return "：这是9位的组织机构代码，请填在“组织机构代码”字段；统一社会信用代码为18位"
    if len(code) == 18 and code != code.upper() and is_valid_uscc(code.upper()):
        return "：字母须大写（代码本身正确，改为大写即可）"
    if len(value) != 18:
        return f"：应为18位，实为{len(value)}位"
    bad = sorted({c for c in value if c not in USCC_VALUE})
    if bad:
        return f"：含有代码中不允许的字符“{''.join(bad)}”"
    return f"：校验位应为“{uscc_check_char(value[:17])}”，实为“{value[17]}”"


def _explain_structure(value: str, kwargs: dict) -> str:
    problem = uscc_structure_problem(value)
    return f"：{problem}" if problem else ""


def _explain_org_code(value: str, kwargs: dict) -> str:
    return f"：第9–17位组织机构代码的校验位应为“{org_code_check_char(value[8:16])}”，实为“{value[16]}”"


def _uscc(field: str, spec: dict) -> list[dict]:
    """Three rules: the code itself, its structure, and (a warning) its organisation code."""
    return [
        expectation(
            "expect_column_values_to_be_valid_uscc",
            {"column": field},
            rule="uscc_invalid",
            spec=spec,
            message="{field}“{value}”不是有效的统一社会信用代码{detail}",
            fix="请按营业执照或登记证书核对18位代码（不含字母I、O、Z、S、V）",
            field=field,
        ),
        expectation(
            "expect_column_values_to_have_valid_uscc_structure",
            {"column": field},
            rule="uscc_structure",
            message="{field}“{value}”的结构不符合 GB 32100{detail}",
            fix="请按营业执照或登记证书核对代码的前8位；以 A、N、Y 开头的代码是合法的",
            field=field,
        ),
        expectation(
            "expect_column_values_to_have_valid_embedded_org_code",
            {"column": field},
            rule="uscc_org_code",
            severity="warning",
            message="{field}“{value}”中的组织机构代码校验不通过{detail}",
            fix="请与登记证书核对；早期赋码个别存在此情况，本条仅作提示，不计入数据不合格率",
            field=field,
        ),
    ]


def _uscc_category(fields: list[str], spec: dict) -> list[dict]:
    """[credit code, party category]: the two must not contradict."""
    a, b = fields
    return [
        expectation(
            "expect_column_pair_uscc_to_match_party_category",
            {"column_A": a, "column_B": b, "ignore_row_if": "either_value_is_missing"},
            rule="code_contradicts_category",
            spec=spec,
            a=a,
            b=b,
            message="{a}与{b}相互矛盾（{value}）：以 92 开头的代码属于个体工商户，个体工商户的代码以 92 开头，自然人不填{a}",
            fix="请按营业执照上的主体类型核对：修改{b}，或改正{a}",
        )
    ]


def make_uscc(rng, authority: str = "9", kind: str = "1", division: str = "320281") -> str:
    """A valid code (with a valid embedded organisation code)."""
    body8 = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = authority + kind + division + body8 + org_code_check_char(body8)
    return first17 + uscc_check_char(first17)


def _wrong_check_character(value, rng, spec, delivered):
    code = value or make_uscc(rng)
    return code[:17] + rng.choice([c for c in USCC_ALPHABET if c != code[17]])


EXPECTATIONS = (
    Expectation(
        "expect_column_values_to_be_valid_uscc",
        "column",
        kernel=lambda c, kw: is_uscc(c),
        on_codes=lambda c, kw, codes: is_uscc(c, codes=codes),
        ge_fields={},
        examples=(
            {
                "data": {"x": ["9132028129141777XH", "913202814158683460", "9132028I29141777XH", "913202", None]},
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [1, 2, 3]}},),
            },
        ),
    ),
    Expectation(
        "expect_column_values_to_have_valid_uscc_structure",
        "column",
        kernel=lambda c, kw: is_uscc_structure(c),
        on_codes=lambda c, kw, codes: is_uscc_structure(c, codes=codes),
        ge_fields={},
        examples=(
            {
                "data": {
                    "x": [
                        "9132028129141777XH",
                        "B132028129141777XH",
                        "9432028129141777XH",
                        "9199028129141777XH",
                        "Y1320281374068122E",
                        "N2320281837783537B",
                        "913202",
                    ]
                },
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [1, 2, 3]}},),
            },
        ),
    ),
    Expectation(
        "expect_column_values_to_have_valid_embedded_org_code",
        "column",
        kernel=lambda c, kw: is_uscc_org_code(c),
        on_codes=lambda c, kw, codes: is_uscc_org_code(c, codes=codes),
        ge_fields={},
        examples=(
            {
                "data": {"x": ["9132028129141777XH", "913202814158683405", "913202"]},
                "tests": ({"in": {"column": "x"}, "out": {"unexpected_index_list": [1]}},),
            },
        ),
    ),
    Expectation(
        "expect_column_pair_uscc_to_match_party_category",
        "pair",
        kernel=lambda a, b, kw: uscc_matches_category(a, b),
        ge_fields={"ignore_row_if": (str, "either_value_is_missing")},
        examples=(
            {
                "data": {
                    "code": ["92320281631706691X", "9132028129141777XH", "92320281631706691X", "9132028129141777XH"],
                    "category": ["个体工商户", "个体工商户", "法人及非法人组织", "自然人"],
                },
                "tests": (
                    {
                        "in": {"column_A": "code", "column_B": "category", "ignore_row_if": "either_value_is_missing"},
                        "out": {"unexpected_index_list": [1, 2, 3]},
                    },
                ),
            },
        ),
    ),
)
RULES = (
    Rule("uscc_invalid", "统一社会信用代码校验错误", explain=_explain_invalid, cell_damage=True),
    Rule("uscc_structure", "统一社会信用代码结构错误", explain=_explain_structure),
    Rule("uscc_org_code", "统一社会信用代码内嵌组织机构代码校验（提示）", explain=_explain_org_code),
    Rule("code_contradicts_category", "代码与相对人类别不符"),
)
CHECKS = (
    Check(
        "uscc",
        _uscc,
        make=lambda rng, spec: make_uscc(rng),
        violate=_wrong_check_character,
        doc="统一社会信用代码（GB 32100）：校验位、结构，及内嵌组织机构代码（提示）",
    ),
    Check("uscc_category", _uscc_category, over_fields=True, doc="[代码, 相对人类别]：代码与类别不得矛盾"),
)
