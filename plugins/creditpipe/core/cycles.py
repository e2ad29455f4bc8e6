"""Exchange cycles: which deliveries a dataset owes in a month, when each is due, and
which came late (seed 002: an item late by 5 working days or more costs a point)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from creditpipe.core.months import month_bounds, previous_month
from creditpipe.core.workdays import WorkingCalendar


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # the period's last day: its delivery is due by the end of that day

    @property
    def label(self) -> str:
        return self.start.isoformat() if self.start == self.end else f"{self.start}～{self.end}"


def periods(cycle: str, month: str, calendar: WorkingCalendar | None = None) -> list[Period]:
    """The periods whose delivery falls due in the month: every day (daily; only working
    days when a calendar is given: nothing is exchanged on a holiday), every week
    Monday–Sunday ending in the month (weekly), or the month itself (monthly)."""
    first, last = month_bounds(month)
    if cycle == "monthly":
        return [Period(first, last)]
    if cycle == "daily":
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        return [Period(d, d) for d in days if calendar is None or calendar.is_working_day(d)]
    if cycle == "weekly":
        out, day = [], first
        while day <= last:
            if day.weekday() == 6:  # Sunday ends an ISO week
                out.append(Period(day - dt.timedelta(days=6), day))
            day += dt.timedelta(days=1)
        return out
    raise ValueError(f"未知交换周期 {cycle!r}")


def period_of(cycle: str, day: dt.date) -> Period:
    """The exchange period that holds ``day``: the day, its Monday–Sunday week, or its month."""
    if cycle == "daily":
        return Period(day, day)
    if cycle == "weekly":
        monday = day - dt.timedelta(days=day.weekday())
        return Period(monday, monday + dt.timedelta(days=6))
    if cycle == "monthly":
        return Period(*month_bounds(day.strftime("%Y-%m")))
    raise ValueError(f"未知交换周期 {cycle!r}")


def reported_period(cycle: str, day: dt.date) -> Period:
    """The period a delivery made on ``day`` reports when nothing in it says which: the
    latest period that has ended by the end of that day (a weekly file sent on Monday
    reports the week before; a daily one, its own day; a monthly one, the month before)."""
    period = period_of(cycle, day)
    return period if period.end == day else period_of(cycle, period.start - dt.timedelta(days=1))


# A period in a file's name, as departments name their drops: a day (行政处罚_2026-10-18.csv,
# 20261018), or a month (2026年10月, 2026-10) when no day is given.
_NAMED_DAY = re.compile(r"(?<!\d)(20\d{2})[-_.年]?(0[1-9]|1[0-2])[-_.月]?(0[1-9]|[12]\d|3[01])(?!\d)")
_NAMED_MONTH = re.compile(r"(?<!\d)(20\d{2})(?:[-_.](0[1-9]|1[0-2])|年(0?[1-9]|1[0-2])月)(?!\d)")


def named_period(cycle: str, file_name: str, delivered: dt.date) -> Period | None:
    """The period a file's name gives (the cycle's period holding the day it names, or the
    month it names), when that period has ended by the day it was delivered; else None."""
    day = _NAMED_DAY.search(file_name)
    if day:
        try:
            period = period_of(cycle, dt.date(int(day[1]), int(day[2]), int(day[3])))
        except ValueError:
            period = None
    else:
        month = _NAMED_MONTH.search(file_name)
        period = Period(*month_bounds(f"{month[1]}-{int(month[2] or month[3]):02d}")) if month else None
    return period if period is not None and period.end <= delivered else None


@dataclass(frozen=True)
class Report:
    """A source's word for the days from ``start`` to ``end``, given on ``day``: its records
    of those days, or a zero report (本期无数据) for them."""

    start: dt.date
    end: dt.date
    day: dt.date

    def reports(self, period: Period) -> bool:
        """Records of a day in the period, or a zero report answering up to its end."""
        if self.start == self.end:
            return period.start <= self.start <= period.end
        return self.start <= period.end <= self.end


@dataclass(frozen=True)
class Item:
    period: Period
    delivered: dt.date | None  # the first day the source reported the period
    working_days_late: int | None  # None: not reported (as of the check)

    def is_late(self, late_from: int) -> bool:
        """Seed 002: "每一项延迟5个工作日以上扣1分" — 以上 includes the number itself (Civil
        Code art. 1259), so 5 working days after the period's end is late, 4 is not."""
        return self.working_days_late is None or self.working_days_late >= late_from


def last_day_on_time(period: Period, calendar: WorkingCalendar, late_from: int) -> dt.date:
    """The last day a period can be reported without being late: the (late_from − 1)-th
    working day after its end."""
    return calendar.add_working_days(period.end, late_from - 1)


def timeliness(
    cycle: str,
    month: str,
    reports: list[Report],
    calendar: WorkingCalendar,
    as_of: dt.date,
    late_from: int = 5,
    owed_from: dt.date | None = None,
) -> list[Item]:
    """Each period of the month, judged on its own (每一项 is read as each exchange period of
    the agreed cycle — a day, a week, a month — because the item is about delivering "按交换
    周期"; a record's own lateness is the 双公示 7-day rule's): reported on the first day a
    report covers it, late when that is ``late_from`` or more working days after its end.
    Periods are matched by what the reports cover, never in turn, so a quiet period reported
    as such (or not at all) shifts no other. Left out: periods not over at ``as_of``, not
    reported but still within time, and periods ended before ``owed_from``."""
    known = [r for r in reports if r.day < as_of]
    items = []
    for period in periods(cycle, month, calendar):
        if period.end >= as_of or (owed_from is not None and period.end < owed_from):
            continue
        delivered = min((r.day for r in known if r.reports(period)), default=None)
        if delivered is None and last_day_on_time(period, calendar, late_from) >= as_of:
            continue  # pending: it may still come in time
        late = None if delivered is None else calendar.working_days_between(period.end, delivered)
        items.append(Item(period, delivered, late))
    return items


def due_in(
    cycle: str,
    month: str,
    reports: list[Report],
    calendar: WorkingCalendar,
    as_of: dt.date,
    late_from: int = 5,
    owed_from: dt.date | None = None,
) -> list[Item]:
    """The exchange periods whose last day on time falls in the month, each judged as
    ``timeliness`` judges it. A month's report is about what fell due in it: a monthly
    delivery for September, due in October, is October's item; one for October, November's."""
    items = timeliness(cycle, previous_month(month), reports, calendar, as_of, late_from, owed_from)
    items += timeliness(cycle, month, reports, calendar, as_of, late_from, owed_from)
    return [i for i in items if last_day_on_time(i.period, calendar, late_from).strftime("%Y-%m") == month]
