"""Bounds on records: per import, and per person, on every write path (issue 11, point 15).

One 4.6 MB upload once stored 70,000 records, and nothing stopped a person
(or a script with their token) from storing more; at 70,000 records every page
of theirs took 1-3 seconds. ``Database.limits`` (``store.RecordLimits``) holds
both bounds; the web app sets them from its ``Settings``. Every service that
adds records calls :func:`make_room` inside its unit of work with the count
read as the person's row was locked by the ``records_version`` bump
(``PeopleRepository.lock_for_adding``), so two concurrent writers cannot both
squeeze under the quota (on SQLite writers are serialised anyway; on
PostgreSQL the second waits for the first's row lock, and its count then
includes the first's committed records).
"""

from __future__ import annotations

from ketpath.errors import BadInput
from ketpath.store import RecordLimits


class TooManyRecords(BadInput):
    """More records than one import, or one person, may hold; nothing was stored."""

    def __init__(self, message: str, *, limit: int) -> None:
        self.limit = limit
        super().__init__(message)


def check_import_size(count: int, limits: RecordLimits) -> None:
    """Refuse one import (or API request) of more than ``limits.per_import`` records."""
    if count > limits.per_import:
        raise TooManyRecords(
            f"{count:,} records is more than one import may hold ({limits.per_import:,});"
            " split the file",
            limit=limits.per_import,
        )


def make_room(limits: RecordLimits, *, adding: int, held: int) -> None:
    """Refuse adding ``adding`` records when the person would then hold more than the quota.

    ``held`` is the person's count as the caller read it with the row lock
    (``PeopleRepository.lock_for_adding``).
    """
    if adding == 0:
        return
    if held + adding > limits.per_person:
        raise TooManyRecords(
            f"this would bring the history to {held + adding:,} records, more than"
            f" one person may keep ({limits.per_person:,}); nothing was stored",
            limit=limits.per_person,
        )
