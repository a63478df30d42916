"""Write docs/performance.svg and the table in docs/performance.md from docs/performance.json.

docs/performance.json holds ``benchmarks/bench_population.py --json`` documents
under a label each (``before``: the model as it was, ``after``: as it is).
To measure again and redraw:

    PYTHONPATH=src .venv/bin/python benchmarks/bench_population.py --json /tmp/after.json
    .venv/bin/python scripts/make_performance_plot.py --add after /tmp/after.json

``--add LABEL PATH`` stores (or replaces) one measurement in docs/performance.json
first, and ``--code TEXT`` (once per ``--add``) says which code it measured;
without them the script only redraws. The table sits between the
``<!-- table -->`` and ``<!-- /table -->`` lines of docs/performance.md; the
prose around it is written by hand.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullLocator

from ketpath.present.charts import BLUE, GREY, ORANGE, VERMILLION, chart_style, render

DOCS = Path(__file__).resolve().parents[1] / "docs"
DATA = DOCS / "performance.json"
TABLE_START, TABLE_END = "<!-- table -->", "<!-- /table -->"
COLOURS = {"before": GREY, "after": BLUE}


def load(path: Path = DATA) -> dict[str, Any]:
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _runs(document: dict[str, Any]) -> list[dict[str, float]]:
    return sorted(document["runs"], key=lambda run: run["agents"])


def _target(document: dict[str, Any], agents: int) -> tuple[float, float] | None:
    target = document.get("targets", {}).get(str(agents))
    return None if target is None else (float(target[0]), float(target[1]))


def _agents_label(agents: int) -> str:
    if agents >= 1_000_000:
        return f"{agents / 1_000_000:g}M"
    return f"{agents / 1_000:g}k"


def chart(data: dict[str, dict[str, Any]]) -> str:
    """Time and peak memory against agents, log-log, one line per measurement."""
    with chart_style():
        figure = Figure(figsize=(11.0, 4.8))
        time_axes, memory_axes = figure.subplots(1, 2)
        for label, document in data.items():
            runs = _runs(document)
            agents = [run["agents"] for run in runs]
            colour = COLOURS.get(label, ORANGE)
            time_axes.plot(agents, [run["seconds"] for run in runs], "o-", color=colour,
                           label=f"{label}, wall")  # fmt: skip
            time_axes.plot(agents, [run["cpu_seconds"] for run in runs], "s--", color=colour,
                           label=f"{label}, CPU", alpha=0.8)  # fmt: skip
            memory_axes.plot(agents, [run["peak_mb"] / 1024 for run in runs], "o-", color=colour,
                             label=label)  # fmt: skip
        target = _target(next(iter(data.values())), 10_000_000)
        if target is not None:
            time_axes.scatter([10_000_000], [target[0]], marker="*", s=220, color=VERMILLION,
                              zorder=4, label="target at 10M")  # fmt: skip
            memory_axes.scatter([10_000_000], [target[1] / 1024], marker="*", s=220,
                                color=VERMILLION, zorder=4, label="target at 10M")  # fmt: skip
        sizes = sorted({run["agents"] for document in data.values() for run in document["runs"]})
        for axes, ylabel in ((time_axes, "seconds"), (memory_axes, "peak memory, GB")):
            axes.set_xscale("log")
            axes.set_xticks(sizes, [_agents_label(agents) for agents in sizes])
            axes.xaxis.set_minor_locator(NullLocator())
            axes.set_xlabel("agents (10 years, weekly steps)")
            axes.set_ylabel(ylabel)
            axes.grid(True, which="major", color="#DDDDDD")
            axes.legend(fontsize=10.0, frameon=False)
        time_axes.set_yscale("log")
        time_axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
        memory_axes.set_ylim(bottom=0)
        time_axes.set_title("Time on one core")
        memory_axes.set_title("Peak memory")
        figure.tight_layout()
        return render(
            figure,
            title="Population model: time and memory against agents",
            alt=(
                "Wall and CPU time and peak memory of the population model at 100,000,"
                " 1 million, 3 million and 10 million agents, before and after the changes,"
                " with the 10 million target (60 s, 8 GB) marked."
            ),
        ).svg


def table(data: dict[str, dict[str, Any]]) -> str:
    """A Markdown table: one row per measurement and size."""
    lines = [
        "| code | agents | wall s | CPU s | of which set-up s | peak MB | target | ratio (wall, CPU, memory) |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for label, document in data.items():
        for run in _runs(document):
            agents = int(run["agents"])
            target = _target(document, agents)
            if target is None:
                target_text, ratio_text = "", ""
            else:
                target_text = f"≤ {target[0]:.0f} s, ≤ {target[1] / 1024:.0f} GB"
                ratio_text = (
                    f"{run['seconds'] / target[0]:.2f}, {run['cpu_seconds'] / target[0]:.2f},"
                    f" {run['peak_mb'] / target[1]:.2f}"
                )
            lines.append(
                f"| {label} | {agents:,} | {run['seconds']:.1f} | {run['cpu_seconds']:.1f}"
                f" | {run['init_seconds']:.1f} | {run['peak_mb']:,.0f} | {target_text}"
                f" | {ratio_text} |"
            )
    lines.append("")
    for label, document in data.items():
        machine = document["machine"]
        bare = document.get("bare")
        bare_text = (
            ""
            if not bare
            else f"; bare Starsim at {bare['agents']:,}: {bare['seconds']:.1f} s wall,"
            f" {bare['cpu_seconds']:.1f} s CPU, {bare['peak_mb']:,.0f} MB"
        )
        code = f" ({document['code']})" if document.get("code") else ""
        lines.append(
            f"- {label}{code}: {document['date']}, {machine['cpu']}, {machine['cores']} cores,"
            f" {machine['memory_mb'] / 1024:.0f} GB, Python {machine['python']};"
            f" load average {document['load_average_at_start']} at the start;"
            f" `{document['command']}`{bare_text}."
        )
    return "\n".join(lines)


def write_table(markdown: str, path: Path = DOCS / "performance.md") -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.index(TABLE_START), text.index(TABLE_END)
    path.write_text(
        text[: start + len(TABLE_START)] + "\n" + markdown + "\n" + text[end:], encoding="utf-8"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--add", nargs=2, metavar=("LABEL", "PATH"), action="append", default=[])
    parser.add_argument(
        "--code", action="append", default=[], help="what each --add measured, in the same order"
    )
    args = parser.parse_args()
    data = load()
    for index, (label, path) in enumerate(args.add):
        data[label] = json.loads(Path(path).read_text(encoding="utf-8"))
        if index < len(args.code):
            data[label]["code"] = args.code[index]
    if args.add:
        DATA.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if not data:
        raise SystemExit(f"no measurements in {DATA}; add one with --add LABEL PATH")
    (DOCS / "performance.svg").write_text(chart(data), encoding="utf-8")
    write_table(table(data))


if __name__ == "__main__":
    main()
