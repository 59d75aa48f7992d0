#!/usr/bin/env bash
# Stops the private RabbitMQ node started by start-rabbitmq.sh.
port="${RABBITMQ_TEST_PORT:-5679}"
rabbitmqctl -q -n "messaging-test-${port}@localhost" stop >/dev/null 2>&1 || true
