"""Synthetic histories parse, assess without error, and agree with the person model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

from ketpath.cli import app as ketpath_app
from ketpath.core.assess import assess
from ketpath.interop.jsonl import read_jsonl

# The standing floor for agreement between the scales; measured ~95% at 150 people x 10 years.
AGREEMENT_FLOOR = 0.8


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("synthetic")
    result = CliRunner().invoke(
        ketpath_app,
        ["synth", "--people", "60", "--years", "6", "--seed", "11", "-o", str(directory)],
    )
    assert result.exit_code == 0, result.output
    return directory


def test_every_history_parses_and_assesses(written: Path) -> None:
    truth = [json.loads(line) for line in (written / "truth.jsonl").read_text("utf-8").splitlines()]
    assert len(truth) >= 40
    agreed = 0
    for row in truth:
        records = read_jsonl(written / f"{row['person']}.jsonl")
        assert records[0].type == "profile"
        from datetime import datetime

        assessed = assess(records, datetime.fromisoformat(row["as_of"]))
        agreed += assessed.stage == row["true_stage"]
    assert agreed / len(truth) >= AGREEMENT_FLOOR


def test_validate_person_model_reports_agreement_above_the_floor() -> None:
    result = CliRunner().invoke(
        ketpath_app,
        ["validate-person-model", "--people", "60", "--years", "6", "--seed", "4", "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["agreement"] >= AGREEMENT_FLOOR
    assert len(report["confusion_matrix"]["counts"]) == len(report["stages"])
    assert report["people"] == sum(map(sum, report["confusion_matrix"]["counts"]))


def test_synth_refuses_a_file_as_its_directory(tmp_path: Path) -> None:
    from ketpath.cli import population as commands

    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="directory"):
        commands.synth(people=1, years=1, seed=1, output=target)
