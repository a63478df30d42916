#!/bin/sh
# Install Debian's Chromium for the browser tests (tests/e2e) when it is missing.
# Idempotent and quiet when /usr/bin/chromium is already there. The tests drive
# this binary through Playwright for Python; `playwright install` is never used.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

sh "$(dirname "$0")/apt-install.sh" ensure-chromium chromium

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing" >&2
    exit 1
fi
"$CHROMIUM" --version >&2
