"""``make bench``: run every benchmark, collect the figures each prints, print one table.

Each benchmark script prints its figures in words, and each figure once more
as a ``FIGURE {json}`` line (``figures.py``). This runner starts the scripts
one after another (never two at once: they would measure each other), echoes
their prose, picks the figure lines out, and ends with one table: figure,
measured, target, ratio (measured / target) and met or MISSED. A figure the
issues ask for that a script did not print (it crashed, or does not report it
yet) is listed as "not reported", so a silent gap cannot pass for a met
target.

``--json PATH`` also writes everything, with the date and the machine (cores,
memory, CPU model), for ``scripts/readme_speed_table.py`` to regenerate the
README's speed table from.

    python benchmarks/run_all.py [--json build/bench.json] [--only bench_web ...] [SCRIPT ...]

Given SCRIPT paths, only those run (a test runs small fake benchmarks so).
Exits 1 when a figure in the plan was not reported, 0 otherwise: missed
targets are findings, shown in the table, not failures of the run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, format_ratio, format_target, format_value, parse, verdict

HERE = Path(__file__).resolve().parent
POPULATION_SIZES = (100_000, 1_000_000, 3_000_000, 10_000_000)


@dataclass(frozen=True, kw_only=True)
class Benchmark:
    script: str
    expects: tuple[str, ...]
    """The figures the issues name that this script must report (``figures.py`` names)."""
    args: tuple[str, ...] = ()
    one_core: bool = False
    """Pinned to CPU 0 with ``taskset`` (the population targets are for one core)."""
    optional: bool = False
    """Run only when the script exists (one that another piece of work adds)."""
    tag: str = ""
    """Told apart from another run of the same script: ``.tag`` ends each figure's name and
    ``(tag)`` its label (``postgresql`` for a run with ``--postgres``)."""

    def expected(self) -> tuple[str, ...]:
        return tuple(f"{name}.{self.tag}" if self.tag else name for name in self.expects)

    def tagged(self, found: Figure) -> Figure:
        if not self.tag:
            return found
        return replace(found, name=f"{found.name}.{self.tag}", label=f"{found.label} ({self.tag})")


def _population_figures() -> tuple[str, ...]:
    sizes = [
        f"population.{agents}.{what}"
        for agents in POPULATION_SIZES
        for what in ("seconds", "peak_mb")
    ]
    return (*sizes, "population.1000000.vs_bare")


PLAN: tuple[Benchmark, ...] = (
    Benchmark(
        script="bench_assess.py",
        expects=(
            "assess.one_history_median",
            "assess.body_section_median",
            "assess.many_people",
        ),
    ),
    Benchmark(script="bench_body.py", expects=("body.summary_median",)),
    Benchmark(
        script="bench_pages.py",
        expects=(
            "pages.today.warm_p95",
            "pages.history.warm_p95",
            "pages.patient_page.warm_p95",
        ),
    ),
    Benchmark(script="bench_offline_sync.py", expects=("offline.sync",)),
    Benchmark(
        script="bench_web.py",
        expects=(
            "web.dashboard_p95",
            "web.dashboard_vs_bare",
            "web.post_rate",
            "web.post_vs_bare",
        ),
    ),
    Benchmark(
        script="bench_web.py",
        args=("--postgres",),
        tag="postgresql",
        expects=("web.dashboard_p95", "web.post_rate"),
    ),
    Benchmark(script="bench_roster.py", expects=("roster.cold", "roster.warm_p95")),
    Benchmark(
        script="bench_roster.py",
        args=("--postgres",),
        tag="postgresql",
        expects=("roster.cold", "roster.warm_p95"),
    ),
    Benchmark(
        script="bench_workers.py",
        expects=tuple(
            f"workers.{what}.{count}"
            for what in ("post_rate", "dashboard_rate")
            for count in (1, 2, 4)
        ),
    ),
    Benchmark(
        script="bench_uncertainty.py",
        expects=("uncertainty.one_worker", "uncertainty.two_workers", "uncertainty.speed_up"),
    ),
    Benchmark(script="bench_population.py", expects=_population_figures(), one_core=True),
)


@dataclass(kw_only=True)
class Outcome:
    benchmark: Benchmark
    command: list[str]
    exit_code: int | None = None
    """None when the script was skipped (an optional one that does not exist)."""
    seconds: float = 0.0
    figures: list[Figure] = field(default_factory=list)

    def missing(self) -> list[str]:
        reported = {found.name for found in self.figures}
        return [name for name in self.benchmark.expected() if name not in reported]

    def why_missing(self) -> str:
        if self.exit_code is None:
            return f"{self.benchmark.script} not present"
        if self.exit_code != 0:
            return f"not reported ({self.benchmark.script} exited {self.exit_code})"
        return f"not reported by {self.benchmark.script}"


def machine() -> dict[str, object]:
    """What the figures were measured on: cores, memory, CPU model, system, load."""
    return {
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "cpu": _cpu_model(),
        "system": platform.platform(terse=True),
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit() -> str | None:
    try:
        found = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return found.stdout.strip() or None


def command_for(benchmark: Benchmark, path: Path) -> list[str]:
    command = [sys.executable, str(path), *benchmark.args]
    if benchmark.one_core and shutil.which("taskset"):
        command = ["taskset", "-c", "0", *command]
    return command


def run_one(benchmark: Benchmark, path: Path) -> Outcome:
    """Run one script, echo its prose as it comes, keep its figures."""
    outcome = Outcome(benchmark=benchmark, command=command_for(benchmark, path))
    if not path.exists():
        if not benchmark.optional:
            raise SystemExit(f"run_all: {path} does not exist")
        print(f"\n== {benchmark.script}: not present, skipped", flush=True)
        return outcome
    print(f"\n== {' '.join(_shown(outcome.command))}", flush=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(HERE), os.environ.get("PYTHONPATH", "")) if part
    )
    started = time.perf_counter()
    with subprocess.Popen(
        outcome.command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            found = parse([line])
            if found:
                outcome.figures.extend(benchmark.tagged(each) for each in found)
            else:
                print(line, end="", flush=True)
    outcome.exit_code = process.returncode
    outcome.seconds = time.perf_counter() - started
    return outcome


def _shown(command: Sequence[str]) -> list[str]:
    """The command as a person would type it from the repository's root."""
    root = HERE.parent
    shown = []
    for part in command:
        if part == sys.executable:
            shown.append("python")
        elif part.startswith(str(root) + os.sep):
            shown.append(str(Path(part).relative_to(root)))
        else:
            shown.append(part)
    return shown


