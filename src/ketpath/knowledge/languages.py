"""The knowledge base in every shipped language, English being the source of truth.

English lives in the TOML files beside this module. Each other language has a
folder ``i18n/<language>/`` with one file per translated knowledge file, named
like it (``i18n/zh-Hant/rules.toml``), holding a ``[translation]`` table (how
the file was made, whether a native-speaking clinician has reviewed it) and a
``[text]`` table: the dotted path of each person-facing text in the English
file (``red_flags.suicidal-thoughts.message``; a list item with an ``id`` is
named by it, any other by its position) mapped to its translation.

A regional language (``zh-Hant-HK``) holds only the texts whose usage differs
and falls back to its parent (``zh-Hant``) for the rest. The translated texts
are laid over the English data and validated by the same models, so a
translated ``rules()`` is a ``Rules`` like any other.

The checks fail loudly, naming the language, the file and the key: an English
text with no translation, a translated key the English file does not have,
and a translation that drops or invents a ``{placeholder}``. Source references
are never translated (``sources.toml`` is not among the translated files).
"""

from __future__ import annotations

import copy
import os
import string
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ketpath.knowledge import load
from ketpath.knowledge.contingency import Contingency
from ketpath.knowledge.contingency import contingency as english_contingency
from ketpath.knowledge.craving import CravingMoment, craving_moment
from ketpath.knowledge.instruments import Instrument
from ketpath.knowledge.load import (
    Claim,
    Helplines,
    KnowledgeError,
    PracticalPage,
    Rules,
    Today,
    Vocabulary,
    validate,
)

ENGLISH = "en"
LANGUAGES = ("en", "zh-Hant", "zh-Hant-HK", "zh-Hant-TW", "zh-Hans")
"""Every shipped language, as BCP 47 tags; the regional ones fall back to their parent."""

PathTest = Callable[[str, str], bool]
"""Whether the text at a dotted path (second argument: its last key) is person-facing."""


def _fields(*names: str) -> PathTest:
    wanted = frozenset(names)
    return lambda path, key: key in wanted


def _rules_text(path: str, key: str) -> bool:
    return key in _RULE_FIELDS or ".extra_actions." in path


def _today_text(path: str, key: str) -> bool:
    return path.startswith("about.") or key in {"rationale", "after_a_lapse", "used_today", "text"}


def _body_text(path: str, key: str) -> bool:
    return path.startswith("assessment.words.") or path in {
        "assessment.caveat",
        "assessment.research.note",
    }


_RULE_FIELDS = frozenset(
    {
        "disclaimer",
        "label",
        "description",
        "message",
        "clinician_message",
        "action",
        "rationale",
        "evidence",
        "baseline_evidence",
        "standing_note",
        "today",
        "yesterday",
        "days_ago",
        "caveat",
        "never_wait_out_text",
        "depressant_exception",
        "name",
    }
)

TRANSLATED: dict[str, PathTest] = {
    "rules.toml": _rules_text,
    "claims.toml": _fields("title", "article", "evidence"),
    "practical.toml": _fields("title", "summary", "heading", "text"),
    "helplines.toml": _fields("name"),
    "vocabulary.toml": _fields("label"),
    "body.toml": _body_text,
    "today.toml": _today_text,
    "craving.toml": _fields("label", "rationale"),
    "contingency.toml": _fields("title", "label"),
}
"""The knowledge files with person-facing text, and which of their texts are.

Of ``craving.toml`` the two defaults' labels and rationales are; its ``sections``
are not, for they name the English practical page's headings (the translated
page's sections are found by position).

Of ``contingency.toml`` only the schedule's labels and the effect's title are
(the PDF summary shows them); the rationales are still English.

Not translated, on purpose: ``sources.toml`` (references stay as published)
and ``population.toml`` (model parameters for modellers, not shown to persons).
Of the instruments only the short labels are (``INSTRUMENT_TEXT``): a
questionnaire's wording is licensed per language (issue 15, point 3).
"""

