"""axe-core finds no violation on any page, light and dark, on a phone and a desktop.

Issue 14 ("Done means"): 0 violations on every page in both schemes. The pages
are not listed by hand: every GET route of the app is read from the app itself
(the included routers too), and each is either a page, visited with one example
for each path parameter (:func:`_examples`), or named in :data:`NOT_PAGES`
(downloads, data, the service worker) with the reason. A new page is walked
without anyone adding it; a new route that no viewer can open as a page fails
:func:`test_every_get_route_is_walked_or_named_as_not_a_page` until it gets an
example or a reason.

Four viewers walk them: an anonymous visitor, a person with weeks of entries,
four red flags, a questionnaire and a clinic's drug screen (which she can
dispute), the clinician she shares with, and a person whose kept session has
locked (the PIN screen). A route is a viewer's page when it answers that viewer
200 with HTML (423 for the PIN screen), without a redirect. Each page is
checked at 360 and 1280 px, in the light scheme and then the dark one
(``emulate_media``), with every impact counted, not only the serious ones, and
kept as a full-page screenshot (``artifacts/screenshots/walk-*.png``).

axe is injected as a script tag, which the app's CSP (rightly) refuses, so the
browser contexts of this test alone bypass CSP. The vendored file carries its
version in its name (``vendor/axe-<version>.min.js``) and its licence beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from fastapi.routing import APIRoute
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from e2e.browsing import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    confirm_welcome,
    require_chromium,
    snap,
)
from ketpath.core.records import DrugScreen
from ketpath.interop.jsonl import parse_jsonl
from ketpath.knowledge import claims
from ketpath.present.practical import practical_index
from ketpath.services import accounts, import_records, open_database, person_entries
from ketpath.services.consent import add_patient_records, create_share, redeem_code
from ketpath.services.contingency import save_schedule_as_clinician
from ketpath.web.app import create_app
from ketpath.web.onboarding import STEPS as ONBOARDING_STEPS
from ketpath.web.settings import Settings
from webtest import TEST_HASHING, LiveServer, free_port

AXE = next((Path(__file__).parent / "vendor").glob("axe-*.min.js"))
PASSWORD = "a long and private passphrase"
PERSON = "axe-person@example.org"
CLINICIAN = "axe-clinician@clinic.example.org"
LOCKED = "axe-locked@example.org"
PIN = "482916"
IDLE_MS = 7_500
SIZES: tuple[ViewportSize, ...] = (PHONE, DESKTOP)
REWARDS = {
    "start_value": "2.50",
    "increment": "1.50",
    "max_value": "10",
    "return_after": 3,
    "reset_on_missed": True,
}
SCHEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")

#: GET routes that are not pages a person reads, each with the reason.
NOT_PAGES = {
    "/openapi.json": "the API's schema (JSON)",
    "/healthz": "the health check (JSON)",
    "/manifest.webmanifest": "the web app manifest (JSON)",
    "/sw.js": "the service worker's script",
    "/export/records.jsonl": "a download: the person's records",
    "/export/fhir.json": "a download: the FHIR bundle",
    "/report.pdf": "a download: the PDF summary",
    "/patients/{patient_id}/report.pdf": "a download: the patient's PDF summary",
    "/calendar/{token}.ics": "a calendar feed for a calendar program",
}
#: Every ``/api/...`` route answers JSON to a program, not a page to a person.
API_PREFIX = "/api/"

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


def get_routes() -> list[str]:
    """The path of every GET route of the app, the included routers' too."""
    app = create_app(Settings(database_url=":memory:"))

    def walk(routes: list[Any]) -> list[str]:
        found = []
        for route in routes:
            if isinstance(route, APIRoute) and "GET" in (route.methods or set()):
                found.append(route.path)
            elif hasattr(route, "original_router"):
                found += walk(route.original_router.routes)
        return found

    found = walk(list(app.router.routes))
    found += [
        path for r in app.router.routes if (path := getattr(r, "path", "")) == "/openapi.json"
    ]
    return sorted(set(found))


def page_routes() -> list[str]:
    return [r for r in get_routes() if r not in NOT_PAGES and not r.startswith(API_PREFIX)]


