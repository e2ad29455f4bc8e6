"""Enumerations: a field whose value comes from the standard's code table (a category, a
document type, a sex, an ethnicity), and fields that may hold several terms of one (a
penalty's categories, a debtor's grounds), each term judged."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from creditpipe.quality.rules.base import Check, Expectation, Rule, expectation

# Several terms in one cell, as departments and the court's platform join them: a semicolon,
# a comma or an enumeration comma (、), either width. A term that holds 、 itself
# (以伪造证据、暴力、威胁等方法妨碍、抗拒执行) is kept whole: terms of the code table are found
# before the cell is split.
TERM_SEPARATORS = re.compile(r"[;；,，、]")
_KEPT = "\x1f"  # stands for a 、 inside a known term while the cell is split


def normal_term(term: str) -> str:
    """A term as it is judged: NFKC (full-width punctuation and letters as half-width),
    blanks trimmed, 其它 written 其他, a trailing 的 dropped — the forms the court's
    platform publishes one ground in (其他…的, 其它…)."""
    text = unicodedata.normalize("NFKC", term).strip().replace("其它", "其他")
    return text[:-1].rstrip() if text.endswith("的") else text


def terms_in_set(values: pd.Series, allowed: list[str]) -> pd.Series:
    """Every term of the cell (split on ; , 、 either width; each as ``normal_term``) is an
    allowed term (as ``normal_term``); a missing cell is not allowed. Cells whose terms are
    allowed as they stand (most) are settled by one split and lookup; only the others are
    normalised and split again."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = values.map(str) if pd.api.types.infer_dtype(values, skipna=True) != "string" else values
    cells = (
        pa.array(text.astype(object).to_numpy(), pa.string(), from_pandas=True)
        if not isinstance(text.dtype, pd.StringDtype) or text.dtype.storage != "pyarrow"
        else pa.array(text.array)
    )
    ok = ~np.asarray(pc.is_null(cells).to_numpy(zero_copy_only=False), dtype=bool)
    terms = pc.split_pattern_regex(cells, "[;；,，]")
    flat = pc.utf8_trim_whitespace(pc.list_flatten(terms))
    bad = ~pc.is_in(flat, value_set=pa.array(sorted(set(allowed)), pa.string())).to_numpy(zero_copy_only=False)
    doubtful = np.unique(pc.list_parent_indices(terms).to_numpy()[bad])
    if len(doubtful):
        ok[doubtful] = _normal_terms_allowed(cells.take(pa.array(doubtful)), allowed)
    return pd.Series(ok, index=values.index)


def _normal_terms_allowed(cells, allowed: list[str]) -> np.ndarray:
    """``terms_in_set`` of cells by their normalised terms (Arrow over all terms at once)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    known = sorted({normal_term(a) for a in allowed}, key=len, reverse=True)
    cells = pc.replace_substring(pc.utf8_normalize(cells, "NFKC"), "其它", "其他")
    for term in (t for t in known if "、" in t):  # longest first: a shorter one inside is kept too
        cells = pc.replace_substring(cells, term, term.replace("、", _KEPT))
    terms = pc.split_pattern_regex(cells, TERM_SEPARATORS.pattern)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(terms))
    flat = pc.utf8_rtrim_whitespace(pc.replace_substring_regex(flat, "的$", ""))
    flat = pc.replace_substring(flat, _KEPT, "、")
    bad = ~pc.is_in(flat, value_set=pa.array(known, pa.string())).to_numpy(zero_copy_only=False)
    ok = ~np.asarray(pc.is_null(cells).to_numpy(zero_copy_only=False), dtype=bool)
    ok[pc.list_parent_indices(terms).to_numpy()[bad]] = False
    return ok


def canonical_terms(cell: str, values: list[str], aliases: dict[str, str] | None = None) -> list[str]:
    """The code-table terms a cell names, each in its canonical form (an alias — a label the
    platform publishes for a term — as the term it stands for), for counting by term."""
    canon = {normal_term(v): v for v in values}
    canon.update({normal_term(a): v for a, v in (aliases or {}).items()})
    text = unicodedata.normalize("NFKC", cell).replace("其它", "其他")
    for term in sorted((t for t in canon if "、" in t), key=len, reverse=True):
        text = text.replace(term, term.replace("、", _KEPT))
    parts = [normal_term(p.replace(_KEPT, "、")) for p in TERM_SEPARATORS.split(text)]
    return [canon[p] for p in parts if p in canon]


CANONICAL_SEPARATOR = "；"


def canonical_terms_of(cells, spec: dict):
    """``canonical_terms`` of every cell of an Arrow array (or chunked array) of accepted
    cells, joined by ``CANONICAL_SEPARATOR``: what the warehouse stores beside the cell as
    delivered. A column of a code table holds few distinct cells, so each distinct one is
    worked out once and the column is taken from those; a blank stays null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    encoded = pc.dictionary_encode(cells.cast(pa.string()))
    canonical = pa.array(
        [
            CANONICAL_SEPARATOR.join(canonical_terms(cell, spec["values"], spec.get("aliases"))) or None
            for cell in encoded.dictionary.to_pylist()
        ],
        pa.string(),
    )
    return canonical.take(encoded.indices)


