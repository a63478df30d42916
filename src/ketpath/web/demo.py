"""The demo account of ``ketpath serve --demo``: an example history that ends yesterday.

The history is ``examples/escalating-user.jsonl`` (a copy ships in the package,
``web/demo/``), moved by whole days so that its last day is yesterday in each
record's own time zone; a newcomer then sees a dashboard as it looks for
someone using now, with red flags, not a history that stopped months ago.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from importlib import resources

from ketpath.core.records import Record, parse_record, record_time, record_to_dict
from ketpath.interop.jsonl import parse_jsonl
from ketpath.services import Database, accounts, import_records

DEMO_EMAIL = "demo@ketpath.invalid"
DEMO_HISTORY = "demo/escalating-user.jsonl"


def demo_history() -> list[Record]:
    text = resources.files("ketpath.web").joinpath(DEMO_HISTORY).read_text(encoding="utf-8")
    return parse_jsonl(text.splitlines())


def ending_yesterday(records: list[Record], *, today: date) -> list[Record]:
    """The records moved by whole days so that the latest local date is ``today - 1``."""
    timed = [moment for record in records if (moment := _local_time(record)) is not None]
    if not timed:
        return list(records)
    shift = timedelta(days=(today - timedelta(days=1) - max(timed).date()).days)
    return [_shifted(record, shift) for record in records]


def _local_time(record: Record) -> datetime | None:
    """The record's time in its own offset (``record_time`` is in UTC), or None for a profile."""
    if record_time(record) is None:
        return None
    return datetime.fromisoformat(str(record_to_dict(record)["time"]))


def _shifted(record: Record, shift: timedelta) -> Record:
    data = record_to_dict(record)
    if "time" in data:
        data["time"] = (datetime.fromisoformat(str(data["time"])) + shift).isoformat()
    if data.get("until"):
        data["until"] = (date.fromisoformat(str(data["until"])) + shift).isoformat()
    return parse_record(data)


def create_demo_account(db: Database, *, today: date) -> tuple[str, str]:
    """Register the demo account with the shifted history; its email and a fresh password."""
    password = "demo-" + secrets.token_urlsafe(12)
    user = accounts.register(db, email=DEMO_EMAIL, password=password)
    assert user.person_name is not None
    import_records(
        db, user.person_name, ending_yesterday(demo_history(), today=today), create=False
    )
    return DEMO_EMAIL, password
