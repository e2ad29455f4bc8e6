"""本月需处理: the few things someone must act on now, in a box at the top of the report —
red and orange warnings, overdue objections, refusals past their correction deadline,
townships with a body newly on the court's list — each one line saying what, who acts, by
when, and linking to the section that holds the detail.

Read from the report model alone (its warnings, open refusals and the townships' events, all
built from ``MonthFacts``): no query, so the page, the PDF and a month read back from its
report.json say the same, and nothing personal appears that the model does not already mask.

Why 本月需处理 and not 今日需办: the report is a monthly paper, published the day after its
month ends and read, forwarded and printed over the days after; "today" would be wrong from
its second day. What it lists is due within the month it is read in: at once (red, or a
deadline already passed), or before that month ends (orange), when the next report's
figures close."""

from __future__ import annotations

import datetime as dt

from creditpipe.core.labels import LEVELS
from creditpipe.core.months import month_end
from creditpipe.reporting.presentation import refusal_groups, sorted_warnings

TITLE = "本月需处理"
SHOWN = 12  # a short box: the rest are in the warnings' table just below it

# A warning's kind → the section of the page holding its detail (the template's ids).
SECTIONS = {
    "nonconformity_rate": "ranking",
    "rate_rising": "trend",
    "feed_late": "timeliness",
    "government_debtor": "serious-events",
    "refusal_overdue": "refusals",
    "objection_due": "scores",
    "objection_overdue": "scores",
    "event_no_response": "serious-events",
    "commitment_failed": "commitments",
    "arrears_grown": "arrears",
    "township_penalised": "township-penalties",
}
SECTION_NAMES = {
    "warnings": "预警",
    "serious-events": "严重失信事件",
    "arrears": "清欠进度",
    "township-penalties": "所属单位受到的行政处罚",
    "commitments": "守信践诺",
    "ranking": "部门排名",
    "scores": "考核得分",
    "trend": "趋势",
    "timeliness": "时效性明细",
    "refusals": "退回未更正",
}
# Kinds raised only once a deadline has passed: to be acted on at once, whatever the level.
PAST_DEADLINE = {"feed_late", "refusal_overdue", "objection_overdue", "event_no_response", "commitment_failed"}


def deadline(model: dict) -> str:
    """The last day of the month the report is read in (the month of its day judged)."""
    as_of = dt.date.fromisoformat(model["as_of"][:10])
    return month_end(as_of.strftime("%Y-%m")).isoformat()


def _kind(w: dict) -> str:
    return w.get("kind") or w.get("rule_id") or ""


def _line(level: str | None, what: str, who: str, by: str, section: str, anchor: str | None = None) -> dict:
    return {
        "level": level,
        "what": what,
        "who": who,
        "by": by,
        "href": f"#{anchor or section}",
        "section": SECTION_NAMES.get(section, section),
    }


def _response(e: dict, within: int) -> str:
    """What the township owes on an event: its written response (政府反馈), and by when."""
    if e.get("responded_on"):
        return f"已于 {e['responded_on']} 书面反馈"
    if e.get("response_overdue"):
        return f"书面反馈已超期（已 {e.get('waited_working_days')} 个工作日）"
    if e.get("respond_by"):
        return f"{e['respond_by']} 前书面反馈"
    return f"{max(0, within - (e.get('waited_working_days') or 0))} 个工作日内书面反馈"


def _new_events(model: dict, warnings: list[dict]) -> list[dict]:
    """A line per township with a body newly listed as a dishonest judgment debtor."""
    tw = model.get("townships") or {}
    events = tw.get("events") or []
    within = int(tw.get("response_within") or 10)
    new: dict[str, list[dict]] = {}
    for e in events:
        if e.get("status") == "新列入" and e.get("township"):
            new.setdefault(e["township"], []).append(e)
    out = []
    for township, listed in new.items():
        levels = [w["level"] for w in warnings if _kind(w) == "government_debtor" and w.get("township") == township]
        still = sum(1 for e in events if e.get("township") == township and e.get("status") == "仍在列")
        what = f"{township}：所属单位新列入失信被执行人 {len(listed)} 个（{'、'.join(e['name'] for e in listed)}）"
        what += f"，另有仍在列 {still} 个" if still else ""
        by = "立即督促履行、推动移出名单；" + "；".join(_response(e, within) for e in listed)
        level = min(levels, key=LEVELS.index) if levels else "红"
        out.append(_line(level, what, township, by, "serious-events"))
    return out


def _refusals(model: dict) -> list[dict]:
    """A line per department with refusals left uncorrected past the correction deadline, in
    the order of 退回未更正's groups, linked to the department's group."""
    return [
        _line(
            None,
            f"{g['department']}：{g['over_limit']} 条退回记录已过整改时限仍未更正"
            f"（最久 {max(r['age_working_days'] or 0 for _, r in g['rows'])} 个工作日）",
            g["department"],
            "立即更正并重新报送",
            "refusals",
            f"refusals-{g['department']}",
        )
        for g in refusal_groups(model)
        if g["over_limit"]
    ]


def _once(lines: list[dict]) -> list[dict]:
    """Lines that would read the same (one rule on two of a department's sources, say) said
    once, with how many: the detail is one click away."""
    counted: dict[tuple, list] = {}
    for line in lines:
        counted.setdefault(tuple(line.values()), [line, 0])[1] += 1
    return [{**line, "what": line["what"] + (f"（{n} 项）" if n > 1 else "")} for line, n in counted.values()]


def to_handle(model: dict) -> dict:
    """The box: {title, deadline, lines (at most SHOWN), more (how many not shown)}. Each
    line: level (红/橙, or None for a refusal past its deadline), what, who acts, by when,
    the section's link and name. Red first, then orange, then the refusals."""
    warnings = sorted_warnings(model)
    events = _new_events(model, warnings)
    towns = {line["who"] for line in events}
    by = deadline(model)
    lines = []
    for w in warnings:
        kind = _kind(w)
        if kind == "refusal_overdue":
            continue  # said per department below, from the refusals themselves
        if kind in ("government_debtor", "event_no_response") and w.get("township") in towns:
            continue  # said in the township's line
        if w["level"] not in ("红", "橙") and kind != "objection_overdue":
            continue
        when = (
            "立即"
            if w["level"] == "红"
            else "立即（已过期限）"
            if kind in PAST_DEADLINE
            else f"{by} 前整改（下期月报按此日复核）"
        )
        who = w.get("department") or ""
        if kind == "government_debtor" and not w.get("township"):
            who = "信用办（查明所属镇街园区，补充登记）"  # filed under the court only for want of a township
        lines.append(_line(w["level"], w["title"], who, when, SECTIONS.get(kind, "warnings")))
    lines = _once(lines) + events
    lines.sort(key=lambda line: LEVELS.index(line["level"]))
    lines += _refusals(model)
    return {"title": TITLE, "deadline": by, "lines": lines[:SHOWN], "more": max(0, len(lines) - SHOWN)}
