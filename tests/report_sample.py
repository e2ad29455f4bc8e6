"""A realistic report model (the input of creditpipe.reporting.render) for tests and for
looking at the rendered report: six departments of 江阴市, one of which (燃气) delivered
nothing this month, gaps in the trend, warnings of all three levels, and a refused record
whose key starts with "=" (a clerk's spreadsheet formula that must stay text)."""

from __future__ import annotations

import copy
import random

MONTHS = [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 11)]

_DEPARTMENTS = [
    # id, name, short_name, this month (batches, received, rejected, quality hints), year to date before this month
    ("market", "江阴市市场监督管理局", "市场监管", (3, 412, 3, 12), (3708, 18)),
    ("police", "江阴市公安局", "公安", (4, 2870, 2, 5), (26110, 17)),
    ("court", "江阴市人民法院", "法院", (2, 96, 1, 0), (870, 6)),
    ("power", "国网江阴市供电公司", "供电", (1, 1020, 4, 3), (9010, 22)),
    ("water", "江阴市水务集团有限公司", "水务", (2, 787, 20, 7), (6950, 61)),
    ("gas", "江阴市天然气有限公司", "燃气", (0, 0, 0, 0), (2480, 9)),
]

_DEDUCTIONS = {
    "market": {"coverage": 0, "conformity": 2, "timeliness": 1},
    "police": {"coverage": 0, "conformity": 0, "timeliness": 0},
    "court": {"coverage": 0, "conformity": 2, "timeliness": 0},
    "power": {"coverage": 0, "conformity": 1, "timeliness": 0},
    "water": {"coverage": 0, "conformity": 3, "timeliness": 1},
    "gas": {"coverage": 2, "conformity": 1, "timeliness": 1},
}

_REFUSALS = {  # open, corrected, oldest_working_days, over_limit
    "market": (3, 0, 12, 1),
    "police": (0, 2, None, 0),
    "court": (1, 0, 12, 1),
    "power": (2, 2, 4, 0),
    "water": (5, 15, 14, 2),
    "gas": (0, 0, None, 0),
}

_TIMELINESS = {  # items_due, items_late, ytd_items_late
    "market": (5, 1, 1),
    "police": (31, 0, 0),
    "court": (22, 0, 0),
    "power": (1, 0, 0),
    "water": (1, 1, 2),
    "gas": (1, 1, 1),
}

_COVERAGE = {  # required, missing this month, missing this year
    "market": (2, [], []),
    "police": (2, [], []),
    "court": (1, [], []),
    "power": (1, [], []),
    "water": (1, [], []),
    "gas": (1, ["公用事业欠费信息（供电、水务、燃气）"], []),
}

_PUBLICATION_LATE = {"market": 2, "police": 1, "court": 0, "power": 0, "water": 0, "gas": 0}


def _rate(rejected: int, received: int) -> float | None:
    return round(rejected / received * 100, 4) if received else None


def _trend(rng: random.Random) -> dict:
    series = {}
    for dept_id, _name, _short, (_b, received, rejected, _w), _ytd in _DEPARTMENTS:
        rows = {
            "received": [],
            "rejected": [],
            "rate_pct": [],
            "warnings": [],
            "late_items": [],
            "publication_late": [],
        }
        for i, _month in enumerate(MONTHS):
            if i == len(MONTHS) - 1:
                rec, rej = received, rejected
            elif (dept_id, i) in {("court", 1), ("gas", 4), ("gas", 5)}:
                rec, rej = 0, 0  # no delivery that month: a gap in the rate line
            else:
                base = max(received, 300)
                rec = int(base * rng.uniform(0.8, 1.15))
                rej = int(rec * rng.uniform(0.0, 0.012 if dept_id != "water" else 0.03))
            rows["received"].append(rec)
            rows["rejected"].append(rej)
            rows["rate_pct"].append(_rate(rej, rec))
            rows["warnings"].append(rng.randint(0, 3))
            rows["late_items"].append(rng.choice([0, 0, 0, 1, 2]))
            rows["publication_late"].append(rng.choice([0, 0, 1]) if dept_id in ("market", "police") else 0)
        rows["late_items"][-1] = _TIMELINESS[dept_id][1]
        rows["publication_late"][-1] = _PUBLICATION_LATE[dept_id]
        series[dept_id] = rows
    return {"months": list(MONTHS), "series": series}


