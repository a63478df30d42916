"""With several server processes, one at a time takes a background job (issue 16, point 2).

Each process of ``serve --workers N`` runs a roster refresher; the day-rollover
sweep walks everyone, so only the process holding the job's advisory lock
sweeps a round and the others skip it. Two ``Database`` objects (two engines,
two connection pools) stand in for two processes here. SQLite serves one
process, so there the job is always this one's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ketpath.core.records import Record
from ketpath.services import import_records
from ketpath.services.accounts import User
from ketpath.services.consent import create_share, redeem_code
from ketpath.services.roster_refresh import RosterRefresher
from ketpath.store import Database, open_database
from ketpath.store.process_locks import one_process_at_a_time


def test_a_second_process_skips_the_job_while_the_first_holds_it(
    db: Database, database_url: str
) -> None:
    with open_database(database_url) as other:
        with (
            one_process_at_a_time(db, "roster-sweep") as first,
            one_process_at_a_time(other, "roster-sweep") as second,
        ):
            assert first is True
            assert second is (db.engine.dialect.name != "postgresql")
        with one_process_at_a_time(other, "roster-sweep") as after_release:
            assert after_release is True


def test_a_refresher_skips_the_sweep_while_another_process_sweeps(
    db: Database,
    database_url: str,
    make_user: Callable[..., User],
    alice_records: list[Record],
) -> None:
    alice = make_user("alice")
    bob = make_user("bob", role="clinician")
    assert alice.person_name is not None
    own = [record for record in alice_records if record.type != "drug-screen"]  # the clinic's
    import_records(db, alice.person_name, own)
    redeem_code(db, clinician=bob, code=create_share(db, user=alice).code)
    with db.unit_of_work() as uow:  # no refresher ran: alice is on a roster without a summary
        on_roster = uow.roster.person_ids([alice.person_name])[alice.person_name]
        assert uow.roster.linked_without_summary() == [on_roster]

    with open_database(database_url) as other:
        refresher = RosterRefresher(other, clock=lambda: datetime(2026, 11, 30, 12, tzinfo=UTC))
        with one_process_at_a_time(db, "roster-sweep"):
            while_taken = refresher.sweep()
        after = refresher.sweep()

    if db.engine.dialect.name == "postgresql":
        assert (while_taken, after) == (0, 1)  # skipped, then alice's summary made
    else:
        assert (while_taken, after) == (1, 0)  # one process: it sweeps; then nothing is stale
