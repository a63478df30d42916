"""axe-core finds no violation on any page, light and dark, on a phone and a desktop, and in zh-Hant-HK.

Issue 14 ("Done means"): 0 violations on every page in both schemes. Issue 15
("Done means"): every page in zh-Hant-HK at 360 px kept as a screenshot,
axe-core clean, and no text overflowing. The pages are not listed by hand:
``tests/walking.py`` reads every GET route from the app (the web test that
fails on untranslated English walks the same list), and each is either a
page, visited with one example for each path parameter, or named in
``NOT_PAGES`` with the reason. A new page is walked without anyone adding it;
a new route that no viewer can open as a page fails
:func:`test_every_get_route_is_walked_or_named_as_not_a_page` until it gets
an example or a reason.

Four viewers walk them: an anonymous visitor, a person with weeks of entries,
four red flags, a goal, a plan, a questionnaire and a clinic's drug screen
(which she can dispute), the clinician she shares with, and a person whose
kept session has locked (the PIN screen). A route is a viewer's page when it
answers that viewer 200 with HTML (423 for the PIN screen), without a
redirect. In English each page is checked at 360 and 1280 px, in the light
scheme and then the dark one (``emulate_media``), with every impact counted,
not only the serious ones, and kept as a full-page screenshot
(``artifacts/screenshots/walk-*.png``); in zh-Hant-HK at 360 px, light
(``zh-Hant-HK-*.png``), with the overflow check of :data:`OVERFLOW`.

The walk is split by viewer and width, so pytest-xdist spreads it over its
workers; each worker starts one server and signs each viewer in once (session
fixtures), and the locked viewer's idle time passes while the others walk.

axe is injected as a script tag, which the app's CSP (rightly) refuses, so the
browser contexts of this test alone bypass CSP. The vendored file carries its
version in its name (``vendor/axe-<version>.min.js``) and its licence beside it.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from e2e.browsing import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    confirm_welcome,
    require_chromium,
    snap,
)
from ketpath.services import accounts, open_database
from walking import (
    CLINICIAN,
    LOCKED,
    NOT_PAGES,
    PASSWORD,
    PERSON,
    VIEWERS,
    Ids,
    examples,
    get_routes,
    may_open,
    page_routes,
    seed,
    slug,
)
from webtest import TEST_HASHING, LiveServer, free_port

AXE = next((Path(__file__).parent / "vendor").glob("axe-*.min.js"))
LOCK_AFTER_MINUTES = 0.1
IDLE_SECONDS = LOCK_AFTER_MINUTES * 60 + 1.5
"""How long the locked viewer sits idle before her session is locked."""
SIZES: tuple[ViewportSize, ...] = (PHONE, DESKTOP)
SCHEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
HONG_KONG = "zh-Hant-HK"
LANGUAGE_COOKIE = "ketpath_lang"
EMAILS = {"person": PERSON, "clinician": CLINICIAN, "locked": LOCKED}

# axe reports text it measures at 1:1 contrast as "incomplete" (it may be hidden on
# purpose), not as a violation; on these pages that is always a bug (white on white
# once hid the emergency numbers), so measured contrast failures count too.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations", "incomplete"]});
  const shape = v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
    messages: v.nodes.slice(0, 3).flatMap(n => n.any.map(a => a.message))
  });
  const measured = result.incomplete
    .filter(v => v.id === "color-contrast")
    .map(v => ({...v, nodes: v.nodes.filter(n => n.any.some(a => /contrast ratio/.test(a.message)))}))
    .filter(v => v.nodes.length > 0);
  return [...result.violations, ...measured].map(shape);
}"""

