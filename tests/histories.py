"""Builders for test histories: short, readable records at chosen days and hours.

Day 0 is 2026-01-01 in UTC unless a zone is given; ``at(day, hour)`` turns a
day number into an aware time, so tests read as "use on day 12 at 22:00".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from ketpath.core.records import Record, parse_record

DAY_ZERO = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: float, hour: float = 12.0, zone: tzinfo = UTC) -> datetime:
    """Day ``day`` at ``hour`` on the wall clock of ``zone``."""
    local = datetime(2026, 1, 1) + timedelta(days=day, hours=hour)
    return local.replace(tzinfo=zone)


def end_of(day: int, zone: tzinfo = UTC) -> datetime:
    return at(day + 1, 0, zone) - timedelta(microseconds=1)


def record(record_type: str, when: datetime | None = None, /, **fields: Any) -> Record:
    data: dict[str, Any] = {"type": record_type, **fields}
    if when is not None:
        data["time"] = when.isoformat()
    return parse_record(data)


def use(day: float, hour: float = 12.0, zone: tzinfo = UTC, **fields: Any) -> Record:
    return record("use", at(day, hour, zone), **fields)


def uses_on(days: Any, hour: float = 12.0, **fields: Any) -> list[Record]:
    return [use(day, hour, **fields) for day in days]


def symptom(day: float, name: str, severity: int = 2, hour: float = 12.0) -> Record:
    return record("symptom", at(day, hour), symptom=name, severity=severity)


def craving(day: float, intensity: int, hour: float = 12.0) -> Record:
    return record("craving", at(day, hour), intensity=intensity)


def goal(day: float, kind: str = "stop", hour: float = 12.0) -> Record:
    return record("goal", at(day, hour), goal=kind)


def impact(day: float, kind: str = "conflict", hour: float = 12.0) -> Record:
    return record("impact", at(day, hour), kind=kind)


def questionnaire(day: float, instrument: str, answers: list[Any], hour: float = 12.0) -> Record:
    return record("questionnaire", at(day, hour), instrument=instrument, answers=answers)


def profile(**fields: Any) -> Record:
    return record("profile", None, **fields)


def follow_up(day: float, flag: str, outcome: str = "seen-by-doctor", hour: float = 12.0) -> Record:
    return record("follow-up", at(day, hour), flag=flag, outcome=outcome)


def without_id(record: Record) -> Record:
    """The record as it was written, before storing or importing gave it an id."""
    return record.model_copy(update={"id": None})


def without_ids(records: Iterable[Record]) -> list[Record]:
    """Records compared by what they say: every stored record has an id, a parsed one may not."""
    return [without_id(record) for record in records]


_CANONICAL_ID = re.compile(r'^(\{"type":"[^"]+"),"id":"[^"]+"', re.MULTILINE)


def jsonl_without_ids(text: str) -> str:
    """Canonical JSONL with each line's ``id`` (right after ``type``) taken out, byte for byte otherwise."""
    return _CANONICAL_ID.sub(r"\1", text)
