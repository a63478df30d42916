"""The record types of a person's history and their canonical form.

Records are frozen Pydantic models: the interchange format (one JSON object per
line, ``{"type": ..., ...}``) is validated by the same classes the assessment
reads, so there is one definition of every field. Vocabularies come from
``knowledge/vocabulary.toml``. Times must carry a UTC offset; a naive time is
an error, never a guess.

The canonical form (:func:`record_to_dict`, :func:`record_to_json`) has a fixed
key order (``type``, ``id``, ``time``, then the fields in the order declared
here), omits empty optional fields and writes whole-number floats as integers,
so that export -> import -> export is byte-identical.

Every record has an identity, ``id`` (issue 12, point 1): stored records
always carry one, and re-importing a record whose id the person already has
changes nothing. A record that arrives without one gets either a random UUID
(a form, the API: ``store``) or, from a file, :func:`content_id` -- a UUID 5
of its canonical content, so that importing the same hand-written file twice
is a no-op too.
"""

from __future__ import annotations

import json
import math
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Annotated, Any, Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from ketpath.errors import BadInput
from ketpath.knowledge import rules, vocabulary


def _in_vocabulary(table: str) -> AfterValidator:
    def check(value: str) -> str:
        allowed = getattr(vocabulary(), table)
        if value not in allowed:
            raise ValueError(f"unknown value {value!r}; allowed: {', '.join(allowed)}")
        return value

    return AfterValidator(check)


Route = Annotated[str, _in_vocabulary("routes")]
Setting = Annotated[str, _in_vocabulary("settings")]
Motive = Annotated[str, _in_vocabulary("motives")]
CoUse = Annotated[str, _in_vocabulary("co_use")]
Sex = Annotated[str, _in_vocabulary("sexes")]
ImpactKind = Annotated[str, _in_vocabulary("impacts")]
GoalKind = Annotated[str, _in_vocabulary("goals")]
SymptomId = Annotated[str, _in_vocabulary("symptoms")]
ScreenResult = Annotated[str, _in_vocabulary("screen_results")]
ScreenMethod = Annotated[str, _in_vocabulary("screen_methods")]
FollowUpOutcome = Annotated[str, _in_vocabulary("follow_up_outcomes")]


def _known_flag(value: str) -> str:
    allowed = rules().flag_ids()
    if value not in allowed:
        raise ValueError(f"unknown red flag {value!r}; allowed: {', '.join(allowed)}")
    return value


FlagId = Annotated[str, AfterValidator(_known_flag)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]

#: The years a record (and any moment asked about) may fall in. Far dates are
#: not history, and near datetime's limits a UTC offset overflows date
#: arithmetic (year 1 at +01:00 is before year 1 in UTC): one bound, for every
#: entry point and every query.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
#: How a time is written in the interchange format, shown whenever one cannot be read.
TIME_EXAMPLE = "2026-10-01T22:00+01:00"
DATE_EXAMPLE = "2026-10-01"
#: How far ahead of the clock a record's time may be. A few minutes forgive a
#: phone whose clock runs ahead of the server's; anything later is a mistyped
#: date (a use "five weeks ahead" was once saved and then ignored by every view,
#: since the assessment reads nothing after now).
FUTURE_TOLERANCE = timedelta(minutes=5)


def time_problem(value: datetime) -> str | None:
    """Why a moment cannot be a record's time or a query's, or None when it can."""
    if value.tzinfo is None or value.utcoffset() is None:
        return f"needs a UTC offset, like {TIME_EXAMPLE}"
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return f"the year must be between {EARLIEST_YEAR} and {LATEST_YEAR}"
    return None


def _bounded(value: datetime) -> datetime:
    problem = time_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Time = Annotated[AwareDatetime, AfterValidator(_bounded)]


