"""The rewards (contingency management) schedule in words and money, for the person's and the clinic's pages.

Pure: it takes the plain data of ``services.contingency.overview`` and the
person's zone; the web routes hand the result to the templates.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from ketpath.knowledge import languages
from ketpath.present import views
from ketpath.present.format import WORDING_LOCALE, local_time, money, schedule_setting
from ketpath.present.i18n import N_, _, current_language

__all__ = ["OUTCOME_WORDS", "RESULT_WORDS", "rewards_view"]

RESULT_WORDS = {
    "negative": N_("Negative"),
    "positive": N_("Positive"),
    "invalid": N_("Invalid"),
    None: N_("Missed"),
}
"""A screen's result as the rewards table shows it (translated where shown)."""
OUTCOME_WORDS = {
    "earned": N_("Earned"),
    "reset": N_("Back to the start value"),
    "held": N_("No change"),
    "repeat": N_("Repeat within a day: nothing earned"),
}
"""What a screen did to the schedule (translated where shown)."""
SETTING_WORDS = {"yes": N_("yes"), "no": N_("no"), "reset": N_("reset"), "hold": N_("hold")}
"""The words a yes-or-no or reset-or-hold setting is shown in (translated where shown)."""


def _setting_words(name: str, value: object, currency: str) -> str:
    shown = schedule_setting(name, value, currency, WORDING_LOCALE)
    return _(SETTING_WORDS[shown]) if shown in SETTING_WORDS else shown


def rewards_view(data: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """Display strings for the templates, from :func:`services.contingency.overview`."""
    currency = data["currency"]
    state = data["state"]
    words = languages.contingency(current_language())  # labels and rationales in her language
    defaults = dict(words.defaults.items())
    view: dict[str, Any] = {
        "active": data["active"],
        "custom": data["custom"],
        "ladder": [money(value, currency, WORDING_LOCALE) for value in data["ladder"]],
        "effect": {
            **data["effect"],
            "title": words.effect.title,
            "rationale": words.effect.rationale,
            "sources": views.cite(data["effect"]["sources"]),
        },
        "settings": [
            {
                **row,
                **(
                    {
                        "label": defaults[row["name"]].label,
                        "rationale": defaults[row["name"]].rationale,
                    }
                    if row["name"] in defaults
                    else {}
                ),
                "value": _setting_words(row["name"], row["value"], currency),
                "sources": views.cite(row["sources"]),
            }
            for row in data["settings"]
        ],
    }
    if state is None:
        return view
    view.update(
        total=money(state["total"], currency, WORDING_LOCALE),
        next_value=money(state["next_value"], currency, WORDING_LOCALE),
        next_due=local_time(datetime.fromisoformat(state["next_due"]), zone),
        start=local_time(datetime.fromisoformat(state["start"]), zone),
        run=state["run"],
        counts=state["counts"],
        events=[
            {
                "when": local_time(datetime.fromisoformat(event["time"]), zone),
                "iso": event["time"],
                "result": _(RESULT_WORDS[event["result"]]),
                "outcome": _(OUTCOME_WORDS[event["outcome"]]),
                "bonus": money(event["bonus"], currency, WORDING_LOCALE) if event["bonus"] else "",
                "restored": event["restored"],
                "earned": money(event["earned"], currency, WORDING_LOCALE),
                "total": money(event["total"], currency, WORDING_LOCALE),
            }
            for event in reversed(state["events"])
        ],
    )
    return view
