"""The simulator made from a declaration: on every declared dataset its clean records pass
every rule of the suite, and each error kind it offers is refused for exactly its field and
rule. (A dataset without a simulator module of its own gets this one.)"""

import datetime as dt
import random
import re

import pandas as pd
import pytest

from creditpipe.core.catalog import load_catalog
from creditpipe.core.records import ROW_ID
from creditpipe.devtools.simulators.generic import GenericSimulator
from creditpipe.quality.judge import check_records

DATASETS = list(load_catalog().datasets)
DELIVERED = dt.date(2026, 10, 28)


def frame(records):
    return pd.DataFrame(records).replace("", None).assign(**{ROW_ID: range(1, len(records) + 1)})


@pytest.mark.parametrize("dataset_id", DATASETS)
def test_clean_records_pass_and_each_kind_is_refused_for_its_field_and_rule(catalog, dataset_id):
    dataset = catalog.dataset(dataset_id)
    simulator = GenericSimulator(dataset)
    rng = random.Random(dataset_id)
    factory = simulator.Factory(rng, dataset.department, 0)
    records = [factory.record(DELIVERED - dt.timedelta(days=3)) for _ in range(300)]
    verdict = check_records(frame(records), dataset.suite, DELIVERED)
    assert verdict.rejected == 0, verdict.issues[verdict.issues["severity"] == "error"].head(3).to_dict("records")
    assert len(simulator.ERROR_KINDS) >= 5
    for kind, (field, rule) in simulator.ERROR_KINDS.items():
        broken = [dict(r) for r in records[:30]]
        at = next(i for i in range(29) if simulator.eligible(broken[i], kind))
        rows = simulator.inject(broken, kind, at, rng, DELIVERED)
        issues = check_records(frame(broken), dataset.suite, DELIVERED).issues
        errors = issues[issues["severity"] == "error"]
        got = {(int(r), f, u) for r, f, u in errors[[ROW_ID, "field", "rule"]].values}
        assert got == {(row + 1, field, rule) for row in rows}, kind


def test_every_declared_format_example_is_in_its_format(catalog):
    for dataset in catalog.datasets.values():
        for f in dataset.fields:
            for name, spec in f.checks:
                if name == "format":
                    assert spec["examples"] and all(re.search(spec["regex"], e) for e in spec["examples"]), f.name
                    assert not any(re.search(spec["regex"], e) for e in spec.get("counterexamples", ())), f.name
