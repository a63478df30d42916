"""Issue 16, point 1: roster summaries are kept fresh in the background, not by the roster request.

Runs on SQLite and PostgreSQL (the ``db`` fixture). A write, once committed,
has the person's summary recomputed by the refresher's thread, so the next
roster reads it without assessing anyone; the rollover sweep recomputes a
summary whose local date (in the person's own zone) has passed; two
refreshers on one database leave one current row per person. Nothing here
is timed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ketpath.core.assess import assess
from ketpath.core.records import Record, parse_record
from ketpath.knowledge.languages import ENGLISH
from ketpath.present.i18n import use_language
from ketpath.services import accounts, open_database
from ketpath.services import roster as roster_module
from ketpath.services.accounts import User
from ketpath.services.consent import create_share, redeem_code
from ketpath.services.records import person_records
from ketpath.services.roster import SUMMARY_VERSION, clinician_roster, stale_people
from ketpath.services.roster_refresh import RosterRefresher
from ketpath.services.writes import store_records
from ketpath.store import Database
from ketpath.store.tables import care_links, people, roster_summaries

HASHER = accounts.password_hasher("CHEAPEST")


def _user(db: Database, name: str, role: str = "person") -> User:
    return accounts.register(
        db,
        email=f"{name}@example.org",
        password=f"{name} has a long passphrase",
        role=role,
        hasher=HASHER,
    )


def _patient(db: Database, clinician: User, name: str) -> tuple[User, int]:
    """A person who shares with ``clinician``: (the person, their person id)."""
    person = _user(db, name)
    redeem_code(db, clinician=clinician, code=create_share(db, user=person).code, label=name)
    with db.unit_of_work() as uow:
        found = uow.people.get(person.person_name or "")
        assert found is not None
        return person, found.id


def _stored(db: Database) -> dict[int, dict[str, Any]]:
    """Each stored summary row: its local date, and its data, with the person's version now."""
    query = select(
        roster_summaries.c.person_id,
        roster_summaries.c.computed_for,
        roster_summaries.c.data,
        people.c.records_version,
    ).join(people, people.c.id == roster_summaries.c.person_id)
    with db.engine.connect() as connection:
        return {
            row.person_id: {
                "computed_for": row.computed_for,
                "data": dict(row.data),
                "records_version": row.records_version,
            }
            for row in connection.execute(query)
        }


