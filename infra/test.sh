#!/usr/bin/env bash
# The project's test command: installs and starts what the tests need when it is absent,
# exports their addresses, runs every .NET and Node test suite, and ends with one line
# "Tests: N passed, M failed[, K skipped]" summed from the real results.
# Exit status is non-zero when any test failed or any suite could not run.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log_dir="$root/.test-services/logs"
mkdir -p "$log_dir"

passed=0; failed=0; skipped=0; broken=0
pids_to_stop=()
started_rabbitmq=0
started_postgres=0
cleanup() {
  for pid in "${pids_to_stop[@]}"; do kill "$pid" 2>/dev/null; done
  if [ "$started_rabbitmq" = 1 ]; then infra/stop-rabbitmq.sh; fi
  if [ "$started_postgres" = 1 ]; then infra/stop-postgres.sh; fi
}
trap cleanup EXIT

say() { echo "[test.sh] $*"; }

# --- Node packages (the official SDK for conformance tests) ---------------------------------
if [ -f tests/conformance/package-lock.json ]; then
  say "npm ci in tests/conformance"
  (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error) || { say "npm ci failed"; broken=1; }
fi
# The official AsyncAPI parser, for contracts/asyncapi.yaml.
say "npm ci in contracts/asyncapi"
(cd contracts/asyncapi && npm ci --no-audit --no-fund --loglevel=error) || { say "npm ci failed in contracts/asyncapi"; broken=1; }
# The official AsyncAPI generator and HTML template, for the HTML documentation. The template's PDF output would want
# a browser: nothing downloads one (PUPPETEER_SKIP_DOWNLOAD, and the folder's .puppeteerrc.cjs).
say "npm ci in contracts/asyncapi-html"
(cd contracts/asyncapi-html && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) \
  || { say "npm ci failed in contracts/asyncapi-html"; broken=1; }

# --- .NET ------------------------------------------------------------------------------------
say "building"
if ! dotnet build Messaging.sln -c Release >"$log_dir/build.log" 2>&1; then
  tail -n 40 "$log_dir/build.log"
  say "the build failed"
  echo "Tests: 0 passed, 1 failed"
  exit 1
fi

# The packages for integrators (contracts, client, saga repository) must pack.
for package in contracts/Messaging.Contracts src/Messaging.Client src/Messaging.Sagas.Npgsql; do
  if ! dotnet pack "$package" -c Release --no-build -o "$log_dir/packages" >"$log_dir/pack.log" 2>&1; then
    tail -n 20 "$log_dir/pack.log"; say "dotnet pack of $package failed"; broken=1
  fi
done

