"""A migrated, empty SQLite file made once per test process and copied where a test needs one.

Migrating a new file from nothing runs every Alembic revision (some rebuild
tables in batch mode) and costs some 0.5 s; the web ring alone opens close to
a thousand apps on fresh files. A byte copy of a file migrated once is the
same empty database at the newest revision, so ``open_database`` finds
nothing to do and the test sees exactly what a fresh migration leaves. The
migration itself stays tested where it is the subject (``tests/integration``
``test_store_migrations`` and the ``test_migration_*`` files start from
nothing or from an old revision, never from this copy).

Only a missing file is filled: a test that made its database first (a CLI
command, an import) keeps it. The copy is 0600 like any file the store
creates (``open_database`` tightens an existing file as well).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from ketpath.store import open_database
from ketpath.store.database import PRIVATE_FILE, SQLITE_COMPANIONS


@functools.cache
def _migrated_template() -> Path:
    """The template file, migrated on first use in this process (one per xdist worker)."""
    directory = Path(tempfile.mkdtemp(prefix="ketpath-template-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = directory / "template.db"
    open_database(f"sqlite:///{path}").close()
    # Closing the last connection checkpoints the WAL into the file; a
    # companion left over would mean the copy misses pages.
    leftovers = [s for s in SQLITE_COMPANIONS if Path(f"{path}{s}").exists()]
    assert leftovers in ([], ["-shm"]), f"template not checkpointed: {leftovers}"
    return path


def migrated_sqlite_file(path: Path) -> Path:
    """Put an empty database at the newest revision at ``path`` unless a file is there."""
    if not path.exists() and path.parent.is_dir():
        shutil.copyfile(_migrated_template(), path)
        path.chmod(PRIVATE_FILE)
    return path
