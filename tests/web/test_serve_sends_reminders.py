"""A real ``ketpath serve`` process, started as an operator starts it, e-mails a due reminder.

``test_reminder_emails`` drives the sender inside the test's own app, and the
companion journey now serves on a thread of the test; this test watches the
command itself: ``python -m ketpath serve`` in a subprocess with
``--smtp-host/--smtp-port/--smtp-from/--base-url`` and a one-second
``--reminder-interval``, sending through a local aiosmtpd server.

The database is prepared first through the services: Alice (English) has
logged use and a craving, so there is health content that could leak, and
Mei (Traditional Chinese stored on her account) has logged nothing. Each saved,
the day before, a daily reminder at the minute two minutes ago, so it is due at
the server's first look (the server runs on the real clock). What arrives is
read as the person reads it: one message each, from the configured address,
the subject in the account's language and a body that is that sentence and
the ``--base-url`` only. The claim is read back from the database, and a third
account's reminder, saved only after the first two messages arrived, proves
the server has looked again (its round re-reads Alice's and Mei's reminders
before it sends the newcomer's, in id order): still one message each.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ketpath.core.records import parse_record
from ketpath.present.i18n import translations
from ketpath.services import Author, Database, accounts, log_record, open_database
from ketpath.services.reminders import save_reminder
from mailtest import HEALTH_WORDS, Inbox, local_mail_server
from templates import migrated_sqlite_file
from webtest import TEST_HASHING, LiveServer, free_port

SENDER = "reminders@ketpath.example.org"
APP_ADDRESS = "https://ketpath.example.org/"
"""Not the address served (http://127.0.0.1:PORT/), so the link shows --base-url was used."""
ALICE = "alice@example.org"
MEI = "mei@example.org"
LATE = "late@example.org"
PASSWORD = "a long passphrase kept for tests"
SUBJECT = "Time for your ketpath check-in"
WRITTEN_HEADERS = [
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
]
"""What the sender writes: no header of its own carries anything about the person."""
RECEIVER_HEADERS = ("X-Peer", "X-MailFrom", "X-RcptTo")
"""Added by aiosmtpd's ``Message`` handler on arrival (the envelope), not by ketpath."""
ARRIVAL_SECONDS = 60.0
"""Generous: a loaded two-core machine; the waits poll and return as soon as mail is in."""
LEAK_WORDS = (*HEALTH_WORDS, "250", "risk", "mei")
"""Alice's dose as logged, an assessment word, and Mei's name, besides the usual list."""


@pytest.fixture
def mail() -> Iterator[tuple[Inbox, int]]:
    with local_mail_server() as found:
        yield found


def _due_minute() -> datetime:
    """Two minutes ago, on the minute: a daily reminder at this time is due now (for an hour)."""
    return (datetime.now(UTC) - timedelta(minutes=2)).replace(second=0, microsecond=0)


def _asks_for_a_daily_email(db: Database, email: str, *, zone: str, at: datetime) -> int:
    """A person's account whose daily e-mail at ``at`` (in ``zone``) was saved the day before."""
    user = accounts.register(
        db, email=email, password=PASSWORD, hasher=accounts.password_hasher(TEST_HASHING)
    )
    save_reminder(
        db,
        user_id=user.id,
        frequency="daily",
        at=at.astimezone(ZoneInfo(zone)).strftime("%H:%M"),
        weekday="0",
        email=True,
        zone=zone,
        email_available=True,
        now=at - timedelta(days=1),
    )
    return user.id


def _alice_logs_health_data(db: Database, user_id: int) -> str:
    """Use and a craving in Alice's records; her person's handle (never to be e-mailed)."""
    user = accounts.find_user(db, email=ALICE)
    assert user is not None and user.person_name is not None
    me = Author(user_id=user_id, role="person")
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    for record in (
        {"type": "use", "time": an_hour_ago, "dose_mg": 250, "note": "after payday"},
        {"type": "craving", "time": an_hour_ago, "intensity": 7, "trigger": "payday"},
    ):
        log_record(db, user.person_name, parse_record(record), author=me)
    return user.person_name


def _to(inbox: Inbox, address: str) -> list[Message]:
    return [message for message in inbox.messages() if message["To"] == address]


def _subject(message: Message) -> str:
    """The subject as a mail client shows it (RFC 2047 encoded words decoded)."""
    return str(make_header(decode_header(message["Subject"])))


def _body(message: Message) -> str:
    """The text of a received (single-part) message."""
    assert not message.is_multipart()
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def _written_headers(message: Message) -> list[str]:
    return [name for name in message if name not in RECEIVER_HEADERS]


def _sent_for(db: Database, user_id: int) -> datetime | None:
    """The occurrence stored as e-mailed (the claim a second look is checked against)."""
    with db.unit_of_work() as uow:
        row = uow.reminders.for_user(user_id)
    assert row is not None
    return row.last_sent_for


def test_serve_emails_each_due_reminder_once_in_the_account_s_language(
    tmp_path: Path, mail: tuple[Inbox, int]
) -> None:
    inbox, smtp_port = mail
    database = migrated_sqlite_file(tmp_path / "ketpath.db")
    due = _due_minute()
    # Zones without daylight saving: "two minutes ago" is never a skipped or doubled wall time.
    with open_database(str(database)) as db:
        alice = _asks_for_a_daily_email(db, ALICE, zone="Asia/Kolkata", at=due)
        handle = _alice_logs_health_data(db, alice)
        mei = _asks_for_a_daily_email(db, MEI, zone="Asia/Hong_Kong", at=due)
        accounts.set_language(db, user_id=mei, language="zh-Hant")
        server = LiveServer(
            database=database,
            port=free_port(),
            arguments=(
                "--smtp-host",
                "127.0.0.1",
                "--smtp-port",
                str(smtp_port),
                "--smtp-from",
                SENDER,
                "--base-url",
                APP_ADDRESS,
                "--reminder-interval",
                "1",
            ),
        )
        try:
            server.start()
            first = inbox.wait_for(2, seconds=ARRIVAL_SECONDS)
            assert sorted(message["To"] for message in first) == [ALICE, MEI]
            # Claimed in the database: the occurrence each message was for.
            assert _sent_for(db, alice) == due
            assert _sent_for(db, mei) == due
            # A newcomer's reminder arrives only from a later look, which reads Alice's and
            # Mei's first (id order) and must find them sent.
            _asks_for_a_daily_email(db, LATE, zone="UTC", at=_due_minute())
            assert [m["To"] for m in inbox.wait_for(3, seconds=ARRIVAL_SECONDS)][2:] == [LATE]
        finally:
            server.stop()
    assert len(_to(inbox, ALICE)) == 1
    assert len(_to(inbox, MEI)) == 1
    assert len(inbox.messages()) == 3

    (english,) = _to(inbox, ALICE)
    assert english["From"] == SENDER
    assert english["Auto-Submitted"] == "auto-generated"
    assert _written_headers(english) == WRITTEN_HEADERS
    assert handle not in english.as_string()
    assert _subject(english) == SUBJECT
    assert _body(english).strip().splitlines() == [SUBJECT, "", APP_ADDRESS]
    said = f"{_subject(english)}\n{_body(english)}".lower().replace("ketpath", "")
    assert [word for word in LEAK_WORDS if word in said] == []

    (chinese,) = _to(inbox, MEI)
    assert chinese["From"] == SENDER
    assert _written_headers(chinese) == WRITTEN_HEADERS
    in_chinese = translations("zh-Hant").gettext(SUBJECT)
    assert _subject(chinese) == in_chinese
    assert re.search("[\u4e00-\u9fff]", in_chinese) and "ketpath check-in" in in_chinese
    assert _body(chinese).strip().splitlines() == [in_chinese, "", APP_ADDRESS]