# Microsoft Testing Platform prints one summary per run: "total: N", "failed: N", "succeeded: N", "skipped: N".
d_failed=0; d_total=0; dotnet_logs=()
run_dotnet_tests() { # $1 = label, the rest = filter arguments; a project with no matching test is not a failure (exit code 8)
  local label="$1"; shift
  local out="$log_dir/dotnet-test-$label.log"
  dotnet_logs+=("$out")
  say "running .NET tests ($label)"
  # --hangdump: a test process in which no test has started or ended for 10 minutes is dumped and stopped, and the
  # tests still running are named here, so a hang fails the run with its culprit instead of running into CI's limit.
  dotnet test Messaging.sln -c Release --no-build "$@" --ignore-exit-code 8 \
    --hangdump --hangdump-timeout "${TEST_HANG_TIMEOUT:-10m}" --hangdump-type Mini 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  read -r t f p k < <(awk '
    /^[[:space:]]*total:/     {t=$2}
    /^[[:space:]]*failed:/    {f=$2}
    /^[[:space:]]*succeeded:/ {s=$2}
    /^[[:space:]]*skipped:/   {k=$2}
    END {print t+0, f+0, s+0, k+0}' "$out")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
  d_failed=$((d_failed + f)); d_total=$((d_total + t))
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then say ".NET test run ($label) failed without a failed test"; broken=1; fi
  if [ "$t" = 0 ]; then say "no .NET test ran ($label)"; broken=1; fi
}

# Tests marked [Trait("Needs", ...)] use RabbitMQ or PostgreSQL; every other test runs first, before
# either service exists, which proves they need none.
run_dotnet_tests no-services --filter-not-trait 'Needs=*'

# --- RabbitMQ and PostgreSQL (the worker's integration tests and the saga store's) ------------
# One given from outside (its variable set) is used as it is; otherwise a private one is started, and stopped at the end.
start_service() { # $1 = variable, $2 = name, $3 = start script, $4 = where its log lies, $5 = the flag that stops it at the end
  local variable="$1" name="$2" script="$3" log="$4" started="$5" address
  [ -n "${!variable:-}" ] && return 0
  say "starting a private $name"
  printf -v "$started" 1
  if ! address="$("$script")" || [ -z "$address" ]; then
    say "$name could not be started (see $log); the tests marked Needs=$name need it"
    echo "Tests: $passed passed, $((failed + 1)) failed"
    exit 1
  fi
  printf -v "$variable" '%s' "$address"
}
start_service RABBITMQ_URL RabbitMQ infra/start-rabbitmq.sh "/var/tmp/messaging-test-services/rabbitmq-*/log" started_rabbitmq
export RABBITMQ_URL
say "RabbitMQ at ${RABBITMQ_URL#*@}"
start_service POSTGRES_CONNECTION_STRING PostgreSQL infra/start-postgres.sh "/var/tmp/messaging-test-services/postgres-*/server.log" started_postgres
export POSTGRES_CONNECTION_STRING
say "PostgreSQL at $(echo "$POSTGRES_CONNECTION_STRING" | tr ';' '\n' | grep -iE '^(host|port|database)=' | paste -sd ' ')"

# Fault tests (Category=Fault: killed replicas, duplicates, a stopped database) print their counts to this file.
export MESSAGING_FAULT_REPORT="$log_dir/fault-counts.log"
: >"$MESSAGING_FAULT_REPORT"
run_dotnet_tests services --filter-trait 'Needs=*'
say "fault test counts:"
cat "$MESSAGING_FAULT_REPORT"

# --- Node suites (node's own test runner) ------------------------------------------------------
run_node_suite() { # $1 = folder with package.json; its tests run with node --test
  local dir="$1" out="$log_dir/node-$(basename "$1").log"
  say "running Node tests in $dir"
  (cd "$dir" && node --test --test-reporter=tap) 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  read -r n_pass n_fail n_skip < <(awk '
    /^# pass /    {p=$3}
    /^# fail /    {f=$3}
    /^# skipped / {s=$3}
    /^# todo /    {s+=$3}
    END {print p+0, f+0, s+0}' "$out")
  passed=$((passed + n_pass)); failed=$((failed + n_fail)); skipped=$((skipped + n_skip))
  if [ "$rc" != 0 ] && [ "$n_fail" = 0 ]; then say "Node tests in $dir failed without a failed test"; broken=1; fi
}

# --- Python suites (unittest, with Debian's python3-pika: /usr/bin/python3, which sees Debian's packages) ------------
run_python_suite() { # $1 = folder whose test_*.py run with python3 -m unittest
  local dir="$1" out="$log_dir/python-$(basename "$1").log"
  if ! /usr/bin/python3 -c "import pika" >/dev/null 2>&1; then
    say "installing Debian's python3-pika"
    (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq python3-pika) >"$log_dir/apt-pika.log" 2>&1 \
      || { say "python3-pika could not be installed (see $log_dir/apt-pika.log)"; broken=1; return; }
  fi
  say "running Python tests in $dir"
  (cd "$dir" && /usr/bin/python3 -m unittest -v) 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  read -r n_run n_fail n_skip < <(awk '
    /^Ran [0-9]+ test/ {r=$2}
    /^FAILED|^OK/ {
      if (match($0, /failures=[0-9]+/)) f+=substr($0, RSTART+9, RLENGTH-9)
      if (match($0, /errors=[0-9]+/)) f+=substr($0, RSTART+7, RLENGTH-7)
      if (match($0, /skipped=[0-9]+/)) s+=substr($0, RSTART+8, RLENGTH-8)
    }
    END {print r+0, f+0, s+0}' "$out")
  passed=$((passed + n_run - n_fail - n_skip)); failed=$((failed + n_fail)); skipped=$((skipped + n_skip))
  if [ "$rc" != 0 ] && [ "$n_fail" = 0 ]; then say "Python tests in $dir failed without a failed test"; broken=1; fi
}

wait_for() { # $1 = URL that answers 200 when the service is ready
  for _ in $(seq 1 150); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  say "$1 did not answer"; broken=1; return 1
}

emulator_port=${EMULATOR_PORT:-18451}
export EMULATOR_URL="http://127.0.0.1:${emulator_port}"
say "starting the emulator on $EMULATOR_URL"
dotnet src/Messaging.Emulator/bin/Release/net10.0/Messaging.Emulator.dll --urls "$EMULATOR_URL" \
  >"$log_dir/emulator.log" 2>&1 &
pids_to_stop+=($!)
wait_for "$EMULATOR_URL/health"
run_node_suite tests/conformance
run_node_suite contracts/asyncapi
run_node_suite contracts/asyncapi-html # leaves the HTML documentation at artifacts/asyncapi-html/index.html

# Publishers that are not .NET (Node's amqplib, Python's pika) against a real worker process on the real broker.
worker_url="http://127.0.0.1:${WORKER_PORT:-18452}"
say "starting a worker on $worker_url"
if [ "$started_rabbitmq" = 1 ]; then
  # This node keeps its data between runs: queues an older version declared without a prefix (classic ones, before
  # the shared queues became quorum queues) would refuse the worker's declarations. Nothing else uses these names.
  for queue in interaction-requested interaction-requested-poison interaction-cancels conversation-state conversation-state-poison conversation-cancel-router; do
    (cd / && rabbitmqctl -q -n "messaging-test-${RABBITMQ_TEST_PORT:-5679}@localhost" delete_queue "$queue" >/dev/null 2>&1) || true
  done
fi
(cd contracts/examples/node && npm ci --no-audit --no-fund --loglevel=error) || { say "npm ci failed in contracts/examples/node"; broken=1; }
Bus__RabbitMqUrl="$RABBITMQ_URL" Interactions__BaseUrl="$EMULATOR_URL" \
  GEMINI_API_KEY=emulator ASPNETCORE_URLS="$worker_url" \
  dotnet src/Messaging.Worker/bin/Release/net10.0/Messaging.Worker.dll >"$log_dir/worker.log" 2>&1 &
pids_to_stop+=($!)
if wait_for "$worker_url/health/ready"; then
  run_node_suite contracts/examples/node
  run_python_suite contracts/examples/python
fi

# --- Benchmark smoke test: the whole benchmark chain in --quick mode; counts as one test, asserts no speed.
say "benchmark smoke test (bench/Messaging.Benchmarks --quick)"
if dotnet bench/Messaging.Benchmarks/bin/Release/net10.0/Messaging.Benchmarks.dll --quick >"$log_dir/bench-quick.log" 2>&1; then
  passed=$((passed + 1))
else
  tail -n 30 "$log_dir/bench-quick.log"; say "the benchmark smoke test failed (see $log_dir/bench-quick.log)"; failed=$((failed + 1))
fi

# Repeat every failed .NET test with the start of its message here, next to the summary, so a
# log that keeps only its tail still says what failed.
if [ "$d_failed" -gt 0 ]; then
  say "failed .NET tests:"
  awk '/^[[:space:]]*failed [^:]/ {n=12} n>0 {print; n--}' "${dotnet_logs[@]}"
fi

summary="Tests: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
if [ "$failed" -gt 0 ] || [ "$broken" -ne 0 ]; then exit 1; fi
exit 0
