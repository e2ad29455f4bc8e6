"""The month's report is mailed to the credit office once: re-publishing it (a first
unpause's catch-up tick, a manual re-run) rewrites the files and mails only when asked."""

import datetime as dt

from seeding import at, seed_batch

from creditpipe.core.clock import county_tz
from creditpipe.reporting.publish import MAILED_MARKER, publish_month


def _reports(smtp):
    return [m for _, m in smtp.messages if "监测与预警报告" in m["Subject"]]


def test_a_report_is_mailed_once_a_month_unless_asked_again(warehouse, catalog, smtp, tmp_path):
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 14), 50, refused=1)
    now = dt.datetime(2026, 11, 1, 1, tzinfo=county_tz())
    kw = {"send": True, "now": now, "formats": ("html",)}
    first = publish_month(warehouse, catalog, "2026-10", tmp_path, **kw)
    assert first["mailed"] and (tmp_path / "2026-10" / MAILED_MARKER).exists()
    again = publish_month(warehouse, catalog, "2026-10", tmp_path, **kw)
    assert again["mailed"] is False and again["already_mailed"] == now.isoformat(timespec="seconds")
    assert (tmp_path / "2026-10" / "report.html").exists()
    assert len(_reports(smtp)) == 1
    asked = publish_month(warehouse, catalog, "2026-10", tmp_path, resend=True, **kw)
    assert asked["mailed"] and len(_reports(smtp)) == 2
    # Another month is mailed on its own account.
    assert publish_month(warehouse, catalog, "2026-09", tmp_path, **kw)["mailed"]