@pytest.fixture
def assessments(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each stage the roster service assesses from now on (the refresher's too)."""
    calls: list[str] = []
    real = roster_module.summarise_person

    def counted(records: Any, now: Any) -> Any:
        summary = real(records, now)
        calls.append(str(summary["stage"]))
        return summary

    monkeypatch.setattr(roster_module, "summarise_person", counted)
    yield calls


def _symptom(moment: datetime, symptom: str = "blood-in-urine") -> Record:
    return parse_record(
        {"type": "symptom", "time": moment.isoformat(), "symptom": symptom, "severity": 2}
    )


def test_a_write_makes_the_roster_row_current_without_the_roster_assessing_anyone(
    db: Database, assessments: list[str]
) -> None:
    bob = _user(db, "bob", "clinician")
    alice, alice_id = _patient(db, bob, "alice")
    name = alice.person_name or ""
    now = datetime.now(UTC)
    refresher = RosterRefresher(db, sweep_interval=3600)
    refresher.start()
    try:
        store_records(db, name, [_symptom(now - timedelta(hours=2))])
        assert refresher.wait_until_idle(timeout=30)
    finally:
        refresher.stop()
    assert assessments, "the refresher assessed her after the write"
    stored = _stored(db)[alice_id]
    expected_stage = assess(person_records(db, name), now).stage
    assert stored["data"]["version"] == SUMMARY_VERSION
    assert stored["data"]["records_version"] == stored["records_version"]
    assert stored["data"]["records"] == 1
    assert stored["data"]["stage"] == expected_stage
    assert stored["data"]["level"] == "urgent"
    assert stored["computed_for"] == now.date().isoformat()  # no profile: her day is UTC's

    assessments.clear()
    roster = clinician_roster(db, clinician=bob, now=now)
    assert assessments == []  # the request read the summary; it assessed nobody
    [row] = roster.rows
    assert (row.label, row.level, row.stage, row.records) == ("alice", "urgent", expected_stage, 1)
    assert ("alice", "new-red-flag") in {(item.label, item.kind) for item in roster.attention}


def test_a_burst_of_writes_is_recomputed_once_not_once_per_write(
    db: Database, assessments: list[str]
) -> None:
    """The refresher waits for a burst to end (its ``settle``) and then assesses the person once.

    It used to start a round for every write it was told of, which at a couple
    of hundred API writes a second cost the server a share of its CPU.
    """
    bob = _user(db, "bob", "clinician")
    alice, alice_id = _patient(db, bob, "alice")
    now = datetime.now(UTC)
    refresher = RosterRefresher(db, sweep_interval=3600, settle=1.0)
    refresher.start()
    try:
        assert refresher.wait_until_idle(timeout=30)  # the first sweep gives her a summary
        assessments.clear()
        for hours in range(5, 0, -1):
            store_records(db, alice.person_name or "", [_symptom(now - timedelta(hours=hours))])
        assert refresher.wait_until_idle(timeout=30)
    finally:
        refresher.stop()
    assert len(assessments) == 1
    stored = _stored(db)[alice_id]
    assert stored["data"]["records"] == 5
    assert stored["data"]["records_version"] == stored["records_version"]


def test_a_write_during_a_round_waits_for_the_next_rounds_settle(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone written while the refresher assesses them is recomputed a settle later, not at once.

    A round used to drain until nobody was left, so a person written without
    pause (32 clients on one account) was assessed in one round after another
    with no settle between them. Sleeps never end early, so the gap asserted
    here cannot pass by chance.
    """
    bob = _user(db, "bob", "clinician")
    alice, _alice_id = _patient(db, bob, "alice")
    name = alice.person_name or ""
    now = datetime.now(UTC)
    settle = 0.5
    in_round, go_on = threading.Event(), threading.Event()
    began: list[float] = []
    ended: list[float] = []
    real = roster_module.summarise_person

    def paused_once(records: Any, moment: Any) -> Any:
        began.append(time.monotonic())
        if len(began) == 1:  # the round of the first write: hold it while another write lands
            in_round.set()
            assert go_on.wait(timeout=30)
        summary = real(records, moment)
        ended.append(time.monotonic())
        return summary

    refresher = RosterRefresher(db, sweep_interval=3600, settle=settle)
    refresher.start()
    try:
        assert refresher.wait_until_idle(timeout=30)  # the first sweep gives her a summary
        monkeypatch.setattr(roster_module, "summarise_person", paused_once)
        store_records(db, name, [_symptom(now - timedelta(hours=3))])
        assert in_round.wait(timeout=30)
        store_records(db, name, [_symptom(now - timedelta(hours=2))])  # lands mid-round
        go_on.set()
        assert refresher.wait_until_idle(timeout=30)
    finally:
        refresher.stop()
    assert len(began) == 2, "the round of the first write, then one more for the second"
    assert began[1] - ended[0] >= settle
    assert _stored(db)[_alice_id]["data"]["records"] == 2


def test_a_write_by_someone_on_no_roster_assesses_nobody_and_stores_no_summary(
    db: Database, assessments: list[str]
) -> None:
    """A summary is for a clinician's roster: nobody shared with, nothing computed.

    Before, every write queued an assessment of the writer's whole history even
    with no clinician, which cost a heavy API writer throughput for nothing.
    """
    carol = _user(db, "carol")
    refresher = RosterRefresher(db, sweep_interval=3600)
    refresher.start()
    try:
        store_records(
            db, carol.person_name or "", [_symptom(datetime.now(UTC) - timedelta(hours=1))]
        )
        assert refresher.wait_until_idle(timeout=30)
    finally:
        refresher.stop()
    assert assessments == []
    assert _stored(db) == {}


def test_the_sweep_refreshes_a_summary_from_yesterdays_local_date_and_no_other(
    db: Database,
) -> None:
    bob = _user(db, "bob", "clinician")
    kiri, kiri_id = _patient(db, bob, "kiri")
    london, london_id = _patient(db, bob, "london")
    evening = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)  # 22:00 in Auckland (UTC+12)
    profile = parse_record({"type": "profile", "timezone": "Pacific/Auckland"})
    mood = parse_record({"type": "mood", "time": "2026-05-19T09:00:00Z", "score": 6})
    store_records(db, kiri.person_name or "", [profile, mood])
    store_records(db, london.person_name or "", [mood])
    clinician_roster(db, clinician=bob, now=evening)  # no refresher: the request computes them
    before = _stored(db)
    assert before[kiri_id]["computed_for"] == "2026-05-20"
    assert before[london_id]["computed_for"] == "2026-05-20"

    after_midnight = evening + timedelta(hours=3)  # 01:00 on the 21st in Auckland; UTC's 20th
    assert stale_people(db, now=after_midnight) == [kiri_id]
    refresher = RosterRefresher(db, clock=lambda: after_midnight)
    assert refresher.sweep() == 1
    after = _stored(db)
    assert after[kiri_id]["computed_for"] == "2026-05-21"
    assert after[kiri_id]["data"]["zone"] == "Pacific/Auckland"
    assert after[kiri_id]["data"]["records_version"] == after[kiri_id]["records_version"]
    assert after[london_id] == before[london_id]  # her day has not changed: left alone
    assert refresher.sweep() == 0  # a second sweep finds nothing to do
    assert stale_people(db, now=after_midnight) == []


def test_two_refreshers_on_one_database_leave_one_current_row_per_person(
    db: Database, database_url: str
) -> None:
    bob = _user(db, "bob", "clinician")
    patients = [_patient(db, bob, f"person{number}") for number in range(6)]
    now = datetime.now(UTC)
    for number, (person, _) in enumerate(patients):
        moods = [
            parse_record(
                {"type": "mood", "time": (now - timedelta(days=day)).isoformat(), "score": 5}
            )
            for day in range(1, number + 2)
        ]
        store_records(db, person.person_name or "", moods)
    other = open_database(database_url)
    first = RosterRefresher(db, clock=lambda: now)
    second = RosterRefresher(other, clock=lambda: now)
    ids = [person_id for _, person_id in patients]
    try:
        writer_done = threading.Event()

        def write_more() -> None:  # writes land while both refreshers work
            for person, _ in patients[:3]:
                store_records(db, person.person_name or "", [_symptom(now - timedelta(hours=1))])
            writer_done.set()

        workers = [
            threading.Thread(target=first.sweep),
            threading.Thread(target=second.sweep),
            threading.Thread(target=write_more),
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert writer_done.is_set()
        for refresher in (first, second):  # each catches up as a minute's sweep would
            refresher.mark(ids)
            refresher.drain()
    finally:
        other.close()
    with db.engine.connect() as connection:
        rows = connection.execute(select(roster_summaries.c.person_id)).scalars().all()
    assert sorted(rows) == sorted(ids)  # one row per person
    stored = _stored(db)
    for number, (_, person_id) in enumerate(patients):
        row = stored[person_id]
        assert row["data"]["records_version"] == row["records_version"]
        assert row["computed_for"] == now.date().isoformat()
        written = number + 1 + (1 if number < 3 else 0)
        assert row["data"]["records"] == written
        assert row["data"]["level"] == ("urgent" if number < 3 else None)


def test_a_warm_roster_parses_a_summary_once_and_each_clinician_sees_their_own_label(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Warm views reuse the parsed summary; a stored change, or another label, is still shown.

    Two clinicians name one person differently; the second view of each parses
    no summary (``json.loads`` is not called for it), shows that clinician's own
    label, and a summary replaced in the database (as another process would)
    is parsed afresh and shown at once.
    """
    bob = _user(db, "bob", "clinician")
    dana = _user(db, "dana", "clinician")
    alice, alice_id = _patient(db, bob, "Alice")
    redeem_code(db, clinician=dana, code=create_share(db, user=alice).code, label="A. (clinic 2)")
    clinician_roster(db, clinician=bob)  # the cold view stores her summary
    parsed: list[str] = []
    real_loads = json.loads

    def counted(text: str) -> Any:
        parsed.append(text)
        return real_loads(text)

    monkeypatch.setattr(json, "loads", counted)
    first = clinician_roster(db, clinician=bob)
    for _view in range(2):
        assert [row.label for row in clinician_roster(db, clinician=bob).rows] == ["Alice"]
        assert [row.label for row in clinician_roster(db, clinician=dana).rows] == ["A. (clinic 2)"]
    assert len(parsed) <= 1  # at most the first view after the cold one parsed her summary
    [row] = first.rows
    replaced = {**_stored(db)[alice_id]["data"], "stage": "dependence"}
    with db.engine.begin() as connection:
        connection.execute(
            roster_summaries.update()
            .where(roster_summaries.c.person_id == alice_id)
            .values(data=replaced)
        )
    [changed] = clinician_roster(db, clinician=bob).rows
    assert (row.stage != "dependence", changed.stage, changed.label) == (
        True,
        "dependence",
        "Alice",
    )


def test_a_kept_row_is_named_in_each_views_language_and_by_the_links_label_now(
    db: Database,
) -> None:
    """A link without a label reads "Patient <id>" in the view's language, warm or not.

    The row kept from one view is named for the language and the link's label
    it was made with; a view in another language, or after the link's label
    changed in the database, names it afresh.
    """
    bob = _user(db, "bob", "clinician")
    carol = _user(db, "carol")
    redeem_code(db, clinician=bob, code=create_share(db, user=carol).code)
    clinician_roster(db, clinician=bob)  # the cold view stores her summary
    with db.unit_of_work() as uow:
        carol_id = uow.people.get(carol.person_name or "")
        assert carol_id is not None
    labels = []
    for language in (ENGLISH, "zh-Hant", "zh-Hant", ENGLISH):
        with use_language(language):
            labels.append([row.label for row in clinician_roster(db, clinician=bob).rows])
    with db.engine.begin() as connection:
        connection.execute(
            care_links.update().where(care_links.c.person_id == carol_id.id).values(label="C.")
        )
    [[relabelled]] = [[row.label for row in clinician_roster(db, clinician=bob).rows]]
    patient = f"Patient {carol_id.id}"
    assert labels == [[patient], [f"病人 {carol_id.id}"], [f"病人 {carol_id.id}"], [patient]]
    assert relabelled == "C."
