"""Write docs/pk-fit.md and docs/pk-fit.svg: the body model beside adult human data.

Run after changing the pharmacokinetic parameters in knowledge/body.toml:

    .venv/bin/python scripts/make_pk_fit.py

tests/model/test_pk_fit.py fails while docs/pk-fit.md is stale. The chart is
drawn with ketpath.present.charts' style and renderer, so the same model gives the
same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ketpath.core.body.fit import FitRow, fit_markdown, fit_rows
from ketpath.present.charts import BLUE, GREY, ORANGE, Chart, chart_style, render

DOCS = Path(__file__).resolve().parents[1] / "docs"


def fit_chart(rows: tuple[FitRow, ...]) -> Chart:
    """Model / observed per row on a log axis; fitted rows and checks differ by marker."""
    with chart_style():
        figure = Figure(figsize=(11.0, 0.32 * len(rows) + 1.8))
        axes = figure.add_subplot()
        positions = np.arange(len(rows))[::-1]
        ratios = np.array([row.ratio for row in rows])
        fitted = np.array([row.observation.target for row in rows])
        axes.axvspan(0.8, 1.25, color="#EEEEEE", zorder=0)
        axes.axvline(1.0, color=GREY, linewidth=1.0)
        axes.scatter(
            ratios[fitted], positions[fitted], marker="o", color=BLUE, label="fitted", zorder=3
        )
        axes.scatter(
            ratios[~fitted], positions[~fitted], marker="D", color=ORANGE, label="check", zorder=3
        )
        axes.set_xscale("log")
        axes.set_xlim(0.1, 10.0)
        axes.set_yticks(
            positions,
            [f"{row.observation.data_set}: {row.observation.quantity}" for row in rows],
            fontsize=9.0,
        )
        axes.set_xlabel("model / observed (shaded: 0.8-1.25)")
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
        figure.subplots_adjust(left=0.5, right=0.97, top=1.0 - 0.9 / figure.get_figheight())
        return render(
            figure,
            title="Body model against adult human data",
            alt="For each published figure, the model's value divided by the observed one.",
        )


def main() -> None:
    rows = fit_rows()
    (DOCS / "pk-fit.md").write_text(fit_markdown(rows), encoding="utf-8")
    (DOCS / "pk-fit.svg").write_text(fit_chart(rows).svg, encoding="utf-8")


if __name__ == "__main__":
    main()
