#!/usr/bin/env bash
# Stops the private PostgreSQL cluster started by start-postgres.sh.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${POSTGRES_TEST_PORT:-5439}"
su postgres -s /bin/bash -c "/usr/lib/postgresql/15/bin/pg_ctl -D '$root/.test-services/postgres-$port/data' stop -m fast" >/dev/null 2>&1 || true
