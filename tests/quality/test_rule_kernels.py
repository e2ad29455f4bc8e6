"""The byte-level kernels of the rules (quality/rules/) against the plain definitions they
replace: dates read from bytes against pandas by shape, padding and line breaks read from
UTF-8 against ``str.strip``, non-negative numbers without a conversion against
``to_numeric``, and suite patterns made RE2-friendly against Python's ``re``."""

import re

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from creditpipe.quality.cells import WHITESPACE, padded_or_broken
from creditpipe.quality.rules.dates import canonical_date_cells, parse_dates, parse_dates_by_shape
from creditpipe.quality.rules.numbers import is_non_negative_number
from creditpipe.quality.rules.required import PLACEHOLDERS, is_not_placeholder
from creditpipe.quality.rules.text import is_trimmed_single_line, re2_friendly


def _arrow_text(values):
    """Arrow-backed text as the pipeline has it: in two chunks (as read), the first at an
    offset into its buffers."""
    cells = pa.array(["前置", *values], pa.large_string()).slice(1)
    half = len(values) // 2
    chunked = pa.chunked_array([cells.slice(0, half), cells.slice(half)], pa.large_string())
    series = pd.Series(pd.arrays.ArrowStringArray(chunked))
    assert series.dtype == pd.StringDtype("pyarrow") and len(pa.array(series.array).chunks) == 2
    return series


_DATE_TEXT = st.one_of(
    st.dates().map(lambda d: d.strftime("%Y-%m-%d")),
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 9999), st.integers(0, 19), st.integers(0, 39)),
    st.builds(
        lambda y, m, d, sep: f"{y}{sep}{m}{sep}{d}",
        st.integers(0, 3000),
        st.integers(0, 13),
        st.integers(0, 32),
        st.sampled_from(["-", "/", ""]),
    ),
    st.text(alphabet="0123456789-/ 　年月日x", max_size=12),
    st.sampled_from(
        [
            "2026-02-29",
            "2024-02-29",
            "1900-02-29",
            "2000-02-29",
            "0000-01-01",
            "0001-01-01",
            " 2026-10-22 ",
            "2026-1-5",
            "20261022",
            "2026/10/22",
            "２０２６-１０-２２",
            "2026-10-22\n",
        ]
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), _DATE_TEXT), min_size=1, max_size=30))
def test_dates_read_from_bytes_equal_pandas_by_shape(values):
    for series in (pd.Series(values, dtype=object), _arrow_text(values)):
        fast = parse_dates(series)
        slow = parse_dates_by_shape(series.astype("string").str.strip())
        assert fast.dtype == slow.dtype
        pd.testing.assert_series_equal(fast, slow, check_names=False)


_BLANKS = list(WHITESPACE)
_LINE_TEXT = st.one_of(
    st.text(max_size=12),
    st.builds(
        lambda a, core, b: a + core + b,
        st.sampled_from(["", *_BLANKS]),
        st.text(max_size=6),
        st.sampled_from(["", *_BLANKS]),
    ),
    st.text(
        alphabet=["a", "中", "\u3000", "\u00a0", "\u2028", "\n", "\r", " ", "é", "𠀀", "\u0085", "\u1680"], max_size=8
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), _LINE_TEXT), min_size=1, max_size=30))
def test_padding_and_line_breaks_read_from_utf8_equal_str_strip(values):
    expected = [True if v is None else not (v != v.strip(WHITESPACE) or "\n" in v or "\r" in v) for v in values]
    kept = [v for v in values if v is not None]
    # The rule is given non-null cells (a null is its own rule's); a missing one is False here.
    assert is_trimmed_single_line(_arrow_text(kept)).tolist() == [e for v, e in zip(values, expected) if v is not None]
    assert is_trimmed_single_line(pd.Series(kept, dtype=object)).tolist() == [
        e for v, e in zip(values, expected) if v is not None
    ]
    assert not padded_or_broken(pa.array(values, pa.string()))[[i for i, v in enumerate(values) if v is None]].any()


