"""Check-in reminders without a third party: a private calendar feed, and e-mail the server sends.

A person chooses daily or weekly check-ins at a time of day in their zone
(issue 14, point 6). Two ways reach them, neither through anyone else's
service: a calendar feed at a secret address their own calendar app polls, and
e-mail through the SMTP server the deployment names (``ketpath serve
--smtp-host``). Neither ever says more than "ketpath check-in": a reminder
shows on lock screens and in shared calendars and inboxes, so it carries no
health content and no name.

The feed's secret is 256 random bits, handed out once; only its SHA-256 is
kept (as for API tokens, :mod:`ketpath.services.accounts`), it can be replaced
or turned off, and a wrong or revoked one is "not found". The stored hash is
compared with :func:`hmac.compare_digest` after the indexed look-up, so the
answer's timing does not depend on how much of a guess was right.

:class:`ReminderSender` runs in the web app's lifespan, in a thread, and looks
for due e-mails each minute. An occurrence is due from its minute until
:data:`MISSED_GRACE` later (a server that was down all morning does not send
the morning's reminder at noon). Each is claimed in the database before its
e-mail goes out (:meth:`ReminderRepository.claim <ketpath.store.reminders.ReminderRepository.claim>`),
so a restart or a second worker never sends it twice; a send that fails gives
the claim back for the next minute to retry. A crash between the claim and
the send loses that one reminder: for a nudge, missing one is better than
doubling it.

The zone is the person's zone when they saved the schedule; saving it again
after changing zone moves the reminder to the new one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ketpath.errors import FieldProblem
from ketpath.present.calendar_feed import CheckInSchedule, calendar_feed
from ketpath.present.i18n import N_, _, use_language
from ketpath.services.accounts import token_hash, utc_now
from ketpath.store import Database
from ketpath.store.reminders import ReminderRow

FREQUENCIES = ("daily", "weekly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_TIME = time(9, 0)
FEED_TOKEN_BYTES = 32
"""256 bits, as for sessions and API tokens (the brief asks at least 128)."""
MAX_FEED_TOKEN_LENGTH = 100
MISSED_GRACE = timedelta(hours=1)
EMAIL_SUBJECT = N_("Time for your ketpath check-in")
"""The e-mail's subject and its only sentence, in the account's language when one is stored."""
CHECK_INTERVAL_SECONDS = 60.0
SMTP_TIMEOUT_SECONDS = 10.0

log = logging.getLogger(__name__)


class ReminderError(FieldProblem):
    """A reminder setting the person can fix, naming the form field."""


@dataclass(frozen=True, kw_only=True)
class MailServer:
    """The SMTP server a deployment sends through, and the address its mail comes from."""

    host: str
    port: int = 25
    sender: str


@dataclass(frozen=True, kw_only=True)
class ReminderSettings:
    """What the Account page shows: the schedule (``frequency`` None when off) and the feed."""

    frequency: str | None = None
    at: time = DEFAULT_TIME
    weekday: int = 0
    zone: str = "UTC"
    email: bool = False
    feed_since: datetime | None = None


def _zone(name: str) -> tzinfo:
    return UTC if name in {"", "UTC", "Etc/UTC"} else ZoneInfo(name)


def _settings(row: ReminderRow | None) -> ReminderSettings:
    if row is None:
        return ReminderSettings()
    return ReminderSettings(
        frequency=row.frequency,
        at=time(row.hour, row.minute),
        weekday=row.weekday if row.weekday is not None else 0,
        zone=row.zone,
        email=row.email,
        feed_since=row.feed_created_at if row.feed_token_hash is not None else None,
    )


def reminder_settings(db: Database, *, user_id: int) -> ReminderSettings:
    with db.unit_of_work() as uow:
        return _settings(uow.reminders.for_user(user_id))


def _parsed_time(text: str) -> time:
    try:
        chosen = time.fromisoformat(text.strip())
    except ValueError:
        raise ReminderError("time", _("give a time of day such as 09:00")) from None
    return chosen.replace(second=0, microsecond=0, tzinfo=None)


def _parsed_weekday(text: str) -> int:
    if text.strip().isdigit() and int(text) < len(WEEKDAYS):
        return int(text)
    raise ReminderError("weekday", _("choose a day of the week"))


def _checked_zone(name: str) -> str:
    try:
        _zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReminderError("zone", _("save a time zone on this page first")) from None
    return name or "UTC"


def save_reminder(
    db: Database,
    *,
    user_id: int,
    frequency: str,
    at: str,
    weekday: str,
    email: bool,
    zone: str,
    email_available: bool,
    now: datetime | None = None,
) -> ReminderSettings:
    """Save the account's schedule ("off", "daily" or "weekly"); the feed, if any, follows it."""
    if frequency not in {"off", *FREQUENCIES}:
        raise ReminderError("frequency", _("choose off, daily or weekly"))
    if email and not email_available:
        raise ReminderError("email", _("this server cannot send e-mail"))
    chosen = DEFAULT_TIME if frequency == "off" and not at.strip() else _parsed_time(at)
    day = _parsed_weekday(weekday) if frequency == "weekly" else None
    with db.unit_of_work(write=True) as uow:
        uow.reminders.save_schedule(
            user_id,
            frequency=None if frequency == "off" else frequency,
            hour=chosen.hour,
            minute=chosen.minute,
            weekday=day,
            zone=_checked_zone(zone),
            email=email,
            now=now or utc_now(),
        )
        row = uow.reminders.for_user(user_id)
        uow.commit()
    return _settings(row)


