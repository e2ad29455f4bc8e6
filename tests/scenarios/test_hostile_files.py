"""Issue 16 (round two of nothing lost, nothing leaked): files a hostile department or a
broken system sends. Each test is one of the issue's numbered items; the helpers are the
bad-input corpus's (test_bad_input.py)."""

import json
from pathlib import Path

import bad_inputs as bad
import pytest
from test_bad_input import counts, drop, run

pytestmark = pytest.mark.faults

ID_NUMBER, NAME = "320281198801012345", "王小明"


def _header_less_csv() -> bytes:
    rows = bad.csv_text(bad.records()).split("\r\n")[1:]  # the records, no header row
    first = rows[0].split(",")
    first[0], first[1] = NAME, ID_NUMBER
    return ("\r\n".join([",".join(first), *rows[1:]])).encode("utf-8")


def test_1_a_file_without_its_header_is_refused_without_quoting_its_first_row(home, smtp):
    drop(home, "无表头.csv", _header_less_csv())
    (result,) = run(home)
    assert result.outcome == "unreadable"
    for said in (result.reason, json.dumps(json.loads(Path(result.rejections_json).read_text("utf-8")))):
        assert ID_NUMBER not in said and NAME not in said
    assert "列）没有一个标准表头：可能缺少表头行" in result.reason


def _arrears_lines(poison: str) -> bytes:
    """A water company's JSON lines whose second record carries ``poison`` as 欠费金额（元）."""
    import datetime as dt
    import random

    from creditpipe.devtools.simulators import make_delivery

    day = dt.date(2026, 10, 9)
    recs, _ = make_delivery("utility.arrears", "water", random.Random(5), [day] * 3, day, [])
    lines = [json.dumps(r, ensure_ascii=False) for r in recs]
    lines[1] = lines[1].replace(json.dumps(recs[1]["欠费金额（元）"]), poison, 1)
    return ("\n".join(lines) + "\n").encode("utf-8")


UNPARSABLE = {
    "nested.jsonl": lambda: _arrears_lines("[" * 100_000 + "]" * 100_000),
    "surrogate.jsonl": lambda: _arrears_lines('"\\ud800"'),
    "huge_number.jsonl": lambda: _arrears_lines("9" * 5000),
}


@pytest.mark.parametrize("name", sorted(UNPARSABLE))
def test_3_a_file_a_reader_chokes_on_is_refused_and_the_source_goes_on(home, smtp, name):
    data = UNPARSABLE[name]()
    assert data.count(b"\n") == 3
    drop(home, name, data, dataset_id="utility.arrears", department="water")
    good = bad.csv_text(bad.records())  # a good file of another source is not held up either
    drop(home, "好的.csv", good.encode())
    (refused,) = run(home, "utility.arrears", "water")
    assert refused.outcome == "unreadable" and refused.notice and Path(refused.notice).exists()
    assert "无法解析" in refused.reason or "JSON" in refused.reason
    assert refused.reason.isascii() is False and "Traceback" not in refused.reason
    assert Path(refused.refused.quarantined).exists()
    assert [r.outcome for r in run(home)] == ["loaded"]
    # The next run does not meet it again: the source is not blocked.
    assert run(home, "utility.arrears", "water") == []
    assert counts(home)[0] == 1
