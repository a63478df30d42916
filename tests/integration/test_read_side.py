"""The read side (``services.read``) on a real database (SQLite and PostgreSQL).

alice is a person; bob is her clinician, with her consent; charlie is another
clinician, without it. What is checked is what a page would show (the zone,
the stage, the records) and what was stored (the audit rows).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ketpath.core.records import parse_record, record_time
from ketpath.services import PersonNotFound, import_records
from ketpath.services.accounts import User
from ketpath.services.audit import list_entries
from ketpath.services.consent import NoConsent, create_share, redeem_code
from ketpath.services.read import Period, read_patient, read_person
from ketpath.store import Database

ROUTE = "GET /patients/{patient_id}"
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def _uses(days: range) -> list[dict[str, object]]:
    return [
        {
            "type": "use",
            "time": f"2026-05-{day:02d}T21:30:00Z",
            "dose_mg": 50,
            "route": "intranasal",
        }
        for day in days
    ]


def _log(db: Database, user: User, items: list[dict[str, object]]) -> None:
    assert user.person_name is not None
    import_records(db, user.person_name, [parse_record(item) for item in items])


def _actions(db: Database) -> list[str]:
    return [entry.action for entry in list_entries(db)]


def test_the_zone_is_the_profiles_else_utc(db: Database, make_user: Callable[..., User]) -> None:
    alice = make_user("alice")
    _log(db, alice, _uses(range(1, 4)))
    assert read_person(db, alice, as_of=NOW).zone == UTC
    _log(db, alice, [{"type": "profile", "timezone": "Europe/London"}])
    view = read_person(db, alice, as_of=NOW)
    assert view.zone == ZoneInfo("Europe/London")
    assert view.locale == "UK"  # the help lines follow the zone unless a locale is chosen
    assert read_person(db, alice, as_of=NOW, locale_hint="US").locale == "US"


def test_a_person_who_has_logged_nothing_has_an_empty_view_but_a_mistyped_name_is_refused(
    db: Database,
    make_user: Callable[..., User],
) -> None:
    alice = make_user("alice")
    view = read_person(db, alice, as_of=NOW)
    assert (view.records, view.entries, view.zone) == ((), (), UTC)
    assert view.assessment is not None and view.assessment.use_days_total == 0
    with pytest.raises(PersonNotFound):
        read_person(db, "nobody-of-that-name", as_of=NOW)


def test_the_view_holds_the_assessment_series_and_scores_of_the_stored_history(
    db: Database,
    make_user: Callable[..., User],
) -> None:
    alice = make_user("alice")
    phq9 = {"type": "questionnaire", "time": "2026-05-10T08:00:00Z", "instrument": "phq9"}
    _log(db, alice, [*_uses(range(1, 15)), {**phq9, "answers": [1, 1, 1, 1, 1, 0, 0, 0, 0]}])
    view = read_person(db, alice, as_of=NOW)
    assert view.assessment is not None
    assert view.assessment.use_days_total == 14
    assert sum(view.weekly.use_days) == 14
    assert [point.total for point in view.scores["phq9"]] == [5.0]
    assert view.latest_scores["phq9"].total == 5.0
    assert view.stage_points == ()  # stage over time is for a period's summary


def test_a_periods_view_is_assessed_at_the_periods_end_with_one_stage_a_week(
    db: Database,
    make_user: Callable[..., User],
) -> None:
    alice = make_user("alice")
    _log(db, alice, _uses(range(1, 15)))
    period = Period(start=date(2026, 5, 4), end=date(2026, 5, 17))  # Monday to Sunday
    view = read_person(db, alice.person_name or "", as_of=NOW, period=period)
    assert view.as_of == datetime(2026, 5, 17, 23, 59, 59, 999_999, tzinfo=UTC)
    assert [day for day, _stage in view.stage_points] == [date(2026, 5, 10), date(2026, 5, 17)]
    times = [record_time(r) for r in view.in_period]
    assert times == [datetime(2026, 5, day, 21, 30, tzinfo=UTC) for day in range(4, 15)]


def test_the_view_cannot_be_changed(db: Database, make_user: Callable[..., User]) -> None:
    alice = make_user("alice")
    _log(db, alice, _uses(range(1, 4)))
    view = read_person(db, alice, as_of=NOW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.zone = ZoneInfo("Europe/Paris")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.weekly = view.weekly
    assert isinstance(view.records, tuple) and isinstance(view.entries, tuple)
    with pytest.raises(TypeError):
        view.scores["phq9"] = ()  # type: ignore[index]


def test_without_consent_a_patient_read_is_refused_and_the_refusal_audited(
    db: Database,
    make_user: Callable[..., User],
) -> None:
    alice, bob, charlie = (
        make_user("alice"),
        make_user("bob", "clinician"),
        make_user("charlie", "clinician"),
    )
    _log(db, alice, _uses(range(1, 4)))
    alice_id = redeem_code(db, clinician=bob, code=create_share(db, user=alice).code)
    before = _actions(db)
    with pytest.raises(NoConsent):
        read_patient(db, clinician=charlie, patient_id=alice_id, refused_route=ROUTE)
    (probe,) = list_entries(db)[len(before) :]
    assert (probe.action, probe.actor_email) == ("patient-refused", charlie.email)
    assert (probe.person_id, probe.detail) == (alice_id, {"patient_id": alice_id, "route": ROUTE})
    assert "read-patient-page" not in _actions(db)


def test_a_consented_patient_read_is_audited_exactly_once(
    db: Database, make_user: Callable[..., User]
) -> None:
    alice, bob = make_user("alice"), make_user("bob", "clinician")
    _log(db, alice, [{"type": "profile", "timezone": "Europe/London"}, *_uses(range(1, 4))])
    alice_id = redeem_code(db, clinician=bob, code=create_share(db, user=alice).code)
    before = len(list_entries(db))
    view = read_patient(db, clinician=bob, patient_id=alice_id, as_of=NOW)
    (read,) = list_entries(db)[before:]
    assert (read.action, read.actor_email, read.person_id) == (
        "read-patient-page",
        bob.email,
        alice_id,
    )
    assert read.detail == {"count": 4}
    assert view.patient is not None and view.patient.id == alice_id
    assert view.zone == ZoneInfo("Europe/London")
    assert view.assessment is not None and view.assessment.use_days_total == 3
    _ = (view.weekly, view.scores)  # what the page draws reads nothing more
    assert len(list_entries(db)) == before + 1