_INSTRUMENT_PAGE_TEXT = frozenset(
    {"name", "short_name", "note", "grade_note", "licence.text", "chinese_version.text"}
)


def _instrument_text(path: str, key: str) -> bool:
    return (
        key in {"label", "total_label", "recall_period"}
        or path in _INSTRUMENT_PAGE_TEXT
        or (path.startswith("flags.") and key == "message")
    )


INSTRUMENT_TEXT: PathTest = _instrument_text
"""An instrument's short labels (items, options, total, recall period, bands) and what the
questionnaire page says about it: its names, note, grade note, licence, flag messages and
which Chinese version a clinic should use. Never the item wording."""


def translated_files() -> dict[str, PathTest]:
    """Every translated knowledge file by its name under ``knowledge/``, instruments included."""
    folder = load.KNOWLEDGE_DIR / "instruments"
    found = {f"instruments/{path.name}": INSTRUMENT_TEXT for path in sorted(folder.glob("*.toml"))}
    return {**TRANSLATED, **found}


_BY_TAG = {
    **{language.lower(): language for language in LANGUAGES},
    "zh-hk": "zh-Hant-HK",
    "zh-mo": "zh-Hant-HK",
    "zh-hant-mo": "zh-Hant-HK",
    "zh-tw": "zh-Hant-TW",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hans-cn": "zh-Hans",
    "zh-hans-sg": "zh-Hans",
    "zh": "zh-Hans",
}
"""Region tags as browsers and ``LANG`` send them, mapped to the shipped languages.

Following CLDR's likely subtags: Taiwan, Hong Kong and Macao write
Traditional Chinese, mainland China and Singapore Simplified.
"""


def shipped(tag: str) -> str | None:
    """The shipped language for a BCP 47 or POSIX tag (``zh-TW``, ``zh_TW.UTF-8``), or None."""
    tag = tag.strip().partition(".")[0].partition("@")[0].replace("_", "-").lower()
    while tag:
        if tag in _BY_TAG:
            return _BY_TAG[tag]
        tag = tag.rpartition("-")[0]
    return None


def parent(language: str) -> str | None:
    """The language a regional one falls back to (``zh-Hant-HK`` → ``zh-Hant``)."""
    return language.rsplit("-", 1)[0] if language.count("-") >= 2 else None


def i18n_dir() -> Path:
    return load.KNOWLEDGE_DIR / "i18n"


# ---------------------------------------------------------------- English keys


