"""Read and validate the knowledge base.

Each file is parsed with :mod:`tomllib` and validated with Pydantic models that
forbid unknown keys, so a typo in a threshold name is an error rather than a
silently ignored setting. Errors name the file, the entry and the field.
Cross-references (a claim citing a source, a rule citing a claim) are checked
too: every source id must exist in ``sources.toml``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ketpath.errors import BadInput

KNOWLEDGE_DIR = Path(__file__).resolve().parent

Grade = Literal["A", "B", "C", "U", "X"]
GRADE_MEANINGS: dict[str, str] = {
    "A": "systematic review or several consistent studies in humans",
    "B": "one study in humans, or a non-representative sample",
    "C": "animal data, case reports or expert opinion",
    "U": "stated by the source article; no supporting source found",
    "X": "contradicted by the evidence",
}
Level = Literal["emergency", "urgent", "soon"]
ContactKind = Literal["emergency", "urgent-care", "helpline", "crisis"]
NonEmpty = Annotated[str, Field(min_length=1)]
Days = Annotated[int, Field(ge=1, le=3650)]


class KnowledgeError(BadInput):
    """A knowledge file is missing, malformed or inconsistent."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Strict = _Strict  # the base of every knowledge model: unknown keys are errors
Sources = tuple[NonEmpty, ...]


class Parameter(_Strict):
    """One number of a model, with its unit, sources and (if uncertain) plausible range."""

    value: float
    unit: NonEmpty
    range: tuple[float, float] | None = None
    sources: Sources = Field(min_length=1)
    assumption: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _value_in_range(self) -> Parameter:
        if self.range is not None and not self.range[0] <= self.value <= self.range[1]:
            raise ValueError(f"value {self.value} lies outside its range {list(self.range)}")
        return self


class Graded(_Strict):
    """Anything shown to a user: a rationale, its evidence grade and sources."""

    rationale: NonEmpty
    grade: Grade
    sources: tuple[NonEmpty, ...] = Field(min_length=1)
    claims: tuple[NonEmpty, ...] = ()


# ---------------------------------------------------------------- sources, claims

SourceKind = Literal[
    "article",
    "systematic-review",
    "meta-analysis",
    "cohort",
    "cross-sectional",
    "survey",
    "trial",
    "case-report",
    "animal",
    "review",
    "guideline",
    "classification",
    "label",
    "manual",
    "pk-study",
    "model",
    "project-default",
    "other",
]


class Source(_Strict):
    id: NonEmpty
    citation: NonEmpty
    kind: SourceKind
    year: int | None = Field(default=None, ge=1900, le=2100)
    note: str | None = None
    verified: bool = True


class Claim(_Strict):
    id: NonEmpty
    topic: NonEmpty
    title: NonEmpty
    article: NonEmpty
    grade: Grade
    evidence: NonEmpty
    sources: tuple[NonEmpty, ...] = Field(min_length=1)


# ---------------------------------------------------------------- vocabulary


class Term(_Strict):
    label: NonEmpty
    social: bool = False
    coping: bool = False
    depressant: bool = False
    injection: bool = False
    high_risk: bool = False
    withdrawal_risk: bool = False
    group: str | None = None


class Vocabulary(_Strict):
    routes: dict[str, Term]
    settings: dict[str, Term]
    motives: dict[str, Term]
    co_use: dict[str, Term]
    sexes: dict[str, Term]
    impacts: dict[str, Term]
    goals: dict[str, Term]
    screen_results: dict[str, Term]
    screen_methods: dict[str, Term]
    follow_up_outcomes: dict[str, Term]
    severities: dict[str, Term]
    symptoms: dict[str, Term]

    def flagged(self, table: str, flag: str) -> frozenset[str]:
        """The terms of ``table`` with ``flag`` set (e.g. the social settings)."""
        terms: dict[str, Term] = getattr(self, table)
        return frozenset(key for key, term in terms.items() if getattr(term, flag))

    def symptom_group(self, group: str) -> frozenset[str]:
        return frozenset(key for key, term in self.symptoms.items() if term.group == group)

    def label(self, table: str, key: str) -> str:
        terms: dict[str, Term] = getattr(self, table)
        return terms[key].label if key in terms else key


