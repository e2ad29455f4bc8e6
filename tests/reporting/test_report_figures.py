"""Every figure the monthly report shows equals the warehouse query behind it: the
workbook's sheets and the web page's figure cells are compared with SQL written here,
independently of the report's own statements, on SQLite and on PostgreSQL."""

import re

import openpyxl
import pytest
import sqlalchemy as sa
from seeding import at, seed_batch

from creditpipe.core.labels import SEVERITY_LABELS as SEVERITY_LABEL
from creditpipe.core.records import nonconformity_rate
from creditpipe.devtools.simulators.court_dishonest_debtor import is_person, list_government_body
from creditpipe.reporting.facts import MonthFacts, publication_day
from creditpipe.reporting.model import build_model
from creditpipe.reporting.presentation import format_figure
from creditpipe.reporting.render import render_report
from creditpipe.reporting.scores import conformity_deduction
from creditpipe.reporting.warnings import evaluate_and_record


def model_of(engine, catalog, month, as_of=None):
    """The month's report model, the month judged as of its publication day (or ``as_of``)."""
    return build_model(MonthFacts(engine, catalog, month, as_of or publication_day(month)))


MONTH = "2026-10"


def town_government(records, rng):
    list_government_body(next(r for r in records if not is_person(r)), rng, "town_government")


@pytest.fixture
def published(warehouse, catalog, tmp_path):
    """Three months of the county, with refusals, late publications, a rate rising, a feed
    that stops, a government body on the debtor list; the October report in html and xlsx."""
    for month, refused in ((8, 1), (9, 2), (10, 3)):
        seed_batch(
            warehouse,
            catalog,
            "police.admin_penalty",
            "police",
            at(2026, month, 14),
            100,
            refused=refused,
            late=month - 7,
        )
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 8, 10), 120, refused=1, late=2)
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 9, 9), 90, refused=2)
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 9), 100, refused=1, late=1)
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 14), 50)
    seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", at(2026, 10, 15), 40, edit=town_government)
    seed_batch(warehouse, catalog, "utility.arrears", "power", at(2026, 10, 20), 1000)
    seed_batch(warehouse, catalog, "utility.arrears", "water", at(2026, 9, 20), 300, refused=4)
    facts = MonthFacts(warehouse, catalog, MONTH, publication_day(MONTH))
    evaluate_and_record(facts, at(2026, 11, 1, 1))
    model = build_model(facts)
    paths = render_report(model, tmp_path / MONTH, formats=("html", "xlsx"))
    return model, paths


def one(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).one()


def delivered(engine, dep, from_month, to_month):
    return one(
        engine,
        "SELECT COUNT(*) AS batches, COALESCE(SUM(received), 0) AS received, "
        "COALESCE(SUM(accepted), 0) AS accepted, COALESCE(SUM(rejected), 0) AS rejected, "
        "COALESCE(SUM(warning_count), 0) AS warnings FROM delivery_batch "
        "WHERE department_id = :d AND delivered_month BETWEEN :f AND :t",
        d=dep,
        f=from_month,
        t=to_month,
    )


def expected_figures(engine, catalog, dep):
    """The report's figure keys for one department, each from SQL."""
    m = delivered(engine, dep, MONTH, MONTH)
    y = delivered(engine, dep, "2026-01", MONTH)
    ytd_rate = nonconformity_rate(y.rejected, y.received)
    late = one(
        engine,
        "SELECT COUNT(*) FROM record_issue i JOIN delivery_batch b ON b.batch_id = i.batch_id "
        "WHERE i.rule = 'late_publication' AND b.department_id = :d AND b.delivered_month = :m",
        d=dep,
        m=MONTH,
    )[0]
    open_ = one(
        engine,
        "SELECT COUNT(*) FROM refused_record r JOIN delivery_batch b ON b.batch_id = r.batch_id "
        "WHERE b.department_id = :d AND r.closed_by_batch IS NULL",
        d=dep,
    )[0]
    owed = [catalog.dataset(o.dataset_id) for o in catalog.obligations_of(dep) if o.dataset_id]  # 指标目录
    never = [
        ds
        for ds in owed
        if not one(
            engine,
            "SELECT COUNT(*) FROM delivery_batch WHERE department_id = :d AND dataset_id = :s "
            "AND delivered_month BETWEEN '2026-01' AND :m",
            d=dep,
            s=ds.id,
            m=MONTH,
        )[0]
    ]
    key = f"dept.{dep}"
    return {
        f"{key}.month.batches": m.batches,
        f"{key}.month.received": m.received,
        f"{key}.month.accepted": m.accepted,
        f"{key}.month.rejected": m.rejected,
        f"{key}.month.warning_count": m.warnings,
        f"{key}.month.rate_pct": round(m.rejected * 100 / m.received, 4) if m.received else None,
        f"{key}.ytd.received": y.received,
        f"{key}.ytd.rejected": y.rejected,
        f"{key}.ytd.rate_pct": round(y.rejected * 100 / y.received, 4) if y.received else None,
        f"{key}.deductions.conformity": conformity_deduction(ytd_rate, catalog.assessment["conformity"]),
        # Seed 002: 2 a missing category; all of them missing (one owed, none given), 7.
        f"{key}.deductions.coverage": 7 if len(never) == len(owed) else min(7, 2 * len(never)),
        f"{key}.publication_late": late,
        f"{key}.refusals.open": open_,
    }


