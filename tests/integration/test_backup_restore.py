"""``scripts/backup.sh`` and ``scripts/restore.sh`` bring a deployment back, on both databases.

Issue 16, point 2 asks for backups and restore "tested by a script". Each test
writes real data through the services (a person with records, a share a
clinician redeemed, the clinician's audited read), runs the scripts as an
operator would (the database named by ``KETPATH_DB``, the scripts started
from the shell), and then reads the restored database through the services:
the same records, an audit chain that verifies with the same rows, the same
password signing in, the clinician still reading under the same consent.
On PostgreSQL the source and the target are two databases of the throwaway
server (``conftest.py``), and ``pg_dump``/``pg_restore`` come from its
version's binaries.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from histories import craving, goal, use
from integration.conftest import BACKENDS, TEST_HASHER, PostgresServer, postgres_bindir
from ketpath.core.records import record_to_dict
from ketpath.services import accounts, export_records, import_records, open_database
from ketpath.services.audit import list_entries, verify_chain
from ketpath.services.consent import create_share, redeem_code
from ketpath.services.read import read_patient
from ketpath.store import Database

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "scripts" / "backup.sh"
RESTORE = ROOT / "scripts" / "restore.sh"
ALICE = ("alice@example.org", "alice has a long passphrase")
BOB = ("bob@example.org", "bob has a long passphrase")


def _environment(url: str) -> dict[str, str]:
    path = os.environ.get("PATH", "")
    bindir = postgres_bindir()
    if bindir is not None:
        path = f"{bindir}{os.pathsep}{path}"
    python_path = os.pathsep.join(
        part for part in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if part
    )
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("KETPATH_")
    }
    return environment | {
        "PATH": path,
        "PYTHONPATH": python_path,
        "KETPATH_PYTHON": sys.executable,
        "KETPATH_DB": url,
    }


def run_script(
    script: Path, url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script), *args],
        env=_environment(url) | (env or {}),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture(params=BACKENDS)
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """Three database URLs on one backend: the source and two targets, each empty."""
    if request.param == "sqlite":
        yield [f"sqlite:///{tmp_path / name}.db" for name in ("source", "target", "other")]
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    names = [f"ketpath_backup_{uuid.uuid4().hex[:10]}" for _ in range(3)]
    for name in names:
        server.create_database(name)
    try:
        yield [server.url(name) for name in names]
    finally:
        for name in names:
            server.drop_database(name)


@dataclass(frozen=True)
class Written:
    records: list[dict[str, object]]
    audit_rows: int
    patient_id: int


def write_a_deployment(url: str) -> Written:
    """Alice with records, shared with Bob, who read her page (audited)."""
    with open_database(url) as db:
        alice = accounts.register(db, email=ALICE[0], password=ALICE[1], hasher=TEST_HASHER)
        bob = accounts.register(
            db, email=BOB[0], password=BOB[1], role="clinician", hasher=TEST_HASHER
        )
        assert alice.person_name is not None
        history = [
            use(1, dose_mg=60),
            craving(2, 7),
            use(3, dose_mg=80, route="oral"),
            goal(4, "cut-down"),
        ]
        import_records(db, alice.person_name, history, create=False)
        patient_id = redeem_code(db, clinician=bob, code=create_share(db, user=alice).code)
        read_patient(db, clinician=bob, patient_id=patient_id)
        verified = verify_chain(db)
        assert verified.ok
        assert verified.rows >= 3
        return Written(
            records=_records(db, alice.person_name),
            audit_rows=verified.rows,
            patient_id=patient_id,
        )


def _records(db: Database, person_name: str) -> list[dict[str, object]]:
    return [record_to_dict(record) for record in export_records(db, person_name)]


def only_backup_in(folder: Path) -> Path:
    (backup,) = folder.iterdir()
    return backup


def test_a_backup_restored_into_an_empty_database_holds_the_same_deployment(
    databases: list[str], tmp_path: Path
) -> None:
    source, target, _other = databases
    written = write_a_deployment(source)

    backed_up = run_script(BACKUP, source, str(tmp_path / "backups"))
    assert backed_up.returncode == 0, backed_up.stderr
    backup = only_backup_in(tmp_path / "backups")
    assert backed_up.stdout.strip().splitlines()[-1] == str(backup)
    assert backup.stat().st_mode & 0o777 == 0o700
    kind = "postgresql" if source.startswith("postgresql") else "sqlite"
    dump = backup / ("database.pgdump" if kind == "postgresql" else "database.sqlite")
    assert dump.stat().st_mode & 0o777 == 0o600
    manifest = (backup / "MANIFEST").read_text()
    assert f"kind={kind}\n" in manifest
    assert "schema=00" in manifest

    restored = run_script(RESTORE, target, str(backup))
    assert restored.returncode == 0, restored.stderr
    assert f"audit log intact: {written.audit_rows} rows" in restored.stdout

    with open_database(target) as db:
        alice = accounts.authenticate(db, email=ALICE[0], password=ALICE[1], hasher=TEST_HASHER)
        assert alice.person_name is not None
        assert _records(db, alice.person_name) == written.records
        verified = verify_chain(db)
        assert (verified.ok, verified.rows) == (True, written.audit_rows)
        bob = accounts.authenticate(db, email=BOB[0], password=BOB[1], hasher=TEST_HASHER)
        view = read_patient(db, clinician=bob, patient_id=written.patient_id)
        assert len(view.records) == len(written.records)
        assert verify_chain(db).rows == written.audit_rows + 1
        actions = [entry.action for entry in list_entries(db)]
        assert actions.count("read-patient-page") == 2
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(
                db, email=ALICE[0], password="not her password", hasher=TEST_HASHER
            )


def test_restore_refuses_a_database_that_holds_data_and_changes_nothing_until_forced(
    databases: list[str], tmp_path: Path
) -> None:
    source, target, _other = databases
    written = write_a_deployment(source)
    assert run_script(BACKUP, source, str(tmp_path / "backups")).returncode == 0
    backup = only_backup_in(tmp_path / "backups")
    with open_database(target) as db:
        accounts.register(
            db,
            email="carol@example.org",
            password="carol has a long passphrase",
            hasher=TEST_HASHER,
        )
        before = verify_chain(db).rows

    refused = run_script(RESTORE, target, str(backup))

    assert refused.returncode == 1
    assert "already holds" in refused.stderr
    assert "pass --force" in refused.stderr
    with open_database(target) as db:
        assert accounts.find_user(db, email="carol@example.org") is not None
        assert accounts.find_user(db, email=ALICE[0]) is None
        assert verify_chain(db).rows == before

    forced = run_script(RESTORE, target, "--force", str(backup))

    assert forced.returncode == 0, forced.stderr
    if target.startswith("sqlite"):
        target_file = Path(target.removeprefix("sqlite:///"))
        (aside,) = target_file.parent.glob(f"{target_file.name}.before-restore-*[0-9Z]")
        assert f"the database that was there is now {aside}" in forced.stdout
        with open_database(f"sqlite:///{aside}", upgrade=False) as db:
            assert accounts.find_user(db, email="carol@example.org") is not None
    with open_database(target) as db:
        assert accounts.find_user(db, email="carol@example.org") is None
        alice = accounts.authenticate(db, email=ALICE[0], password=ALICE[1], hasher=TEST_HASHER)
        assert alice.person_name is not None
        assert _records(db, alice.person_name) == written.records
        assert verify_chain(db).rows == written.audit_rows


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One backup of an SQLite deployment, for the tests that only restore it."""
    folder = tmp_path_factory.mktemp("sqlite-backup")
    source = f"sqlite:///{folder / 'source.db'}"
    write_a_deployment(source)
    settings = folder / "etc" / "ketpath.env"
    settings.parent.mkdir()
    settings.write_text("KETPATH_TRUSTED_PROXY=127.0.0.1\n")
    made = run_script(BACKUP, source, "--with", str(settings), str(folder / "backups"))
    assert made.returncode == 0, made.stderr
    return only_backup_in(folder / "backups")


