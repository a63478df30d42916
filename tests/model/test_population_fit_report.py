"""docs/population-fit.md is rendered from docs/population-fit.json, and both are current.

Regenerating the report takes minutes (a million people, three seeds), so the
tests check instead that the page is exactly what its stored record renders
to, that the record covers every target and check, and that the record's
fingerprint (every number in population.toml, and a small seeded run's
shares) matches the parameters and the model as they are now. A change to
either makes the report stale and these tests fail until it is regenerated
with the command the page gives.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

from ketpath.population import calibration

DOCS = Path(__file__).resolve().parents[2] / "docs"
REPORT, RECORD = DOCS / "population-fit.md", DOCS / "population-fit.json"


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    stored: dict[str, Any] = json.loads(RECORD.read_text(encoding="utf-8"))
    return stored


def test_the_fit_report_is_what_its_record_renders_to(record: dict[str, Any]) -> None:
    assert REPORT.read_text(encoding="utf-8") == calibration.fit_document(record)


def test_the_fit_record_covers_every_target_and_check(record: dict[str, Any]) -> None:
    from ketpath.knowledge.population import population

    settings = population().calibration
    assert [row["key"] for row in record["targets"]] == list(settings.targets)
    assert set(record["checks"]) >= {
        "grams_per_use_day_dependent",
        "relapse_within_year_after_treatment",
        "relapse_cohorts",
    }
    assert record["checks"]["relapse_within_year_after_treatment"]["dropouts_counted"] is False
    assert record["values"] == {
        k: float(f"{v:.6g}") for k, v in sorted(calibration.shipped_values().items())
    }


def test_the_fit_record_is_not_stale(record: dict[str, Any]) -> None:
    now = calibration.fingerprint()
    assert record["fingerprint"]["parameters_sha256"] == now["parameters_sha256"], (
        "population.toml changed since the fit report was made; regenerate it with "
        + calibration.regenerate_command(record)
    )
    assert record["fingerprint"]["small_run"] == now["small_run"], (
        "the model gives other numbers than when the fit report was made; regenerate it with "
        + calibration.regenerate_command(record)
    )


def test_the_fit_record_shows_every_target_within_its_band(record: dict[str, Any]) -> None:
    fits = calibration.target_fits(record)
    assert [f.key for f in fits if not f.within] == []
    grams = record["checks"]["grams_per_use_day_dependent"]
    assert grams["low"] <= grams["observed"] <= grams["high"]


def test_the_report_generator_works_on_a_tiny_run(tmp_path: Path) -> None:
    tiny = calibration.check_fit(agents=3000, years=2, seeds=[1, 2])
    report = tmp_path / "fit.md"
    written = calibration.write_report(tiny, report)
    assert json.loads(written.read_text(encoding="utf-8")) == json.loads(json.dumps(tiny))
    text = report.read_text(encoding="utf-8")
    for row in tiny["targets"]:
        assert row["label"] in text
    assert "mclellan-2000" in text and "wang-2018" in text and "wang-2016" in text
    assert "Treatment dropouts are not counted" in text
    calibration.plot_fit(calibration.target_fits(tiny), str(tmp_path / "fit.svg"))
    assert (tmp_path / "fit.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
