"""The uncertainty benchmark times one worker and two in ABBA order (``benchmarks/bench_uncertainty.py``).

This machine's speed drifts within minutes, so timing all runs on one worker
and then all on two charged the drift to the speed-up (1.62x in one full
``make bench``, 1.93x twice on a quiet machine for the same code). These tests
check the order the benchmark runs in, not its figures.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # as a script run from benchmarks/ has it
    return importlib.import_module("bench_uncertainty")


@pytest.mark.parametrize("runs", [1, 2, 5, 200])
def test_each_worker_count_runs_every_run_once_in_order(bench: ModuleType, runs: int) -> None:
    blocks = bench.abba(runs)
    for workers in (1, 2):
        covered = [
            index
            for block in blocks
            if block.workers == workers
            for index in range(block.first, block.stop)
        ]
        assert covered == list(range(runs))


def test_the_blocks_go_one_two_two_one_over_halves(bench: ModuleType) -> None:
    blocks = bench.abba(200)
    assert [(block.workers, block.first, block.stop) for block in blocks] == [
        (1, 0, 100),
        (2, 0, 100),
        (2, 100, 200),
        (1, 100, 200),
    ]
