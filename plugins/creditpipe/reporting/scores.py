"""The county's assessment table (seed 002, 附件2) as arithmetic over the catalog's bands."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from creditpipe.core.months import month_end, previous_month


def conformity_deduction(rate_pct: Decimal | float | str, table: dict) -> int:
    """信息规范性 deduction for a 数据不合格率 (percent), by the catalog's table.

    Bands are tried in order; ``below`` is exclusive, ``at_most`` inclusive. Above the last
    band each started percentage point beyond ``from_pct`` costs one more point, capped at
    ``max_points``: 1.2 % → 3, 2.0 % → 3, 2.01 % → 4."""
    rate = Decimal(str(rate_pct))
    if rate < 0:
        raise ValueError("数据不合格率不能为负")
    for band in table["bands"]:
        if "below" in band and rate < Decimal(str(band["below"])):
            return int(band["points"])
        if "at_most" in band and rate <= Decimal(str(band["at_most"])):
            return int(band["points"])
    beyond = table["beyond"]
    started = math.ceil(rate - Decimal(str(beyond["from_pct"])))
    points = int(beyond["base_points"]) + started * int(beyond["points_per_started_pct"])
    return min(points, int(table["max_points"]))


def conformity_text(table: dict) -> str:
    """The 信息规范性 table in words, from the catalog's bands (as the report states it)."""
    parts, lower = [], None
    for band in table["bands"]:
        bound = f"{float(band.get('below', band.get('at_most'))):g}%"
        when = f"低于{bound}" if lower is None else f"{lower}（含）至{bound}"
        parts.append(when + ("不扣分" if int(band["points"]) == 0 else f"扣{band['points']}分"))
        lower = bound
    beyond = table["beyond"]
    parts.append(
        f"超过{float(beyond['from_pct']):g}%每增加1个百分点加扣{beyond['points_per_started_pct']}分，"
        f"最多扣{table['max_points']}分"
    )
    return "数据不合格率 = 不合格记录数 ÷ 报送记录数 × 100%（按年度累计计算扣分）：" + "；".join(parts) + "。"


def coverage_deduction(coverage: dict, table: dict) -> int:
    """信息覆盖率 deduction (seed 002: "少一项信息类别扣2分，扣完为止。…《指标目录》中要求的信息
    类别均未提供的，扣7分"): ``points_per_missing`` for each owed category not provided in the
    year, capped at ``max_points``; every owed category missing costs ``all_missing_points``
    (so two categories both missing cost 7, not 4)."""
    missing, owed = len(coverage["missing_ytd"]), int(coverage["required"])
    if owed and missing >= owed:
        return int(table.get("all_missing_points", table["max_points"]))
    return min(int(table["max_points"]), missing * int(table["points_per_missing"]))


def _percent(rate) -> str:
    return "—" if rate is None else f"{float(rate):.2f}%"


def _late_text(items: list[dict]) -> str:
    shown = [
        f"{i['dataset']} {i['period']}（"
        + ("未报送" if i["delivered"] is None else f"{i['delivered']} 报送，晚 {i['working_days_late']} 个工作日")
        + "）"
        for i in items[:5]
    ]
    return "；".join(shown) + (f" 等 {len(items)} 期" if len(items) > 5 else "")


