"""A patient's clinic entries and red flags as the clinician reads them (issue 12, points 2 and 6).

Pure: stored entries come in as anything shaped like ``ClinicEntry`` (the
store's ``StoredRecord`` is one); the web route hands the result to the
patient page's template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from functools import cache
from typing import Any, NamedTuple, Protocol

from ketpath.core.assess.redflags import RedFlag
from ketpath.core.records import DrugScreen, Note, Record, record_time
from ketpath.knowledge import languages, rules
from ketpath.knowledge.languages import ENGLISH
from ketpath.present import views
from ketpath.present.format import local_time
from ketpath.present.i18n import _, current_language, ngettext

__all__ = [
    "AttentionItem",
    "AttentionLine",
    "ClinicEntry",
    "RosterEntry",
    "attention_view",
    "clinic_entry_text",
    "clinician_flag_view",
    "screen_or_note_rows",
]


class ClinicEntry(views.StoredEntry, Protocol):
    """A stored record with the account that entered it."""

    @property
    def created_by(self) -> int | None: ...


FLAG_EVIDENCE_SHOWN = 5


def _result_words(result: str) -> str:
    return languages.vocabulary(current_language()).label("screen_results", result)


def _method_words(method: str) -> str:
    return languages.vocabulary(current_language()).label("screen_methods", method)


def clinic_entry_text(record: Record) -> str:
    """A screen as "Negative (urine)", a note as its text; in the page's language."""
    if isinstance(record, DrugScreen):
        return _(
            "%(result)s (%(method)s)",
            result=_result_words(record.result),
            method=_method_words(record.method).lower(),
        )
    return record.text if isinstance(record, Note) else ""


def _dispute_view(note: ClinicEntry, disputed: ClinicEntry, zone: tzinfo) -> dict[str, Any]:
    record = note.record
    assert isinstance(record, Note)
    return {
        "when": local_time(record.time, zone),
        "iso": record.time.isoformat(),
        "text": record.text,
        "corrected_after": views.corrected_after(disputed, note),
    }


def screen_or_note_rows(
    entries: Sequence[ClinicEntry], zone: tzinfo, *, clinician_id: int
) -> list[dict[str, Any]]:
    """Screens and notes, newest first; each with the person's disputes of it.

    A dispute names the entry's ``id``, which a correction keeps, so it stays
    beside the corrected entry (saying it came before the correction). One
    whose entry is gone (deleted) is listed on its own, saying so.
    """
    held = {entry.record.id for entry in entries if entry.record.id is not None}
    disputes = views.disputes_by_record(entries)
    rows = []
    for entry in reversed(entries):
        record = entry.record
        if not isinstance(record, DrugScreen | Note):
            continue
        if isinstance(record, Note) and record.about is not None:
            if record.about in held:
                continue
            heading = _("The person disputed an entry since removed")
        elif isinstance(record, DrugScreen):
            heading = _("Drug screen")
        else:
            heading = (
                _("Note (by the clinic)")
                if record.author_role == "clinician"
                else _("Note (by the person)")
            )
        rows.append(
            {
                "id": entry.id,
                "type": record.type,
                "heading": heading,
                "when": local_time(record.time, zone),
                "iso": record.time.isoformat(),
                "text": clinic_entry_text(record),
                "correctable": entry.created_role == "clinician"
                and entry.created_by == clinician_id,
                "disputes": [
                    _dispute_view(note, entry, zone)
                    for note in reversed(disputes.get(record.id or "", []))
                ],
            }
        )
    return rows


def _flag_evidence(flag: RedFlag, zone: tzinfo) -> str:
    timed = [r for r in flag.finding.records if record_time(r) is not None]
    shown = timed[-FLAG_EVIDENCE_SHOWN:]
    parts = [
        f"{local_time(t, zone)}: {_(views.TYPE_LABELS.get(r.type, r.type))}: {views.summarise(r)}"
        for r in shown
        if (t := record_time(r)) is not None
    ]
    more = len(timed) - len(shown)
    return _("; ").join(parts) + (_("; and %(more)s earlier", more=more) if more else "")


