"""Frequency bands: use-days per 30 days, last 30 days and the 90 before them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ketpath.core.assess.history import Floats, History, Ints
from ketpath.knowledge import rules


def band_mins() -> Floats:
    return np.array([band.min for band in rules().frequency.bands], dtype=np.float64)


def band_ids() -> tuple[str, ...]:
    return tuple(band.id for band in rules().frequency.bands)


def band_index(rate: Floats | Ints) -> Ints:
    """Index of the highest band whose minimum the rate reaches."""
    return (np.searchsorted(band_mins(), rate, side="right") - 1).astype(np.int64)


def band_rank(band_id: str) -> int:
    return band_ids().index(band_id)


@dataclass(frozen=True)
class Rates:
    """Use-day counts at each evaluation day: last ``recent`` days and the ``prior`` before."""

    recent_use_days: Ints
    prior_use_days: Ints
    prior_days: int
    recent_days: int

    @property
    def prior_rate(self) -> Floats:
        """The prior window's use-days per 30 days."""
        return np.asarray(self.prior_use_days * (30 / self.prior_days), dtype=np.float64)

    @property
    def recent_band(self) -> Ints:
        return band_index(
            np.asarray(self.recent_use_days * (30 / self.recent_days), dtype=np.float64)
        )

    @property
    def prior_band(self) -> Ints:
        return band_index(self.prior_rate)


def rates(history: History, end_days: Ints) -> Rates:
    rule = rules().frequency
    return Rates(
        recent_use_days=history.use_days_in(end_days, rule.recent_days),
        prior_use_days=history.use_days_in(end_days, rule.prior_days, before=rule.recent_days),
        prior_days=rule.prior_days,
        recent_days=rule.recent_days,
    )
