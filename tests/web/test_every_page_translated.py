"""Every page, read in zh-Hant and zh-Hans, has no English sentence of its own (issue 15, "Done means").

The walk is the browser walk's (``tests/walking.py``): every GET route the app
has, one example per path parameter, as an anonymous visitor, a person with a
full history, her clinician and a person whose kept session has locked. Each
page a viewer opens (200 with HTML, no redirect; 423 for the PIN screen) is
parsed and every text a person sees or a screen reader says is checked.

What is read (:class:`PageText`): the text of the document, ``<title>``
included, joined across inline elements (so "Grade <span>A</span>, sources"
is one text, as read) and cut at every other element; and the attributes a
screen reader speaks or a pointer shows: ``aria-label``, ``aria-description``,
``aria-roledescription``, ``aria-placeholder``, ``aria-valuetext``,
``title``, ``alt``, ``placeholder``, and the ``value`` of a button-like
``<input>``. Not read: ``<script>``, ``<style>``; and text that is not the
page's own wording: ``<cite>``, ``<code>``, ``<kbd>``, ``<samp>``, a list of
sources (``class="sources"``: references stay as published), anything marked
``translate="no"``, and the ``value`` of a form field (what was typed).

What a text may hold (removed before its words are counted): e-mail
addresses, web addresses and DOIs, IANA time-zone names (``Europe/London``),
what the person wrote herself (her plan), her handle, each language's own
name in the picker, and :data:`ALLOWED_WORDS` (ketpath, units).

An English word is two or more Latin letters with at least one lower-case
letter (an all-capital token is an acronym: PHQ-9, GAD-7, PIN, PDF, GHB/GBL).
A text is untranslated English when it holds two English words, or one and
no Chinese character (a button "Save", a heading "History"). Every offending
page is printed with the texts that offend, for each viewer and language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import available_timezones

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketpath.knowledge import sources as knowledge_sources
from ketpath.services import accounts
from ketpath.web.app import create_app
from ketpath.web.language import LANGUAGE_COOKIE, LANGUAGE_NAMES
from walking import (
    CLINICIAN,
    LOCKED,
    NOT_PAGES,
    PASSWORD,
    PERSON,
    PERSON_WROTE,
    VIEWERS,
    Ids,
    examples,
    get_routes,
    may_open,
    page_routes,
    seed,
)
from webtest import BASE_URL, TEST_HASHING, login, settings_for

LANGUAGES = ("zh-Hant", "zh-Hans")
EMAILS = {"person": PERSON, "clinician": CLINICIAN, "locked": LOCKED}


def _authors_surnames() -> frozenset[str]:
    """The surnames of every cited author (``Kroenke K, Spitzer RL`` → Kroenke, Spitzer).

    A translated text names a study as published ("Yu 2012"), so its authors'
    names are not English to translate. They match as written, capitalised, so
    a surname such as To never lets the word "to" through.
    """
    names: set[str] = set()
    for source in knowledge_sources().values():
        authors = source.citation.split(". ", 1)[0]
        for author in authors.split(","):
            words = author.split()  # "Kroenke K": a surname, then the initials
            if len(words) >= 2 and words[-1].isalpha() and words[-1].isupper():
                names.update(words[:-1])
    return frozenset(names)


ALLOWED_WORDS = frozenset(
    {"ketpath", "mg", "ml", "kg", "cm", "km", "min", "hr", "hrs", "et", "al"}
    # The PHQ family's licence names the company that released it for free use.
    | {"pfizer", "inc"}
)
"""Words that are not English sentences in any language: the app's name and units."""
CITED_NAMES = _authors_surnames()
SPOKEN_ATTRIBUTES = frozenset(
    {
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "aria-placeholder",
        "aria-valuetext",
        "title",
        "alt",
        "placeholder",
    }
)
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
NOT_READ = frozenset({"script", "style"})
NOT_OWN_WORDING = frozenset({"cite", "code", "kbd", "samp"})
INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "data",
        "dfn",
        "em",
        "i",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
    }
)
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+|\b10\.\d{4,9}/\S+")
ZONE_NAMES = sorted((zone for zone in available_timezones() if "/" in zone), key=len, reverse=True)
ZONE = re.compile("|".join(re.escape(zone) for zone in ZONE_NAMES))
WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class PageText(HTMLParser):
    """The texts of a page a person reads or hears, each a separate string (see the docstring)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._current: list[str] = []
        self._stack: list[tuple[str, bool]] = []
        """Open elements, each with whether its content is skipped."""

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self._stack)

    def _cut(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.texts.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        skipped = (
            tag in NOT_READ
            or tag in NOT_OWN_WORDING
            or values.get("translate") == "no"
            or "sources" in values.get("class", "").split()
        )
        if tag not in INLINE:
            self._cut()
        elif skipped:
            self._current.append(" ")
        if not self._skipping() and not skipped:
            spoken = [values[name] for name in sorted(SPOKEN_ATTRIBUTES) if name in values]
            if tag == "input" and values.get("type") in BUTTON_INPUTS:
                spoken.append(values.get("value", ""))
            self.texts += [" ".join(text.split()) for text in spoken if text.strip()]
        if tag not in VOID:
            self._stack.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                skipped = self._stack[depth][1]
                del self._stack[depth:]
                break
        else:
            return
        if tag not in INLINE:
            self._cut()
        elif skipped:
            self._current.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self._current.append(data)

    def close(self) -> None:
        super().close()
        self._cut()


def page_texts(html: str) -> list[str]:
    parser = PageText()
    parser.feed(html)
    parser.close()
    return parser.texts


def english_words(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """The English words of ``text`` once addresses, zone names and ``allowed`` texts are removed."""
    for each in sorted(allowed, key=len, reverse=True):
        text = text.replace(each, " ")
    text = ZONE.sub(" ", ADDRESS.sub(" ", EMAIL.sub(" ", text)))
    return [
        word
        for word in WORD.findall(text)
        if len(word) >= 2
        and word != word.upper()
        and word.lower() not in ALLOWED_WORDS
        and word not in CITED_NAMES
    ]


def untranslated(html: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Every text of the page that is an English sentence, a phrase or a lone English word."""
    found = []
    for text in page_texts(html):
        words = english_words(text, allowed)
        if len(words) >= 2 or (words and not CHINESE.search(text)):
            found.append(text)
    return found


