"""Benchmark: the population model at 1,000,000 agents x 10 years, weekly steps.

Times the full model (baseline scenario) and a bare Starsim run of the same
size (same people, ages, dates and step, ageing on, no modules), each in its
own process so that peak memory (``resource.getrusage``) belongs to one run.
Prints the figures and the ratio model / bare; asserts nothing.

    STARSIM_INSTALL_FONTS=0 .venv/bin/python benchmarks/bench_population.py [--agents N] [--years Y]

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


def _one(kind: str, agents: int, years: int) -> dict[str, float]:
    import starsim as ss  # noqa: PLC0415 - after the font setting above

    from ketpath.population.scenarios import age_data, build_sim  # noqa: PLC0415

    started = time.perf_counter()
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
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--one", choices=["model", "bare"])
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one, args.agents, args.years)))
        return
    model = _in_subprocess("model", args.agents, args.years)
    bare = _in_subprocess("bare", args.agents, args.years)
    print(f"population model, {args.agents:,} agents x {args.years} years, weekly steps")
    print(f"  model: {model['seconds']:.1f} s, peak {model['peak_mb']:.0f} MB")
    print(f"  bare Starsim (same people, dates, step): {bare['seconds']:.1f} s, "
          f"peak {bare['peak_mb']:.0f} MB")  # fmt: skip
    print(f"  ratio model / bare: {model['seconds'] / bare['seconds']:.2f} (target <= 3)")


if __name__ == "__main__":
    main()
