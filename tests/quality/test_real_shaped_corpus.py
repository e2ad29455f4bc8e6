"""Issue 17: each dataset's corpus of real-shaped records (tests/corpus/<dataset>.jsonl), built
from the published specifications and the forms real publications take — no real person's
data. Every valid variant is accepted; every defect is refused on its field, for its cause,
and on nothing else. Each line names its case (``_case``) and what must be refused
(``_refused``: [field, rule] pairs)."""

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from creditpipe.core.catalog import load_catalog
from creditpipe.quality.judge import check_records

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DELIVERED = dt.date(2026, 10, 12)


def corpus(dataset_id: str) -> list[dict]:
    with open(CORPUS / f"{dataset_id}.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.mark.parametrize("dataset_id", sorted(p.stem for p in CORPUS.glob("*.jsonl")))
def test_every_valid_variant_passes_and_every_defect_is_named(dataset_id):
    dataset = load_catalog().dataset(dataset_id)
    cases = corpus(dataset_id)
    frame = pd.DataFrame([{k: v for k, v in c.items() if not k.startswith("_")} for c in cases])
    frame = frame.reindex(columns=dataset.field_names).where(lambda f: f != "", None).astype(object)
    frame.insert(0, "source_row", range(1, len(frame) + 1))
    verdict = check_records(frame, dataset.suite, DELIVERED)
    errors = verdict.issues[verdict.issues["severity"] == "error"]
    got = {row: set() for row in range(1, len(cases) + 1)}
    for issue in errors.itertuples():
        got[int(issue.source_row)].add((issue.field, issue.rule))
    wrong = {
        cases[row - 1]["_case"]: sorted(found)
        for row, found in got.items()
        if found != {tuple(pair) for pair in cases[row - 1]["_refused"]}
    }
    assert wrong == {}
    valid = sum(not c["_refused"] for c in cases)
    assert valid >= 10 and len(cases) - valid >= 5  # a corpus of both kinds


def test_a_realistic_court_list_refuses_only_its_incomplete_records():
    """Issue 17: 2,000 records as the court's list publishes them — the simulator's mix of
    grounds (platform labels, 的, 其它, several joined), masks (18-digit 10+4+4 and 11+4+4,
    15-digit, credit codes masked in the middle, organisation codes), new and pre-2016 case
    numbers — 40 of them genuinely incomplete (a required field empty or 无): exactly those 40
    are refused."""
    import random

    from creditpipe.devtools.simulators.court_dishonest_debtor import Factory

    dataset = load_catalog().dataset("court.dishonest_debtor")
    rng = random.Random(2017)
    factory = Factory(rng, "court", 0)
    records = [factory.record(DELIVERED - dt.timedelta(days=rng.randint(1, 20))) for _ in range(2000)]
    incomplete = sorted(rng.sample(range(2000), 40))
    for i in incomplete:
        field = rng.choice(["执行法院", "生效法律文书确定的义务", "被执行人的履行情况", "执行依据文号"])
        records[i][field] = rng.choice(["", "无"])
    shapes = {
        "masked_15": sum(
            "****" in r["身份证号码/组织机构代码"] and len(r["身份证号码/组织机构代码"]) == 15 for r in records
        ),
        "masked_credit_code": sum(
            r["身份证号码/组织机构代码"][:1] == "9" and "****" in r["身份证号码/组织机构代码"] for r in records
        ),
        "joined_grounds": sum(any(s in r["失信被执行人行为具体情形"] for s in ",，;；") for r in records),
        "old_case_no": sum("字第" in r["案号"] for r in records),
    }
    assert all(shapes.values()), shapes  # the list carries every real variant
    print("court list shapes", shapes)
    frame = pd.DataFrame(records).reindex(columns=dataset.field_names).where(lambda f: f != "", None).astype(object)
    frame.insert(0, "source_row", range(1, len(frame) + 1))
    verdict = check_records(frame, dataset.suite, DELIVERED)
    assert sorted(r - 1 for r in verdict.refused_rows) == incomplete
