"""Check-in reminder e-mails arrive at a real SMTP server, once, and say nothing about health.

A local aiosmtpd server stands in for the deployment's mail server. ketpath
is configured to send through it, with a clock of the test's own and a sender
that looks every 50 ms instead of every minute. Alice has logged a craving
(there is health content to leak); she asks for a daily 09:00 reminder in
Paris by e-mail, the clock moves to just after the next 09:00, and what
arrives is read: the subject and body say only "Time for your ketpath
check-in" and the app's address, and one message arrives however many times
the sender looks, in however many app instances.
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
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketpath.present.i18n import translations
from ketpath.services import accounts
from ketpath.services.reminders import MailServer, send_due_reminders
from ketpath.web.app import create_app
from mailtest import HEALTH_WORDS, Inbox, local_mail_server
from webtest import BASE_URL, TEST_HASHING, free_port, login, settings_for

PARIS = ZoneInfo("Europe/Paris")
APP_ADDRESS = "https://ketpath.example.org/"
SENDER = "reminders@ketpath.example.org"
EMAIL = "alice@example.org"
PASSWORD = "alice keeps a long passphrase"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def mail() -> Iterator[tuple[Inbox, int]]:
    with local_mail_server() as found:
        yield found


def _app(tmp_path: Path, port: int, clock: Clock) -> FastAPI:
    return create_app(
        settings_for(
            tmp_path,
            mail_server=MailServer(host="127.0.0.1", port=port, sender=SENDER),
            base_url=APP_ADDRESS,
            reminder_clock=clock,
            reminder_interval_seconds=0.05,
        )
    )


def _alice_asks_for_a_daily_email(app: FastAPI, client: TestClient) -> None:
    accounts.register(
        app.state.db,
        email=EMAIL,
        password=PASSWORD,
        role="person",
        hasher=accounts.password_hasher(TEST_HASHING),
    )
    assert login(client, EMAIL, PASSWORD).status_code == 303
    client.post("/account/zone", data={"timezone": "Europe/Paris"})
    client.post("/log/craving", data={"intensity": "7", "trigger": "payday"})
    saved = client.post(
        "/account/reminders",
        data={"frequency": "daily", "time": "09:00", "weekday": "0", "email": "on"},
        follow_redirects=False,
    )
    assert saved.status_code == 303


def _just_after_the_next_nine_in_paris() -> datetime:
    tomorrow = datetime.now(PARIS).date() + timedelta(days=1)
    return datetime.combine(tomorrow, datetime.min.time().replace(hour=9), PARIS).astimezone(
        UTC
    ) + timedelta(seconds=30)


def _body(message: Message) -> str:
    """The text of a received (single-part) message."""
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def test_a_due_reminder_arrives_once_and_says_only_time_for_a_check_in(
    tmp_path: Path, mail: tuple[Inbox, int]
) -> None:
    inbox, port = mail
    clock = Clock(datetime.now(UTC))
    app = _app(tmp_path, port, clock)
    with TestClient(app, base_url=BASE_URL) as client:
        _alice_asks_for_a_daily_email(app, client)
        assert inbox.wait_for(1, seconds=0.5) == []  # 09:00 has not come yet
        clock.now = _just_after_the_next_nine_in_paris()
        received = inbox.wait_for(1)
        assert len(received) == 1
        # The sender keeps looking every 50 ms, and a second run by hand finds nothing to send.
        assert inbox.wait_for(2, seconds=0.5) == received
        mail_server = MailServer(host="127.0.0.1", port=port, sender=SENDER)
        again = send_due_reminders(
            app.state.db, mail=mail_server, base_url=APP_ADDRESS, now=clock.now
        )
        assert again == 0
    (message,) = inbox.messages()
    assert message["Subject"] == "Time for your ketpath check-in"
    assert message["To"] == EMAIL
    assert message["From"] == SENDER
    body = _body(message)
    assert body.strip().splitlines() == ["Time for your ketpath check-in", "", APP_ADDRESS]
    text = f"{message['Subject']}\n{body}".lower()
    assert [word for word in HEALTH_WORDS if word in text.replace("ketpath", "")] == []


def test_the_reminder_is_in_the_language_chosen_on_the_account(
    tmp_path: Path, mail: tuple[Inbox, int]
) -> None:
    """Chosen on Account, stored on the account: the e-mail (sent with no request) follows it."""
    inbox, port = mail
    clock = Clock(datetime.now(UTC))
    app = _app(tmp_path, port, clock)
    with TestClient(app, base_url=BASE_URL) as client:
        _alice_asks_for_a_daily_email(app, client)
        client.post("/account/language", data={"language": "zh-Hant-HK", "back": "/account"})
        clock.now = _just_after_the_next_nine_in_paris()
        assert len(inbox.wait_for(1)) == 1
    (message,) = inbox.messages()
    subject = str(make_header(decode_header(message["Subject"])))  # RFC 2047 encoded words
    assert subject == translations("zh-Hant-HK").gettext("Time for your ketpath check-in")
    # Chinese, and still the words Account promises a reminder says ("ketpath check-in").
    assert re.search("[\u4e00-\u9fff]", subject) and "ketpath check-in" in subject
    assert _body(message).strip().splitlines() == [subject, "", APP_ADDRESS]


def test_two_senders_on_one_database_send_one_message(
    tmp_path: Path, mail: tuple[Inbox, int]
) -> None:
    inbox, port = mail
    clock = Clock(datetime.now(UTC))
    first = _app(tmp_path, port, clock)
    with TestClient(first, base_url=BASE_URL) as client:
        _alice_asks_for_a_daily_email(first, client)
        second = _app(tmp_path, port, clock)  # another worker, or the app after a restart
        with TestClient(second, base_url=BASE_URL):
            clock.now = _just_after_the_next_nine_in_paris()
            assert len(inbox.wait_for(1)) == 1
            assert len(inbox.wait_for(2, seconds=0.5)) == 1
    # A restart the next minute sends nothing new either.
    clock.now += timedelta(minutes=1)
    third = _app(tmp_path, port, clock)
    with TestClient(third, base_url=BASE_URL):
        assert len(inbox.wait_for(2, seconds=0.5)) == 1
    # The next day's 09:00 is a new reminder.
    clock.now += timedelta(days=1)
    with TestClient(_app(tmp_path, port, clock), base_url=BASE_URL):
        assert len(inbox.wait_for(2)) == 2


def test_a_reminder_the_mail_server_refused_is_sent_on_the_next_round(
    tmp_path: Path, mail: tuple[Inbox, int]
) -> None:
    inbox, port = mail
    clock = Clock(datetime.now(UTC))
    app = create_app(settings_for(tmp_path))
    with TestClient(app, base_url=BASE_URL) as client:
        _signed_up_without_email_sender(app, client)
        nowhere = MailServer(host="127.0.0.1", port=free_port(), sender=SENDER)
        working = MailServer(host="127.0.0.1", port=port, sender=SENDER)
        clock.now = _just_after_the_next_nine_in_paris()
        db = app.state.db
        assert send_due_reminders(db, mail=nowhere, base_url=APP_ADDRESS, now=clock.now) == 0
        assert send_due_reminders(db, mail=working, base_url=APP_ADDRESS, now=clock.now) == 1
        assert send_due_reminders(db, mail=working, base_url=APP_ADDRESS, now=clock.now) == 0
    assert len(inbox.wait_for(1)) == 1


def test_a_reminder_long_past_when_the_server_comes_back_is_not_sent(
    tmp_path: Path, mail: tuple[Inbox, int]
) -> None:
    inbox, port = mail
    app = create_app(settings_for(tmp_path))
    with TestClient(app, base_url=BASE_URL) as client:
        _signed_up_without_email_sender(app, client)
        noon = _just_after_the_next_nine_in_paris() + timedelta(hours=3)
        working = MailServer(host="127.0.0.1", port=port, sender=SENDER)
        sent = send_due_reminders(app.state.db, mail=working, base_url=APP_ADDRESS, now=noon)
    assert sent == 0
    assert inbox.wait_for(1, seconds=0.3) == []


def _signed_up_without_email_sender(app: FastAPI, client: TestClient) -> None:
    """Alice's daily e-mail saved straight through the service (this app has no mail server)."""
    from ketpath.services.reminders import save_reminder

    user = accounts.register(
        app.state.db,
        email=EMAIL,
        password=PASSWORD,
        role="person",
        hasher=accounts.password_hasher(TEST_HASHING),
    )
    save_reminder(
        app.state.db,
        user_id=user.id,
        frequency="daily",
        at="09:00",
        weekday="0",
        email=True,
        zone="Europe/Paris",
        email_available=True,
    )