def test_every_department_figure_in_the_page_equals_the_warehouse(published, warehouse, catalog):
    _, paths = published
    html = paths["html"].read_text(encoding="utf-8")
    cells = dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', html))
    checked = 0
    for dep in catalog.assessed:
        for key, value in expected_figures(warehouse, catalog, dep).items():
            assert cells[key] == format_figure(value, key), key
            checked += 1
    assert checked == 13 * len(catalog.assessed)
    total = one(
        warehouse,
        "SELECT SUM(received), SUM(accepted), SUM(rejected), COUNT(*) FROM delivery_batch WHERE delivered_month = :m",
        m=MONTH,
    )
    assert cells["summary.received"] == str(total[0])
    assert cells["summary.accepted"] == str(total[1])
    assert cells["summary.rejected"] == str(total[2])
    assert cells["summary.batches"] == str(total[3])
    assert cells["summary.rate_pct"] == format_figure(round(total[2] * 100 / total[0], 4), "rate_pct")


def test_the_workbook_tables_equal_the_warehouse(published, warehouse, catalog):
    model, paths = published
    book = openpyxl.load_workbook(paths["xlsx"])
    short = {d: catalog.departments[d].short_name for d in catalog.assessed}

    # 部门指标: the month's counts per department.
    sheet = book["部门指标"]
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("部门")]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    for dep, name in short.items():
        m = delivered(warehouse, dep, MONTH, MONTH)
        assert (rows[name]["本月报送"], rows[name]["本月合格"], rows[name]["本月不合格"]) == (
            m.received,
            m.accepted,
            m.rejected,
        )

    # 规则分布: every rule broken in the month, per department and severity.
    with warehouse.connect() as conn:
        want = {
            (short[d], rule, sev, n)
            for d, rule, sev, n in conn.execute(
                sa.text(
                    "SELECT b.department_id, i.rule, i.severity, COUNT(*) FROM record_issue i "
                    "JOIN delivery_batch b ON b.batch_id = i.batch_id WHERE b.delivered_month = :m "
                    "GROUP BY b.department_id, i.rule, i.severity"
                ),
                {"m": MONTH},
            )
        }
    sheet = book["规则分布"]
    severity = {v: k for k, v in SEVERITY_LABEL.items()}
    got = {(r[3], r[1], severity[r[2]], r[4]) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert got == want and want

    # 趋势: received per department and month, from the first month with data (of at most
    # 12); a month a department delivered nothing in (no batch, and none of the seeded
    # deliveries is a zero report) is empty, not 0.
    sheet = book["趋势"]
    header = [c.value for c in sheet[1]]
    first = one(warehouse, "SELECT MIN(delivered_month) FROM delivery_batch")[0]
    months = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert first == "2026-08" and months == ["2026-08", "2026-09", "2026-10"]
    for row in sheet.iter_rows(min_row=2, values_only=True):
        for dep, name in short.items():
            m = delivered(warehouse, dep, row[0], row[0])
            assert row[header.index(f"{name}·报送")] == (m.received if m.batches else None), (row[0], name)

    # 预警: the warnings in force for the month, as stored.
    with warehouse.connect() as conn:
        stored = sorted(
            conn.execute(
                sa.text("SELECT level, title FROM early_warning WHERE month = :m AND resolved_at IS NULL"), {"m": MONTH}
            )
        )
    got = sorted((r[0], r[3]) for r in book["预警"].iter_rows(min_row=2, values_only=True))
    assert got == [tuple(s) for s in stored]
    levels = [r[0] for r in book["预警"].iter_rows(min_row=2, values_only=True)]
    assert levels == sorted(levels, key="红橙黄".index)  # most severe first

    # 退回未更正: every open refusal, its key masked.
    open_rows = list(book["退回未更正"].iter_rows(min_row=2, values_only=True))
    assert len(open_rows) == one(warehouse, "SELECT COUNT(*) FROM refused_record WHERE closed_by_batch IS NULL")[0]


def test_the_report_shows_what_was_seeded(published):
    model, _ = published
    by_rule = {}
    for w in model["warnings"]:
        by_rule.setdefault(w["rule_id"], []).append(w)
    assert [w["department_id"] for w in by_rule["rate_rising"]] == ["police"]
    assert by_rule["government_debtor"][0]["level"] == "红"
    assert [e["kind"] for e in model["townships"]["events"]] == ["机关"]
    # 市场监管 owes a weekly file but delivered monthly, and nothing after 14 October: the
    # report lists the weeks that fell due in October (the 4th working day after the week)
    # and were not reported; the week of 12–18 October was, by its records of the 13th.
    market_late = {
        t["period"]: t
        for t in model["timeliness_items"]
        if t["department"] == "市场监管" and "行政处罚" in t["dataset"]
    }
    assert "2026-10-12～2026-10-18" not in market_late
    assert market_late["2026-10-19～2026-10-25"]["delivered"] is None
    assert "2026-09-21～2026-09-27" in market_late  # due 9 October, after 国庆
    assert "2026-10-26～2026-11-01" not in market_late  # due in November
    # 水务 delivered in September only: a coverage gap this month, none this year.
    water = next(d for d in model["departments"] if d["department_id"] == "water")
    assert water["coverage"]["missing_month"] and not water["coverage"]["missing_ytd"]
    assert water["month"]["rate_pct"] is None and water["ytd"]["rate_pct"] == pytest.approx(4 / 3, abs=1e-4)


def test_personal_data_is_masked_in_the_report(published, warehouse):
    model, paths = published
    html = paths["html"].read_text(encoding="utf-8")
    # Every citizen ID in the refused police records stays out of the page and the workbook.
    with warehouse.connect() as conn:
        keys = [
            r[0]
            for r in conn.execute(sa.text("SELECT business_key FROM refused_record WHERE business_key IS NOT NULL"))
        ]
    ids = [k for key in keys for k in re.findall(r"\d{17}[\dX]", key)]
    book = openpyxl.load_workbook(paths["xlsx"])
    cells = " ".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c)
    for code in ids:
        assert code not in html and code not in cells
    for r in model["open_refusals"]:
        assert not re.search(r"\d{17}[\dXx]", r["record_key"])


