"""The repository of check-in reminders: one schedule per account, its feed secret, what was sent.

As in ``sharing``, rows never leave this module (frozen dataclasses come back)
and nothing here commits; the calendar feed's secret arrives already hashed.
An open unit of work carries the repository as ``uow.reminders``.

:meth:`ReminderRepository.claim` is what keeps an e-mail from going out twice:
it moves ``last_sent_for`` forward only if no one else has, in one conditional
``UPDATE``, so of two senders (two workers, or one restarted) exactly one sees
its claim succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, or_, select, update

from ketpath.store.tables import from_row, reminders, users


@dataclass(frozen=True, kw_only=True)
class ReminderRow:
    id: int
    user_id: int
    frequency: str | None
    hour: int
    minute: int
    weekday: int | None
    zone: str
    email: bool
    feed_token_hash: str | None
    feed_created_at: datetime | None
    last_sent_for: datetime | None
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class EmailReminderRow:
    """A schedule that asks for e-mail, with the address to send it to and its account's language."""

    reminder: ReminderRow
    address: str
    language: str | None = None


class ReminderRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def for_user(self, user_id: int) -> ReminderRow | None:
        row = self._connection.execute(
            select(reminders).where(reminders.c.user_id == user_id)
        ).first()
        return from_row(ReminderRow, row) if row is not None else None

    def by_feed_hash(self, feed_token_hash: str) -> ReminderRow | None:
        query = select(reminders).where(reminders.c.feed_token_hash == feed_token_hash)
        row = self._connection.execute(query).first()
        return from_row(ReminderRow, row) if row is not None else None

    def save_schedule(
        self,
        user_id: int,
        *,
        frequency: str | None,
        hour: int,
        minute: int,
        weekday: int | None,
        zone: str,
        email: bool,
        now: datetime,
    ) -> None:
        """Create or replace the account's schedule; the feed and what was sent stay.

        ``last_sent_for`` moves to ``now``, so a time of day chosen earlier than
        the present minute waits for its next occurrence instead of going out at once.
        """
        values = {
            "frequency": frequency,
            "hour": hour,
            "minute": minute,
            "weekday": weekday,
            "zone": zone,
            "email": email,
            "updated_at": now,
            "last_sent_for": now,
        }
        mine = reminders.c.user_id == user_id
        if self._connection.execute(select(reminders.c.id).where(mine)).first() is None:
            self._connection.execute(insert(reminders).values(user_id=user_id, **values))
        else:
            self._connection.execute(update(reminders).where(mine).values(**values))

    def set_feed(
        self, user_id: int, *, feed_token_hash: str | None, now: datetime, zone: str
    ) -> None:
        """Give the account a new feed secret (None turns the feed off); a first row is made off."""
        mine = reminders.c.user_id == user_id
        values = {
            "feed_token_hash": feed_token_hash,
            "feed_created_at": now if feed_token_hash is not None else None,
        }
        if self._connection.execute(select(reminders.c.id).where(mine)).first() is None:
            self._connection.execute(
                insert(reminders).values(
                    user_id=user_id,
                    frequency=None,
                    hour=0,
                    minute=0,
                    weekday=None,
                    zone=zone,
                    email=False,
                    updated_at=now,
                    **values,
                )
            )
        else:
            self._connection.execute(update(reminders).where(mine).values(**values))

    def wanting_email(self) -> list[EmailReminderRow]:
        """Every schedule that is on and asks for e-mail, with its account's address."""
        query = (
            select(reminders, users.c.email.label("address"), users.c.language.label("language"))
            .join(users, users.c.id == reminders.c.user_id)
            .where(reminders.c.email.is_(True), reminders.c.frequency.is_not(None))
            .order_by(reminders.c.id)
        )
        return [
            EmailReminderRow(
                reminder=from_row(ReminderRow, row), address=row.address, language=row.language
            )
            for row in self._connection.execute(query)
        ]

    def claim(self, reminder_id: int, *, occurrence: datetime) -> bool:
        """Mark ``occurrence`` as sent unless it (or a later one) already is; True if this call did."""
        result = self._connection.execute(
            update(reminders)
            .where(
                reminders.c.id == reminder_id,
                or_(
                    reminders.c.last_sent_for.is_(None),
                    reminders.c.last_sent_for < occurrence,
                ),
            )
            .values(last_sent_for=occurrence)
        )
        return result.rowcount == 1

    def release(self, reminder_id: int, *, occurrence: datetime, previous: datetime | None) -> None:
        """Undo a claim whose e-mail could not be sent, so the next round tries again."""
        self._connection.execute(
            update(reminders)
            .where(reminders.c.id == reminder_id, reminders.c.last_sent_for == occurrence)
            .values(last_sent_for=previous)
        )