# ---------------------------------------------------------------- the calendar feed


def new_calendar_feed(db: Database, *, user_id: int, zone: str, now: datetime | None = None) -> str:
    """A new secret for the account's feed, returned once; the old address stops working."""
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    with db.unit_of_work(write=True) as uow:
        uow.reminders.set_feed(
            user_id,
            feed_token_hash=token_hash(token),
            now=now or utc_now(),
            zone=_checked_zone(zone),
        )
        uow.commit()
    return token


def revoke_calendar_feed(db: Database, *, user_id: int) -> None:
    with db.unit_of_work(write=True) as uow:
        if uow.reminders.for_user(user_id) is not None:
            uow.reminders.set_feed(user_id, feed_token_hash=None, now=utc_now(), zone="UTC")
        uow.commit()


def _event_uid(feed_token_hash: str) -> str:
    """Stable for one feed address and meaningless: a hash of the secret's hash."""
    digest = hashlib.sha256(feed_token_hash.encode("ascii")).hexdigest()[:32]
    return f"check-in-{digest}@ketpath"


def calendar_feed_text(db: Database, *, token: str, now: datetime | None = None) -> bytes | None:
    """The iCalendar feed this secret opens, or None for a wrong or revoked one."""
    if not token or len(token) > MAX_FEED_TOKEN_LENGTH:
        return None
    hashed = token_hash(token)
    with db.unit_of_work() as uow:
        row = uow.reminders.by_feed_hash(hashed)
    if row is None or row.feed_token_hash is None:
        return None
    if not hmac.compare_digest(row.feed_token_hash, hashed):
        return None
    schedules = []
    if row.frequency is not None:
        schedules.append(
            CheckInSchedule(
                frequency=row.frequency,
                at=time(row.hour, row.minute),
                weekday=row.weekday,
                zone=row.zone,
                starts=row.updated_at.astimezone(_zone(row.zone)).date(),
                uid=_event_uid(row.feed_token_hash),
            )
        )
    return calendar_feed(schedules, stamp=now or utc_now())


# ---------------------------------------------------------------- e-mail


