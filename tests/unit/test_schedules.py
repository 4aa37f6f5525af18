"""Schedules: parsing, cron fire times across DST changes, data intervals, catchup, backfill."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from brickyard.domain.errors import InvalidInputError
from brickyard.domain.schedules import (
    DataInterval,
    Schedule,
    ScheduleKind,
    first_due_time,
    interval_text,
    intervals_between,
    next_due_time,
    next_fire,
    next_interval,
    parse_cron,
    parse_local_datetime,
    parse_schedule,
    previous_fire,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall time in ``zone`` as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def fires(text: str, zone: str, after: datetime, until: datetime) -> list[datetime]:
    schedule = parse_schedule(text, zone)
    assert schedule.cron is not None
    found: list[datetime] = []
    moment = next_fire(schedule.cron, schedule.zone, after)
    while moment <= until:
        found.append(moment)
        moment = next_fire(schedule.cron, schedule.zone, moment)
    return found


def walls(moments: list[datetime], zone: str) -> list[str]:
    return [m.astimezone(ZoneInfo(zone)).strftime("%m-%d %H:%M%z") for m in moments]


# -- parsing ---------------------------------------------------------------------------------
def test_none_is_manual_only() -> None:
    schedule = parse_schedule(None, "UTC")
    assert schedule == Schedule(ScheduleKind.MANUAL, None, "UTC")
    now = utc(2026, 5, 1)
    assert next_interval(schedule, utc(2020, 1, 1), None, now, catchup=True) is None
    assert next_due_time(schedule, utc(2020, 1, 1), None, now, catchup=False) is None
    assert first_due_time(schedule, utc(2020, 1, 1)) is None


@pytest.mark.parametrize(
    ("text", "cron"),
    [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        (" @Daily ", "0 0 * * *"),
    ],
)
def test_presets_are_cron_expressions(text: str, cron: str) -> None:
    schedule = parse_schedule(text, "UTC")
    assert schedule.kind is ScheduleKind.CRON
    assert schedule.text == text.strip()
    assert schedule.cron is not None
    assert schedule.cron.times == parse_cron(cron).times
    assert schedule.cron.weekdays == parse_cron(cron).weekdays


def test_once_and_intervals() -> None:
    assert parse_schedule("@once", "UTC").kind is ScheduleKind.ONCE
    every = parse_schedule("every 90s", BERLIN)
    assert every.kind is ScheduleKind.INTERVAL
    assert every.interval == timedelta(seconds=90)
    assert every.timezone == BERLIN


@pytest.mark.parametrize(
    ("every", "text"),
    [
        (timedelta(hours=1), "every 3600s"),
        (timedelta(days=1), "every 86400s"),
        (timedelta(seconds=1), "every 1s"),
        (timedelta(minutes=90), "every 5400s"),
    ],
)
def test_interval_text_round_trips(every: timedelta, text: str) -> None:
    assert interval_text(every) == text
    assert parse_schedule(interval_text(every), "UTC").interval == every


@pytest.mark.parametrize("every", [timedelta(0), timedelta(seconds=-5), timedelta(seconds=1.5)])
def test_interval_text_refuses_what_is_not_whole_positive_seconds(every: timedelta) -> None:
    with pytest.raises(InvalidInputError, match="positive whole number of seconds"):
        interval_text(every)


@pytest.mark.parametrize("text", ["every 0s", "every 5m", "every", "every -3s", "every 1.5s"])
def test_bad_interval_text_says_how_to_write_it(text: str) -> None:
    with pytest.raises(InvalidInputError, match=r"must be written 'every <seconds>s'"):
        parse_schedule(text, "UTC")


def test_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_schedule("@fortnightly", "UTC")
    assert "'@fortnightly'" in str(caught.value)
    assert "@once, @hourly, @daily" in str(caught.value)


def test_empty_schedule_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="the schedule is empty; use None"):
        parse_schedule("  ", "UTC")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "Europe"])
def test_unknown_time_zone_is_named(zone: str) -> None:
    with pytest.raises(InvalidInputError, match=f"unknown time zone '{zone}'"):
        parse_schedule("0 3 * * *", zone)


@pytest.mark.parametrize(
    ("text", "minutes", "hours", "days", "months", "weekdays"),
    [
        ("0 3 * * *", {0}, {3}, set(range(1, 32)), set(range(1, 13)), set(range(7))),
        ("*/15 9-17 * * MON-FRI", {0, 15, 30, 45}, set(range(9, 18)), None, None, {1, 2, 3, 4, 5}),
        ("5,10-12 0 1,15 jan,Jul *", {5, 10, 11, 12}, {0}, {1, 15}, {1, 7}, None),
        (
            "10-40/10 */6 */10 */3 *",
            {10, 20, 30, 40},
            {0, 6, 12, 18},
            {1, 11, 21, 31},
            {1, 4, 7, 10},
            None,
        ),
        ("5/20 0 * * 7", {5, 25, 45}, {0}, None, None, {0}),
        ("0 0 * * sun,SAT", {0}, {0}, None, None, {0, 6}),
        ("0 0 * * 5-7", {0}, {0}, None, None, {5, 6, 0}),
        ("59 23 31 12 6", {59}, {23}, {31}, {12}, {6}),
    ],
)
def test_cron_fields(
    text: str,
    minutes: set[int],
    hours: set[int],
    days: set[int] | None,
    months: set[int] | None,
    weekdays: set[int] | None,
) -> None:
    cron = parse_cron(text)
    assert set(cron.times) == {h * 60 + m for h in hours for m in minutes}
    assert list(cron.times) == sorted(cron.times)
    assert cron.days == (days if days is not None else set(range(1, 32)))
    assert cron.months == (months if months is not None else set(range(1, 13)))
    assert cron.weekdays == (weekdays if weekdays is not None else set(range(7)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("61 * * * *", "minute field '61' is out of range 0-59 in cron '61 * * * *'"),
        ("0 24 * * *", "hour field '24' is out of range 0-23 in cron '0 24 * * *'"),
        ("0 0 0 * *", "day-of-month field '0' is out of range 1-31 in cron '0 0 0 * *'"),
        ("0 0 32 * *", "day-of-month field '32' is out of range 1-31"),
        ("0 0 * 13 *", "month field '13' is out of range 1-12 in cron '0 0 * 13 *'"),
        ("0 0 * * 8", "day-of-week field '8' is out of range 0-7 in cron '0 0 * * 8'"),
        ("0 1-30 * * *", "hour field '30' is out of range 0-23"),
        ("x * * * *", "minute field 'x' is not a number 0-59 in cron 'x * * * *'"),
        ("0 0 * FOO *", "month field 'FOO' is not a number 1-12 or a name JAN-DEC"),
        ("0 0 * * MONDAY", "day-of-week field 'MONDAY' is not a number 0-7 or a name SUN-SAT"),
        ("0 0 MON * *", "day-of-month field 'MON' is not a number 1-31 in cron"),
        ("*/0 * * * *", "minute field step '0' in '*/0' is out of range 1-59"),
        ("*/60 * * * *", "minute field step '60' in '*/60' is out of range 1-59"),
        ("0 */x * * *", "hour field step 'x' in '*/x' is out of range 1-23"),
        ("30-10 * * * *", "minute field range '30-10' goes backwards"),
        ("1,,2 * * * *", "minute field has an empty item in '1,,2'"),
        ("0 0 L * *", "day-of-month field 'L' is not a number 1-31"),
        ("0 0 30 2 *", "cron '0 0 30 2 *' never fires: day 30 does not exist in February"),
        ("0 0 31 4,6 *", "day 31 does not exist in April, June"),
    ],
)
def test_bad_cron_names_the_field_the_value_and_the_range(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_schedule(text, "UTC")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "count"),
    [("0 3 * *", 4), ("0 0 3 * * *", 6), ("daily", 1), ("0 3", 2)],
)
def test_wrong_number_of_cron_fields_says_how_many_and_which(text: str, count: int) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_schedule(text, "UTC")
    message = str(caught.value)
    assert f"cron '{text}' has {count} field" in message
    assert "has 5: minute hour day-of-month month day-of-week" in message


def test_feb_29_and_day_31_are_allowed() -> None:
    assert parse_cron("0 0 29 2 *").days == {29}
    assert parse_cron("0 0 31 * *").days == {31}
    assert parse_cron("0 0 30 2 MON").weekdays == {1}  # either field: Mondays in February fire


# -- cron fire times -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("0 3 * * *", utc(2026, 1, 1), [utc(2026, 1, 1, 3), utc(2026, 1, 2, 3)]),
        ("0 3 * * *", utc(2026, 1, 1, 3), [utc(2026, 1, 2, 3), utc(2026, 1, 3, 3)]),
        ("0 3 * * *", utc(2026, 1, 1, 2, 59, 59), [utc(2026, 1, 1, 3), utc(2026, 1, 2, 3)]),
        ("*/20 * * * *", utc(2026, 1, 1, 0, 5), [utc(2026, 1, 1, 0, 20), utc(2026, 1, 1, 0, 40)]),
        ("0 0 1 * *", utc(2026, 1, 15), [utc(2026, 2, 1), utc(2026, 3, 1)]),
        ("59 23 31 12 *", utc(2026, 6, 1), [utc(2026, 12, 31, 23, 59), utc(2027, 12, 31, 23, 59)]),
        ("0 0 29 2 *", utc(2026, 1, 1), [utc(2028, 2, 29), utc(2032, 2, 29)]),
        ("0 0 29 2 *", utc(2096, 3, 1), [utc(2104, 2, 29), utc(2108, 2, 29)]),
        # 2026-02-13 is a Friday: day-of-month OR day-of-week when both are restricted
        ("0 0 13 * FRI", utc(2026, 2, 5), [utc(2026, 2, 6), utc(2026, 2, 13), utc(2026, 2, 20)]),
        # ... AND when one of them starts with '*': odd days that are Mondays
        ("0 0 */2 * MON", utc(2026, 1, 1), [utc(2026, 1, 5), utc(2026, 1, 19), utc(2026, 2, 9)]),
        ("0 9 * * MON-FRI", utc(2026, 1, 2, 10), [utc(2026, 1, 5, 9), utc(2026, 1, 6, 9)]),
        ("0 0 1 JAN,jul *", utc(2026, 2, 1), [utc(2026, 7, 1), utc(2027, 1, 1)]),
    ],
)
def test_next_fire_in_utc(text: str, after: datetime, expected: list[datetime]) -> None:
    cron = parse_cron(text)
    zone = ZoneInfo("UTC")
    found = [next_fire(cron, zone, after)]
    while len(found) < len(expected):
        found.append(next_fire(cron, zone, found[-1]))
    assert found == expected
    assert all(moment.tzinfo is UTC for moment in found)


def test_cron_is_read_on_the_jobs_wall_clock() -> None:
    # 03:00 in Tokyo (UTC+9, no DST) is 18:00 UTC the day before
    assert fires("0 3 * * *", "Asia/Tokyo", utc(2026, 1, 1), utc(2026, 1, 2, 23)) == [
        utc(2026, 1, 1, 18),
        utc(2026, 1, 2, 18),
    ]
    # a naive-looking input in another zone is fine as long as it is aware
    tokyo_noon = datetime(2026, 1, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert next_fire(parse_cron("0 13 * * *"), ZoneInfo("Asia/Tokyo"), tokyo_noon) == utc(
        2026, 1, 1, 4
    )


def test_daily_0230_in_berlin_runs_once_on_spring_forward_day_at_0300() -> None:
    found = fires("30 2 * * *", BERLIN, local(BERLIN, 2026, 3, 27), local(BERLIN, 2026, 3, 31))
    assert walls(found, BERLIN) == [
        "03-27 02:30+0100",
        "03-28 02:30+0100",
        "03-29 03:00+0200",  # 02:30 does not exist: the first valid time after the gap
        "03-30 02:30+0200",
    ]


def test_daily_0230_in_berlin_runs_once_on_fall_back_day_at_the_first_0230() -> None:
    found = fires("30 2 * * *", BERLIN, local(BERLIN, 2026, 10, 24), local(BERLIN, 2026, 10, 27))
    assert walls(found, BERLIN) == [
        "10-24 02:30+0200",
        "10-25 02:30+0200",  # first occurrence (CEST), not again an hour later
        "10-26 02:30+0100",
    ]
    assert found[1] == utc(2026, 10, 25, 0, 30)


def test_daily_0230_in_new_york_on_spring_forward_day() -> None:
    found = fires("30 2 * * *", NEW_YORK, local(NEW_YORK, 2026, 3, 7), local(NEW_YORK, 2026, 3, 10))
    assert walls(found, NEW_YORK) == ["03-07 02:30-0500", "03-08 03:00-0400", "03-09 02:30-0400"]
    assert found[1] == utc(2026, 3, 8, 7)


def test_fixed_times_on_both_sides_of_the_gap_fire_once() -> None:
    # 02:00 maps to 03:00, which fires anyway: one run, not two
    found = fires("0 2,3 * * *", BERLIN, local(BERLIN, 2026, 3, 29), local(BERLIN, 2026, 3, 29, 23))
    assert walls(found, BERLIN) == ["03-29 03:00+0200"]


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        (BERLIN, date(2026, 3, 29)),
        (BERLIN, date(2026, 10, 25)),
        (NEW_YORK, date(2026, 3, 8)),
        (NEW_YORK, date(2026, 11, 1)),
    ],
)
@pytest.mark.parametrize("text", ["@hourly", "0 * * * *", "30 * * * *", "*/20 * * * *"])
def test_hourly_jobs_neither_skip_nor_double_an_elapsed_hour_across_dst(
    zone: str, day: date, text: str
) -> None:
    start = local(zone, day.year, day.month, day.day) - timedelta(hours=3)
    found = fires(text, zone, start, start + timedelta(hours=30))
    gaps = {b - a for a, b in pairwise(found)}
    step = timedelta(minutes=20) if text.startswith("*/20") else timedelta(hours=1)
    assert gaps == {step}


def test_hourly_in_berlin_on_both_dst_days() -> None:
    spring = fires("@hourly", BERLIN, utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 2))
    assert walls(spring, BERLIN) == ["03-29 01:00+0100", "03-29 03:00+0200", "03-29 04:00+0200"]
    autumn = fires("@hourly", BERLIN, utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 2))
    assert walls(autumn, BERLIN) == ["10-25 02:00+0200", "10-25 02:00+0100", "10-25 03:00+0100"]


def test_wildcard_minutes_in_a_fixed_hour_follow_the_clock_as_vixie_cron() -> None:
    spring = fires("*/30 2 * * *", BERLIN, local(BERLIN, 2026, 3, 29), local(BERLIN, 2026, 3, 30))
    assert spring == []  # 02:xx does not exist that day
    autumn = fires("*/30 2 * * *", BERLIN, local(BERLIN, 2026, 10, 25), local(BERLIN, 2026, 10, 26))
    assert walls(autumn, BERLIN) == [
        "10-25 02:00+0200",
        "10-25 02:30+0200",
        "10-25 02:00+0100",
        "10-25 02:30+0100",
    ]


def _expected_fires(text: str, zone_name: str, start: datetime, end: datetime) -> list[datetime]:
    """The Vixie-cron rules, minute by minute in UTC: an independent, slow reference."""
    cron = parse_cron(text)
    zone = ZoneInfo(zone_name)

    def matches(wall: datetime) -> bool:
        return cron.fires_on(wall.date()) and wall.hour * 60 + wall.minute in cron.times

    found = []
    moment = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while moment <= end:
        here = moment.astimezone(zone)
        wall = here.replace(tzinfo=None, fold=0)
        first_time = wall.replace(tzinfo=zone, fold=0).astimezone(UTC) == moment
        fire = matches(wall) and (first_time or cron.wildcard)
        jump = here.utcoffset() - (moment - timedelta(minutes=1)).astimezone(zone).utcoffset()  # type: ignore[operator]
        if jump > timedelta(0) and not cron.wildcard:  # the first instant after a gap
            skipped = wall - jump
            while skipped < wall and not fire:
                fire = matches(skipped)
                skipped += timedelta(minutes=1)
        if fire:
            found.append(moment)
        moment += timedelta(minutes=1)
    return found


TRANSITIONS = [
    (BERLIN, utc(2026, 3, 28, 12)),
    (BERLIN, utc(2026, 10, 24, 12)),
    (NEW_YORK, utc(2026, 3, 7, 18)),
    (NEW_YORK, utc(2026, 10, 31, 18)),
    ("Australia/Lord_Howe", utc(2026, 4, 4, 6)),  # half-hour DST change
    ("Australia/Lord_Howe", utc(2026, 10, 3, 6)),
    ("America/Santiago", utc(2026, 4, 4, 12)),  # changes at midnight
    ("America/Santiago", utc(2026, 9, 5, 12)),
    ("America/Havana", utc(2026, 3, 7, 12)),
    ("America/Havana", utc(2026, 10, 31, 12)),
]
EXPRESSIONS = [
    "30 2 * * *",
    "0 * * * *",
    "15,45 * * * *",
    "0 0 * * *",
    "30 0 * * *",
    "45 23 * * *",
    "*/10 0-3 * * *",
    "0 1-3 * * *",
    "0,30 2 * * *",
    "20 */2 * * *",
    "0 22 * * SAT",
    "*/7 * * * *",
]


@pytest.mark.parametrize(("zone", "start"), TRANSITIONS)
@pytest.mark.parametrize("text", EXPRESSIONS)
def test_fire_times_match_a_minute_by_minute_reference_around_dst_changes(
    zone: str, start: datetime, text: str
) -> None:
    end = start + timedelta(hours=36)
    expected = _expected_fires(text, zone, start, end)
    assert fires(text, zone, start, end) == expected
    cron = parse_cron(text)
    # previous_fire walks the same times backwards
    backwards: list[datetime] = []
    moment = previous_fire(cron, ZoneInfo(zone), end + timedelta(seconds=1))
    while moment > start:
        backwards.append(moment)
        moment = previous_fire(cron, ZoneInfo(zone), moment)
    assert backwards[::-1] == expected


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("0 3 * * *", BERLIN),
        ("30 2 * * *", BERLIN),
        ("@hourly", NEW_YORK),
        ("*/45 * * * *", BERLIN),
        ("0 9 * * MON-FRI", NEW_YORK),
        ("0 0 1,15 * *", "Asia/Kolkata"),
        ("0 2,3 * * *", "Australia/Lord_Howe"),
        ("@weekly", "America/Santiago"),
        ("@monthly", BERLIN),
    ],
)
def test_consecutive_intervals_tile_a_year_with_no_gap_or_overlap(text: str, zone: str) -> None:
    schedule = parse_schedule(text, zone)
    start, end = local(zone, 2026, 1, 1), local(zone, 2027, 1, 1)
    intervals = intervals_between(schedule, start, end, max_runs=100_000)
    assert intervals[0].start >= start
    assert intervals[-1].start <= end < intervals[-1].end
    for before, after in pairwise(intervals):
        assert before.start < before.end == after.start
    assert all(i.start.tzinfo is UTC and i.end.tzinfo is UTC for i in intervals)
    if text == "@hourly":  # elapsed time: every hour of the year, 8760 of them
        assert {i.end - i.start for i in intervals} == {timedelta(hours=1)}
        assert len(intervals) == 8761  # both ends included


def test_fire_times_are_fast_enough_for_a_year_of_five_minute_intervals() -> None:
    schedule = parse_schedule("*/5 * * * *", BERLIN)
    began = clock.perf_counter()
    intervals = intervals_between(
        schedule, utc(2026, 1, 1), utc(2026, 12, 31, 23), max_runs=200_000
    )
    assert len(intervals) == 365 * 288 - 12 + 1
    assert clock.perf_counter() - began < 10


# -- start dates -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-01-01", "UTC", utc(2026, 1, 1)),
        ("2026-01-01", BERLIN, utc(2025, 12, 31, 23)),
        ("2026-07-01T06:30", BERLIN, utc(2026, 7, 1, 4, 30)),
        ("2026-07-01 06:30:15", NEW_YORK, utc(2026, 7, 1, 10, 30, 15)),
        ("2026-07-01T06:30+00:00", BERLIN, utc(2026, 7, 1, 6, 30)),
        ("2026-07-01T06:30Z", NEW_YORK, utc(2026, 7, 1, 6, 30)),
        ("2026-03-29T02:30", BERLIN, utc(2026, 3, 29, 1)),  # skipped: 03:00 CEST
        ("2026-10-25T02:30", BERLIN, utc(2026, 10, 25, 0, 30)),  # repeated: the first one
    ],
)
def test_start_date_is_a_wall_time_in_the_jobs_zone_unless_it_has_an_offset(
    text: str, zone: str, expected: datetime
) -> None:
    parsed = parse_local_datetime(text, zone)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "01/02/2026", ""])
def test_bad_start_date_is_named(text: str) -> None:
    with pytest.raises(InvalidInputError, match=f"start_date '{text}' is not an ISO date"):
        parse_local_datetime(text, "UTC")
    with pytest.raises(InvalidInputError, match=f"--end '{text}' is not an ISO date"):
        parse_local_datetime(text, "UTC", what="--end")


def test_start_date_in_the_future_is_allowed_and_says_when_the_first_run_comes() -> None:
    daily = parse_schedule("@daily", BERLIN)
    start = parse_local_datetime("2026-06-01", BERLIN)
    now = utc(2026, 5, 1, 12)
    for catchup in (True, False):
        assert next_interval(daily, start, None, now, catchup) is None
        assert next_due_time(daily, start, None, now, catchup) == local(BERLIN, 2026, 6, 2)
    assert first_due_time(daily, start) == local(BERLIN, 2026, 6, 2)
    assert first_due_time(parse_schedule("every 600s", "UTC"), start) == start + timedelta(
        minutes=10
    )
    assert first_due_time(parse_schedule("@once", "UTC"), start) == start
    assert first_due_time(daily, None) is None


def test_a_start_date_between_fire_times_starts_at_the_next_one() -> None:
    daily_at_3 = parse_schedule("0 3 * * *", "UTC")
    assert first_due_time(daily_at_3, utc(2026, 1, 1, 12)) == utc(2026, 1, 3, 3)


# -- data intervals and catchup ------------------------------------------------------------------
def test_data_interval_logical_date_is_its_start() -> None:
    interval = DataInterval(utc(2026, 1, 1), utc(2026, 1, 2))
    assert interval.logical_date == utc(2026, 1, 1)
    with pytest.raises(ValueError, match="cannot end"):
        DataInterval(utc(2026, 1, 2), utc(2026, 1, 1))


def _created_runs(
    schedule: Schedule,
    start: datetime | None,
    now: datetime,
    catchup: bool,
    last: datetime | None = None,
) -> list[DataInterval]:
    """What a scheduler ticking at ``now`` creates, run after run."""
    created: list[DataInterval] = []
    while (interval := next_interval(schedule, start, last, now, catchup)) is not None:
        assert interval.end <= now
        created.append(interval)
        last = interval.logical_date
        assert len(created) < 1000
    return created


def test_catchup_creates_every_missed_run_from_start_date_in_order() -> None:
    daily = parse_schedule("0 0 * * *", "UTC")
    runs = _created_runs(daily, utc(2026, 1, 1), utc(2026, 1, 5, 12), catchup=True)
    assert [r.logical_date for r in runs] == [utc(2026, 1, d) for d in (1, 2, 3, 4)]
    assert runs[0] == DataInterval(utc(2026, 1, 1), utc(2026, 1, 2))
    # the next one becomes due at the end of its interval
    last = runs[-1].logical_date
    assert next_due_time(daily, utc(2026, 1, 1), last, utc(2026, 1, 5, 12), True) == utc(2026, 1, 6)
    later = next_interval(daily, utc(2026, 1, 1), last, utc(2026, 1, 6), True)
    assert later == DataInterval(utc(2026, 1, 5), utc(2026, 1, 6))


def test_without_catchup_only_the_latest_complete_interval_runs() -> None:
    daily = parse_schedule("@daily", "UTC")
    start, now = utc(2026, 1, 1), utc(2026, 3, 10, 12)
    runs = _created_runs(daily, start, now, catchup=False)
    assert runs == [DataInterval(utc(2026, 3, 9), utc(2026, 3, 10))]
    assert next_due_time(daily, start, runs[0].logical_date, now, False) == utc(2026, 3, 11)
    # after a pause of three days, the missed ones are skipped
    after_pause = _created_runs(daily, start, utc(2026, 3, 14, 1), False, last=utc(2026, 3, 9))
    assert after_pause == [DataInterval(utc(2026, 3, 13), utc(2026, 3, 14))]


def test_without_catchup_the_first_interval_still_starts_at_or_after_start_date() -> None:
    daily = parse_schedule("@daily", "UTC")
    start = utc(2026, 3, 9, 12)  # mid-day: the first interval is [03-10, 03-11)
    assert next_interval(daily, start, None, utc(2026, 3, 10, 12), False) is None
    assert next_due_time(daily, start, None, utc(2026, 3, 10, 12), False) == utc(2026, 3, 11)


def test_catchup_resumes_after_the_last_run_created() -> None:
    hourly = parse_schedule("@hourly", "UTC")
    runs = _created_runs(
        hourly, utc(2026, 1, 1), utc(2026, 1, 1, 6, 30), True, last=utc(2026, 1, 1, 2)
    )
    assert [r.logical_date.hour for r in runs] == [3, 4, 5]


def test_no_run_is_due_before_its_interval_ends() -> None:
    daily = parse_schedule("@daily", "UTC")
    assert next_interval(daily, utc(2026, 1, 1), None, utc(2026, 1, 1, 23, 59, 59), True) is None
    due = next_interval(daily, utc(2026, 1, 1), None, utc(2026, 1, 2), True)
    assert due == DataInterval(utc(2026, 1, 1), utc(2026, 1, 2))


def test_without_a_start_date_cron_runs_the_latest_complete_interval() -> None:
    hourly = parse_schedule("@hourly", "UTC")
    for catchup in (True, False):
        assert next_interval(hourly, None, None, utc(2026, 1, 1, 6, 30), catchup) == DataInterval(
            utc(2026, 1, 1, 5), utc(2026, 1, 1, 6)
        )


def test_catchup_across_dst_in_berlin_covers_each_elapsed_hour_once() -> None:
    hourly = parse_schedule("@hourly", BERLIN)
    runs = _created_runs(hourly, utc(2026, 10, 24, 22), utc(2026, 10, 25, 4), catchup=True)
    assert [r.logical_date.hour for r in runs] == [22, 23, 0, 1, 2, 3]
    daily = parse_schedule("30 2 * * *", BERLIN)
    start = parse_local_datetime("2026-03-27", BERLIN)
    runs = _created_runs(daily, start, local(BERLIN, 2026, 3, 31), catchup=True)
    assert walls([r.logical_date for r in runs], BERLIN) == [
        "03-27 02:30+0100",
        "03-28 02:30+0100",
        "03-29 03:00+0200",
    ]
    assert runs[1].end - runs[1].start == timedelta(hours=23, minutes=30)


def test_interval_schedules_tile_from_start_date() -> None:
    every = parse_schedule(interval_text(timedelta(hours=6)), BERLIN)
    start = utc(2026, 1, 1, 1)
    runs = _created_runs(every, start, utc(2026, 1, 2, 8), catchup=True)
    assert [r.logical_date for r in runs] == [start + timedelta(hours=6 * k) for k in range(5)]
    assert all(r.end - r.start == timedelta(hours=6) for r in runs)
    # without catchup: the latest complete interval on the same grid
    latest = _created_runs(every, start, utc(2026, 1, 2, 8), catchup=False)
    assert latest == [DataInterval(utc(2026, 1, 2, 1), utc(2026, 1, 2, 7))]
    assert next_due_time(every, start, latest[0].logical_date, utc(2026, 1, 2, 8), False) == utc(
        2026, 1, 2, 13
    )


def test_interval_schedules_ignore_dst() -> None:
    every = parse_schedule("every 3600s", BERLIN)
    runs = _created_runs(every, utc(2026, 10, 24, 22), utc(2026, 10, 25, 4), catchup=True)
    assert [r.logical_date for r in runs] == [
        utc(2026, 10, 24, 22) + timedelta(hours=k) for k in range(6)
    ]


def test_interval_schedule_without_start_date_lines_up_with_the_epoch() -> None:
    every = parse_schedule("every 600s", "UTC")
    due = next_interval(every, None, None, utc(2026, 1, 1, 0, 25), catchup=False)
    assert due == DataInterval(utc(2026, 1, 1, 0, 10), utc(2026, 1, 1, 0, 20))


def test_a_last_run_off_the_grid_continues_on_the_grid() -> None:
    every = parse_schedule("every 3600s", "UTC")
    start = utc(2026, 1, 1)
    due = next_interval(every, start, utc(2026, 1, 1, 2, 30), utc(2026, 1, 1, 9), True)
    assert due == DataInterval(utc(2026, 1, 1, 3), utc(2026, 1, 1, 4))


def test_once_runs_once_at_start_date() -> None:
    once = parse_schedule("@once", BERLIN)
    start = utc(2026, 5, 1, 8)
    assert next_interval(once, start, None, utc(2026, 5, 1, 7), True) is None
    assert next_due_time(once, start, None, utc(2026, 5, 1, 7), True) == start
    due = next_interval(once, start, None, utc(2026, 6, 1), False)
    assert due == DataInterval(start, start)
    assert next_interval(once, start, start, utc(2026, 6, 1), False) is None
    assert next_due_time(once, start, start, utc(2026, 6, 1), False) is None
    assert next_interval(once, None, None, utc(2026, 6, 1), True) is None


def test_times_must_be_aware() -> None:
    daily = parse_schedule("@daily", "UTC")
    with pytest.raises(ValueError, match="now must be a timezone-aware datetime"):
        next_interval(daily, None, None, datetime(2026, 1, 1), True)
    with pytest.raises(ValueError, match="start_date must be a timezone-aware"):
        first_due_time(daily, datetime(2026, 1, 1))


# -- backfill ------------------------------------------------------------------------------------
def test_backfill_covers_logical_dates_within_both_ends() -> None:
    daily = parse_schedule("@daily", BERLIN)
    start = parse_local_datetime("2026-03-27", BERLIN)
    end = parse_local_datetime("2026-03-30", BERLIN)
    intervals = intervals_between(daily, start, end)
    assert walls([i.logical_date for i in intervals], BERLIN) == [
        "03-27 00:00+0100",
        "03-28 00:00+0100",
        "03-29 00:00+0100",
        "03-30 00:00+0200",
    ]
    assert intervals[2].end - intervals[2].start == timedelta(hours=23)
    assert intervals_between(daily, start + timedelta(minutes=1), start + timedelta(hours=1)) == []


def test_backfill_of_an_interval_schedule_lines_up_with_start_date() -> None:
    every = parse_schedule("every 3600s", "UTC")
    intervals = intervals_between(
        every, utc(2026, 1, 1, 0, 30), utc(2026, 1, 1, 3), start_date=utc(2026, 1, 1)
    )
    assert [i.logical_date.hour for i in intervals] == [1, 2, 3]
    unaligned = intervals_between(every, utc(2026, 1, 1, 0, 30), utc(2026, 1, 1, 3))
    assert [i.logical_date for i in unaligned] == [
        utc(2026, 1, 1, 0, 30),
        utc(2026, 1, 1, 1, 30),
        utc(2026, 1, 1, 2, 30),
    ]


def test_backfill_with_end_before_start_says_so() -> None:
    with pytest.raises(InvalidInputError) as caught:
        intervals_between(parse_schedule("@daily", "UTC"), utc(2026, 2, 1), utc(2026, 1, 1))
    message = str(caught.value)
    assert (
        "ends (2026-01-01T00:00:00+00:00) before it starts (2026-02-01T00:00:00+00:00)" in message
    )


@pytest.mark.parametrize("text", [None, "@once"])
def test_manual_and_once_jobs_cannot_be_backfilled(text: str | None) -> None:
    with pytest.raises(InvalidInputError, match="cannot be backfilled"):
        intervals_between(parse_schedule(text, "UTC"), utc(2026, 1, 1), utc(2026, 1, 2))


def test_a_huge_backfill_is_refused_before_it_is_built() -> None:
    minutely = parse_schedule("* * * * *", "UTC")
    with pytest.raises(InvalidInputError, match="would create more than 10000 runs"):
        intervals_between(minutely, utc(2026, 1, 1), utc(2027, 1, 1))
    assert len(intervals_between(minutely, utc(2026, 1, 1), utc(2026, 1, 1, 1), max_runs=61)) == 61
