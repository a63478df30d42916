"""Redraw the README's two pictures from the code as it is now.

- ``docs/assess-report.svg``: ``ketpath assess`` of the recovery example, three
  days after its last entry, as the terminal shows it.
- ``docs/dashboard.png``: the demo account's dashboard (``ketpath serve --demo``)
  in Debian's Chromium at 1280 px, the whole page.

Run ``python scripts/make_readme_figures.py`` after a change to what these show
(red flags, wording, the body section). Needs Chromium (``scripts/ensure-chromium.sh``).
"""

from __future__ import annotations

import io
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright
from rich.console import Console

from ketpath.core.assess import assess
from ketpath.core.records import record_time
from ketpath.interop.jsonl import read_jsonl
from ketpath.present.terminal import render_assessment

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def assess_report() -> None:
    records = read_jsonl(ROOT / "examples" / "recovery-with-bladder-symptoms.jsonl")
    last = max(t for r in records if (t := record_time(r)) is not None)
    console = Console(
        record=True, width=100, force_terminal=True, color_system="truecolor", file=io.StringIO()
    )
    render_assessment(assess(records, last + timedelta(days=3)), console)
    svg = console.export_svg(title="ketpath assess examples/recovery-with-bladder-symptoms.jsonl")
    (DOCS / "assess-report.svg").write_text(without_web_fonts(svg), encoding="utf-8")


def without_web_fonts(svg: str) -> str:
    """Rich's SVG fetches Fira Code from a CDN; nothing of ours loads from another host.

    The @font-face rules go, so the picture uses a local monospace font.
    """
    svg = re.sub(r"\s*@font-face \{[^}]*\}", "", svg)
    return svg.replace("font-family: Fira Code, monospace", "font-family: monospace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dashboard(tmp: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from ketpath.cli import main; main()",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--db",
            str(tmp / "demo.db"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        login = server.stdout.readline()
        found = re.search(r"Demo login: (\S+)\s+password: (\S+)", login)
        if found is None:
            raise SystemExit(f"unexpected output from serve --demo: {login!r}")
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/login")
            page.get_by_label("Email").fill(found.group(1))
            page.get_by_label("Password").fill(found.group(2))
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/")
            page.screenshot(path=str(DOCS / "dashboard.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    assess_report()
    print("wrote docs/assess-report.svg")
    with tempfile.TemporaryDirectory() as tmp:
        dashboard(Path(tmp))
    print("wrote docs/dashboard.png")


if __name__ == "__main__":
    main()
