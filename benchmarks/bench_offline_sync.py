"""Offline queue sync time: how long 100 entries logged offline take to reach the server.

Issue 14 ("Done means"): the benchmarks report the service worker's offline
queue's sync time for 100 entries. A person signs in in Chromium (Debian's,
headless, as the browser tests), opens the Log page, goes offline
(``context.set_offline(True)``) and taps mood buttons ``--entries`` times;
each tap is queued in IndexedDB by ``static/offline-queue.js``. The clock
runs from going back online to the page saying all of them were sent, and the
export is read to check that each was stored exactly once.

The queue sends one entry per request, oldest first, each waiting for its
answer (so the order holds and a failure stops the rest for a later try); the
figure is therefore about ``entries x (one round trip + one keyed write)``.
There is no target: it is reported for information. On a loaded machine it
says little beyond its order of magnitude.

Runs a real uvicorn server on 127.0.0.1 (``python -m ketpath serve``) on an
SQLite file in a temp folder. Needs /usr/bin/chromium.

    python benchmarks/bench_offline_sync.py [--entries 100]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import start_ketpath

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "a long benchmark passphrase"
STATUS = "document.querySelector('.sync-status')?.innerText || ''"


def sign_in(page: Page, base: str) -> None:
    """Register, log in and pass the welcome step, as a person does."""
    page.goto(f"{base}/register")
    page.get_by_label("Email").fill("bench-offline@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/welcome")
    page.get_by_role("button", name="Confirm and show my recovery codes").click()
    page.get_by_role("link", name="I have saved them, continue").click()
    page.wait_for_url(f"{base}/onboarding")  # a new person's first run: straight to its end
    page.goto(f"{base}/onboarding/privacy")
    page.get_by_role("button", name="Start using ketpath").click()
    page.wait_for_url(f"{base}/")


def stored_moods(page: Page, base: str) -> int:
    exported = page.request.get(f"{base}/export/records.jsonl").text()
    return sum(
        1 for line in exported.splitlines() if line.strip() and json.loads(line)["type"] == "mood"
    )


def measure(entries: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        server = start_ketpath(Path(folder) / "bench.db")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 360, "height": 800})
                page = context.new_page()
                sign_in(page, server.url)
                page.wait_for_function("() => navigator.serviceWorker.controller !== null")
                page.goto(f"{server.url}/log")
                context.set_offline(True)
                queued_from = time.perf_counter()
                for n in range(entries):
                    page.get_by_role("button", name=f"Mood {n % 11} of 10", exact=True).click()
                    page.wait_for_function(
                        f"() => ({STATUS}).includes('{n + 1} {'entry' if n == 0 else 'entries'}"
                        " waiting')"
                    )
                queued = time.perf_counter() - queued_from
                assert stored_moods(page, server.url) == 0
                started = time.perf_counter()
                context.set_offline(False)
                page.wait_for_function(
                    f"() => ({STATUS}).includes('{entries} {'entry' if entries == 1 else 'entries'}"
                    " sent')",
                    timeout=600_000,
                )
                synced = time.perf_counter() - started
                stored = stored_moods(page, server.url)
                browser.close()
        finally:
            server.stop()
    print(f"offline queue: {entries} entries queued in {queued:.1f} s (taps included)")
    print(
        f"sync: {entries} entries sent in {synced * 1000:.0f} ms"
        f" ({synced * 1000 / entries:.1f} ms per entry); stored once each: {stored == entries}"
    )
    if stored != entries:
        raise SystemExit(f"stored {stored} mood entries, expected {entries}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100)
    arguments = parser.parse_args()
    measure(arguments.entries)


if __name__ == "__main__":
    main()
