"""Working days in China: weekends, official holidays and make-up working days (调休).

The official schedule comes from the maintained ``chinesecalendar`` library, which knows a
year only once the State Council has announced it (late in the year before). For a year
it does not know, an operator may add the official days to the catalog
(``calendar.overrides``); failing that, weekends alone are used and every output that
depends on it says so (``WorkingCalendar.assumed_years``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache


@dataclass
class WorkingCalendar:
    # {year: {"holidays": [dates], "workdays": [dates]}} for years the library does not know.
    overrides: dict = field(default_factory=dict)
    assumed_years: set[int] = field(default_factory=set)  # years judged by weekends alone

    @classmethod
    def from_catalog(cls, catalog) -> WorkingCalendar:
        raw = (getattr(catalog, "calendar", None) or {}).get("overrides") or {}
        overrides = {
            int(year): {
                "holidays": {_day(d) for d in (days or {}).get("holidays", [])},
                "workdays": {_day(d) for d in (days or {}).get("workdays", [])},
            }
            for year, days in raw.items()
        }
        return cls(overrides)

    def is_official(self, year: int) -> bool:
        """Whether the year's official schedule is known (library or operator)."""
        return year in self.overrides or _library_knows(year)

    def is_working_day(self, day: dt.date) -> bool:
        if not self.is_official(day.year):
            self.assumed_years.add(day.year)
        return self._working(day)

    def _working(self, day: dt.date) -> bool:
        if day.year in self.overrides:
            o = self.overrides[day.year]
            if day in o["holidays"]:
                return False
            if day in o["workdays"]:
                return True
            return day.weekday() < 5
        if _library_knows(day.year):
            return _library_workday(day)
        return day.weekday() < 5

    def working_days_between_many(self, starts, ends):
        """``working_days_between`` of many pairs at once: ``starts`` and ``ends`` are day
        numbers (days since 1970-01-01, numpy int64); one pass over the days they span, and
        a running count, instead of a walk per pair."""
        import numpy as np

        starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
        out = np.zeros(len(starts), dtype=np.int64)
        spans = ends > starts
        if not spans.any():
            return out
        lo, hi = int(starts[spans].min()), int(ends[spans].max())
        epoch = dt.date(1970, 1, 1)
        first = epoch + dt.timedelta(days=lo + 1)
        working = np.fromiter(
            (self._working(first + dt.timedelta(days=k)) for k in range(hi - lo)), dtype=bool, count=hi - lo
        )
        running = np.concatenate([[0], np.cumsum(working)])  # running[k]: working days in (lo, lo + k]
        out[spans] = running[ends[spans] - lo] - running[starts[spans] - lo]
        # The years a day-by-day count would have judged by weekends alone.
        for year in range(first.year, (epoch + dt.timedelta(days=hi)).year + 1):
            if not self.is_official(year):
                y0, y1 = (dt.date(year, 1, 1) - epoch).days, (dt.date(year, 12, 31) - epoch).days
                if (spans & (starts < y1) & (ends >= y0)).any():
                    self.assumed_years.add(year)
        return out

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day``."""
        while n > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; 0 when end is not after start."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def statement(self) -> str | None:
        """What outputs must say when a year was judged without its official schedule."""
        if not self.assumed_years:
            return None
        years = "、".join(str(y) for y in sorted(self.assumed_years))
        return (
            f"{years} 年的法定节假日与调休安排尚未公布（或未录入），工作日暂按周一至周五计算；"
            "公布后请在 dags/catalog.yml 的 calendar.overrides 中录入并重算。"
        )


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@cache
def _library_knows(year: int) -> bool:
    import chinese_calendar

    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


# The library validates its tables on every call; a day's answer never changes.
@cache
def _library_workday(day: dt.date) -> bool:
    import chinese_calendar

    return chinese_calendar.is_workday(day)
