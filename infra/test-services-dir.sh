# Sourced by the start/stop scripts: where the private test services keep their data.
# RabbitMQ runs as user rabbitmq and PostgreSQL as postgres, and neither may enter a checkout that lies
# in a folder only root can open (root's home, any mktemp -d folder). Their data therefore lives outside
# the checkout, in a folder every user can traverse; each service's own folder belongs to its user.
#   MESSAGING_TEST_SERVICES_DIR (default /var/tmp/messaging-test-services)
services_dir="${MESSAGING_TEST_SERVICES_DIR:-/var/tmp/messaging-test-services}"
mkdir -p "$services_dir"
chmod 0755 "$services_dir"
