"""Seeded baseline: a small fixed run compared with a stored result.

Rewrite the stored file deliberately with ``KETPATH_UPDATE_BASELINE=1``
after a change that is meant to move the numbers, and say why in the commit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

BASELINE = Path(__file__).resolve().parents[1] / "fixtures" / "population_baseline.json"
AGENTS, YEARS, SEED = 20_000, 5, 20260501


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    from ketpath.population.scenarios import run

    _sim, result = run(agents=AGENTS, years=YEARS, seed=SEED)
    return result


def test_the_seeded_baseline_matches_the_stored_result(summary: dict[str, Any]) -> None:
    if os.environ.get("KETPATH_UPDATE_BASELINE") == "1":
        BASELINE.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    stored = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(summary)) == stored


def test_the_same_seed_gives_the_same_run(summary: dict[str, Any]) -> None:
    from ketpath.population.scenarios import run

    _sim, again = run(agents=AGENTS, years=YEARS, seed=SEED)
    assert again == summary


def test_the_final_counts_are_consistent(summary: dict[str, Any]) -> None:
    final = summary["final"]
    assert isinstance(final, dict)
    assert final["past_year_users"] <= final["lifetime_users"]
    assert final["dependent"] <= final["past_year_users"]
    assert final["urinary_symptoms"] <= final["past_year_users"]
    bands = final["by_frequency"]
    assert sum(band["users"] for band in bands.values()) == final["past_year_users"]
    assert sum(band["urinary_symptoms"] for band in bands.values()) == final["urinary_symptoms"]
    assert final["urinary_symptoms"] <= final["urinary_symptoms_any_cause"]
    for share in final["proportions"].values():
        assert share["numerator"] <= share["denominator"]
        if share["value"] is not None:
            assert 0.0 <= share["low"] <= share["value"] <= share["high"] <= 1.0
    assert len(summary["timeseries"]) == YEARS
