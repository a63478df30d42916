"""Benchmark: the population model from 100,000 to 10,000,000 agents x 10 years, weekly steps.

Each size runs the full model (baseline scenario: ``scenarios.build_sim``)
in its own process, pinned to one core with one BLAS/OpenMP thread, so that
the peak memory (``resource.getrusage``: the process's maximum resident set,
imports included) belongs to that run alone. The time covers building,
initialising and running the sim (not the imports); the process's CPU time is
printed beside the wall time because it is the steadier figure when other
work shares the machine.

Targets (issue 16, point 5): 10 million agents x 10 years in <= 60 s and
<= 8 GB on one core; the population issue's older 1 million target (120 s,
4 GB) still stands. Each size is printed with its target and the ratio
measured / target where one is set.

For comparison the benchmark also times a bare Starsim run at one size
(``--bare-at``, default 1,000,000): ``ss.Sim`` with plain ``ss.People`` of the
same size (the model's age table, Starsim's default sex split), the same
start, stop, weekly step and seed, ``use_aging=True``, and nothing else. The
bare run pays Starsim's per-agent death bookkeeping every step; the model's
closed cohort (``population.model.ClosedCohort``) does not, which is why the
model can be faster than the bare run (docs/performance.md).

    STARSIM_INSTALL_FONTS=0 .venv/bin/python benchmarks/bench_population.py \\
        [--sizes 100k,1M,3M,10M] [--years Y] [--repeat R] [--bare-at N] [--core C] [--json PATH]

``--json`` writes every run's figures (and the machine, date and load) for
``scripts/make_performance_plot.py``. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

from figures import figure

DEFAULT_SIZES = "100k,1M,3M,10M"
TARGETS = {1_000_000: (120.0, 4096.0), 10_000_000: (60.0, 8192.0)}
"""Agents: (seconds, peak MB) on one core; the population issue and issue 16, point 5."""
THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def parse_bare_size(text: str) -> int:
    """A size for the bare comparison, or 0 for none."""
    return 0 if text.strip() == "0" else parse_size(text)


def parse_size(text: str) -> int:
    """``100k``, ``1M``, ``2.5m`` or ``3000000`` as a number of agents."""
    text = text.strip().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    number = float(text[:-1]) if scale > 1 else float(text)
    agents = round(number * scale)
    if agents < 1:
        raise argparse.ArgumentTypeError(f"a size must be at least 1 agent (got {text!r})")
    return agents


def parse_sizes(text: str) -> list[int]:
    return [parse_size(part) for part in text.split(",") if part.strip()]


def _one(kind: str, agents: int, years: int) -> dict[str, float]:
    import starsim as ss  # noqa: PLC0415 - after the font setting above

    from ketpath.population.scenarios import age_data, build_sim  # noqa: PLC0415

    started, cpu_started = time.perf_counter(), time.process_time()
    if kind == "model":
        sim = build_sim(agents=agents, years=years, seed=1)
    else:
        sim = ss.Sim(
            people=ss.People(n_agents=agents, age_data=age_data()),
            start=2015,
            stop=2015 + years,
            dt=ss.week,
            rand_seed=1,
            use_aging=True,
            verbose=0,
        )
    sim.init()
    init_seconds = time.perf_counter() - started
    sim.run()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "init_seconds": init_seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mb": peak_mb,
    }


def _in_subprocess(kind: str, agents: int, years: int, core: int | None) -> dict[str, float]:
    env = dict(os.environ, **dict.fromkeys(THREADS, "1"))
    command = [sys.executable, __file__, "--one", kind, "--sizes", str(agents)]
    command += ["--years", str(years)]
    if core is not None:
        command = ["taskset", "-c", str(core), *command]
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: min(run[key] for run in runs) for key in runs[0]}


def _target_text(agents: int, run: dict[str, float]) -> str:
    if agents not in TARGETS:
        return ""
    seconds, megabytes = TARGETS[agents]
    time_ratio, memory_ratio = run["seconds"] / seconds, run["peak_mb"] / megabytes
    verdict = "met" if time_ratio <= 1 and memory_ratio <= 1 else "MISSED"
    return (
        f"  target <= {seconds:.0f} s, <= {megabytes / 1024:.0f} GB:"
        f" ratio {time_ratio:.2f} wall ({run['cpu_seconds'] / seconds:.2f} CPU),"
        f" {memory_ratio:.2f} memory, {verdict}"
    )


def _machine() -> dict[str, str | int]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        first = meminfo.read_text(encoding="utf-8").splitlines()[0]
        memory = int(first.split()[1]) // 1024
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count() or 0,
        "memory_mb": memory,
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sizes", default=DEFAULT_SIZES, help=f"agents, comma-separated (default {DEFAULT_SIZES})"
    )
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each size (best kept)")
    parser.add_argument(
        "--bare-at",
        type=parse_bare_size,
        default=1_000_000,
        help="size of the bare Starsim comparison (0: none)",
    )
    parser.add_argument(
        "--core", type=int, default=0, help="the core to pin each run to (-1: none)"
    )
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--one", choices=["model", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = parse_sizes(args.sizes)
    if args.one:
        print(json.dumps(_one(args.one, sizes[0], args.years)))
        return
    core = None if args.core < 0 else args.core
    load = os.getloadavg()[0]
    started = datetime.now(UTC)
    print(
        f"population model, {args.years} years, weekly steps, one core"
        f" ({'unpinned' if core is None else f'CPU {core}'}), best of {max(args.repeat, 1)};"
        f" load average {load:.1f} at the start on {os.cpu_count()} cores"
    )
    print(f"  {'agents':>12} {'wall s':>8} {'init s':>8} {'CPU s':>8} {'peak MB':>9}")
    results: list[dict[str, float]] = []
    for agents in sizes:
        runs = [
            _in_subprocess("model", agents, args.years, core) for _ in range(max(args.repeat, 1))
        ]
        best = _best(runs)
        results.append({"agents": agents, **best})
        print(
            f"  {agents:>12,} {best['seconds']:>8.1f} {best['init_seconds']:>8.1f}"
            f" {best['cpu_seconds']:>8.1f} {best['peak_mb']:>9,.0f}" + _target_text(agents, best)
        )
        seconds, megabytes = TARGETS.get(agents, (None, None))
        size = f"{agents:,} agents x {args.years} years"
        figure(
            f"population.{agents}.seconds",
            best["seconds"],
            "s",
            target=seconds,
            label=f"population {size}, wall, one core",
            note=f"{best['cpu_seconds']:.1f} s CPU",
        )
        figure(
            f"population.{agents}.peak_mb",
            best["peak_mb"],
            "MB",
            target=megabytes,
            label=f"population {size}, peak memory",
        )
    bare: dict[str, float] | None = None
    if args.bare_at:
        bare = _in_subprocess("bare", args.bare_at, args.years, core)
        print(
            f"  bare Starsim at {args.bare_at:,} agents (same People, dates, step, seed and"
            f" ageing; no modules): {bare['seconds']:.1f} s wall, {bare['cpu_seconds']:.1f} s CPU,"
            f" peak {bare['peak_mb']:,.0f} MB"
        )
        model = next((run for run in results if run["agents"] == args.bare_at), None)
        if model is not None:
            print(
                f"  ratio model / bare at {args.bare_at:,}:"
                f" {model['seconds'] / bare['seconds']:.2f} wall,"
                f" {model['cpu_seconds'] / bare['cpu_seconds']:.2f} CPU (target <= 3)"
            )
            figure(
                f"population.{args.bare_at}.vs_bare",
                model["seconds"] / bare["seconds"],
                "x",
                target=3,
                label=f"population {args.bare_at:,} agents / bare Starsim, wall",
            )
    if args.json is not None:
        document = {
            "date": started.strftime("%Y-%m-%d %H:%M UTC"),
            "machine": _machine(),
            "load_average_at_start": round(load, 2),
            "years": args.years,
            "core": core,
            "repeat": max(args.repeat, 1),
            "command": " ".join(["benchmarks/bench_population.py", *sys.argv[1:]]),
            "runs": results,
            "bare": None if bare is None else {"agents": args.bare_at, **bare},
            "targets": {str(agents): list(target) for agents, target in TARGETS.items()},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