# Text that does not fit: the page scrolls sideways, or an element that holds text
# (a text node of its own) is wider inside than its box and does not scroll on purpose
# (overflow-x auto or scroll, as a wide table's wrapper does). Inline boxes have no
# clientWidth and are measured through the block that holds them; text clipped to one
# pixel on purpose (``.visually-hidden``, read by screen readers) and charts' SVG text
# (the chart's text alternative says it all) are not measured.
OVERFLOW = """() => {
  const describe = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const over = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el instanceof SVGElement) continue;  // a chart: an image with its own text alternative
    const text = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!text) continue;
    if (el.clientWidth <= 1 || el.clientHeight <= 1) continue;  // visually hidden, or not shown
    if (el.scrollWidth <= el.clientWidth + 1) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || ["auto", "scroll"].includes(style.overflowX)) continue;
    over.push(`${describe(el)} (${el.scrollWidth} > ${el.clientWidth} px): ${(el.innerText ?? el.textContent ?? "").trim().slice(0, 60)}`);
  }
  // Where a page is wider than the viewport: the innermost elements reaching past its edge.
  const page = document.documentElement.scrollWidth;
  const past = el => el.getBoundingClientRect().right > window.innerWidth + 1;
  const wide = (page > window.innerWidth ? [...document.body.querySelectorAll("*")] : [])
    .filter(el => past(el) && ![...el.children].some(past))
    .slice(0, 5)
    .map(el => `${describe(el)} reaches ${Math.round(el.getBoundingClientRect().right)} px`);
  return {page, viewport: window.innerWidth, over, wide};
}"""


def require_chinese_fonts() -> None:
    """Chinese pages need a CJK font, or Chromium draws boxes and the screenshots are worthless."""
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
        ).stdout
    except FileNotFoundError:
        listed = ""
    if not listed.strip():
        pytest.fail(
            "no Chinese font for Chromium (fc-list :lang=zh is empty): "
            "install fonts-noto-cjk (scripts/ensure-fonts.sh, or apt-get install fonts-noto-cjk)"
        )


@dataclass(frozen=True)
class Clinic:
    """The walk's server and the ids its examples name."""

    url: str
    ids: Ids


@pytest.fixture(scope="session")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """A server whose kept sessions lock after six idle seconds, and the walk's accounts.

    One per pytest-xdist worker. Only the locked viewer keeps her session, so
    the other viewers never lock.
    """
    require_chromium()
    database = tmp_path_factory.mktemp("axe") / "axe.db"
    live = LiveServer(
        database=database,
        port=free_port(),
        arguments=("--lock-after-minutes", str(LOCK_AFTER_MINUTES)),
    )
    live.start()
    try:
        with open_database(str(database)) as db:
            ids = seed(db, accounts.password_hasher(TEST_HASHING))
        yield Clinic(url=live.url, ids=ids)
    finally:
        live.stop()


def _log_in(context: BrowserContext, base: str, email: str, *, keep: bool = False) -> Page:
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    if keep:
        page.get_by_label("Keep me signed in on this device").check()
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if page.url.endswith("/welcome"):
        confirm_welcome(page, base)
    return page


@dataclass
class Viewers:
    """A page for each viewer, each signed in once for the whole run (of this worker).

    The locked viewer signs in first, keeping her session (her PIN is set by
    :func:`walking.seed`); :meth:`page` waits only for what is left of her idle
    time, which the other viewers' walking has usually used up.
    """

    browser: Browser
    clinic: Clinic
    pages: dict[str, Page] = field(default_factory=dict)
    locked_since: float = 0.0

    def __post_init__(self) -> None:
        self.pages["locked"] = self._signed_in("locked")
        self.locked_since = time.monotonic()

    def _signed_in(self, viewer: str) -> Page:
        context = self.browser.new_context(viewport=PHONE, bypass_csp=True)
        if viewer == "anonymous":
            return context.new_page()
        return _log_in(context, self.clinic.url, EMAILS[viewer], keep=viewer == "locked")

    def page(self, viewer: str) -> Page:
        if viewer == "locked":
            left = self.locked_since + IDLE_SECONDS - time.monotonic()
            if left > 0:
                time.sleep(left)
        elif viewer not in self.pages:
            self.pages[viewer] = self._signed_in(viewer)
        return self.pages[viewer]

    def in_language(self, viewer: str, language: str) -> Page:
        """The viewer's page, its device set to ``language`` (as chosen on Account)."""
        page = self.page(viewer)
        page.context.add_cookies(
            [{"name": LANGUAGE_COOKIE, "value": language, "url": self.clinic.url}]
        )
        return page

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="session")
def viewers(browser: Browser, clinic: Clinic) -> Iterator[Viewers]:
    signed_in = Viewers(browser, clinic)
    yield signed_in
    signed_in.close()