#: What a record id may hold: letters, digits and ``. _ : -``, up to 100 of them
#: (a UUID, a ULID, or a short name in a hand-written file). No spaces, so an id
#: reads the same in a URL, a FHIR identifier and a log line.
RECORD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
RecordId = Annotated[str, Field(pattern=RECORD_ID_PATTERN)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: RecordId | None = None
    """The record's identity (see the module notes); None until it is stored or imported."""


class Profile(_Record):
    type: Literal["profile"] = "profile"
    birth_year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    sex: Sex | None = None
    weight_kg: Annotated[float, Field(gt=20, le=400, allow_inf_nan=False)] | None = None
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as error:
                raise ValueError(
                    f"unknown time zone {value!r} (use an IANA name such as Europe/London)"
                ) from error
        return value


class Use(_Record):
    type: Literal["use"] = "use"
    time: Time
    substance: Annotated[str, Field(min_length=1, max_length=100)] = "ketamine"
    dose_mg: Annotated[float, Field(gt=0, le=100_000, allow_inf_nan=False)] | None = None
    route: Route | None = None
    setting: Setting | None = None
    motive: Motive | None = None
    co_use: tuple[CoUse, ...] = ()
    note: Text | None = None

    @field_validator("co_use")
    @classmethod
    def _no_repeats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("lists the same drug twice")
        return value


class Craving(_Record):
    type: Literal["craving"] = "craving"
    time: Time
    intensity: Annotated[int, Field(ge=0, le=10)]
    trigger: Text | None = None


class Symptom(_Record):
    type: Literal["symptom"] = "symptom"
    time: Time
    symptom: SymptomId
    severity: Annotated[int, Field(ge=1, le=3)]


class Mood(_Record):
    type: Literal["mood"] = "mood"
    time: Time
    score: Annotated[int, Field(ge=0, le=10)]


class Impact(_Record):
    type: Literal["impact"] = "impact"
    time: Time
    kind: ImpactKind


class Goal(_Record):
    type: Literal["goal"] = "goal"
    time: Time
    goal: GoalKind
    until: date | None = None


Answer = int | Literal["-"]


class Questionnaire(_Record):
    type: Literal["questionnaire"] = "questionnaire"
    time: Time
    instrument: Annotated[str, Field(min_length=1, max_length=50)]
    answers: tuple[Answer, ...]


class DrugScreen(_Record):
    type: Literal["drug-screen"] = "drug-screen"
    time: Time
    result: ScreenResult
    method: ScreenMethod


class Note(_Record):
    """Free text about the person's course, by the person or by their clinician."""

    type: Literal["note"] = "note"
    time: Time
    text: Text
    author_role: Literal["person", "clinician"]
    #: The ``id`` of the clinic record a person's note disputes (None: a plain note).
    #: The record's stable id, which a clinician's correction keeps, so the dispute
    #: stays beside the current version of the entry (and travels in an export).
    about: RecordId | None = None

    @field_validator("about", mode="before")
    @classmethod
    def _about_is_a_record_id(cls, value: object) -> object:
        """Before migration 0009 ``about`` was a database row number: refused, said so."""
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(
                f"{value} is a database row number (as ketpath wrote it before record ids);"
                ' write the id of the record the note disputes, its "id", e.g. "about": "screen-1"'
            )
        return value


class FollowUp(_Record):
    """That a red flag was seen to: by a doctor or the clinic, or it went away.

    It clears the flag it names for everything logged up to its time (an
    emergency only once its window has passed); later entries raise it again.
    """

    type: Literal["follow-up"] = "follow-up"
    time: Time
    flag: FlagId
    outcome: FollowUpOutcome
    note: Text | None = None


Record: TypeAlias = (
    Profile
    | Use
    | Craving
    | Symptom
    | Mood
    | Impact
    | Goal
    | Questionnaire
    | DrugScreen
    | Note
    | FollowUp
)
TimedRecord: TypeAlias = (
    Use | Craving | Symptom | Mood | Impact | Goal | Questionnaire | DrugScreen | Note | FollowUp
)
RECORD_TYPES: tuple[type[_Record], ...] = (
    Profile,
    Use,
    Craving,
    Symptom,
    Mood,
    Impact,
    Goal,
    Questionnaire,
    DrugScreen,
    Note,
    FollowUp,
)
TYPE_NAMES: tuple[str, ...] = tuple(str(cls.model_fields["type"].default) for cls in RECORD_TYPES)

_ADAPTER: TypeAdapter[Record] = TypeAdapter(Annotated[Record, Field(discriminator="type")])


class RecordError(BadInput):
    """A record that does not fit the interchange format.

    ``str(error)`` reads ``line N: <field>: <problem>`` when the line is known.
    """

    def __init__(self, problem: str, *, field: str | None = None, line: int | None = None) -> None:
        self.problem = problem
        self.field = field
        self.line = line
        super().__init__(self._text())

    def _text(self) -> str:
        parts = [f"line {self.line}"] if self.line is not None else []
        parts += [self.field] if self.field else []
        return ": ".join([*parts, self.problem])

    def at_line(self, line: int) -> RecordError:
        return RecordError(self.problem, field=self.field, line=line)


_NUMBER_BOUNDS = {
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
}
_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "text in quotes",
    "bool_type": "true or false",
    "list_type": 'a list, e.g. ["alcohol"]',
    "tuple_type": 'a list, e.g. ["alcohol"]',
}


