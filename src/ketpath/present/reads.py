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
from ketpath.knowledge import languages
from ketpath.knowledge.languages import ENGLISH
from ketpath.present import views
from ketpath.present.format import weekday_day_month_year
from ketpath.present.i18n import N_, _, current_language, ngettext

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


def _times(what: str, count: int) -> str:
    """A phrase with how often: "viewed your records twice"."""
    if count == 1:
        return _("%(what)s once", what=what)
    if count == 2:
        return _("%(what)s twice", what=what)
    return ngettext("%(what)s %(num)s time", "%(what)s %(num)s times", count, what=what)


def _kind(record_type: str) -> str:
    if record_type in views.TYPE_LABELS:
        return views.type_label_lower(record_type)
    return record_type.replace("-", " ")


def _screen_result(result: str) -> str:
    """A drug screen's result mid-sentence ("negative"), named by the vocabulary outside English."""
    language = current_language()
    if language == ENGLISH:
        return result
    return languages.vocabulary(language).label("screen_results", result)


def _added(record: Record | None, record_type: str) -> str:
    if isinstance(record, DrugScreen):
        return _("added a %(result)s drug screen", result=_screen_result(record.result))
    if isinstance(record, FollowUp):
        return _("recorded a follow-up of a red flag")
    return _("added a %(kind)s", kind=_kind(record.type if record is not None else record_type))


def _phrases(entry: AuditLine, records: Mapping[int, Record]) -> list[str]:
    """What one row of the log did, in words the person reads (never the record's content but hers)."""
    detail = entry.detail
    if entry.action == "write-records":
        ids = [i for i in detail.get("ids", []) if isinstance(i, int)]
        types = [str(t) for t in detail.get("types", [])]
        if not ids:
            return [_added(None, t) for t in types] or [_(entry.words)]
        fallback = types[0] if len(types) == 1 else "record"
        return [_added(records.get(i), fallback) for i in ids]
    if entry.action == "correct-record":
        kind = _kind(str(detail.get("type", "record")))
        now = records.get(detail.get("replaced_by", 0))
        if isinstance(now, DrugScreen):
            return [
                _(
                    "corrected a %(kind)s (now %(result)s)",
                    kind=kind,
                    result=_screen_result(now.result),
                )
            ]
        return [_("corrected a %(kind)s", kind=kind)]
    if entry.action in ("delete-record", "replace-record") and detail.get("type"):
        return [_("%(what)s (%(kind)s)", what=_(entry.words), kind=_kind(str(detail["type"])))]
    return [_(entry.words)]


#: How often a clinician looked, counted as one line a day (first in the day's list).
_VIEWED = N_("viewed your records")
_ON_ROSTER = N_("saw you on their roster")


def reads_by_day(
    entries: Sequence[AuditLine], records: Mapping[int, Record], zone: tzinfo
) -> list[dict[str, Any]]:
    """The log grouped by clinician and day (in the person's zone), newest day first.

    Page views count as one line ("viewed your records 4 times"), as do
    roster views; what was added or corrected is named one by one. The words
    are in the current language (``present.i18n``).
    """
    groups: dict[tuple[date, str], Counter[tuple[int, str]]] = {}
    for entry in entries:  # newest first, so the groups are too
        day = entry.at.astimezone(zone).date()
        who = entry.actor_email or _("(deleted account)")
        counted = groups.setdefault((day, who), Counter())
        if entry.action in VIEW_ACTIONS:
            counted[(0, _(_VIEWED))] += 1
        elif entry.action == "read-roster-entry":
            counted[(0, _(_ON_ROSTER))] += 1
        else:
            counted.update((_rank(phrase), phrase) for phrase in _phrases(entry, records))
    return [
        {
            "day": weekday_day_month_year(day),
            "iso": day.isoformat(),
            "who": who,
            "what": [
                _times(phrase, count)
                if count > 1 or (rank == 0 and not _downloaded(phrase))
                else phrase
                for (rank, phrase), count in sorted(counted.items(), key=_phrase_order)
            ],
        }
        for (day, who), counted in groups.items()
    ]


def _downloaded(phrase: str) -> bool:
    # The audit log's words for "read-report" (services.audit.ACTION_WORDS), as shown.
    return phrase == _("downloaded a PDF summary of your records")


def _rank(phrase: str) -> int:
    """Looks (and downloads, worded by the audit log in English) come before what was changed."""
    return 0 if _downloaded(phrase) else 1


def _phrase_order(item: tuple[tuple[int, str], int]) -> tuple[int, str]:
    return item[0]
