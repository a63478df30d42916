"""A person's menu is five destinations; the rest are on More; a clinician keeps his own.

Issue 14, point 1: a bottom bar on phones (the same links as a top bar on
wide screens) instead of twelve links wrapping to three rows.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from webtest import Account


def _nav(page: str, label: str) -> list[tuple[str, str]]:
    """(href, words) of each link of the navigation named ``label``."""
    nav = re.search(rf'<nav class="[^"]*" aria-label="{label}">(.*?)</nav>', page, re.S)
    assert nav is not None, f"no {label} navigation"
    links = re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', nav.group(1), re.S)
    return [(href, " ".join(re.sub(r"<[^>]+>", " ", inner).split())) for href, inner in links]


def test_a_person_has_five_destinations_with_their_labels(
    alice: Account, client: TestClient
) -> None:
    for path in ("/", "/log", "/history", "/plan", "/more", "/help"):
        links = _nav(client.get(path).text, "Main")
        assert links == [
            ("/", "Today"),
            ("/log", "Log"),
            ("/history", "History"),
            ("/plan", "Plan"),
            ("/more", "More"),
        ], path


def test_the_page_she_is_on_is_marked_and_more_stands_for_its_pages(
    alice: Account, client: TestClient
) -> None:
    assert 'href="/history" aria-current="page"' in client.get("/history").text
    assert 'href="/more" aria-current="page"' in client.get("/learn").text
    assert 'href="/more" aria-current="page"' in client.get("/questionnaires/phq9").text
    assert 'aria-current="page"' not in client.get("/log").text.split('href="/more"')[1][:30]


def test_more_lists_every_other_page_and_log_out(alice: Account, client: TestClient) -> None:
    page = client.get("/more").text
    assert [words for _, words in _nav(page, "More")] == [
        "Questionnaires",
        "Learn",
        "Help",
        "Export",
        "Account",
        "Sharing",
        "Getting started",
    ]
    assert re.search(r'<form class="logout-form" method="post" action="/logout">', page)


def test_a_clinician_keeps_his_own_menu(bob: Account) -> None:
    page = bob.client.get("/patients").text
    assert [words for _, words in _nav(page, "Main")] == ["Patients", "Redeem a code", "Account"]
    assert "Log out" in page
    assert 'href="/more"' not in page
    assert bob.client.get("/more").status_code == 403


def test_icons_come_from_the_vendored_sprite_with_its_licence(
    alice: Account, client: TestClient
) -> None:
    page = client.get("/").text
    assert page.count('<use href="/static/icons/lucide-1.62.0.svg#') >= 5
    sprite = client.get("/static/icons/lucide-1.62.0.svg").text
    for icon in ("house", "notebook-pen", "chart-line", "clipboard-list", "menu", "undo-2"):
        assert f'<symbol id="{icon}"' in sprite
    assert "ISC License" in client.get("/static/icons/lucide-1.62.0-LICENSE.txt").text


def test_the_stylesheet_follows_the_colour_scheme_and_reduced_motion(
    client: TestClient,
) -> None:
    css = client.get("/static/ketpath-2.0.css").text
    assert "@media (prefers-color-scheme: dark)" in css
    assert "@media (prefers-reduced-motion: reduce)" in css
    assert ":focus-visible" in css
