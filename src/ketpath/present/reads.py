"""Who read a person's data, in words: the audit log grouped by clinician and day (issue 12, point 10).

Pure: it takes the log's rows (anything shaped like ``services.audit.AuditEntry``,
described by ``AuditLine``), the person's records by id and their zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from ketpath.core.records import DrugScreen, FollowUp, Record
from ketpath.present import views

__all__ = ["VIEW_ACTIONS", "AuditLine", "reads_by_day"]


class AuditLine(Protocol):
    """One row of the audit log as the sharing page reads it."""

    @property
    def at(self) -> datetime: ...
    @property
    def actor_email(self) -> str | None: ...
    @property
    def action(self) -> str: ...
    @property
    def detail(self) -> Mapping[str, Any]: ...
    @property
    def words(self) -> str: ...


VIEW_ACTIONS = frozenset({"read-records", "read-assessment", "read-patient-page"})


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


def _kind(record_type: str) -> str:
    return views.TYPE_LABELS.get(record_type, record_type.replace("-", " ")).lower()


def _added(record: Record | None, record_type: str) -> str:
    if isinstance(record, DrugScreen):
        return f"added a {record.result} drug screen"
    if isinstance(record, FollowUp):
        return "recorded a follow-up of a red flag"
    return f"added a {_kind(record.type if record is not None else record_type)}"


def _phrases(entry: AuditLine, records: Mapping[int, Record]) -> list[str]:
    """What one row of the log did, in words the person reads (never the record's content but hers)."""
    detail = entry.detail
    if entry.action == "write-records":
        ids = [i for i in detail.get("ids", []) if isinstance(i, int)]
        types = [str(t) for t in detail.get("types", [])]
        if not ids:
            return [_added(None, t) for t in types] or [entry.words]
        fallback = types[0] if len(types) == 1 else "record"
        return [_added(records.get(i), fallback) for i in ids]
    if entry.action == "correct-record":
        kind = _kind(str(detail.get("type", "record")))
        now = records.get(detail.get("replaced_by", 0))
        result = f" (now {now.result})" if isinstance(now, DrugScreen) else ""
        return [f"corrected a {kind}{result}"]
    if entry.action in ("delete-record", "replace-record") and detail.get("type"):
        return [f"{entry.words} ({_kind(str(detail['type']))})"]
    return [entry.words]


def reads_by_day(
    entries: Sequence[AuditLine], records: Mapping[int, Record], zone: tzinfo
) -> list[dict[str, Any]]:
    """The log grouped by clinician and day (in the person's zone), newest day first.

    Page views count as one line ("viewed your records 4 times"), as do
    roster views; what was added or corrected is named one by one.
    """
    groups: dict[tuple[date, str], Counter[str]] = {}
    for entry in entries:  # newest first, so the groups are too
        day = entry.at.astimezone(zone).date()
        who = entry.actor_email or "(deleted account)"
        counted = groups.setdefault((day, who), Counter())
        if entry.action in VIEW_ACTIONS:
            counted["viewed your records"] += 1
        elif entry.action == "read-roster-entry":
            counted["saw you on their roster"] += 1
        else:
            counted.update(_phrases(entry, records))
    return [
        {
            "day": day.strftime("%a %d %b %Y"),
            "iso": day.isoformat(),
            "who": who,
            "what": [
                f"{phrase} {_times(count)}"
                if count > 1 or phrase.startswith(("viewed", "saw"))
                else phrase
                for phrase, count in sorted(counted.items(), key=_phrase_order)
            ],
        }
        for (day, who), counted in groups.items()
    ]


def _phrase_order(item: tuple[str, int]) -> tuple[int, str]:
    phrase = item[0]
    first = ("viewed", "saw", "downloaded")
    return (0 if phrase.startswith(first) else 1, phrase)
