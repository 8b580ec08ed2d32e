#!/usr/bin/env bash
# The whole test suite: every Rust test, then the browser journeys (headless Chromium + axe-core).
# Installs what the tests need and is missing: the pinned Python oracles the calendar tests compare
# against, the npm packages of tests/browser, and (as root) Debian's chromium.
# Every storage story is two tests, `…::sqlite` and `…::postgres`. The PostgreSQL twins use
# MINWON_TEST_POSTGRES_URL; without it this script starts a throwaway cluster (scripts/pg-start.sh)
# when PostgreSQL is installed and stops it at the end, else the twins say they were skipped
# (MINWON_REQUIRE_POSTGRES=1 makes them fail instead, as in CI).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 - <<'PY' 2>/dev/null
import holidays, korean_lunar_calendar, ephem
assert holidays.__version__ == "0.109"
PY
then
    echo "installing the test oracles (scripts/requirements-test.txt)" >&2
    python3 -m pip install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
fi
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing Debian's chromium for the browser tests" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
    else
        echo "the browser tests need Chromium: sudo apt-get install chromium (or set CHROMIUM)" >&2
        exit 1
    fi
fi
(cd tests/browser && npm ci --no-audit --no-fund --silent)

if [ -z "${MINWON_TEST_POSTGRES_URL:-}" ] && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    echo "== PostgreSQL (throwaway cluster for the postgres twins)" >&2
    export MINWON_PG_DIR; MINWON_PG_DIR="$(mktemp -d /tmp/minwon-test-pg.XXXXXX)"
    pg_dir="$MINWON_PG_DIR"
    stop_pg() {
        local pg_ctl; pg_ctl="$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)"
        if [ "$(id -u)" = 0 ]; then
            runuser -u postgres -- "$pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
        else
            "$pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
        fi
        rm -rf "$pg_dir"
    }
    trap stop_pg EXIT
    pg_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    MINWON_TEST_POSTGRES_URL="$(scripts/pg-start.sh "$pg_port")"
    export MINWON_TEST_POSTGRES_URL
fi
if [ -z "${MINWON_TEST_POSTGRES_URL:-}" ]; then
    echo "no PostgreSQL (MINWON_TEST_POSTGRES_URL unset, none installed): the postgres twins are skipped" >&2
fi

export MINWON_REQUIRE_ORACLES="${MINWON_REQUIRE_ORACLES:-1}"
status=0
echo "== Rust tests (every storage story on sqlite and postgres)"
cargo test --locked --workspace --no-fail-fast "$@" || status=1

echo "== browser journeys (tests/browser)"
target_dir="$(cargo metadata --locked --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
cargo build --locked --quiet -p minwon
(cd tests/browser && MINWON_BIN="$target_dir/debug/minwon" CHROMIUM="$chromium" node --test --test-concurrency=1) || status=1
exit "$status"
