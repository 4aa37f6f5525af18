"""Job schedules and the data intervals of their runs, as Airflow defines them (no I/O, no clock).

A schedule is written as text (``JobSpec.schedule``) and read with ``parse_schedule``:

    None               manual only: runs are triggered, never scheduled
    "0 3 * * *"        5-field cron (minute hour day-of-month month day-of-week): lists, ranges,
                       steps and names (MON-FRI, JAN); both day fields restricted = either matches
    "@daily" ...       presets: @hourly @daily (@midnight) @weekly @monthly @yearly (@annually)
    "@once"            one run, at start_date
    "every 3600s"      a fixed interval (the authoring API writes a timedelta so: ``interval_text``)

A run covers a data interval ``[start, end)``; its ``logical_date`` is the start and it becomes
due at the end. For cron, every fire time ends the interval that began at the previous fire time;
"every Ns" intervals tile from start_date (from the Unix epoch without one). ``next_interval``
says which run the scheduler creates next (catchup or not), ``next_due_time`` when to wake up,
``intervals_between`` what a backfill covers.

Time zones: cron is read on the wall clock of the job's time zone; every datetime returned is
aware and in UTC. On daylight-saving changes Brickyard does what Vixie cron does (as cronsim):
a *fixed-time* expression (neither the minute nor the hour field starts with ``*``) fires once
a day as written: a wall time skipped by spring-forward fires at the first valid time after the
gap (02:30 -> 03:00), a wall time repeated by fall-back fires at its first occurrence only. A
*wildcard* expression (``0 * * * *``, ``*/15 * * * *``) follows elapsed time instead: skipped
times are dropped and repeated ones fire twice, so an hourly job runs every 60 minutes straight
through both changes. "every Ns" is elapsed time and ignores the wall clock.

A start_date in the future is not an error (Airflow allows it): the job has no runs until then,
and ``first_due_time`` says when the first one comes (a daily job starting 2026-01-01 first runs
at 2026-01-02 00:00 for the logical date 2026-01-01). A naive start_date is in the job's time
zone. "@once" without a start_date is never scheduled (as in Airflow); trigger it by hand.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from brickyard.domain.errors import InvalidInputError

PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
DEFAULT_MAX_RUNS = 10_000  # a backfill larger than this is most likely a typo in its dates
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)
_HORIZON_DAYS = 366 * 9  # Feb 29 can be 8 years away (2096 -> 2104)


class ScheduleKind(StrEnum):
    MANUAL = "manual"
    ONCE = "once"
    CRON = "cron"
    INTERVAL = "interval"


@dataclass(frozen=True)
class DataInterval:
    """The span of data a run covers, ``[start, end)``, as aware UTC datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"a data interval cannot end ({self.end}) before it starts ({self.start})"
            )

    @property
    def logical_date(self) -> datetime:
        """The run's logical date (Airflow's): the start of its data interval."""
        return self.start


