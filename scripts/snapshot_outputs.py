"""Everything a person and a clinician see, written to a folder, to diff before and after a refactor.

Issue 13 moves code, and "behaviour unchanged" is checked by comparing what
comes out: the HTML of every page for the demo account (as the person and as
a clinician the person shared with), the PDF's text, the terminal report and
``assess --json`` on the examples. It drives only the command line and HTTP,
so the same script runs on the code before and after a move:

    python scripts/snapshot_outputs.py /tmp/before          # on the old commit
    python scripts/snapshot_outputs.py /tmp/after           # on the new one
    diff -r /tmp/before /tmp/after

Values that differ on every run (share codes, recovery codes, the demo
password, the port) are replaced by placeholders. Run both on the same day:
the demo history ends yesterday.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.jsonl"))
AS_OF = "2026-06-30T20:00:00+00:00"
CLINICIAN = ("clinician@snapshot.invalid", "snapshot-clinician-password-1")
PERSON_PAGES = (
    "/",
    "/log",
    "/history",
    "/questionnaires",
    "/questionnaires/phq9",
    "/questionnaires/puf",
    "/plan",
    "/learn",
    "/help",
    "/export",
    "/account",
    "/rewards",
    "/sharing",
)
RANDOM = (
    (re.compile(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){2,}"), "CODE"),
    (re.compile(r"demo-[A-Za-z0-9_-]{16}"), "PASSWORD"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"(As of [^,<]+, |generated \d\d \w+ \d{4} )\d\d:\d\d"), r"\1HH:MM"),
    (re.compile(r"/(?:tmp|var)/[^\s\"'<]*ketpath-[^\s\"'<]*"), "/TMP"),
)


def stable(text: str) -> str:
    for pattern, placeholder in RANDOM:
        text = pattern.sub(placeholder, text)
    return text


def ketpath(*args: str, env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from ketpath.cli import main; main()", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}--- stderr\n{done.stderr}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pdf_text(data: bytes) -> str:
    if not data.startswith(b"%PDF"):
        return "not a PDF:\n" + data[:2000].decode("utf-8", "replace")
    return "\n\f\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def save(out: Path, name: str, text: str) -> None:
    path = out / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(stable(text), encoding="utf-8")


def fetch(client: httpx.Client, out: Path, prefix: str, url: str) -> httpx.Response:
    response = client.get(url)
    name = url.strip("/").replace("/", "_") or "index"
    if response.headers.get("content-type", "").startswith("application/pdf"):
        body = pdf_text(response.content)
    else:
        body = response.text
    save(out, f"{prefix}/{name}.txt", f"{response.status_code}\n{body}")
    return response


def cli_outputs(out: Path, env: dict[str, str]) -> None:
    for example in EXAMPLES:
        stem = example.stem
        save(
            out,
            f"cli/assess-{stem}.json",
            ketpath("assess", str(example), "--as-of", AS_OF, "--json", env=env),
        )
        save(
            out,
            f"cli/assess-{stem}.txt",
            ketpath("assess", str(example), "--as-of", AS_OF, env=env),
        )
        save(out, f"cli/body-{stem}.txt", ketpath("body", str(example), "--as-of", AS_OF, env=env))
    save(out, "cli/help.txt", ketpath("--help", env=env))
    save(out, "cli/instruments.txt", ketpath("instruments", env=env))
    save(out, "cli/score.txt", ketpath("score", "phq9", "--answers", "1,1,2,1,0,1,1,0,0", env=env))


def web_outputs(out: Path, env: dict[str, str], folder: Path) -> None:
    db = f"sqlite:///{folder / 'snapshot.db'}"
    env = {**env, "KETPATH_DB": db}
    ketpath(
        "user",
        "create",
        CLINICIAN[0],
        "--role",
        "clinician",
        "--password-stdin",
        env=env,
        stdin=CLINICIAN[1] + "\n",
    )
    port = free_port()
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
            db,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        password = ""
        assert server.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if found := re.search(r"password: (\S+)", line):
                password = found.group(1)
            if ("http://" in line and "ketpath on" in line.lower()) or "(Ctrl+C" in line:
                break
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as person:
            person.post("/login", data={"email": "demo@ketpath.invalid", "password": password})
            if (
                person.get("/", follow_redirects=False)
                .headers.get("location", "")
                .endswith("/welcome")
            ):
                person.post("/welcome", data={"timezone": "Europe/London", "locale": "UK"})
            for url in PERSON_PAGES:
                fetch(person, out, "person", url)
            fetch(person, out, "person", "/report.pdf")
            shared = person.post("/sharing").text
            code = re.search(r'class="big-number share-code"><code>([^<]+)</code>', shared)
        if code is None:
            save(out, "clinician/ERROR.txt", "no share code on the sharing page")
            return
        with httpx.Client(base_url=base, timeout=60) as clinician:
            clinician.post("/login", data={"email": CLINICIAN[0], "password": CLINICIAN[1]})
            redeemed = clinician.post("/redeem", data={"code": code.group(1), "label": "Demo"})
            patient = redeemed.headers.get("location", "/patients/0")
            for url in ("/patients", patient, f"{patient}/rewards", f"{patient}/rewards/settings"):
                fetch(clinician, out, "clinician", url)
            fetch(clinician, out, "clinician", f"{patient}/report.pdf")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/snapshot_outputs.py OUTPUT_FOLDER")
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory(prefix="ketpath-snapshot-") as folder:
        cli_outputs(out, env)
        web_outputs(out, env, Path(folder))
    print(f"wrote {sum(1 for _ in out.rglob('*.*'))} files to {out}")


if __name__ == "__main__":
    main()
