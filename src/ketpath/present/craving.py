"""The moment of a craving (issue 14, point 3): what ``/craving`` shows, and when it is offered.

Pure functions of the person's plan, their help lines and the knowledge base.
The page puts the person's own plan first (coping steps, reasons, people to
call as tap-to-call links), then the urge-surfing timer and its explanation,
which are the graded statements of the practical page that
``knowledge/craving.toml`` names, so nothing here is worded twice. The
intensity from which the plan is offered after a craving is logged, and the
timer's length, are graded defaults in that file, never numbers in code; their
labels and rationales are read in the page's language (``knowledge/i18n``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ketpath.core.records import Craving, Record
from ketpath.knowledge import languages, load
from ketpath.knowledge.craving import craving_moment
from ketpath.knowledge.languages import ENGLISH
from ketpath.present.practical import statement_view
from ketpath.present.views import dialled, graded

#: Drugs help lines and crisis lines are the ones a person calls in a craving; the
#: emergency number is on every red flag and in the footer's words.
CRAVING_CONTACT_KINDS = ("helpline", "crisis")

# A phone number written in a plan line: an optional "+" or "(", a digit, then digits,
# spaces, dots, dashes and brackets, ending in a digit ("07700 900123", "+44 (0)20 7946 0000").
_NUMBER = re.compile(r"\+?\(?\d[\d\s().\-]*\d")
_MIN_DIGITS, _MAX_DIGITS = 3, 15  # E.164 allows at most 15 digits; 3 covers "999", "111"
_NAME_EDGES = " \t:;,.-–—/|()[]"


def offers_craving_plan(record: Record) -> bool:
    """Whether saving ``record`` offers the craving plan: a craving at or above the threshold."""
    return isinstance(record, Craving) and record.intensity >= offer_threshold()


def offer_threshold() -> int:
    return craving_moment().offer_plan.value


def call_link(line: str) -> dict[str, str | None]:
    """One "people to call" line as a name and a ``tel:`` link, when the line holds a number.

    The plan is the person's own free text ("Sam 07700 900123", "Mum: +44 7700
    900123"). The last number-like run with 3 to 15 digits is the number; what
    is left, trimmed of separators, is the name. The ``href`` keeps only the
    digits and a leading "+" (RFC 3966 allows visual separators, but phones
    dial the bare digits most reliably); the "(0)" some write after a country
    code is not dialled from abroad, so it is left out. A line without a
    number is shown as it is, with no link.
    """
    for match in reversed(list(_NUMBER.finditer(line))):
        written = match.group().strip(" .-")
        plus = "+" if written.lstrip("(").startswith("+") else ""
        dialled_part = written.replace("(0)", "") if plus else written
        digits = re.sub(r"\D", "", dialled_part)
        if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
            continue
        rest = f"{line[: match.start()]} {line[match.end() :]}"
        name = " ".join(rest.replace("()", " ").split()).strip(_NAME_EDGES)
        return {"name": name or written, "number": written, "href": f"tel:{plus}{digits}"}
    return {"name": line.strip(), "number": None, "href": None}


def craving_page_view(
    plan: Mapping[str, Sequence[str]],
    contacts: Sequence[Mapping[str, Any]],
    language: str = ENGLISH,
) -> dict[str, Any]:
    """The craving page: the plan's three lists, the timer, the explanation and the help lines.

    ``contacts`` are the help lines still to be shown on this page (the caller
    leaves out those a red flag above lists; see :func:`craving_contacts`); a
    number the person's own plan already lists is not repeated either, so each
    number appears once.
    """
    moment = languages.craving(language)  # labels and rationales in her language
    coping = list(plan.get("coping_steps", ()))
    reasons = list(plan.get("reasons", ()))
    people = [call_link(line) for line in plan.get("people_to_call", ())]
    in_plan = {dialled(person["number"]) for person in people if person["number"]}
    return {
        "coping_steps": coping,
        "reasons": reasons,
        "people": people,
        "has_plan": bool(coping or reasons or people),
        "timer": {
            "minutes": moment.urge_timer.value,
            "label": moment.urge_timer.label,
            "rationale": moment.urge_timer.rationale,
            **graded(moment.urge_timer.grade, moment.urge_timer.sources),
        },
        "offer": {
            "threshold": moment.offer_plan.value,
            "label": moment.offer_plan.label,
            "rationale": moment.offer_plan.rationale,
            **graded(moment.offer_plan.grade, moment.offer_plan.sources),
        },
        "explanation": explanation_sections(language),
        "intensities": list(range(1, 11)),
        "help_contacts": [
            dict(contact) for contact in contacts if dialled(str(contact["number"])) not in in_plan
        ],
    }


def craving_contacts(contacts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The help lines a person calls in a craving: the drugs help line and the crisis line."""
    return [dict(contact) for contact in contacts if contact.get("kind") in CRAVING_CONTACT_KINDS]


def explanation_sections(language: str = ENGLISH) -> list[dict[str, Any]]:
    """The sections of the practical page that explain riding out a craving, graded and sourced.

    ``craving.toml`` names them by their English headings; a translated page
    has the same sections in the same order, so they are found by position.
    """
    moment = craving_moment()
    english = load.practical_pages()[moment.practical_page]
    shown = languages.practical_pages(language)[moment.practical_page]
    positions = [section.heading for section in english.sections]
    sections = [shown.sections[positions.index(heading)] for heading in moment.sections]
    return [
        {
            "heading": section.heading,
            "statements": [statement_view(item, language) for item in section.statements],
        }
        for section in sections
    ]
