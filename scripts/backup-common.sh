# Sourced by backup.sh and restore.sh: where their Python helper is, and which
# Python runs it. KETPATH_PYTHON wins; else the Python beside the `ketpath`
# command on PATH (the one ketpath is installed in); else python3.
here=$(cd "$(dirname "$0")" && pwd)
helper="$here/backup_database.py"
python=${KETPATH_PYTHON:-}
if [ -z "$python" ]; then
    if ketpath_bin=$(command -v ketpath); then
        python="$(dirname "$ketpath_bin")/python"
    fi
    [ -n "$python" ] && [ -x "$python" ] || python=python3
fi
