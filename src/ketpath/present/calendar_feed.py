"""A person's check-in reminders as an iCalendar feed (RFC 5545), written with ``icalendar``.

The feed is read by calendar apps that fetch it unattended and show it next to
everything else in a person's day, often on a locked screen or a shared
device, so an event says only "ketpath check-in": no health content, no name,
no description. One repeating event (``RRULE`` daily, or weekly on the chosen
day) starts on the day the schedule was saved, at the chosen time in the
person's zone; the zone travels with it as a ``VTIMEZONE`` so the time stays
put across daylight-saving changes (a UTC schedule is written in UTC). A
``VALARM`` at the start makes the calendar app alert, which is the point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

CHECK_IN = "ketpath check-in"
"""Everything an event or an e-mail subject may say about what it is for."""
PRODUCT_ID = "-//ketpath//check-in reminders//EN"
EVENT_LENGTH = timedelta(minutes=15)
ZONE_RULES_SPAN = timedelta(days=5 * 366)
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
"""RFC 5545 weekday codes, Monday first (as ``date.weekday()`` counts)."""


@dataclass(frozen=True, kw_only=True)
class CheckInSchedule:
    """When check-ins repeat: ``frequency`` is "daily" or "weekly" (``weekday`` 0 is Monday)."""

    frequency: str
    at: time
    weekday: int | None
    zone: str
    starts: date
    """The first day the event may fall on (the day the schedule was saved, in its zone)."""
    uid: str
    """A stable, meaningless identifier, so calendar apps update the event instead of adding one."""


def _zone(name: str) -> tzinfo:
    return UTC if name in {"", "UTC", "Etc/UTC"} else ZoneInfo(name)


def first_start(schedule: CheckInSchedule) -> datetime:
    """The first occurrence on or after ``starts``, at the schedule's time in its zone."""
    day = schedule.starts
    if schedule.frequency == "weekly" and schedule.weekday is not None:
        day += timedelta(days=(schedule.weekday - day.weekday()) % 7)
    return datetime.combine(day, schedule.at, _zone(schedule.zone))


def calendar_feed(schedules: list[CheckInSchedule], *, stamp: datetime) -> bytes:
    """The iCalendar text of these schedules (none gives an empty but valid calendar)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", CHECK_IN)
    for schedule in schedules:
        calendar.add_component(_event(schedule, stamp=stamp))
    if schedules:
        # The zone's rules from a little before the first event to some years ahead; a
        # calendar app keeps applying the last rule after that, as the zone does today.
        first = min(schedule.starts for schedule in schedules) - timedelta(days=7)
        calendar.add_missing_timezones(first_date=first, last_date=first + ZONE_RULES_SPAN)
    text: bytes = calendar.to_ical()
    return text


def _event(schedule: CheckInSchedule, *, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", schedule.uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    start = first_start(schedule)
    event.add("dtstart", start)
    event.add("dtend", start + EVENT_LENGTH)
    event.add("summary", CHECK_IN)
    rule: dict[str, object] = {"freq": schedule.frequency.upper()}
    if schedule.frequency == "weekly" and schedule.weekday is not None:
        rule["byday"] = RRULE_DAYS[schedule.weekday]
    event.add("rrule", rule)
    event.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", CHECK_IN)
    alarm.add("trigger", timedelta(0))
    event.add_component(alarm)
    return event
