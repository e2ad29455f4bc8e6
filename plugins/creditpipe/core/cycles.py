"""Exchange cycles: which deliveries a dataset owes in a month, when each is due, and
which came late (seed 002: an item late by more than 5 working days costs a point)."""

from __future__ import annotations

import datetime as dt
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


@dataclass(frozen=True)
class Item:
    period: Period
    delivered: dt.date | None  # the first delivery made after the period began
    working_days_late: int | None  # None: not delivered (as of the check)

    def is_late(self, allowed: int) -> bool:
        return self.working_days_late is None or self.working_days_late > allowed


def timeliness(
    cycle: str,
    month: str,
    deliveries: list[dt.date],
    calendar: WorkingCalendar,
    as_of: dt.date,
    allowed: int = 5,
    since: dt.date | None = None,
) -> list[Item]:
    """For each period of the month, the first delivery not yet counted for an earlier
    period that came on or after its start, and how many working days after the period's
    end it came. Periods not yet due at ``as_of`` are left out: still open, or undelivered
    but within their ``allowed`` working days, and periods that ended before ``since``
    (the exchange had not begun)."""
    days = sorted(d for d in deliveries if d <= as_of)
    items = []
    used = 0
    for period in periods(cycle, month, calendar):
        if period.end >= as_of or (since is not None and period.end < since):
            continue
        while used < len(days) and days[used] < period.start:
            used += 1
        delivered = days[used] if used < len(days) else None
        if delivered is None and calendar.add_working_days(period.end, allowed) >= as_of:
            continue  # pending: it may still come in time
        if delivered is not None:
            used += 1
        late = None if delivered is None else calendar.working_days_between(period.end, delivered)
        items.append(Item(period, delivered, late))
    return items


def due_in(
    cycle: str,
    month: str,
    deliveries: list[dt.date],
    calendar: WorkingCalendar,
    as_of: dt.date,
    allowed: int = 5,
    since: dt.date | None = None,
) -> list[Item]:
    """The exchange periods whose deadline (the period's end + ``allowed`` working days)
    falls in the month, each judged as ``timeliness`` judges it. A month's report is about
    what fell due in it: a monthly delivery for September, due in October, is October's
    item; one for October, due in November, is November's."""

    def deadline(item: Item) -> dt.date:
        return calendar.add_working_days(item.period.end, allowed)

    # Deliveries are matched to periods in order over both months, so a delivery counted
    # for a September period is not counted again for an October one.
    earlier = timeliness(cycle, previous_month(month), deliveries, calendar, as_of, allowed, since)
    used = {i.delivered for i in earlier if i.delivered is not None}
    rest = [d for d in deliveries if d not in used]
    current = timeliness(cycle, month, rest, calendar, as_of, allowed, since)
    return [i for i in earlier + current if deadline(i).strftime("%Y-%m") == month]