def table(outcomes: Iterable[Outcome]) -> str:
    """The one table: every figure reported, then every figure expected but not reported."""
    rows = [("figure", "measured", "target", "ratio", "")]
    for outcome in outcomes:
        rows.extend(
            (found.label, format_value(found.value, found.unit), format_target(found),
             format_ratio(found), verdict(found))
            for found in outcome.figures
        )  # fmt: skip
        rows.extend((name, "—", "—", "—", outcome.why_missing()) for name in outcome.missing())
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[column].ljust(widths[column]) for column in range(4)]
        lines.append("  ".join([*cells, row[4]]).rstrip())
        if index == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def results(outcomes: Sequence[Outcome], *, started: datetime) -> dict[str, object]:
    """Everything the README table needs, as JSON-ready data."""
    return {
        "date": started.isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": machine(),
        "scripts": [
            {
                "script": outcome.benchmark.script,
                "command": " ".join(_shown(outcome.command)),
                "exit_code": outcome.exit_code,
                "seconds": round(outcome.seconds, 1),
            }
            for outcome in outcomes
        ],
        "figures": [
            {
                **found.to_dict(),
                "script": outcome.benchmark.script,
                "command": " ".join(_shown(outcome.command)),
            }
            for outcome in outcomes
            for found in outcome.figures
        ],
        "missing": [
            {"name": name, "script": outcome.benchmark.script, "reason": outcome.why_missing()}
            for outcome in outcomes
            for name in outcome.missing()
        ],
    }


def chosen(only: Sequence[str], scripts: Sequence[str]) -> list[tuple[Benchmark, Path]]:
    """The plan, or part of it (``--only``), or the scripts named on the command line."""
    by_name = {benchmark.script: benchmark for benchmark in PLAN if not benchmark.tag}
    if scripts:
        picked = []
        for script in scripts:
            path = Path(script).resolve()
            planned = by_name.get(path.name)
            picked.append((planned or Benchmark(script=path.name, expects=()), path))
        return picked
    wanted = {name if name.endswith(".py") else f"{name}.py" for name in only}
    unknown = wanted - set(by_name)
    if unknown:
        raise SystemExit(f"run_all: no benchmark named {', '.join(sorted(unknown))}")
    return [
        (benchmark, HERE / benchmark.script)
        for benchmark in PLAN
        if not wanted or benchmark.script in wanted
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--only", action="append", default=[], help="a benchmark of the plan")
    parser.add_argument("scripts", nargs="*", help="run these scripts instead of the plan")
    options = parser.parse_args(argv)
    started = datetime.now(UTC)
    outcomes = [
        run_one(benchmark, path) for benchmark, path in chosen(options.only, options.scripts)
    ]
    found = results(outcomes, started=started)
    print(f"\n== every figure ({started:%Y-%m-%d}, {_machine_words(machine())})\n")
    print(table(outcomes))
    if options.json is not None:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n")
        print(f"\nresults written to {options.json}")
    return 1 if found["missing"] else 0


def _machine_words(described: dict[str, object]) -> str:
    return f"{described['cores']} cores, {described['memory_gb']} GB, {described['cpu']}"


if __name__ == "__main__":
    raise SystemExit(main())
