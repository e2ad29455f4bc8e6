"""Property tests: every code built by the rules passes, and any one-character change of a
valid code (or ID number) fails — whatever the code, the position and the new character."""

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from creditpipe.core.identifiers import (
    USCC_ALPHABET,
    is_valid_resident_id,
    is_valid_uscc,
    resident_id_check_char,
    uscc_check_char,
)

AS_OF = dt.date(2026, 11, 25)
usccs = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17).map(lambda b: b + uscc_check_char(b))
provinces = st.sampled_from(["11", "12", "31", "32", "33", "44", "50", "65", "81"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=AS_OF)


@st.composite
def resident_ids(draw):
    first17 = (
        draw(provinces)
        + draw(st.text("0123456789", min_size=4, max_size=4))
        + draw(births).strftime("%Y%m%d")
        + draw(st.text("0123456789", min_size=3, max_size=3))
    )
    return first17 + resident_id_check_char(first17)


@settings(max_examples=300)
@given(usccs)
def test_any_code_with_its_check_character_passes(code):
    assert is_valid_uscc(code)


@settings(max_examples=300)
@given(usccs, st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_any_one_character_change_of_a_credit_code_fails(code, position, char):
    changed = code[:position] + char + code[position + 1 :]
    assert is_valid_uscc(changed) == (changed == code)


@settings(max_examples=300)
@given(resident_ids())
def test_any_id_number_with_its_check_character_passes(code):
    assert is_valid_resident_id(code, AS_OF)


@settings(max_examples=300)
@given(resident_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_one_character_change_of_an_id_number_fails(code, position, char):
    changed = code[:position] + char + code[position + 1 :]
    assert is_valid_resident_id(changed, AS_OF) == (changed == code)


# The column kernels (numpy, used by the rules) give the same answer as the one-value
# checks for any value: valid codes, codes one character off, and arbitrary text.
_CODE_TEXT = st.one_of(
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYZIOSVx *-", min_size=15, max_size=19),
    st.text(max_size=20),
    st.sampled_from(
        [
            "9144030071526726XG",
            "91110000710926094P",
            "11010519491231002X",
            "360426199101010071",
            "44011320141005001x",
            "18320281MA1X2Y3Z4W",
            "32028120270101001X",
        ]
    ),
    # Valid ones made by the simulators, with and without one character changed.
    st.builds(
        lambda seed, born, pos, ch: _maybe_changed(_valid_id(seed, born), pos, ch),
        st.integers(0, 10**6),
        st.dates(dt.date(1870, 1, 1), dt.date(2030, 12, 31)),
        st.integers(-1, 17),
        st.sampled_from("0123456789X"),
    ),
    st.builds(
        lambda seed, pos, ch: _maybe_changed(_valid_uscc(seed), pos, ch),
        st.integers(0, 10**6),
        st.integers(-1, 17),
        st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"),
    ),
)


def _valid_id(seed, born):
    import random

    from creditpipe.devtools.simulators.identity import make_resident_id

    return make_resident_id(random.Random(seed), born)


def _valid_uscc(seed):
    import random

    from creditpipe.devtools.simulators.identity import make_uscc

    rng = random.Random(seed)
    return make_uscc(rng, rng.choice("159NY"), rng.choice("123"))


def _maybe_changed(code, pos, ch):
    return code if pos < 0 else code[:pos] + ch + code[pos + 1 :]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_CODE_TEXT, min_size=1, max_size=40), st.sampled_from([None, dt.date(2026, 10, 28), dt.date(1990, 1, 1)])
)
def test_column_kernels_equal_the_value_checks(values, as_of):
    from creditpipe.core.identifiers import (
        has_valid_embedded_org_code,
        has_valid_uscc_structure,
        is_valid_resident_id,
        is_valid_uscc,
    )
    from creditpipe.quality.rules.resident_id import is_resident_id
    from creditpipe.quality.rules.uscc import is_uscc, is_uscc_org_code, is_uscc_structure

    # As object cells (Great Expectations' frames) and as Arrow-backed text (the pipeline's,
    # whose bytes the kernels read from Arrow's buffer), sliced so the buffer has an offset.
    arrow = pd.Series(["x", *values], dtype=pd.StringDtype("pyarrow")).iloc[1:].reset_index(drop=True)
    for series in (pd.Series(values, dtype=object), arrow):
        assert is_uscc(series).tolist() == [is_valid_uscc(v) for v in values]
        assert is_uscc_structure(series).tolist() == [has_valid_uscc_structure(v) for v in values]
        assert is_uscc_org_code(series).tolist() == [has_valid_embedded_org_code(v) for v in values]
        assert is_resident_id(series, as_of).tolist() == [is_valid_resident_id(v, as_of) for v in values]
