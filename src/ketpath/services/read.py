"""The read side: one person's stored history, read once, and what follows from it.

Every page, the clinician's patient page, the PDF summary and ``ketpath
status`` need the same few things: the records, the time zone days are counted
in, the locale of the help lines, the assessment, the weekly series the charts
draw and the questionnaire scores. Before this module each entry point put
them together by hand (four copies of the zone rule alone); now
:func:`read_person` and :func:`read_patient` return one frozen
:class:`PersonView`, and the entry points only hand it to the presentation.

:func:`read_patient` is the clinician's read: it checks the person's consent
and writes the audit row inside the transaction that reads
(``services.consent.patient_entries``), exactly as the patient routes did.

Only this module assesses a stored history for display; the assessment is
pure (``core.assess``) and runs after the transaction has ended.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cached_property
from types import MappingProxyType

from ketpath.core.assess import Assessment, assess
from ketpath.core.records import Record, latest_profile, person_zone, record_time
from ketpath.knowledge import helplines
from ketpath.present.history_charts import WEEKS_SHOWN, WeeklySeries, score_points, weekly_series
from ketpath.present.score_charts import ScorePoint
from ketpath.services.accounts import User
from ketpath.services.audit import record_refused_patient
from ketpath.services.consent import NoConsent, NotAllowed, Patient, patient_entries
from ketpath.services.records import own_entries, person_entries
from ketpath.store import Database, Person, StoredRecord

__all__ = [
    "Period",
    "PersonView",
    "person_locale",
    "person_zone",
    "read_patient",
    "read_person",
    "view_of",
]

log = logging.getLogger(__name__)


def person_locale(hint: str | None, records: Sequence[Record]) -> str:
    """The hinted locale if it is known, else the one guessed from the profile's time zone."""
    if hint and hint in helplines().locales:
        return hint
    profile = latest_profile(records)
    return helplines().for_zone(profile.timezone if profile else None)


def day_start(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), zone)


def day_end(day: date, zone: tzinfo) -> datetime:
    """The last instant of a local day (the start of the next, less a microsecond)."""
    return datetime.combine(day + timedelta(days=1), time(), zone) - timedelta(microseconds=1)


@dataclass(frozen=True, kw_only=True)
class Period:
    """Local days from ``start`` to ``end``, both inclusive (a summary's period)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @property
    def weeks(self) -> int:
        """How many weekly bars the period's charts draw."""
        return (self.end - self.start).days // 7 + 1


def _week_ends(start: date, end: date) -> list[date]:
    """Each Sunday in the period, and the period's last day when it is not one."""
    first_sunday = start + timedelta(days=6 - start.weekday())
    ends = []
    day = first_sunday
    while day < end:
        ends.append(day)
        day += timedelta(days=7)
    ends.append(end)
    return ends


@dataclass(frozen=True, kw_only=True)
class PersonView:
    """One person's history as read at ``now``, assessed at ``as_of``; immutable.

    ``as_of`` is ``now``, except for a view of a :class:`Period` that ends
    before ``now``: then it is the last instant of the period's last local day.
    The weekly series, the scores and the stage over time are worked out on
    first use (a page that draws no chart does not pay for them), from the
    records of the period when there is one.
    """

    name: str
    patient: Patient | None = None
    """Who the person is to their clinician (a view read by :func:`read_patient`)."""
    entries: tuple[StoredRecord, ...] = ()
    records: tuple[Record, ...]
    zone: tzinfo
    locale: str
    now: datetime
    as_of: datetime
    period: Period | None = None
    assessment: Assessment | None
    """None when the history could not be assessed (see :attr:`assessment_failed`)."""
    assessment_error: Exception | None = field(default=None, compare=False, repr=False)
    version: tuple[object, ...] | None = None
    """Which stored history this is, for caches of what is drawn from it (None: unknown).

    The person's id, ``created_at`` and ``records_version`` (read before the
    records, so a write in between only makes the key stale), then the count
    and the largest id of the records read: every write the app makes adds,
    deletes or replaces (a new id), so the key changes with the history.
    """

    @property
    def assessment_failed(self) -> bool:
        """One bad entry must not lock a person out of their pages: they say it failed."""
        return self.assessment is None

    def assessed(self) -> Assessment:
        """The assessment, or the error that stopped it (for callers that cannot go on without)."""
        if self.assessment is None:
            assert self.assessment_error is not None
            raise self.assessment_error
        return self.assessment

    def nothing_assessed(self) -> Assessment:
        """The assessment of no records, which pages show beside "could not be assessed".

        It states nothing about the person (no flags, no stage beyond the
        first); the pages mark it as failed, so it is never shown as fact.
        """
        return assess([], self.as_of, locale=self.locale)

    @property
    def since(self) -> datetime | None:
        """The first instant of the period (None for the whole history)."""
        return day_start(self.period.start, self.zone) if self.period else None

    @cached_property
    def in_period(self) -> tuple[Record, ...]:
        """The records of the period (untimed profiles included), or all of them."""
        since = self.since
        if since is None:
            return self.records
        return tuple(
            r for r in self.records if (t := record_time(r)) is None or since <= t <= self.as_of
        )

    @cached_property
    def weekly(self) -> WeeklySeries:
        """The weekly series the History charts draw (the period's weeks, or the last 26)."""
        weeks = self.period.weeks if self.period else WEEKS_SHOWN
        return weekly_series(self.in_period, zone=self.zone, as_of=self.as_of, weeks_shown=weeks)

    @cached_property
    def scores(self) -> Mapping[str, tuple[ScorePoint, ...]]:
        """Every scored questionnaire, by instrument, oldest first."""
        found = score_points(self.in_period)
        return MappingProxyType({key: tuple(points) for key, points in found.items()})

    @property
    def latest_scores(self) -> Mapping[str, ScorePoint]:
        """The latest score of each instrument answered."""
        return MappingProxyType({key: points[-1] for key, points in self.scores.items()})

    @cached_property
    def stage_points(self) -> tuple[tuple[date, str], ...]:
        """The stage at the end of each week of the period (never after ``as_of``).

        One assessment per week: for a year's period, 53 calls and well under a
        second. Empty without a period.
        """
        if self.period is None:
            return ()
        points = []
        for day in _week_ends(self.period.start, self.period.end):
            moment = min(day_end(day, self.zone), self.as_of)
            points.append((day, assess(self.records, moment).stage))
        return tuple(points)