_WARNINGS = [  # deliberately not in level order: the renderer sorts 红→橙→黄
    (
        "黄",
        "refusal_overdue",
        "退回记录超期未更正",
        "market",
        "市场监管",
        "市场监管有 1 条退回记录超过 10 个工作日未更正",
        "最早一条 2026-10-14 退回（行政许可信息（双公示）），已过 12 个工作日",
        "提醒该部门处理退回通知中的记录，更正后重新报送",
        "2026-10-30T09:00:00+08:00",
    ),
    (
        "红",
        "rate_level",
        "数据不合格率偏高",
        "water",
        "水务",
        "水务本月数据不合格率 2.54%，达到红色预警线（1%）",
        "报送 787 条，不合格 20 条，主要为“欠费金额格式错误”（12 条）",
        "督促该部门按退回通知逐条更正并重新报送，排查源系统的数据录入和导出环节",
        "2026-10-31T18:00:00+08:00",
    ),
    (
        "橙",
        "feed_late",
        "数据未按交换周期报送",
        "gas",
        "燃气",
        "燃气本月未报送公用事业欠费信息",
        "按月报送，应于 2026-10-10 前报送 2026-09 数据，截至 2026-11-01 未收到",
        "通知该部门补报缺失周期的数据，并核查前置库、接口或报送人员的工作状态",
        "2026-10-19T08:00:00+08:00",
    ),
    (
        "黄",
        "rate_level",
        "数据不合格率偏高",
        "power",
        "供电",
        "供电本月数据不合格率 0.39%，达到黄色预警线（0.1%）",
        "报送 1020 条，不合格 4 条",
        "督促该部门按退回通知逐条更正并重新报送，排查源系统的数据录入和导出环节",
        "2026-10-31T18:00:00+08:00",
    ),
    (
        "红",
        "government_debtor",
        "政府机构被列为失信被执行人",
        "court",
        "法院",
        "江阴市某某镇人民政府被列为失信被执行人",
        "案号 (2026)苏0281执456号，江阴市人民法院 2026-10-15 公布，统一社会信用代码 11320281MB1234567X",
        "立即报告信用办负责人，通知该单位及其主管部门限期履行生效法律文书确定的义务，推动移出失信名单（考核扣3分）",
        "2026-10-16T10:00:00+08:00",
    ),
    (
        "橙",
        "rate_level",
        "数据不合格率偏高",
        "market",
        "市场监管",
        "市场监管本月数据不合格率 0.73%，达到橙色预警线（0.5%）",
        "报送 412 条，不合格 3 条，主要为“统一社会信用代码校验错误”（2 条）",
        "督促该部门按退回通知逐条更正并重新报送，排查源系统的数据录入和导出环节",
        "2026-10-31T18:00:00+08:00",
    ),
    (
        "黄",
        "refusal_overdue",
        "退回记录超期未更正",
        "water",
        "水务",
        "水务有 2 条退回记录超过 10 个工作日未更正",
        "最早一条 2026-10-13 退回，已过 14 个工作日",
        "提醒该部门处理退回通知中的记录，更正后重新报送",
        "2026-10-30T09:00:00+08:00",
    ),
    (
        "红",
        "rate_level",
        "数据不合格率偏高",
        "court",
        "法院",
        "法院本月数据不合格率 1.04%，达到红色预警线（1%）",
        "报送 96 条，不合格 1 条（案号格式错误）",
        "督促该部门按退回通知逐条更正并重新报送，排查源系统的数据录入和导出环节",
        "2026-10-31T18:00:00+08:00",
    ),
    (
        "黄",
        "refusal_overdue",
        "退回记录超期未更正",
        "court",
        "法院",
        "法院有 1 条退回记录超过 10 个工作日未更正",
        "2026-10-14 退回（失信被执行人信息），已过 12 个工作日",
        "提醒该部门处理退回通知中的记录，更正后重新报送",
        "2026-10-30T09:00:00+08:00",
    ),
]


