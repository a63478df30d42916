"""A deleted person's or account's id is never given to anyone else (issue 11, point 3).

SQLite without AUTOINCREMENT hands out ``max(id) + 1``, so deleting the newest
person and registering again reused their id, and the new person's "Who read
your data" showed the clinician who had read the deleted person's records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, delete, insert, text

from ketpath.services import accounts
from ketpath.services.accounts import User
from ketpath.services.audit import reads_of
from ketpath.services.consent import create_share, patient_entries, redeem_code
from ketpath.store import Database, make_engine, open_database
from ketpath.store.database import alembic_config
from ketpath.store.tables import audit_log, people, users

HASHER = accounts.password_hasher("CHEAPEST")


def _delete(db: Database, name: str) -> None:
    user = accounts.find_user(db, email=f"{name}@example.org")
    assert user is not None
    accounts.delete_account(
        db,
        user_id=user.id,
        password=f"{name} has a long passphrase",
        hasher=HASHER,  # make_user's
    )


def _person_id(db: Database, user: User) -> int:
    with db.engine.connect() as connection:
        found: int = connection.execute(
            text("SELECT person_id FROM users WHERE id = :id"), {"id": user.id}
        ).scalar_one()
    return found


def test_a_new_person_never_gets_a_deleted_persons_id(
    db: Database, make_user: Callable[..., User]
) -> None:
    first = make_user("first")
    first_person = _person_id(db, first)
    _delete(db, "first")
    second = make_user("second")
    assert second.id != first.id
    assert _person_id(db, second) != first_person


def test_a_new_person_does_not_see_who_read_a_deleted_persons_data(
    db: Database, make_user: Callable[..., User]
) -> None:
    bob = make_user("bob", "clinician")
    alice = make_user("alice")
    patient_id = redeem_code(db, clinician=bob, code=create_share(db, user=alice).code)
    patient_entries(db, clinician=bob, patient_id=patient_id)
    assert reads_of(db, user=alice)
    _delete(db, "alice")
    newcomer = make_user("newcomer")
    assert reads_of(db, user=newcomer) == []


def _upgrade_to(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection=connection), revision)


def test_ids_deleted_before_the_upgrade_are_not_reused_after_it(database_url: str) -> None:
    """Migration 0005 starts the counters above every id the audit log has seen."""
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    try:
        _upgrade_to(engine, "0004")
        with engine.begin() as connection:
            person_id = connection.execute(
                insert(people).values(name="u-gone", created_at=now).returning(people.c.id)
            ).scalar_one()
            user_id = connection.execute(
                insert(users)
                .values(
                    email="gone@example.org",
                    password_hash="x",
                    role="person",
                    person_id=person_id,
                    created_at=now,
                )
                .returning(users.c.id)
            ).scalar_one()
            connection.execute(
                insert(audit_log).values(
                    seq=1,
                    at=now,
                    actor_id=user_id,
                    actor_email="gone@example.org",
                    actor_role="person",
                    action="login",
                    person_id=person_id,
                    detail={},
                    prev_hash="0" * 64,
                    hash="0" * 64,
                )
            )
            connection.execute(delete(users))
            connection.execute(delete(people))
    finally:
        engine.dispose()
    with open_database(database_url) as db:
        newcomer = accounts.register(
            db, email="newcomer@example.org", password="newcomer's passphrase", hasher=HASHER
        )
        assert newcomer.id != user_id
        assert _person_id(db, newcomer) != person_id
