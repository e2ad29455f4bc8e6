"""Rejection notices e-mailed through the SMTP connection to a real local SMTP server:
each department receives its own records and nobody else's."""

import datetime as dt
import io
import json
import os
import random
from pathlib import Path

import openpyxl
import pytest
from conftest import free_port

from creditpipe.core.clock import county_tz
from creditpipe.devtools.simulators import make_delivery, write_table
from creditpipe.orchestration import steps

TZ = county_tz()


@pytest.fixture
def home(tmp_path, warehouse, monkeypatch):
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", warehouse.url.render_as_string(hide_password=False))
    return tmp_path / "home"


def deliver(home, dataset_id, department, seed, kinds):
    rng = random.Random(seed)
    days = [dt.date(2026, 10, 20)] * 30
    records, expected = make_delivery(dataset_id, department, rng, days, dt.date(2026, 10, 28), kinds)
    folder = home / "landing" / department / dataset_id.split(".")[1]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{department}.csv"
    write_table(records, path, "csv")
    when = dt.datetime(2026, 10, 28, 9, tzinfo=TZ).timestamp()
    os.utime(path, (when, when))
    results = []
    results += steps.ingest_source(dataset_id, department, dt.datetime(2026, 10, 31, tzinfo=TZ), home)
    return records, expected, results


def attachment(msg, name):
    for part in msg.iter_attachments():
        if part.get_filename() == name:
            return part.get_payload(decode=True)
    raise AssertionError(name)


def test_each_department_gets_only_its_own_records(smtp, home, catalog):
    market, market_expected, r1 = deliver(
        home, "market.admin_penalty", "market", 1, ["penalty_enum", "negative_amount"]
    )
    water, water_expected, r2 = deliver(home, "utility.arrears", "water", 2, ["duplicate_account"])
    assert r1[0].mailed and r2[0].mailed
    assert len(smtp.messages) == 2
    by_rcpt = {rcpt[0]: msg for rcpt, msg in smtp.messages}
    assert set(by_rcpt) == {catalog.departments["market"].email, catalog.departments["water"].email}

    water_msg = by_rcpt[catalog.departments["water"].email]
    assert "数据退回通知" in water_msg["Subject"] and "退回 2 条" in water_msg["Subject"]
    book = openpyxl.load_workbook(io.BytesIO(attachment(water_msg, "rejection_notice.xlsx")))
    rows = list(book["退回记录"].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert len(data) == 2
    provider = header.index("提供单位")
    assert {r[provider] for r in data} == {catalog.departments["water"].name}
    # No market record anywhere in the water department's mail: text and decoded attachments.
    seen = {str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v}
    seen |= set(attachment(water_msg, "rejections.csv").decode("utf-8-sig").replace("\n", ",").split(","))
    seen.add(water_msg.get_body(preferencelist=("plain",)).get_content())
    market_values = {rec["行政处罚决定书文号"] for rec in market} | {rec["行政相对人名称"] for rec in market}
    assert not any(m in text for m in market_values for text in seen)
    assert any(w["户号"] in seen for w in water)  # the check can see water's own values

    market_msg = by_rcpt[catalog.departments["market"].email]
    csv_text = attachment(market_msg, "rejections.csv").decode("utf-8-sig")
    assert {(int(line.split(",")[0])) for line in csv_text.splitlines()[1:]} == {e.source_row for e in market_expected}
    body = market_msg.get_body(preferencelist=("plain",)).get_content()
    assert "退回 2 条" in body
    # The mail says by when to correct, as the notice does (issue 20, item 4).
    assert "更正期限：请于" in body and "前（含当日" in body and "黄色预警" in body
    # The mail's text carries counts, never a record's personal data.
    assert not any(rec["证件号码"] and rec["证件号码"] in body for rec in market)


def test_json_notice_for_machines(smtp, home):
    _, expected, results = deliver(home, "market.admin_penalty", "market", 3, ["missing_facts"])
    body = json.loads(Path(results[0].rejections_json).read_text(encoding="utf-8"))
    assert body["rejected"] == 1 and body["department"] == "market"
    (only,) = body["records"]
    assert only["refused"] and only["source_row"] == expected[0].source_row
    assert only["issues"][0]["rule"] == "required" and only["issues"][0]["field"] == "违法事实"


def test_without_smtp_the_notice_stays_in_the_outbox(home, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_CREDITPIPE_SMTP", raising=False)
    _, _, results = deliver(home, "market.admin_penalty", "market", 4, ["missing_facts"])
    assert results[0].mailed is False and os.path.exists(results[0].notice)


def test_an_smtp_server_that_is_down_fails_clearly(home, monkeypatch):
    from creditpipe.core.mail import MailError

    monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_SMTP", f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(MailError, match="邮件发送失败"):
        deliver(home, "market.admin_penalty", "market", 5, ["missing_facts"])


def test_a_formula_in_a_delivered_cell_stays_text_in_the_notice(tmp_path, catalog):
    """A department's cell holding =HYPERLINK(…) comes back to it as text, never as a live formula."""
    import pandas as pd

    from creditpipe.core.records import ROW_ID
    from creditpipe.notice.workbook import write_rejection_notice
    from creditpipe.quality.judge import check_records

    dataset = catalog.dataset("market.admin_penalty")
    rng = random.Random(5)
    records, _ = make_delivery(dataset.id, "market", rng, [dt.date(2026, 10, 20)] * 3, dt.date(2026, 10, 28), [])
    records[1]["违法事实"] = '=HYPERLINK("http://example.invalid","点击")'
    records[1]["统一社会信用代码"] = "=1+1"
    frame = pd.DataFrame(records).replace("", None)
    frame[ROW_ID] = range(1, len(frame) + 1)
    verdict = check_records(frame, dataset.suite, dt.date(2026, 10, 28))
    assert verdict.rejected == 1
    path = write_rejection_notice(
        verdict, dataset, catalog.departments["market"], "x.csv", dt.datetime(2026, 10, 28), tmp_path
    )
    book = openpyxl.load_workbook(path)
    cells = [c for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "=" in c.value[:2]]
    assert cells and all(c.data_type == "s" for c in cells)
    assert not [c for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