@dataclass(frozen=True)
class CronExpression:
    """A parsed 5-field cron expression: the allowed values of each field, sorted."""

    text: str
    times: tuple[int, ...]  # minutes of the day (hour * 60 + minute) that fire
    days: frozenset[int]  # days of the month, 1-31
    months: frozenset[int]  # 1-12
    weekdays: frozenset[int]  # 0-6, Sunday = 0
    day_star: bool  # day-of-month field starts with '*'
    weekday_star: bool
    wildcard: bool  # minute or hour field starts with '*': DST handling by elapsed time

    def fires_on(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month = day.day in self.days
        in_week = (day.weekday() + 1) % 7 in self.weekdays
        if self.day_star or self.weekday_star:
            return in_month and in_week
        return in_month or in_week  # both restricted: either one (Vixie cron)


@dataclass(frozen=True)
class Schedule:
    """A job's schedule in its time zone; ``text`` is as the job wrote it."""

    kind: ScheduleKind
    text: str | None
    timezone: str
    cron: CronExpression | None = None
    interval: timedelta | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# -- parsing ---------------------------------------------------------------------------------
def parse_schedule(text: str | None, timezone: str) -> Schedule:
    """The schedule ``text`` names, evaluated in ``timezone`` (an IANA name)."""
    zone_of(timezone)
    if text is None:
        return Schedule(ScheduleKind.MANUAL, None, timezone)
    written = text.strip()
    lowered = written.lower()
    if lowered == "@once":
        return Schedule(ScheduleKind.ONCE, written, timezone)
    if lowered.startswith("@"):
        if lowered not in PRESETS:
            raise InvalidInputError(
                f"unknown schedule preset '{written}'; the presets are @once, " + ", ".join(PRESETS)
            )
        return Schedule(ScheduleKind.CRON, written, timezone, cron=parse_cron(PRESETS[lowered]))
    if lowered.startswith("every"):
        match = re.fullmatch(r"every\s+(\d+)\s*s", lowered)
        if not match or int(match.group(1)) < 1:
            raise InvalidInputError(
                f"interval schedule '{written}' must be written 'every <seconds>s' with at least "
                "one second, e.g. 'every 300s' (or pass a timedelta to @job)"
            )
        interval = timedelta(seconds=int(match.group(1)))
        return Schedule(ScheduleKind.INTERVAL, written, timezone, interval=interval)
    if not written:
        raise InvalidInputError(
            "the schedule is empty; use None for a manual-only job, a cron expression such as "
            "'0 3 * * *', a preset such as '@daily', or 'every <seconds>s'"
        )
    return Schedule(ScheduleKind.CRON, written, timezone, cron=parse_cron(written))


def interval_text(every: timedelta) -> str:
    """The schedule text of a fixed interval: ``timedelta(hours=1)`` -> ``"every 3600s"``."""
    if every <= timedelta(0) or every % timedelta(seconds=1):
        raise InvalidInputError(
            f"a schedule interval must be a positive whole number of seconds, not {every!r}"
        )
    return f"every {every // timedelta(seconds=1)}s"


def zone_of(timezone: str) -> ZoneInfo:
    """The IANA time zone ``timezone``; InvalidInputError naming it when there is none."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInputError(
            f"unknown time zone '{timezone}'; use an IANA name such as 'UTC', 'Europe/Berlin' or "
            "'America/New_York' (if no name works, install the tzdata package)"
        ) from None


def parse_local_datetime(text: str, timezone: str, *, what: str = "start_date") -> datetime:
    """An ISO date or datetime as aware UTC; without an offset it is a wall time in ``timezone``.

    ``what`` names the value in the error message (``start_date``, ``--start``...). A wall time
    skipped by a DST change means the first valid time after it, a repeated one its first
    occurrence (as for cron).
    """
    zone = zone_of(timezone)
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            f"{what} '{text}' is not an ISO date or datetime; write e.g. '2026-01-01' or "
            "'2026-01-01T06:30' (in the job's time zone) or '2026-01-01T06:30+00:00'"
        ) from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return _wall_to_utc(parsed, zone, both=False)[0]


# -- cron ------------------------------------------------------------------------------------
_FIELDS = (  # name, low, high, names
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day-of-month", 1, 31, ()),
    ("month", 1, 12, tuple(m.upper() for m in calendar.month_abbr[1:])),
    ("day-of-week", 0, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)


def parse_cron(text: str) -> CronExpression:
    """A 5-field cron expression; InvalidInputError naming the field and value that are wrong."""
    parts = text.split()
    if len(parts) != 5:
        raise InvalidInputError(
            f"cron '{text}' has {len(parts)} field{'s' if len(parts) != 1 else ''}; a cron "
            "expression has 5: minute hour day-of-month month day-of-week (e.g. '0 3 * * *')"
        )
    values = [_parse_field(part, spec, text) for part, spec in zip(parts, _FIELDS, strict=True)]
    minutes, hours, days, months, weekdays = values
    weekdays = {d % 7 for d in weekdays}  # 7 is Sunday too
    day_star, weekday_star = parts[2].startswith("*"), parts[4].startswith("*")
    if not day_star and weekday_star and not any(min(days) <= _longest_month(m) for m in months):
        names = ", ".join(calendar.month_name[m] for m in sorted(months))
        raise InvalidInputError(
            f"cron '{text}' never fires: day {min(days)} does not exist in {names}"
        )
    return CronExpression(
        text=text,
        times=tuple(sorted(h * 60 + m for h in hours for m in minutes)),
        days=frozenset(days),
        months=frozenset(months),
        weekdays=frozenset(weekdays),
        day_star=day_star,
        weekday_star=weekday_star,
        wildcard=parts[0].startswith("*") or parts[1].startswith("*"),
    )


def _parse_field(part: str, spec: tuple[str, int, int, tuple[str, ...]], cron: str) -> set[int]:
    name, low, high, names = spec

    def fail(problem: str) -> InvalidInputError:
        return InvalidInputError(f"{name} field {problem} in cron '{cron}'")

    def value(token: str) -> int:
        if token.upper() in names:
            return names.index(token.upper()) + (1 if name == "month" else 0)
        if not token.isdigit():
            allowed = f"a number {low}-{high}" + (
                f" or a name {names[0]}-{names[-1]}" if names else ""
            )
            raise fail(f"'{token}' is not {allowed}")
        number = int(token)
        if not low <= number <= high:
            raise fail(f"'{token}' is out of range {low}-{high}")
        return number

    found: set[int] = set()
    for item in part.split(","):
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or not 1 <= int(step_text) <= high - low:
                raise fail(f"step '{step_text}' in '{item}' is out of range 1-{high - low}")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            start_text, _, end_text = base.partition("-")
            first, last = value(start_text), value(end_text)
            if first > last:
                raise fail(f"range '{base}' goes backwards (write it as two ranges)")
        elif base:
            first = value(base)
            last = high if slash else first  # '5/15' means 5-59/15
        else:
            raise fail(f"has an empty item in '{part}'")
        found.update(range(first, last + 1, step))
    return found


def _longest_month(month: int) -> int:
    return 29 if month == 2 else calendar.monthrange(2001, month)[1]


def next_fire(cron: CronExpression, zone: ZoneInfo, after: datetime) -> datetime:
    """The first time ``cron`` fires strictly after ``after`` (aware UTC)."""
    after = _utc(after, "after")
    day = after.astimezone(zone).date() - timedelta(days=1)
    for _ in range(_HORIZON_DAYS):
        if day.month not in cron.months:
            day = _first_of_next_month(day)
            continue
        found = _fire_on(cron, zone, day, after, forward=True)
        if found is not None:
            if _day_offset(zone, day) is None:  # a midnight fold can put the next day first
                other = _fire_on(cron, zone, day + timedelta(days=1), after, forward=True)
                return min(found, other) if other else found
            return found
        day += timedelta(days=1)
    raise AssertionError(f"cron '{cron.text}' does not fire within {_HORIZON_DAYS} days")


def previous_fire(cron: CronExpression, zone: ZoneInfo, before: datetime) -> datetime:
    """The last time ``cron`` fires strictly before ``before`` (aware UTC)."""
    before = _utc(before, "before")
    day = before.astimezone(zone).date() + timedelta(days=1)
    for _ in range(_HORIZON_DAYS):
        if day.month not in cron.months:
            day = day.replace(day=1) - timedelta(days=1)
            continue
        found = _fire_on(cron, zone, day, before, forward=False)
        if found is not None:
            if _day_offset(zone, day) is None:
                other = _fire_on(cron, zone, day - timedelta(days=1), before, forward=False)
                return max(found, other) if other else found
            return found
        day -= timedelta(days=1)
    raise AssertionError(f"cron '{cron.text}' does not fire within {_HORIZON_DAYS} days")


def _fire_on(
    cron: CronExpression, zone: ZoneInfo, day: date, bound: datetime, *, forward: bool
) -> datetime | None:
    """The fire time on local ``day`` closest to ``bound`` on its ``forward`` side, if any."""
    if not cron.fires_on(day):
        return None
    offset = _day_offset(zone, day)
    if offset is None:  # a DST change on this day: list its fire times one by one
        fires = _fires_on_changing_day(cron, zone, day)
        index = bisect_right(fires, bound) if forward else bisect_left(fires, bound) - 1
        return fires[index] if 0 <= index < len(fires) else None
    wall = (bound + offset).replace(tzinfo=None)  # the bound on this day's wall clock
    if wall.date() != day:
        before_day = wall.date() < day
        if before_day != forward:
            return None
        index = 0 if forward else len(cron.times) - 1
    else:
        minute = wall.hour * 60 + wall.minute
        if forward:
            index = bisect_right(cron.times, minute)
        elif wall.second or wall.microsecond:
            index = bisect_right(cron.times, minute) - 1
        else:
            index = bisect_left(cron.times, minute) - 1
        if not 0 <= index < len(cron.times):
            return None
    hour, minute = divmod(cron.times[index], 60)
    return datetime.combine(day, time(hour, minute), UTC) - offset


@lru_cache(maxsize=4096)
def _day_offset(zone: ZoneInfo, day: date) -> timedelta | None:
    """The UTC offset all through local ``day``; None when it changes that day (or at its ends)."""
    offsets = set()
    for moment in (
        datetime.combine(day, time()),
        datetime.combine(day + timedelta(days=1), time()),
    ):
        for fold in (0, 1):
            offsets.add(moment.replace(tzinfo=zone, fold=fold).utcoffset())
    return offsets.pop() if len(offsets) == 1 else None


@lru_cache(maxsize=512)
def _fires_on_changing_day(cron: CronExpression, zone: ZoneInfo, day: date) -> tuple[datetime, ...]:
    found: set[datetime] = set()
    for minute_of_day in cron.times:
        hour, minute = divmod(minute_of_day, 60)
        wall = datetime.combine(day, time(hour, minute))
        found.update(_wall_to_utc(wall, zone, both=cron.wildcard))
    return tuple(sorted(found))


def _wall_to_utc(wall: datetime, zone: ZoneInfo, *, both: bool) -> list[datetime]:
    """The instants a naive wall time stands for; ``both``: elapsed-time (wildcard) rules.

    A repeated wall time is its first occurrence (both occurrences when ``both``); a skipped one
    is the end of the gap (nothing when ``both``).
    """
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    first_offset, second_offset = first.utcoffset(), second.utcoffset()
    assert first_offset is not None
    assert second_offset is not None
    if first_offset == second_offset:
        return [first.astimezone(UTC)]
    if first_offset > second_offset:  # fall-back: the wall time happens twice
        occurrences = [first.astimezone(UTC), second.astimezone(UTC)]
        return occurrences if both else occurrences[:1]
    if both:
        return []
    # Spring-forward gap: search the change instant between the wall time read with the new
    # offset (before the change) and read with the old one (after it); changes fall on seconds.
    low = (wall - second_offset).replace(tzinfo=UTC)
    high = (wall - first_offset).replace(tzinfo=UTC)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) // 2
        if middle.astimezone(zone).utcoffset() == second_offset:
            high = middle
        else:
            low = middle
    return [high]


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


# -- data intervals --------------------------------------------------------------------------
def next_interval(
    schedule: Schedule,
    start_date: datetime | None,
    last_logical_date: datetime | None,
    now: datetime,
    catchup: bool,
) -> DataInterval | None:
    """The data interval of the next run the scheduler should create now, or None.

    With ``catchup`` that is the interval after the last one created (the first starting at or
    after ``start_date`` when none was); without it, only the latest complete interval, never
    one already created. Either way only when the interval has ended (``end <= now``).
    """
    upcoming = _upcoming(schedule, start_date, last_logical_date, now, catchup)
    if upcoming is None or upcoming.end > _utc(now, "now"):
        return None
    return upcoming


def next_due_time(
    schedule: Schedule,
    start_date: datetime | None,
    last_logical_date: datetime | None,
    now: datetime,
    catchup: bool,
) -> datetime | None:
    """When the next run becomes due (``<= now``: it is due already); None if none ever will."""
    upcoming = _upcoming(schedule, start_date, last_logical_date, now, catchup)
    return upcoming.end if upcoming else None


def first_due_time(schedule: Schedule, start_date: datetime | None) -> datetime | None:
    """When the first scheduled run of a job starting at ``start_date`` becomes due.

    That is the end of the first interval starting at or after ``start_date`` ("first run at
    ..."); None for manual jobs and for cron or "@once" jobs without a start_date.
    """
    if schedule.kind is ScheduleKind.MANUAL or start_date is None:
        return None
    return _first_interval(schedule, _utc(start_date, "start_date")).end


def intervals_between(
    schedule: Schedule,
    start: datetime,
    end: datetime,
    *,
    start_date: datetime | None = None,
    max_runs: int = DEFAULT_MAX_RUNS,
) -> list[DataInterval]:
    """The data intervals of a backfill: every one whose logical date is in ``[start, end]``.

    "every Ns" intervals line up with ``start_date`` when given (with the job's own runs), else
    with ``start``. Manual and "@once" jobs cannot be backfilled (trigger them instead).
    """
    start, end = _utc(start, "start"), _utc(end, "end")
    if end < start:
        raise InvalidInputError(
            f"the backfill ends ({end.isoformat()}) before it starts ({start.isoformat()}); "
            "give an end on or after the start"
        )
    if schedule.kind in (ScheduleKind.MANUAL, ScheduleKind.ONCE):
        raise InvalidInputError(
            f"a job scheduled {schedule.text or 'manually (schedule=None)'} cannot be backfilled: "
            "backfills need a cron or interval schedule; trigger a run instead"
        )
    anchor = start if start_date is None else _utc(start_date, "start_date")
    found: list[DataInterval] = []
    interval = _interval_from(schedule, start, anchor)
    while interval.start <= end:
        if len(found) == max_runs:
            raise InvalidInputError(
                f"the backfill from {start.isoformat()} to {end.isoformat()} would create more "
                f"than {max_runs} runs of a job scheduled '{schedule.text}'; backfill a shorter "
                "range at a time"
            )
        found.append(interval)
        interval = _following(schedule, interval)
    return found


def _upcoming(
    schedule: Schedule,
    start_date: datetime | None,
    last_logical_date: datetime | None,
    now: datetime,
    catchup: bool,
) -> DataInterval | None:
    """The next interval to create, due or not; None when there will be none."""
    now = _utc(now, "now")
    first = _utc(start_date, "start_date") if start_date else None
    last = _utc(last_logical_date, "last_logical_date") if last_logical_date else None
    if schedule.kind is ScheduleKind.MANUAL:
        return None
    if schedule.kind is ScheduleKind.ONCE:
        return None if first is None or last is not None else DataInterval(first, first)
    anchor = first or _EPOCH
    candidates: list[DataInterval] = []
    if first is not None:
        candidates.append(_first_interval(schedule, first))
    if last is not None:
        candidates.append(_interval_from(schedule, last + _TICK, anchor))
    if not catchup or not candidates:
        candidates.append(_latest_complete(schedule, now, anchor))
    return max(candidates, key=lambda interval: interval.start)


def _first_interval(schedule: Schedule, start_date: datetime) -> DataInterval:
    if schedule.kind is ScheduleKind.ONCE:
        return DataInterval(start_date, start_date)
    return _interval_from(schedule, start_date, start_date)


def _interval_from(schedule: Schedule, moment: datetime, anchor: datetime) -> DataInterval:
    """The first interval starting at or after ``moment`` ("every Ns" aligned to ``anchor``)."""
    if schedule.interval is not None:
        steps = -((anchor - moment) // schedule.interval)  # ceil((moment - anchor) / interval)
        start = anchor + steps * schedule.interval
        return DataInterval(start, start + schedule.interval)
    assert schedule.cron is not None
    start = next_fire(schedule.cron, schedule.zone, moment - _TICK)
    return DataInterval(start, next_fire(schedule.cron, schedule.zone, start))


def _latest_complete(schedule: Schedule, now: datetime, anchor: datetime) -> DataInterval:
    """The last interval that has ended at ``now``."""
    if schedule.interval is not None:
        end = anchor + ((now - anchor) // schedule.interval) * schedule.interval
        return DataInterval(end - schedule.interval, end)
    assert schedule.cron is not None
    end = previous_fire(schedule.cron, schedule.zone, now + _TICK)
    return DataInterval(previous_fire(schedule.cron, schedule.zone, end), end)


def _following(schedule: Schedule, interval: DataInterval) -> DataInterval:
    if schedule.interval is not None:
        return DataInterval(interval.end, interval.end + schedule.interval)
    assert schedule.cron is not None
    return DataInterval(interval.end, next_fire(schedule.cron, schedule.zone, interval.end))


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)
