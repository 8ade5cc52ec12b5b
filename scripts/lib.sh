# shellcheck shell=bash
# Shared helpers for scripts/test, scripts/demo and benches/set_bench.sh: a Python venv with a
# pinned MLflow at .venv-mlflow/, and a throwaway local MLflow server on a free loopback port.
#
# Source it from bash after `set -euo pipefail`. It defines functions only, plus:
#   REPO_ROOT        the repository root
#   MLFLOW_VERSION   the pinned MLflow version
#   MLFLOW_VENV      the venv directory
# After mlflow_server_start: MLFLOW_URL, MLFLOW_PORT, MLFLOW_SERVER_PID, MLFLOW_WORK_DIR.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MLFLOW_VERSION="3.17.2"
MLFLOW_VENV="$REPO_ROOT/.venv-mlflow"
MLFLOW_HEALTH_TIMEOUT="${MLFLOW_HEALTH_TIMEOUT:-120}"

MLFLOW_URL=""
MLFLOW_PORT=""
MLFLOW_SERVER_PID=""
MLFLOW_WORK_DIR=""

lib_say() { printf '%s: %s\n' "${LIB_PROG:-$(basename "$0")}" "$*" >&2; }
lib_die() {
    lib_say "error: $*"
    exit 1
}

# The installed MLflow version of the venv, or nothing.
mlflow_venv_version() {
    [ -x "$MLFLOW_VENV/bin/mlflow" ] || return 0
    "$MLFLOW_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("mlflow"))' 2>/dev/null || true
}

# Whether `mlflow --version` of the venv reports exactly the pinned version.
mlflow_cli_is_pinned() {
    [ "$("$MLFLOW_VENV/bin/mlflow" --version 2>/dev/null)" = "mlflow, version $MLFLOW_VERSION" ]
}

# Makes sure .venv-mlflow/ exists and holds mlflow==$MLFLOW_VERSION; installs it when not.
ensure_mlflow_venv() {
    local have
    have="$(mlflow_venv_version)"
    if [ "$have" = "$MLFLOW_VERSION" ] && mlflow_cli_is_pinned; then
        return 0
    fi
    command -v python3 >/dev/null 2>&1 \
        || lib_die "python3 is not installed; it is needed for the local MLflow server (apt-get install python3 python3-venv)"
    if [ -n "$have" ]; then
        lib_say "the venv at $MLFLOW_VENV has mlflow $have; installing mlflow==$MLFLOW_VERSION"
    else
        lib_say "installing mlflow==$MLFLOW_VERSION into $MLFLOW_VENV (about a minute, once)"
    fi
    if [ ! -x "$MLFLOW_VENV/bin/python" ] || ! "$MLFLOW_VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        rm -rf "$MLFLOW_VENV"
        python3 -m venv "$MLFLOW_VENV" \
            || lib_die "'python3 -m venv $MLFLOW_VENV' failed; on Debian install python3-venv (apt-get install python3-venv)"
    fi
    local log="$MLFLOW_VENV/pip-install.log"
    if ! "$MLFLOW_VENV/bin/python" -m pip install --disable-pip-version-check --no-input \
        "mlflow==$MLFLOW_VERSION" >"$log" 2>&1; then
        tail -n 25 "$log" >&2
        lib_die "pip could not install mlflow==$MLFLOW_VERSION into $MLFLOW_VENV (full log: $log); check access to PyPI"
    fi
    mlflow_cli_is_pinned \
        || lib_die "after installing, '$MLFLOW_VENV/bin/mlflow --version' does not report $MLFLOW_VERSION"
    lib_say "mlflow $MLFLOW_VERSION installed"
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_loopback_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Whether GET $1/health answers 200.
http_ok() {
    python3 - "$1" <<'PY' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/health", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
}

# Starts an MLflow server with a fresh SQLite store under .mlflow-test/, and waits for /health.
# Sets MLFLOW_URL, MLFLOW_PORT, MLFLOW_SERVER_PID, MLFLOW_WORK_DIR. Call mlflow_server_stop
# (from an EXIT trap) to end it.
mlflow_server_start() {
    mkdir -p "$REPO_ROOT/.mlflow-test"
    MLFLOW_WORK_DIR="$(mktemp -d "$REPO_ROOT/.mlflow-test/run.XXXXXX")"
    local attempt
    for attempt in 1 2 3; do
        MLFLOW_PORT="$(free_loopback_port)"
        MLFLOW_URL="http://127.0.0.1:$MLFLOW_PORT"
        local log="$MLFLOW_WORK_DIR/server.log"
        # setsid: the server runs in its own process group, so stopping it also ends its workers.
        MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false setsid "$MLFLOW_VENV/bin/mlflow" server \
            --host 127.0.0.1 --port "$MLFLOW_PORT" \
            --backend-store-uri "sqlite:///$MLFLOW_WORK_DIR/db.sqlite" \
            --default-artifact-root "$MLFLOW_WORK_DIR/art" \
            </dev/null >"$log" 2>&1 &
        MLFLOW_SERVER_PID=$!
        local waited=0
        while [ "$waited" -lt "$MLFLOW_HEALTH_TIMEOUT" ]; do
            if http_ok "$MLFLOW_URL"; then
                lib_say "MLflow $MLFLOW_VERSION server up at $MLFLOW_URL after ${waited}s (pid $MLFLOW_SERVER_PID, log $log)"
                return 0
            fi
            if ! kill -0 "$MLFLOW_SERVER_PID" 2>/dev/null; then
                break
            fi
            sleep 1
            waited=$((waited + 1))
        done
        local why
        if kill -0 "$MLFLOW_SERVER_PID" 2>/dev/null; then
            why="did not answer GET /health within ${MLFLOW_HEALTH_TIMEOUT}s"
        else
            why="exited before answering GET /health"
        fi
        mlflow_server_stop
        # A port taken between choosing and binding it is worth another try; anything else is not.
        if grep -qiE 'address already in use|errno 98' "$log" && [ "$attempt" -lt 3 ]; then
            lib_say "port $MLFLOW_PORT was taken meanwhile; trying another"
            continue
        fi
        lib_say "error: the MLflow server on port $MLFLOW_PORT $why; last lines of $log:"
        tail -n 40 "$log" >&2 || true
        return 1
    done
}

# Stops the server started by mlflow_server_start (its whole process group). Safe to call twice.
mlflow_server_stop() {
    local pid="$MLFLOW_SERVER_PID"
    [ -n "$pid" ] || return 0
    MLFLOW_SERVER_PID=""
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        local i
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

# Removes the server's store and log, unless MLFLOW_KEEP_STORE=1.
mlflow_server_cleanup() {
    if [ -n "$MLFLOW_WORK_DIR" ] && [ "${MLFLOW_KEEP_STORE:-0}" != 1 ]; then
        rm -rf "$MLFLOW_WORK_DIR"
        rmdir "$REPO_ROOT/.mlflow-test" 2>/dev/null || true
    fi
}
