"""``make bench``'s runner and the README table it feeds, on tiny fake benchmarks.

The real benchmarks take many minutes of a shared machine, so these tests run
``benchmarks/run_all.py`` on small scripts that print figures the way the
real ones do (``benchmarks/figures.py``), and check what a person reads: the
table's rows, the JSON, and the README section written from it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_ALL = ROOT / "benchmarks" / "run_all.py"
SPEED_TABLE = ROOT / "scripts" / "readme_speed_table.py"
BEGIN = "<!-- speed-table:begin (scripts/readme_speed_table.py writes between these) -->"
END = "<!-- speed-table:end -->"

FAKE_ROSTER = """
from figures import figure
print("cold roster: 812 ms (target <= 1000 ms)")
figure("roster.cold", 812.4, "ms", target=1000, label="roster page cold (first of the day)")
"""
FAKE_WEB = """
import sys
from figures import figure
print("POST /api/v1/records: 228 requests/s")
figure("web.post_rate", 228.0, "req/s", target=300, better="higher",
       label="POST /api/v1/records, 32 clients", note="0 errors")
figure("web.post_vs_bare", 0.064, "x", target=0.7, better="higher",
       label="POST rate / bare insert rate", note="bare 3,553 req/s")
figure("web.extra", 12.5, "ms", label="something for information")
sys.exit(1)
"""


def write_fakes(folder: Path) -> list[Path]:
    roster, web = folder / "bench_roster.py", folder / "bench_web.py"
    roster.write_text(FAKE_ROSTER)
    web.write_text(FAKE_WEB)
    return [roster, web]


def run_all(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUN_ALL), *args], capture_output=True, text=True, check=False
    )


def table_rows(output: str) -> list[str]:
    table = output.split("== every figure", 1)[1]
    return [line for line in table.splitlines() if line.strip()]


@pytest.fixture
def results(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path / "bench.json"
    scripts = write_fakes(tmp_path)
    return run_all("--json", str(out), *map(str, scripts)), out


def test_each_benchmarks_prose_is_echoed_and_its_figure_lines_are_not(
    results: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    finished, _out = results
    assert "cold roster: 812 ms (target <= 1000 ms)" in finished.stdout
    assert "POST /api/v1/records: 228 requests/s" in finished.stdout
    assert "FIGURE {" not in finished.stdout


def test_the_table_gives_each_figure_its_measure_target_ratio_and_verdict(
    results: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    finished, _out = results
    rows = table_rows(finished.stdout)
    assert rows[1].split() == ["figure", "measured", "target", "ratio"]
    cold = next(row for row in rows if row.startswith("roster page cold"))
    assert "812 ms" in cold and "≤ 1,000 ms" in cold and "0.81" in cold and cold.endswith("met")
    post = next(row for row in rows if row.startswith("POST /api/v1/records"))
    assert "228 req/s" in post and "≥ 300 req/s" in post and "0.76" in post
    assert post.endswith("MISSED")
    versus = next(row for row in rows if row.startswith("POST rate / bare"))
    assert "0.06x" in versus and "≥ 0.70x" in versus and versus.endswith("MISSED")
    extra = next(row for row in rows if row.startswith("something for information"))
    assert "12.5 ms" in extra and extra.endswith("(information)")


def test_a_figure_the_plan_expects_but_nobody_printed_is_listed_as_not_reported(
    results: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    finished, out = results
    rows = table_rows(finished.stdout)
    assert any(
        row.startswith("roster.warm_p95") and row.endswith("not reported by bench_roster.py")
        for row in rows
    )
    assert any(
        row.startswith("web.dashboard_p95") and row.endswith("not reported (bench_web.py exited 1)")
        for row in rows
    )
    assert finished.returncode == 1
    stored = json.loads(out.read_text())
    assert {entry["name"] for entry in stored["missing"]} == {
        "roster.warm_p95",
        "web.dashboard_p95",
        "web.dashboard_vs_bare",
    }


def test_the_json_holds_every_figure_the_date_and_the_machine(
    results: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _finished, out = results
    stored = json.loads(out.read_text())
    assert [entry["name"] for entry in stored["figures"]] == [
        "roster.cold",
        "web.post_rate",
        "web.post_vs_bare",
        "web.extra",
    ]
    assert stored["figures"][0]["value"] == 812.4
    assert stored["figures"][0]["target"] == 1000
    assert stored["figures"][1]["script"] == "bench_web.py"
    assert stored["machine"]["cores"] >= 1
    assert stored["machine"]["cpu"]
    assert stored["date"].startswith("20")
    assert [(entry["script"], entry["exit_code"]) for entry in stored["scripts"]] == [
        ("bench_roster.py", 0),
        ("bench_web.py", 1),
    ]


def test_a_run_where_every_expected_figure_is_reported_exits_zero(tmp_path: Path) -> None:
    script = tmp_path / "bench_something_new.py"
    script.write_text(FAKE_ROSTER)
    finished = run_all(str(script))
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "roster page cold" in finished.stdout


def test_an_unknown_benchmark_name_is_refused() -> None:
    finished = run_all("--only", "bench_nothing")
    assert finished.returncode != 0
    assert "no benchmark named bench_nothing.py" in finished.stderr


README = f"""# ketpath

