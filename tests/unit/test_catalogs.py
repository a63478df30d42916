"""The UI catalogs: up to date with the templates and complete in every shipped language."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from ketpath.knowledge.languages import LANGUAGES, parent
from ketpath.present.i18n import LOCALE_DIR, catalog_name, translations

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = [language for language in LANGUAGES if language != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=catalog_name(language) if language else None)


def _msgids(catalog: Catalog) -> set[str]:
    return {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id
    }


@functools.cache
def _po(language: str) -> Catalog:
    """The language's catalog as committed, read once per test process.

    The checks below look up every msgid, a regional one in its parent too;
    reading the file again for each lookup made this module take minutes (a
    whole catalog parsed some thousand times per language). Nothing here
    changes a catalog, so the one reading serves every test.
    """
    return _read(LOCALE_DIR / catalog_name(language) / "LC_MESSAGES" / "ketpath.po", language)


def _translated(language: str, msgid: str) -> str:
    """The catalog's own translation, or its parent's for a regional one ('' if neither)."""
    message = _po(language).get(msgid)
    own = message.string if message is not None else ""
    text = str((own[0] if isinstance(own, (tuple, list)) else own) or "")
    if text or parent(language) is None:
        return text
    return _translated(parent(language) or "", msgid)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What `make messages` would extract from the templates and code now."""
    output = tmp_path_factory.mktemp("pot") / "ketpath.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [str(pybabel), "extract", "-F", "babel.cfg", "-k", "N_", "-o", str(output), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return _read(output)


def test_the_template_catalog_is_up_to_date_with_the_code(extracted: Catalog) -> None:
    committed = _read(LOCALE_DIR / "ketpath.pot")
    assert _msgids(extracted) == _msgids(committed), "run `make messages`"


@pytest.mark.parametrize("language", CATALOGS)
def test_every_catalog_holds_exactly_the_extracted_strings(
    language: str, extracted: Catalog
) -> None:
    assert _msgids(_po(language)) == _msgids(extracted), "run `make messages`"


@pytest.mark.parametrize("language", CATALOGS)
def test_every_ui_string_is_translated_in_every_shipped_language(language: str) -> None:
    missing = [msgid for msgid in _msgids(_po(language)) if not _translated(language, msgid)]
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:3]}"
    fuzzy = [message.id for message in _po(language) if message.id and message.fuzzy]
    assert not fuzzy, f"{language}: fuzzy entries {fuzzy[:3]}"


@pytest.mark.parametrize("language", CATALOGS)
def test_translations_keep_every_placeholder(language: str) -> None:
    for msgid in _msgids(_po(language)):
        text = _translated(language, msgid)
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(msgid)), msgid


def test_a_regional_catalog_falls_back_to_its_parent() -> None:
    hong_kong = translations("zh-Hant-HK")
    assert hong_kong.gettext("Log in") == "登入"
    assert translations("zh-Hant-TW").gettext("Email") == "電子郵件"
    assert translations("zh-Hant").gettext("Email") == "電郵"
    assert (
        translations("zh-Hans").ngettext(
            "You have %(count)s unused recovery code.",
            "You have %(count)s unused recovery codes.",
            2,
        )
        == "你有 %(count)s 个未用的恢复码。"
    )


def test_the_grade_meanings_in_the_catalog_are_the_knowledge_bases() -> None:
    from ketpath.knowledge.load import GRADE_MEANINGS
    from ketpath.web.templating import GRADE_WORDS

    assert set(GRADE_WORDS) == set(GRADE_MEANINGS.values())
