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
