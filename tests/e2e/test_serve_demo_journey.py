"""``ketpath serve --demo`` as a newcomer runs it, then the demo in a browser (issue 12, point 9).

``KETPATH_DB`` used to be ignored with ``--demo``; the URL was printed before
the port was bound (then "address already in use"), the database opened was
never named, and the temporary demo folder was never removed. Here the
command runs as a subprocess: with ``KETPATH_DB`` set it opens and keeps that
file, says so only once it answers, refuses a port in use in one line, and
without ``KETPATH_DB`` it removes its temporary folder when stopped.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty, Queue

import httpx
from playwright.sync_api import Page, expect

from e2e.browsing import confirm_welcome, require_chromium, snap
from ketpath.services import open_database
from ketpath.web.demo import DEMO_EMAIL
from webtest import free_port

STARTUP_SECONDS = 60.0
READY = re.compile(r"ketpath on (http://127\.0\.0\.1:\d+/) \(database: (.+)\)  \(Ctrl\+C to stop\)")
DEMO_LOGIN = re.compile(r"Demo login: (\S+)  password: (\S+)")


def _ketpath(*arguments: str) -> list[str]:
    """The ``ketpath`` command of this interpreter (the console script's entry point)."""
    return [sys.executable, "-c", "from ketpath.cli import main; main()", *arguments]


def _environment(tmp_path: Path, database: Path | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "KETPATH_DB"}
    env.update(PYTHONUNBUFFERED="1", TMPDIR=str(tmp_path), COLUMNS="200")
    if database is not None:
        env["KETPATH_DB"] = str(database)
    return env


class Serving:
    """A running ``ketpath serve``: its printed lines as they come, and whether it answered then."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: Queue[str] = Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self) -> str:
        try:
            return self.lines.get(timeout=STARTUP_SECONDS)
        except Empty:
            raise AssertionError("ketpath serve printed nothing in time") from None

    def stop(self) -> str:
        """Ctrl+C, as the printed line says; what it wrote to stderr (the status is 0 or 130)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        code = self.process.wait(timeout=20)
        errors = self.process.stderr.read() if self.process.stderr is not None else ""
        assert code in {0, 128 + signal.SIGINT}, (code, errors)
        assert "Traceback" not in errors
        return errors


@contextmanager
def _serve(env: dict[str, str], port: int) -> Iterator[Serving]:
    process = subprocess.Popen(
        _ketpath("serve", "--demo", "--port", str(port)),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    serving = Serving(process)
    try:
        yield serving
    finally:
        serving.stop()


def _ready(serving: Serving) -> tuple[str, str, str, str]:
    """The demo login and the ready line; checks the server answers when the line appears."""
    login = DEMO_LOGIN.fullmatch(serving.next_line())
    assert login is not None
    ready_line = serving.next_line()
    ready = READY.fullmatch(ready_line)
    assert ready is not None, ready_line
    # Printed only after binding: the URL answers at once.
    assert httpx.get(f"{ready.group(1)}healthz", timeout=5).status_code == 200
    return login.group(1), login.group(2), ready.group(1), ready.group(2)


def _browse_the_demo(page: Page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()
    confirm_welcome(page, url.rstrip("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Where things stand")
    main = page.locator("main")
    expect(main).to_contain_text("Warning signs")
    expect(main).to_contain_text("Days since your last use")
    expect(page.locator(".signal").first).to_be_visible()
    snap(page, "serve-demo-dashboard")


def test_serve_demo_opens_ketpath_db_says_so_after_binding_and_refuses_a_busy_port(
    page: Page, tmp_path: Path
) -> None:
    require_chromium()
    kept = tmp_path / "kept.db"
    port = free_port()
    with _serve(_environment(tmp_path, kept), port) as serving:
        email, password, url, opened = _ready(serving)
        assert email == DEMO_EMAIL
        assert url == f"http://127.0.0.1:{port}/"
        assert opened == str(kept.resolve())

        busy = subprocess.run(
            _ketpath("serve", "--port", str(port)),
            env=_environment(tmp_path, tmp_path / "other.db"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert busy.returncode == 2
        assert busy.stdout == ""  # no URL printed for a server that never ran
        assert busy.stderr.strip() == (
            f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
        )
        assert not (tmp_path / "other.db").exists()

        _browse_the_demo(page, url, email, password)
        serving.stop()

    with open_database(str(kept)) as db, db.unit_of_work() as uow:
        demo = uow.users.by_email(DEMO_EMAIL)
        assert demo is not None  # the demo lives in KETPATH_DB, kept after the server stops
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("ketpath-demo-")]


def test_serve_demo_without_a_database_removes_its_temporary_folder(tmp_path: Path) -> None:
    with _serve(_environment(tmp_path, None), free_port()) as serving:
        _, _, url, opened = _ready(serving)
        folder = Path(opened).parent
        assert folder.parent == tmp_path.resolve()
        assert folder.name.startswith("ketpath-demo-")
        assert Path(opened).exists()
        assert httpx.get(f"{url}login", timeout=5).status_code == 200
        serving.stop()
    assert not folder.exists()
