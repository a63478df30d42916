"""A clinic's own question wording, read from local files (issue 15, point 3).

ketpath ships short labels of its own for every questionnaire, and the
published wording only where it may be reproduced and is in ketpath's files
(the English PHQ-9 and GAD-7). A clinic that holds a published version (the
publisher's Chinese PHQ-9 for Hong Kong, a licensed DAST-10) writes it into a
TOML file, one per instrument and language, and points ``ketpath serve
--wording DIR`` (or ``KETPATH_WORDING``) at the folder. The questionnaire
page then shows that wording, says where it came from, and scores the answers
as always: the codes and scores stay ketpath's, only the words change.

A file::

    instrument = "phq9"
    language = "zh-Hant-HK"
    source = "PHQ-9, Chinese for Hong Kong, from the publisher's site, 2026-11"

    [items]          # every item of the instrument, by id
    q1 = "..."

    [options]        # optional: answer labels by code, for every item having that code
    0 = "..."

Every problem is an error naming the file and the field: an unknown
instrument, language, item or answer code, a missing item (a mix of published
questions and our labels would be neither version), an empty text, or two
files for one instrument and language.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ketpath.knowledge import languages
from ketpath.knowledge.instruments import Ident, Instrument, instruments
from ketpath.knowledge.load import KnowledgeError, NonEmpty, validate


class ClinicWording(BaseModel):
    """One instrument's wording in one language, as a clinic supplied it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instrument: Ident
    language: NonEmpty
    source: NonEmpty
    """Where the text came from (publisher, version, date), shown under the questions."""
    items: dict[str, NonEmpty] = Field(min_length=1)
    options: dict[str, NonEmpty] = Field(default_factory=dict)
    """Answer labels by code (as text keys, TOML's way), for every item having that code."""

    def option_label(self, code: int) -> str | None:
        return self.options.get(str(code))


Wordings = Mapping[tuple[str, str], ClinicWording]
"""Clinic wordings by (instrument id, language)."""


def load_wording(path: str | Path, instrument_id: str | None = None) -> ClinicWording:
    """Read a clinic's wording file and check it against its instrument.

    If ``instrument_id`` is given, the file must be for that instrument.
    """
    where = str(path)
    try:
        with Path(path).open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as error:
        raise KnowledgeError(f"{where}: file not found") from error
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{where}: {error}") from error
    wording = validate(ClinicWording, data, where)
    known = instruments()
    if wording.instrument not in known:
        raise KnowledgeError(
            f"{where}: instrument: unknown instrument {wording.instrument!r}; "
            f"known: {', '.join(sorted(known))}"
        )
    if instrument_id is not None and wording.instrument != instrument_id:
        raise KnowledgeError(
            f"{where}: instrument: file is for {wording.instrument!r}, not {instrument_id!r}"
        )
    if wording.language not in languages.LANGUAGES:
        raise KnowledgeError(
            f"{where}: language: unknown language {wording.language!r}; "
            f"known: {', '.join(languages.LANGUAGES)}"
        )
    _check_against(wording, known[wording.instrument], where)
    return wording


def _check_against(wording: ClinicWording, instrument: Instrument, where: str) -> None:
    item_ids = instrument.item_ids
    for item_id in wording.items:
        if item_id not in item_ids:
            raise KnowledgeError(
                f"{where}: items.{item_id}: unknown item {item_id!r} for "
                f"{instrument.id}; known items: {', '.join(item_ids)}"
            )
    missing = [item_id for item_id in item_ids if item_id not in wording.items]
    if missing:
        raise KnowledgeError(
            f"{where}: items: missing {', '.join(missing)}; a clinic's wording gives "
            f"every question of {instrument.short_name} ({len(item_ids)})"
        )
    codes = {str(option.code) for item in instrument.items for option in item.options}
    for code in wording.options:
        if code not in codes:
            raise KnowledgeError(
                f"{where}: options.{code}: no item of {instrument.short_name} has answer "
                f"code {code}; codes: {', '.join(sorted(codes, key=int))}"
            )


def load_wordings(folder: str | Path) -> dict[tuple[str, str], ClinicWording]:
    """Every ``*.toml`` wording file in ``folder``, checked, by (instrument, language)."""
    directory = Path(folder)
    if not directory.is_dir():
        raise KnowledgeError(f"{directory}: not a folder (the clinic's wording files)")
    found: dict[tuple[str, str], ClinicWording] = {}
    files: dict[tuple[str, str], Path] = {}
    for path in sorted(directory.glob("*.toml")):
        wording = load_wording(path)
        key = (wording.instrument, wording.language)
        if key in files:
            raise KnowledgeError(
                f"{path}: instrument {key[0]!r} in {key[1]!r} is already worded by "
                f"{files[key].name}; keep one file per instrument and language"
            )
        found[key] = wording
        files[key] = path
    return found


def wording_for(wordings: Wordings, instrument_id: str, language: str) -> ClinicWording | None:
    """The clinic's wording for a page in ``language``, or a regional one's parent's."""
    here: str | None = language
    while here is not None:
        wording = wordings.get((instrument_id, here))
        if wording is not None:
            return wording
        here = languages.parent(here)
    return None