# ---------------------------------------------------------------- the walk


class Clock:
    """The sessions' clock: the real time plus however far the walk has moved it."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@dataclass
class Site:
    app: FastAPI
    ids: Ids
    clock: Clock
    allowed: tuple[str, ...]
    clients: dict[str, TestClient] = field(default_factory=dict)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    clock = Clock()
    app = create_app(settings_for(Path(tmp_path_factory.mktemp("walk")), session_clock=clock))
    db = app.state.db
    ids = seed(db, accounts.password_hasher(TEST_HASHING))
    allowed = (*PERSON_WROTE, ids.person_name, *LANGUAGE_NAMES.values())
    built = Site(app=app, ids=ids, clock=clock, allowed=allowed)
    yield built
    for client in built.clients.values():
        client.close()
    db.close()


def viewer_client(site: Site, viewer: str) -> TestClient:
    """The viewer's client, signed in once (the locked viewer keeps her session and it locks)."""
    if viewer not in site.clients:
        client = TestClient(site.app, base_url=BASE_URL)
        if viewer == "locked":
            signed_in = client.post(
                "/login",
                data={"email": LOCKED, "password": PASSWORD, "keep": "on"},
                follow_redirects=False,
            )
            assert signed_in.status_code == 303, signed_in.text
            # Idle past the lock time; the other viewers' sessions are not kept and last 30 minutes.
            site.clock.ahead += timedelta(minutes=6)
        elif viewer in EMAILS:
            assert login(client, EMAILS[viewer], PASSWORD).status_code == 303
        site.clients[viewer] = client
    return site.clients[viewer]


def opened(client: TestClient, viewer: str, url: str) -> str | None:
    """The page's HTML when ``url`` opens as a page for this viewer, else None."""
    response = client.get(url, follow_redirects=False)
    status = 423 if viewer == "locked" else 200
    if response.status_code != status:
        return None
    if not response.headers.get("content-type", "").startswith("text/html"):
        return None
    html: str = response.text
    return html


