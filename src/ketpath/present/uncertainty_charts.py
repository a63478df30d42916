"""The tornado plot of ``ketpath uncertainty``: which assumptions drive each output.

One panel per output, its strongest assumptions by partial rank correlation
(PRCC) as horizontal bars, the strongest at the top. Drawn the way
``ketpath.present.charts`` draws (matplotlib's object API, a fixed
``svg.hashsalt``, no metadata block, text kept as text, the Okabe-Ito palette),
so the output is stable byte for byte. Positive and negative bars differ by
hatching as well as colour, so the chart does not depend on colour alone.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

from ketpath.present.charts import BLUE, VERMILLION, Chart, chart_style, render
from ketpath.present.i18n import _

__all__ = ["tornado_chart"]

_STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "ketpath-uncertainty-charts",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_WIDTH_IN = 7.5


def _drivers(output: dict[str, Any], top: int) -> list[tuple[str, float]]:
    ranked = [(name, v["prcc"]) for name, v in output["prcc"].items() if v["prcc"] is not None]
    ranked.sort(key=lambda item: -abs(item[1]))
    return ranked[:top]


def tornado_chart(document: dict[str, Any], *, top: int = 8) -> Chart:
    """A panel per output of the ``top`` assumptions by |PRCC| (an empty panel says why)."""
    outputs = document["outputs"]
    title = _("What drives each output: PRCC over %(runs)s runs", runs=document["runs"])
    strongest = []
    with chart_style(_STYLE):
        figure = Figure(
            figsize=(_WIDTH_IN, 0.6 + 0.22 * (top + 2) * len(outputs)), layout="constrained"
        )
        figure.suptitle(title, x=0.01, ha="left", fontsize=11.0)
        panels = figure.subplots(len(outputs), 1, squeeze=False)[:, 0]
        for axes, (key, output) in zip(panels, outputs.items(), strict=True):
            drivers = _drivers(output, top)
            axes.set_title(output["label"], loc="left")
            axes.set_xlim(-1.0, 1.0)
            axes.axvline(0.0, color="#6E6E6E", linewidth=0.8)
            if not drivers:
                axes.set_yticks([])
                axes.text(
                    0.0,
                    0.5,
                    _("no PRCC: too few runs, or the output never changed"),
                    ha="center",
                    va="center",
                    transform=axes.transAxes,
                )
                continue
            strongest.append(f"{key}: {drivers[0][0]} ({drivers[0][1]:+.2f})")
            names = [name for name, _ in reversed(drivers)]
            values = [value for _, value in reversed(drivers)]
            colours = [BLUE if value >= 0 else VERMILLION for value in values]
            hatches = ["" if value >= 0 else "//" for value in values]
            bars = axes.barh(range(len(values)), values, color=colours)
            for bar, hatch in zip(bars, hatches, strict=True):
                bar.set_hatch(hatch)
            axes.set_yticks(range(len(names)), names)
        panels[-1].set_xlabel(_("partial rank correlation with the output"))
        if strongest:
            alt = _(
                "Horizontal bars, one panel per output, of the assumptions' partial rank "
                "correlations with it over %(runs)s runs. Strongest driver: %(drivers)s.",
                runs=document["runs"],
                drivers="; ".join(strongest),
            )
        else:
            alt = _(
                "Horizontal bars, one panel per output, of the assumptions' partial rank "
                "correlations with it over %(runs)s runs. Strongest driver: none could be "
                "estimated.",
                runs=document["runs"],
            )
        return render(figure, title=title, alt=alt)
