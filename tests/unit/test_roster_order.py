"""The roster's order, taken from knowledge/rules.toml [roster.order], on a fixed set of patients.

The order was written in ``services/roster.py`` before it moved into the
knowledge base; this fixed set pins it, so moving it (or editing the TOML)
cannot reorder a clinician's list unnoticed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from ketpath.knowledge import rules
from ketpath.services import roster as roster_module
from ketpath.services.roster import NOT_ASSESSED, RosterRow

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _row(label: str, *, level: str | None, stage: str, silent_days: float | None) -> RosterRow:
    last_entry = None if silent_days is None else NOW - timedelta(days=silent_days)
    return RosterRow(
        patient_id=len(label),
        label=label,
        level=level,
        flags=[],
        stage=stage,
        last_entry=last_entry,
        last_use=None,
        positive_screens=[],
        records=1,
        assessed=stage != NOT_ASSESSED,
    )


PATIENTS = [
    _row("no-use, silent 2 d", level=None, stage="no-use", silent_days=2),
    _row("past-use, silent 1 d", level=None, stage="past-use", silent_days=1),
    _row("regular, silent 3 d", level=None, stage="regular", silent_days=3),
    _row("regular, never logged", level=None, stage="regular", silent_days=None),
    _row("regular, silent 9 d", level=None, stage="regular", silent_days=9),
    _row("soon, experimental", level="soon", stage="experimental", silent_days=1),
    _row("urgent, occasional", level="urgent", stage="occasional", silent_days=1),
    _row("urgent, dependent", level="urgent", stage="dependent", silent_days=1),
    _row("emergency, no-use", level="emergency", stage="no-use", silent_days=0.5),
    _row("not assessed", level=None, stage=NOT_ASSESSED, silent_days=None),
    _row("addiction-cycle", level=None, stage="addiction-cycle", silent_days=1),
    _row("dependent", level=None, stage="dependent", silent_days=1),
    _row("early-abstinence", level=None, stage="early-abstinence", silent_days=40),
    _row("occasional", level=None, stage="occasional", silent_days=1),
    _row("experimental", level=None, stage="experimental", silent_days=1),
    _row("early-remission", level=None, stage="early-remission", silent_days=100),
    _row("sustained-remission", level=None, stage="sustained-remission", silent_days=400),
]


def test_the_roster_puts_the_unassessed_then_flags_then_stage_then_the_longest_silence_first() -> (
    None
):
    ordered = sorted(PATIENTS, key=lambda row: row.sort_key(NOW))
    assert [row.label for row in ordered] == [
        "not assessed",
        "emergency, no-use",
        "urgent, dependent",
        "urgent, occasional",
        "soon, experimental",
        "addiction-cycle",
        "dependent",
        "regular, never logged",
        "regular, silent 9 d",
        "regular, silent 3 d",
        "early-abstinence",
        "occasional",
        "experimental",
        "early-remission",
        "sustained-remission",
        "past-use, silent 1 d",
        "no-use, silent 2 d",
    ]


def test_an_order_by_other_keys_sorts_by_those_keys_in_that_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``[roster.order] by`` is data: silence first, then level, and stage not at all."""
    order = rules().roster.order.model_copy(update={"by": ("silence", "level")})
    roster_rules = rules().roster.model_copy(update={"order": order})
    monkeypatch.setattr(roster_module, "rules", lambda: SimpleNamespace(roster=roster_rules))
    ordered = sorted(PATIENTS, key=lambda row: row.sort_key(NOW))
    assert [row.label for row in ordered] == [
        "not assessed",  # never logged, as the next; not-assessed before no flag
        "regular, never logged",
        "sustained-remission",
        "early-remission",
        "early-abstinence",
        "regular, silent 9 d",
        "regular, silent 3 d",
        "no-use, silent 2 d",
        "urgent, occasional",  # silent a day: urgent, soon, then no flag, as listed
        "urgent, dependent",
        "soon, experimental",
        "past-use, silent 1 d",
        "addiction-cycle",
        "dependent",
        "occasional",
        "experimental",
        "emergency, no-use",  # silent half a day: the shortest silence, whatever the flag
    ]
    assert PATIENTS[0].sort_key(NOW) == (-2 * 86400.0, order.levels.index("none"))
