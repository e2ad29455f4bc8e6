"""A month of synthetic deliveries: the refused records are exactly the injected errors."""

import datetime as dt

from creditpipe.devtools.simulators import generate_month
from creditpipe.devtools.simulators.market_admin_penalty import ERROR_KINDS
from creditpipe.ingest.readers import read_delivery
from creditpipe.quality.judge import check_records


def test_refusals_equal_injected_errors(tmp_path, penalty):
    expected = generate_month(tmp_path, "2026-08", seed=5, records_per_file=(150, 200))
    assert {e.kind for e in expected} == set(ERROR_KINDS)  # every kind, every month
    got = set()
    for path in sorted(tmp_path.iterdir()):
        delivery = read_delivery(path, penalty)
        delivered = dt.date.fromtimestamp(path.stat().st_mtime)  # the file's delivery day
        verdict = check_records(delivery.records, penalty.suite, delivered)
        assert verdict.received == verdict.accepted + verdict.rejected
        got |= {(path.name, r.source_row, r.field, r.rule) for r in verdict.issues.itertuples()}
    assert got == {(e.file, e.source_row, e.field, e.rule) for e in expected}
