"""Issue 18, item 6: the report of a quarter's last month also writes the quarterly ranking
(seed 000: 推进效果好和推进不力的单位…季度公布), in the same three forms."""

import datetime as dt
import json

import openpyxl
from seeding import at, seed_batch

from creditpipe.reporting.publish import publish_month
from creditpipe.reporting.quarterly import quarter_of


def test_quarter_of():
    assert [quarter_of(m) for m in ("2026-03", "2026-06", "2026-09", "2026-12")] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    assert quarter_of("2026-10") is None


def test_a_quarters_last_report_writes_the_ranking_in_three_forms(warehouse, catalog, tmp_path):
    # 法院 delivers clean lists all year; 市场监管 (owing two categories) delivers penalties
    # only in July–September, 3 % refused: it loses points in the quarter.
    for month in (6, 7, 8, 9):
        seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", at(2026, month, 10), 50)
    for month in (7, 8, 9):
        seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, month, 10), 100, refused=3)
    reports = tmp_path / "reports"
    october = publish_month(warehouse, catalog, "2026-10", reports, as_of=dt.date(2026, 11, 1), formats=("html",))
    assert "quarter_html" not in october and not (reports / "2026-Q4").exists()

    out = publish_month(warehouse, catalog, "2026-09", reports, as_of=dt.date(2026, 10, 1))
    folder = reports / "2026-Q3"
    assert {out[k] for k in ("quarter_html", "quarter_pdf", "quarter_xlsx")} == {
        str(folder / f"ranking.{x}") for x in ("html", "pdf", "xlsx")
    }
    model = json.loads((folder / "ranking.json").read_text(encoding="utf-8"))
    assert model["quarter_label"] == "2026年第3季度" and model["months"] == ["2026-07", "2026-08", "2026-09"]
    by = {d["department_id"]: d for d in model["departments"]}
    # Ranked as the month's report ranks: by the year's score.
    scores = [d["ytd_score"] for d in model["departments"]]
    assert scores == sorted(scores, reverse=True)
    assert by["market"]["verdict"] == "推进不力"
    lost = {x["item"]: x for x in by["market"]["lost"]}
    assert lost["信息规范性"]["points"] == 4  # 3 % in the year: 2 + 2 started points beyond 1 %
    assert "不合格率 3.00%" in lost["信息规范性"]["evidence"]
    assert [m["rate_pct"] for m in by["market"]["months"]] == [3.0, 3.0, 3.0]
    # 法院 owes a weekly list and gave a monthly one: the weeks not reported cost timeliness.
    assert by["court"]["verdict"] == "推进不力" and [x["item"] for x in by["court"]["lost"]] == ["信息时效性"]
    # 供电 never delivered: all it owes is missing (7), since before the quarter (nothing new in it).
    assert by["power"]["verdict"] == "推进不力" and by["power"]["ytd_lost"] == 7 and by["power"]["quarter_lost"] == 0
    html = (folder / "ranking.html").read_text(encoding="utf-8")
    assert "2026年第3季度" in html and "推进不力：失分项目及依据" in html
    sheet = openpyxl.load_workbook(folder / "ranking.xlsx")["季度排名"]
    assert sheet["B3"].value == model["departments"][0]["short_name"]
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-Q3/ranking.pdf"' in index