def _score(deductions: dict, missing_ytd: list, received: int, rejected: int) -> dict:
    """The score sheet as reporting.scores.department_score shapes it."""
    rate = f"{rejected * 100 / received:.2f}%" if received else "—"
    evidence = {
        "coverage": "应报信息类别均已提供（含零报告）" if not missing_ytd else "未提供：" + "、".join(missing_ytd),
        "timeliness": "2026-10-12～2026-10-18（未报送）" if deductions["timeliness"] else "本年到期各期均按时报送",
        "conformity": f"本年报送 {received} 条，不合格 {rejected} 条，不合格率 {rate}",
    }
    items = [
        {
            "item": title,
            "points": points,
            "scored": True,
            "month": {"deduction": 0, "evidence": evidence[key]},
            "ytd": {"deduction": deductions[key], "evidence": evidence[key]},
            "score": points - deductions[key],
        }
        for key, title, points in (
            ("coverage", "信息覆盖率", 7),
            ("timeliness", "信息时效性", 5),
            ("conformity", "信息规范性", 5),
        )
    ]
    said = "信用办未记录扣分；本年双公示记录 120 条，超过7个工作日才公示 2 条，按时公示率 98.33%"
    items += [
        {
            "item": "双公示信息报送",
            "points": 4,
            "scored": True,
            "month": {"deduction": 0, "evidence": said},
            "ytd": {"deduction": 0, "evidence": said},
            "score": 4,
        },
        {"item": "异议处理", "points": 4, "scored": False, "evidence": "异议台账尚未接入本系统，由信用办评定"},
    ]
    ytd = sum(i["ytd"]["deduction"] for i in items if i["scored"])
    return {"items": items, "scored_points": 21, "month_deduction": 0, "ytd_deduction": ytd, "ytd_score": 21 - ytd}


