"""Proportions with their counts and a Wilson 95% interval.

A share read from a simulation is only as good as its denominator: 11 of 13
treatment completers relapsing reads as 85%, but the interval runs from about
58% to 96%. Every proportion the population model reports therefore carries
its numerator and denominator, a Wilson score interval (it stays inside
[0, 1] and behaves at 0 and n; Wilson 1927, J Am Stat Assoc 22:209), and no
value at all (``None``, JSON ``null``) when the denominator is 0. Reports warn
when a denominator is below ``[reporting] min_denominator`` in
``knowledge/population.toml``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

Z_95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson_interval(numerator: float, denominator: float) -> tuple[float, float] | None:
    """Wilson 95% score interval for ``numerator / denominator`` (None when nothing is estimable)."""
    if denominator <= 0:
        return None
    share = numerator / denominator
    z2 = Z_95 * Z_95
    centre = (share + z2 / (2 * denominator)) / (1 + z2 / denominator)
    half = (
        Z_95
        * math.sqrt(share * (1 - share) / denominator + z2 / (4 * denominator * denominator))
        / (1 + z2 / denominator)
    )
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Proportion:
    """``numerator`` of ``denominator`` people (or events)."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if self.denominator < 0 or not 0 <= self.numerator <= max(self.denominator, 0):
            raise ValueError(f"not a proportion: {self.numerator} of {self.denominator}")

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def to_dict(self, digits: int = 6) -> dict[str, int | float | None]:
        """``{numerator, denominator, value, low, high}``; the last three are None when n = 0."""
        interval = wilson_interval(self.numerator, self.denominator)
        value = self.value
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": None if value is None else round(value, digits),
            "low": None if interval is None else round(interval[0], digits),
            "high": None if interval is None else round(interval[1], digits),
        }

    @classmethod
    def pooled(cls, parts: Iterable[Proportion]) -> Proportion:
        """One proportion from several runs: numerators and denominators summed."""
        numerator = denominator = 0
        for part in parts:
            numerator += part.numerator
            denominator += part.denominator
        return cls(numerator, denominator)

    @classmethod
    def from_dict(cls, data: dict[str, int | float | None]) -> Proportion:
        return cls(int(data["numerator"] or 0), int(data["denominator"] or 0))


def small_denominator_warnings(
    proportions: dict[str, dict[str, int | float | None]], minimum: int, where: str = ""
) -> list[str]:
    """A sentence for every proportion whose denominator is below ``minimum``."""
    prefix = f"{where}: " if where else ""
    out = []
    for name, share in proportions.items():
        denominator = int(share["denominator"] or 0)
        if denominator == 0:
            out.append(f"{prefix}{name}: denominator is 0, so no value is given")
        elif denominator < minimum:
            out.append(
                f"{prefix}{name}: {share['numerator']} of {denominator} is below the minimum"
                f" denominator of {minimum}; read the interval, not the value (run more agents)"
            )
    return out