def _shown(value: Any) -> str:
    """A value as the person wrote it in JSON (``'7'`` for a string, ``7.5`` for a number)."""
    if isinstance(value, str):
        return repr(value)
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _field_of(location: Sequence[str | int]) -> str:
    """``co_use.0`` for a list item; a union member's tag (``int``, ``literal[...]``) is dropped."""
    parts = [str(part) for part in location[1:]]
    while parts and not (parts[-1].isidentifier() or parts[-1].isdigit()):
        parts.pop()
    if parts and parts[-1] == "int" and len(parts) >= 2 and parts[-2].isdigit():
        parts.pop()
    return ".".join(parts) or "(record)"


def _problem_in_words(first: Mapping[str, Any], record_type: str) -> str:
    """Pydantic's error for one field, said the way a person would read it."""
    kind = first["type"]
    value = first.get("input")
    context = first.get("ctx") or {}
    if kind == "missing":
        return "missing (required)"
    if kind == "extra_forbidden":
        return f"unknown field for a {record_type} record"
    if kind == "timezone_aware":
        return f"the time {_shown(value)} has no UTC offset; write it with one, like {TIME_EXAMPLE}"
    if kind in {"datetime_parsing", "datetime_from_date_parsing", "datetime_type"}:
        return (
            f"the time {_shown(value)} is not a date and time ketpath reads; write {TIME_EXAMPLE}"
        )
    if kind in {
        "date_parsing",
        "date_from_datetime_parsing",
        "date_type",
        "date_from_datetime_inexact",
    }:
        return f"the date {_shown(value)} is not a date ketpath reads; write {DATE_EXAMPLE}"
    if kind in _NUMBER_BOUNDS:
        bound = {key: _shown(_plain_number(number)) for key, number in context.items()}
        return f"{_NUMBER_BOUNDS[kind].format(**bound)} (it was {_shown(value)})"
    if kind == "finite_number":
        return f"must be a finite number (it was {_shown(value)})"
    if kind in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[kind]} (it was {_shown(value)})"
    if kind == "literal_error":
        return f"{_shown(value)} is not one of: {context.get('expected', '?').replace(chr(39), '')}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is longer than {context.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return (
            f"{_shown(value)} is not an id ketpath keeps: use letters, digits and . _ : -"
            " (at most 100, no spaces)"
        )
    message: str = first["msg"]
    return message.removeprefix("Value error, ")


