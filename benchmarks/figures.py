"""One line per figure: the format every benchmark prints so that ``make bench`` can collect them.

A benchmark keeps printing its figures in words for a person, and for each
figure that a target is set on (or that an issue asks to see) it also calls
:func:`figure`, which prints one more line::

    FIGURE {"name": "web.dashboard_p95", "label": "dashboard p95, five years", ...}

The prefix makes the line easy to find among the prose, and JSON after it
keeps labels with spaces and commas intact without a quoting scheme of our
own. ``benchmarks/run_all.py`` runs each benchmark, picks these lines out of
its output with :func:`parse` and prints one table of figure, measured value,
target, ratio and met/missed; ``scripts/readme_speed_table.py`` turns the same
figures into the README's table. The format is described for people in
``benchmarks/README.md``.

A figure is "met" when its value is on the right side of its target
(``better`` says which side is good); one without a target is reported for
information and is neither met nor missed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Literal

PREFIX = "FIGURE "
Better = Literal["lower", "higher"]


@dataclass(frozen=True, kw_only=True)
class Figure:
    name: str
    """A stable dotted name (``roster.cold``); the table and the README key on it."""
    label: str
    """What was measured, in words, for the table."""
    value: float
    unit: str
    """``ms``, ``s``, ``MB``, ``req/s``, ``x`` (a ratio), ``errors``, …"""
    target: float | None = None
    better: Better = "lower"
    note: str = ""
    """Anything a reader needs beside the number (the baseline's own figure, the load)."""

    def ratio(self) -> float | None:
        """Measured over target, or None without a (non-zero) target."""
        if self.target is None or self.target == 0:
            return None
        return self.value / self.target

    def met(self) -> bool | None:
        """True or False against the target; None when there is none."""
        if self.target is None:
            return None
        if self.better == "lower":
            return self.value <= self.target
        return self.value >= self.target

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Figure:
        better = str(data.get("better", "lower"))
        if better not in ("lower", "higher"):
            raise ValueError(f"figure {data.get('name')!r}: better must be lower or higher")
        target = data.get("target")
        return cls(
            name=str(data["name"]),
            label=str(data.get("label") or data["name"]),
            value=_number(data["value"], "value"),
            unit=str(data.get("unit", "")),
            target=None if target is None else _number(target, "target"),
            better="lower" if better == "lower" else "higher",
            note=str(data.get("note", "")),
        )


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{field} must be a number, got {value!r}")
    return float(value)


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    label: str,
    target: float | None = None,
    better: Better = "lower",
    note: str = "",
) -> Figure:
    """Print one figure in the collected format (and return it)."""
    found = Figure(
        name=name,
        label=label,
        value=float(value),
        unit=unit,
        target=target,
        better=better,
        note=note,
    )
    print(PREFIX + json.dumps(found.to_dict(), ensure_ascii=False), flush=True)
    return found


def parse(lines: Iterable[str]) -> list[Figure]:
    """The figures among a benchmark's output lines; every other line is ignored."""
    found = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(PREFIX):
            found.append(Figure.from_dict(json.loads(stripped[len(PREFIX) :])))
    return found


def format_value(value: float, unit: str) -> str:
    """A value as a person reads it: ``25.8 ms``, ``1,281 ms``, ``2.06x``, ``737 MB``."""
    if unit == "x":
        return f"{value:.2f}x"
    magnitude = abs(value)
    if magnitude >= 100:
        text = f"{value:,.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def format_target(found: Figure) -> str:
    if found.target is None:
        return "—"
    sign = "≤" if found.better == "lower" else "≥"
    return f"{sign} {format_value(found.target, found.unit)}"


def format_ratio(found: Figure) -> str:
    ratio = found.ratio()
    return "—" if ratio is None else f"{ratio:.2f}"


def verdict(found: Figure) -> str:
    met = found.met()
    if met is None:
        return "(information)"
    return "met" if met else "MISSED"