def latest_occurrence(row: ReminderRow, now: datetime) -> datetime | None:
    """The schedule's most recent occurrence at or before ``now``, in UTC (None when off)."""
    if row.frequency is None:
        return None
    zone = _zone(row.zone)
    today = now.astimezone(zone).date()
    for back in range(8):
        day = today - timedelta(days=back)
        if row.frequency == "weekly" and day.weekday() != row.weekday:
            continue
        candidate = datetime.combine(day, time(row.hour, row.minute), zone).astimezone(UTC)
        if candidate <= now:
            return candidate
    return None


def due_occurrence(row: ReminderRow, now: datetime) -> datetime | None:
    """The occurrence to e-mail now: the latest one, not yet sent, and not long past."""
    latest = latest_occurrence(row, now)
    if latest is None or now - latest > MISSED_GRACE:
        return None
    if row.last_sent_for is not None and latest <= row.last_sent_for:
        return None
    return latest


def reminder_email(
    *, mail: MailServer, to: str, base_url: str, now: datetime, language: str | None = None
) -> EmailMessage:
    """The whole message: the subject, and the app's address (nothing about health, no name).

    In the language stored on the account (English when none is).
    """
    with use_language(language or "en"):
        subject = _(EMAIL_SUBJECT)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = mail.sender
    message["To"] = to
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    # RFC 3834: a machine sent this; auto-responders should not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(f"{subject}\n\n{base_url}\n")
    return message


def _deliver(mail: MailServer, message: EmailMessage) -> None:
    with smtplib.SMTP(mail.host, mail.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        smtp.send_message(message)


def send_due_reminders(
    db: Database, *, mail: MailServer, base_url: str, now: datetime | None = None
) -> int:
    """E-mail every reminder due at ``now`` that no one has sent yet; how many went out."""
    moment = now or utc_now()
    with db.unit_of_work() as uow:
        wanted = uow.reminders.wanting_email()
    sent = 0
    for item in wanted:
        occurrence = due_occurrence(item.reminder, moment)
        if occurrence is None:
            continue
        with db.unit_of_work(write=True) as uow:
            claimed = uow.reminders.claim(item.reminder.id, occurrence=occurrence)
            uow.commit()
        if not claimed:
            continue
        message = reminder_email(
            mail=mail, to=item.address, base_url=base_url, now=moment, language=item.language
        )
        try:
            _deliver(mail, message)
        except (OSError, smtplib.SMTPException) as error:
            # No address or content in the log: the error's kind is enough to act on.
            log.warning("a check-in reminder could not be sent (%s)", type(error).__name__)
            with db.unit_of_work(write=True) as uow:
                uow.reminders.release(
                    item.reminder.id, occurrence=occurrence, previous=item.reminder.last_sent_for
                )
                uow.commit()
            continue
        sent += 1
    return sent


class ReminderSender:
    """Looks for due reminder e-mails every ``interval`` seconds in a thread of its own.

    ``start`` and ``stop`` are called by the web app's lifespan. With the
    default interval a round runs just after each minute starts, so a reminder
    leaves within a few seconds of its minute; tests pass a short interval and
    a clock of their own.
    """

    def __init__(
        self,
        db: Database,
        *,
        mail: MailServer,
        base_url: str,
        clock: Callable[[], datetime] = utc_now,
        interval: float = CHECK_INTERVAL_SECONDS,
    ) -> None:
        self._db = db
        self._mail = mail
        self._base_url = base_url
        self._clock = clock
        self._interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="ketpath-reminders", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=SMTP_TIMEOUT_SECONDS + 5)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                send_due_reminders(
                    self._db, mail=self._mail, base_url=self._base_url, now=self._clock()
                )
            except Exception as error:  # keep sending next minute whatever went wrong now
                log.error("checking for due reminders failed (%s)", type(error).__name__)
            self._stopping.wait(self._pause())

    def _pause(self) -> float:
        if self._interval < CHECK_INTERVAL_SECONDS:
            return self._interval
        now = utc_now()
        return CHECK_INTERVAL_SECONDS - now.second - now.microsecond / 1e6 + 1.0
