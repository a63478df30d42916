"""``ketpath.present`` is pure: importing any of its modules loads no web, store or services code.

Each module is imported in a fresh interpreter (the test process has long
since loaded everything), and ``sys.modules`` is read afterwards.
``ketpath.interop`` is not on the list: the package's root imports its JSONL
reader for the public API, so every import of ``ketpath`` loads it.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import ketpath.present

FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "ketpath.store",
    "ketpath.services",
    "ketpath.web",
    "ketpath.cli",
)

PROGRAM = """
import importlib, json, sys
forbidden = tuple(sys.argv[2:])
pulled = {}
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
    pulled[name] = sorted(
        loaded for loaded in sys.modules
        if any(loaded == f or loaded.startswith(f + ".") for f in forbidden)
    )
print(json.dumps(pulled))
"""


def present_modules() -> list[str]:
    found = pkgutil.walk_packages(ketpath.present.__path__, prefix="ketpath.present.")
    return ["ketpath.present", *sorted(module.name for module in found)]


def test_every_present_module_is_imported_by_the_check() -> None:
    names = present_modules()
    for expected in ("charts", "format", "history_charts", "report_charts", "score_charts"):
        assert f"ketpath.present.{expected}" in names
    for expected in ("terminal", "terminal_text", "views"):
        assert f"ketpath.present.{expected}" in names


def test_importing_present_pulls_in_no_web_store_or_services() -> None:
    names = present_modules()
    finished = subprocess.run(
        [sys.executable, "-c", PROGRAM, json.dumps(names), *FORBIDDEN],
        capture_output=True,
        text=True,
        check=True,
    )
    pulled = json.loads(finished.stdout)
    assert list(pulled) == names
    assert {name: loaded for name, loaded in pulled.items() if loaded} == {}
