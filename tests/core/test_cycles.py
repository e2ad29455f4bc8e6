"""Working days with the official schedule (调休), and the exchange cycles' lateness."""

import datetime as dt

from creditpipe.core.cycles import Period, Report, due_in, periods, reported_period, timeliness
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


def records_of(*days_delivered):
    """Reports of records: (record day, delivered day) pairs."""
    return [Report(day, day, on) for day, on in days_delivered]


def test_five_working_days_late_is_late_and_four_is_not():
    # Seed 002: "延迟5个工作日以上" — 以上 includes 5 (Civil Code art. 1259).
    cal = WorkingCalendar()
    # Monthly: October ends on a Saturday; 5 November is the 4th working day after it.
    on_time = timeliness("monthly", "2026-10", records_of((D(2026, 10, 30), D(2026, 11, 5))), cal, D(2026, 11, 30))
    assert on_time[0].working_days_late == 4 and not on_time[0].is_late(5)
    late = timeliness("monthly", "2026-10", records_of((D(2026, 10, 30), D(2026, 11, 6))), cal, D(2026, 11, 30))
    assert late[0].working_days_late == 5 and late[0].is_late(5)
    missing = timeliness("monthly", "2026-10", [], cal, as_of=D(2026, 11, 30))
    assert missing[0].delivered is None and missing[0].is_late(5)
    # Not reported, judged on 5 November (what came before that day): still within time;
    # on 6 November its last day on time has passed.
    assert timeliness("monthly", "2026-10", [], cal, as_of=D(2026, 11, 5)) == []
    assert len(timeliness("monthly", "2026-10", [], cal, as_of=D(2026, 11, 6))) == 1


def test_one_quiet_week_shifts_no_later_week():
    cal = WorkingCalendar()
    # Each Monday's file holds the week before's decisions; the week of 12–18 October had none.
    reports = records_of(
        (D(2026, 10, 2), D(2026, 10, 9)),  # 5–7 October are 国庆 holidays
        (D(2026, 10, 9), D(2026, 10, 12)),
        (D(2026, 10, 23), D(2026, 10, 26)),
    )
    items = timeliness("weekly", "2026-10", reports, cal, as_of=D(2026, 11, 1))
    assert [(i.period.end, i.working_days_late) for i in items] == [
        (D(2026, 10, 4), 2),
        (D(2026, 10, 11), 1),
        (D(2026, 10, 18), None),
        (D(2026, 10, 25), 1),
    ]
    assert [i.is_late(5) for i in items] == [False, False, True, False]
    # The quiet week reported as such (本期无数据) on its Monday: nothing late.
    zero = Report(D(2026, 10, 12), D(2026, 10, 18), D(2026, 10, 19))
    assert not any(i.is_late(5) for i in timeliness("weekly", "2026-10", [*reports, zero], cal, D(2026, 11, 1)))


def test_a_sparse_daily_source_with_zero_reports_is_never_late():
    cal = WorkingCalendar()
    days = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(26)]
    busy = [d for d in days if d.weekday() in (1, 3)]  # records on Tuesdays and Thursdays only
    records = records_of(*((d, d) for d in busy))
    # Every other day its system answered the next morning's pull with nothing.
    zeros = [Report(d, d, d + dt.timedelta(days=1)) for d in days if d not in busy]
    items = timeliness("daily", "2026-11", records + zeros, cal, as_of=D(2026, 12, 1))
    assert len(items) >= 15 and not any(i.is_late(5) for i in items)
    # Without the zero reports, each empty working day judged is an item not reported.
    bare = timeliness("daily", "2026-11", records, cal, as_of=D(2026, 12, 1))
    empty = [i for i in bare if i.period.start not in busy]
    assert empty and all(i.is_late(5) and i.delivered is None for i in empty)
    assert not any(i.is_late(5) for i in bare if i.period.start in busy)


def test_a_zero_report_answers_every_period_up_to_its_end():
    cal = WorkingCalendar()
    period = Period(D(2026, 10, 12), D(2026, 10, 18))
    assert Report(D(2026, 10, 1), D(2026, 10, 18), D(2026, 10, 19)).reports(period)
    assert not Report(D(2026, 10, 1), D(2026, 10, 17), D(2026, 10, 19)).reports(period)
    assert reported_period("weekly", D(2026, 10, 19)) == period  # a Monday's file: the week before
    assert reported_period("weekly", D(2026, 10, 18)) == period  # a Sunday's: its own week
    assert reported_period("daily", D(2026, 10, 19)) == Period(D(2026, 10, 19), D(2026, 10, 19))
    assert reported_period("monthly", D(2026, 11, 3)).start == D(2026, 10, 1)
    assert cal.is_working_day(D(2026, 10, 19))


def test_a_period_belongs_to_the_month_its_last_day_on_time_falls_in():
    cal = WorkingCalendar()
    # The monthly delivery for September may come until 12 October (国庆 in between): October's.
    october = due_in("monthly", "2026-10", [], cal, as_of=D(2026, 11, 1))
    assert [(i.period.start, i.delivered) for i in october] == [(D(2026, 9, 1), None)]
    # October's own is due in November: not judged in October's report.
    november = due_in("monthly", "2026-11", records_of((D(2026, 10, 9), D(2026, 11, 5))), cal, as_of=D(2026, 12, 1))
    assert [(i.period.start, i.working_days_late) for i in november] == [(D(2026, 10, 1), 4)]


def test_periods_before_the_category_was_owed_are_not_judged():
    cal = WorkingCalendar()
    reports = records_of((D(2026, 10, 14), D(2026, 10, 14)))
    items = timeliness("weekly", "2026-10", reports, cal, as_of=D(2026, 11, 1), owed_from=D(2026, 10, 7))
    assert [i.period.end for i in items] == [D(2026, 10, 11), D(2026, 10, 18), D(2026, 10, 25)]
