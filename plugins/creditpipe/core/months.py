"""Months as the pipeline names them ("YYYY-MM"): checked, stepped and bounded once."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_month(month: str) -> str:
    if not isinstance(month, str) or not _MONTH.match(month):
        raise ValueError(f"月份须为 YYYY-MM 格式，收到 {month!r}")
    return month


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """The month's first and last days."""
    year, mon = (int(x) for x in month.split("-"))
    return dt.date(year, mon, 1), dt.date(year, mon, calendar.monthrange(year, mon)[1])


def month_end(month: str) -> dt.date:
    return month_bounds(month)[1]


def previous_month(month: str) -> str:
    year, mon = (int(x) for x in month.split("-"))
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def month_before(day: dt.date) -> str:
    """The month before the one ``day`` is in."""
    return (day.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def month_list(month: str, count: int = 12) -> list[str]:
    """The ``count`` months ending with ``month``, oldest first."""
    out = [month]
    while len(out) < count:
        out.append(previous_month(out[-1]))
    return out[::-1]
