"""Turn the logging forms into records, and records back into form values.

Pure functions: the routes hand over the submitted fields, the person's time
zone and the moment of the request. Every record goes through
``parse_record``, the same validation an imported file gets, so a form can
store nothing that an import would refuse; its ``RecordError`` names the field.

A ``datetime-local`` input carries no offset. It is read in the person's
profile time zone (UTC when the profile names none), which is also how the
assessment counts use-days; an ambiguous or skipped local time (a clock
change) takes ``zoneinfo``'s ``fold=0`` reading, which is at most an hour off.
While the profile names no zone, the forms send the browser's current UTC
offset (``utc_offset``, minutes east, filled by ``static/browser-zone.js``)
and typed times are read in it, so what the person meant is stored and does
not shift when a zone is set later (issue 12, point 3). Every form that takes
a time (/log, editing an entry, a questionnaire) reads it through
:func:`form_zone`; the edit form, which starts from a stored time, has the
script show that time in the same offset. The "Last night" button logs
yesterday at 22:00 in the same zone.

A refused form is said in the page's language by :func:`translated_error`,
keyed on the refused field (issue 15); in English the validators' own words
stand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from ketpath.core.instruments import InstrumentError, get_instrument
from ketpath.core.records import (
    Craving,
    Goal,
    Impact,
    Mood,
    Questionnaire,
    Record,
    RecordError,
    Symptom,
    Use,
    latest_profile,
    parse_record,
    record_time,
)
from ketpath.knowledge import languages
from ketpath.knowledge.languages import ENGLISH
from ketpath.present.i18n import N_, _, current_language

#: The record types a person logs from /log (questionnaires have their own pages);
#: a follow-up is sent from the red flag it clears.
LOGGABLE = ("use", "craving", "symptom", "mood", "impact", "goal", "follow-up")
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
LAST_NIGHT = time(22, 0)
"""What "Last night" means: yesterday at 22:00, local time."""
MAX_OFFSET_MINUTES = 14 * 60
BROWSER_OFFSET_FIELD = "utc_offset"
"""The hidden field a form sends the browser's UTC offset in (``static/browser-zone.js`` fills it)."""


class UnansweredItemError(RecordError):
    """A questionnaire item left unanswered; names the item so the page can say which, in words."""

    def __init__(self, *, position: int, instrument_id: str, item_id: str, label: str) -> None:
        super().__init__(f"question {position} ({label}) needs an answer", field="answers")
        self.position = position
        self.instrument_id = instrument_id
        self.item_id = item_id


class SimpleForm:
    """Submitted fields as plain strings (repeated fields keep every value); files dropped."""

    def __init__(self, values: Mapping[str, str | Sequence[str]]) -> None:
        self._values = {
            key: [value] if isinstance(value, str) else list(value) for key, value in values.items()
        }

    @classmethod
    def from_items(cls, items: Iterable[tuple[str, object]]) -> SimpleForm:
        """From ``FormData.multi_items()``: text fields only, in the order sent."""
        values: dict[str, list[str]] = {}
        for key, value in items:
            if isinstance(value, str):
                values.setdefault(key, []).append(value)
        return cls(values)

    def get(self, key: str) -> str | None:
        values = self._values.get(key)
        return values[0] if values else None

    def getlist(self, key: str) -> list[str]:
        return list(self._values.get(key, []))

    def first_values(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._values.items() if values}


def _text(form: SimpleForm, key: str) -> str | None:
    value = form.get(key)
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def parse_local_time(value: str | None, *, zone: tzinfo, now: datetime) -> datetime:
    """A ``datetime-local`` value read in ``zone``; blank means ``now``."""
    if not value:
        return now.astimezone(zone)
    try:
        naive = datetime.strptime(value.strip()[:16], LOCAL_INPUT_FORMAT)
    except ValueError:
        raise RecordError("not a date and time (expected YYYY-MM-DDTHH:MM)", field="time") from None
    return naive.replace(tzinfo=zone)


def zone_is_set(records: Sequence[Record]) -> bool:
    """Whether the person's profile names a zone (else the forms send the browser's offset)."""
    profile = latest_profile(records)
    return profile is not None and bool(profile.timezone)


def form_zone(records: Sequence[Record], form: SimpleForm) -> tzinfo:
    """The zone a submitted form's typed times are read in: one rule for every form that takes a time.

    /log, the edit form and the questionnaires all come here, so a time typed
    on any of them is read alike (see :func:`typing_zone`).
    """
    profile = latest_profile(records)
    return typing_zone(profile.timezone if profile else None, form.get(BROWSER_OFFSET_FIELD))


