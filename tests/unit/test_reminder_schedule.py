"""When a check-in reminder is due: its minute in the person's zone, once, and not long after.

Pure: the schedule is a stored row, the clock is given. Paris moves its clocks
on 29 March 2026 (02:00 -> 03:00) and 25 October 2026; a 09:00 reminder stays
at 09:00 local time across both, so its UTC instant moves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ketpath.present.calendar_feed import CheckInSchedule, first_start
from ketpath.services.reminders import (
    EMAIL_SUBJECT,
    MISSED_GRACE,
    MailServer,
    due_occurrence,
    latest_occurrence,
    reminder_email,
)
from ketpath.store.reminders import ReminderRow

PARIS = ZoneInfo("Europe/Paris")
SAVED = datetime(2026, 3, 1, tzinfo=UTC)


def _row(
    frequency: str | None = "daily",
    *,
    at: time = time(9),
    weekday: int | None = None,
    zone: str = "Europe/Paris",
    last_sent_for: datetime | None = SAVED,
) -> ReminderRow:
    return ReminderRow(
        id=1,
        user_id=1,
        frequency=frequency,
        hour=at.hour,
        minute=at.minute,
        weekday=weekday,
        zone=zone,
        email=True,
        feed_token_hash=None,
        feed_created_at=None,
        last_sent_for=last_sent_for,
        updated_at=SAVED,
    )


def _paris(day: date, at: time) -> datetime:
    return datetime.combine(day, at, PARIS)


def test_a_daily_reminder_is_due_from_its_minute_in_the_persons_zone() -> None:
    nine = _paris(date(2026, 3, 10), time(9))
    assert due_occurrence(_row(), nine - timedelta(seconds=1)) is None
    assert due_occurrence(_row(), nine) == nine.astimezone(UTC)
    assert due_occurrence(_row(), nine + timedelta(minutes=5)) == nine.astimezone(UTC)


def test_it_stays_at_nine_local_time_across_the_clock_changes() -> None:
    winter = due_occurrence(_row(), _paris(date(2026, 3, 28), time(9, 1)))
    summer = due_occurrence(_row(), _paris(date(2026, 3, 29), time(9, 1)))
    assert winter is not None and summer is not None
    assert winter.time() == time(8)  # UTC+1
    assert summer.time() == time(7)  # UTC+2


def test_once_sent_it_is_not_due_again_until_the_next_day() -> None:
    nine = _paris(date(2026, 3, 10), time(9)).astimezone(UTC)
    sent = _row(last_sent_for=nine)
    assert due_occurrence(sent, nine + timedelta(minutes=1)) is None
    assert due_occurrence(sent, nine + timedelta(days=1)) == nine + timedelta(days=1)


def test_a_reminder_missed_by_more_than_the_grace_is_not_sent_late() -> None:
    nine = _paris(date(2026, 3, 10), time(9))
    assert due_occurrence(_row(), nine + MISSED_GRACE) is not None
    assert due_occurrence(_row(), nine + MISSED_GRACE + timedelta(seconds=1)) is None


def test_a_weekly_reminder_is_due_only_on_its_weekday() -> None:
    wednesday = _row("weekly", at=time(18, 30), weekday=2)
    tuesday_evening = _paris(date(2026, 3, 10), time(18, 31))
    wednesday_evening = _paris(date(2026, 3, 11), time(18, 31))
    assert due_occurrence(wednesday, tuesday_evening) is None
    assert due_occurrence(wednesday, wednesday_evening) == _paris(
        date(2026, 3, 11), time(18, 30)
    ).astimezone(UTC)
    # On Tuesday the latest Wednesday occurrence is six days back.
    assert latest_occurrence(wednesday, tuesday_evening) == _paris(
        date(2026, 3, 4), time(18, 30)
    ).astimezone(UTC)


def test_reminders_that_are_off_are_never_due() -> None:
    assert latest_occurrence(_row(None), datetime(2026, 3, 10, 9, tzinfo=UTC)) is None


def test_a_utc_schedule_is_read_in_utc() -> None:
    utc = _row(zone="UTC", at=time(7, 15))
    moment = datetime(2026, 3, 10, 7, 20, tzinfo=UTC)
    assert due_occurrence(utc, moment) == datetime(2026, 3, 10, 7, 15, tzinfo=UTC)


def test_the_feeds_first_weekly_event_falls_on_the_chosen_weekday() -> None:
    schedule = CheckInSchedule(
        frequency="weekly",
        at=time(18, 30),
        weekday=2,
        zone="Europe/Paris",
        starts=date(2026, 11, 30),  # a Monday
        uid="check-in-x@ketpath",
    )
    assert first_start(schedule) == _paris(date(2026, 12, 2), time(18, 30))


def test_the_email_says_only_time_for_a_check_in_and_the_apps_address() -> None:
    mail = MailServer(host="127.0.0.1", port=25, sender="reminders@ketpath.example.org")
    message = reminder_email(
        mail=mail, to="sam@example.org", base_url="https://k.example.org/", now=SAVED
    )
    assert message["Subject"] == EMAIL_SUBJECT == "Time for your ketpath check-in"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content() == "Time for your ketpath check-in\n\nhttps://k.example.org/\n"