def department_score(facts, department_id: str) -> dict:
    """Section 三 of 附件2 for one department, as of the facts' month: each item's 分值, its
    deduction for the month and the year to date with the evidence, and its 得分 (分值 − the
    year's deduction, the seed scoring the year). 双公示信息报送 ("视工作实绩扣分") is scored by the
    deductions the credit office records (``creditpipe assess adjust``), shown beside the
    evidence the pipeline has; 异议处理 by the credit office's objection register (days late)."""
    from creditpipe.core.records import nonconformity_rate

    table = facts.catalog.assessment
    cov, tim, con = table["coverage"], table["timeliness"], table["conformity"]
    coverage = facts.coverage[department_id]
    month_late = [
        i
        for i in facts.late_items(department_id)
        if facts.received_by_source(facts.year_months[0]).get((i["dataset_id"], department_id))
    ]
    year_late = facts.ytd_late_item_list(department_id)
    m, y = facts.delivered(department_id), facts.year_to_date(department_id)
    month_rate = nonconformity_rate(m["rejected"], m["received"]) if m["received"] else None
    year_rate = nonconformity_rate(y["rejected"], y["received"]) if y["received"] else None

    def owed_text(missing: list[str]) -> str:
        if not coverage["required"]:
            return "未登记应报信息类别"
        if not missing:
            return f"应报 {coverage['required']} 类均已提供（含零报告）"
        return f"应报 {coverage['required']} 类，未提供：{'、'.join(missing)}"

    items = [
        {
            "item": cov.get("title", "信息覆盖率"),
            "points": int(cov["max_points"]),
            "month": {
                "deduction": coverage_deduction({**coverage, "missing_ytd": coverage["missing_month"]}, cov),
                "evidence": owed_text(coverage["missing_month"]),
            },
            "ytd": {"deduction": coverage_deduction(coverage, cov), "evidence": owed_text(coverage["missing_ytd"])},
        },
        {
            "item": tim.get("title", "信息时效性"),
            "points": int(tim["max_points"]),
            "month": {
                "deduction": min(int(tim["max_points"]), len(month_late) * int(tim["points_per_late_item"])),
                "evidence": _late_text(month_late) or "本月到期各期均按时报送",
            },
            "ytd": {
                "deduction": min(int(tim["max_points"]), len(year_late) * int(tim["points_per_late_item"])),
                "evidence": _late_text(year_late) or "本年到期各期均按时报送（当年未产生数据的类别不计）",
            },
        },
        {
            "item": con.get("title", "信息规范性"),
            "points": int(con["max_points"]),
            "month": {
                "deduction": conformity_deduction(month_rate or 0, con),
                "evidence": f"本月报送 {m['received']} 条，不合格 {m['rejected']} 条，不合格率 {_percent(month_rate)}",
            },
            "ytd": {
                "deduction": conformity_deduction(year_rate or 0, con),
                "evidence": f"本年报送 {y['received']} 条，不合格 {y['rejected']} 条，不合格率 {_percent(year_rate)}",
            },
        },
    ]
    for item in items:
        item["score"] = item["points"] - item["ytd"]["deduction"]
        item["scored"] = True
    items.append(_public_disclosure_item(facts, department_id, table.get("public_disclosure") or {}))
    items.append(_objections_item(facts, department_id, table["objections"]))
    scored = [i for i in items if i["scored"]]
    return {
        "department_id": department_id,
        "items": items,
        "scored_points": sum(i["points"] for i in scored),
        "month_deduction": number(sum(Decimal(str(i["month"]["deduction"])) for i in scored)),
        "ytd_deduction": number(sum(Decimal(str(i["ytd"]["deduction"])) for i in scored)),
        "ytd_score": number(sum(Decimal(str(i["score"])) for i in scored)),
    }


def number(value: Decimal) -> int | float:
    """A score as the report writes it: whole points as integers, a half as 0.5."""
    return int(value) if value == value.to_integral_value() else float(value)


def _public_disclosure_item(facts, department_id: str, table: dict) -> dict:
    """双公示信息报送 ("视工作实绩扣分"): the credit office's deductions as recorded (``creditpipe
    assess adjust``), the year's and the month's, each with its reason, who and when, beside
    the pipeline's evidence (the 双公示 records published late). Nothing recorded: nothing
    deducted, and the sheet says so."""
    points = int(table.get("max_points", 4))
    title = table.get("title", "双公示信息报送")
    mine = [a for a in facts.adjustments if a["department_id"] == department_id and a["item"] == title]

    def total(rows) -> Decimal:
        return min(Decimal(points), max(Decimal(0), sum((Decimal(a["points"]) for a in rows), Decimal(0))))

    def said(rows) -> str:
        if not rows:
            return "信用办未记录扣分"
        return "；".join(
            f"{a['month']} 扣{a['points']}分：{a['reason']}（{a['recorded_by']} 记录于 {a['recorded_at'][:10]}）"
            for a in rows
        )

    month_rows = [a for a in mine if a["month"] == facts.month]
    evidence = _public_disclosure(facts, department_id)
    year = total(mine)
    return {
        "item": title,
        "points": points,
        "scored": True,
        "month": {"deduction": number(total(month_rows)), "evidence": f"{said(month_rows)}；{evidence}"},
        "ytd": {"deduction": number(year), "evidence": f"{said(mine)}；{evidence}"},
        "score": number(points - year),
    }