@pytest.fixture(scope="session")
def opened(viewers: Viewers, clinic: Clinic) -> dict[str, list[str]]:
    """By route, the viewers it opens for as a page (asked without rendering; the locked viewer last)."""
    found: dict[str, list[str]] = {route: [] for route in page_routes()}
    for viewer in VIEWERS:
        request = viewers.in_language(viewer, "en").context.request
        for route, seen_by in found.items():
            if not may_open(viewer, route):
                continue
            for url in examples(route, clinic.ids):
                response = request.get(f"{clinic.url}{url}", max_redirects=0)
                status = 423 if viewer == "locked" else 200
                html = response.headers.get("content-type", "").startswith("text/html")
                if response.status == status and html and viewer not in seen_by:
                    seen_by.append(viewer)
    return found


def _pages(opened: dict[str, list[str]], viewer: str, clinic: Clinic) -> list[str]:
    """Every URL the viewer opens as a page."""
    return [
        url
        for route, seen_by in opened.items()
        if viewer in seen_by
        for url in examples(route, clinic.ids)
    ]


def _violations(page: Page) -> list[dict[str, Any]]:
    """Every axe violation on the page as it is now (axe injected if it is not yet)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return found


def _serious(page: Page) -> list[dict[str, Any]]:
    return [v for v in _violations(page) if v["impact"] in {"serious", "critical"}]


def _opened(page: Page, url: str, *, status: int = 200) -> bool:
    """Whether ``url`` opens as an HTML page for this viewer (``status``, no redirect)."""
    response = page.goto(url)
    return (
        response is not None
        and response.status == status
        and response.headers.get("content-type", "").startswith("text/html")
        and page.url.split("#")[0] == url
    )


def _shoot(page: Page, name: str) -> None:
    """A full-page screenshot, kept as an artefact under ``artifacts/screenshots``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_every_get_route_is_walked_or_named_as_not_a_page(opened: dict[str, list[str]]) -> None:
    unwalked = sorted(route for route, seen_by in opened.items() if not seen_by)
    assert unwalked == [], (
        f"no viewer opened {unwalked} as a page: give tests/walking.py an example "
        "or name the route in NOT_PAGES with the reason"
    )
    assert set(NOT_PAGES) <= set(get_routes()), "NOT_PAGES names a route the app no longer has"


def test_the_walk_reaches_each_viewers_pages(
    opened: dict[str, list[str]], viewers: Viewers
) -> None:
    assert opened["/"] == ["person"]
    assert opened["/history"] == ["person"]
    assert opened["/login"] == ["anonymous"]
    assert opened["/lock"] == ["locked"]
    assert opened["/patients"] == ["clinician"]
    assert opened["/patients/{patient_id}"] == ["clinician"]
    assert opened["/records/{record_id}/dispute"] == ["person"]
    assert set(opened["/account"]) == {"person", "clinician"}
    assert opened["/rewards"] == ["person"]
    assert opened["/onboarding/{step}"] == ["person"]
    assert opened["/patients/{patient_id}/rewards/settings"] == ["clinician"]
    locked = viewers.in_language("locked", "en")
    response = locked.goto(f"{viewers.clinic.url}/history")
    assert response is not None and response.status == 423  # the PIN screen, nothing else
    expect(locked.get_by_role("heading", name="ketpath is locked")).to_be_visible()


