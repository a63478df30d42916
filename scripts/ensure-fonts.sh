#!/bin/sh
# Install Debian's Noto CJK fonts (fonts-noto-cjk) when they are missing: the PDF
# report (typst) and the charts (matplotlib) need them to show Chinese (issue 15).
# Idempotent and quiet when the font file is already there. English needs no
# CJK font; ketpath.present.fonts names this script when a Chinese report is
# asked for without it.
set -eu

FONT=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

if [ -f "$FONT" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "ensure-fonts: $FONT is missing and this user cannot install packages" >&2
    exit 1
fi

echo "ensure-fonts: installing Debian's fonts-noto-cjk with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null

if [ ! -f "$FONT" ]; then
    echo "ensure-fonts: apt-get finished but $FONT is still missing" >&2
    exit 1
fi
