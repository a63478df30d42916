"""View models for the person's pages: plain dicts the templates lay out.

Pure functions of an assessment, a list of records or the knowledge base; no
request, no database. The wording comes from ``knowledge/`` (stage labels,
signal evidence, the course caveat, grade meanings, citations), as in the
terminal report (:mod:`ketpath.present.terminal`), so the web and the CLI say the same
thing. Every claim carries its grade and the citations of its sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from functools import cache
from typing import Any, Protocol, TypeVar
from zoneinfo import available_timezones

from ketpath.core.assess import Assessment
from ketpath.core.assess.body_reading import body_sentences
from ketpath.core.assess.course import Course
from ketpath.core.assess.redflags import FlagWords, RedFlag, Wording, flag_words
from ketpath.core.assess.signals import Finding
from ketpath.core.instruments import Instrument, get_instrument, instrument_ids, score
from ketpath.core.records import (
    Craving,
    DrugScreen,
    FollowUp,
    Goal,
    Impact,
    Mood,
    Note,
    Questionnaire,
    Record,
    Symptom,
    Use,
    clinic_owned,
    latest_profile,
    parse_record,
    record_time,
    record_to_dict,
)
from ketpath.knowledge import claims, helplines, languages, rules, sources, vocabulary
from ketpath.knowledge.clinic_wording import ClinicWording
from ketpath.knowledge.languages import ENGLISH
from ketpath.knowledge.load import GRADE_MEANINGS, Contact, Vocabulary
from ketpath.knowledge.wording import fill
from ketpath.present.format import day_month_year, local_time, word_list
from ketpath.present.i18n import N_, _, current_language, ngettext
from ketpath.present.score_charts import ScorePoint

GRADE_ORDER = ("A", "B", "C", "U", "X")
TOPIC_ORDER = (
    "initiation",
    "progression",
    "reward",
    "tolerance",
    "dependence",
    "withdrawal",
    "harms",
    "epidemiology",
    "treatment",
    "recovery",
    "classification",
)
TYPE_LABELS = {
    "profile": N_("Profile"),
    "use": N_("Use"),
    "craving": N_("Craving"),
    "symptom": N_("Symptom"),
    "mood": N_("Mood"),
    "impact": N_("Impact"),
    "goal": N_("Goal"),
    "questionnaire": N_("Questionnaire"),
    "drug-screen": N_("Drug screen"),
    "note": N_("Note"),
    "follow-up": N_("Follow-up"),
}
"""Each record type's name, in English; :func:`type_label` gives it in the current language."""


def type_label(record_type: str) -> str:
    """A record type's name in the current language ("Drug screen"; an unknown type as it is)."""
    label = TYPE_LABELS.get(record_type)
    return _(label) if label else record_type


def type_label_lower(record_type: str) -> str:
    """A record type's name mid-sentence: lower case in English ("drug screen"), as it is otherwise."""
    label = type_label(record_type)
    return label.lower() if current_language() == ENGLISH else label


def _language(language: str | None) -> str:
    return language or current_language()


# ---------------------------------------------------------------- shared pieces


