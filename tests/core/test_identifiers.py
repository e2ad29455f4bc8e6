import datetime as dt
import random

import pytest

from creditpipe.core.identifiers import (
    USCC_ALPHABET,
    is_valid_resident_id,
    is_valid_uscc,
    mask_person_name,
    mask_resident_id,
    org_code_check_char,
    resident_id_check_char,
    uscc_check_char,
)
from creditpipe.devtools.simulators.identity import make_resident_id, make_uscc

# The public examples of shared/reference/domain.md.
PUBLIC_USCC = ["9144030071526726XG", "91110000710926094P", "91310000631696382C", "91110108551385082Q"]
PUBLIC_IDS = ["11010519491231002X", "360426199101010071", "44011320141005001X"]


@pytest.mark.parametrize("code", PUBLIC_USCC)
def test_public_credit_codes_pass(code):
    assert is_valid_uscc(code)


@pytest.mark.parametrize("code", PUBLIC_IDS)
def test_public_id_numbers_pass(code):
    assert is_valid_resident_id(code, dt.date(2026, 11, 25))


def test_lowercase_x_is_the_same_as_uppercase():
    assert is_valid_resident_id("11010519491231002x")


def test_weights_are_powers_of_three_mod_31():
    from creditpipe.core.identifiers import USCC_WEIGHTS

    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("code", PUBLIC_USCC)
def test_every_single_character_change_of_a_credit_code_fails(code):
    for i in range(18):
        for c in USCC_ALPHABET:
            if c != code[i]:
                assert not is_valid_uscc(code[:i] + c + code[i + 1 :]), (i, c)


@pytest.mark.parametrize("code", PUBLIC_IDS)
def test_every_single_digit_change_of_an_id_number_fails(code):
    for i in range(18):
        for c in "0123456789X":
            if c != code[i]:
                changed = code[:i] + c + code[i + 1 :]
                assert not is_valid_resident_id(changed), changed


def test_codes_starting_with_a_n_y_are_legal():
    for first in "ANY":
        body = first + "1" + "320281" + "MA1XXXXX"[:0] + "123456789"
        code = body + uscc_check_char(body)
        assert is_valid_uscc(code)


def test_shapes_that_are_refused():
    assert not is_valid_uscc("9144030071526726XG ")  # stray blank
    assert not is_valid_uscc("9144030071526726xg")  # lower case
    assert not is_valid_uscc("91440300715267260I")  # I is not in the alphabet
    assert not is_valid_uscc(None)
    assert not is_valid_resident_id("3.20281E+17")
    assert not is_valid_resident_id("110105194902300021")  # 30 February
    assert not is_valid_resident_id("110105203012310025", dt.date(2026, 1, 1))  # born in the future


def test_random_generated_codes_pass():
    rng = random.Random(7)
    for _ in range(500):
        assert is_valid_uscc(make_uscc(rng, rng.choice("19ANY"), "1"))
        born = dt.date(rng.randint(1930, 2020), rng.randint(1, 12), rng.randint(1, 28))
        assert is_valid_resident_id(make_resident_id(rng, born), dt.date(2026, 11, 25))


def test_check_characters_of_the_public_examples():
    assert uscc_check_char("91110000710926094") == "P"
    assert resident_id_check_char("11010519491231002") == "X"
    assert org_code_check_char("71092609") == "4"  # 91110000 710926094 P


def test_masks():
    assert mask_resident_id("320281199001011234") == "320281********1234"
    assert mask_person_name("张三") == "张*"
    assert mask_person_name("欧阳小明") == "欧***"


def test_village_and_residents_committees_codes_are_accepted():
    """Issue 17: 村民委员会 (54…) and 居民委员会 (55…) have carried 民政 credit codes since 2018."""
    import random

    import pandas as pd

    from creditpipe.core.identifiers import has_valid_uscc_structure, is_valid_uscc
    from creditpipe.quality.rules.uscc import is_uscc, is_uscc_structure, make_uscc

    rng = random.Random(54)
    codes = [make_uscc(rng, authority="5", kind=kind) for kind in "45"]
    for code in codes:
        assert is_valid_uscc(code) and has_valid_uscc_structure(code), code
    series = pd.Series([*codes, make_uscc(rng, authority="5", kind="6")])
    assert is_uscc(series).tolist() == [True, True, True]
    assert is_uscc_structure(series).tolist() == [True, True, False]  # 56: no such class
