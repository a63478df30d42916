"""Contingency-management schedules: one per person, set by their clinician.

The table has a column for each setting every contingency-management schedule
has (start value, increment, cap, what resets it, how many negatives bring it
back); the settings exactly as the feature passed them are kept alongside as
JSON, so a setting it adds later needs no migration. :meth:`get` returns those
settings with the columns and who/when on top. Decimals are kept as text (JSON
has no decimal type), dates and times as ISO 8601.

The stored table keeps its first name, ``cm_schedules`` (renaming it would
need a migration for no reader's benefit). Nothing here commits; an open unit
of work carries the repository as ``uow.contingency_schedules``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ketpath.store.tables import contingency_schedules

SETTING_ALIASES = {"cap": "max_value", "return_after_negatives": "return_after"}
"""Column names and the contingency feature's names for the same setting."""
COLUMN_DEFAULTS: dict[str, Any] = {
    "start_value": 0.0,
    "increment": 0.0,
    "cap": 0.0,
    "reset_on_positive": True,
    "reset_on_missed": False,
    "return_after_negatives": 0,
}
"""What a column holds when the settings given do not say."""


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _setting(settings: Mapping[str, Any], column: str) -> Any:
    for key in (column, SETTING_ALIASES.get(column, column)):
        if key in settings and settings[key] is not None:
            return settings[key]
    return COLUMN_DEFAULTS[column]


def _columns(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "start_value": float(_setting(settings, "start_value")),
        "increment": float(_setting(settings, "increment")),
        "cap": float(_setting(settings, "cap")),
        "reset_on_positive": bool(_setting(settings, "reset_on_positive")),
        "reset_on_missed": bool(_setting(settings, "reset_on_missed")),
        "return_after_negatives": int(_setting(settings, "return_after_negatives")),
    }


def stored_values(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The row's values for these settings: the columns, and every setting as plain JSON."""
    return {**_columns(settings), "settings": _plain(dict(settings))}


class ContingencyScheduleRepository:
    """One schedule per person; the settings come back as the feature saved them."""

    COLUMNS = (
        "start_value",
        "increment",
        "cap",
        "reset_on_positive",
        "reset_on_missed",
        "return_after_negatives",
        "settings",
    )

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, person_id: int) -> dict[str, Any] | None:
        row = self._connection.execute(
            select(contingency_schedules).where(contingency_schedules.c.person_id == person_id)
        ).first()
        if row is None:
            return None
        mapping = row._mapping
        return {
            **{column: mapping[column] for column in self.COLUMNS if column != "settings"},
            **dict(mapping["settings"]),
            "clinician_id": mapping["clinician_id"],
            "created_at": mapping["created_at"],
            "updated_at": mapping["updated_at"],
        }

    def save(
        self, person_id: int, *, clinician_id: int, settings: Mapping[str, Any], now: datetime
    ) -> None:
        """Create or replace the person's schedule with these settings (see :func:`stored_values`)."""
        values = stored_values(settings)
        exists = contingency_schedules.c.person_id == person_id
        found = self._connection.execute(select(contingency_schedules.c.id).where(exists)).first()
        if found is None:
            self._connection.execute(
                insert(contingency_schedules).values(
                    person_id=person_id,
                    clinician_id=clinician_id,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
        else:
            self._connection.execute(
                update(contingency_schedules)
                .where(exists)
                .values(clinician_id=clinician_id, updated_at=now, **values)
            )