def _explain(error: ValidationError) -> RecordError:
    first = error.errors()[0]
    kind = first["type"]
    location = [str(part) for part in first["loc"]]
    if kind == "json_invalid":
        return RecordError(f"not valid JSON ({first['msg'].removeprefix('Invalid JSON: ')})")
    if kind in {"dict_type", "model_type", "model_attributes_type"} and not location:
        return RecordError("each line must be a JSON object")
    if kind == "union_tag_not_found":
        return RecordError("missing (one of: " + ", ".join(TYPE_NAMES) + ")", field="type")
    if kind == "union_tag_invalid":
        tag = first.get("ctx", {}).get("tag", "?")
        return RecordError(
            f"unknown record type {tag!r}; allowed: {', '.join(TYPE_NAMES)}", field="type"
        )
    field = _field_of(first["loc"])
    if field.startswith("answers.") and kind in {"int_type", "literal_error"}:
        return RecordError(answer_code_problem(first.get("input")), field=field)
    return RecordError(_problem_in_words(first, location[0]), field=field)


#: The skipped-item code in answer lists.
SKIPPED_ANSWER = "-"


def answer_code_problem(value: object) -> str:
    """Why ``value`` is not an answer code: one rule for the command line and every import."""
    return (
        f"{_shown(value)} is not an answer code; write the option's number in ASCII digits"
        f" (0, 1, 2, ...) or {SKIPPED_ANSWER} for a skipped item"
    )


def parse_answer_codes(text: str) -> list[int | str]:
    """Comma-separated answer codes as typed (``1,0,-,2``): ASCII digits or ``-``.

    Only ASCII digits count: ``str.isdigit`` also admits ``³`` and Arabic-Indic
    digits, which ``int()`` then reads or refuses unevenly, and JSON imports
    take only ASCII numbers. Raises :class:`RecordError` on ``answers``.
    """
    codes: list[int | str] = []
    for part in text.split(","):
        code = part.strip()
        if code == SKIPPED_ANSWER:
            codes.append(SKIPPED_ANSWER)
        elif code.isascii() and code.isdigit():
            codes.append(int(code))
        else:
            raise RecordError(answer_code_problem(code), field="answers")
    return codes


def parse_record(data: str | bytes | Mapping[str, Any]) -> Record:
    """Validate one record from a JSON text or a mapping; raise :class:`RecordError`."""
    try:
        if isinstance(data, str | bytes):
            record = _ADAPTER.validate_json(data)
        else:
            record = _ADAPTER.validate_json(json.dumps(data))
    except ValidationError as error:
        raise _explain(error) from None
    _check_questionnaire(record)
    return record


def _check_questionnaire(record: Record) -> None:
    """Questionnaire answers must fit their instrument (the scoring engine knows how)."""
    if not isinstance(record, Questionnaire):
        return
    from ketpath.core.instruments import InstrumentError, instrument_ids, score  # noqa: PLC0415

    if record.instrument not in instrument_ids():
        raise RecordError(
            f"unknown instrument {record.instrument!r}; known: {', '.join(instrument_ids())}",
            field="instrument",
        )
    try:
        score(record.instrument, record.answers)
    except InstrumentError as error:
        raise RecordError(str(error), field="answers") from None


#: Who can have created a stored record: the person, their clinician, or an
#: operator restoring a backup from the command line (``ketpath import --clinic-records``).
CREATED_ROLES = ("person", "clinician", "operator")


def clinic_record_problem(record: Record) -> RecordError | None:
    """Why a person may not enter this record themselves, or None when they may.

    Drug screens and a clinician's notes are the clinic's word: a screen earns
    or resets a reward, a note speaks for the clinician. Follow-ups are not
    clinic-only, since a person may say a flag was seen to or went away.
    """
    if isinstance(record, DrugScreen):
        return RecordError("drug screens are entered by a clinician", field="type")
    if isinstance(record, Note) and record.author_role == "clinician":
        return RecordError("a clinician's notes are entered by the clinician", field="author_role")
    return None


def is_clinic_record(record: Record) -> bool:
    """A drug screen or a clinician's note: entered by the clinic, read-only to the person."""
    return clinic_record_problem(record) is not None


def clinic_owned(record: Record, created_role: str) -> bool:
    """The clinic's: a clinic kind (whoever stored it) or anything a clinician entered.

    Such a stored record is read-only to the person, who may dispute it instead.
    """
    return is_clinic_record(record) or created_role == "clinician"


