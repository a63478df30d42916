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

sh "$(dirname "$0")/apt-install.sh" ensure-fonts fonts-noto-cjk

if [ ! -f "$FONT" ]; then
    echo "ensure-fonts: apt-get finished but $FONT is still missing" >&2
    exit 1
fi
