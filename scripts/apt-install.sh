#!/bin/sh
# Install Debian packages with apt-get, as root or through sudo: the shared part of
# the ensure-*.sh scripts. Usage: sh scripts/apt-install.sh WHO PACKAGE...
# (WHO names the calling script in messages).
set -eu

WHO=$1
shift

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "$WHO: $* missing and this user cannot install packages" >&2
    exit 1
fi

echo "$WHO: installing Debian's $* with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