@dataclass(frozen=True)
class Clinic:
    """The walk's server and the ids its examples name."""

    url: str
    patient_id: int
    own_record_id: int
    clinic_record_id: int


def _history(now: datetime) -> str:
    """Weeks of uses and cravings, four red flags (an emergency among them) and a PHQ-9."""

    def ago(**delta: float) -> str:
        return (now - timedelta(**delta)).isoformat()

    lines = ['{"type":"profile","timezone":"Europe/London"}']
    for day in range(4, 40, 3):
        lines.append(
            f'{{"type":"use","time":"{ago(days=day)}","dose_mg":{40 + day},'
            '"route":"intranasal","setting":"home-alone","motive":"cope-stress"}'
        )
        lines.append(f'{{"type":"craving","time":"{ago(days=day)}","intensity":{day % 10}}}')
        lines.append(f'{{"type":"mood","time":"{ago(days=day, hours=1)}","score":{day % 11}}}')
    lines += [
        f'{{"type":"symptom","time":"{ago(days=20)}","symptom":"jaundice","severity":2}}',
        f'{{"type":"symptom","time":"{ago(days=2)}","symptom":"blood-in-urine","severity":2}}',
        f'{{"type":"use","time":"{ago(hours=3)}","co_use":["opioids"]}}',
        f'{{"type":"symptom","time":"{ago(hours=1)}","symptom":"seizure","severity":3}}',
        f'{{"type":"questionnaire","time":"{ago(days=3)}","instrument":"phq9",'
        '"answers":[1,2,1,1,0,1,0,1,0]}',
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """A server whose kept sessions lock after six idle seconds, and its accounts.

    Only the locked viewer keeps its session, so the other viewers never lock.
    """
    require_chromium()
    database = tmp_path_factory.mktemp("axe") / "axe.db"
    live = LiveServer(
        database=database, port=free_port(), arguments=("--lock-after-minutes", "0.1")
    )
    live.start()
    try:
        hasher = accounts.password_hasher(TEST_HASHING)
        with open_database(str(database)) as db:
            person = accounts.register(db, email=PERSON, password=PASSWORD, hasher=hasher)
            clinician = accounts.register(
                db, email=CLINICIAN, password=PASSWORD, role="clinician", hasher=hasher
            )
            accounts.register(db, email=LOCKED, password=PASSWORD, hasher=hasher)
            assert person.person_name is not None
            now = datetime.now(UTC)
            records = parse_jsonl(_history(now).splitlines())
            import_records(db, person.person_name, records, create=False)
            patient_id = redeem_code(
                db, clinician=clinician, code=create_share(db, user=person).code
            )
            screen = DrugScreen(time=now - timedelta(days=5), result="positive", method="urine")
            [clinic_record_id] = add_patient_records(
                db, clinician=clinician, patient_id=patient_id, records=[screen]
            )
            own = [
                e.id for e in person_entries(db, person.person_name) if e.created_role == "person"
            ]
            # A clinic that runs rewards for her, so both rewards pages show a schedule.
            start = (now - timedelta(days=30)).date().isoformat()
            save_schedule_as_clinician(
                db, clinician=clinician, patient_id=patient_id, settings={**REWARDS, "start": start}
            )
        yield Clinic(
            url=live.url,
            patient_id=patient_id,
            own_record_id=own[-1],
            clinic_record_id=clinic_record_id,
        )
    finally:
        live.stop()


def _examples(path: str, clinic: Clinic) -> list[str]:
    """The route with one example for each path parameter (two for ``/learn/{topic}``, every onboarding step)."""
    record = (
        clinic.clinic_record_id if path.endswith(("/dispute", "/correct")) else clinic.own_record_id
    )
    values: dict[str, list[str]] = {
        "patient_id": [str(clinic.patient_id)],
        "record_id": [str(record)],
        "instrument_id": ["phq9"],
        "step": list(ONBOARDING_STEPS),  # each step of the first run is a page of its own
        # An article of the audit, and a practical page (another template).
        "topic": [next(iter(claims().values())).topic, str(practical_index()[0]["id"])],
    }
    names = re.findall(r"\{([^}]+)\}", path)
    missing = [name for name in names if name not in values]
    assert not missing, f"{path}: give _examples a value for {missing}"
    urls = [path]
    for name in names:
        urls = [url.replace(f"{{{name}}}", value) for url in urls for value in values[name]]
    return urls


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


@pytest.fixture(scope="module")
def viewers(browser: Browser, clinic: Clinic) -> Iterator[dict[str, Page]]:
    """A page for each viewer: anonymous, the person, her clinician, a locked person."""
    contexts = {
        name: browser.new_context(viewport=PHONE, bypass_csp=True)
        for name in ("anonymous", "person", "clinician", "locked")
    }
    base = clinic.url
    locked = _log_in(contexts["locked"], base, LOCKED, keep=True)
    locked.goto(f"{base}/account")
    locked.get_by_label("PIN", exact=True).fill(PIN)
    locked.get_by_label("The same PIN again").fill(PIN)
    locked.get_by_role("button", name="Set PIN").click()
    locked.wait_for_url(f"{base}/account?pin=set#devices-heading")
    pages = {
        "anonymous": contexts["anonymous"].new_page(),
        "person": _log_in(contexts["person"], base, PERSON),
        "clinician": _log_in(contexts["clinician"], base, CLINICIAN),
        "locked": locked,
    }
    pages["locked"].wait_for_timeout(IDLE_MS)
    yield pages
    for context in contexts.values():
        context.close()


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


def _shoot(page: Page, url: str, viewer: str, size: ViewportSize, scheme: str) -> None:
    """A full-page screenshot, kept as an artefact: ``walk-<viewer>-<page>-<width>-<scheme>``."""
    slug = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "today"
    name = f"walk-{viewer}-{slug}-{size['width']}-{scheme}.png"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@dataclass
class Walk:
    opened: dict[str, list[str]]
    """By route, the viewers it opened for as a page."""
    found: dict[str, list[dict[str, Any]]]
    """By "url, viewer, width, scheme", the violations axe found."""


@pytest.fixture(scope="module")
def walk(viewers: dict[str, Page], clinic: Clinic) -> Walk:
    """Every page route, for every viewer, at both widths and in both schemes."""
    done = Walk(opened={}, found={})
    for route in page_routes():
        done.opened[route] = []
        for url in _examples(route, clinic):
            for viewer, page in viewers.items():
                if (viewer == "locked") != (route == "/lock"):
                    continue  # the locked viewer sees only the PIN screen
                for size in SIZES:
                    page.set_viewport_size(size)
                    page.emulate_media(color_scheme="light")
                    # A locked session's PIN screen answers 423 Locked.
                    status = 423 if viewer == "locked" else 200
                    if not _opened(page, f"{clinic.url}{url}", status=status):
                        break
                    if viewer not in done.opened[route]:
                        done.opened[route].append(viewer)
                    for scheme in SCHEMES:
                        page.emulate_media(color_scheme=scheme)
                        _shoot(page, url, viewer, size, scheme)
                        violations = _violations(page)
                        if violations:
                            where = f"{url} as {viewer} at {size['width']} px, {scheme}"
                            done.found[where] = violations
                page.set_viewport_size(PHONE)
    person = viewers["person"]
    for url, name in (
        ("/", "13-dashboard-weeks-of-use-and-an-emergency"),
        ("/history", "14-history-weeks-of-use"),
    ):
        person.emulate_media(color_scheme="light")
        person.goto(f"{clinic.url}{url}")
        snap(person, name)
    return done


def test_every_get_route_is_walked_or_named_as_not_a_page(walk: Walk) -> None:
    unwalked = sorted(route for route, viewers in walk.opened.items() if not viewers)
    assert unwalked == [], (
        f"no viewer opened {unwalked} as a page: give the walk an example "
        "or name the route in NOT_PAGES with the reason"
    )
    assert set(NOT_PAGES) <= set(get_routes()), "NOT_PAGES names a route the app no longer has"


def test_the_walk_reaches_each_viewers_pages(walk: Walk, viewers: dict[str, Page]) -> None:
    opened = walk.opened
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
    locked = viewers["locked"]
    assert locked.url.endswith("/lock")
    expect(locked.get_by_role("heading", name="ketpath is locked")).to_be_visible()


def test_no_page_has_an_axe_violation_light_or_dark(walk: Walk) -> None:
    assert walk.found == {}


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