def test_files_named_with_with_are_kept_beside_the_database_saying_where_they_came_from(
    sqlite_backup: Path,
) -> None:
    kept = sqlite_backup / "files" / "ketpath.env"
    assert kept.read_text() == "KETPATH_TRUSTED_PROXY=127.0.0.1\n"
    assert kept.stat().st_mode & 0o777 == 0o600
    (line,) = (sqlite_backup / "files" / "WHERE").read_text().splitlines()
    name, origin = line.split("\t")
    assert name == "ketpath.env"
    assert origin.endswith("/etc/ketpath.env")
    listed = (sqlite_backup / "SHA256SUMS").read_text()
    assert "  files/ketpath.env\n" in listed
    assert "  database.sqlite\n" in listed


def test_the_clinics_wording_files_are_kept_with_the_backup(tmp_path: Path) -> None:
    """``KETPATH_WORDING``'s files are part of the deployment: a restore needs them back."""
    source = f"sqlite:///{tmp_path / 'source.db'}"
    with open_database(source):
        pass
    wording = tmp_path / "wording"
    wording.mkdir()
    (wording / "phq9-hk.toml").write_text('instrument = "phq9"\n', encoding="utf-8")
    (wording / "notes.txt").write_text("not a wording file\n", encoding="utf-8")
    made = run_script(
        BACKUP, source, str(tmp_path / "backups"), env={"KETPATH_WORDING": str(wording)}
    )
    assert made.returncode == 0, made.stderr
    backup = only_backup_in(tmp_path / "backups")
    assert sorted(path.name for path in (backup / "files").iterdir()) == ["WHERE", "phq9-hk.toml"]
    assert (backup / "files" / "phq9-hk.toml").read_text() == 'instrument = "phq9"\n'
    (line,) = (backup / "files" / "WHERE").read_text().splitlines()
    assert line == f"phq9-hk.toml\t{wording}/phq9-hk.toml"
    assert "  files/phq9-hk.toml\n" in (backup / "SHA256SUMS").read_text()