def _public_disclosure(facts, department_id: str) -> str:
    """The 双公示 evidence the pipeline holds: the year's records of datasets with a
    publication deadline (published_within), and how many of them were published late."""
    public = {d.id for d in facts.catalog.datasets.values() if any(r[0] == "published_within" for r in d.rules)}
    received = sum(
        n
        for (ds, dep), n in facts.received_by_source(facts.year_months[0]).items()
        if dep == department_id and ds in public
    )
    if not received:
        return "本年无双公示记录"
    late = sum(facts.publication_late_count(department_id, m) for m in facts.year_months)
    return f"本年双公示记录 {received} 条，超过7个工作日才公示 {late} 条，按时公示率 {_percent((received - late) * 100 / received)}"


def objection_days_late(objection: dict, end: dt.date) -> int:
    """异议处理's "每延迟1天": calendar days after the deadline (办理期限) until the day handled
    (办结日期) — or, still open at ``end``, until ``end``. 天, not 工作日: the seed says 工作日
    where it means them (信息时效性)."""
    handled = objection["handled"]
    stop = handled if handled is not None and handled <= end else end
    return max(0, (stop - objection["deadline"]).days)


def objection_deduction(days: int, table: dict) -> Decimal:
    """ "每延迟1天减0.5分。一次异议处理的总扣分不超过2分": one objection's deduction."""
    return min(Decimal(str(table["max_per_objection"])), Decimal(str(table["points_per_day"])) * days)


def objections_deduction(objections: list[dict], end: dt.date, table: dict) -> Decimal:
    """The item's deduction as of ``end``: the objections' deductions summed, "扣完为止" (not
    beyond the item's 分值)."""
    total = sum((objection_deduction(objection_days_late(o, end), table) for o in objections), Decimal(0))
    return min(Decimal(int(table["max_points"])), total)


def _objections_item(facts, department_id: str, table: dict) -> dict:
    """异议处理 from the credit office's register: the year's objections forwarded to the
    department (by deadline), each day late counted up to the day before the facts are
    judged (a whole day passed) and at most to the month's end; the month's deduction is
    what the month added to the year's."""
    points = int(table["max_points"])
    year = facts.month[:4]
    mine = [o for o in facts.objections if o["department_id"] == department_id and str(o["deadline"].year) == year]
    end = min(month_end(facts.month), facts.as_of - dt.timedelta(days=1))
    before = previous_month(facts.month)
    previous = month_end(before) if before[:4] == year else None
    year_total = objections_deduction(mine, end, table)
    month_total = year_total - (objections_deduction(mine, previous, table) if previous else Decimal(0))

    def said(o: dict) -> str:
        days = objection_days_late(o, end)
        ds = facts.catalog.datasets.get(o["dataset"])
        what = f"{o['number']}（{ds.title if ds else o['dataset']} {o['record_key']}）期限 {o['deadline']}"
        if o["handled"] is not None and o["handled"] <= end:
            state = f"{o['handled']} 办结（{o['outcome'] or '未填处理结果'}）"
        else:
            state = f"截至 {end} 未办结"
        return f"{what}，{state}，晚 {days} 天，扣{number(objection_deduction(days, table))}分"

    late = [o for o in mine if objection_days_late(o, end)]
    due = [o for o in mine if o["deadline"] <= end]
    on_time = len(due) - len(late)
    summary = f"本年到期异议 {len(due)} 件，按期办结 {on_time} 件" if due else "本年无到期的异议"
    month_late = [
        o for o in late if previous is None or objection_days_late(o, end) != objection_days_late(o, previous)
    ]
    return {
        "item": table.get("title", "异议处理"),
        "points": points,
        "scored": True,
        "month": {
            "deduction": number(month_total),
            "evidence": "；".join(said(o) for o in month_late) or "本月无逾期办理的异议",
        },
        "ytd": {"deduction": number(year_total), "evidence": "；".join([summary, *(said(o) for o in late)])},
        "score": number(points - year_total),
    }
