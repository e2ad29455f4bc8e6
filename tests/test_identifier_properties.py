"""Property tests: every code built by the rules passes, and any one-character change of a
valid code (or ID number) fails — whatever the code, the position and the new character."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from creditpipe.identifiers import (
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
    first17 = (draw(provinces) + draw(st.text("0123456789", min_size=4, max_size=4))
               + draw(births).strftime("%Y%m%d") + draw(st.text("0123456789", min_size=3, max_size=3)))
    return first17 + resident_id_check_char(first17)


@settings(max_examples=300)
@given(usccs)
def test_any_code_with_its_check_character_passes(code):
    assert is_valid_uscc(code)


@settings(max_examples=300)
@given(usccs, st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_any_one_character_change_of_a_credit_code_fails(code, position, char):
    changed = code[:position] + char + code[position + 1:]
    assert is_valid_uscc(changed) == (changed == code)


@settings(max_examples=300)
@given(resident_ids())
def test_any_id_number_with_its_check_character_passes(code):
    assert is_valid_resident_id(code, AS_OF)


@settings(max_examples=300)
@given(resident_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_one_character_change_of_an_id_number_fails(code, position, char):
    changed = code[:position] + char + code[position + 1:]
    assert is_valid_resident_id(changed, AS_OF) == (changed == code)