def cite(source_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The citations of ``source_ids``, in the order given; unknown ids shown as they are."""
    known = sources()
    cited = []
    for source_id in source_ids:
        source = known.get(source_id)
        cited.append(
            {
                "id": source_id,
                "citation": source.citation if source else source_id,
                "year": source.year if source else None,
                "verified": source.verified if source else False,
            }
        )
    return cited


def graded(grade: str, source_ids: Iterable[str]) -> dict[str, Any]:
    """A grade with its meaning and the citations it rests on."""
    return {"grade": grade, "meaning": GRADE_MEANINGS[grade], "sources": cite(source_ids)}


def grade_key() -> list[dict[str, str]]:
    return [{"grade": grade, "meaning": GRADE_MEANINGS[grade]} for grade in GRADE_ORDER]


def duration_words(since: datetime, now: datetime, zone: tzinfo) -> str:
    """How long ago, in the largest sensible unit ("3 days", "5 hours", "under an hour").

    From a day on, days are counted as dates in the person's zone, as Today's
    counter counts them, so the card never says "3 days since your last use"
    beside "(2 days ago)" (a use at noon three dates back, seen at 00:30).
    """
    seconds = max(0.0, (now - since).total_seconds())
    hours = int(seconds // 3600)
    if seconds >= 86400:
        days = (now.astimezone(zone).date() - since.astimezone(zone).date()).days
        return ngettext("%(num)s day", "%(num)s days", days)
    if hours >= 1:
        return ngettext("%(num)s hour", "%(num)s hours", hours)
    return _("under an hour")


# ---------------------------------------------------------------- red flags and dashboard


def red_flag_view(flag: RedFlag, language: str | None = None) -> dict[str, Any]:
    """A flag as a page shows it, in ``language`` (the current one unless named)."""
    language = _language(language)
    words = flag_words_in(flag, language)
    return {
        "id": flag.finding.id,
        "level": flag.level,
        "level_label": words.label,
        "message": words.message,
        "action": words.action,
        "note": words.note,
        "standing": flag.standing,
        "clearable": flag.clearable,
        "contacts": [contact_view(contact, language) for contact in flag.contacts],
        "since": flag.finding.since,
        "outcomes": vocabulary_choices("follow_up_outcomes", language),
        **graded(flag.finding.grade, flag.finding.sources),
    }


def red_flags_view(assessment: Assessment, language: str | None = None) -> list[dict[str, Any]]:
    """The flags in the order a page shows them, each phone number listed once.

    The assessment orders flags emergencies first, which is also the order
    they are laid out in; a number an earlier flag already lists is left off
    a later one, so four flags never show the same help line four times.
    """
    language = _language(language)
    return without_repeated_numbers(
        [red_flag_view(flag, language) for flag in assessment.red_flags]
    )


def flag_words_in(flag: RedFlag, language: str) -> FlagWords:
    """A flag's label, message, action and note in ``language``, from the translated rules.

    The assessment words flags in English; the same rule, thresholds and
    values are worded again here from ``knowledge/i18n``. Values that are
    words (a symptom, the drugs) are named again from the flag's records.
    """
    wording = flag.wording
    if language == ENGLISH or wording is None:
        return FlagWords(flag.label, flag.message, flag.clinician_message, flag.action, flag.note)
    values = _values_in(flag, wording, languages.vocabulary(language))
    translated = Wording(
        rule_id=wording.rule_id,
        standing=wording.standing,
        days_ago=wording.days_ago,
        values=values,
        drugs=wording.drugs,
    )
    return flag_words(translated, languages.rules(language))


LIST_SEPARATOR = "、"
"""How the shipped languages other than English join a list of words (CLDR's list pattern for zh)."""


def _values_in(flag: RedFlag, wording: Wording, words: Vocabulary) -> dict[str, object]:
    """The message's values with every word (a symptom, a drug) taken from ``words``.

    The drugs a flag names are those of its records that the English value
    names (a flag about depressants names only the depressants); "together"
    lists the companion symptoms and the depressants used, as the English does.
    """
    records = flag.finding.records
    symptoms = list(dict.fromkeys(r.symptom for r in records if isinstance(r, Symptom)))
    co_used = list(dict.fromkeys(d for r in records if isinstance(r, Use) for d in r.co_use))
    values = dict(wording.values)
    if "label" in values:
        values["label"] = words.label("symptoms", flag.finding.id)
    if "symptoms" in values:
        values["symptoms"] = LIST_SEPARATOR.join(words.label("symptoms", s) for s in symptoms)
    if "drugs" in values:
        named = str(values["drugs"])
        english = vocabulary()
        values["drugs"] = LIST_SEPARATOR.join(
            words.label("co_use", drug)
            for drug in co_used
            if english.label("co_use", drug).lower() in named
        )
    if "together" in values:
        rule = languages.rules(ENGLISH).red_flags[wording.rule_id]
        primary = {s for group in rule.symptom_sets for s in group}
        with_ = [words.label("symptoms", s) for s in symptoms if s not in primary]
        depressants = vocabulary().flagged("co_use", "depressant")
        drugs = [words.label("co_use", d) for d in co_used if d in depressants]
        values["together"] = LIST_SEPARATOR.join([*with_, *drugs])
    return values


def contact_view(contact: Contact, language: str | None = None) -> dict[str, Any]:
    """A help line with its name in ``language`` (the number is never translated)."""
    return {
        **contact.model_dump(),
        "name": contact_names(_language(language)).get(
            (contact.kind, contact.number, contact.name), contact.name
        ),
    }


@cache
def contact_names(language: str) -> dict[tuple[str, str, str], str]:
    """Each English help line (kind, number, name) with its name in ``language``."""
    if language == ENGLISH:
        return {}
    names: dict[tuple[str, str, str], str] = {}
    translated = languages.helplines(language).locales
    for key, locale in helplines().locales.items():
        for english, named in zip(locale.contacts, translated[key].contacts, strict=True):
            names[(english.kind, english.number, english.name)] = named.name
    return names


def dialled(number: str) -> str:
    """A phone number as it is dialled: "116 123" and "116-123" are one number."""
    return "".join(number.split()).replace("-", "")


def without_repeated_numbers(flags: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The flags, each listing only the numbers no flag before it listed."""
    listed: set[str] = set()
    shown = []
    for flag in flags:
        contacts = []
        for contact in flag["contacts"]:
            if dialled(contact["number"]) not in listed:
                listed.add(dialled(contact["number"]))
                contacts.append(contact)
        shown.append({**flag, "contacts": contacts})
    return shown


def contacts_not_in_flags(
    contacts: Sequence[dict[str, Any]], flags: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The contacts whose numbers none of ``flags`` lists."""
    listed = {dialled(contact["number"]) for flag in flags for contact in flag["contacts"]}
    return [contact for contact in contacts if dialled(contact["number"]) not in listed]


def help_page_numbers(
    contacts: Sequence[dict[str, Any]], flags: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The Help page's flags and number list, each number shown once and none hidden.

    Emergencies are always open and shown in full, so the list leaves out the
    numbers they show. Other flags are folded into a "needs care" card on this
    page, and a number inside a closed card is not one a person in trouble
    sees: the list keeps those, and the folded flags leave them out instead.
    """
    emergencies = [flag for flag in flags if flag["level"] == "emergency"]
    listed = contacts_not_in_flags(contacts, emergencies)
    in_list = {dialled(contact["number"]) for contact in listed}
    shown_flags = [
        flag
        if flag["level"] == "emergency"
        else {
            **flag,
            "contacts": [c for c in flag["contacts"] if dialled(c["number"]) not in in_list],
        }
        for flag in flags
    ]
    return shown_flags, listed


def signal_view(signal: Finding, language: str | None = None) -> dict[str, Any]:
    label, evidence = signal_words(signal, _language(language))
    return {
        "id": signal.id,
        "label": label,
        "evidence": evidence,
        "since": signal.since,
        **graded(signal.grade, signal.sources),
    }


def signal_words(signal: Finding, language: str) -> tuple[str, str]:
    """A signal's label and evidence sentence in ``language``, from the translated rules.

    The assessment words signals in English; the same template is filled
    again here with the same numbers, and the values that are words (symptoms,
    problems, drugs, frequency bands) named again in ``language`` from the
    signal's records.
    """
    if language == ENGLISH or not signal.values:
        return signal.label, signal.evidence
    rule = languages.rules(language).signals[signal.id]
    template = getattr(rule, signal.template, None) or rule.evidence
    return rule.label, fill(template, _signal_values_in(signal, language))


def _signal_values_in(signal: Finding, language: str) -> dict[str, object]:
    words = languages.vocabulary(language)
    records = signal.records
    values = dict(signal.values)
    if "symptoms" in values:
        symptoms = dict.fromkeys(r.symptom for r in records if isinstance(r, Symptom))
        values["symptoms"] = word_list((words.label("symptoms", s) for s in symptoms), language)
    if "kinds" in values:
        kinds = dict.fromkeys(r.kind for r in records if isinstance(r, Impact))
        values["kinds"] = word_list((words.label("impacts", k) for k in kinds), language)
    if "drugs" in values:
        depressants = vocabulary().flagged("co_use", "depressant")
        drugs = dict.fromkeys(
            d for r in records if isinstance(r, Use) for d in r.co_use if d in depressants
        )
        values["drugs"] = word_list((words.label("co_use", d) for d in drugs), language)
    bands = {band.id: band.label for band in languages.rules(language).frequency.bands}
    for key in ("recent_band", "prior_band"):
        if key in values:
            values[key] = bands.get(str(values[key]), values[key])
    return values


def stage_view(stage_id: str, language: str | None = None) -> dict[str, str]:
    label = languages.rules(_language(language)).stages.labels[stage_id]
    return {"id": stage_id, "label": label.label, "description": label.description}


def frequency_view(assessment: Assessment, language: str | None = None) -> dict[str, Any]:
    frequency = assessment.frequency
    translated = languages.rules(_language(language)).frequency
    bands = {band.id: band.label for band in translated.bands}
    return {
        "recent_use_days": frequency.recent_use_days,
        "recent_band": bands[frequency.recent_band],
        "prior_per_30": f"{frequency.prior_use_days_per_30:.1f}",
        "prior_band": bands[frequency.prior_band],
        **graded(rules().frequency.grade, rules().frequency.sources),
    }


def course_view(course: Course, language: str | None = None) -> dict[str, Any]:
    """The course after stopping in ``language``: the phase, the symptoms, the caveats."""
    language = _language(language)
    label = languages.vocabulary(language).label
    rule = languages.rules(language).course
    phase = next((p for p in rule.phases if p.id == course.phase), None)
    expected = [label("symptoms", s) for s in course.expected_symptoms]
    logged = [label("symptoms", s) for s in course.logged_symptoms]
    never_wait_out = [label("symptoms", s) for s in course.never_wait_out]
    return {
        "days_since_last_use": course.days_since_last_use,
        "phase_label": phase.label if phase else course.phase_label,
        "expected": expected,
        "expected_words": word_list(expected, language),
        "logged": logged,
        "logged_words": word_list(logged, language),
        "never_wait_out": never_wait_out,
        "never_wait_out_words": word_list(never_wait_out, language),
        "never_wait_out_text": rule.never_wait_out_text,
        "depressant_exception": rule.depressant_exception,
        "caveat": rule.caveat,
        **graded(course.evidence_grade, course.sources),
    }


def body_view(body: dict[str, Any], language: str | None = None) -> dict[str, Any]:
    """The body model's estimate in the terminal report's words; never read as dose advice.

    Tolerance is a level and a direction, never a figure; the after-a-break
    warning (when given) carries its own claim's grade and sources.
    """
    after = body["after_a_break"]
    language = _language(language)
    sentences = body_sentences(body) if language == ENGLISH else body_sentences_in(body, language)
    return {
        **sentences,
        **graded(body["grade"], body["sources"]),
        "after_a_break_evidence": graded(after["grade"], after["sources"]) if after else None,
    }


def body_sentences_in(section: dict[str, Any], language: str) -> dict[str, str | None]:
    """``body_sentences`` in another language, from the translated ``body.toml``."""
    words = languages.body_words(language)

    def word(name: str) -> str:
        return words[f"assessment.words.{name}"]

    tolerance = section["tolerance"]
    assumed = []
    if section["uses_without_amount"]:
        assumed.append(
            ngettext(
                "%(num)s use without an amount was left out",
                "%(num)s uses without an amount were left out",
                int(section["uses_without_amount"]),
            )
        )
    if section["routes_assumed"]:
        assumed.append(
            ngettext(
                "%(num)s use without a route was taken as snorted",
                "%(num)s uses without a route were taken as snorted",
                int(section["routes_assumed"]),
            )
        )
    if section["weight_assumed"]:
        assumed.append(_("a weight of %(kg)s kg was assumed", kg=f"{section['weight_kg']:.0f}"))
    after = section["after_a_break"]
    return {
        "after_a_break": word("after_a_break").format(days=after["days"]) if after else None,
        "exposure": word("exposure").format(trend=word(f"trend_{section['exposure_trend']}")),
        "tolerance": word("tolerance").format(
            level=word(f"level_{tolerance['level']}"),
            direction=word(f"direction_{tolerance['direction']}"),
        ),
        "assumed": _("Assumed: %(what)s.", what=_("; ").join(assumed)) if assumed else None,
        "caveat": words["assessment.caveat"],
    }


def questionnaire_latest_view(
    questionnaires: dict[str, dict[str, Any]], language: str | None = None
) -> list[dict[str, Any]]:
    """The latest score of each questionnaire, its band named in ``language``."""
    language = _language(language)
    translated = languages.instruments(language) if language != ENGLISH else {}
    rows = []
    for instrument_id, latest in questionnaires.items():
        instrument = translated.get(instrument_id) or get_instrument(instrument_id)
        bands = {band.id: band.label for band in instrument.bands}
        rows.append(
            {
                "id": instrument_id,
                "name": instrument.short_name,
                "total": latest["total"],
                "band": bands.get(latest["band"], latest["band"] or "—"),
                "date": latest["time"][:10],
                "count": latest.get("count", 1),
            }
        )
    return rows


def dashboard_view(
    assessment: Assessment, *, zone: tzinfo, language: str | None = None
) -> dict[str, Any]:
    """Everything the dashboard shows, in the order it shows it (red flags first).

    In ``language`` (the current one unless named): the knowledge's words from
    its translation, the dates as that language writes them.
    """
    language = _language(language)
    peak = assessment.peak_stage
    last_use = assessment.last_use
    english = language == ENGLISH
    return {
        "red_flags": red_flags_view(assessment, language),
        "stage": stage_view(assessment.stage, language),
        "stage_grade": graded(rules().stages.grade, rules().stages.sources),
        "peak": stage_view(peak, language) if peak and peak != assessment.stage else None,
        "frequency": frequency_view(assessment, language),
        "last_use": local_time(last_use, zone, language) if last_use else None,
        "since_last_use": duration_words(last_use, assessment.as_of, zone) if last_use else None,
        "use_days_total": assessment.use_days_total,
        "signals": [signal_view(signal, language) for signal in assessment.signals],
        "course": course_view(assessment.course, language) if assessment.course else None,
        "questionnaires": questionnaire_latest_view(assessment.questionnaires, language),
        "body": body_view(assessment.body, language) if assessment.body else None,
        "disclaimer": assessment.disclaimer if english else languages.rules(language).disclaimer,
        "as_of": f"{local_time(assessment.as_of, zone, language)} ({zone})",
    }


# ---------------------------------------------------------------- records listed at /history


class StoredEntry(Protocol):
    """A stored record as the history lists it: its id, the record, and who entered it."""

    @property
    def id(self) -> int: ...

    @property
    def record(self) -> Record: ...

    @property
    def created_role(self) -> str: ...


Entry = TypeVar("Entry", bound=StoredEntry)


def summarise(record: Record, language: str | None = None) -> str:
    """One line in words, using the vocabulary's labels, in ``language`` (the current one)."""
    language = _language(language)
    english = language == ENGLISH
    label = languages.vocabulary(language).label

    def lower(text: str) -> str:  # mid-sentence; Chinese has no case
        return text.lower() if english else text

    if isinstance(record, Use):
        parts = [
            _("%(mg)s mg", mg=f"{record.dose_mg:g}")
            if record.dose_mg is not None
            else _("amount not logged")
        ]
        if record.substance != "ketamine":
            parts.append(record.substance)
        parts += [label(table, value) for table, value in _use_terms(record) if value]
        if record.co_use:
            drugs = word_list((label("co_use", c) for c in record.co_use), language)
            parts.append(_("with %(drugs)s", drugs=drugs))
        if record.note:
            parts.append(_("note: %(note)s", note=record.note))
        return _("; ").join(parts)
    if isinstance(record, Craving):  # the type is shown beside it: "Craving: 7 of 10"
        trigger = record.trigger or ""
        words = trigger
        if trigger in vocabulary().motives:  # mid-sentence: "7 of 10 (to cope with stress)"
            motive = label("motives", trigger)
            words = motive[:1].lower() + motive[1:] if english else motive
        if words:
            return _("%(intensity)s of 10 (%(why)s)", intensity=record.intensity, why=words)
        return _("%(intensity)s of 10", intensity=record.intensity)
    if isinstance(record, Symptom):
        severity = lower(label("severities", str(record.severity)))
        return _(
            "%(symptom)s (%(severity)s)",
            symptom=label("symptoms", record.symptom),
            severity=severity,
        )
    if isinstance(record, Mood):
        return _("%(score)s of 10", score=record.score)
    if isinstance(record, Impact):
        return label("impacts", record.kind)
    if isinstance(record, Goal):
        if record.until is None:
            return label("goals", record.goal)
        return _(
            "%(goal)s until %(until)s",
            goal=label("goals", record.goal),
            until=day_month_year(record.until, language),
        )
    if isinstance(record, Questionnaire):
        return _("%(name)s answered", name=get_instrument(record.instrument).short_name)
    if isinstance(record, FollowUp):
        flag = _flag_name(record.flag, language)
        outcome = lower(label("follow_up_outcomes", record.outcome))
        if record.note:
            return _(
                "%(flag)s: %(outcome)s; note: %(note)s",
                flag=flag,
                outcome=outcome,
                note=record.note,
            )
        return _("%(flag)s: %(outcome)s", flag=flag, outcome=outcome)
    if isinstance(record, DrugScreen):
        return _(
            "Drug screen: %(result)s (%(method)s)",
            result=lower(label("screen_results", record.result)),
            method=lower(label("screen_methods", record.method)),
        )
    if isinstance(record, Note):
        return record.text
    return type_label(record.type)


def _flag_name(flag_id: str, language: str) -> str:
    """A red flag in words in ``language``: its symptom's label, or the rule's name."""
    if language == ENGLISH:
        return rules().flag_name(flag_id)
    rule = languages.rules(language).red_flags.get(flag_id)
    if rule is not None and not rule.raised_by_symptom:
        return rule.name or flag_id
    return languages.vocabulary(language).label("symptoms", flag_id)


def _use_terms(record: Use) -> list[tuple[str, str | None]]:
    return [("routes", record.route), ("settings", record.setting), ("motives", record.motive)]


def _entry_summary(
    entry: StoredEntry,
    *,
    by_clinic: bool,
    disputed: StoredEntry | None,
    zone: tzinfo,
    viewer: str,
) -> str:
    """``summarise``, saying who entered a clinic record and what a dispute is about."""
    text = summarise(entry.record)
    if by_clinic:
        if viewer == "person":
            return _("%(summary)s, entered by your clinic", summary=text)
        return _("%(summary)s, entered by the clinic", summary=text)
    note = entry.record
    if not isinstance(note, Note) or note.about is None:
        return text
    about = _("an entry of the clinic's that has since been removed")
    if disputed is not None and (moment := record_time(disputed.record)) is not None:
        kind = type_label_lower(disputed.record.type)
        when = local_time(moment, zone)
        if corrected_after(disputed, entry):
            about = _(
                "the clinic's %(kind)s of %(when)s, which the clinic corrected after this note",
                kind=kind,
                when=when,
            )
        else:
            about = _("the clinic's %(kind)s of %(when)s", kind=kind, when=when)
    if viewer == "person":
        return _("You dispute %(about)s: %(text)s", about=about, text=text)
    return _("The person disputes %(about)s: %(text)s", about=about, text=text)


def corrected_after(disputed: StoredEntry, note: StoredEntry) -> bool:
    """Whether the clinic entry's current version was stored after the note disputing it.

    A correction stores a new row (keeping the record's ``id``). A new row's
    storage id is above every row there is (a PostgreSQL sequence; SQLite's
    ``max(id) + 1``, which may reuse a deleted newest id, never an older one),
    so of two rows that both still exist the higher id was stored later.
    """
    return disputed.id > note.id


def disputes_by_record(entries: Sequence[Entry]) -> dict[str, list[Entry]]:
    """The person's notes disputing each record, by the disputed record's ``id``, oldest first."""
    disputes: dict[str, list[Entry]] = {}
    for entry in entries:
        if isinstance(entry.record, Note) and entry.record.about is not None:
            disputes.setdefault(entry.record.about, []).append(entry)
    return disputes


def history_rows(
    entries: Sequence[StoredEntry], zone: tzinfo, *, viewer: str = "person"
) -> list[dict[str, Any]]:
    """Timed records, newest first, each with its id for the edit and delete forms.

    The clinic's records (drug screens, a clinician's notes) are listed with
    what they say, but offer neither: they are read-only to the person, who may
    dispute one instead (a note of her own naming its ``id``; the clinician
    sees it next to the entry). A dispute stays beside the entry when the
    clinic corrects it, saying so. ``viewer`` is ``person`` or ``clinician``:
    whose words.
    """
    by_record_id = {entry.record.id: entry for entry in entries if entry.record.id is not None}
    disputes = disputes_by_record(entries)
    rows = []
    for entry in reversed(entries):
        moment = record_time(entry.record)
        if moment is None:
            continue
        read_only = clinic_owned(entry.record, entry.created_role)
        about = entry.record.about if isinstance(entry.record, Note) else None
        summary = _entry_summary(
            entry,
            by_clinic=read_only,
            disputed=by_record_id.get(about) if about is not None else None,
            zone=zone,
            viewer=viewer,
        )
        rows.append(
            {
                "id": entry.id,
                "type": entry.record.type,
                "type_label": type_label(entry.record.type),
                "type_label_lower": type_label_lower(entry.record.type),
                "when": local_time(moment, zone),
                "iso": moment.isoformat(),
                "summary": summary,
                "disputes": [
                    {"text": note.record.text, "corrected_after": corrected_after(entry, note)}
                    for note in disputes.get(entry.record.id or "", [])
                    if isinstance(note.record, Note)
                ],
                "editable": entry.record.type
                in {"use", "craving", "symptom", "mood", "impact", "goal"}
                and not read_only,
                "deletable": not read_only,
                "by_clinic": read_only,
            }
        )
    return rows


# ---------------------------------------------------------------- logging defaults


def last_use_defaults(records: Sequence[Record]) -> dict[str, str]:
    """Route and setting of the most recent use, remembered for the quick-log form."""
    uses = [record for record in records if isinstance(record, Use)]
    if not uses:
        return {"route": "", "setting": ""}
    latest = max(uses, key=lambda use: use.time)
    return {"route": latest.route or "", "setting": latest.setting or ""}


def vocabulary_choices(table: str, language: str = ENGLISH) -> list[dict[str, str]]:
    terms = getattr(languages.vocabulary(language), table)
    return [{"value": key, "label": term.label} for key, term in terms.items()]


SYMPTOM_GROUP_LABELS = {
    "urinary": N_("Bladder and urine"),
    "abdominal": N_("Belly"),
    "discontinuation": N_("After stopping"),
    "cognitive": N_("Memory and thinking"),
    "emergency": N_("Needs help now"),
    "acute": N_("Injury and other urgent signs"),
    "other": N_("Other"),
}


def symptom_groups(language: str = ENGLISH) -> list[dict[str, Any]]:
    """The symptoms of the vocabulary by group, for the Log form's grouped choice."""
    groups: dict[str, list[dict[str, str]]] = {}
    for key, term in languages.vocabulary(language).symptoms.items():
        groups.setdefault(term.group or "other", []).append({"value": key, "label": term.label})
    return [
        {
            "label": _(SYMPTOM_GROUP_LABELS[group])
            if group in SYMPTOM_GROUP_LABELS
            else group.title(),
            "choices": choices,
        }
        for group, choices in groups.items()
    ]


# ---------------------------------------------------------------- learn


def topic_ids() -> list[str]:
    present = {claim.topic for claim in claims().values()}
    ordered = [topic for topic in TOPIC_ORDER if topic in present]
    return ordered + sorted(present - set(ordered))


def learn_index(language: str = ENGLISH) -> list[dict[str, Any]]:
    topics = []
    for topic in topic_ids():
        members = [c for c in languages.claims(language).values() if c.topic == topic]
        topics.append(
            {
                "id": topic,
                "title": topic.replace("-", " ").capitalize(),
                "count": len(members),
                "titles": [claim.title for claim in members],
            }
        )
    return topics


def learn_topic(topic: str, language: str = ENGLISH) -> dict[str, Any] | None:
    """The claims of one topic: what the article says beside what the evidence says."""
    members = [c for c in languages.claims(language).values() if c.topic == topic]
    if not members:
        return None
    return {
        "id": topic,
        "title": topic.replace("-", " ").capitalize(),
        "claims": [
            {
                "id": claim.id,
                "title": claim.title,
                "article": claim.article,
                "evidence": claim.evidence,
                **graded(claim.grade, claim.sources),
            }
            for claim in members
        ],
    }


# ---------------------------------------------------------------- help


def locale_choices(language: str = ENGLISH) -> list[dict[str, str]]:
    return [
        {"value": key, "label": locale.name}
        for key, locale in languages.helplines(language).locales.items()
    ]


def help_view(locale_id: str, language: str = ENGLISH) -> dict[str, Any]:
    locale = languages.helplines(language).locales[locale_id]
    return {
        "locale": locale_id,
        "name": locale.name,
        "contacts": [contact.model_dump() for contact in locale.contacts],
        "levels": [
            {
                "id": level_id,
                "label": level.label,
                "action": level.action,
                "symptoms": _flag_symptoms(level_id, language),
            }
            for level_id, level in languages.rules(language).red_flag_levels.items()
        ],
    }


def _flag_symptoms(level: str, language: str = ENGLISH) -> list[str]:
    """The symptoms whose red flags have this level, as the rules list them."""
    words = languages.vocabulary(language)
    label = words.label
    found: list[str] = []
    for flag in rules().red_flags.values():
        if flag.level != level:
            continue
        severe = ""
        if flag.min_severity == 3:
            severe = ", severe" if language == ENGLISH else f"（{words.severities['3'].label}）"
        for symptom in (*flag.symptoms, *([flag.symptom] if flag.symptom else [])):
            text = label("symptoms", symptom) + severe
            if text not in found:
                found.append(text)
    return found


# ---------------------------------------------------------------- questionnaires


def _instrument_in(instrument_id: str, language: str) -> Instrument:
    """One instrument with its short labels in ``language`` (scoring as in English)."""
    return languages.instruments(language)[instrument_id]


def instrument_choices() -> list[dict[str, Any]]:
    """Every questionnaire for the list page, named in the page's language."""
    rows = []
    language = current_language()
    for instrument_id in instrument_ids():
        instrument = _instrument_in(instrument_id, language)
        rows.append(
            {
                "id": instrument.id,
                "name": instrument.name,
                "short_name": instrument.short_name,
                "item_count": len(instrument.items),
                "recall_period": instrument.recall_period,
            }
        )
    return rows


def zone_choices(current: str | None) -> list[dict[str, Any]]:
    """Every IANA time zone, sorted, the person's own marked."""
    return [
        {"value": zone, "selected": zone == current}
        for zone in sorted(available_timezones())
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/"))
    ] + [{"value": "UTC", "selected": current in (None, "UTC")}]


def profile_with_zone(records: Sequence[Record], zone: str) -> Record:
    """The latest profile with its time zone replaced (a new profile record; the last wins)."""
    profile = latest_profile(records)
    fields = record_to_dict(profile) if profile is not None else {"type": "profile"}
    fields.pop("id", None)  # a new record: the old one's id would make it "already present"
    return parse_record({**fields, "timezone": zone})


def locale_options() -> list[tuple[str, str]]:
    return [(key, locale.name) for key, locale in helplines().locales.items()]


def _either(answers: Sequence[str]) -> str:
    """Answer labels, each quoted, joined as "“a” or “b”" in the page's language."""
    quoted = [_("“%(answer)s”", answer=answer) for answer in answers]
    if len(quoted) == 1:
        return quoted[0]
    return _("%(some)s or %(last)s", some=_(", ").join(quoted[:-1]), last=quoted[-1])


def _skip_notes(instrument: Instrument) -> dict[str, str]:
    """For items a skip rule may leave out: when to leave them blank."""
    notes: dict[str, str] = {}
    for rule in instrument.skip_rules:
        trigger = instrument.item(rule.when)
        position = instrument.item_ids.index(rule.when) + 1
        answers = _either([trigger.options[code].label for code in rule.codes])
        for item_id in rule.skip:
            notes[item_id] = _(
                "Leave this blank if you answered %(answers)s to question %(position)s.",
                answers=answers,
                position=position,
            )
    return notes


def _option_label(wording: ClinicWording | None, code: int) -> str | None:
    return wording.option_label(code) if wording is not None else None


def instrument_form_view(
    instrument: Instrument,
    answers: Mapping[str, Any] | None = None,
    *,
    wording: ClinicWording | None = None,
) -> dict[str, Any]:
    """An instrument as a form: the published wording where it may be shown, else our label.

    The form is in the page's language. The only wording ketpath ships is
    English, so in another language every question is our translated short
    label, and the page names the validated Chinese version a clinic should
    use instead (``chinese_version``, issue 15 point 3). A clinic that holds
    a published version supplies it (``wording``, from ``serve --wording``):
    its questions, and its answer labels where it gives them, are shown with
    the source it names. Codes and scores never change.
    """
    shown = answers or {}
    language = current_language()
    reproducible = instrument.licence.wording_reproducible
    wording_shown = wording is not None or (reproducible and language == ENGLISH)
    translated = _instrument_in(instrument.id, language)
    skip_notes = _skip_notes(translated)
    items = []
    for position, item in enumerate(translated.items, start=1):
        chosen = shown.get(f"item-{item.id}")
        if wording is not None:
            text = wording.items[item.id]
        else:
            text = item.wording if wording_shown and item.wording else item.label
        items.append(
            {
                "id": item.id,
                "position": position,
                "name": f"item-{item.id}",
                "text": text,
                "options": [
                    {
                        "code": o.code,
                        "label": _option_label(wording, o.code) or o.label,
                        "checked": str(o.code) == chosen,
                    }
                    for o in item.options
                ],
                "required": item.id not in skip_notes,
                "skip_note": skip_notes.get(item.id),
            }
        )
    return {
        "instrument": {
            "id": translated.id,
            "name": translated.name,
            "short_name": translated.short_name,
            "recall_period": translated.recall_period,
            "note": translated.note,
            "licence": translated.licence.text,
            "wording_shown": wording_shown,
            "wording_licensed": reproducible,
            "wording_source": wording.source if wording is not None else None,
            "grade_note": translated.grade_note,
            "chinese_version": {
                "text": translated.chinese_version.text,
                "sources": cite(translated.chinese_version.sources),
            },
            **graded(translated.grade, translated.sources),
        },
        "items": items,
    }


def latest_result(
    records: Sequence[Record], instrument_id: str, zone: tzinfo
) -> dict[str, Any] | None:
    """The score, band and flags of the latest answers to one instrument, in the page's language."""
    answered = [
        r for r in records if isinstance(r, Questionnaire) and r.instrument == instrument_id
    ]
    if not answered:
        return None
    latest = max(answered, key=lambda record: record.time)
    instrument = _instrument_in(instrument_id, current_language())
    result = score(instrument_id, latest.answers)
    bands = {band.id: band.label for band in instrument.bands}
    messages = {flag.id: flag.message for flag in instrument.flags}
    return {
        "total": result.total,
        "max_total": instrument.max_total,
        "band": bands.get(result.band, result.band_label) if result.band else None,
        "flags": [messages.get(flag.id, flag.message) for flag in result.flags],
        "when": local_time(latest.time, zone),
    }


def _band_words(instrument_id: str, language: str) -> dict[str, str]:
    """Each band's English label (as a stored score point carries it) in ``language``."""
    english = get_instrument(instrument_id).bands
    translated = _instrument_in(instrument_id, language).bands
    return {band.label: words.label for band, words in zip(english, translated, strict=True)}


def score_history_view(
    points: Mapping[str, Sequence[ScorePoint]], zone: tzinfo
) -> list[dict[str, Any]]:
    """Each instrument's scores as a table (the charts' data, readable without them)."""
    language = current_language()
    tables = []
    for instrument_id, series in points.items():
        bands = _band_words(instrument_id, language)
        rows = [
            {
                "when": local_time(p.time, zone),
                "total": f"{p.total:g}",
                "band": bands.get(p.band, p.band) if p.band else "—",
            }
            for p in reversed(series)
        ]
        name = _instrument_in(instrument_id, language).short_name
        tables.append({"id": instrument_id, "name": name, "rows": rows})
    return tables


def band_in(instrument_id: str, label: str) -> str:
    """A band's English label (as a score summary carries it) in the page's language."""
    return _band_words(instrument_id, current_language()).get(label, label)
