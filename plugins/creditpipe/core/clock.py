"""The county's clock. Its time zone is the catalog's ``county.timezone``: every moment
the pipeline stamps, compares or shows is in it."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo


def county_tz(catalog=None) -> ZoneInfo:
    """The county's time zone (the catalog's, the one in dags/catalog.yml by default)."""
    if catalog is None:
        from creditpipe.core.catalog import load_catalog

        catalog = load_catalog()
    return _zone(catalog.timezone)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def county_time(moment: dt.datetime) -> dt.datetime:
    """A moment in county time; a naive one is taken to be UTC (as Airflow gives them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(county_tz())


def county_now() -> dt.datetime:
    return dt.datetime.now(county_tz())


def file_time(path) -> dt.datetime:
    """When a file was last written (a link itself, never what it points to), in county time."""
    import os

    return dt.datetime.fromtimestamp(os.lstat(path).st_mtime, county_tz())


def first_run_after(schedule: str, moment: dt.datetime) -> dt.datetime:
    """The first moment after ``moment`` that a cron schedule (or Airflow's @daily, @weekly,
    @monthly) fires, in county time: when the real scheduler runs a DAG for a period that
    ends at ``moment``. croniter is what Airflow's own cron timetables use."""
    from croniter import croniter

    return croniter(schedule, county_time(moment)).get_next(dt.datetime)


def start_of_day(day: dt.date) -> str:
    """The first moment of a county day, as an ISO timestamp with its offset."""
    return dt.datetime.combine(day, dt.time(), county_tz()).isoformat()


def county_day(stamps):
    """A change time's day in county time (a pandas Series of text): 2026-10-09T10:00:00
    (county time, as the front-end databases give it) is the 9th; 2026-10-08T20:00:00Z is
    the 9th too. Days pass as they are."""
    import pandas as pd

    text = stamps.astype("string").str.strip()
    if text.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fillna(True).all():  # days already
        return text
    day = text.str.slice(0, 10)
    zoned = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).fillna(False).astype(bool)
    if zoned.any():
        moments = pd.to_datetime(text[zoned], utc=True, errors="coerce", format="ISO8601")
        local = moments.dt.tz_convert(str(county_tz())).dt.strftime("%Y-%m-%d")
        day = day.astype(object)
        day[zoned] = local.where(moments.notna(), day[zoned])
    return day