def typing_zone(profile_zone: str | None, utc_offset: str | None) -> tzinfo:
    """The zone typed times are read in: the profile's, else the browser's offset, else UTC."""
    if profile_zone:
        return ZoneInfo(profile_zone)
    try:
        minutes = int((utc_offset or "").strip())
    except ValueError:
        return UTC
    if minutes == 0 or abs(minutes) > MAX_OFFSET_MINUTES:
        return UTC
    return timezone(timedelta(minutes=minutes))


def last_night(now: datetime, zone: tzinfo) -> datetime:
    """Yesterday at 22:00 in ``zone``."""
    yesterday = now.astimezone(zone).date() - timedelta(days=1)
    return datetime.combine(yesterday, LAST_NIGHT, tzinfo=zone)


def to_local_input(moment: datetime, zone: tzinfo) -> str:
    """The value a ``datetime-local`` input shows for ``moment`` in ``zone``."""
    return moment.astimezone(zone).strftime(LOCAL_INPUT_FORMAT)


def _number(form: SimpleForm, key: str) -> float | int | None:
    value = _text(form, key)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise RecordError(f"{value!r} is not a number", field=key) from None
    return int(number) if number.is_integer() else number


def _whole(form: SimpleForm, key: str) -> int | None:
    number = _number(form, key)
    if number is not None and not float(number).is_integer():
        raise RecordError(f"{number} is not a whole number", field=key)
    return None if number is None else int(number)


def _fields(kind: str, form: SimpleForm) -> dict[str, Any]:
    """The type-specific fields of a logging form, before validation."""
    if kind == "use":
        return {
            "dose_mg": _number(form, "dose_mg"),
            "route": _text(form, "route"),
            "setting": _text(form, "setting"),
            "motive": _text(form, "motive"),
            "co_use": form.getlist("co_use"),
            "note": _text(form, "note"),
        }
    if kind == "craving":
        return {"intensity": _whole(form, "intensity"), "trigger": _text(form, "trigger")}
    if kind == "symptom":
        return {"symptom": _text(form, "symptom"), "severity": _whole(form, "severity")}
    if kind == "mood":
        return {"score": _whole(form, "score")}
    if kind == "impact":
        return {"kind": _text(form, "kind")}
    if kind == "goal":
        return {"goal": _text(form, "goal"), "until": _text(form, "until")}
    if kind == "follow-up":
        return {
            "flag": _text(form, "flag"),
            "outcome": _text(form, "outcome"),
            "note": _text(form, "note"),
        }
    raise RecordError(f"cannot log {kind!r} here; one of: {', '.join(LOGGABLE)}", field="type")


def record_from_form(kind: str, form: SimpleForm, *, zone: tzinfo, now: datetime) -> Record:
    """Build and validate one record of type ``kind`` from a submitted logging form."""
    fields = _fields(kind, form)
    if form.get("when") == "last-night":
        moment = last_night(now, zone)
    else:
        moment = parse_local_time(_text(form, "time"), zone=zone, now=now)
    data = {"type": kind, "time": moment.isoformat()}
    data.update({key: value for key, value in fields.items() if value not in (None, [])})
    return parse_record(data)


def form_values(record: Record, zone: tzinfo) -> dict[str, Any]:
    """The values an edit form starts from: the record's fields, time in ``zone``."""
    values: dict[str, Any] = {}
    if isinstance(record, Use):
        values = {
            "dose_mg": "" if record.dose_mg is None else f"{record.dose_mg:g}",
            "route": record.route or "",
            "setting": record.setting or "",
            "motive": record.motive or "",
            "co_use": list(record.co_use),
            "note": record.note or "",
        }
    elif isinstance(record, Craving):
        values = {"intensity": record.intensity, "trigger": record.trigger or ""}
    elif isinstance(record, Symptom):
        values = {"symptom": record.symptom, "severity": record.severity}
    elif isinstance(record, Mood):
        values = {"score": record.score}
    elif isinstance(record, Impact):
        values = {"kind": record.kind}
    elif isinstance(record, Goal):
        values = {"goal": record.goal, "until": record.until.isoformat() if record.until else ""}
    moment = record_time(record)
    values["time"] = to_local_input(moment, zone) if moment else ""
    # For a person with no zone yet, browser-zone.js shows the time in the browser's
    # offset, the one it sends back, so a form saved unchanged moves nothing.
    values["time_utc"] = moment.astimezone(UTC).isoformat() if moment else ""
    return values


