#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster (UTF-8) on 127.0.0.1 for the tests and print its URL.
# Usage: [MINWON_PG_DIR=DIR] scripts/pg-start.sh [PORT]   (installs Debian's postgresql when missing)
set -euo pipefail
port="${1:-55432}"
if ! command -v pg_ctl >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
bin="$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)")"
dir="${MINWON_PG_DIR:-$(mktemp -d /tmp/minwon-pg.XXXXXX)}"
mkdir -p "$dir"
chmod 755 "$dir"
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
run "$bin/initdb" -D "$dir/data" -E UTF8 --locale=C.UTF-8 --auth=trust -U postgres >/dev/null
run "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"
