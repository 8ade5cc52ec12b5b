#!/usr/bin/env python3
"""Benchmark of the trace-store source against the real `mlflow` Python client.

Starts its own open-source MLflow server (the venv that scripts/test installs, a fresh SQLite
store), logs the scenario traces of tests/it/python/log_traces.py plus BULK bulk traces with the
real `mlflow` client, then times, as whole processes (what a person or a CI step pays):

  - `tracecfg traces -e EXP --limit 100 -o json` against
    `mlflow.search_traces(locations=[EXPERIMENT_ID], max_results=100, return_type="list")`;
  - `tracecfg trace ID -o json` against `mlflow.get_trace(ID)`, for the nested trace;
  - `tracecfg trace ID -e EXP -o json` (the experiment checked too) against the same.

Each case checks that both sides give the same result (the same trace ids in the same order; the
same span ids), reports the client's call alone beside its whole process (the rest is starting
Python and importing mlflow), and counts the HTTP round trips of each: tracecfg's from its `--debug` lines
("debug: > ENDPOINT", one per request sent), the client's by counting `requests.Session.request`
calls in the Python process (a patch installed before mlflow is imported, so every request the
client sends is counted).

    .venv-mlflow/bin/python benches/trace_store_bench.py [--bulk 150] [--runs 7] [--bin PATH]

Needs the MLflow venv of scripts/test (scripts/lib.sh ensure_mlflow_venv) and a release build
(`cargo build --release`; --bin picks another). Prints a Markdown table; the figures recorded in
benches/RESULTS.md come from this script. A benchmark, not a test: it reports numbers and fails
only when the two sides disagree on the result.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)
LOG_TRACES = os.path.join(REPO, "tests", "it", "python", "log_traces.py")

# The client side of each case, run as `python -c`: a counter on requests.Session.request (the
# transport under mlflow's REST calls), then the call, then one JSON line with the result and the
# request count.
CLIENT_PRELUDE = """
import json, sys, time
import requests
_count = [0]
_send = requests.Session.request
def _counted(self, *a, **k):
    _count[0] += 1
    return _send(self, *a, **k)
requests.Session.request = _counted
import mlflow
mlflow.set_tracking_uri(sys.argv[1])
"""
CLIENT_SEARCH = CLIENT_PRELUDE + """
_started = time.perf_counter()
traces = mlflow.search_traces(locations=[sys.argv[2]], max_results=100, return_type="list")
print(json.dumps({"result": [t.info.trace_id for t in traces], "requests": _count[0],
                  "call_s": time.perf_counter() - _started}))