@pytest.mark.parametrize("size", SIZES, ids=lambda size: str(size["width"]))
@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_page_has_an_axe_violation_light_or_dark(
    viewer: str, size: ViewportSize, viewers: Viewers, opened: dict[str, list[str]], clinic: Clinic
) -> None:
    """Every page this viewer opens, at this width, in both schemes: ``walk-<viewer>-<page>-<width>-<scheme>``."""
    page = viewers.in_language(viewer, "en")
    page.set_viewport_size(size)
    status = 423 if viewer == "locked" else 200  # a locked session's PIN screen: 423 Locked
    found: dict[str, list[dict[str, Any]]] = {}
    urls = _pages(opened, viewer, clinic)
    try:
        for url in urls:
            assert _opened(page, f"{clinic.url}{url}", status=status), f"{url} as {viewer}"
            for scheme in SCHEMES:
                page.emulate_media(color_scheme=scheme)
                _shoot(page, f"walk-{viewer}-{slug(url)}-{size['width']}-{scheme}")
                violations = _violations(page)
                if violations:
                    found[f"{url} as {viewer} at {size['width']} px, {scheme}"] = violations
            page.emulate_media(color_scheme="light")
    finally:
        page.emulate_media(color_scheme="light")
        page.set_viewport_size(PHONE)
    assert urls, f"{viewer} opened no page"
    assert found == {}, _listed(found)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_page_in_hong_kong_chinese_fits_a_phone_and_is_axe_clean(
    viewer: str, viewers: Viewers, opened: dict[str, list[str]], clinic: Clinic
) -> None:
    """At 360 px, light, in zh-Hant-HK: ``zh-Hant-HK-<viewer>-<page>.png``, axe, and no overflow."""
    require_chinese_fonts()
    page = viewers.in_language(viewer, HONG_KONG)
    page.set_viewport_size(PHONE)
    page.emulate_media(color_scheme="light")
    status = 423 if viewer == "locked" else 200
    found: dict[str, list[dict[str, Any]]] = {}
    overflowing: dict[str, Any] = {}
    urls = _pages(opened, viewer, clinic)
    try:
        for url in urls:
            assert _opened(page, f"{clinic.url}{url}", status=status), f"{url} as {viewer}"
            assert page.locator("html").get_attribute("lang") == HONG_KONG, url
            _shoot(page, f"{HONG_KONG}-{viewer}-{slug(url)}")
            violations = _violations(page)
            if violations:
                found[f"{url} as {viewer}"] = violations
            fit = page.evaluate(OVERFLOW)
            if fit["page"] > fit["viewport"] or fit["over"]:
                overflowing[f"{url} as {viewer}"] = fit
    finally:
        viewers.in_language(viewer, "en")
    assert urls, f"{viewer} opened no page"
    assert found == {}, _listed(found)
    assert overflowing == {}, "\n".join(
        f"{where}: page {fit['page']} px wide in a {fit['viewport']} px viewport; "
        + "; ".join(fit["over"] + fit["wide"])
        for where, fit in overflowing.items()
    )


def _listed(found: dict[str, list[dict[str, Any]]]) -> str:
    """One line per page and violation: what axe says and where."""
    return "\n".join(
        f"{where}: {v['id']} ({v['impact']}) {v['help']} at {', '.join(v['targets'])}"
        for where, violations in found.items()
        for v in violations
    )


def test_the_person_s_dashboard_and_history_are_kept_at_both_widths(
    viewers: Viewers, clinic: Clinic
) -> None:
    person = viewers.in_language("person", "en")
    person.emulate_media(color_scheme="light")
    for url, name in (
        ("/", "13-dashboard-weeks-of-use-and-an-emergency"),
        ("/history", "14-history-weeks-of-use"),
    ):
        person.goto(f"{clinic.url}{url}")
        expect(person.locator("h1")).not_to_be_empty()
        snap(person, name)
    person.goto(f"{clinic.url}/")
    expect(person.locator("article.red-flag")).to_have_count(4)


def test_the_scan_does_find_a_serious_violation_when_there_is_one(browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    page.set_content('<html lang="en"><body><main><h1>x</h1><input id="a"></main></body></html>')
    serious = _serious(page)
    context.close()
    assert "label" in [v["id"] for v in serious]


def test_the_scan_counts_text_measured_at_one_to_one_contrast(browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>x</h1>'
        '<p><a href="tel:999" style="color:#fff;background:#fff">999</a></p></main></body></html>'
    )
    serious = _serious(page)
    context.close()
    assert "color-contrast" in [v["id"] for v in serious]


def test_the_scan_sees_the_dark_scheme(browser: Browser) -> None:
    """A text readable in light and unreadable in dark is found only in the dark scheme."""
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    page.set_content(
        '<html lang="en"><head><title>t</title><style>'
        "body{background:#fff;color:#111} p{color:#222}"
        "@media (prefers-color-scheme: dark){body{background:#111} p{color:#181818}}"
        "</style></head><body><main><h1>x</h1><p>Call 999</p></main></body></html>"
    )
    page.emulate_media(color_scheme="light")
    light = _violations(page)
    page.emulate_media(color_scheme="dark")
    dark = _violations(page)
    context.close()
    assert "color-contrast" not in [v["id"] for v in light]
    assert "color-contrast" in [v["id"] for v in dark]
