"""Benchmark: the population model at 1,000,000 agents x 10 years, weekly steps.

Times the full model (baseline scenario: ``scenarios.build_sim``) and a bare
Starsim run of the same size, each in its own process so that peak memory
(``resource.getrusage``) belongs to one run. Each figure covers building,
initialising and running the sim (not the imports).

The bare run is ``ss.Sim`` with the same ``ss.People`` (same number of
agents, the model's age table, Starsim's default sex split), the same start,
stop, weekly step and seed, ``use_aging=True``, and nothing else: no
demographics (the model has no births or deaths either), no networks, no
modules, no interventions, no analyzers. Starsim's own per-step work on
``People`` (``step_die``, ``update_results`` for n_alive/n_female/deaths,
``remove_dead`` and ageing every agent) runs in both runs alike: the loop
adds it whether or not modules are present (``starsim/loop.py``,
``Loop.collect_funcs``), so the ratio measures the model's own cost.

The machine may be shared, so the two runs alternate ``--repeat`` times and
the fastest of each is reported, as wall time and as CPU time of the process
(the CPU figure is the steadier one when other work competes for the core).
Prints the figures and the ratios model / bare; asserts nothing.

    STARSIM_INSTALL_FONTS=0 taskset -c 0 .venv/bin/python benchmarks/bench_population.py \
        [--agents N] [--years Y] [--repeat R]

Targets (the population issue): <= 120 s and <= 4 GB on one core; ratio <= 3.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

from figures import figure

TARGETS = {1_000_000: (120.0, 4096.0), 10_000_000: (60.0, 8192.0)}
"""Agents: (seconds, peak MB) on one core; the population issue and issue 16, point 5."""


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
    sim.run()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak_mb}


def _in_subprocess(kind: str, agents: int, years: int) -> dict[str, float]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               NUMBA_NUM_THREADS="1")  # fmt: skip
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, "--agents", str(agents), "--years", str(years)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: min(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument(
        "--repeat", type=int, default=3, help="alternating runs of each (best kept)"
    )
    parser.add_argument("--one", choices=["model", "bare"])
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one, args.agents, args.years)))
        return
    runs: dict[str, list[dict[str, float]]] = {"model": [], "bare": []}
    for _ in range(max(args.repeat, 1)):
        for kind in ("model", "bare"):
            runs[kind].append(_in_subprocess(kind, args.agents, args.years))
    model, bare = _best(runs["model"]), _best(runs["bare"])
    print(f"population model, {args.agents:,} agents x {args.years} years, weekly steps "
          f"(best of {len(runs['model'])})")  # fmt: skip
    print(f"  model: {model['seconds']:.1f} s wall, {model['cpu_seconds']:.1f} s CPU, "
          f"peak {model['peak_mb']:.0f} MB")  # fmt: skip
    print(f"  bare Starsim (same People, dates, step, seed and ageing; no demographics, "
          f"networks or modules): {bare['seconds']:.1f} s wall, {bare['cpu_seconds']:.1f} s CPU, "
          f"peak {bare['peak_mb']:.0f} MB")  # fmt: skip
    print(f"  ratio model / bare: {model['seconds'] / bare['seconds']:.2f} wall, "
          f"{model['cpu_seconds'] / bare['cpu_seconds']:.2f} CPU (target <= 3)")  # fmt: skip
    seconds, megabytes = TARGETS.get(args.agents, (None, None))
    size = f"{args.agents:,} agents x {args.years} years"
    figure(
        f"population.{args.agents}.seconds",
        model["seconds"],
        "s",
        target=seconds,
        label=f"population {size}, wall",
        note=f"{model['cpu_seconds']:.1f} s CPU",
    )
    figure(
        f"population.{args.agents}.peak_mb",
        model["peak_mb"],
        "MB",
        target=megabytes,
        label=f"population {size}, peak memory",
    )
    figure(
        f"population.{args.agents}.vs_bare",
        model["seconds"] / bare["seconds"],
        "x",
        target=3,
        label=f"population {size} / bare Starsim, wall",
    )


if __name__ == "__main__":
    main()