def _plain_number(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def record_to_dict(record: Record) -> dict[str, Any]:
    """The canonical mapping of a record: fixed key order, no empty optional fields.

    ``type`` comes first and ``id`` (when the record has one) right after it.
    """
    dumped = record.model_dump(mode="json", exclude_none=True)
    canonical = {"type": dumped.pop("type")}
    if "id" in dumped:
        canonical["id"] = dumped.pop("id")
    canonical.update(
        (key, _plain_number(value))
        for key, value in dumped.items()
        if value != [] or key == "answers"
    )
    return canonical


def record_to_json(record: Record) -> str:
    return json.dumps(record_to_dict(record), ensure_ascii=False, separators=(",", ":"))


#: The namespace of :func:`content_id` (migration 0007 spells the same one out).
RECORD_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ketpath:record")


def content_key(data: Mapping[str, Any]) -> str:
    """A record's canonical content without its id, keys sorted: what :func:`content_id` hashes.

    Sorted keys, not the canonical order, so that the migration that gave
    stored rows their ids can compute it from a JSON column whose key order
    the database does not keep (PostgreSQL's jsonb).
    """
    content = {key: value for key, value in data.items() if key != "id"}
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def content_id(record: Record, *, repeat: int = 0) -> str:
    """A UUID 5 of the record's content: the id of a record that came without one.

    ``repeat`` tells apart identical records in one file (two identical lines
    are two uses, not one): the first is 0, the next 1, and so on.
    """
    key = content_key(record_to_dict(record))
    return str(uuid.uuid5(RECORD_ID_NAMESPACE, f"{key}|{repeat}" if repeat else key))


def with_id(record: Record, record_id: str) -> Record:
    """The same record with ``record_id`` as its identity."""
    return record.model_copy(update={"id": record_id})


def with_content_ids(records: Iterable[Record]) -> list[Record]:
    """Records, each without an id given :func:`content_id` (repeats of one content counted)."""
    seen: Counter[str] = Counter()
    identified: list[Record] = []
    for record in records:
        if record.id is not None:
            identified.append(record)
            continue
        key = content_key(record_to_dict(record))
        identified.append(with_id(record, content_id(record, repeat=seen[key])))
        seen[key] += 1
    return identified


def future_time_problem(record: Record, *, now: datetime) -> RecordError | None:
    """A record dated more than :data:`FUTURE_TOLERANCE` after ``now``, said in words; else None."""
    time = record_time(record)
    if time is None or time <= now + FUTURE_TOLERANCE:
        return None
    return RecordError(
        f"{time:%Y-%m-%d %H:%M} is in the future; ketpath keeps what has happened", field="time"
    )


def record_time(record: Record) -> datetime | None:
    return getattr(record, "time", None)


def sort_key(record: Record) -> tuple[int, float, str, str]:
    """Profile first, then by instant, then by type, then by content: a total order.

    Profiles keep their relative order (the sort is stable and gives them no
    content key), because the last profile is the one in force.
    """
    time = record_time(record)
    if time is None:
        return (0, -math.inf, record.type, "")
    return (1, time.timestamp(), record.type, record_to_json(record))


def sorted_records(records: Iterable[Record]) -> list[Record]:
    return sorted(records, key=sort_key)


def latest_profile(records: Sequence[Record]) -> Profile | None:
    """The last profile in the sequence; later entries replace earlier ones."""
    profiles = [record for record in records if isinstance(record, Profile)]
    return profiles[-1] if profiles else None


def profile_zone(profile: Profile | None) -> tzinfo:
    """The zone a person's days are counted in: the profile's, or UTC when it names none.

    The one place this rule is written (DESIGN.md, "use-day"): the assessment
    counts days in it, and every page, report and command shows times in it.
    """
    return ZoneInfo(profile.timezone) if profile is not None and profile.timezone else UTC


def person_zone(records: Sequence[Record]) -> tzinfo:
    """``profile_zone`` of the latest profile in ``records``."""
    return profile_zone(latest_profile(records))
