"""Journey (issue 14, point 4): installable, two entries logged offline, synced once, Today offline.

A person signs in on a phone: the page links a valid manifest whose icons are
served, and the service worker registers and controls the page (what a
browser needs to offer "Install"). Offline, she logs a use and a craving from
the Log page: the page says two entries are waiting and nothing reaches the
server. Back online, both are sent and stored exactly once (read back from
the export); one of the sync's POSTs sent again with its idempotency key
stores nothing new. Offline again, Today opens as last seen and another page
gives the offline page; logging out deletes the kept Today page.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Browser, Page, Request

from e2e.browsing import PHONE, log_out, register, snap

PASSWORD = "an offline journey passphrase"


def _stored(page: Page, base: str) -> list[dict[str, Any]]:
    exported = page.request.get(f"{base}/export/records.jsonl").text()
    records = [json.loads(line) for line in exported.splitlines() if line.strip()]
    return [record for record in records if record["type"] in {"use", "craving"}]


def _status(page: Page) -> str:
    return page.locator(".sync-status").inner_text()


def test_entries_logged_offline_are_stored_once_and_today_opens_offline(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sync_posts: list[Request] = []
    page.on(
        "request",
        lambda request: (
            sync_posts.append(request)
            if request.method == "POST" and request.url.endswith("/offline/entries")
            else None
        ),
    )
    try:
        register(page, live_server, "offline@example.org", PASSWORD)

        # Installable: a manifest with the icons a browser needs, and a worker in control.
        href = page.locator('link[rel="manifest"]').get_attribute("href")
        manifest = json.loads(page.request.get(f"{live_server}{href}").text())
        assert (manifest["name"], manifest["start_url"], manifest["display"]) == (
            "ketpath",
            "/",
            "standalone",
        )
        assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
        for icon in manifest["icons"]:
            assert page.request.get(f"{live_server}{icon['src']}").status == 200
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == f"{live_server}/"

        page.goto(f"{live_server}/log")
        context.set_offline(True)
        page.get_by_role("button", name="Log a use now").click()
        page.wait_for_function(
            "() => document.querySelector('.sync-status')?.innerText.includes('1 entry waiting to sync')"
        )
        page.get_by_role("button", name="Craving 3 of 10").click()
        page.wait_for_function(
            "() => document.querySelector('.sync-status')?.innerText.includes('2 entries waiting')"
        )
        assert "2 entries waiting to sync" in _status(page)
        assert page.url == f"{live_server}/log"
        snap(page, "offline-01-two-waiting")
        assert sync_posts == []
        assert _stored(page, live_server) == []

        context.set_offline(False)
        page.wait_for_function(
            "() => document.querySelector('.sync-status')?.innerText.includes('2 entries sent')",
            timeout=20_000,
        )
        stored = _stored(page, live_server)
        assert sorted(record["type"] for record in stored) == ["craving", "use"]
        [craving] = [record for record in stored if record["type"] == "craving"]
        assert craving["intensity"] == 3
        assert len(sync_posts) == 2
        keys = {post.headers["idempotency-key"] for post in sync_posts}
        assert len(keys) == 2

        # A retried sync (say the answer was lost) stores nothing new.
        first = sync_posts[0]
        replayed = page.evaluate(
            """([body, key]) => fetch("/offline/entries", {
                 method: "POST",
                 headers: {"Content-Type": "application/json", "Idempotency-Key": key},
                 body: body,
               }).then(r => ({status: r.status, replayed: r.headers.get("Idempotent-Replayed")}))""",
            [first.post_data, first.headers["idempotency-key"]],
        )
        assert replayed == {"status": 201, "replayed": "true"}
        assert len(_stored(page, live_server)) == 2

        page.goto(f"{live_server}/")  # the worker keeps this Today page
        today_heading = page.inner_text("h1")
        today_text = page.inner_text("main")
        context.set_offline(True)
        page.reload()
        assert page.inner_text("h1") == today_heading
        assert "You are offline" in _status(page)
        assert today_text in page.inner_text("main")
        snap(page, "offline-02-today-offline")
        page.goto(f"{live_server}/history")
        assert page.inner_text("h1") == "You are offline"
        assert "Log out" not in page.inner_text("body")

        context.set_offline(False)
        page.goto(f"{live_server}/")
        assert page.evaluate("caches.has('ketpath-today')") is True
        log_out(page)  # from the More page
        page.wait_for_url(f"{live_server}/login")
        page.wait_for_function("() => caches.has('ketpath-today').then(kept => !kept)")
        assert page.evaluate("caches.keys()") == [
            name for name in page.evaluate("caches.keys()") if name.startswith("ketpath-shell-")
        ]
    finally:
        context.close()


def test_an_entry_still_waiting_is_counted_offline_and_sent_on_the_next_page_load(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        register(page, live_server, "offline-reload@example.org", PASSWORD)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
        page.goto(f"{live_server}/log")
        context.set_offline(True)
        page.get_by_role("button", name="Mood 6 of 10").click()
        page.wait_for_function(
            "() => document.querySelector('.sync-status')?.innerText.includes('1 entry waiting')"
        )
        page.goto(f"{live_server}/history")  # offline: the offline page, no one signed in
        assert page.inner_text("h1") == "You are offline"
        page.wait_for_function(
            "() => document.querySelector('.sync-status')?.innerText.includes('1 entry waiting')"
        )
        assert "sent when you are signed in and online" in _status(page)

        context.set_offline(False)
        page.goto(f"{live_server}/log")
        page.wait_for_function(
            "() => document.querySelector('.sync-status')?.innerText.includes('1 entry sent')",
            timeout=20_000,
        )
        exported = page.request.get(f"{live_server}/export/records.jsonl").text()
        moods = [json.loads(line) for line in exported.splitlines() if '"mood"' in line]
        assert [mood["score"] for mood in moods] == [6]
    finally:
        context.close()
