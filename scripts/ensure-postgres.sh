#!/usr/bin/env bash
# Make sure Debian's PostgreSQL server binaries are present, for the store tests
# (tests/integration/conftest.py starts its own throwaway server with them).
#
# Does nothing, silently, when /usr/lib/postgresql/*/bin/initdb already exists.
# Otherwise installs the `postgresql` package with apt-get; that needs root (or
# sudo). Installing it also creates and starts Debian's default cluster, which
# the tests do not use.
set -euo pipefail

have_initdb() {
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

if have_initdb; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-postgres: no PostgreSQL server found and no apt-get to install one;" >&2
    echo "ensure-postgres: install PostgreSQL (initdb, pg_ctl) by hand to run the store tests." >&2
    exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "ensure-postgres: installing PostgreSQL needs root (or sudo)." >&2
        exit 1
    fi
fi

echo "ensure-postgres: installing Debian's postgresql package ..." >&2
${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq
${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends postgresql >/dev/null

if ! have_initdb; then
    echo "ensure-postgres: installed postgresql but found no /usr/lib/postgresql/*/bin/initdb" >&2
    exit 1
fi
echo "ensure-postgres: done ($(compgen -G '/usr/lib/postgresql/*/bin/initdb' | head -n 1))" >&2