def sample_model() -> dict:
    """The October 2026 report of 江阴市, consistent within itself (the summary adds up)."""
    rng = random.Random(20261031)
    departments = []
    for dept_id, name, short, (batches, received, rejected, hints), (ytd_rec, ytd_rej) in _DEPARTMENTS:
        deductions = dict(_DEDUCTIONS[dept_id])
        deductions["total"] = sum(deductions.values())
        open_, corrected, oldest, over = _REFUSALS[dept_id]
        due, late, ytd_late = _TIMELINESS[dept_id]
        required, missing_month, missing_ytd = _COVERAGE[dept_id]
        departments.append(
            {
                "department_id": dept_id,
                "name": name,
                "short_name": short,
                "rank": None,
                "month": {
                    "batches": batches,
                    "received": received,
                    "accepted": received - rejected,
                    "rejected": rejected,
                    "rate_pct": _rate(rejected, received),
                    "warning_count": hints,
                },
                "ytd": {
                    "received": ytd_rec + received,
                    "rejected": ytd_rej + rejected,
                    "rate_pct": _rate(ytd_rej + rejected, ytd_rec + received),
                },
                "deductions": deductions,
                "timeliness": {"items_due": due, "items_late": late, "ytd_items_late": ytd_late},
                "coverage": {"required": required, "missing_month": missing_month, "missing_ytd": missing_ytd},
                "publication_late": _PUBLICATION_LATE[dept_id],
                "refusals": {"open": open_, "corrected": corrected, "oldest_working_days": oldest, "over_limit": over},
                "score": _score(deductions, missing_ytd, ytd_rec + received, ytd_rej + rejected),
            }
        )
    # Rank 1 = the highest year-to-date score; then the lowest month rate.
    departments.sort(
        key=lambda d: (-d["score"]["ytd_score"], d["month"]["rate_pct"] is None, d["month"]["rate_pct"] or 0)
    )
    for rank, dept in enumerate(departments, 1):
        dept["rank"] = rank

    received = sum(d["month"]["received"] for d in departments)
    rejected = sum(d["month"]["rejected"] for d in departments)
    warnings = [
        {
            "level": lv,
            "rule_id": rid,
            "rule_title": rtitle,
            "department_id": did,
            "department": dname,
            "title": title,
            "evidence": evidence,
            "action": action,
            "raised_at": raised,
        }
        for lv, rid, rtitle, did, dname, title, evidence, action, raised in _WARNINGS
    ]
    summary = {
        "received": received,
        "accepted": received - rejected,
        "rejected": rejected,
        "rate_pct": _rate(rejected, received),
    }
    for level in ("红", "橙", "黄"):
        summary[f"warnings_{level}"] = sum(1 for w in warnings if w["level"] == level)
    summary["departments"] = len(departments)
    summary["batches"] = sum(d["month"]["batches"] for d in departments)

    return {
        "county": "江阴市",
        "credit_office": "江阴市社会信用体系建设领导小组办公室（信用办）",
        "month": "2026-10",
        "month_label": "2026年10月",
        "as_of": "2026-11-01",
        "generated_at": "2026-11-01T01:00:05+08:00",
        "calendar_statement": "2027 年的法定节假日尚未公布：跨年的工作日暂按周一至周五计算，公布后将重新计算。",
        "assessment": {
            "conformity_bands": "低于0.1%不扣分；0.1%（含）至0.5%扣1分；0.5%（含）至1%扣2分；超过1%每增加1个百分点加扣1分，扣完为止",
            "timeliness": "未按约定交换周期报送的，每超期5个工作日以上一项扣1分，最多扣5分",
            "coverage": "应报送的信息类别全年无报送的，每类扣2分，最多扣7分",
            "government_debtor": "乡镇政府及其所属机构、村（居）民委员会被列为失信被执行人的，扣3分",
            "rate_levels": [
                {"at_least_pct": 1.0, "level": "红"},
                {"at_least_pct": 0.5, "level": "橙"},
                {"at_least_pct": 0.1, "level": "黄"},
            ],
        },
        "summary": summary,
        "departments": departments,
        "rules": [
            {
                "department_id": "market",
                "short_name": "市场监管",
                "rule": "uscc_invalid",
                "rule_label": "统一社会信用代码校验错误",
                "severity": "error",
                "count": 2,
            },
            {
                "department_id": "market",
                "short_name": "市场监管",
                "rule": "doc_no_format",
                "rule_label": "文号格式错误",
                "severity": "error",
                "count": 1,
            },
            {
                "department_id": "market",
                "short_name": "市场监管",
                "rule": "late_publication",
                "rule_label": "双公示超过7个工作日报送（提示）",
                "severity": "warning",
                "count": 2,
            },
            {
                "department_id": "market",
                "short_name": "市场监管",
                "rule": "uscc_org_code",
                "rule_label": "统一社会信用代码内嵌组织机构代码校验（提示）",
                "severity": "warning",
                "count": 10,
            },
            {
                "department_id": "police",
                "short_name": "公安",
                "rule": "resident_id_invalid",
                "rule_label": "身份证号码校验错误",
                "severity": "error",
                "count": 1,
            },
            {
                "department_id": "police",
                "short_name": "公安",
                "rule": "date_in_future",
                "rule_label": "日期晚于报送日期",
                "severity": "error",
                "count": 1,
            },
            {
                "department_id": "police",
                "short_name": "公安",
                "rule": "late_publication",
                "rule_label": "双公示超过7个工作日报送（提示）",
                "severity": "warning",
                "count": 5,
            },
            {
                "department_id": "court",
                "short_name": "法院",
                "rule": "case_no_format",
                "rule_label": "案号格式错误",
                "severity": "error",
                "count": 1,
            },
            {
                "department_id": "power",
                "short_name": "供电",
                "rule": "required",
                "rule_label": "必填项缺失",
                "severity": "error",
                "count": 3,
            },
            {
                "department_id": "power",
                "short_name": "供电",
                "rule": "stray_whitespace",
                "rule_label": "含多余空白或换行",
                "severity": "error",
                "count": 1,
            },
            {
                "department_id": "power",
                "short_name": "供电",
                "rule": "uscc_org_code",
                "rule_label": "统一社会信用代码内嵌组织机构代码校验（提示）",
                "severity": "warning",
                "count": 3,
            },
            {
                "department_id": "water",
                "short_name": "水务",
                "rule": "amount_invalid",
                "rule_label": "金额格式错误",
                "severity": "error",
                "count": 12,
            },
            {
                "department_id": "water",
                "short_name": "水务",
                "rule": "required",
                "rule_label": "必填项缺失",
                "severity": "error",
                "count": 5,
            },
            {
                "department_id": "water",
                "short_name": "水务",
                "rule": "uscc_invalid",
                "rule_label": "统一社会信用代码校验错误",
                "severity": "error",
                "count": 3,
            },
            {
                "department_id": "water",
                "short_name": "水务",
                "rule": "uscc_org_code",
                "rule_label": "统一社会信用代码内嵌组织机构代码校验（提示）",
                "severity": "warning",
                "count": 7,
            },
        ],
        "timeliness_items": [
            {
                "department": "市场监管",
                "dataset": "行政处罚信息（双公示）",
                "cycle": "每周",
                "period": "2026-10-12～2026-10-18",
                "due": "2026-10-18",
                "delivered": "2026-10-27",
                "working_days_late": 6,
                "late": True,
            },
            {
                "department": "市场监管",
                "dataset": "行政许可信息（双公示）",
                "cycle": "每周",
                "period": "2026-10-19～2026-10-25",
                "due": "2026-10-25",
                "delivered": "2026-10-26",
                "working_days_late": 1,
                "late": False,
            },
            {
                "department": "水务",
                "dataset": "公用事业欠费信息（供电、水务、燃气）",
                "cycle": "每月",
                "period": "2026-09",
                "due": "2026-10-10",
                "delivered": "2026-10-20",
                "working_days_late": 6,
                "late": True,
            },
            {
                "department": "燃气",
                "dataset": "公用事业欠费信息（供电、水务、燃气）",
                "cycle": "每月",
                "period": "2026-09",
                "due": "2026-10-10",
                "delivered": None,
                "working_days_late": None,
                "late": True,
            },
        ],
        "coverage_gaps": [
            {"department": "燃气", "dataset": "公用事业欠费信息（供电、水务、燃气）", "scope": "本月"},
        ],
        "publication_late": [
            {
                "department": "市场监管",
                "dataset": "行政处罚信息（双公示）",
                "record_key": "江市监罚〔2026〕123号",
                "party": "张*",
                "decision_date": "2026-10-02",
                "published": "2026-10-20",
                "message": "决定后第10个工作日公示，超过7个工作日",
            },
            {
                "department": "市场监管",
                "dataset": "行政许可信息（双公示）",
                "record_key": "江市监许〔2026〕2087号",
                "party": "江阴市某某餐饮有限公司",
                "decision_date": "2026-10-09",
                "published": "2026-10-22",
                "message": "决定后第9个工作日公示，超过7个工作日",
            },
            {
                "department": "公安",
                "dataset": "公安行政处罚信息（交通、消防）",
                "record_key": "澄公（交）行罚决字〔2026〕4512号",
                "party": "李**",
                "decision_date": "2026-10-10",
                "published": "2026-10-23",
                "message": "决定后第9个工作日公示，超过7个工作日",
            },
        ],
        "open_refusals": [
            {
                "department": "法院",
                "dataset": "失信被执行人信息",
                "file_name": "dishonest_debtor_api_20261014093000.jsonl",
                "source_row": 17,
                "record_key": "(2026)苏0281执123号|320281********1234",
                "delivered_at": "2026-10-14T09:30:00+08:00",
                "age_working_days": 12,
                "over_limit": True,
            },
            {
                "department": "市场监管",
                "dataset": "行政许可信息（双公示）",
                "file_name": "行政许可_20261014.xlsx",
                "source_row": 208,
                "record_key": "江市监许〔2026〕1988号",
                "delivered_at": "2026-10-14T16:02:11+08:00",
                "age_working_days": 12,
                "over_limit": True,
            },
            {
                "department": "市场监管",
                "dataset": "行政处罚信息（双公示）",
                "file_name": "行政处罚_20261027.csv",
                "source_row": 3,
                "record_key": "江市监罚〔2026〕131号",
                "delivered_at": "2026-10-27T10:15:00+08:00",
                "age_working_days": 4,
                "over_limit": False,
            },
            {
                "department": "市场监管",
                "dataset": "行政处罚信息（双公示）",
                "file_name": "行政处罚_20261027.csv",
                "source_row": 9,
                "record_key": "江市监罚〔2026〕135号",
                "delivered_at": "2026-10-27T10:15:00+08:00",
                "age_working_days": 4,
                "over_limit": False,
            },
            # A clerk's spreadsheet had a formula where the account number belongs.
            {
                "department": "水务",
                "dataset": "公用事业欠费信息（供电、水务、燃气）",
                "file_name": "water_arrears_202609.xlsx",
                "source_row": 45,
                "record_key": "=VLOOKUP(A2,Sheet2!A:B,2,0)",
                "delivered_at": "2026-10-13T11:20:00+08:00",
                "age_working_days": 14,
                "over_limit": True,
            },
            {
                "department": "水务",
                "dataset": "公用事业欠费信息（供电、水务、燃气）",
                "file_name": "water_arrears_202609.xlsx",
                "source_row": 46,
                "record_key": "0510-8612****",
                "delivered_at": "2026-10-13T11:20:00+08:00",
                "age_working_days": 14,
                "over_limit": True,
            },
            {
                "department": "供电",
                "dataset": "公用事业欠费信息（供电、水务、燃气）",
                "file_name": "power_arrears_202609.csv",
                "source_row": 1187,
                "record_key": "3202810045****",
                "delivered_at": "2026-10-26T08:40:00+08:00",
                "age_working_days": 5,
                "over_limit": False,
            },
        ],
        "townships": {
            "register_size": 105,
            "bodies": [
                {
                    "township": "华士镇",
                    "name": "江阴市华士镇人民政府",
                    "kind": "镇人民政府",
                    "credit_code": "11320281MB1234567X",
                },
                {
                    "township": "华士镇",
                    "name": "江阴市华士镇便民服务中心",
                    "kind": "事业单位",
                    "credit_code": "12320281MB0000001X",
                },
                {
                    "township": "澄江街道",
                    "name": "江阴市人民政府澄江街道办事处",
                    "kind": "街道办事处",
                    "credit_code": "11320281MB0000002X",
                },
            ],
            "points": 3,
            "rows": [
                {
                    "township": "华士镇",
                    "bodies": 7,
                    "newly_listed": 1,
                    "still_listed": 0,
                    "removed": 0,
                    "longest_days": 16,
                    "deduction": 3,
                    "arrears_amount": 18650.4,
                    "arrears_previous": 21030.0,
                    "arrears_cleared": 1,
                    "arrears_grown": 0,
                    "penalties": 1,
                    "issued": 4,
                    "published_late": 1,
                    "on_time_pct": 75.0,
                    "responses_overdue": 0,
                    "commitments": 2,
                    "commitments_failed": 1,
                    "composite": 45,
                    "rank": 2,
                },
                {
                    "township": "澄江街道",
                    "bodies": 5,
                    "newly_listed": 0,
                    "still_listed": 0,
                    "removed": 0,
                    "longest_days": 0,
                    "deduction": 0,
                    "arrears_amount": 0,
                    "arrears_previous": 0,
                    "arrears_cleared": 0,
                    "arrears_grown": 0,
                    "penalties": 0,
                    "issued": 0,
                    "published_late": 0,
                    "on_time_pct": None,
                    "responses_overdue": 0,
                    "commitments": 1,
                    "commitments_failed": 0,
                    "composite": 100,
                    "rank": 1,
                },
            ],
            "arrears": [
                {
                    "township": "华士镇",
                    "name": "江阴市华士镇便民服务中心",
                    "provider": "江阴市水务集团有限公司",
                    "account": "SW0012345",
                    "amount": 18650.4,
                    "previous": 21030.0,
                    "months_overdue": "4",
                    "status": "减少",
                },
            ],
            "penalties": [
                {
                    "township": "华士镇",
                    "name": "江阴市华士镇社区卫生服务中心",
                    "dataset": "行政处罚信息（双公示）",
                    "doc": "澄市监处罚〔2026〕1021号",
                    "date": "2026-10-09",
                    "authority": "江阴市市场监督管理局",
                    "late": False,
                },
            ],
            "publications": [
                {
                    "township": "华士镇",
                    "name": "江阴市华士镇人民政府",
                    "dataset": "行政许可信息（双公示）",
                    "doc": "华政许〔2026〕88号",
                    "date": "2026-09-18",
                    "authority": None,
                    "late": True,
                },
            ],
            "events": [
                {
                    "township": "华士镇",
                    "name": "江阴市华士镇人民政府",
                    "kind": "机关",
                    "credit_code": "11320281MB1234567X",
                    "case_no": "(2026)苏0281执456号",
                    "court_name": "江阴市人民法院",
                    "published_date": "2026-10-15",
                    "status": "新列入",
                    "listed_since": "2026-10-16",
                    "days_on_list": 16,
                    "attributed_by": "统一社会信用代码",
                    "responded_on": "2026-10-23",
                    "measures": "已筹措资金，与申请执行人达成分期履行协议",
                    "expected_on": "2026-12-31",
                    "waited_working_days": None,
                    "response_overdue": False,
                    "response_late": False,
                    "withdrawn_on": None,
                    "removed_how": None,
                },
            ],
            "commitments": [
                {
                    "number": "HS-2026-03",
                    "township": "华士镇",
                    "matter": "企业开办1个工作日内办结",
                    "kind": "服务承诺",
                    "made_on": "2026-01-15",
                    "due_on": "2026-09-30",
                    "kept_on": None,
                    "status": "逾期未兑现",
                    "failed": True,
                },
            ],
            "composite_text": "政务诚信建设指数 = 100 − …，最低为0。",
            "response_within": 10,
            "unattributed": [],
        },
        "warnings": warnings,
        "trend": _trend(rng),
    }


