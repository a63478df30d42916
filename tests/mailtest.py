"""A real SMTP server on a free port of 127.0.0.1 (aiosmtpd), for the reminder e-mail tests.

Importable from any test (``tests`` is on the path). ``LocalMailServer``
runs aiosmtpd's ``Controller`` in its own thread and keeps every message that
arrives, parsed, in ``received``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message as EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from webtest import free_port

WAIT_SECONDS = 10.0
#: Words that must never appear in a reminder e-mail: health content, and Alice's name.
HEALTH_WORDS = (
    "ketamine",
    "craving",
    "payday",
    "dose",
    "use",
    "bladder",
    "pain",
    "mood",
    "flag",
    "lapse",
    "alice",
)


class Inbox(Message):
    """Keeps what arrives (the aiosmtpd handler's ``handle_message``)."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[EmailMessage] = []
        self._lock = threading.Lock()

    def handle_message(self, message: EmailMessage) -> None:
        with self._lock:
            self.received.append(message)

    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.received)

    def wait_for(self, count: int, seconds: float = WAIT_SECONDS) -> list[EmailMessage]:
        """The messages once ``count`` have arrived (or all there are after ``seconds``)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and len(self.messages()) < count:
            time.sleep(0.02)
        return self.messages()


@contextmanager
def local_mail_server() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server listening on 127.0.0.1: (its inbox, its port)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