# ---------------------------------------------------------------- rules


class Band(_Strict):
    id: NonEmpty
    min: float = Field(ge=0)
    label: NonEmpty


class FrequencyRule(Graded):
    recent_days: Days
    prior_days: Days
    bands: tuple[Band, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _ascending(self) -> FrequencyRule:
        mins = [band.min for band in self.bands]
        if mins != sorted(mins) or len(set(mins)) != len(mins) or mins[0] != 0:
            raise ValueError("bands must start at 0 and rise strictly")
        return self


class StageLabel(_Strict):
    label: NonEmpty
    description: NonEmpty
    active: bool = False
    """Use now; the active stages' order in ``[stages.labels]`` is their rank."""


class StageRules(Graded):
    stopped_after_days: Days
    early_remission_after_days: Days
    sustained_remission_after_days: Days
    remission_min_peak_stage: NonEmpty
    past_use_after_days: Days
    experimental_max_use_days: Days
    dependent_min_signals: Days
    dependence_signals: tuple[NonEmpty, ...]
    addiction_cycle_min_failed_quits: Days
    dsm5_window_days: Days
    labels: dict[str, StageLabel]

    @model_validator(mode="after")
    def _path_order(self) -> StageRules:
        active = [label.active for label in self.labels.values()]
        first, count = (active.index(True), active.count(True)) if True in active else (0, 0)
        if first != 1 or not all(active[first : first + count]) or first + count >= len(active):
            raise ValueError(
                "labels: list the stage of no use first, then the active stages"
                " (active = true), then the stages after use stopped"
            )
        return self

    def ids(self) -> tuple[str, ...]:
        """Every stage in the order of the path, as ``[stages.labels]`` lists them."""
        return tuple(self.labels)

    def active_ids(self) -> tuple[str, ...]:
        """The active stages from the least to the most use: rank 1 is the first."""
        return tuple(key for key, label in self.labels.items() if label.active)

    def stopped_ids(self) -> tuple[str, ...]:
        """The stages after use stopped, from the most recent stop to past use."""
        return self.ids()[1 + len(self.active_ids()) :]

    def by_use(self) -> tuple[str, ...]:
        """From the least use to the most: no use, the stopped stages (last first), the active ones."""
        return (self.ids()[0], *reversed(self.stopped_ids()), *self.active_ids())


class RelapseRule(Graded):
    min_gap_days: Days
    window_days: Days
    min_use_days_before: Days
    min_use_days_after: Days


class FailedQuitRule(Graded):
    within_days: Days


class SignalRule(Graded):
    """A signal. Thresholds not used by a given signal stay at their defaults."""

    label: NonEmpty
    evidence: NonEmpty
    window_days: Days = 30
    recent_days: Days = 30
    prior_days: Days = 90
    ratio: float = Field(default=1.0, gt=0)
    min_count: int = Field(default=1, ge=1)
    min_fraction: float = Field(default=0.0, ge=0, le=1)
    min_mean: float = Field(default=0.0, ge=0)
    min_score: float = Field(default=0.0, ge=0)
    min_distinct: int = Field(default=1, ge=1)
    min_recent_use_days: int = Field(default=1, ge=1)
    min_dosed_use_days: int = Field(default=1, ge=1)
    baseline_days: int = Field(default=0, ge=0, le=3650)
    baseline_evidence: str | None = None
    min_days_after_use: int = Field(default=1, ge=0)
    max_days_after_use: int = Field(default=7, ge=0)
    instruments: tuple[NonEmpty, ...] = ()


class LevelRule(_Strict):
    label: NonEmpty
    action: NonEmpty
    contacts: tuple[ContactKind, ...]
    steps_down_to: Level  # the level a flag keeps after its window until followed up


class FollowUpRule(Graded):
    """How a standing flag is worded until someone records a follow-up."""

    standing_note: NonEmpty
    today: NonEmpty
    yesterday: NonEmpty
    days_ago: NonEmpty

    def when(self, days: int) -> str:
        """ "today", "yesterday" or "N days ago", as the rules word it."""
        if days <= 0:
            return self.today
        return self.yesterday if days == 1 else self.days_ago.format(days=days)


class RedFlagRule(Graded):
    """A red flag. Thresholds not used by a given flag stay at their defaults.

    ``label`` and ``action`` replace the level's words where a flag needs its
    own (a crisis line first, harm reduction); ``contacts`` come before the
    level's. ``symptom_sets``: the flag needs every symptom of at least one set
    in its window; ``with_symptom_sets`` and ``depressant_days`` add what must
    come with them (see ``core/assess/redflags.py``).
    """

    level: Level
    message: NonEmpty
    window_days: Days
    name: str | None = None  # what a flag not raised by one symptom is called in lists
    clinician_message: str | None = None  # where ``message`` speaks to the person
    label: str | None = None
    action: str | None = None
    extra_actions: dict[str, NonEmpty] = {}
    symptoms: tuple[NonEmpty, ...] = ()
    symptom: str | None = None
    symptom_sets: tuple[tuple[NonEmpty, ...], ...] = ()
    with_symptom_sets: tuple[tuple[NonEmpty, ...], ...] = ()
    depressant_days: int = Field(default=0, ge=0, le=365)
    lookback_days: int = Field(default=30, ge=1, le=365)
    min_depressant_days: int = Field(default=1, ge=1)
    min_severity: int = Field(default=1, ge=1, le=3)
    min_days: int = Field(default=1, ge=1)
    min_count: int = Field(default=1, ge=1)
    min_score: float = Field(default=0.0, ge=0)
    bands: tuple[NonEmpty, ...] = ()
    contacts: tuple[ContactKind, ...] = ()

    @property
    def raised_by_symptom(self) -> bool:
        """A symptom flag: one flag per listed symptom, with the symptom's id."""
        return bool(self.symptoms or self.symptom)

    def symptom_members(self) -> tuple[str, ...]:
        return (*self.symptoms, *([self.symptom] if self.symptom else ()))

    def named_symptoms(self) -> tuple[str, ...]:
        """Every symptom this rule reads, for the vocabulary check."""
        sets = (*self.symptom_sets, *self.with_symptom_sets)
        return (*self.symptom_members(), *(s for group in sets for s in group))


class Phase(_Strict):
    id: NonEmpty
    from_day: int = Field(ge=0)
    to_day: int | None = None
    label: NonEmpty
    expected: tuple[NonEmpty, ...]


class CourseRule(Graded):
    min_days: int = Field(ge=0)
    min_peak_stage: NonEmpty
    caveat: NonEmpty
    never_wait_out: tuple[NonEmpty, ...] = Field(min_length=1)
    never_wait_out_text: NonEmpty
    depressant_exception: NonEmpty
    phases: tuple[Phase, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _contiguous(self) -> CourseRule:
        for before, after in zip(self.phases, self.phases[1:], strict=False):
            if before.to_day is None or after.from_day != before.to_day + 1:
                raise ValueError(f"phase {after.id!r} must start the day after {before.id!r} ends")
        if self.phases[-1].to_day is not None:
            raise ValueError("the last phase must be open-ended (no to_day)")
        return self


RosterKey = Literal["level", "stage", "silence"]
ROSTER_PSEUDO_LEVELS = ("not-assessed", "none")
"""Placed among the red-flag levels: no assessment (so no flag is known), and no flag standing."""


class RosterOrder(Graded):
    """The roster's order, most in need of care first; ``by`` lists the keys, the first deciding.

    ``levels`` places every red-flag level, ``not-assessed`` and ``none`` (no
    flag); ``stages`` every stage (checked against ``[stages.labels]`` when
    the rules load). Silence always sorts the longest first.
    """

    by: tuple[RosterKey, ...]
    levels: tuple[NonEmpty, ...]
    stages: tuple[NonEmpty, ...]

    @model_validator(mode="after")
    def _each_once(self) -> RosterOrder:
        known_levels = (*get_args(Level), *ROSTER_PSEUDO_LEVELS)
        unknown = [level for level in self.levels if level not in known_levels]
        if unknown:
            raise ValueError(
                f"levels: unknown level {', '.join(map(repr, unknown))};"
                f" known: {', '.join(known_levels)}"
            )
        _check_each_once("levels", self.levels, known_levels)
        _check_each_once("by", self.by, get_args(RosterKey))
        return self


def _check_each_once(name: str, listed: Sequence[str], known: Iterable[str]) -> None:
    """``listed`` must hold every one of ``known`` exactly once (ValueError naming the first miss)."""
    repeated = sorted({item for item in listed if listed.count(item) > 1})
    if repeated:
        raise ValueError(f"{name}: {', '.join(repeated)} listed more than once")
    missing = [item for item in known if item not in listed]
    if missing:
        raise ValueError(f"{name}: {', '.join(missing)} missing")


class RosterRule(Graded):
    new_flag_days: Days
    missed_check_in_days: Days
    positive_screen_days: Days
    order: RosterOrder


class Rules(_Strict):
    disclaimer: NonEmpty
    frequency: FrequencyRule
    stages: StageRules
    relapse: RelapseRule
    failed_quit: FailedQuitRule
    signals: dict[str, SignalRule]
    red_flag_levels: dict[Level, LevelRule]
    red_flag_follow_up: FollowUpRule
    red_flags: dict[str, RedFlagRule]
    course: CourseRule
    roster: RosterRule

    def flag_name(self, flag_id: str) -> str:
        """A flag in words: its symptom's label, or the rule's name."""
        rule = self.red_flags.get(flag_id)
        if rule is not None and not rule.raised_by_symptom:
            return rule.name or flag_id
        return vocabulary().label("symptoms", flag_id)

    def flag_ids(self) -> tuple[str, ...]:
        """Every red-flag id: a symptom flag takes the symptom's id, others the rule's."""
        ids: list[str] = []
        for key, flag in self.red_flags.items():
            ids.extend(flag.symptom_members() if flag.raised_by_symptom else (key,))
        return tuple(ids)

    def graded_items(self) -> Iterable[tuple[str, Graded]]:
        """Every graded rule with a dotted name, for cross-checks and the Learn pages."""
        yield "frequency", self.frequency
        yield "stages", self.stages
        yield "relapse", self.relapse
        yield "failed_quit", self.failed_quit
        for key, signal in self.signals.items():
            yield f"signals.{key}", signal
        yield "red_flag_follow_up", self.red_flag_follow_up
        for key, flag in self.red_flags.items():
            yield f"red_flags.{key}", flag
        yield "course", self.course
        yield "roster", self.roster
        yield "roster.order", self.roster.order


# ---------------------------------------------------------------- loading

Model = TypeVar("Model", bound=BaseModel)


def knowledge_path(name: str) -> Path:
    return KNOWLEDGE_DIR / name


def read_toml(name: str) -> dict[str, Any]:
    """Parse ``knowledge/<name>``; a syntax error names the file and line."""
    path = knowledge_path(name)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as error:
        raise KnowledgeError(f"knowledge/{name}: file not found") from error
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"knowledge/{name}: {error}") from error


def validate(model: type[Model], data: Mapping[str, Any], where: str) -> Model:
    """Validate ``data`` against ``model``; the error names ``where`` and the field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(entry)"
        raise KnowledgeError(f"{where}: {field}: {first['msg']}") from error


def _entries(model: type[Model], name: str, table: str) -> tuple[Model, ...]:
    raw = read_toml(name).get(table, [])
    entries = tuple(
        validate(model, item, f"knowledge/{name}: {table}[{index}] ({item.get('id', '?')})")
        for index, item in enumerate(raw)
    )
    seen: set[str] = set()
    for entry in entries:
        entry_id = getattr(entry, "id")  # noqa: B009 - both models have an id
        if entry_id in seen:
            raise KnowledgeError(f"knowledge/{name}: {table}: duplicate id {entry_id!r}")
        seen.add(entry_id)
    return entries


@cache
def sources() -> dict[str, Source]:
    return {source.id: source for source in _entries(Source, "sources.toml", "source")}


def cited_sources(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every (dotted name, source ids) pair in a validated knowledge file, nested or not."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name == "sources":
            yield prefix.rstrip(".") or "(top)", tuple(value)
        elif isinstance(value, BaseModel):
            yield from cited_sources(value, f"{prefix}{name}.")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from cited_sources(item, f"{prefix}{name}.{key}.")


def check_cited_sources(model: BaseModel, file_name: str) -> None:
    """Raise unless every source cited anywhere in ``model`` exists in ``sources.toml``."""
    for where, cited in cited_sources(model):
        check_sources(cited, f"knowledge/{file_name}: {where}")


def check_sources(cited: Iterable[str], where: str) -> None:
    """Raise unless every cited source id exists in ``sources.toml``."""
    known = sources()
    for source_id in cited:
        if source_id not in known:
            raise KnowledgeError(f"{where}: cites unknown source {source_id!r}")


@cache
def claims() -> dict[str, Claim]:
    loaded = _entries(Claim, "claims.toml", "claim")
    for claim in loaded:
        check_sources(claim.sources, f"knowledge/claims.toml: claim {claim.id!r}")
    return {claim.id: claim for claim in loaded}


@cache
def vocabulary() -> Vocabulary:
    return validate(Vocabulary, read_toml("vocabulary.toml"), "knowledge/vocabulary.toml")


@cache
def rules() -> Rules:
    loaded = validate(Rules, read_toml("rules.toml"), "knowledge/rules.toml")
    known_claims = claims()
    for name, item in loaded.graded_items():
        where = f"knowledge/rules.toml: {name}"
        check_sources(item.sources, where)
        for claim_id in item.claims:
            if claim_id not in known_claims:
                raise KnowledgeError(f"{where}: refers to unknown claim {claim_id!r}")
    _check_rule_vocabulary(loaded)
    return loaded


def _check_rule_vocabulary(loaded: Rules) -> None:
    symptoms = vocabulary().symptoms
    co_use = vocabulary().co_use
    stage_ids = set(loaded.stages.labels)
    for name, flag in loaded.red_flags.items():
        for symptom in flag.named_symptoms():
            if symptom not in symptoms:
                raise KnowledgeError(
                    f"knowledge/rules.toml: red_flags.{name}: unknown symptom {symptom!r}"
                )
        if not flag.raised_by_symptom and not flag.name:
            raise KnowledgeError(f"knowledge/rules.toml: red_flags.{name}: needs a name")
        for drug in flag.extra_actions:
            if drug not in co_use:
                raise KnowledgeError(
                    f"knowledge/rules.toml: red_flags.{name}: extra_actions: unknown drug {drug!r}"
                )
    flag_ids = loaded.flag_ids()
    repeated = sorted({flag_id for flag_id in flag_ids if flag_ids.count(flag_id) > 1})
    if repeated:
        raise KnowledgeError(
            f"knowledge/rules.toml: red_flags: ids raised by two rules: {', '.join(repeated)}"
        )
    for symptom in loaded.course.never_wait_out:
        if symptom not in symptoms:
            raise KnowledgeError(
                f"knowledge/rules.toml: course.never_wait_out: unknown symptom {symptom!r}"
            )
    for phase in loaded.course.phases:
        for symptom in phase.expected:
            if symptom not in symptoms:
                raise KnowledgeError(
                    f"knowledge/rules.toml: course.{phase.id}: unknown symptom {symptom!r}"
                )
    for signal in loaded.stages.dependence_signals:
        if signal not in loaded.signals:
            raise KnowledgeError(
                f"knowledge/rules.toml: stages: unknown dependence signal {signal!r}"
            )
    if loaded.stages.remission_min_peak_stage not in stage_ids:
        raise KnowledgeError(
            "knowledge/rules.toml: stages: unknown remission_min_peak_stage "
            f"{loaded.stages.remission_min_peak_stage!r}"
        )
    unknown_stages = [stage for stage in loaded.roster.order.stages if stage not in stage_ids]
    if unknown_stages:
        raise KnowledgeError(
            "knowledge/rules.toml: roster.order.stages: unknown stage "
            + ", ".join(repr(stage) for stage in unknown_stages)
        )
    try:
        _check_each_once("stages", loaded.roster.order.stages, loaded.stages.ids())
    except ValueError as error:
        raise KnowledgeError(f"knowledge/rules.toml: roster.order.{error}") from None
    if loaded.course.min_peak_stage not in stage_ids:
        raise KnowledgeError(
            f"knowledge/rules.toml: course: unknown stage {loaded.course.min_peak_stage!r}"
        )


# ---------------------------------------------------------------- help lines


class Contact(_Strict):
    kind: ContactKind
    name: NonEmpty
    number: NonEmpty


class Locale(_Strict):
    """Help lines for one place, with where they come from and when they were checked."""

    name: NonEmpty
    zones: tuple[str, ...]
    sources: Sources = Field(min_length=1)
    checked: date
    contacts: tuple[Contact, ...] = Field(min_length=1)

    def of_kinds(self, kinds: Iterable[str]) -> tuple[Contact, ...]:
        """The contacts of these kinds, in the order asked; emergency always available.

        A place with no line of the kinds asked (no drugs helpline, say) still
        shows its emergency number last, so no flag is ever without a number.
        """
        wanted = [*dict.fromkeys(kinds)]
        if "emergency" not in wanted:
            wanted.append("emergency")
        return tuple(c for kind in wanted for c in self.contacts if c.kind == kind)


class Helplines(_Strict):
    default: NonEmpty
    locales: dict[str, Locale]

    @model_validator(mode="after")
    def _default_exists(self) -> Helplines:
        if self.default not in self.locales:
            raise ValueError(f"default locale {self.default!r} is not defined")
        for key, locale in self.locales.items():
            for kind in ("emergency", "crisis"):  # every red flag can reach one of each
                if not any(c.kind == kind for c in locale.contacts):
                    raise ValueError(f"locale {key!r} needs a contact of kind {kind!r}")
        claimed: dict[str, str] = {}
        for key, locale in self.locales.items():
            for zone in locale.zones:
                if zone in claimed:
                    raise ValueError(f"zone {zone!r} is listed by {claimed[zone]!r} and {key!r}")
                claimed[zone] = key
        return self

    def for_zone(self, zone: str | None) -> str:
        """Guess a locale from an IANA time zone: exact names first, then prefixes."""
        if zone:
            for key, locale in self.locales.items():
                if zone in locale.zones:
                    return key
            for key, locale in self.locales.items():
                if any(p.endswith("/") and zone.startswith(p) for p in locale.zones):
                    return key
        return self.default


@cache
def helplines() -> Helplines:
    override = os.environ.get("KETPATH_HELPLINES")
    if override:
        try:
            data = tomllib.loads(Path(override).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise KnowledgeError(f"{override}: {error}") from error
        return validate(Helplines, data, override)
    loaded = validate(Helplines, read_toml("helplines.toml"), "knowledge/helplines.toml")
    for key, locale in loaded.locales.items():
        check_sources(locale.sources, f"knowledge/helplines.toml: locales.{key}")
    return loaded


# ---------------------------------------------------------------- practical pages


class PracticalLink(_Strict):
    """A link from a statement to one of the person's own pages (the plan, help, history)."""

    href: Annotated[str, Field(pattern=r"^/[a-z0-9/_-]*$")]
    text: NonEmpty


class SymptomList(_Strict):
    """Symptoms read from ``rules.toml``, so a practical page never lists them twice.

    With ``level``: the symptoms whose own red flag has that level, within
    ``group`` when one is named. With ``unflagged = true``: the symptoms of
    ``group`` that no symptom flag names (those a count-of-days flag watches).
    """

    group: str | None = None
    level: Level | None = None
    unflagged: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> SymptomList:
        if (self.level is None) == (not self.unflagged):
            raise ValueError("give either a level or unflagged = true")
        if self.unflagged and self.group is None:
            raise ValueError("unflagged needs a group")
        return self


class PracticalStatement(_Strict):
    """One paragraph of a practical page, with the grade and sources of what it says.

    ``rule`` names a red flag whose thresholds fill the braces of ``text``
    (``{min_days}``, ``{window_days}``, ``{min_score:.0f}``), so a number the
    rules hold is never written twice. ``red_flag_levels`` shows every level's
    label, action and symptoms from ``rules.toml`` after the text.
    """

    text: NonEmpty
    grade: Grade
    sources: Sources = Field(min_length=1)
    claims: tuple[NonEmpty, ...] = ()
    link: PracticalLink | None = None
    rule: str | None = None
    symptoms: SymptomList | None = None
    red_flag_levels: bool = False


class PracticalSection(_Strict):
    heading: NonEmpty
    statements: tuple[PracticalStatement, ...] = Field(min_length=1)


class PracticalPage(_Strict):
    """A short page of practical help (Learn), every statement graded and sourced."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]
    title: NonEmpty
    summary: NonEmpty
    sections: tuple[PracticalSection, ...] = Field(min_length=1)

    def statements(self) -> Iterator[PracticalStatement]:
        for section in self.sections:
            yield from section.statements


@cache
def practical_pages() -> dict[str, PracticalPage]:
    """The practical help pages of ``practical.toml``, checked against the rest of the base.

    Every statement must cite known sources (at least one) and carry a grade;
    its claims, the red flag it reads numbers from and the symptom group it
    lists must exist; a page id must not shadow a claim topic of Learn.
    """
    pages = _entries(PracticalPage, "practical.toml", "page")
    topics = {claim.topic for claim in claims().values()}
    for page in pages:
        if page.id in topics:
            raise KnowledgeError(f"knowledge/practical.toml: page {page.id!r} is a claim topic")
        for index, statement in enumerate(page.statements()):
            _check_statement(statement, f"knowledge/practical.toml: page {page.id!r}[{index}]")
    return {page.id: page for page in pages}


def _check_statement(statement: PracticalStatement, where: str) -> None:
    check_sources(statement.sources, where)
    for claim_id in statement.claims:
        if claim_id not in claims():
            raise KnowledgeError(f"{where}: refers to unknown claim {claim_id!r}")
    if statement.rule is not None:
        flag = rules().red_flags.get(statement.rule)
        if flag is None:
            raise KnowledgeError(f"{where}: unknown red flag {statement.rule!r}")
        try:
            statement.text.format(**flag.model_dump())
        except (KeyError, ValueError, IndexError) as error:
            raise KnowledgeError(f"{where}: text names no field of the rule: {error}") from None
    elif "{" in statement.text:
        raise KnowledgeError(f"{where}: braces in the text need a rule to fill them")
    group = statement.symptoms.group if statement.symptoms else None
    if group is not None and not vocabulary().symptom_group(group):
        raise KnowledgeError(f"{where}: unknown symptom group {group!r}")


# ---------------------------------------------------------------- today.toml: the Today page


class MilestoneStep(_Strict):
    days: Days
    text: NonEmpty


class Milestones(Graded):
    """The day counter's milestones, rising, and its words after a use (issue 14, point 2)."""

    after_a_lapse: NonEmpty
    used_today: NonEmpty
    steps: tuple[MilestoneStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _rising_and_worded(self) -> Milestones:
        days = [step.days for step in self.steps]
        if days != sorted(set(days)):
            raise ValueError("steps: days must rise, each listed once")
        try:
            self.after_a_lapse.format(longest="10 days")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"after_a_lapse: only {{longest}} may be filled in: {error}") from None
        if "{longest}" not in self.after_a_lapse:
            raise ValueError("after_a_lapse: must name the longest run as {longest}")
        return self


class QuestionnaireSchedule(Graded):
    """How many days after its last answers each questionnaire is offered again."""

    every_days: dict[NonEmpty, Days] = Field(min_length=1)


class About(_Strict):
    """What ketpath is, what it is not, and privacy in three lines (first-run onboarding)."""

    is_: tuple[NonEmpty, ...] = Field(alias="is", min_length=1)
    is_not: tuple[NonEmpty, ...] = Field(min_length=1)
    privacy: tuple[NonEmpty, NonEmpty, NonEmpty]


class Today(_Strict):
    milestones: Milestones
    questionnaire_schedule: QuestionnaireSchedule
    about: About


@cache
def today() -> Today:
    """``today.toml``, checked: known sources and instruments only."""
    loaded = validate(Today, read_toml("today.toml"), "knowledge/today.toml")
    check_cited_sources(loaded, "today.toml")
    from ketpath.knowledge.instruments import instruments  # noqa: PLC0415 - it imports load

    known = instruments()
    for instrument_id in loaded.questionnaire_schedule.every_days:
        if instrument_id not in known:
            raise KnowledgeError(
                "knowledge/today.toml: questionnaire_schedule.every_days:"
                f" unknown instrument {instrument_id!r}"
            )
    return loaded
