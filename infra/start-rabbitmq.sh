#!/usr/bin/env bash
# Starts a private RabbitMQ node for tests and local runs when no Docker engine is available:
# Debian's rabbitmq-server (installed if missing), its own node name, ports and data directory
# (see test-services-dir.sh: outside the checkout, so it starts from any folder), bound to 127.0.0.1.
# Prints the AMQP URL on stdout when the node answers.
#   RABBITMQ_TEST_PORT (default 5679)  AMQP port
#   RABBITMQ_TEST_CONFIG_FILE           a rabbitmq.conf for the node (e.g. a test's lower consumer_timeout); read at start
set -euo pipefail
port="${RABBITMQ_TEST_PORT:-5679}"
node="messaging-test-${port}@localhost"
source "$(dirname "${BASH_SOURCE[0]}")/test-services-dir.sh"
base="$services_dir/rabbitmq-$port"
mkdir -p "$base/mnesia" "$base/log"

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  echo "[rabbitmq] installing Debian's rabbitmq-server" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq rabbitmq-server >&2
  # The package starts the system node; ours runs separately, so stop that one.
  (service rabbitmq-server stop || true) >/dev/null 2>&1
fi

export RABBITMQ_NODENAME="$node"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$port"
export RABBITMQ_DIST_PORT=$((port + 20000))
export RABBITMQ_MNESIA_BASE="$base/mnesia"
export RABBITMQ_LOG_BASE="$base/log"
export RABBITMQ_PID_FILE="$base/rabbit.pid"
export RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins"
[ -f "$RABBITMQ_ENABLED_PLUGINS_FILE" ] || echo "[]." >"$RABBITMQ_ENABLED_PLUGINS_FILE"
if [ -n "${RABBITMQ_TEST_CONFIG_FILE:-}" ]; then
  # Copied into the node's folder: its user must read it, and the name must end in .conf.
  cp "$RABBITMQ_TEST_CONFIG_FILE" "$base/rabbitmq.conf"
  export RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf"
fi
# Debian's wrapper runs the node as the rabbitmq user, which must own its directories.
chown -R rabbitmq:rabbitmq "$base"

# The node's user may not be able to enter the caller's folder either.
cd /
if ! rabbitmqctl -q -n "$node" status >/dev/null 2>&1; then
  echo "[rabbitmq] starting node $node on 127.0.0.1:$port" >&2
  rabbitmq-server -detached >&2
fi
# The first tries fail while the node registers with epmd.
for _ in $(seq 1 30); do
  if rabbitmqctl -q -n "$node" await_startup --timeout 5 >/dev/null 2>&1; then
    echo "amqp://guest:guest@127.0.0.1:$port/"
    exit 0
  fi
  sleep 1
done
echo "[rabbitmq] the node did not start; see $base/log" >&2
exit 1
