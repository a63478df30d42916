#!/bin/sh
# Install the pinned Lighthouse (tools/lighthouse/package-lock.json) for the
# audits that tests/e2e/test_lighthouse.py runs against Debian's Chromium.
# Idempotent and quiet: nothing happens when the installed version is the
# locked one. Without Node.js it says so and stops; in CI (CI=true) that is a
# failure, since the audits are part of `make test` there.
set -eu

HERE=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
TOOL="$HERE/tools/lighthouse"
INSTALLED="$TOOL/node_modules/lighthouse/package.json"
WANTED=$(sed -n 's/.*"lighthouse": "\([0-9.]*\)".*/\1/p' "$TOOL/package.json" | head -n 1)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "ensure-lighthouse: node and npm are missing; the Lighthouse audits will be skipped" >&2
    if [ "${CI:-}" = "true" ]; then
        exit 1
    fi
    exit 0
fi

if [ -f "$INSTALLED" ] && grep -q "\"version\": \"$WANTED\"" "$INSTALLED"; then
    exit 0
fi

echo "ensure-lighthouse: installing lighthouse $WANTED with npm ci" >&2
(cd "$TOOL" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

if ! grep -q "\"version\": \"$WANTED\"" "$INSTALLED"; then
    echo "ensure-lighthouse: npm ci finished but lighthouse $WANTED is not installed" >&2
    exit 1
fi
