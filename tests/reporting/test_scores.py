import subprocess
import sys
from decimal import Decimal

import pytest

from creditpipe.core.records import nonconformity_rate
from creditpipe.reporting.scores import conformity_deduction

# Seed 002's table, as issue 2 spells it out.
EXAMPLES = [
    ("0", 0),
    ("0.0999", 0),
    ("0.1", 1),
    ("0.4999", 1),
    ("0.5", 2),
    ("1.0", 2),
    ("1", 2),
    ("1.0001", 3),
    ("1.2", 3),
    ("2.0", 3),
    ("2.01", 4),
    ("3.0", 4),
    ("3.5", 5),
    ("4.0", 5),
    ("40", 5),
]


@pytest.mark.parametrize("rate,points", EXAMPLES)
def test_conformity_deduction(catalog, rate, points):
    assert conformity_deduction(rate, catalog.assessment["conformity"]) == points


def test_rate_is_exact_not_rounded_before_banding(catalog):
    # 1 of 1000 is exactly 0.1 % (→ 1 point); 1 of 1001 is just below (→ 0).
    table = catalog.assessment["conformity"]
    assert nonconformity_rate(1, 1000) == Decimal("0.1")
    assert conformity_deduction(nonconformity_rate(1, 1000), table) == 1
    assert conformity_deduction(nonconformity_rate(1, 1001), table) == 0
    assert nonconformity_rate(0, 0) == 0


@pytest.mark.parametrize("rate,points", [("1.2", 3), ("2.0", 3), ("2.01", 4), ("0.05", 0)])
def test_score_command_prints_the_number(rate, points):
    out = subprocess.run(
        [sys.executable, "-m", "creditpipe.cli", "score", "conformity", "--rate-pct", rate],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == str(points)


def test_score_command_refuses_a_bad_rate_in_one_line():
    out = subprocess.run(
        [sys.executable, "-m", "creditpipe.cli", "score", "conformity", "--rate-pct", "abc"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