## Speed

Before the table.

{BEGIN}
| old | table |
{END}

What changed the figures: kept as written.
"""


def test_the_readme_table_is_regenerated_between_the_markers_only(
    results: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    _finished, out = results
    readme = tmp_path / "README.md"
    readme.write_text(README)
    done = subprocess.run(
        [sys.executable, str(SPEED_TABLE), str(out), "--readme", str(readme)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = readme.read_text()
    assert text.startswith("# ketpath\n\n## Speed\n\nBefore the table.\n\n" + BEGIN)
    assert text.endswith(END + "\n\nWhat changed the figures: kept as written.\n")
    assert "| old | table |" not in text
    stored = json.loads(out.read_text())
    machine = stored["machine"]
    assert f"Measured by `make bench` on {stored['date'][:10]}" in text
    assert f"{machine['cores']} cores, {machine['memory_gb']} GB RAM, {machine['cpu']}" in text
    assert "| figure | measured | target | ratio | met | command |" in text
    assert (
        "| roster page cold (first of the day) | 812 ms | ≤ 1,000 ms | 0.81 | met | "
        "`python " in text
    )
    assert (
        "| POST rate / bare insert rate | 0.06x (bare 3,553 req/s) | ≥ 0.70x | 0.09 | **missed** |"
        in text
    )
    assert "| something for information | 12.5 ms | — | — | — |" in text
    assert "| roster.warm_p95 | not reported by bench_roster.py | — | — | — | |" in text


def test_running_it_twice_gives_the_same_readme(
    results: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    _finished, out = results
    readme = tmp_path / "README.md"
    readme.write_text(README)
    command = [sys.executable, str(SPEED_TABLE), str(out), "--readme", str(readme)]
    subprocess.run(command, check=True, capture_output=True)
    once = readme.read_text()
    subprocess.run(command, check=True, capture_output=True)
    assert readme.read_text() == once


def test_a_readme_without_the_markers_is_left_alone_and_the_reason_given(
    results: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    _finished, out = results
    readme = tmp_path / "README.md"
    readme.write_text("# ketpath\n\nNo table here.\n")
    done = subprocess.run(
        [sys.executable, str(SPEED_TABLE), str(out), "--readme", str(readme)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "the README must hold each marker once" in done.stderr
    assert readme.read_text() == "# ketpath\n\nNo table here.\n"


def test_the_projects_readme_has_the_markers_once_each() -> None:
    text = (ROOT / "README.md").read_text()
    assert text.count(BEGIN) == 1
    assert text.count(END) == 1
    assert text.index(BEGIN) < text.index(END)


def test_each_row_names_the_run_that_printed_it_when_a_script_runs_twice(
    tmp_path: Path,
) -> None:
    """bench_web runs on SQLite and then with --postgres: each figure keeps its own command."""
    stored = {
        "date": "2026-11-30T13:00:00+00:00",
        "commit": "abc1234",
        "machine": {"cores": 2, "memory_gb": 23.5, "cpu": "a CPU", "load": [1.0, 1.0, 1.0]},
        "scripts": [
            {"script": "bench_web.py", "command": "python benchmarks/bench_web.py"},
            {"script": "bench_web.py", "command": "python benchmarks/bench_web.py --postgres"},
        ],
        "figures": [
            {"name": "web.dashboard_p95", "value": 46.9, "unit": "ms", "target": 150,
             "label": "dashboard p95", "script": "bench_web.py",
             "command": "python benchmarks/bench_web.py"},
            {"name": "web.dashboard_p95.postgresql", "value": 62.8, "unit": "ms", "target": 150,
             "label": "dashboard p95 (postgresql)", "script": "bench_web.py",
             "command": "python benchmarks/bench_web.py --postgres"},
        ],
        "missing": [],
    }  # fmt: skip
    out = tmp_path / "bench.json"
    out.write_text(json.dumps(stored))
    readme = tmp_path / "README.md"
    readme.write_text(README)
    subprocess.run(
        [sys.executable, str(SPEED_TABLE), str(out), "--readme", str(readme)], check=True
    )
    text = readme.read_text()
    assert (
        "| dashboard p95 | 46.9 ms | ≤ 150 ms | 0.31 | met | `python benchmarks/bench_web.py` |"
        in text
    )
    assert (
        "| dashboard p95 (postgresql) | 62.8 ms | ≤ 150 ms | 0.42 | met | "
        "`python benchmarks/bench_web.py --postgres` |" in text
    )


def test_run_all_stores_each_figures_command(
    results: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _finished, out = results
    stored = json.loads(out.read_text())
    commands = {entry["name"]: entry["command"] for entry in stored["figures"]}
    assert commands["roster.cold"].endswith("bench_roster.py")
    assert commands["web.post_rate"].endswith("bench_web.py")


def test_a_later_run_replaces_the_figures_it_measured_and_says_when(tmp_path: Path) -> None:
    """``run_all.py --only`` after a change: its rows replace the same names', the rest stay."""

    def run(date: str, commit: str, load: float, figures: list[dict[str, object]]) -> Path:
        path = tmp_path / f"{commit}.json"
        script = {"script": "bench_roster.py", "command": "python benchmarks/bench_roster.py"}
        stored = {
            "date": date,
            "commit": commit,
            "machine": {"cores": 2, "memory_gb": 23.5, "cpu": "a CPU", "load_average": [load]},
            "scripts": [script],
            "figures": figures,
            "missing": [],
        }
        path.write_text(json.dumps(stored))
        return path

    def figure(name: str, value: float) -> dict[str, object]:
        return {"name": name, "label": name, "value": value, "unit": "ms", "target": 100,
                "script": "bench_roster.py", "command": "python benchmarks/bench_roster.py"}  # fmt: skip

    first = run(
        "2026-11-30T10:00:00+00:00", "aaa1111", 1.5, [figure("warm", 191), figure("cold", 299)]
    )
    later = run("2026-11-30T19:00:00+00:00", "bbb2222", 1.2, [figure("warm", 55)])
    readme = tmp_path / "README.md"
    readme.write_text(README)
    subprocess.run(
        [sys.executable, str(SPEED_TABLE), str(first), str(later), "--readme", str(readme)],
        check=True,
    )
    text = readme.read_text()
    assert "Measured by `make bench` on 2026-11-30 at commit `aaa1111`" in text
    assert (
        "Measured again on 2026-11-30 at commit `bbb2222` (load average 1.2 at the start): "
        "`python benchmarks/bench_roster.py`; their rows below are from that run." in text
    )
    rows = [
        line for line in text.splitlines() if line.startswith("| warm") or line.startswith("| cold")
    ]
    assert rows == [
        "| warm | 55.0 ms | ≤ 100 ms | 0.55 | met | `python benchmarks/bench_roster.py` |",
        "| cold | 299 ms | ≤ 100 ms | 2.99 | **missed** | `python benchmarks/bench_roster.py` |",
    ]
