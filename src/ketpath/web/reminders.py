"""The private calendar feed, ``/calendar/<secret>.ics``, and keeping its address out of logs.

Calendar apps fetch the feed unattended and cannot log in, so the secret in
the address is the whole of its protection: a wrong or revoked one is 404,
exactly like a page that does not exist, and the person sets, replaces and
turns it off on the Account page (``web.accounts``). The answer is
``no-store`` like every page (``web.security``), so no cache keeps a copy.

``ketpath serve`` writes no access log (uvicorn's is off). Where ketpath is
run under uvicorn or another ASGI server with its access log on, the filter
from :func:`redact_feed_addresses` replaces the secret in each line of
``uvicorn.access`` with ``[redacted]``, so an operator's log file is not a
list of open feeds.
"""

from __future__ import annotations

import logging
import re

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from ketpath.services import Database
from ketpath.services.accounts import utc_now
from ketpath.services.reminders import MailServer, ReminderSender, calendar_feed_text
from ketpath.web.deps import database, settings
from ketpath.web.settings import Settings

router = APIRouter(include_in_schema=False)

FEED_PREFIX = "/calendar/"
FEED_ADDRESS = re.compile(r"(/calendar/)[^/?#\s\"]+?(\.ics)")
REDACTED = r"\1[redacted]\2"
ACCESS_LOGGER = "uvicorn.access"
DEFAULT_BASE_URL = "http://127.0.0.1:8000/"
"""``ketpath serve``'s own address when nothing else is known."""


@router.api_route("/calendar/{token}.ics", methods=["GET", "HEAD"], name="calendar_feed")
def calendar_feed(request: Request, token: str) -> Response:
    body = calendar_feed_text(database(request), token=token)
    if body is None:
        raise HTTPException(status_code=404)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="ketpath-check-in.ics"'},
    )


def feed_url(request: Request, token: str) -> str:
    """The feed's full address: under the app's public address when one is set.

    Behind a reverse proxy the address a request arrived at is the proxy's
    inside one; ``--base-url`` says what calendar apps outside must use.
    """
    public: str | None = settings(request).base_url
    if public:
        return f"{public.rstrip('/')}{FEED_PREFIX}{token}.ics"
    return str(request.url_for("calendar_feed", token=token))


def redact(text: str) -> str:
    """``text`` with every feed secret replaced by ``[redacted]``."""
    return FEED_ADDRESS.sub(REDACTED, text)


class FeedAddressFilter(logging.Filter):
    """Rewrites a log record's arguments (uvicorn's access log passes the path as one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact(argument) if isinstance(argument, str) else argument
                for argument in record.args
            )
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def redact_feed_addresses(logger_name: str = ACCESS_LOGGER) -> None:
    """Install :class:`FeedAddressFilter` on the access logger once."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(each, FeedAddressFilter) for each in logger.filters):
        logger.addFilter(FeedAddressFilter())


def reminder_sender(db: Database, config: Settings) -> ReminderSender | None:
    """The background e-mail sender for these settings, or None when no SMTP server is set."""
    mail: MailServer | None = config.mail_server
    if mail is None:
        return None
    return ReminderSender(
        db,
        mail=mail,
        base_url=config.base_url or DEFAULT_BASE_URL,
        clock=config.reminder_clock or utc_now,
        interval=config.reminder_interval_seconds,
    )
