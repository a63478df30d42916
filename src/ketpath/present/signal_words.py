"""A signal's label and evidence sentence in a shipped language, from the translated rules.

The assessment words signals in English. The same rule's translated label and
evidence template (``knowledge/i18n/<language>/rules.toml``) are filled here
with the numbers the English sentence was filled with (``Finding.values``);
values that are words (symptoms, problems, drugs, frequency bands) are named
again in the language, from the finding's records or the band's id, as
``present.views.flag_words_in`` does for red flags.
"""

from __future__ import annotations

from ketpath.core.assess.signals import Finding
from ketpath.core.records import Impact, Symptom, Use
from ketpath.knowledge import languages, vocabulary
from ketpath.knowledge.languages import ENGLISH
from ketpath.knowledge.wording import fill

__all__ = ["LIST_SEPARATOR", "signal_words_in"]

LIST_SEPARATOR = "、"
"""How the shipped languages other than English join a list of words (CLDR's list pattern for zh)."""


def _words_in(finding: Finding, language: str) -> dict[str, object]:
    words = languages.vocabulary(language)
    values = dict(finding.values)
    records = finding.records
    if "symptoms" in values:
        symptoms = dict.fromkeys(r.symptom for r in records if isinstance(r, Symptom))
        values["symptoms"] = LIST_SEPARATOR.join(words.label("symptoms", s) for s in symptoms)
    if "kinds" in values:
        kinds = dict.fromkeys(r.kind for r in records if isinstance(r, Impact))
        values["kinds"] = LIST_SEPARATOR.join(words.label("impacts", k) for k in kinds)
    if "drugs" in values:
        depressants = vocabulary().flagged("co_use", "depressant")
        drugs = dict.fromkeys(
            d for r in records if isinstance(r, Use) for d in r.co_use if d in depressants
        )
        values["drugs"] = LIST_SEPARATOR.join(words.label("co_use", d) for d in drugs)
    bands = {band.id: band.label for band in languages.rules(language).frequency.bands}
    for key in ("recent_band", "prior_band"):
        if key in values:
            values[key] = bands.get(str(values[key]), values[key])
    return values


def signal_words_in(finding: Finding, language: str) -> tuple[str, str]:
    """The signal's label and evidence sentence in ``language`` (English as assessed).

    A finding without the values it was worded from (made before they were
    kept) keeps its English evidence, so nothing is ever left out.
    """
    rule = languages.rules(language).signals.get(finding.id)
    if language == ENGLISH or rule is None:
        return finding.label, finding.evidence
    template = rule.baseline_evidence if finding.template == "baseline_evidence" else None
    try:
        evidence = fill(template or rule.evidence, _words_in(finding, language))
    except (KeyError, IndexError, ValueError):
        evidence = finding.evidence
    return rule.label, evidence