def questionnaire_from_form(
    instrument_id: str, form: SimpleForm, *, zone: tzinfo, now: datetime
) -> Questionnaire:
    """A questionnaire record from one radio group per item (``item-<id>``).

    Items that a skip rule leaves out are written ``-`` when the rule applies,
    whatever was submitted for them; any other unanswered item is an error
    naming it, because a missing answer scored as 0 would understate a total.
    """
    instrument = get_instrument(instrument_id)
    raw = {item.id: _text(form, f"item-{item.id}") for item in instrument.items}
    skipped: set[str] = set()
    for rule in instrument.skip_rules:
        trigger = raw.get(rule.when)
        if trigger is not None and trigger.isdecimal() and int(trigger) in rule.codes:
            skipped.update(rule.skip)
    answers: list[int | str] = []
    for position, item in enumerate(instrument.items, start=1):
        if item.id in skipped:
            answers.append("-")
            continue
        value = raw[item.id]
        if value is None or not value.isdecimal():
            raise UnansweredItemError(
                position=position, instrument_id=instrument.id, item_id=item.id, label=item.label
            )
        answers.append(int(value))
    moment = parse_local_time(_text(form, "time"), zone=zone, now=now)
    record = parse_record(
        {
            "type": "questionnaire",
            "time": moment.isoformat(),
            "instrument": instrument.id,
            "answers": answers,
        }
    )
    assert isinstance(record, Questionnaire)
    return record


# ---------------------------------------------------------------- errors in words

FIELD_PROBLEMS = {
    "dose_mg": N_(
        "The amount must be a number of mg above 0, or left empty if you do not know it."
    ),
    "intensity": N_("Choose how strong the craving is, from 0 to 10."),
    "score": N_("Choose your mood, from 0 to 10."),
    "severity": N_("Choose how bad the symptom is from the choices offered."),
    "symptom": N_("Choose a symptom from the list."),
    "route": N_("Choose how from the list, or leave it at “Not saying”."),
    "setting": N_("Choose where from the list, or leave it at “Not saying”."),
    "motive": N_("Choose why from the list, or leave it at “Not saying”."),
    "co_use": N_("Choose what it was mixed with from the choices offered."),
    "kind": N_("Choose what happened from the choices offered."),
    "goal": N_("Choose a goal from the choices offered."),
    "until": N_("The “until” date is not one ketpath can read; pick it with the date picker."),
    "note": N_("The note is too long: at most 2000 characters."),
    "trigger": N_("What set it off is too long: at most 2000 characters."),
    "flag": N_("This follow-up does not name a red flag ketpath knows."),
    "outcome": N_("Choose what happened with the red flag from the choices offered."),
    "answers": N_(
        "Some answers do not fit this questionnaire; answer each question with one of its choices."
    ),
}
"""What to tell a person about a field the validators refused, by the field's name.

Outside English, a refused entry is said in the page's language keyed on the
field (the validators in ``core`` word their problems in English for files
and the command line, and ``core`` stays free of the UI catalogs). English
keeps the validators' own precise wording (:func:`translated_error`).
"""


def _time_problem(error: RecordError) -> str:
    """A refused time: after now (``core.records.future_time_problem``), else unreadable.

    The two kinds share the field, so the future one is told by its English
    problem text, which ``future_time_problem`` words and its tests pin.
    """
    if "in the future" in error.problem:
        return _(
            "That time is in the future; ketpath keeps what has already happened. Check the date and time."
        )
    return _("That is not a date and time ketpath can read; pick it with the date and time picker.")


def _answer_problem(error: UnansweredItemError) -> str:
    instrument = languages.instruments(current_language())[error.instrument_id]
    label = instrument.item(error.item_id).label
    return _(
        "Question %(position)s (%(label)s) needs an answer.", position=error.position, label=label
    )


def translated_error(error: RecordError | InstrumentError) -> str | None:
    """What was wrong with one entry in the page's language; None in English.

    In English the caller shows the validator's own words, as it always has.
    """
    if current_language() == ENGLISH:
        return None
    if isinstance(error, UnansweredItemError):
        return _answer_problem(error)
    if isinstance(error, InstrumentError):
        return _(FIELD_PROBLEMS["answers"])
    if error.field in (None, "time"):
        return _time_problem(error)
    field = error.field.partition(".")[0]
    if field in FIELD_PROBLEMS:
        return _(FIELD_PROBLEMS[field])
    return _("Something in this entry could not be saved. Check it and try again.")
