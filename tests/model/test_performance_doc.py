"""docs/performance.md's table and docs/performance.svg are drawn from docs/performance.json."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_performance_plot", ROOT / "scripts" / "make_performance_plot.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_table_in_the_page_is_the_one_the_measurements_give() -> None:
    # Regenerate with `.venv/bin/python scripts/make_performance_plot.py`.
    script = _script()
    data = script.load()
    page = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert script.table(data) in page
    assert set(data) == {"before", "after"}
    for document in data.values():
        assert sorted(run["agents"] for run in document["runs"]) == [
            100_000,
            1_000_000,
            3_000_000,
            10_000_000,
        ]


def test_the_10_million_row_reads_its_target_and_ratios() -> None:
    script = _script()
    after = script.load()["after"]
    run = next(run for run in after["runs"] if run["agents"] == 10_000_000)
    row = next(
        line for line in script.table({"after": after}).splitlines() if "| 10,000,000 |" in line
    )
    assert "≤ 60 s, ≤ 8 GB" in row
    assert f"{run['seconds'] / 60:.2f}, {run['cpu_seconds'] / 60:.2f}" in row
    assert f"{run['peak_mb'] / 8192:.2f}" in row
    assert f"| {run['peak_mb']:,.0f} |" in row


def test_the_plot_is_an_accessible_svg() -> None:
    svg = (ROOT / "docs" / "performance.svg").read_text(encoding="utf-8")
    assert svg.startswith('<svg role="img"')
    assert "<title>Population model: time and memory against agents</title>" in svg


def test_the_stored_measurements_name_machine_date_and_command() -> None:
    data = json.loads((ROOT / "docs" / "performance.json").read_text(encoding="utf-8"))
    for document in data.values():
        assert document["command"].startswith("benchmarks/bench_population.py")
        assert document["machine"]["cores"] >= 1
        assert document["date"].endswith("UTC")
