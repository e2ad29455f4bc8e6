"""Working days with the official schedule (调休), and the exchange cycles' lateness."""

import datetime as dt

from creditpipe.core.cycles import periods, timeliness
from creditpipe.core.workdays import WorkingCalendar

D = dt.date


def test_national_day_2026_and_its_make_up_saturday():
    cal = WorkingCalendar()
    assert not cal.is_working_day(D(2026, 10, 1))  # 国庆
    assert not cal.is_working_day(D(2026, 10, 7))
    assert cal.is_working_day(D(2026, 10, 10))  # a Saturday worked in exchange (调休)
    assert cal.is_official(2026) and cal.statement() is None


def test_counting_across_the_holiday():
    cal = WorkingCalendar()
    # 30 September (Wed) + 5 working days: 8, 9, 10 (Sat, 调休), 12, 13 October.
    assert cal.add_working_days(D(2026, 9, 30), 5) == D(2026, 10, 13)
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 10, 13)) == 5
    assert cal.working_days_between(D(2026, 10, 13), D(2026, 10, 13)) == 0


def test_an_unannounced_year_is_said_and_can_be_overridden():
    cal = WorkingCalendar()
    assert not cal.is_official(2099)
    assert cal.is_working_day(D(2099, 1, 1)) is True  # a Thursday: weekends only
    assert "2099" in cal.statement() and "calendar.overrides" in cal.statement()

    class Catalog:
        calendar = {"overrides": {2099: {"holidays": ["2099-01-01"], "workdays": ["2099-01-03"]}}}

    official = WorkingCalendar.from_catalog(Catalog)
    assert official.is_official(2099)
    assert not official.is_working_day(D(2099, 1, 1))
    assert official.is_working_day(D(2099, 1, 3))  # a Saturday made a working day
    assert official.statement() is None


def test_periods_of_each_cycle():
    assert len(periods("daily", "2026-10")) == 31
    weeks = periods("weekly", "2026-10")
    assert [w.end for w in weeks] == [D(2026, 10, 4), D(2026, 10, 11), D(2026, 10, 18), D(2026, 10, 25)]
    assert weeks[0].start == D(2026, 9, 28)
    (month,) = periods("monthly", "2026-02")
    assert (month.start, month.end) == (D(2026, 2, 1), D(2026, 2, 28))


def test_late_means_more_than_five_working_days_after_the_period():
    cal = WorkingCalendar()
    # Monthly: October ends on a Saturday; 6 November is the 5th working day after it.
    on_time = timeliness("monthly", "2026-10", [D(2026, 11, 6)], cal, as_of=D(2026, 11, 30))
    assert on_time[0].working_days_late == 5 and not on_time[0].is_late(5)
    late = timeliness("monthly", "2026-10", [D(2026, 11, 9)], cal, as_of=D(2026, 11, 30))
    assert late[0].working_days_late == 6 and late[0].is_late(5)
    missing = timeliness("monthly", "2026-10", [], cal, as_of=D(2026, 11, 30))
    assert missing[0].delivered is None and missing[0].is_late(5)


def test_weekly_items_are_matched_to_the_first_delivery_after_the_week_began():
    cal = WorkingCalendar()
    drops = [D(2026, 10, 7), D(2026, 10, 14), D(2026, 10, 21), D(2026, 10, 28)]
    items = timeliness("weekly", "2026-10", drops, cal, as_of=D(2026, 11, 1))
    assert [i.delivered for i in items] == drops
    assert not any(i.is_late(5) for i in items)
    # As of 20 October the third week has ended but may still be delivered in time.
    assert len(timeliness("weekly", "2026-10", drops[:2], cal, as_of=D(2026, 10, 20))) == 2
    # By 27 October its five working days are over: it counts, as late.
    items = timeliness("weekly", "2026-10", drops[:2], cal, as_of=D(2026, 10, 27))
    assert len(items) == 3 and items[2].delivered is None and items[2].is_late(5)


def test_a_period_belongs_to_the_month_its_deadline_falls_in():
    from creditpipe.core.cycles import due_in

    cal = WorkingCalendar()
    # The monthly delivery for September is due by 9 October (国庆 in between): October's.
    october = due_in("monthly", "2026-10", [], cal, as_of=D(2026, 11, 1))
    assert [(i.period.start, i.delivered) for i in october] == [(D(2026, 9, 1), None)]
    # October's own is due in November: not judged in October's report.
    november = due_in("monthly", "2026-11", [D(2026, 11, 5)], cal, as_of=D(2026, 12, 1))
    assert [(i.period.start, i.working_days_late) for i in november] == [(D(2026, 10, 1), 4)]
    # A week ending in September but due in October is October's; a delivery counts once.
    weekly = due_in("weekly", "2026-10", [D(2026, 10, 9)], cal, as_of=D(2026, 11, 1), since=D(2026, 9, 21))
    assert [(i.period.end, i.delivered) for i in weekly] == [
        (D(2026, 9, 27), D(2026, 10, 9)),
        (D(2026, 10, 4), None),
        (D(2026, 10, 11), None),
        (D(2026, 10, 18), None),
        (D(2026, 10, 25), None),
    ]


def test_periods_before_the_exchange_began_are_not_owed():
    cal = WorkingCalendar()
    items = timeliness("weekly", "2026-10", [D(2026, 10, 14)], cal, as_of=D(2026, 11, 1), since=D(2026, 10, 7))
    assert [i.period.end for i in items] == [D(2026, 10, 11), D(2026, 10, 18), D(2026, 10, 25)]