def _assessed(
    records: Sequence[Record], as_of: datetime, locale: str
) -> tuple[Assessment | None, Exception | None]:
    try:
        return assess(records, as_of, locale=locale), None
    except Exception as error:  # one bad entry must not lock a person out of their pages
        log.error("a person's history could not be assessed (%s)", type(error).__name__)
        return None, error


def view_of(
    records: Sequence[Record],
    *,
    name: str = "",
    entries: Sequence[StoredRecord] = (),
    now: datetime | None = None,
    period: Period | None = None,
    locale_hint: str | None = None,
    patient: Patient | None = None,
    stored_as: Person | None = None,
) -> PersonView:
    """The view of records already read (what both reads return; pure, for tests too).

    ``stored_as`` is the person's row as read before ``entries``; with it the
    view carries a :attr:`PersonView.version`.
    """
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("the moment of a view must be timezone-aware")
    zone = person_zone(records)
    as_of = moment
    if period is not None:
        as_of = min(day_end(period.end, zone), moment)
        if as_of < day_start(period.start, zone):
            raise ValueError("the period starts after the report is generated")
    locale = person_locale(locale_hint, records)
    assessment, error = _assessed(records, as_of, locale)
    return PersonView(
        name=name,
        patient=patient,
        entries=tuple(entries),
        records=tuple(records),
        zone=zone,
        locale=locale,
        now=moment,
        as_of=as_of,
        period=period,
        assessment=assessment,
        assessment_error=error,
        version=_version(stored_as, entries),
    )


def _version(person: Person | None, entries: Sequence[StoredRecord]) -> tuple[object, ...] | None:
    if person is None:
        return None
    newest = max((entry.id for entry in entries), default=0)
    return (person.id, person.created_at, person.records_version, len(entries), newest)


def _stored_person(db: Database, name: str) -> Person | None:
    """The person's row (its ``records_version``), or None for a name nobody has."""
    with db.unit_of_work() as uow:
        return uow.people.get(name)


def read_person(
    db: Database,
    person: str | User,
    *,
    as_of: datetime | None = None,
    locale_hint: str | None = None,
    period: Period | None = None,
) -> PersonView:
    """A person's view, by name or by their account.

    A name nobody has is :class:`PersonNotFound` (a mistyped name on the
    command line); an account whose person has logged nothing yet has an
    empty history, which is what their pages show.
    """
    if isinstance(person, User):
        if person.person_name is None:
            raise NotAllowed  # a clinician's account has no history of its own
        name = person.person_name
        stored_as = _stored_person(db, name)
        entries = own_entries(db, name)
    else:
        name = person
        stored_as = _stored_person(db, name)
        entries = person_entries(db, name)
    return view_of(
        [entry.record for entry in entries],
        name=name,
        entries=entries,
        now=as_of,
        period=period,
        locale_hint=locale_hint,
        stored_as=stored_as,
    )


def read_patient(
    db: Database,
    *,
    clinician: User,
    patient_id: int,
    as_of: datetime | None = None,
    period: Period | None = None,
    action: str = "read-patient-page",
    refused_route: str | None = None,
) -> PersonView:
    """A patient's view for their clinician: consent checked and the read audited as ``action``.

    Without a standing consent (or for an id nobody has) the answer is
    :class:`NoConsent`; with ``refused_route`` (``"GET /patients/{patient_id}"``)
    the refusal is first recorded as ``patient-refused``, as every patient
    route records it.
    """
    try:
        patient, entries = patient_entries(
            db, clinician=clinician, patient_id=patient_id, action=action
        )
    except NoConsent:
        if refused_route is not None:
            record_refused_patient(db, user=clinician, patient_id=patient_id, route=refused_route)
        raise
    return view_of(
        [entry.record for entry in entries],
        name=patient.name,
        entries=entries,
        now=as_of,
        period=period,
        patient=patient,
        # Read after the records (consent first); the count and newest id in
        # the version still change with any write made in between.
        stored_as=_stored_person(db, patient.name),
    )
