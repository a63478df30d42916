#!/usr/bin/env bash
# Red-team a local ketpath server with Debian's wapiti and sqlmap (issue 11; docs/security.md).
#
# Starts `ketpath serve --demo` on a free port of 127.0.0.1 (a throwaway database
# with a demo account), logs in as the demo person, and runs
#   - wapiti (a crawling web-vulnerability scanner) with the demo session cookie,
#   - sqlmap (--batch) against the login form and a few authenticated endpoints.
# Everything stays on 127.0.0.1; nothing here is run in CI. Reports go to
# ./redteam-<date>/ (or $REDTEAM_OUT). Installs wapiti and sqlmap with apt when
# they are missing (needs root or sudo).
#
#   bash scripts/redteam.sh            # full run (tens of minutes)
#   REDTEAM_QUICK=1 bash scripts/redteam.sh   # fewer modules, lower sqlmap level
#   REDTEAM_CHECK=1 bash scripts/redteam.sh   # only start the server and log in
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"
ketpath="${KETPATH:-$here/.venv/bin/ketpath}"
out="${REDTEAM_OUT:-$here/redteam-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 with apt" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "$2"
}
need curl curl
# Debian 12's wapiti (3.0.4) crashes on Python 3.11 when given -x exclusions
# (re.error in its crawler's wildcard translation), so wapiti comes from PyPI,
# pinned, in a private virtual environment; sqlmap is Debian's.
wapiti_venv="${REDTEAM_WAPITI_VENV:-$here/.redteam-venv}"
wapiti="$wapiti_venv/bin/wapiti"
if [ -z "${REDTEAM_CHECK:-}" ]; then
    if [ ! -x "$wapiti" ]; then
        echo "installing wapiti3 3.2.3 from PyPI into $wapiti_venv" >&2
        python3 -m venv "$wapiti_venv"
        "$wapiti_venv/bin/pip" install -q "wapiti3==3.2.3"
    fi
    need sqlmap sqlmap
fi

port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
log="$out/server.log"
"$ketpath" serve --demo --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "$base/healthz" >/dev/null || { echo "the server did not start; see $log" >&2; exit 1; }
email="$(sed -n 's/^Demo login: \([^ ]*\).*/\1/p' "$log")"
password="$(sed -n 's/.*password: \(.*\)$/\1/p' "$log")"
[ -n "$email" ] && [ -n "$password" ] || { echo "no demo login in $log" >&2; exit 1; }

jar="$out/cookies.txt"
curl -fsS -c "$jar" -o /dev/null -X POST "$base/login" \
    --data-urlencode "email=$email" --data-urlencode "password=$password"
session="$(awk '$6 == "ketpath-session" {print $7}' "$jar")"
[ -n "$session" ] || { echo "login failed" >&2; exit 1; }
echo "server $base, demo $email, reports in $out"
[ -z "${REDTEAM_CHECK:-}" ] || { echo "server up and login works (REDTEAM_CHECK)"; exit 0; }

# wapiti: crawl as the signed-in person, never following /logout or /account/delete.
modules="xss,permanentxss,sql,blindsql,exec,file,redirect,crlf,csp,csrf,http_headers,cookieflags,methods,ssrf,xxe,backup,htaccess"
scan_time=3600; attack_time=600
if [ -n "${REDTEAM_QUICK:-}" ]; then
    modules="xss,sql,exec,file,redirect,crlf,csp,http_headers,cookieflags"
    scan_time=900; attack_time=90   # each module stops after 90 s
fi
"$wapiti" -u "$base/" --scope folder -m "$modules" --flush-session \
    -C "ketpath-session=$session" \
    -x "$base/logout" -x "$base/account/delete" -x "$base/account/password" \
    --max-scan-time "$scan_time" --max-attack-time "$attack_time" \
    -f json -o "$out/wapiti.json" >"$out/wapiti.log" 2>&1 || true

# sqlmap: the public login and registration forms, and authenticated reads.
level=3; risk=2
[ -n "${REDTEAM_QUICK:-}" ] && { level=1; risk=1; }
run_sqlmap() {
    local name="$1"; shift
    sqlmap --batch --level "$level" --risk "$risk" --output-dir "$out/sqlmap" \
        --flush-session "$@" >"$out/sqlmap-$name.log" 2>&1 || true
}
run_sqlmap login -u "$base/login" --data "email=a%40example.org&password=guess" --ignore-code 400,429
run_sqlmap register -u "$base/register" --data "email=b%40example.org&password=short" --ignore-code 400,429
run_sqlmap history -u "$base/history?page=1" --cookie "ketpath-session=$session"
run_sqlmap api-records -u "$base/api/v1/records?type=use&limit=5" \
    --cookie "ketpath-session=$session"

echo
echo "wapiti findings (by category):"
"$python" - "$out/wapiti.json" <<'PY'
import json, sys
try:
    report = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("  no wapiti report")
    raise SystemExit
for kind in ("vulnerabilities", "anomalies"):
    for category, found in sorted(report.get(kind, {}).items()):
        if found:
            print(f"  {kind}: {category}: {len(found)}")
PY
echo "sqlmap: injectable parameters:"
grep -h "is vulnerable\|might be injectable\|appears to be .* injectable" "$out"/sqlmap-*.log \
    || echo "  none reported"
echo "full reports in $out"
