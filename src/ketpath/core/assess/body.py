"""The body section of an assessment: what the logged doses did in the model.

Uses without an amount are left out, a use without a route is taken as the
usual route, and a missing weight as a default; all three choices are data in
``knowledge/body.toml`` and the section says how often each was made.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ketpath.core.assess.history import History
from ketpath.core.body import DoseHistory, body_summary
from ketpath.core.body.pk import route_names
from ketpath.knowledge.body import body

MICROSECONDS_PER_HOUR = 3_600 * 1_000_000


def body_section(history: History) -> dict[str, Any] | None:
    """Exposure, tolerance and trend at ``as_of``; None when no use carries an amount."""
    settings = body().assessment
    uses = history.uses
    dosed = [i for i, use in enumerate(uses.records) if use.dose_mg is not None]
    if not dosed:
        return None
    records = [uses.records[i] for i in dosed]
    code = {name: index for index, name in enumerate(route_names())}
    routes = np.array(
        [code[use.route or settings.unknown_route] for use in records], dtype=np.int64
    )
    doses = DoseHistory(
        times_h=uses.utc[dosed] / MICROSECONDS_PER_HOUR,
        mg=np.array([use.dose_mg for use in records], dtype=np.float64),
        routes=routes,
    )
    weight = history.weight_kg or settings.default_weight_kg
    summary = body_summary(doses, history.end_utc / MICROSECONDS_PER_HOUR, weight)
    return {
        **summary,
        "doses_counted": len(dosed),
        "uses_without_amount": len(uses) - len(dosed),
        "routes_assumed": sum(use.route is None for use in records),
        "weight_kg": weight,
        "weight_assumed": history.weight_kg is None,
        "caveat": settings.caveat,
        "grade": settings.grade,
        "sources": list(settings.sources),
    }
