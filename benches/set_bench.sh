#!/usr/bin/env bash
# Benchmark of `tracecfg set` (not a test: it asserts nothing, it prints a table).
#
#   benches/set_bench.sh            # RUNS=20 DELAY_RUNS=10 PYTHON_RUNS=3 by default
#
# Builds tracecfg in release mode, then (see benches/set_bench.py):
#   A. runs it against a tiny Python server that delays every request by 100 ms and counts
#      requests: all three tags changing (target: 2 round trips, < 250 ms) and nothing
#      changing (1 round trip, < 150 ms);
#   B. times a cold `tracecfg set` against a local MLflow 3.17.2 server (target: < 50 ms,
#      mean of RUNS runs), and the same work in Python with MlflowClient for comparison.
# Record results in benches/RESULTS.md.
set -euo pipefail

LIB_PROG="benches/set_bench.sh"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$REPO_ROOT"

finish() {
    local code=$?
    set +e
    mlflow_server_stop
    mlflow_server_cleanup
    exit "$code"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lib_say "building tracecfg (cargo build --release)"
cargo build --release --quiet
ensure_mlflow_venv
mlflow_server_start || lib_die "cannot start the local MLflow server (see above)"

printf 'machine: %s cores, %s; %s; %s\n' "$(nproc)" \
    "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo 'unknown CPU')" \
    "$(uname -sr)" "$(rustc --version)"
printf 'date: %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"

python3 "$REPO_ROOT/benches/set_bench.py" \
    --tracecfg "$REPO_ROOT/target/release/tracecfg" \
    --mlflow-url "$MLFLOW_URL" \
    --venv-python "$MLFLOW_VENV/bin/python" \
    --delay 0.1 \
    --delay-runs "${DELAY_RUNS:-10}" \
    --runs "${RUNS:-20}" \
    --python-runs "${PYTHON_RUNS:-3}"
