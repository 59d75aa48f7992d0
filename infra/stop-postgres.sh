#!/usr/bin/env bash
# Stops the private PostgreSQL cluster started by start-postgres.sh.
port="${POSTGRES_TEST_PORT:-5439}"
source "$(dirname "${BASH_SOURCE[0]}")/test-services-dir.sh"
(cd / && su postgres -s /bin/bash -c "/usr/lib/postgresql/15/bin/pg_ctl -D '$services_dir/postgres-$port/data' stop -m fast") >/dev/null 2>&1 || true
