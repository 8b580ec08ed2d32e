#!/usr/bin/env bash
# The whole test suite: every Rust test, then the browser journeys (headless Chromium + axe-core).
# Installs what the tests need and is missing: the pinned Python oracles the calendar tests compare
# against, the npm packages of tests/browser, and (as root) Debian's chromium.
# Stories run on SQLite, and also on PostgreSQL when MINWON_TEST_POSTGRES_URL is set
# (scripts/pg-start.sh prints such a URL).
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

export MINWON_REQUIRE_ORACLES="${MINWON_REQUIRE_ORACLES:-1}"
status=0
cargo test --workspace --no-fail-fast "$@" || status=1

echo "== browser journeys (tests/browser)"
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
cargo build --quiet -p minwon
(cd tests/browser && MINWON_BIN="$target_dir/debug/minwon" CHROMIUM="$chromium" node --test --test-concurrency=1) || status=1
exit "$status"
