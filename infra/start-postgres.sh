#!/usr/bin/env bash
# Starts a private PostgreSQL 15 cluster for tests and local runs when no Docker engine is available:
# Debian's server (installed if missing), its own data directory (see test-services-dir.sh: outside
# the checkout, so it starts from any folder), on 127.0.0.1. Creates role and database "messaging" (password "messaging") and prints an Npgsql
# connection string on stdout when the server answers.
#   POSTGRES_TEST_PORT (default 5439)
set -euo pipefail
port="${POSTGRES_TEST_PORT:-5439}"
source "$(dirname "${BASH_SOURCE[0]}")/test-services-dir.sh"
base="$services_dir/postgres-$port"
bin=/usr/lib/postgresql/15/bin

if [ ! -x "$bin/initdb" ]; then
  echo "[postgres] installing Debian's postgresql-15" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql-15 >&2
fi

mkdir -p "$base"
chown postgres:postgres "$base"
# From / : the postgres user may not be able to enter the caller's folder.
as_pg() { (cd / && su postgres -s /bin/bash -c "$*"); }
if [ ! -f "$base/data/PG_VERSION" ]; then
  as_pg "$bin/initdb -D '$base/data' -U postgres --auth=trust -E UTF8 >/dev/null"
fi
if ! as_pg "$bin/pg_ctl -D '$base/data' status" >/dev/null 2>&1; then
  echo "[postgres] starting on 127.0.0.1:$port" >&2
  as_pg "$bin/pg_ctl -D '$base/data' -l '$base/server.log' -w -t 60 \
    -o \"-p $port -k '$base' -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off\" start" >&2
fi
psql_pg() { as_pg "psql -h 127.0.0.1 -p $port -U postgres -v ON_ERROR_STOP=1 -qtAc \"$1\""; }
[ "$(psql_pg "SELECT 1 FROM pg_roles WHERE rolname='messaging'")" = "1" ] || psql_pg "CREATE ROLE messaging LOGIN PASSWORD 'messaging'"
[ "$(psql_pg "SELECT 1 FROM pg_database WHERE datname='messaging'")" = "1" ] || psql_pg "CREATE DATABASE messaging OWNER messaging"
echo "Host=127.0.0.1;Port=$port;Username=messaging;Password=messaging;Database=messaging"
