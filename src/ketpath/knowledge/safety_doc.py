"""``docs/clinical-safety.md``, written from the knowledge files so it cannot drift from them.

A clinic reviewing ketpath's safety behaviour needs one page with every red
flag, what raises and clears it, what it tells the person and whom it puts
them in touch with, the course after stopping, and the help lines per place.
Those facts live in ``rules.toml``, ``vocabulary.toml``, ``helplines.toml``,
``sources.toml`` and the instrument files; :func:`clinical_safety_markdown`
turns them into Markdown and adds no clinical text of its own beyond headings
and the wording of each kind of condition. ``scripts/make_clinical_safety.py``
writes the file and a unit test fails when the committed copy is stale (the
datasette way of keeping documentation honest).

The help lines are the shipped ``helplines.toml``, never a deployment's
``KETPATH_HELPLINES`` override, so the page is the same on every machine.
The sentence that says what raises a counted flag is written here, one per
rule of ``core/assess/redflags.py``; a rule without one is an error, so a new
flag cannot reach the page undescribed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ketpath.knowledge.instruments import instruments
from ketpath.knowledge.load import (
    GRADE_MEANINGS,
    Helplines,
    Level,
    Locale,
    RedFlagRule,
    Rules,
    read_toml,
    rules,
    sources,
    validate,
    vocabulary,
)

__all__ = ["COUNTED_CONDITIONS", "DOC_PATH", "REGENERATE", "clinical_safety_markdown"]

DOC_PATH = "docs/clinical-safety.md"
REGENERATE = "python scripts/make_clinical_safety.py"
CONTACT_KINDS = ("emergency", "urgent-care", "helpline", "crisis")


# ---------------------------------------------------------------- words


def _code(text: str) -> str:
    return f"`{text}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _quote(text: str) -> str:
    return f"“{text}”"


def _series(words: Sequence[str], last: str = "and") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _symptom(symptom_id: str) -> str:
    return f"{vocabulary().label('symptoms', symptom_id)} ({_code(symptom_id)})"


def _symptoms(symptom_ids: Iterable[str], last: str = "and") -> str:
    return _series([_symptom(s) for s in symptom_ids], last)


def _sets(groups: Sequence[Sequence[str]]) -> str:
    return "; ".join(f"[{_symptoms(group)}]" for group in groups)


def _drugs(flag: str) -> str:
    terms = vocabulary().co_use
    return _series(
        [f"{terms[d].label} ({_code(d)})" for d in sorted(vocabulary().flagged("co_use", flag))],
        "or",
    )


def _severity(minimum: int) -> str:
    if minimum <= 1:
        return ""
    return (
        f" at severity {minimum} ({vocabulary().label('severities', str(minimum)).lower()}) or more"
    )


def _level(level_id: Level) -> str:
    return f"{_code(level_id)} ({rules().red_flag_levels[level_id].label})"


def _kinds(kinds: Iterable[str]) -> str:
    return ", ".join(_code(kind) for kind in dict.fromkeys(kinds)) or "none"


# ---------------------------------------------------------------- what raises a flag


def _symptom_condition(rule: RedFlagRule) -> str:
    members = rule.symptom_members()
    each = (
        " Each symptom raises its own flag, whose id is the symptom's." if len(members) > 1 else ""
    )
    return (
        f"{_symptoms(members, 'or')} logged in the last "
        f"{_days(rule.window_days)}{_severity(rule.min_severity)}.{each}"
    )


def _symptom_days(
    symptom_ids: Callable[[], Iterable[str]], what: str | None = None
) -> Callable[[RedFlagRule], str]:
    def describe(rule: RedFlagRule) -> str:
        logged = _symptoms(sorted(symptom_ids()), "or")
        logged = f"{what} ({logged})" if what else logged
        return (
            f"{logged} logged on {rule.min_days} or more different days in the last "
            f"{_days(rule.window_days)}."
        )

    return describe


def _flagged_uses(what: Callable[[], str]) -> Callable[[RedFlagRule], str]:
    def describe(rule: RedFlagRule) -> str:
        uses = "1 use" if rule.min_count == 1 else f"{rule.min_count} uses"
        return f"At least {uses} {what()} in the last {_days(rule.window_days)}."

    return describe


def _injected_routes() -> str:
    routes = vocabulary().routes
    injected = sorted(vocabulary().flagged("routes", "injection"))
    return _series([f"{routes[r].label.lower()} ({_code(r)})" for r in injected], "or")


def _failed_quits(rule: RedFlagRule) -> str:
    return (
        f"At least {rule.min_count} failed attempts to stop in the last "
        f"{_days(rule.window_days)}: a stop goal followed by use within "
        f"{_days(rules().failed_quit.within_days)}."
    )


def _puf_high(rule: RedFlagRule) -> str:
    puf = instruments()["puf"]
    return (
        f"A {puf.name} ({_code(puf.id)}) with a total of {rule.min_score:g} or more in the "
        f"last {_days(rule.window_days)}."
    )


def _phq9_item9(rule: RedFlagRule) -> str:
    phq9 = instruments()["phq9"]
    (flag,) = [f for f in phq9.flags if f.id == "item9"]
    return (
        f"A {phq9.name} ({_code(phq9.id)}) in the last {_days(rule.window_days)} whose item "
        f"{_code(str(flag.item))} scored {flag.min_item_score} or more (the instrument's flag "
        f"{_code(flag.id)}: {_quote(flag.message)})."
    )


def _dsm5_bands(rule: RedFlagRule) -> str:
    dsm5 = instruments()["dsm5-pcp"]
    bands = [
        f"{band.label.lower()} ({band.min}–{band.max} criteria)"
        for band in dsm5.bands
        if band.id in rule.bands
    ]
    return (
        f"A {dsm5.name} ({_code(dsm5.id)}) in the {_series(bands, 'or')} band in the last "
        f"{_days(rule.window_days)}."
    )


def _with_danger_signs(rule: RedFlagRule) -> str:
    companions = (
        f"every symptom of one of these sets in the same window: {_sets(rule.with_symptom_sets)}"
    )
    if rule.depressant_days:
        companions += (
            f"; or use with a depressant ({_drugs('depressant')}) in the "
            f"{_days(rule.depressant_days)} before the latest of those symptoms"
        )
    return (
        f"Every symptom of one of these sets logged in the last {_days(rule.window_days)}"
        f"{_severity(rule.min_severity)}: {_sets(rule.symptom_sets)}; together with "
        f"{companions}."
    )


def _depressant_withdrawal(rule: RedFlagRule) -> str:
    return (
        f"Every symptom of one of these sets logged in the last {_days(rule.window_days)}"
        f"{_severity(rule.min_severity)}: {_sets(rule.symptom_sets)}; a use with a depressant "
        f"({_drugs('depressant')}) in the {_days(rule.depressant_days)} before the first of "
        f"those symptoms; and use with a depressant on at least {_days(rule.min_depressant_days)} "
        f"in the {_days(rule.lookback_days)} up to that use."
    )


COUNTED_CONDITIONS: dict[str, Callable[[RedFlagRule], str]] = {
    "hallucinations-with-danger-signs": _with_danger_signs,
    "depressant-withdrawal": _depressant_withdrawal,
    "high-risk-co-use": _flagged_uses(lambda: f"with {_drugs('high_risk')}"),
    "phq9-item9": _phq9_item9,
    "persistent-urinary-symptoms": _symptom_days(
        lambda: vocabulary().symptom_group("urinary"), "Urinary symptoms"
    ),
    "puf-high": _puf_high,
    "recurrent-abdominal-pain": _symptom_days(lambda: {"abdominal-pain"}),
    "injection-use": _flagged_uses(lambda: f"by an injected route ({_injected_routes()})"),
    "depressant-co-use": _flagged_uses(lambda: f"with a depressant ({_drugs('depressant')})"),
    "dsm5-moderate-or-severe": _dsm5_bands,
    "repeated-failed-quits": _failed_quits,
}
"""What raises each flag that is not raised by a single symptom, by rule id (``COUNTED``)."""


def _condition(rule_id: str, rule: RedFlagRule) -> str:
    if rule.raised_by_symptom:
        return _symptom_condition(rule)
    if rule_id not in COUNTED_CONDITIONS:
        raise KeyError(
            f"red_flags.{rule_id}: no description of what raises it; add one to "
            "COUNTED_CONDITIONS in ketpath/knowledge/safety_doc.py"
        )
    return COUNTED_CONDITIONS[rule_id](rule)


def _flag_ids(rule_id: str, rule: RedFlagRule) -> tuple[str, ...]:
    return rule.symptom_members() if rule.raised_by_symptom else (rule_id,)


# ---------------------------------------------------------------- grades and sources


def _grade(grade: str) -> str:
    return f"{grade}: {GRADE_MEANINGS[grade]}"


def _source_status(source_id: str) -> str:
    source = sources()[source_id]
    if source.verified:
        return "verified"
    return f"not verified: {source.note}" if source.note else "not verified"


def _source_lines(source_ids: Iterable[str], indent: str = "") -> list[str]:
    return [
        f"{indent}- {_code(source_id)}: {sources()[source_id].citation} "
        f"({sources()[source_id].kind}; {_source_status(source_id)})"
        for source_id in source_ids
    ]


def _graded_lines(grade: str, source_ids: Sequence[str]) -> list[str]:
    return [
        f"- **Evidence grade:** {_grade(grade)}",
        "- **Sources:**",
        *_source_lines(source_ids, "  "),
    ]


# ---------------------------------------------------------------- sections


def _intro(loaded: Rules) -> list[str]:
    return [
        "# Clinical safety: red flags, follow-up, the course after stopping, help lines",
        "",
        "Generated from `src/ketpath/knowledge/` (`rules.toml`, `vocabulary.toml`, "
        "`helplines.toml`, `sources.toml` and the instrument files) by "
        "`ketpath.knowledge.safety_doc`. Do not edit it by hand: change the knowledge files, "
        f"then regenerate it with `{REGENERATE}`. A unit test fails when this page and the "
        "knowledge files disagree.",
        "",
        f"> {loaded.disclaimer}",
        "",
        "## Evidence grades",
        "",
        "| grade | meaning |",
        "|---|---|",
        *(f"| {grade} | {meaning} |" for grade, meaning in GRADE_MEANINGS.items()),
    ]


def _levels(loaded: Rules) -> list[str]:
    lines = [
        "## Red-flag levels",
        "",
        "| level | label | what to do | contact kinds, in order | after its window, stands at |",
        "|---|---|---|---|---|",
    ]
    for level_id, level in loaded.red_flag_levels.items():
        lines.append(
            f"| {_code(level_id)} | {_cell(level.label)} | {_cell(level.action)} | "
            f"{_kinds(level.contacts)} | {_level(level.steps_down_to)} |"
        )
    return lines


def _flag_table(loaded: Rules) -> list[str]:
    lines = [
        "## Red flags",
        "",
        "Every flag id, in the order of `rules.toml`. A flag raised by a logged symptom takes "
        "the symptom's id; the others take their rule's id.",
        "",
        "| flag id | flag | rule | level | window |",
        "|---|---|---|---|---|",
    ]
    for rule_id, rule in loaded.red_flags.items():
        for flag_id in _flag_ids(rule_id, rule):
            lines.append(
                f"| {_code(flag_id)} | {_cell(loaded.flag_name(flag_id))} | "
                f"[{_code(rule_id)}](#rule-{rule_id}) | {_code(rule.level)} | "
                f"{_days(rule.window_days)} |"
            )
    return lines


def _words(loaded: Rules, rule: RedFlagRule, level_id: Level, *, standing: bool) -> str:
    """The label, action and contact kinds a flag shows, as ``redflags._raise`` picks them."""
    level = loaded.red_flag_levels[level_id]
    own_words = not standing or rule.level != "emergency"
    label = rule.label if own_words and rule.label else level.label
    action = rule.action if own_words and rule.action else level.action
    return (
        f"label {_quote(label)}; action {_quote(action)}; contact kinds "
        f"{_kinds((*rule.contacts, *level.contacts))}"
    )


def _cleared_by(rule: RedFlagRule, flag_ids: Sequence[str]) -> str:
    names = _code(flag_ids[0]) if len(flag_ids) == 1 else "the flag's id"
    covers = (
        "clears it for everything logged up to the follow-up's time; anything logged later "
        "raises it again"
    )
    if rule.level == "emergency":
        return (
            f"nothing while its evidence is inside its window ({_days(rule.window_days)}). After "
            f"that, a `follow-up` record naming {names} (either outcome, recorded any time after "
            f"the evidence) {covers}."
        )
    return f"a `follow-up` record naming {names} (either outcome) {covers}."


def _extra_actions(rule: RedFlagRule) -> list[str]:
    co_use = vocabulary().co_use
    return [
        f"- **Added to the action when a use with {co_use[drug].label} ({_code(drug)}) is "
        f"among the evidence:** {_quote(text)}"
        for drug, text in rule.extra_actions.items()
    ]


def _rule_section(loaded: Rules, rule_id: str, rule: RedFlagRule) -> list[str]:
    flag_ids = _flag_ids(rule_id, rule)
    stepped = loaded.red_flag_levels[rule.level].steps_down_to
    flags = ", ".join(f"{_code(f)} ({loaded.flag_name(f)})" for f in flag_ids)
    return [
        f'<a id="rule-{rule_id}"></a>',
        "",
        f"### Rule {_code(rule_id)}",
        "",
        f"- **Flag ids:** {flags}",
        f"- **Level:** {_level(rule.level)}; **window:** {_days(rule.window_days)}",
        f"- **Raised by:** {_condition(rule_id, rule)}",
        f"- **Message** (names in braces are filled in when it is raised): {_quote(rule.message)}",
        f"- **In its window it shows:** {_words(loaded, rule, rule.level, standing=False)}",
        *_extra_actions(rule),
        f"- **After its window it stands at** {_level(stepped)} until followed up, and shows: "
        f"{_words(loaded, rule, stepped, standing=True)}; with the note "
        f"{_quote(loaded.red_flag_follow_up.standing_note)}",
        f"- **Cleared by:** {_cleared_by(rule, flag_ids)}",
        f"- **Why:** {rule.rationale}",
        *_graded_lines(rule.grade, rule.sources),
    ]


def _follow_up(loaded: Rules) -> list[str]:
    rule = loaded.red_flag_follow_up
    outcomes = vocabulary().follow_up_outcomes
    return [
        "## Follow-up",
        "",
        "A `follow-up` record (`time`, `flag`: a flag id above, `outcome`, optional `note`) "
        "says that a red flag was seen to.",
        "",
        f"- **Why:** {rule.rationale}",
        f"- **A standing flag's note:** {_quote(rule.standing_note)} (`{{when}}` is "
        f"{_quote(rule.today)}, {_quote(rule.yesterday)} or {_quote(rule.days_ago)})",
        *_graded_lines(rule.grade, rule.sources),
        "",
        "| outcome | label |",
        "|---|---|",
        *(f"| {_code(key)} | {_cell(term.label)} |" for key, term in outcomes.items()),
    ]


def _phase_days(from_day: int, to_day: int | None) -> str:
    return f"{from_day}–{to_day}" if to_day is not None else f"{from_day} and after"


def _course(loaded: Rules) -> list[str]:
    course = loaded.course
    stage = loaded.stages.labels[course.min_peak_stage].label
    lines = [
        "## The course after stopping",
        "",
        f"- **Shown when:** the history has reached at least the stage "
        f"{_code(course.min_peak_stage)} ({stage}) and the last use is at least "
        f"{_days(course.min_days)} ago, or a stop goal was set after it",
        f"- **Why:** {course.rationale}",
        f"- **Caveat shown with it:** {_quote(course.caveat)}",
        f"- **Never waited out:** {_symptoms(course.never_wait_out)}; shown as "
        f"{_quote(course.never_wait_out_text)}",
        f"- **Depressant exception:** {_quote(course.depressant_exception)}",
        *_graded_lines(course.grade, course.sources),
        "",
        "| phase | days since the last use | label | symptoms it lists as expected |",
        "|---|---|---|---|",
    ]
    for phase in course.phases:
        lines.append(
            f"| {_code(phase.id)} | {_phase_days(phase.from_day, phase.to_day)} | "
            f"{_cell(phase.label)} | {_cell(_symptoms(phase.expected))} |"
        )
    return lines


def shipped_helplines() -> Helplines:
    """The help lines as shipped, whatever ``KETPATH_HELPLINES`` says on this machine."""
    return validate(Helplines, read_toml("helplines.toml"), "knowledge/helplines.toml")


def _without_numbers(loaded: Rules, locale: Locale, *, standing: bool) -> str:
    """The flag rules that would show no contact at all in this locale."""
    silent = []
    for rule_id, rule in loaded.red_flags.items():
        level_id = loaded.red_flag_levels[rule.level].steps_down_to if standing else rule.level
        if not locale.of_kinds((*rule.contacts, *loaded.red_flag_levels[level_id].contacts)):
            silent.append(_code(rule_id))
    return ", ".join(silent) or "none"


def _locale(loaded: Rules, key: str, locale: Locale, default: str) -> list[str]:
    zones = ", ".join(_code(zone) for zone in locale.zones) or "none listed"
    missing = [kind for kind in CONTACT_KINDS if not any(c.kind == kind for c in locale.contacts)]
    lines = [
        f"### {_code(key)}: {locale.name}" + (" (the default)" if key == default else ""),
        "",
        f"- **Zones:** {zones}",
        f"- **Checked:** {locale.checked.isoformat()}",
        f"- **Contact kinds it has none of:** {_kinds(missing)}",
        "- **Rules whose flags show no contact here in their window:** "
        + _without_numbers(loaded, locale, standing=False),
        "- **... and after their window, until followed up:** "
        + _without_numbers(loaded, locale, standing=True),
        "- **Sources:**",
        *_source_lines(locale.sources, "  "),
        "",
        "| kind | name | number |",
        "|---|---|---|",
    ]
    for contact in locale.contacts:
        lines.append(f"| {_code(contact.kind)} | {_cell(contact.name)} | {_cell(contact.number)} |")
    return lines


def _help_lines(loaded: Rules) -> list[str]:
    shipped = shipped_helplines()
    default = shipped.locales[shipped.default]
    lines = [
        "## Help lines per locale",
        "",
        f"The default locale is {_code(shipped.default)} ({default.name}): it is used when a "
        "person has chosen none and their time zone is in no locale's zones. Locales are "
        "listed in file order, the order in which zones are matched (exact names first, then "
        "prefixes ending in `/`). A flag shows its contacts kind by kind, in the order given "
        "in its section above, and the contacts of one kind in the order listed here. A "
        "deployment may replace this file with `KETPATH_HELPLINES`; this page shows the "
        "shipped one.",
    ]
    for key, locale in shipped.locales.items():
        lines += ["", *_locale(loaded, key, locale, shipped.default)]
    return lines


def clinical_safety_markdown() -> str:
    """The text of ``docs/clinical-safety.md``: the same knowledge files give the same bytes."""
    loaded = rules()
    blocks: list[list[str]] = [_intro(loaded), _levels(loaded), _flag_table(loaded)]
    blocks += [_rule_section(loaded, key, rule) for key, rule in loaded.red_flags.items()]
    blocks += [_follow_up(loaded), _course(loaded), _help_lines(loaded)]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
