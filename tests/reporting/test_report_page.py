"""Issue 20, item 6 (the report page): trend charts over the months the warehouse has, a
month without delivery a gap on every chart; no empty small multiple or empty frame; the
本月需处理 box at the top; the open refusals by department. (The phone width is checked in
the browser, in test_report_render.)"""

from __future__ import annotations

import copy
import re

import pytest
import sqlalchemy as sa
from report_sample import quiet_model, sample_model
from seeding import at, seed_batch

from creditpipe.devtools.simulators.townships import register_rows
from creditpipe.reporting import charts
from creditpipe.reporting.actions import to_handle
from creditpipe.reporting.facts import MonthFacts, publication_day
from creditpipe.reporting.model import build_model
from creditpipe.reporting.presentation import ReportError
from creditpipe.reporting.render import render_html
from creditpipe.reporting.warnings import evaluate_and_record

MONTH = "2026-10"
REGISTER = register_rows(seed=7)


def font() -> str:
    try:
        return charts.cjk_font()
    except ReportError as exc:  # the browser and PDF tests say how to install it
        pytest.skip(str(exc))


def svg(html: str, prefix: str) -> str:
    """One chart's inline SVG (its ids all start with the chart's prefix)."""
    start = html.index(f'id="{prefix}-')
    return html[html.rindex("<svg", 0, start) : html.index("</svg>", start)]


def line(chart: str, prefix: str, dept: str) -> tuple[int, int]:
    """(points drawn, stretches of line) of a department's line in a trend chart."""
    start = chart.index(f'<g id="{prefix}-line-{dept}">')
    group = chart[start : chart.index('<g id="', start + 1)]
    path = re.search(r'<path d="([^"]*)"', group).group(1)
    return group.count("<use "), path.count("M ")


def section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def young(warehouse, catalog):
    """A warehouse three months old: the townships' register in August; 市场监管 delivers in
    August and October, not September; 公安 every month; the court lists a town government
    on 26 October (its township has ten working days to respond)."""
    from creditpipe.devtools.simulators.court_dishonest_debtor import is_person, list_government_body

    def town_government(records, rng):
        list_government_body(next(r for r in records if not is_person(r)), rng, "town_government")

    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 8, 10), 120, refused=2, late=1)
    seed_batch(warehouse, catalog, "market.admin_penalty", "market", at(2026, 10, 9), 100, refused=1)
    for month in (8, 9, 10):
        seed_batch(warehouse, catalog, "police.admin_penalty", "police", at(2026, month, 14), 100, refused=month - 7)

    def register(records, rng):
        records[:] = [dict(r) for r in REGISTER]

    seed_batch(
        warehouse, catalog, "credit.township_body", "credit_office", at(2026, 8, 3), len(REGISTER), edit=register
    )
    seed_batch(warehouse, catalog, "court.dishonest_debtor", "court", at(2026, 10, 26), 40, edit=town_government)
    facts = MonthFacts(warehouse, catalog, MONTH, publication_day(MONTH))
    evaluate_and_record(facts, at(2026, 11, 1, 1))
    return build_model(facts)


# --- 1. the trend spans the months with data; no delivery is a gap everywhere -------------------


def test_the_trend_spans_the_months_with_data_and_a_month_without_delivery_is_a_gap(young, warehouse):
    with warehouse.connect() as conn:
        first = conn.execute(sa.text("SELECT MIN(delivered_month) FROM delivery_batch")).scalar()
    assert first == "2026-08"
    trend = young["trend"]
    assert trend["months"] == ["2026-08", "2026-09", "2026-10"]  # not twelve, nine of them empty
    market, police = trend["series"]["market"], trend["series"]["police"]
    # September: 市场监管 delivered nothing — no value in any figure, not a zero in some.
    for field in ("received", "rejected", "rate_pct", "warnings", "publication_late", "open_refusals"):
        assert market[field][1] is None, field
        assert len(market[field]) == 3, field
    assert market["received"] == [120, None, 100] and market["rate_pct"][0] == pytest.approx(2 / 120 * 100, abs=1e-4)
    assert police["received"] == [100, 100, 100] and None not in police["rate_pct"]
    assert len(market["late_items"]) == 3 and None not in market["late_items"]  # judged either way
    gas = trend["series"]["gas"]  # never delivered: no value at all
    assert gas["received"] == [None] * 3 and gas["rate_pct"] == [None] * 3

    html = render_html(young, font())
    for prefix in ("trend-rate", "trend-received"):
        chart = svg(html, prefix)
        # The same three months on both charts' x-axis.
        assert len(re.findall(rf'id="{prefix}-xtick_\d+"', chart)) == 3, prefix
        # 市场监管: two points and the line broken at September, on both charts alike.
        assert line(chart, prefix, "market") == (2, 2), prefix
        assert line(chart, prefix, "police") == (3, 1), prefix
        assert f'id="{prefix}-line-gas"' not in chart  # no line for no data
    trend_section = section(html, "trend")
    assert "十二、趋势（2026年8月至2026年10月，3个月）" in trend_section
    assert "无数据不等于零" in trend_section and "断点表示当月无报送" in trend_section
    assert re.search(r"燃气[^<]*在图示月份内无报送，图3中无其折线", trend_section)