def test_a_malformed_id_in_a_refused_key_is_masked(warehouse, catalog):
    def broken_ids(records, rng):
        records[0]["公民身份号码"] = "32028119900101123"  # 17 digits: refused, still personal
        records[1]["公民身份号码"] = "3.20281E+17"

    seed_batch(warehouse, catalog, "police.population", "police", at(2026, 10, 14), 30, refused=2, edit=broken_ids)
    model = model_of(warehouse, catalog, MONTH)
    keys = [r["record_key"] for r in model["open_refusals"]]
    assert len(keys) == 2
    assert "32028119900101123" not in str(model) and "3.20281E+17" not in str(model)
    assert keys[0].startswith("320281") and "*" in keys[0]


def test_a_published_month_does_not_change_when_rebuilt_later(warehouse, catalog):
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 20), 100, refused=3)
    before = model_of(warehouse, catalog, MONTH)
    # Delivered on the publication day itself, after midnight: November's, not October's.
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 11, 1, 10), 100, refused=5)
    after = model_of(warehouse, catalog, MONTH)
    for key in ("summary", "departments", "open_refusals", "timeliness_items", "rules"):
        assert after[key] == before[key], key


def test_a_dataset_removed_from_the_catalog_keeps_its_history_readable(warehouse, catalog):
    import dataclasses

    seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", at(2026, 10, 15), 40, refused=2, late=1)
    slim = dataclasses.replace(
        catalog, datasets={k: v for k, v in catalog.datasets.items() if k != "court.dishonest_debtor"}
    )
    model = model_of(warehouse, slim, MONTH)
    assert {r["dataset"] for r in model["open_refusals"]} == {"court.dishonest_debtor"}