def clinician_flag_view(flag: RedFlag, zone: tzinfo) -> dict[str, Any]:
    """A red flag as the clinician reads it: about the person, not to them (issue 12, point 6).

    The flag's own message and action speak to the person ("You logged…").
    Where the rules word it for the clinician (``clinician_message``) that is
    shown; otherwise what the person was shown is quoted as such. Every text
    is in the page's language (``views.flag_words_in``, from the translated rules).
    """
    words = views.flag_words_in(flag, current_language())
    own_words = words.clinician_message
    return {
        "id": flag.finding.id,
        "level": flag.level,
        "level_label": words.label,
        "name": words.label,
        "message": own_words or _("The person was shown: %(message)s", message=words.message),
        "shown": words.message if own_words else None,
        "action": words.action,
        "evidence": _flag_evidence(flag, zone),
        "note": words.note,
        **views.graded(flag.finding.grade, flag.finding.sources),
    }


class AttentionItem(Protocol):
    """One line of the roster's "Needs attention" (``services.roster.Attention``)."""

    @property
    def patient_id(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def level(self) -> str | None: ...


class RosterEntry(Protocol):
    """What the attention lines are worded from (``services.roster.RosterRow``)."""

    @property
    def flags(self) -> list[dict[str, Any]]: ...
    @property
    def positive_screens(self) -> list[datetime]: ...
    def days_silent(self, now: datetime) -> int | None: ...


@cache
def _flag_label(flag_id: str, language: str) -> str | None:
    """A red flag's own words in ``language`` (its rule's label, else its level's).

    Kept per flag and language: the rules are data loaded once, and a roster of
    a thousand patients in Chinese names several hundred flags per view.
    """
    english = rules().red_flags
    rule_id = flag_id if flag_id in english else None
    if rule_id is None:
        rule_id = next((key for key, rule in english.items() if flag_id in rule.symptoms), None)
    if rule_id is None:
        return None
    translated = languages.rules(language)
    rule = translated.red_flags[rule_id]
    return rule.label or translated.red_flag_levels[rule.level].label


def _attention_text(
    item: AttentionItem, row: RosterEntry | None, now: datetime, language: str
) -> str:
    if item.kind == "positive-screen" and row is not None:
        return ngettext(
            "%(num)s positive drug screen in the last %(days)s days",
            "%(num)s positive drug screens in the last %(days)s days",
            len(row.positive_screens),
            days=rules().roster.positive_screen_days,
        )
    if item.kind == "missed-check-in" and row is not None:
        silent = row.days_silent(now)
        if silent is None:
            return _("nothing logged yet")
        return _("nothing logged for %(days)s days", days=silent)
    if item.kind == "new-red-flag" and row is not None and language != ENGLISH:
        # The roster keeps the English sentence only; in another language the flag
        # is named by its translated label, and the patient page has the rest.
        for flag in row.flags:
            if flag.get("message") == item.text:
                label = _flag_label(str(flag.get("id")), language)
                if label is not None:
                    return label
    return item.text


class AttentionLine(NamedTuple):
    """One "Needs attention" line as shown: exactly the values its HTML is made of.

    A tuple, so the web keeps each line's HTML under it (``web.fragments``).
    """

    patient_id: int
    label: str
    kind: str
    level: str | None
    text: str


def attention_view(
    items: Sequence[AttentionItem], rows: Mapping[int, RosterEntry], now: datetime
) -> list[AttentionLine]:
    """The roster's "Needs attention" lines in the page's language (English as the roster words them).

    A thousand patients' lines share a few texts (counts of screens, days of
    silence): each is looked up in the catalog once per view, not once per line.
    """
    language = current_language()
    worded: dict[tuple[str, int | None], str] = {}
    lines = []
    for item in items:
        row = rows.get(item.patient_id)
        kind = item.kind
        if kind == "new-red-flag" and language == ENGLISH:
            text = item.text  # the roster's own English sentence
        elif row is not None and kind in _COUNTED:
            count = len(row.positive_screens) if kind == "positive-screen" else row.days_silent(now)
            found = worded.get((kind, count))
            if found is None:
                found = worded[kind, count] = _attention_text(item, row, now, language)
            text = found
        else:
            text = _attention_text(item, row, now, language)
        lines.append(AttentionLine(item.patient_id, item.label, kind, item.level, text))
    return lines


#: The lines worded from a count alone (screens in the window; days since the last entry).
_COUNTED = frozenset({"positive-screen", "missed-check-in"})