def texts(data: Any, wanted: PathTest, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every (dotted path, text) in ``data`` that ``wanted`` calls person-facing."""
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}{key}"
            if isinstance(value, str):
                if wanted(path, key):
                    yield path, value
            else:
                yield from texts(value, wanted, f"{path}.")
    elif isinstance(data, list):
        for index, item in enumerate(data):
            if isinstance(item, str):  # a list of texts: each named by its position
                if wanted(f"{prefix}{index}", str(index)):
                    yield f"{prefix}{index}", item
                continue
            name = item.get("id", index) if isinstance(item, dict) else index
            yield from texts(item, wanted, f"{prefix}{name}.")


def english_texts(file_name: str) -> dict[str, str]:
    """The person-facing texts of an English knowledge file, by dotted path."""
    return dict(texts(load.read_toml(file_name), translated_files()[file_name]))


def _set(data: Any, path: str, text: str) -> None:
    """Put ``text`` at ``path`` in the raw data (list items by id or position)."""
    *parents, last = path.split(".")
    node = data
    for part in parents:
        if isinstance(node, list):
            by_id = [item for item in node if isinstance(item, dict) and item.get("id") == part]
            node = by_id[0] if by_id else node[int(part)]
        else:
            node = node[part]
    if isinstance(node, list):
        node[int(last)] = text
    else:
        node[last] = text


# ---------------------------------------------------------------- translation files


@dataclass(frozen=True)
class Translation:
    """One translated file: how it was made, whether reviewed, and its texts by path."""

    made: str
    reviewed: bool
    texts: Mapping[str, str]


def _read_translation(language: str, file_name: str) -> Translation | None:
    path = i18n_dir() / language / file_name
    where = f"knowledge/i18n/{language}/{file_name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"{where}: {error}") from error
    about = data.get("translation")
    if not isinstance(about, dict) or not isinstance(about.get("made"), str):
        raise KnowledgeError(f"{where}: needs a [translation] table saying how it was made")
    if not isinstance(about.get("reviewed"), bool):
        raise KnowledgeError(f"{where}: [translation] needs reviewed = true or false")
    unknown = set(data) - {"translation", "text"}
    if unknown:
        raise KnowledgeError(f"{where}: unknown table {', '.join(sorted(unknown))}")
    found = data.get("text", {})
    bad = [key for key, value in found.items() if not isinstance(value, str) or not value]
    if bad:
        raise KnowledgeError(f"{where}: {bad[0]}: a translation must be non-empty text")
    return Translation(made=about["made"], reviewed=about["reviewed"], texts=found)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@cache
def translated_texts(language: str, file_name: str) -> dict[str, str]:
    """Every person-facing text of ``file_name`` in ``language``, checked against English.

    Raises :class:`KnowledgeError` naming the file and the key when a text has
    no translation (here or, for a regional language, in its parent), when a
    key is not a person-facing text of the English file, or when the
    placeholders differ from the English ones.
    """
    english = english_texts(file_name)
    if language == ENGLISH:
        return english
    where = f"knowledge/i18n/{language}/{file_name}"
    own = _read_translation(language, file_name)
    own_texts = dict(own.texts) if own else {}
    extra = sorted(set(own_texts) - set(english))
    if extra:
        raise KnowledgeError(f"{where}: {extra[0]}: no such text in knowledge/{file_name}")
    up = parent(language)
    merged = {**(translated_texts(up, file_name) if up else {}), **own_texts}
    missing = [key for key in english if key not in merged]
    if missing:
        raise KnowledgeError(
            f"{where}: {missing[0]}: not translated ({len(missing)} text(s) missing)"
        )
    for key, text in own_texts.items():
        if _placeholders(text) != _placeholders(english[key]):
            raise KnowledgeError(
                f"{where}: {key}: placeholders {sorted(_placeholders(text))} differ from"
                f" the English {sorted(_placeholders(english[key]))}"
            )
    return merged


def _known(language: str) -> str:
    if language not in LANGUAGES:
        raise KnowledgeError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")
    return language


def translated_data(language: str, file_name: str) -> dict[str, Any]:
    """The raw data of an English knowledge file with its texts in ``language``."""
    data = copy.deepcopy(load.read_toml(file_name))
    if _known(language) != ENGLISH:
        for path, text in translated_texts(language, file_name).items():
            _set(data, path, text)
    return data


@dataclass(frozen=True)
class Status:
    """How a language's knowledge texts were made, and whether all are reviewed."""

    language: str
    made: tuple[str, ...]
    reviewed: bool


@cache
def status(language: str) -> Status:
    """English is the source; another language is reviewed only when every file of it is."""
    if _known(language) == ENGLISH:
        return Status(language, (), reviewed=True)
    made: list[str] = []
    reviewed = True
    for lang in (language, parent(language)):
        if lang is None:
            continue
        for file_name in translated_files():
            found = _read_translation(lang, file_name)
            if found is None:
                continue
            reviewed = reviewed and found.reviewed
            if found.made not in made:
                made.append(found.made)
    return Status(language, tuple(made), reviewed)


def check_all() -> None:
    """Load every knowledge file in every language (raises on the first gap)."""
    for language in LANGUAGES:
        for file_name in translated_files():
            translated_texts(language, file_name)
        instruments(language)
        rules(language)
        claims(language)
        vocabulary(language)
        helplines(language)
        practical_pages(language)
        today(language)
        craving(language)
        contingency(language)


# ---------------------------------------------------------------- translated models


def _where(language: str, file_name: str) -> str:
    return f"knowledge/{file_name} ({language})"


@cache
def rules(language: str) -> Rules:
    """The rules with their texts in ``language`` (thresholds and ids as in English)."""
    if language == ENGLISH:
        return load.rules()
    load.rules()  # the English file's own checks first
    return validate(Rules, translated_data(language, "rules.toml"), _where(language, "rules.toml"))


@cache
def claims(language: str) -> dict[str, Claim]:
    if language == ENGLISH:
        return load.claims()
    load.claims()
    raw = translated_data(language, "claims.toml").get("claim", [])
    where = _where(language, "claims.toml")
    return {item["id"]: validate(Claim, item, f"{where}: {item['id']}") for item in raw}


@cache
def vocabulary(language: str) -> Vocabulary:
    if language == ENGLISH:
        return load.vocabulary()
    data = translated_data(language, "vocabulary.toml")
    return validate(Vocabulary, data, _where(language, "vocabulary.toml"))


@cache
def helplines(language: str) -> Helplines:
    """The help lines with their names in ``language``.

    A deployment's own help-line file (``KETPATH_HELPLINES``) has no
    translations: its names are shown as written, in every language.
    """
    if language == ENGLISH or os.environ.get("KETPATH_HELPLINES"):
        return load.helplines()
    load.helplines()
    data = translated_data(language, "helplines.toml")
    return validate(Helplines, data, _where(language, "helplines.toml"))


@cache
def practical_pages(language: str) -> dict[str, PracticalPage]:
    if language == ENGLISH:
        return load.practical_pages()
    load.practical_pages()
    raw = translated_data(language, "practical.toml").get("page", [])
    where = _where(language, "practical.toml")
    return {item["id"]: validate(PracticalPage, item, f"{where}: {item['id']}") for item in raw}


@cache
def instruments(language: str) -> dict[str, Instrument]:
    """Every instrument with its short labels in ``language`` (scoring as in English)."""
    found: dict[str, Instrument] = {}
    for file_name in translated_files():
        if file_name.startswith("instruments/"):
            where = _where(language, file_name)
            instrument = validate(Instrument, translated_data(language, file_name), where)
            found[instrument.id] = instrument
    return found


@cache
def today(language: str) -> Today:
    """Today's milestone words and the about texts of onboarding in ``language``."""
    if language == ENGLISH:
        return load.today()
    load.today()
    return validate(Today, translated_data(language, "today.toml"), _where(language, "today.toml"))


@cache
def craving(language: str) -> CravingMoment:
    """The craving page's two graded defaults with their labels and rationales in ``language``.

    The values, grades, sources and the named sections stay as in English.
    """
    if language == ENGLISH:
        return craving_moment()
    craving_moment()  # the English file's own checks (sources, claims, sections) first
    data = translated_data(language, "craving.toml")
    return validate(CravingMoment, data, _where(language, "craving.toml"))


@cache
def contingency(language: str) -> Contingency:
    """The reward schedule's defaults with their labels in ``language`` (values as in English)."""
    if language == ENGLISH:
        return english_contingency()
    english_contingency()
    data = translated_data(language, "contingency.toml")
    return validate(Contingency, data, _where(language, "contingency.toml"))


@cache
def body_words(language: str) -> dict[str, str]:
    """The body reading's sentences (``[assessment.words]``, caveat, research note)."""
    return translated_texts(_known(language), "body.toml")


def clear_caches() -> None:
    """Forget every translated file (tests that swap the knowledge directory call this)."""
    for cached in (translated_texts, status, rules, claims, vocabulary, helplines):
        cached.cache_clear()
    practical_pages.cache_clear()
    body_words.cache_clear()
    instruments.cache_clear()
    today.cache_clear()
    craving.cache_clear()
    contingency.cache_clear()
