"""Regenerate the README's speed table from ``make bench``'s results.

``benchmarks/run_all.py --json PATH`` writes every figure with its target,
the date and the machine; this script writes them as a Markdown table into
README.md between the two marker comments, and leaves the rest of the file
alone. The figures are only as good as the machine was quiet: the load
average at the start is printed beside the machine.

    python scripts/readme_speed_table.py build/bench.json [--readme README.md]
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
    load = machine.get("load_average")
    words = f"{machine.get('cores')} cores, {machine.get('memory_gb')} GB RAM, {machine.get('cpu')}"
    if isinstance(load, list) and load:
        words += f" (load average {float(load[0]):.1f} at the start)"
    return words


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(results: Mapping[str, Any]) -> str:
    """The generated section: when, where, and one row per figure."""
    date = datetime.fromisoformat(str(results["date"]))
    commit = results.get("commit")
    commands = {entry["script"]: entry["command"] for entry in results.get("scripts", [])}
    lines = [
        f"Measured by `make bench` on {date:%Y-%m-%d}"
        + (f" at commit `{commit}`" if commit else "")
        + f", on {machine_words(results.get('machine', {}))}. "
        "Ratio is measured / target; a figure without a target is for information.",
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
    parser.add_argument("results", type=Path, help="the JSON written by run_all.py --json")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    options = parser.parse_args(argv)
    try:
        results = json.loads(options.results.read_text(encoding="utf-8"))
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