"""
CLIENT_GET = CLIENT_PRELUDE + """
_started = time.perf_counter()
trace = mlflow.get_trace(sys.argv[2])
print(json.dumps({"result": sorted(s.span_id for s in trace.data.spans), "requests": _count[0],
                  "call_s": time.perf_counter() - _started}))
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bulk", type=int, default=150, help="bulk traces besides the scenario")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per side (after a warm-up)")
    parser.add_argument("--bin", default=os.path.join(REPO, "target", "release", "tracecfg"))
    return parser.parse_args()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workdir):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(workdir, "server.log"), "w")
    env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    proc = subprocess.Popen(
        [os.path.join(VENV_BIN, "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{workdir}/db.sqlite",
         "--default-artifact-root", f"{workdir}/art"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
        start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the MLflow server exited; see {workdir}/server.log")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGTERM)
    sys.exit("the MLflow server did not answer /health within 120 s")


def log_traces(url, experiment, bulk):
    out = subprocess.run([sys.executable, LOG_TRACES, url, experiment, "--bulk", str(bulk)],
                         check=True, capture_output=True, text=True,
                         env=dict(os.environ, MLFLOW_ENABLE_ASYNC_TRACE_LOGGING="false")).stdout
    return json.loads(out)


def tracecfg_env(url, home):
    # A hermetic environment: no ~/.databrickscfg, no DATABRICKS_* of the caller.
    return {"PATH": os.environ.get("PATH", ""), "HOME": home, "DATABRICKS_HOST": url,
            "DATABRICKS_TOKEN": "bench-token"}


def run_tracecfg(binary, args, env):
    started = time.perf_counter()
    out = subprocess.run([binary, *args], check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - started, out.stdout


def tracecfg_round_trips(binary, args, env):
    err = subprocess.run([binary, "--debug", *args], check=True, capture_output=True, text=True,
                         env=env).stderr
    return [line[len("debug: > "):] for line in err.splitlines() if line.startswith("debug: > ")]


def run_client(code, argv, home):
    env = dict(os.environ, HOME=home)
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *argv], check=True, capture_output=True,
                         text=True, env=env).stdout
    return time.perf_counter() - started, json.loads(out.strip().splitlines()[-1])


def median_ms(samples):
    return statistics.median(samples) * 1000


def measure(label, runs, tracecfg, client):
    """tracecfg: (binary, args, env, result_of_stdout); client: (code, argv, home)."""
    binary, args, env, result_of = tracecfg
    code, argv, home = client
    run_tracecfg(binary, args, env)
    run_client(code, argv, home)
    ours, theirs, calls = [], [], []
    our_result = their_result = their_requests = None
    for _ in range(runs):
        seconds, stdout = run_tracecfg(binary, args, env)
        ours.append(seconds)
        our_result = result_of(stdout)
        seconds, answer = run_client(code, argv, home)
        theirs.append(seconds)
        calls.append(answer["call_s"])
        their_result, their_requests = answer["result"], answer["requests"]
    if our_result != their_result:
        sys.exit(f"{label}: tracecfg and the mlflow client disagree:\n{our_result}\n{their_result}")
    endpoints = tracecfg_round_trips(binary, args, env)
    return {
        "case": label,
        "tracecfg_ms": median_ms(ours),
        "client_ms": median_ms(theirs),
        "client_call_ms": median_ms(calls),
        "ratio": statistics.median(theirs) / statistics.median(ours),
        "tracecfg_requests": len(endpoints),
        "tracecfg_endpoints": endpoints,
        "client_requests": their_requests,
        "same_result": True,
        "result_size": len(our_result),
    }


def trace_ids_of(stdout):
    return [t["trace_id"] for t in json.loads(stdout)]


def span_ids_of(stdout):
    """The span ids of `trace -o json`, whose spans are a tree (children under their parent)."""
    ids, stack = [], list(json.loads(stdout)["spans"])
    while stack:
        span = stack.pop()
        ids.append(span["span_id"])
        stack.extend(span.get("children", []))
    return sorted(ids)


def main():
    args = parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} is missing: cargo build --release (or pass --bin)")
    workdir = tempfile.mkdtemp(prefix="tracecfg-store-bench-")
    home = os.path.join(workdir, "home")
    os.mkdir(home)
    server, url = start_server(workdir)
    try:
        experiment = "/Shared/tracecfg-bench/store"
        logged = log_traces(url, experiment, args.bulk)
        experiment_id = logged["experiment_id"]
        nested = next(t for t in logged["traces"] if t["name"] == "agent_ok")["trace_id"]
        env = tracecfg_env(url, home)
        rows = [
            measure("`traces -e EXP --limit 100 -o json` vs `search_traces(max_results=100)`",
                    args.runs,
                    (args.bin, ["traces", "-e", experiment, "--limit", "100", "-o", "json"], env,
                     trace_ids_of),
                    (CLIENT_SEARCH, [url, experiment_id], home)),
            measure("`trace ID -o json` vs `get_trace(ID)`", args.runs,
                    (args.bin, ["trace", nested, "-o", "json"], env, span_ids_of),
                    (CLIENT_GET, [url, nested], home)),
            measure("`trace ID -e EXP -o json` vs `get_trace(ID)`", args.runs,
                    (args.bin, ["trace", nested, "-e", experiment, "-o", "json"], env, span_ids_of),
                    (CLIENT_GET, [url, nested], home)),
        ]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    version = subprocess.run([sys.executable, "-c", "import mlflow; print(mlflow.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    print(f"MLflow {version}, {len(logged['traces'])} traces logged, median of {args.runs} runs\n")
    print("| case | tracecfg (ms) | mlflow client (ms) | of which the call (ms) | ratio | round trips tracecfg / client | same result |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['case']} | {row['tracecfg_ms']:.1f} | {row['client_ms']:.0f} | {row['client_call_ms']:.0f} | "
              f"**{row['ratio']:.0f}x** | {row['tracecfg_requests']} / {row['client_requests']} | "
              f"yes ({row['result_size']} items) |")
    print()
    for row in rows:
        print(f"- {row['case']}: tracecfg sent {', '.join(row['tracecfg_endpoints'])}")
    print("\n" + json.dumps(rows))


if __name__ == "__main__":
    main()
