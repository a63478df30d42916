"""The standing check that the two scales agree.

Synthetic histories (``synth.py``) carry the population model's true stage;
the person model assesses each history at its end, and the agreement between
the two is reported as a confusion matrix and per-stage recall.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ketpath.core.assess import assess
from ketpath.population.model import STAGES
from ketpath.population.synth import History


@dataclass(frozen=True)
class Agreement:
    stages: tuple[str, ...]
    matrix: list[list[int]]
    people: int

    @property
    def agreed(self) -> int:
        return sum(self.matrix[i][i] for i in range(len(self.stages)))

    @property
    def overall(self) -> float:
        return self.agreed / self.people if self.people else 0.0

    def recall(self) -> dict[str, float | None]:
        """Share of people in each true stage whom the person model placed there too."""
        out: dict[str, float | None] = {}
        for i, stage in enumerate(self.stages):
            total = sum(self.matrix[i])
            out[stage] = self.matrix[i][i] / total if total else None
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "people": self.people,
            "agreement": round(self.overall, 4),
            "stages": list(self.stages),
            "confusion_matrix": {
                "rows": "true stage (population model)",
                "columns": "assessed stage (person model)",
                "counts": self.matrix,
            },
            "recall": {
                k: (round(v, 4) if v is not None else None) for k, v in self.recall().items()
            },
        }


def agreement(histories: list[History]) -> Agreement:
    """Assess every history with the person model and tabulate true vs assessed stage."""
    index = {stage: i for i, stage in enumerate(STAGES)}
    matrix = [[0] * len(STAGES) for _ in STAGES]
    for history in histories:
        assessed = assess(history.records, history.as_of, locale="US").stage
        matrix[index[history.true_stage]][index[assessed]] += 1
    return Agreement(STAGES, matrix, len(histories))


def render(result: Agreement) -> str:
    """A plain-text confusion matrix with recall per true stage."""
    short = [stage[:8] for stage in result.stages]
    lines = [
        f"person-model agreement: {result.agreed}/{result.people} = {result.overall:.1%}",
        "rows: true stage (population model); columns: assessed stage (person model)",
        f"{'':>20} " + " ".join(f"{name:>8}" for name in short) + "   recall",
    ]
    recall = result.recall()
    for i, stage in enumerate(result.stages):
        row = " ".join(f"{count:>8}" for count in result.matrix[i])
        value = recall[stage]
        lines.append(f"{stage:>20} {row}   " + ("-" if value is None else f"{value:.0%}"))
    return "\n".join(lines)
