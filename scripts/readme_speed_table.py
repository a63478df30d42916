"""Regenerate the README's speed table from ``make bench``'s results.

``benchmarks/run_all.py --json PATH`` writes every figure with its target,
the date and the machine; this script writes them as a Markdown table into
README.md between the two marker comments, and leaves the rest of the file
alone. The figures are only as good as the machine was quiet: the load
average at the start is printed beside the machine.

    python scripts/readme_speed_table.py build/bench.json [LATER.json ...] [--readme README.md]

A later results file (``run_all.py --only bench_roster --json LATER.json``,
after a change to one part) replaces the figures it measured, by name, and
keeps the rest; the table's first line then says which figures were measured
again, when, at which commit and under what load.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from figures import Figure, format_ratio, format_target, format_value

ROOT = Path(__file__).resolve().parents[1]

BEGIN = "<!-- speed-table:begin (scripts/readme_speed_table.py writes between these) -->"
END = "<!-- speed-table:end -->"


class TableError(Exception):
    """The README or the results cannot be used; the message says why."""


def machine_words(machine: Mapping[str, object]) -> str:
    words = f"{machine.get('cores')} cores, {machine.get('memory_gb')} GB RAM, {machine.get('cpu')}"
    return words + _load(machine)


def _load(machine: Mapping[str, object]) -> str:
    load = machine.get("load_average")
    if isinstance(load, list) and load:
        return f" (load average {float(load[0]):.1f} at the start)"
    return ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _when(results: Mapping[str, Any]) -> str:
    date = datetime.fromisoformat(str(results["date"]))
    commit = results.get("commit")
    return f"on {date:%Y-%m-%d}" + (f" at commit `{commit}`" if commit else "")


def combined(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The first run's results with each later run's figures in place of the same names'.

    A figure a later run measured and the first did not is added at the end;
    ``later`` lists each later run's date, commit, machine and scripts for the
    table's first line.
    """
    first, *later = runs
    merged = dict(first)
    figures = [dict(data) for data in first.get("figures", [])]
    scripts = list(first.get("scripts", []))
    for run in later:
        newer = {data["name"]: data for data in run.get("figures", [])}
        figures = [newer.pop(data["name"], data) for data in figures] + list(newer.values())
        scripts += run.get("scripts", [])
    merged["figures"] = figures
    merged["scripts"] = scripts
    measured_again = {data["name"] for run in later for data in run.get("figures", [])}
    merged["missing"] = [m for m in first.get("missing", []) if m["name"] not in measured_again]
    merged["later"] = list(later)
    return merged


def markdown(results: Mapping[str, Any]) -> str:
    """The generated section: when, where, and one row per figure."""
    commands = {entry["script"]: entry["command"] for entry in results.get("scripts", [])}
    again = "".join(
        " Measured again "
        + _when(run)
        + _load(run.get("machine", {}))
        + ": "
        + ", ".join(f"`{entry['command']}`" for entry in run.get("scripts", []))
        + "; their rows below are from that run."
        for run in results.get("later", [])
    )
    lines = [
        f"Measured by `make bench` {_when(results)}"
        + f", on {machine_words(results.get('machine', {}))}."
        + again
        + " Ratio is measured / target; a figure without a target is for information.",
        "",
        "| figure | measured | target | ratio | met | command |",
        "|---|---|---|---|---|---|",
    ]
    for data in results.get("figures", []):
        found = Figure.from_dict(data)
        met = found.met()
        verdict = "—" if met is None else ("met" if met else "**missed**")
        measured = format_value(found.value, found.unit)
        if found.note:
            measured += f" ({found.note})"
        # The run that printed it: a script run twice (bench_web, then --postgres) has two.
        command = data.get("command") or commands.get(data.get("script"), "")
        lines.append(
            "| "
            + " | ".join(
                _cell(cell)
                for cell in (
                    found.label,
                    measured,
                    format_target(found),
                    format_ratio(found),
                    verdict,
                    f"`{command}`" if command else "",
                )
            )
            + " |"
        )
    for missing in results.get("missing", []):
        lines.append(
            f"| {_cell(str(missing['name']))} | {_cell(str(missing['reason']))} | — | — | — | |"
        )
    return "\n".join(lines)


def replace_table(readme: str, section: str) -> str:
    """The README with everything between the markers replaced by ``section``."""
    if readme.count(BEGIN) != 1 or readme.count(END) != 1:
        raise TableError(f"the README must hold each marker once:\n  {BEGIN}\n  {END}")
    head, rest = readme.split(BEGIN)
    _old, tail = rest.split(END)
    if END in head:
        raise TableError("the end marker comes before the begin marker")
    return f"{head}{BEGIN}\n{section}\n{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "results",
        type=Path,
        nargs="+",
        help="the JSON written by run_all.py --json; later files replace the figures they hold",
    )
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    options = parser.parse_args(argv)
    try:
        results = combined(
            [json.loads(path.read_text(encoding="utf-8")) for path in options.results]
        )
        updated = replace_table(options.readme.read_text(encoding="utf-8"), markdown(results))
    except (OSError, ValueError, KeyError, TableError) as error:
        print(f"readme_speed_table: {error}", file=sys.stderr)
        return 2
    options.readme.write_text(updated, encoding="utf-8")
    print(
        f"speed table in {options.readme} regenerated ({len(results.get('figures', []))} figures)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
