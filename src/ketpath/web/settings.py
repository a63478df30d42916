"""Settings of the web application, given in code (the CLI builds them from its options).

Defaults suit the embedded, single-person install: SQLite in the user's data
folder, sessions that end after 30 idle minutes (or, kept on a device, after
90 days, locking after 5 idle minutes when a PIN is set), five login
attempts per account and then one a minute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ketpath.services import RecordLimits
from ketpath.services.accounts import SessionPolicy
from ketpath.services.reminders import CHECK_INTERVAL_SECONDS, MailServer


@dataclass(frozen=True, kw_only=True)
class Settings:
    database_url: str | None = None
    """A database URL or SQLite path; None means ``KETPATH_DB`` or the default file."""
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    kept_session: timedelta = timedelta(days=90)
    """How long "keep me signed in on this device" lasts from sign-in."""
    lock_after: timedelta = timedelta(minutes=5)
    """How long a kept session may sit idle before its PIN is asked for (when one is set)."""
    pin_attempts: int = 5
    """Burst of PIN attempts per account (five wrong in a row also end the session)."""
    pin_refill_seconds: float = 60.0
    session_clock: Callable[[], datetime] | None = None
    """The clock sessions are timed by (tests set one); None is the real time."""
    login_attempts: int = 5
    """Burst of login attempts per account before the limit applies."""
    login_refill_seconds: float = 60.0
    """Once the burst is spent, one more attempt per account every this many seconds."""
    address_attempts: int = 30
    """Burst of login and registration attempts per client address."""
    address_refill_seconds: float = 10.0
    device_attempts: int = 5
    """Burst of login attempts from a known device (one holding a device cookie for the account)."""
    device_refill_seconds: float = 60.0
    hashing_slots: int = 4
    """How many argon2 hashes may run at once (64 MiB each with the default profile)."""
    hashing_wait_seconds: float = 1.0
    """How long a request waits for a hashing slot before it is answered 503."""
    password_profile: str = "RFC_9106_LOW_MEMORY"
    """argon2-cffi profile for new hashes; tests use ``CHEAPEST`` (never in production)."""
    max_body_bytes: int = 8_000_000
    max_records_per_request: int = 10_000
    max_records_per_import: int = 20_000
    """Records one import (web upload, API request) may hold; a decade of daily logging is ~15,000."""
    max_records_per_person: int = 100_000
    """Records one person may keep, on every write path (import, API, logging, the clinic's)."""
    rewards_currency: str = "USD"
    """The currency a clinician's reward schedule starts in (USD, GBP or EUR); each can change it."""
    mail_server: MailServer | None = None
    """Where check-in reminder e-mails are sent through; None shows e-mail reminders as unavailable."""
    base_url: str | None = None
    """The app's public address, the link in reminder e-mails (``ketpath serve`` gives its own)."""
    reminder_clock: Callable[[], datetime] | None = None
    """The reminder sender's clock (tests set one); None is the real time."""
    reminder_interval_seconds: float = CHECK_INTERVAL_SECONDS
    """How often the reminder sender looks for due e-mails (once a minute)."""
    wording_dir: Path | None = None
    """A folder of the clinic's question wording files (``knowledge.clinic_wording``); None: none."""

    @property
    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(
            idle=self.session_idle,
            absolute=self.session_absolute,
            kept=self.kept_session,
            lock_after=self.lock_after,
        )

    def now(self) -> datetime:
        """The sessions' time: ``session_clock`` when set, else the real time."""
        return self.session_clock() if self.session_clock is not None else datetime.now(UTC)

    @property
    def record_limits(self) -> RecordLimits:
        return RecordLimits(
            per_import=self.max_records_per_import, per_person=self.max_records_per_person
        )
