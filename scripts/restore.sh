#!/usr/bin/env bash
# Restore a folder written by scripts/backup.sh into an empty ketpath database.
#
#   scripts/restore.sh [--force] [--db URL] BACKUP_FOLDER
#
# The target is the database ketpath would open (--db, else KETPATH_DB, else
# the SQLite file in the user's data folder), of the same kind as the backup.
# Stop `ketpath serve` first. Before anything is touched, the backup's
# SHA256SUMS are checked. A target that already holds tables is refused
# unless --force:
#   PostgreSQL  pg_restore --clean --if-exists drops and recreates ketpath's
#               objects, in one transaction (all or nothing)
#   SQLite      the old file (and its -wal, -shm) is moved aside to
#               NAME.before-restore-STAMP, not deleted
# Then the schema is brought up to this ketpath's version (a backup from an
# older release is migrated) and the audit log's hash chain is verified
# (`ketpath audit verify`); a broken chain exits 1.
#
# Files saved with --with are not put back: they are in BACKUP_FOLDER/files,
# with where each came from in files/WHERE.
#
# Environment: KETPATH_PYTHON as for backup.sh; an encrypted SQLite backup
# needs KETPATH_DB_PASSPHRASE (the passphrase it was made with).
set -euo pipefail

program=${0##*/}
fail() {
    echo "$program: $*" >&2
    exit 1
}
usage() {
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
}

force=no
backup=""
while [ $# -gt 0 ]; do
    case $1 in
        --force)
            force=yes
            shift
            ;;
        --db)
            [ $# -ge 2 ] || fail "--db needs a database URL or SQLite path"
            export KETPATH_DB=$2
            shift 2
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        -*) fail "unknown option $1 (see --help)" ;;
        *)
            [ -z "$backup" ] || fail "give one BACKUP_FOLDER (got $backup and $1)"
            backup=$1
            shift
            ;;
    esac
done
[ -n "$backup" ] || fail "give the backup folder to restore (see --help)"
[ -d "$backup" ] || fail "$backup is not a folder"
[ -f "$backup/MANIFEST" ] && [ -f "$backup/SHA256SUMS" ] ||
    fail "$backup is not a ketpath backup (no MANIFEST or SHA256SUMS)"
(cd "$backup" && sha256sum --check --quiet --strict SHA256SUMS) ||
    fail "$backup is damaged: a file does not match SHA256SUMS; nothing was restored"

# shellcheck source=scripts/backup-common.sh
. "$(cd "$(dirname "$0")" && pwd)/backup-common.sh"

manifest() {
    sed -n "s/^$1=//p" "$backup/MANIFEST" | head -n 1
}
[ "$(manifest format)" = ketpath-backup-1 ] || fail "$backup/MANIFEST: unknown format"
kind=$(manifest kind)

umask 077
KIND="" ENCRYPTED="" SQLITE_FILE=""
found=$("$python" "$helper" where) ||
    fail "cannot tell which database to restore into (see above; if ketpath is not found, set KETPATH_PYTHON to the Python it is installed in)"
eval "$found"
[ "$kind" = "$KIND" ] ||
    fail "this is a backup of a $kind database and the target is $KIND; a backup restores only into the kind of database it was taken from"

if [ "$KIND" = postgresql ]; then
    command -v pg_restore >/dev/null || fail "pg_restore not found (Debian: apt-get install postgresql-client)"
    tables=$(psql -X -A -t -v ON_ERROR_STOP=1 -c \
        "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')") ||
        fail "cannot connect to database ${PGDATABASE:-?} (see psql's message above)"
    clean=()
    if [ "$tables" -gt 0 ]; then
        [ "$force" = yes ] ||
            fail "database ${PGDATABASE:-?} already holds $tables tables; restore into an empty database (createdb), or pass --force to replace ketpath's tables in it"
        clean=(--clean --if-exists)
    fi
    pg_restore --no-owner --no-acl --single-transaction --exit-on-error ${clean[@]+"${clean[@]}"} \
        --dbname="$PGDATABASE" "$backup/database.pgdump" ||
        fail "pg_restore failed; the transaction was rolled back and ${PGDATABASE:-?} is as it was"
    echo "restored $backup into PostgreSQL database $PGDATABASE"
else
    [ "$(manifest encrypted)" = "$ENCRYPTED" ] ||
        fail "the backup's encryption ($(manifest encrypted)) differs from the target's ($ENCRYPTED): set or unset KETPATH_DB_PASSPHRASE"
    forcing=()
    [ "$force" = no ] || forcing=(--force)
    "$python" "$helper" sqlite-restore ${forcing[@]+"${forcing[@]}"} "$backup/database.sqlite" ||
        exit 1
fi

"$python" -m ketpath audit verify || fail "the restored audit log does not verify (see above)"
echo "schema brought up to date and audit chain verified; start ketpath serve again"