def test_a_backup_of_a_database_that_is_not_there_says_so_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "nowhere.db"
    failed = run_script(BACKUP, f"sqlite:///{missing}", str(tmp_path / "backups"))
    assert failed.returncode == 1
    assert f"there is no SQLite database at {missing}" in failed.stderr
    assert not missing.exists()
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


def test_a_damaged_backup_is_refused_before_anything_is_touched(
    sqlite_backup: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "copy"
    shutil.copytree(sqlite_backup, backup)
    with (backup / "database.sqlite").open("r+b") as dump:
        dump.seek(5000)
        dump.write(b"\x00damaged\x00")
    target = tmp_path / "target.db"

    refused = run_script(RESTORE, f"sqlite:///{target}", "--force", str(backup))

    assert refused.returncode == 1
    assert "is damaged: a file does not match SHA256SUMS; nothing was restored" in refused.stderr
    assert not target.exists()


def test_a_backup_of_one_kind_is_not_restored_into_the_other(sqlite_backup: Path) -> None:
    refused = run_script(RESTORE, "postgresql://nobody@127.0.0.1:1/none", str(sqlite_backup))

    assert refused.returncode == 1
    assert "this is a backup of a sqlite database and the target is postgresql" in refused.stderr


def test_an_encrypted_sqlite_backup_stays_encrypted_and_needs_its_passphrase(
    tmp_path: Path,
) -> None:
    pytest.importorskip("sqlcipher3")
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    passphrase = {"KETPATH_DB_PASSPHRASE": "a passphrase for the file"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KETPATH_DB_PASSPHRASE", passphrase["KETPATH_DB_PASSPHRASE"])
        written = write_a_deployment(str(source))

    def run(script: Path, url: str, *args: str, key: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(script), *args],
            env=_environment(url) | {"KETPATH_DB_PASSPHRASE": key},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    assert (
        run(
            BACKUP, str(source), str(tmp_path / "b"), key=passphrase["KETPATH_DB_PASSPHRASE"]
        ).returncode
        == 0
    )
    backup = only_backup_in(tmp_path / "b")
    assert "encrypted=yes\n" in (backup / "MANIFEST").read_text()
    assert not (backup / "database.sqlite").read_bytes().startswith(b"SQLite format 3")
    assert passphrase["KETPATH_DB_PASSPHRASE"] not in "".join(
        path.read_text(errors="replace") for path in backup.iterdir()
    )

    wrong = run(RESTORE, str(target), str(backup), key="not the passphrase")
    assert wrong.returncode == 1
    assert "the backup cannot be opened" in wrong.stderr
    assert "nothing was replaced" in wrong.stderr
    assert not target.exists()

    right = run(RESTORE, str(target), str(backup), key=passphrase["KETPATH_DB_PASSPHRASE"])
    assert right.returncode == 0, right.stderr
    with open_database(str(target), passphrase=passphrase["KETPATH_DB_PASSPHRASE"]) as db:
        alice = accounts.authenticate(db, email=ALICE[0], password=ALICE[1], hasher=TEST_HASHER)
        assert alice.person_name is not None
        assert _records(db, alice.person_name) == written.records
        assert verify_chain(db).rows == written.audit_rows
