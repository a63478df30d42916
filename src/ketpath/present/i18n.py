"""UI strings built in Python, in the language of the page or command being served.

The templates translate their own strings (Jinja2's i18n extension); text that
Python builds — a form error, a notice, a chart's axis, a card's sentence —
goes through this module instead, from the same catalogs
(``ketpath/locale/<language>/LC_MESSAGES/ketpath.po``)::

    from ketpath.present.i18n import _, ngettext, N_

    _("Enter a number between %(low)s and %(high)s.", low=1, high=10)
    ngettext("%(num)s use", "%(num)s uses", count)
    LABELS = {"use": N_("Use")}          # marked here, translated where shown: _(LABELS[kind])

The language is the current context's (``use_language``): the web app sets it
for each request from the person's choice or the browser; the command line
from ``--lang`` or ``LANG``. Without one it is English, so library code and
tests that never choose a language get the English msgid unchanged.

Variables are filled with ``%`` after translating, as Jinja2's new-style
gettext does, so a translation may move them; ``ngettext`` passes the count as
``num``. The catalogs are compiled in memory the first time a language is
used; a regional catalog (``zh_Hant_HK``) leaves empty what its parent
(``zh_Hant``) already says and falls back to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from ketpath.knowledge.languages import ENGLISH, LANGUAGES, parent

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "ketpath"

_language: ContextVar[str] = ContextVar("ketpath_language", default=ENGLISH)


def N_(message: str) -> str:  # noqa: N802 - the name Babel's extractor looks for
    """Mark a string for the catalog without translating it here (it is translated where shown)."""
    return message


def catalog_name(language: str) -> str:
    """The gettext directory of a BCP 47 language: ``zh-Hant-HK`` → ``zh_Hant_HK``."""
    return language.replace("-", "_")


def _compiled(language: str) -> Translations | None:
    path = LOCALE_DIR / catalog_name(language) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return None
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=catalog_name(language))
    for message in list(catalog):
        # write_mo leaves out an empty singular entry but keeps an empty plural one (its
        # msgstr is a tuple of empty strings, which is truthy) and writes the English
        # msgid in its place, so a regional catalog would answer in English instead of
        # falling back to its parent: such entries are dropped here.
        if message.id and isinstance(message.string, tuple) and not any(message.string):
            del catalog[message.id]
    compiled = BytesIO()
    write_mo(compiled, catalog)  # empty and fuzzy entries are left out, so they fall back
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@cache
def translations(language: str) -> NullTranslations:
    """The catalog of ``language``, falling back to its parent's, then to the English msgid."""
    if language == ENGLISH:
        return NullTranslations()
    own = _compiled(language)
    up = parent(language)
    fallback = translations(up) if up else NullTranslations()
    if own is None:
        return fallback
    own.add_fallback(fallback)
    return own


def current_language() -> str:
    """The language of the page or command being served (English unless one was chosen)."""
    return _language.get()


@contextmanager
def use_language(language: str) -> Iterator[str]:
    """Within the block, ``_`` and ``ngettext`` answer in ``language`` (English if not shipped)."""
    chosen = language if language in LANGUAGES else ENGLISH
    token = _language.set(chosen)
    try:
        yield chosen
    finally:
        _language.reset(token)


def set_language(language: str) -> Token[str]:
    """Answer in ``language`` from now on in this context: for a whole command-line run.

    Returns the token that puts the previous language back (``reset_language``),
    so a command run inside a longer-lived process (a test) does not leave its
    language behind.
    """
    return _language.set(language if language in LANGUAGES else ENGLISH)


def reset_language(token: Token[str]) -> None:
    """Put back the language that ``set_language`` replaced."""
    _language.reset(token)


def _(message: str, /, **variables: object) -> str:
    """``message`` in the current language, with ``%(name)s`` variables filled in."""
    text = translations(_language.get()).gettext(message)
    return text % variables if variables else text


def gettext(message: str, /, **variables: object) -> str:
    """The same as ``_``, for code that reads better with the long name."""
    return _(message, **variables)


def ngettext(singular: str, plural: str, count: int, /, **variables: object) -> str:
    """The plural form the current language needs for ``count``; ``%(num)s`` is the count."""
    text = translations(_language.get()).ngettext(singular, plural, count)
    return text % {"num": count, **variables}
