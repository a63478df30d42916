"""Lighthouse on Today, Log and History at phone size: accessibility and best practices >= 0.95.

Issue 14 ("Done means"). Lighthouse is pinned with npm in ``tools/lighthouse``
(``scripts/ensure-lighthouse.sh``, run by ``make test``, installs it; 12.2.3 is
the last release that runs on Node 20) and drives Debian's Chromium. A person
with four red flags (the design-system journey's history) is signed in through
the browser; Lighthouse gets her session cookie in a headers file passed with
``--extra-headers``, never in a URL. The JSON reports are kept beside the
screenshots (``artifacts/screenshots/lighthouse-*.json``).

Installability: Lighthouse 12 removed its PWA category and with it the
``installable-manifest`` and service-worker audits (no such audit is in
``node_modules/lighthouse/core``; :func:`test_lighthouse_has_no_installability_audit`
notices if a later pin brings one back). So the install criteria are checked
with Chrome's own check instead: ``Page.getInstallabilityErrors`` over a CDP
session on Today returns no errors, and a service worker is registered, active
and controls the page.

Skipped only when Node.js is absent, and never in CI (``CI=true``), where that
is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ViewportSize, expect

from e2e.browsing import CHROMIUM, CHROMIUM_ARGS, ROOT, SCREENSHOTS, register
from e2e.test_design_system import _four_flags

TOOL = ROOT / "tools" / "lighthouse"
LIGHTHOUSE = TOOL / "node_modules" / "lighthouse" / "cli" / "index.js"
ENSURE = ROOT / "scripts" / "ensure-lighthouse.sh"
PHONE: ViewportSize = {"width": 360, "height": 740}
PAGES = {"today": "/", "log": "/log", "history": "/history"}
CATEGORIES = ("accessibility", "best-practices")
MINIMUM = 0.95
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        reason = "node is missing, so Lighthouse cannot run; install Node.js 20 and npm"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    if not LIGHTHOUSE.exists():
        installed = subprocess.run(["sh", str(ENSURE)], check=False, capture_output=True)
        assert installed.returncode == 0, installed.stderr.decode()
    return node


@pytest.fixture(scope="module")
def signed_in(
    browser: Browser, live_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BrowserContext]:
    """A person with four red flags, signed in at phone size."""
    _node()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    register(page, live_server, "lighthouse@example.org", "a long and private passphrase")
    page.goto(f"{live_server}/export")
    history = _four_flags(tmp_path_factory.mktemp("lighthouse") / "h.jsonl")
    page.get_by_label("File to import").set_input_files(str(history))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/export?imported=*")
    page.goto(f"{live_server}/")
    expect(page.locator("article.red-flag")).to_have_count(4)
    page.close()
    yield context
    context.close()


def _cookie_header(context: BrowserContext) -> str:
    return "; ".join(f"{cookie['name']}={cookie['value']}" for cookie in context.cookies())


def _lighthouse(url: str, cookie: str, folder: Path, name: str) -> dict[str, Any]:
    headers = folder / "headers.json"
    headers.write_text(json.dumps({"Cookie": cookie}), encoding="utf-8")
    headers.chmod(0o600)
    output = folder / f"lighthouse-{name}.json"
    command = [
        _node(),
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--form-factor=mobile",
        "--screenEmulation.mobile",
        f"--screenEmulation.width={PHONE['width']}",
        f"--screenEmulation.height={PHONE['height']}",
        "--screenEmulation.deviceScaleFactor=2",
        "--throttling-method=provided",
        f"--extra-headers={headers}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    report: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(output, SCREENSHOTS / output.name)
    return report


def _failing(report: dict[str, Any], category: str) -> list[str]:
    """Titles of the category's scored audits that did not pass (with what they found)."""
    failed = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
            items = (audit.get("details") or {}).get("items") or []
            where = [
                str((item.get("node") or {}).get("snippet") or item.get("description") or "")[:120]
                for item in items[:3]
            ]
            failed.append(f"{audit['title']} ({ref['id']}): {where}")
    return failed


@pytest.mark.parametrize("name", list(PAGES))
def test_lighthouse_scores_today_log_and_history_at_phone_size(
    signed_in: BrowserContext, live_server: str, tmp_path: Path, name: str
) -> None:
    report = _lighthouse(f"{live_server}{PAGES[name]}", _cookie_header(signed_in), tmp_path, name)
    # The page audited is the signed-in page itself, not the login form it would redirect to.
    assert report["finalDisplayedUrl"] == f"{live_server}{PAGES[name]}"
    assert report.get("runtimeError") is None, report.get("runtimeError")
    scores = {category: report["categories"][category]["score"] for category in CATEGORIES}
    failing = {category: _failing(report, category) for category in CATEGORIES}
    assert all(score >= MINIMUM for score in scores.values()), (scores, failing)


def test_lighthouse_has_no_installability_audit() -> None:
    """If a later pin brings the installability audits back, assert them here too."""
    _node()
    audits = LIGHTHOUSE.parents[1] / "core" / "audits"
    names = {path.stem for path in audits.rglob("*.js")}
    assert "installable-manifest" not in names
    assert "service-worker" not in names


def test_today_meets_chromes_install_criteria(
    browser: Browser, signed_in: BrowserContext, live_server: str, tmp_path: Path
) -> None:
    """Chrome's own check (``Page.getInstallabilityErrors``), since Lighthouse 12 has none.

    A browser context of its own is "incognito" to Chrome, which never offers to
    install from one; a persistent context (a profile folder) is a person's
    browser. It carries the signed-in person's cookies.
    """
    persistent = browser.browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, viewport=PHONE
    )
    try:
        persistent.add_cookies(signed_in.cookies())  # type: ignore[arg-type]
        page = persistent.new_page()
        page.goto(f"{live_server}/")
        expect(page.locator("article.red-flag")).to_have_count(4)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        registration = page.evaluate(
            """async () => {
              const found = await navigator.serviceWorker.getRegistration("/");
              return {active: found?.active?.state ?? null, scope: found?.scope ?? null};
            }"""
        )
        session = persistent.new_cdp_session(page)
        found = session.send("Page.getInstallabilityErrors")
        manifest = session.send("Page.getAppManifest")
    finally:
        persistent.close()
    assert registration == {"active": "activated", "scope": f"{live_server}/"}
    assert found["installabilityErrors"] == []
    assert manifest["errors"] == []
    assert json.loads(manifest["data"])["name"] == "ketpath"


def test_a_failing_audit_is_named_with_what_it_found() -> None:
    """The assertion message names each scored audit that did not pass, and where."""
    report: dict[str, Any] = {
        "categories": {
            "accessibility": {
                "auditRefs": [
                    {"id": "color-contrast", "weight": 7},
                    {"id": "label", "weight": 7},
                    {"id": "html-has-lang", "weight": 0},
                ]
            }
        },
        "audits": {
            "color-contrast": {
                "title": "Background and foreground colors have a sufficient contrast ratio",
                "score": 0,
                "details": {"items": [{"node": {"snippet": '<a href="tel:999">'}}]},
            },
            "label": {"title": "Form elements have labels", "score": 1},
            "html-has-lang": {"title": "html has lang", "score": 0},
        },
    }
    assert _failing(report, "accessibility") == [
        "Background and foreground colors have a sufficient contrast ratio (color-contrast): "
        "['<a href=\"tel:999\">']"
    ]
