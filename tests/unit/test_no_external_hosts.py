"""Nothing of ours loads from another host: no CDN fonts, scripts or styles.

The README's pictures, the web templates and the vendored static files are
read as text; a ``url(http…)``, ``src="http…"`` or a stylesheet ``href`` to
another host would make a reader's browser call out (DESIGN.md: no CDN, no tracker).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "ketpath" / "web"
LOADS_FROM_A_HOST = re.compile(
    r"""url\(\s*["']?https?://|src\s*=\s*["']https?://|<link[^>]+href\s*=\s*["']https?://|@import\s+["']?(url\()?https?://""",
    re.IGNORECASE,
)
FILES = sorted(
    [
        *ROOT.joinpath("docs").glob("*.svg"),
        *WEB.joinpath("templates").rglob("*.html"),
        *(p for p in WEB.joinpath("static").rglob("*") if p.suffix in {".css", ".svg", ".html"}),
    ]
)


def test_the_check_reads_the_files_it_means_to() -> None:
    names = {path.name for path in FILES}
    assert {"assess-report.svg", "base.html"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_loads_from_another_host(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = [m.group(0) for m in LOADS_FROM_A_HOST.finditer(text)]
    assert not found, f"{path.relative_to(ROOT)} loads from another host: {found[:3]}"
