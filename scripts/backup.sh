#!/usr/bin/env bash
# Back up ketpath's database into a new folder, ready for scripts/restore.sh.
#
#   scripts/backup.sh [--db URL] [--with FILE]... BACKUP_ROOT
#
# The database is the one ketpath itself would open: --db, else KETPATH_DB,
# else the SQLite file in the user's data folder. Prefer KETPATH_DB (or a
# systemd EnvironmentFile) to --db when the URL holds a password, since
# arguments show in the process list; the password reaches pg_dump only
# through its environment (PGPASSWORD).
#
# Writes BACKUP_ROOT/ketpath-YYYYMMDDTHHMMSSZ/ (0700, files 0600):
#   database.pgdump  PostgreSQL: pg_dump --format=custom (a consistent snapshot)
#   database.sqlite  SQLite: an online backup (SQLCipher files stay encrypted,
#                    with the same passphrase, which is NOT in the backup)
#   files/           copies of the deployment files named with --with (the
#                    environment file, the nginx site, ...) and of
#                    KETPATH_HELPLINES when it is set, and of the clinic's
#                    wording files (KETPATH_WORDING/*.toml)
#   MANIFEST         kind, encryption, schema revision, ketpath version, date
#   SHA256SUMS       checked by restore.sh before it touches anything
# and prints the folder's path on the last line. A backup that fails half way
# leaves nothing but a *.partial folder, removed on the way out.
#
# Environment: KETPATH_PYTHON, the Python that has ketpath installed (default:
# the one beside `ketpath` on PATH, else python3).
set -euo pipefail

program=${0##*/}
fail() {
    echo "$program: $*" >&2
    exit 1
}
usage() {
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
}

root=""
extras=()
while [ $# -gt 0 ]; do
    case $1 in
        --db)
            [ $# -ge 2 ] || fail "--db needs a database URL or SQLite path"
            export KETPATH_DB=$2
            shift 2
            ;;
        --with)
            [ $# -ge 2 ] || fail "--with needs a file"
            [ -f "$2" ] || fail "--with $2: no such file"
            extras+=("$2")
            shift 2
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        -*) fail "unknown option $1 (see --help)" ;;
        *)
            [ -z "$root" ] || fail "give one BACKUP_ROOT folder (got $root and $1)"
            root=$1
            shift
            ;;
    esac
done
[ -n "$root" ] || fail "give the folder to write the backup into (see --help)"

# shellcheck source=scripts/backup-common.sh
. "$(cd "$(dirname "$0")" && pwd)/backup-common.sh"

umask 077
KIND="" ENCRYPTED="" SQLITE_FILE="" REVISION="" VERSION=""
found=$("$python" "$helper" where --describe) ||
    fail "cannot open the database to back up (see above; if ketpath is not found, set KETPATH_PYTHON to the Python it is installed in)"
eval "$found"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$root"
final="$root/ketpath-$stamp"
partial="$final.partial"
[ ! -e "$final" ] || fail "$final exists already"
mkdir "$partial"
trap 'rm -rf "$partial"' EXIT

if [ "$KIND" = postgresql ]; then
    command -v pg_dump >/dev/null || fail "pg_dump not found (Debian: apt-get install postgresql-client)"
    pg_dump --format=custom --file="$partial/database.pgdump" ||
        fail "pg_dump of database ${PGDATABASE:-?} failed (see its message above)"
    pg_restore --list "$partial/database.pgdump" >/dev/null ||
        fail "the dump cannot be read back by pg_restore"
else
    "$python" "$helper" sqlite-backup "$partial/database.sqlite" ||
        fail "the SQLite backup of $SQLITE_FILE failed (see the message above)"
fi

if [ -n "${KETPATH_HELPLINES:-}" ]; then
    extras+=("$KETPATH_HELPLINES")
fi
if [ -n "${KETPATH_WORDING:-}" ]; then
    for file in "$KETPATH_WORDING"/*.toml; do
        [ ! -e "$file" ] || extras+=("$file")
    done
fi
if [ ${#extras[@]} -gt 0 ]; then
    mkdir "$partial/files"
    for file in "${extras[@]}"; do
        name=${file##*/}
        [ ! -e "$partial/files/$name" ] || fail "two files named $name given with --with"
        cp -- "$file" "$partial/files/$name"
        printf '%s\t%s\n' "$name" "$(cd "$(dirname "$file")" && pwd)/$name" >>"$partial/files/WHERE"
    done
fi

{
    echo "format=ketpath-backup-1"
    echo "kind=$KIND"
    echo "encrypted=$ENCRYPTED"
    echo "schema=$REVISION"
    echo "ketpath=$VERSION"
    echo "created=$stamp"
} >"$partial/MANIFEST"
(
    cd "$partial"
    find . -type f ! -name SHA256SUMS -printf '%P\0' | sort -z | xargs -0 sha256sum -- >SHA256SUMS
)
sync "$partial"/* 2>/dev/null || true
mv "$partial" "$final"
trap - EXIT
echo "backup of a $KIND database (schema $REVISION) written to:"
echo "$final"
