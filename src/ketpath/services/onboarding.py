"""First-run onboarding: whether a person has finished it, and recording that they did.

A new person is shown the onboarding once after the first sign-in (issue 14,
point 2). "New" means nothing logged yet: no record but the profile that
registration may have started with the browser's time zone
(``services.accounts.sign_up``). Finishing it is kept on the account
(``users.onboarded_at``, migration 0012), so it is not offered again; the
person can still open it from More.
"""

from __future__ import annotations

from datetime import datetime

from ketpath.core.records import Profile
from ketpath.services.records import own_entries
from ketpath.store import Database


def onboarded(db: Database, *, user_id: int) -> bool:
    """Whether the account has finished the onboarding."""
    with db.unit_of_work() as uow:
        row = uow.users.get(user_id)
    return row is not None and row.onboarded_at is not None


def nothing_logged(db: Database, person_name: str) -> bool:
    """Whether the person has no record other than a profile."""
    return all(isinstance(entry.record, Profile) for entry in own_entries(db, person_name))


def needs_onboarding(db: Database, *, user_id: int, person_name: str | None) -> bool:
    """A person account that has not finished the onboarding and has logged nothing yet."""
    if person_name is None:
        return False
    return not onboarded(db, user_id=user_id) and nothing_logged(db, person_name)


def finish_onboarding(db: Database, *, user_id: int, now: datetime) -> None:
    """Keep the moment the onboarding was finished (an earlier finish is kept as it was)."""
    with db.unit_of_work(write=True) as uow:
        uow.users.set_onboarded(user_id, now)
        uow.commit()
