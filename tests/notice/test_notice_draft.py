"""The notice is drafted while PostgreSQL takes the load's COPY and published by
send_rejection_notice once the batch is in: what reaches the outbox is what writing it
afterwards gives; a stale or failed draft is never sent; a duplicate gets none."""

import datetime as dt
import json
import logging
import os
import random
from pathlib import Path

import openpyxl
import pytest

from creditpipe.core.clock import county_tz
from creditpipe.devtools.simulators import make_delivery, write_table
from creditpipe.notice import drafts
from creditpipe.notice.drafts import NOTICE_DRAFT, write_notice_files
from creditpipe.orchestration import steps
from creditpipe.quality.chunks import read_verdict

TZ = county_tz()
DATASET, DEPARTMENT = "market.admin_penalty", "market"


@pytest.fixture
def home(tmp_path, warehouse, monkeypatch):
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", warehouse.url.render_as_string(hide_password=False))
    # The verdict is read again after the notice is sent, to compare: keep the work files.
    monkeypatch.setenv(steps.RETENTION_ENV, "False")
    return tmp_path / "home"


def delivered(home, name="market.csv", seed=7, encoding="utf-8"):
    records, expected = make_delivery(
        DATASET,
        DEPARTMENT,
        random.Random(seed),
        [dt.date(2026, 10, 20)] * 40,
        dt.date(2026, 10, 28),
        ["penalty_enum", "negative_amount", "duplicate_no"],
    )
    folder = home / "landing" / DEPARTMENT / "admin_penalty"
    folder.mkdir(parents=True, exist_ok=True)
    write_table(records, folder / name, "csv")
    if encoding != "utf-8":  # the same records, other bytes (a re-export)
        (folder / name).write_bytes((folder / name).read_text(encoding="utf-8-sig").encode(encoding))
    when = dt.datetime(2026, 10, 28, 9, tzinfo=TZ).timestamp()
    os.utime(folder / name, (when, when))
    refs = steps.collect(DATASET, DEPARTMENT, dt.datetime(2026, 10, 31, tzinfo=TZ), home)
    return [steps.check_file(DATASET, ref.path, home, department_id=ref.department_id) for ref in refs], expected


def cells(path: Path) -> list[list]:
    book = openpyxl.load_workbook(path)
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]


def written_afterwards(checked, folder: Path) -> dict[str, Path]:
    batch, verdict = read_verdict(checked.work_dir)
    return {p.name: p for p in write_notice_files(batch, verdict, folder)}


def test_the_published_draft_is_the_notice_written_afterwards(home, tmp_path):
    [checked], expected = delivered(home)
    loaded = steps.load(checked, home)
    draft = Path(checked.work_dir) / NOTICE_DRAFT
    assert loaded.status == "loaded" and (draft / "drafted_for.json").is_file()
    noticed = steps.send_rejection_notice(loaded, home)
    assert not draft.exists()  # moved, not copied
    outbox = Path(noticed.notice).parent
    assert sorted(p.name for p in outbox.iterdir()) == ["rejection_notice.xlsx", "rejections.csv", "rejections.json"]
    plain = written_afterwards(checked, tmp_path / "plain")
    assert (outbox / "rejections.csv").read_bytes() == plain["rejections.csv"].read_bytes()
    assert json.loads((outbox / "rejections.json").read_text("utf-8")) == json.loads(
        plain["rejections.json"].read_text("utf-8")
    )
    assert cells(outbox / "rejection_notice.xlsx") == cells(plain["rejection_notice.xlsx"])
    refused = {int(line.split(",")[0]) for line in (outbox / "rejections.csv").read_text("utf-8-sig").splitlines()[1:]}
    assert refused == {e.source_row for e in expected}


def test_a_draft_of_another_check_is_not_sent(home, tmp_path):
    [checked], _ = delivered(home)
    loaded = steps.load(checked, home)
    draft = Path(checked.work_dir) / NOTICE_DRAFT
    stamp = json.loads((draft / "drafted_for.json").read_text("utf-8"))
    (draft / "drafted_for.json").write_text(json.dumps({**stamp, "processed_at": "2026-10-01T00:00:00+08:00"}), "utf-8")
    (draft / "rejections.csv").write_text("stale\n", encoding="utf-8")
    noticed = steps.send_rejection_notice(loaded, home)
    assert not draft.exists()  # dropped, not left to be sent later
    outbox = Path(noticed.notice).parent
    assert (outbox / "rejections.csv").read_bytes() == written_afterwards(checked, tmp_path / "plain")[
        "rejections.csv"
    ].read_bytes()


def test_a_failed_draft_leaves_the_load_and_the_notice_whole(home, tmp_path, monkeypatch, caplog):
    [checked], expected = delivered(home)

    def broken(work_dir, batch, verdict):
        (work_dir / f".{NOTICE_DRAFT}_x").mkdir()
        raise OSError("磁盘已满")

    monkeypatch.setattr(drafts, "draft_notice", broken)
    with caplog.at_level(logging.WARNING, logger="creditpipe.orchestration.steps"):
        loaded = steps.load(checked, home)
    assert loaded.status == "loaded"
    said = [r.getMessage() for r in caplog.records if "退回通知草稿未写成" in r.getMessage()]
    assert said and "OSError" in said[0] and "磁盘已满" not in said[0]  # the class, not the text
    noticed = steps.send_rejection_notice(loaded, home)
    csv_text = Path(noticed.rejections_csv).read_text("utf-8-sig")
    assert {int(line.split(",")[0]) for line in csv_text.splitlines()[1:]} == {e.source_row for e in expected}


def test_a_duplicate_delivery_gets_no_draft(home, monkeypatch):
    [first], _ = delivered(home, "first.csv")
    assert steps.send_rejection_notice(steps.load(first, home), home).notice
    drafted = []
    monkeypatch.setattr(drafts, "draft_notice", lambda *a: drafted.append(a))
    [again], _ = delivered(home, "again.csv", encoding="gb18030")  # the same records, re-exported
    loaded = steps.load(again, home)
    assert loaded.status == "already_loaded" and drafted == []
    assert steps.send_rejection_notice(loaded, home).notice is None