_NUMBER_TEXT = st.one_of(
    st.from_regex(r"\A[ ]?[+-]?(\d{1,5}(\.\d{0,3})?|\.\d{1,3})[ ]?\Z"),
    st.sampled_from(
        [
            "-0",
            "-0.0",
            "-.0",
            "-0.",
            "+0",
            "-0.001",
            "-00.00",
            "0",
            "5.",
            ".5",
            "-",
            "+",
            ".",
            "1e5",
            "1,000",
            "１２",
            "NaN",
            "inf",
            "-" + "1" * 400,
            "1" * 400,
            "--1",
            "1.2.3",
        ]
    ),
    st.text(alphabet="0123456789+-. e", max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_NUMBER_TEXT, min_size=1, max_size=30))
def test_non_negative_numbers_without_conversion_equal_to_numeric(values):
    # The rule as it was first written: Python's \d (any script's digits), then pandas.
    text = pd.Series(values, dtype=object).map(str.strip)
    shaped = text.str.match(r"^[+-]?(\d+(\.\d*)?|\.\d+)$").fillna(False).astype(bool)
    with np.errstate(all="ignore"):
        numbers = pd.to_numeric(text.where(shaped).astype(object), errors="coerce")
    expected = (shaped & (numbers.astype(float) >= 0).fillna(False).astype(bool)).tolist()
    assert is_non_negative_number(pd.Series(values, dtype=object)).tolist() == expected
    assert is_non_negative_number(_arrow_text(values)).tolist() == expected


PATTERNS = [
    r"^[\u4e00-\u9fa5（）()]{2,30}[〔\[【（(][0-9]{4}[〕\]】）)]第?[0-9]{1,8}号$",
    r"^\u6c5f\u9634.*$",
    r"^\\u4e00$",
    r"^\u002e$",
    r"^[^\u3000]+$",
]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(PATTERNS),
    st.text(
        alphabet=["江", "阴", "一", "龥", "（", "〔", "2", "0", "号", ".", "\\", "u", "4", "e", "\u3000", "第", "市"],
        max_size=14,
    ),
)
def test_patterns_made_re2_friendly_match_what_python_matches(pattern, text):
    friendly = re2_friendly(pattern)
    assert "\\u4e00-" not in friendly  # the escapes of non-ASCII characters are gone
    assert bool(re.search(friendly, text)) == bool(re.search(pattern, text))
    # And pandas runs the friendly one in Arrow to the same answer.
    assert pd.Series([text], dtype=pd.StringDtype("pyarrow")).str.contains(friendly).tolist() == [
        bool(re.search(pattern, text))
    ]


_PLACEHOLDER_TEXT = st.one_of(
    st.builds(
        lambda a, p, b: a + p + b,
        st.text(alphabet=_BLANKS + ["\u200b", "\ufeff", "\u180e"], max_size=3),
        st.sampled_from(PLACEHOLDERS),
        st.text(alphabet=_BLANKS + ["\u200b", "\ufeff"], max_size=3),
    ),
    st.text(max_size=10),
    st.sampled_from(["NULL" + " " * 40, "　" * 10 + "无", "无效", "暂无信息", "N/A。", "--" * 5]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PLACEHOLDER_TEXT, min_size=1, max_size=30))
def test_placeholders_found_by_length_and_edges_equal_stripping_every_cell(values):
    expected = (~pd.Series(values, dtype="string").str.strip().isin(set(PLACEHOLDERS))).tolist()
    assert is_not_placeholder(_arrow_text(values)).tolist() == expected
    assert is_not_placeholder(pd.Series(values, dtype=object)).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            _DATE_TEXT,
            st.sampled_from(
                [
                    "2026-10-08T20:00:00Z",
                    "2026-10-09T10:00:00",
                    "2026-10-09 10:00:00+08:00",
                    "2026-10-8Z",
                    " 2026-10-09 ",
                ]
            ),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_county_day_keeps_days_as_they_are(values):
    from creditpipe.core.clock import county_day

    day = county_day(pd.Series(values, dtype=object))
    for value, got in zip(values, day):
        if value is not None and canonical_date_cells(pd.Series([value.strip()], dtype="string"))[0]:
            assert got == value.strip()
    # The general path over the same cells gives the same days.
    mixed = county_day(pd.Series([*values, "2026-10-08T20:00:00Z"], dtype=object)).iloc[:-1]
    assert [None if pd.isna(v) else v for v in mixed] == [None if pd.isna(v) else v for v in day]
