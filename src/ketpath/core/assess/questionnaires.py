"""Questionnaire records, scored once, for the rules that read them.

The scoring itself belongs to :mod:`ketpath.core.instruments`; this module
keeps the scores beside their times so that rules can ask "the latest PHQ-9
within 90 days" or "any DSM-5 checklist in the severe band" at many evaluation
points at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ketpath.core.assess.history import Bools, Floats, History, Ints, days_to_microseconds
from ketpath.core.instruments import Score, get_instrument, score
from ketpath.core.records import Questionnaire, Record


@dataclass(frozen=True)
class Administration:
    record: Questionnaire
    at: int
    score: Score


@dataclass(frozen=True)
class Scored:
    """The scored questionnaires of a history, grouped by instrument, in time order."""

    by_instrument: dict[str, tuple[Administration, ...]]

    def _of(self, instrument: str) -> tuple[tuple[Administration, ...], Ints]:
        administrations = self.by_instrument.get(instrument, ())
        return administrations, np.array([a.at for a in administrations], dtype=np.int64)

    def latest_in_window(self, instrument: str, ends: Ints, days: int) -> Floats:
        """Total of the latest administration in each window; NaN where there is none."""
        administrations, at = self._of(instrument)
        totals = np.array([float(a.score.total) for a in administrations] + [np.nan])
        hi = np.searchsorted(at, ends, side="right")
        lo = np.searchsorted(at, ends - days_to_microseconds(days), side="right")
        latest = np.where(hi > lo, hi - 1, len(administrations))
        return np.asarray(totals[latest], dtype=np.float64)

    def any_in_window(
        self,
        instrument: str,
        ends: Ints,
        days: int,
        *,
        bands: Sequence[str] = (),
        flag: str | None = None,
    ) -> Bools:
        """Whether any administration in each window is in one of ``bands`` or raised ``flag``."""
        administrations, at = self._of(instrument)
        matches = np.array(
            [
                (a.score.band in bands)
                or (flag is not None and any(f.id == flag for f in a.score.flags))
                for a in administrations
            ],
            dtype=np.int64,
        )
        cumulative = np.concatenate(([0], np.cumsum(matches)))
        hi = np.searchsorted(at, ends, side="right")
        lo = np.searchsorted(at, ends - days_to_microseconds(days), side="right")
        return np.asarray(cumulative[hi] - cumulative[lo] > 0)

    def in_window(self, instrument: str, end: int, days: int) -> list[Administration]:
        administrations, at = self._of(instrument)
        return [
            a
            for a, t in zip(administrations, at, strict=True)
            if end - days_to_microseconds(days) < t <= end
        ]

    def describe_latest(
        self, instruments: Sequence[str], end: int, days: int, min_score: float
    ) -> tuple[dict[str, object], list[Record]]:
        """Evidence for "the latest score of one of these instruments reached ``min_score``"."""
        for instrument in instruments:
            window = self.in_window(instrument, end, days)
            if window and window[-1].score.total >= min_score:
                latest = window[-1]
                name = get_instrument(instrument).short_name  # "PHQ-9", never "PHQ9"
                return {"instrument": name, "score": latest.score.total}, [latest.record]
        return {"instrument": "", "score": 0}, []

    def summary(self) -> dict[str, dict[str, Any]]:
        """The latest score and band of every instrument used, for the assessment JSON."""
        out: dict[str, dict[str, Any]] = {}
        for instrument, administrations in sorted(self.by_instrument.items()):
            latest = administrations[-1]
            out[instrument] = {
                "time": latest.record.time.isoformat(),
                "total": latest.score.total,
                "band": latest.score.band,
                "flags": [flag.id for flag in latest.score.flags],
                "count": len(administrations),
            }
        return out


@lru_cache(maxsize=8192)
def _score(instrument: str, answers: tuple[int | str, ...]) -> Score:
    """Scores are pure functions of the answers; long histories repeat them often."""
    return score(instrument, answers)


def scored(history: History) -> Scored:
    def compute() -> Scored:
        grouped: dict[str, list[Administration]] = {}
        table = history.questionnaires
        for record, at in zip(table.records, table.at, strict=True):
            administration = Administration(
                record=record, at=int(at), score=_score(record.instrument, record.answers)
            )
            grouped.setdefault(record.instrument, []).append(administration)
        return Scored({key: tuple(value) for key, value in grouped.items()})

    result = history.memo("questionnaires", compute)
    assert isinstance(result, Scored)
    return result
