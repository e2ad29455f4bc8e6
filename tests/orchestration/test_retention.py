"""A delivery's work files — its split parts and its verdict's folder with the notice draft —
hold every record it carried, personal data among them: they are removed once its notice is
published, unless CREDITPIPE_REMOVE_WORK_FILES=False keeps them. What stays is the delivered
file, the warehouse, the outbox and the collection log."""

import datetime as dt
import os
from pathlib import Path

import pytest

from creditpipe.core.clock import county_tz
from creditpipe.devtools.simulators import generate_month
from creditpipe.orchestration import steps

END = dt.datetime(2026, 8, 1, tzinfo=county_tz())


@pytest.fixture
def home(tmp_path, warehouse, monkeypatch):
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", warehouse.url.render_as_string(hide_password=False))
    home = tmp_path / "home"
    generate_month(home / "landing" / "market" / "admin_penalty", "2026-07", seed=5, records_per_file=(30, 40))
    return home


def _work_files(home):
    return sorted(p for p in (home / "work").rglob("*") if p.is_file())


def test_work_files_are_removed_once_the_notice_is_published(home):
    results = steps.ingest_source("market.admin_penalty", "market", END, home)
    assert [r.outcome for r in results] == ["loaded"] * 4
    assert _work_files(home) == []
    assert all(Path(r.notice).exists() for r in results)
    # A retried notice task finds its files gone and its notice out: nothing to redo.
    again = steps.send_rejection_notice(results[0].loaded, home)
    assert again.batch_id == results[0].loaded.batch_id and again.notice is None


def test_a_duplicate_delivery_leaves_no_work_files(home):
    steps.ingest_source("market.admin_penalty", "market", END, home)
    landing = home / "landing" / "market" / "admin_penalty"
    first = next(p for p in sorted(landing.iterdir()) if p.suffix == ".csv")
    copy = landing / f"重发_{first.name}"
    copy.write_bytes(first.read_bytes() + b"\r\n")  # other bytes, the same records
    stamp = first.stat().st_mtime + 3600
    os.utime(copy, (stamp, stamp))
    results = steps.ingest_source("market.admin_penalty", "market", END + dt.timedelta(days=1), home)
    assert [r.outcome for r in results] == ["already_loaded"]
    assert _work_files(home) == []


def test_kept_when_asked(home, monkeypatch):
    monkeypatch.setenv(steps.RETENTION_ENV, "False")
    steps.ingest_source("market.admin_penalty", "market", END, home)
    kept = _work_files(home)
    assert any(p.name == "batch.json" for p in kept) and any(p.name == "manifest.json" for p in kept)
