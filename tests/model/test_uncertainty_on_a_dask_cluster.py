"""``ketpath uncertainty`` on a real Dask cluster: a scheduler and two worker processes.

A tiny population (500 people x 1 year, 8 runs) keeps it quick; the point is
that every run goes to the cluster's workers through ``--scheduler`` and comes
back in order with the same numbers a run on this process gives.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

from ketpath.cli import app
from ketpath.population import uncertainty

RUNS, AGENTS, YEARS, SEED = 8, 500, 1, 4


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from distributed import LocalCluster

    with LocalCluster(  # type: ignore[no-untyped-call]  # distributed is untyped, as in sweep.py
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=None,
    ) as running:
        yield running


def test_uncertainty_runs_every_sample_on_the_cluster_and_matches_a_local_run(
    cluster: Any, tmp_path: Path
) -> None:
    plot = tmp_path / "tornado.svg"
    arguments = ["uncertainty", "--runs", str(RUNS), "--agents", str(AGENTS)]
    arguments += ["--years", str(YEARS), "--seed", str(SEED)]
    arguments += ["--scheduler", cluster.scheduler_address, "--json", "--plot", str(plot)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)

    assert (document["runs"], document["agents"], document["years"]) == (RUNS, AGENTS, YEARS)
    assert document["seed"] == SEED
    chosen = uncertainty.assumptions()
    assert [a["name"] for a in document["assumptions"]] == [a.key for a in chosen]
    assert set(document["outputs"]) == set(uncertainty.OUTPUTS)
    for output in document["outputs"].values():
        assert set(output) == {"label", "median", "low", "high", "runs", "prcc"}
        assert set(output["prcc"]) == {a.key for a in chosen}
    assert document["warnings"] == [
        f"PRCC needs at least {len(chosen) + 3} runs for {len(chosen)} assumptions"
        f" (got {RUNS}); the coefficients are null"
    ]

    workers = set(cluster.scheduler_info["workers"])
    assert len(workers) == 2
    assert [row["index"] for row in document["results"]] == list(range(RUNS))
    assert all(row["worker"] in workers for row in document["results"])

    unit = uncertainty.latin_hypercube(len(chosen), RUNS, SEED)
    specs = uncertainty.specs(chosen, unit, seed=SEED, agents=AGENTS, years=YEARS)
    here = [uncertainty.run_one(spec) for spec in specs]
    assert [row["outputs"] for row in document["results"]] == here
    assert len({json.dumps(outputs) for outputs in here}) > 1, "every sample gave the same run"
    assert [row["seed"] for row in document["results"]] == [spec.seed for spec in specs]

    assert "<title>What drives each output: PRCC over 8 runs</title>" in plot.read_text()