def test_every_trend_chart_spans_the_same_months_in_a_full_year():
    """The sample's twelve months: the same twelve ticks on the two trend charts and on every
    small multiple's axis."""
    model = sample_model()
    html = render_html(model, font())
    ticks = {p: len(re.findall(rf'id="{p}-xtick_\d+"', svg(html, p))) for p in ("trend-rate", "trend-received")}
    assert ticks == {"trend-rate": 12, "trend-received": 12}
    panels = len(charts.issue_panels(model)[0])
    assert len(re.findall(r'id="issues-xtick_\d+"', svg(html, "issues"))) == 12 * panels


# --- 2. no empty small multiple, no empty frame -------------------------------------------------


def no_data(model: dict, dept: str) -> dict:
    """The model with one department that delivered nothing and had nothing late all year."""
    model = copy.deepcopy(model)
    for field, values in model["trend"]["series"][dept].items():
        values[:] = [0 if field == "late_items" else None] * len(values)
    return model


def test_a_department_with_no_data_has_no_panel_and_one_line_says_so():
    model = no_data(sample_model(), "gas")
    drawn, left = charts.issue_panels(model)
    assert "gas" not in [d["department_id"] for d in drawn] and left == ["燃气"]
    html = render_html(model, font())
    issues = svg(html, "issues")
    assert len(re.findall(r'<g id="issues-axes_\d+">', issues)) == len(drawn) == 5  # no empty panel
    for prefix in ("trend-rate", "trend-received"):
        assert 'line-gas"' not in svg(html, prefix)
    trend_section = section(html, "trend")
    assert "燃气在图示月份内既无报送也无时效超期事项，图4中未列。" in trend_section
    assert "燃气在图示月份内没有报送记录，无不合格率，图2中无其折线。" in trend_section

    # The sample as it is: every department has a panel, and no line says otherwise.
    full = render_html(sample_model(), font())
    assert len(re.findall(r'<g id="issues-axes_\d+">', svg(full, "issues"))) == 6
    assert "图4中未列" not in full


def test_a_section_with_nothing_to_draw_says_so_instead_of_an_empty_frame():
    model = sample_model()
    for dept in list(model["trend"]["series"]):
        model = no_data(model, dept)
    for d in model["departments"]:
        d["month"]["rate_pct"] = None
    html = render_html(model, font())
    assert html.count("<svg") == 1  # the rules' chart only: nothing else to draw
    assert "本月各部门均未报送数据，没有数据不合格率可比较。" in section(html, "ranking")
    trend_section = section(html, "trend")
    assert "<figure" not in trend_section
    assert "图示月份内各部门均没有报送记录，无不合格率可画。" in trend_section
    assert "图示月份内各部门均无报送，无报送记录数可画。" in trend_section
    assert "图示月份内各部门既无报送也无时效超期事项，无质量提示和超期情况可画。" in trend_section


# --- 3. 本月需处理 -------------------------------------------------------------------------------


def todo_items(html: str) -> list[tuple[str, str, str]]:
    """(data-level, link, text) of each line of the box."""
    box = section(html, "todo")
    return [
        (level, href, re.sub(r"<[^>]+>", "", text))
        for level, href, text in re.findall(r'<li data-level="([^"]*)">.*?<a href="([^"]+)">(.*?)</li>', box, re.S)
    ]


