"""The vectorised rule kernels, on small hand-built frames."""

import pandas as pd

from creditpipe.quality.rules.dates import is_calendar_date, is_not_after
from creditpipe.quality.rules.enumeration import terms_in_set
from creditpipe.quality.rules.numbers import is_non_negative_number
from creditpipe.quality.rules.resident_id import is_resident_id
from creditpipe.quality.rules.uscc import is_uscc


def s(*values):
    return pd.Series(list(values), dtype=object)


def test_calendar_dates():
    got = is_calendar_date(s("2026-10-08", "2026/10/8", "20261008", "2026-02-30", "2026-13-01", "明天", "2026-10-08 "))
    assert got.tolist() == [True, True, True, False, False, False, True]


def test_not_after_leaves_non_dates_to_the_date_rule():
    got = is_not_after(s("2026-10-31", "2026-11-01", "2026-02-30"), "2026-10-31")
    assert got.tolist() == [True, False, True]


def test_non_negative_numbers():
    got = is_non_negative_number(s("0", "0.5", "12", "-1", "1,000", "5万", "", "1e3"))
    assert got.tolist() == [True, True, True, False, False, False, False, False]


def test_terms_in_set_splits_either_width_separator():
    allowed = ["警告", "罚款", "没收违法所得、没收非法财物"]
    got = terms_in_set(
        s("警告;罚款", "警告；罚款", "罚款,警告", "没收违法所得、没收非法财物", "罚金", "警告;罚金"), allowed
    )
    assert got.tolist() == [True, True, True, True, False, False]


def test_identifier_kernels():
    assert is_uscc(s("91110000710926094P", "91110000710926094Q")).tolist() == [True, False]
    assert is_resident_id(s("11010519491231002X", "11010519491231002X"), "1949-12-30").tolist() == [False, False]
    assert is_resident_id(s("11010519491231002X"), "2026-01-01").tolist() == [True]