def test_without_a_mail_server_email_reminders_are_shown_as_unavailable(
    tmp_path: Path,
) -> None:
    app = create_app(settings_for(tmp_path))
    with TestClient(app, base_url=BASE_URL) as client:
        accounts.register(
            app.state.db,
            email=EMAIL,
            password=PASSWORD,
            role="person",
            hasher=accounts.password_hasher(TEST_HASHING),
        )
        login(client, EMAIL, PASSWORD)
        page = client.get("/account").text
        assert "E-mail reminders are unavailable: this server has no mail server set up." in page
        assert 'name="email"' not in page
        refused = client.post(
            "/account/reminders",
            data={"frequency": "daily", "time": "09:00", "weekday": "0", "email": "on"},
        )
    assert refused.status_code == 400
    assert "This server cannot send e-mail" in refused.text


def test_with_a_mail_server_the_account_page_offers_email_to_the_accounts_address(
    tmp_path: Path, mail: tuple[Inbox, int]
) -> None:
    _inbox, port = mail
    app = _app(tmp_path, port, Clock(datetime.now(UTC)))
    with TestClient(app, base_url=BASE_URL) as client:
        _alice_asks_for_a_daily_email(app, client)
        page = client.get("/account").text
    assert f"Also e-mail me at {EMAIL}" in page
    assert 'name="email" value="on" checked' in page
    assert '<input type="radio" name="frequency" value="daily" checked>' in page
    assert 'value="09:00"' in page
    assert "In Europe/Paris." in page