def walk(site: Site, viewer: str, language: str) -> dict[str, str]:
    """Every page this viewer opens, in ``language``: its URL and HTML."""
    client = viewer_client(site, viewer)
    client.cookies.set(LANGUAGE_COOKIE, language)
    pages = {}
    for route in page_routes():
        if not may_open(viewer, route):
            continue
        for url in examples(route, site.ids):
            html = opened(client, viewer, url)
            if html is not None:
                pages[url] = html
    return pages


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_page_shows_an_untranslated_english_sentence(
    site: Site, viewer: str, language: str
) -> None:
    pages = walk(site, viewer, language)
    assert pages, f"{viewer} opened no page"
    for url, html in pages.items():
        assert f'<html lang="{language}">' in html, f"{url} is not in {language}"
    found = {
        url: texts for url, html in pages.items() if (texts := untranslated(html, site.allowed))
    }
    report = "\n".join(
        f"{url} as {viewer} in {language}:\n" + "\n".join(f"    {text!r}" for text in texts)
        for url, texts in found.items()
    )
    if report:
        print(report)
    assert not found, (
        f"{len(found)} of {len(pages)} pages show English as {viewer} in {language}:\n{report}"
    )


def test_every_get_route_is_walked_or_named_as_not_a_page(site: Site) -> None:
    walked = {viewer: walk(site, viewer, "zh-Hant") for viewer in VIEWERS}
    unwalked = [
        route
        for route in page_routes()
        if not any(url in walked[viewer] for viewer in VIEWERS for url in examples(route, site.ids))
    ]
    assert unwalked == [], (
        f"no viewer opened {unwalked} as a page: give tests/walking.py an example "
        "or name the route in NOT_PAGES with the reason"
    )
    assert set(NOT_PAGES) <= set(get_routes()), "NOT_PAGES names a route the app no longer has"
    assert set(walked["locked"]) == {"/lock"}
    assert "/patients" in walked["clinician"] and "/" in walked["person"]


def test_english_pages_are_unchanged_and_read_as_english(site: Site) -> None:
    client = viewer_client(site, "person")
    client.cookies.set(LANGUAGE_COOKIE, "en")
    page = client.get("/history").text
    assert '<html lang="en">' in page
    assert "History" in page_texts(page)
    assert "History" in untranslated(page, site.allowed)


# ---------------------------------------------------------------- the check itself


def test_the_check_finds_english_text_attributes_and_lone_words() -> None:
    html = (
        '<html lang="zh-Hant"><head><title>History of uses</title></head><body>'
        '<nav aria-label="Main menu"><a href="/">今天</a></nav>'
        "<h1>Save</h1><p>你的計劃 <strong>What to do:</strong> 打電話</p>"
        '<p>評級 Grade <span class="grade">A</span>, sources</p>'
        '<img alt="A chart of cravings" src="x.png"><input type="submit" value="Log in">'
        '<input name="q" placeholder="Search here">'
        "</body></html>"
    )
    assert untranslated(html) == [
        "History of uses",
        "Main menu",
        "Save",
        "你的計劃 What to do: 打電話",
        "評級 Grade A, sources",
        "A chart of cravings",
        "Log in",
        "Search here",
    ]


def test_the_check_lets_data_references_and_acronyms_through() -> None:
    html = (
        '<html lang="zh-Hant"><head><title>ketpath</title>'
        "<script>const words = 'not read at all';</script><style>p{}</style></head><body>"
        "<p>你的 PHQ-9 分數：12；GAD-7：8。與 GHB/GBL 一起使用 40 mg</p>"
        "<p>寄到 walk-person@example.org；時區 Europe/London</p>"
        '<ul class="sources"><li>Chan WM, Wong GF. Ketamine uropathy. <em>BJU Int</em> 2019.</li></ul>'
        "<p>來源 <cite>Morgan CJA, Curran HV (2012)</cite> https://doi.org/10.1000/xyz</p>"
        '<p>應對方法：Walk round the block</p><input name="plan" value="Run the urge timer">'
        '<option lang="en">English</option><p><code>ketpath serve --lang zh-Hant</code></p>'
        '<p translate="no">Sam Lee</p>'
        "</body></html>"
    )
    assert untranslated(html, ("Walk round the block", "English")) == []
