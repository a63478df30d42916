"""The layers of DESIGN.md hold, and the check would notice if they broke (issue 13).

``lint-imports`` reads the contracts in ``pyproject.toml`` ([tool.importlinter]).
It passes on the tree as it is; on a copy of the package with one wrong import
added (the core reaching for the store, a web route reaching past services)
it fails and names the contract. ``make test`` runs it too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(source: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_tree_keeps_every_contract() -> None:
    done = lint(ROOT / "src", ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" not in done.stdout.lower().replace("0 broken", "")


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        ("core/records.py", "import ketpath.store", "Entry points over services"),
        ("web/pages.py", "import ketpath.store", "reach storage only through services"),
        ("present/views.py", "import sqlalchemy", "Knowledge and core and present stay pure"),
    ],
)
def test_a_wrong_import_breaks_a_contract(
    tmp_path: Path, module: str, wrong_import: str, contract: str
) -> None:
    shutil.copytree(ROOT / "src" / "ketpath", tmp_path / "src" / "ketpath")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "src" / "ketpath" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{wrong_import}\n", encoding="utf-8")
    done = lint(tmp_path / "src", tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert contract in done.stdout
    assert "BROKEN" in done.stdout
