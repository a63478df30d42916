"""The record types of a person's history and their canonical form.

Records are frozen Pydantic models: the interchange format (one JSON object per
line, ``{"type": ..., ...}``) is validated by the same classes the assessment
reads, so there is one definition of every field. Vocabularies come from
``knowledge/vocabulary.toml``. Times must carry a UTC offset; a naive time is
an error, never a guess.

The canonical form (:func:`record_to_dict`, :func:`record_to_json`) has a fixed
key order (``type``, ``time``, then the fields in the order declared here),
omits empty optional fields and writes whole-number floats as integers, so that
export -> import -> export is byte-identical.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
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


def time_problem(value: datetime) -> str | None:
    """Why a moment cannot be a record's time or a query's, or None when it can."""
    if value.tzinfo is None or value.utcoffset() is None:
        return "needs a UTC offset, e.g. 2026-05-01T23:10:00+01:00"
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return f"the year must be between {EARLIEST_YEAR} and {LATEST_YEAR}"
    return None


def _bounded(value: datetime) -> datetime:
    problem = time_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Time = Annotated[AwareDatetime, AfterValidator(_bounded)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


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
    #: The stored id of the clinic record a person's note disputes (None: a plain note).
    #: A database id, so it is meaningful only in the store it was written in.
    about: Annotated[int, Field(ge=1)] | None = None


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


class RecordError(ValueError):
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
    field = ".".join(location[1:]) or "(record)"
    message = first["msg"].removeprefix("Value error, ")
    if kind == "missing":
        message = "missing (required)"
    elif kind == "extra_forbidden":
        message = f"unknown field for a {location[0]} record"
    elif kind == "timezone_aware":
        message = "needs a UTC offset, e.g. 2026-05-01T23:10:00+01:00"
    return RecordError(message, field=field)


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


def _plain_number(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def record_to_dict(record: Record) -> dict[str, Any]:
    """The canonical mapping of a record: fixed key order, no empty optional fields."""
    dumped = record.model_dump(mode="json", exclude_none=True)
    return {
        key: _plain_number(value)
        for key, value in dumped.items()
        if value != [] or key == "answers"
    }


def record_to_json(record: Record) -> str:
    return json.dumps(record_to_dict(record), ensure_ascii=False, separators=(",", ":"))


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