def test_the_box_at_the_top_lists_what_must_be_done_now_with_who_and_when():
    model = sample_model()
    html = render_html(model, font())
    assert html.index('id="todo"') < html.index('id="overview"')  # at the top
    items = todo_items(html)
    levels = [level for level, _, _ in items]
    # Every red and orange warning but the refusals' (said per department), red first; the
    # township with a body newly listed; then each department's refusals past the deadline.
    assert levels == ["红"] * 4 + ["橙"] * 2 + [""] * 3
    red = [text for level, _, text in items if level == "红"]
    assert any("水务本月数据不合格率 2.54%" in t and "责任：水务" in t and "时限：立即" in t for t in red)
    township = next((href, t) for _, href, t in items if t.startswith("华士镇"))
    assert township[0] == "#serious-events" and "新列入失信被执行人 1 个（江阴市华士镇人民政府）" in township[1]
    assert "已于 2026-10-23 书面反馈" in township[1]
    orange = next(t for level, _, t in items if level == "橙" and "市场监管" in t)
    assert "时限：2026-11-30 前整改（下期月报按此日复核）" in orange  # the month the report is read in
    refusals = [(href, t) for level, href, t in items if level == ""]
    # In the order of 退回未更正's groups (the oldest refusal first), each to its group.
    assert [h for h, _ in refusals] == ["#refusals-水务", "#refusals-法院", "#refusals-市场监管"]
    assert "水务：2 条退回记录已过整改时限仍未更正（最久 14 个工作日）" in refusals[0][1]
    for _, href, _ in items:  # every link has its target on the page
        assert f'id="{href[1:]}"' in html, href
    assert not any("供电本月" in t for _, _, t in items)  # yellow: not in the box
    assert "截至 2026-11-01：红色预警和已过期限的事项须立即处理" in section(html, "todo")


def test_the_box_from_the_warehouse_links_each_warning_to_its_section(young):
    box = to_handle(young)
    by_href = {}
    for item in box["lines"]:
        by_href.setdefault(item["href"], []).append(item)
    # The town government on the court's list: the township's line, red, to 严重失信事件.
    (event,) = by_href["#serious-events"]
    (listed,) = young["townships"]["events"]
    assert event["level"] == "红" and event["who"] == listed["township"] and listed["name"] in event["what"]
    assert listed["listed_since"] == "2026-10-26" and listed["respond_by"] == "2026-11-09"  # 10 working days
    assert event["by"] == "立即督促履行、推动移出名单；2026-11-09 前书面反馈"
    # 市场监管's October rate (1 of 100) and 公安's (3 of 100) are red: to 部门排名.
    ranked = {i["who"]: i for i in by_href["#ranking"]}
    assert ranked["公安"]["level"] == "红" and ranked["公安"]["by"] == "立即"
    # Both of 市场监管's categories are late (the licences never came): one line, counted,
    # to 时效性明细, at once (their deadlines have passed).
    (feeds,) = [i for i in by_href["#timeliness"] if i["who"] == "市场监管"]
    assert feeds["what"] == "市场监管：数据未按交换周期报送（2 项）" and feeds["by"] == "立即（已过期限）"
    html = render_html(young, font())
    items = todo_items(html)
    assert items[0][0] == "红" and {href for _, href, _ in items} == set(by_href)
    for href in by_href:
        assert f'id="{href[1:]}"' in html
    assert re.search(r"\d{17}[\dXx]", section(html, "todo")) is None  # nothing personal


def test_a_month_with_nothing_to_do_says_so():
    html = render_html(quiet_model(), font())
    box = section(html, "todo")
    assert "截至 2026-10-01，没有需要立即处理的事项。" in box and "<li" not in box


# --- 5. the open refusals by department ---------------------------------------------------------


def test_the_open_refusals_are_grouped_by_department_with_their_counts():
    model = sample_model()
    html = render_html(model, font())
    part = section(html, "refusals")
    heads = re.findall(r'<h3 id="refusals-([^"]+)">(.*?)</h3>', part)
    assert [(d, re.sub(r"<[^>]+>", "", h)) for d, h in heads] == [
        ("水务", "水务：2 条，其中超期 2 条"),  # the oldest refusal first
        ("法院", "法院：1 条，其中超期 1 条"),
        ("市场监管", "市场监管：3 条，其中超期 1 条"),
        ("供电", "供电：1 条"),
    ]
    tables = re.findall(r'<table class="refusals" data-department="([^"]+)">(.*?)</table>', part, re.S)
    assert [d for d, _ in tables] == [d for d, _ in heads]
    shown = 0
    for department, table in tables:
        rows = [int(i) for i in re.findall(r'data-figure="open_refusals\.(\d+)\.source_row"', table)]
        assert rows and all(model["open_refusals"][i]["department"] == department for i in rows)
        shown += len(rows)
    assert shown == len(model["open_refusals"])


def test_a_department_with_many_refusals_shows_its_oldest_and_says_how_many_more():
    model = sample_model()
    extra = dict(model["open_refusals"][-1])  # 供电
    model["open_refusals"] += [{**extra, "source_row": 2000 + n} for n in range(12)]
    part = section(render_html(model, font()), "refusals")
    assert "供电：13 条" in part and "供电另有 3 条，见表格版“退回未更正”工作表。" in part