def quiet_model() -> dict:
    """The month before: the same departments, nothing to warn about and every detail list
    empty (the report must say 本月无。 rather than show empty tables)."""
    model = copy.deepcopy(sample_model())
    model.update(
        month="2026-09",
        month_label="2026年9月",
        as_of="2026-10-01",
        generated_at="2026-10-01T01:00:04+08:00",
        calendar_statement=None,
    )
    for key in (
        "rules",
        "timeliness_items",
        "coverage_gaps",
        "publication_late",
        "open_refusals",
        "warnings",
    ):
        model[key] = []
    quiet = {"newly_listed": 0, "still_listed": 0, "removed": 0, "longest_days": 0, "deduction": 0}
    quiet |= {"arrears_amount": 0, "arrears_previous": 0, "arrears_cleared": 0, "arrears_grown": 0}
    quiet |= {"penalties": 0, "issued": 0, "published_late": 0, "on_time_pct": None}
    quiet |= {"responses_overdue": 0, "commitments_failed": 0, "composite": 100, "rank": 1}
    rows = [{**r, **quiet} for r in model["townships"]["rows"]]
    model["townships"] = {
        **model["townships"],
        "rows": rows,
        "events": [],
        "unattributed": [],
        "arrears": [],
        "penalties": [],
        "publications": [],
        "commitments": [],
    }
    for level in ("红", "橙", "黄"):
        model["summary"][f"warnings_{level}"] = 0
    model["trend"]["months"] = ["2025-10"] + MONTHS[:-1]
    for rows in model["trend"]["series"].values():
        for values in rows.values():
            values.insert(0, values[0])
            values.pop()
    return model