def in_set(values: pd.Series, kw: dict) -> pd.Series:
    value_set = kw.get("value_set")
    return pd.Series(True, index=values.index) if value_set is None else values.isin(value_set)


def _enum(field: str, spec: dict) -> list[dict]:
    """``values``: the code table (codes and names alike, as the standard allows);
    ``aliases``: {another form real documents print a value in: the value}, accepted too."""
    return [
        expectation(
            "expect_column_values_to_be_in_set",
            {"column": field, "value_set": [*spec["values"], *(spec.get("aliases") or {})]},
            rule="enumeration",
            spec=spec,
            message="{field}“{value}”不在标准取值范围内{detail}",
            fix="请改为以下之一：{allowed}",
            field=field,
        )
    ]


def _terms(field: str, spec: dict) -> list[dict]:
    """``values``: the allowed terms; a cell may hold several, separated by ; , or 、 (either
    width). ``aliases``: {a label the source publishes: the term it stands for}, accepted too."""
    return [
        expectation(
            "expect_column_values_to_be_terms_in_set",
            {"column": field, "value_set": [*spec["values"], *(spec.get("aliases") or {})]},
            rule="enumeration",
            spec=spec,
            message="{field}“{value}”含有标准以外的类别{detail}",
            fix="请改为以下之一（多个用分号分隔）：{allowed}",
            field=field,
        )
    ]


def _any_of(rng, spec):
    """Mostly a value as the table names it; now and then another form it is printed in."""
    aliases = list(spec.get("aliases") or {})
    return rng.choice(aliases) if aliases and rng.random() < 0.05 else rng.choice(list(spec["values"]))


def _published_terms(rng, spec):
    """Terms as sources really write them: mostly one, sometimes two or three joined by a
    comma (the court's platform), a semicolon or 、; now and then an alias or a trailing 的."""
    labels = [*spec["values"], *(spec.get("aliases") or {})]
    picked = rng.sample(labels, k=min(len(labels), rng.choices([1, 2, 3], weights=[80, 15, 5])[0]))
    picked = [t + "的" if rng.random() < 0.15 and not t.endswith("的") else t for t in picked]
    return rng.choice([",", ",", "，", "；", ";"]).join(picked)


def _outside(value, rng, spec, delivered):
    return "（不在代码表内）" + str(value or "其他")


EXPECTATIONS = (
    Expectation(
        "expect_column_values_to_be_in_set",
        "column",
        kernel=in_set,
        examples=(
            {
                "data": {"x": ["男", "女", "1", None]},
                "tests": ({"in": {"column": "x", "value_set": ["男", "女"]}, "out": {"unexpected_index_list": [2]}},),
            },
        ),
    ),
    Expectation(
        "expect_column_values_to_be_terms_in_set",
        "column",
        kernel=lambda c, kw: terms_in_set(c, list(kw.get("value_set") or ())),
        ge_fields={"value_set": (list[str], ...)},
        examples=(
            {
                "data": {
                    "x": [
                        "警告;罚款",
                        "罚款，没收违法所得",
                        "罚金",
                        "罚款; ",
                        None,
                        "违反财产报告制度的,其它规避执行",
                        "以伪造证据、暴力、威胁等方法妨碍、抗拒执行、罚款",
                        "暴力",
                    ]
                },
                "tests": (
                    {
                        "in": {
                            "column": "x",
                            "value_set": [
                                "警告",
                                "罚款",
                                "没收违法所得",
                                "违反财产报告制度",
                                "其他规避执行",
                                "以伪造证据、暴力、威胁等方法妨碍、抗拒执行",
                            ],
                        },
                        "out": {"unexpected_index_list": [2, 3, 7]},
                    },
                ),
            },
        ),
    ),
)
RULES = (Rule("enumeration", "取值不在代码表内", cell_damage=True),)
CHECKS = (
    Check(
        "enum",
        _enum,
        make=_any_of,
        violate=_outside,
        keys=frozenset({"values", "source", "aliases"}),
        doc="取值须在代码表内",
    ),
    Check(
        "terms",
        _terms,
        make=_published_terms,
        violate=_outside,
        keys=frozenset({"values", "source", "aliases"}),
        doc="每个取值（可多个，以分号或逗号分隔）须在代码表内",
    ),
)
