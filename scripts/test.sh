#!/usr/bin/env bash
# The whole test suite. Installs the Python oracles the tests compare against, then runs every
# Rust test. Stories run on SQLite, and also on PostgreSQL when MINWON_TEST_POSTGRES_URL is set
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
export MINWON_REQUIRE_ORACLES="${MINWON_REQUIRE_ORACLES:-1}"
exec cargo test --workspace --no-fail-fast "$@"
