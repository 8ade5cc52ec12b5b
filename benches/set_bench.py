#!/usr/bin/env python3
"""Benchmark driver for `tracecfg set` (run through benches/set_bench.sh; Python 3 stdlib only).

Part A: tracecfg against a tiny in-process HTTP server that delays every request by --delay
seconds and counts requests. It implements just get-by-name and set-experiment-tag. Two cases:
all three tags change (get-by-name, then the three writes concurrently: 2 sequential round
trips) and nothing changes (get-by-name only: 1 round trip).

Part B: whole-process time of a cold `tracecfg set` against a real local MLflow server, and for
comparison the same work done by a Python process with mlflow's MlflowClient.

Times are wall-clock times of whole processes, measured from this driver around
subprocess.run (which adds about a millisecond of fork/exec overhead of its own).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlparse
from urllib.request import Request, urlopen

TAGS = (
    "mlflow.tracing.destination.catalog",
    "mlflow.tracing.destination.schema",
    "mlflow.tracing.destination.table",
)
API = "/api/2.0/mlflow/experiments"


# --------------------------------------------------------------------------------------------
# The delaying server


class DelayState:
    def __init__(self, delay):
        self.delay = delay
        self.lock = threading.Lock()
        self.requests = 0
        self.experiment = {
            "experiment_id": "1",
            "name": "/Shared/bench",
            "lifecycle_stage": "active",
        }
        self.tags = {}

    def reset(self, tags):
        with self.lock:
            self.tags = dict(tags)
            self.requests = 0

    def count(self):
        with self.lock:
            return self.requests


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet keep-alive handler that answers JSON (also used by benches/apply_bench.py)."""

    protocol_version = "HTTP/1.1"  # keep-alive, as a real server offers
    # TCP_NODELAY, as real servers set it. Without it, http.server's separate writes of
    # headers and body meet the client's delayed ACK on a reused connection and add a
    # ~40 ms stall that belongs to this test server, not to the client being measured.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def make_handler(state):
    class Handler(JsonHandler):
        def _counted(self):
            with state.lock:
                state.requests += 1
            time.sleep(state.delay)

        def do_GET(self):
            url = urlparse(self.path)
            self._counted()
            if url.path == f"{API}/get-by-name":
                name = parse_qs(url.query).get("experiment_name", [""])[0]
                if name != state.experiment["name"]:
                    return self._reply(
                        404,
                        {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"no experiment {name}"},
                    )
                with state.lock:
                    tags = [{"key": k, "value": v} for k, v in state.tags.items()]
                return self._reply(200, {"experiment": dict(state.experiment, tags=tags)})
            self._reply(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": url.path})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            self._counted()
            if self.path == f"{API}/set-experiment-tag":
                if body.get("experiment_id") != state.experiment["experiment_id"]:
                    return self._reply(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such id"})
                with state.lock:
                    state.tags[body["key"]] = body["value"]
                return self._reply(200, {})
            self._reply(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": self.path})

    return Handler


def start_delay_server(delay):
    state = DelayState(delay)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


# --------------------------------------------------------------------------------------------
# Running and timing


def rest_json(base, method, endpoint, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = Request(
        f"{base}{API}/{endpoint}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urlopen(request, timeout=30) as response:
        return json.load(response)


def hermetic_env(host, home):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "DATABRICKS_HOST": host,
        "DATABRICKS_TOKEN": "bench-token",
    }


def timed(cmd, env, cwd):
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(
            f"set_bench: {' '.join(cmd)} exited with {done.returncode}\n"
            f"{done.stdout.decode(errors='replace')}{done.stderr.decode(errors='replace')}"
        )
    return elapsed, done


def set_cmd(tracecfg, experiment, dest, extra=()):
    catalog, schema, table = dest
    return [tracecfg, "set", "-e", experiment, "--catalog", catalog, "--schema", schema, "--table", table, "-q", *extra]


def stats_ms(samples):
    ms = [s * 1000 for s in samples]
    return {
        "mean": statistics.fmean(ms),
        "median": statistics.median(ms),
        "min": min(ms),
        "max": max(ms),
        "n": len(ms),
    }


def fmt(s):
    return f"{s['mean']:7.1f} {s['median']:7.1f} {s['min']:7.1f} {s['max']:7.1f} {s['n']:4d}"


def debug_request_count(stderr):
    return sum(1 for line in stderr.decode(errors="replace").splitlines() if line.startswith("debug: > "))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tracecfg", required=True)
    p.add_argument("--mlflow-url", help="a running local MLflow server (part B)")
    p.add_argument("--venv-python", help="python of the venv with mlflow (part B comparison)")
    p.add_argument("--delay", type=float, default=0.100)
    p.add_argument("--delay-runs", type=int, default=10)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--python-runs", type=int, default=3)
    args = p.parse_args()

    home = tempfile.mkdtemp(prefix="tracecfg-bench-")
    rows = []

    # Part A ----------------------------------------------------------------------------------
    server, state = start_delay_server(args.delay)
    host = f"http://127.0.0.1:{server.server_address[1]}"
    env = hermetic_env(host, home)
    old = ("old_catalog", "old_schema", "old_table")
    new = ("main", "agents", "traces")
    delay_ms = args.delay * 1000
    for case, before, round_trips in (
        ("all 3 tags change", old, 2),
        ("nothing changes", new, 1),
    ):
        samples, counts = [], []
        for _ in range(args.delay_runs):
            state.reset(zip(TAGS, before))
            elapsed, _ = timed(set_cmd(args.tracecfg, "/Shared/bench", new), env, home)
            samples.append(elapsed)
            counts.append(state.count())
            if dict(state.tags) != dict(zip(TAGS, new)):
                sys.exit(f"set_bench: after '{case}' the server holds {state.tags}")
        s = stats_ms(samples)
        target = (round_trips + 0.5) * delay_ms
        rows.append(
            (
                f"A delay {delay_ms:.0f} ms: {case}",
                s,
                f"{min(counts)}-{max(counts)}" if min(counts) != max(counts) else str(counts[0]),
                f"< {target:.0f} ms ({round_trips} round trip{'s' if round_trips > 1 else ''})",
                "ok" if s["mean"] < target else "MISSED",
            )
        )
    server.shutdown()

    # Part B ----------------------------------------------------------------------------------
    if args.mlflow_url:
        env = hermetic_env(args.mlflow_url, home)
        experiment = f"/Shared/bench-{os.getpid()}"
        first = ("main", "agents", "traces")
        second = ("main2", "agents2", "traces2")
        timed(set_cmd(args.tracecfg, experiment, first, ["--create"]), env, home)
        _, dbg = timed(set_cmd(args.tracecfg, experiment, second, ["--debug"]), env, home)
        changing_requests = debug_request_count(dbg.stderr)
        _, dbg = timed(set_cmd(args.tracecfg, experiment, second, ["--debug"]), env, home)
        unchanged_requests = debug_request_count(dbg.stderr)

        # Warm the server's workers up, so their first-request costs are not counted.
        for i in range(6):
            dest = first if i % 2 == 0 else second
            timed(set_cmd(args.tracecfg, experiment, dest), env, home)

        samples = []
        for i in range(args.runs):
            dest = first if i % 2 == 0 else second
            samples.append(timed(set_cmd(args.tracecfg, experiment, dest), env, home)[0])
        s = stats_ms(samples)
        rows.append(("B MLflow: tracecfg set, 3 tags change", s, str(changing_requests), "< 50 ms", "ok" if s["mean"] < 50 else "MISSED"))

        samples = [timed(set_cmd(args.tracecfg, experiment, second), env, home)[0] for _ in range(args.runs)]
        s = stats_ms(samples)
        rows.append(("B MLflow: tracecfg set, nothing changes", s, str(unchanged_requests), "< 50 ms", "ok" if s["mean"] < 50 else "MISSED"))

        # The server's share: the same four requests from this (already running) process.
        experiment_id = rest_json(args.mlflow_url, "GET", f"get-by-name?experiment_name={quote(experiment)}")[
            "experiment"
        ]["experiment_id"]
        samples = []
        for i in range(args.runs):
            dest = first if i % 2 == 0 else second
            start = time.perf_counter()
            rest_json(args.mlflow_url, "GET", f"get-by-name?experiment_name={quote(experiment)}")
            writers = [
                threading.Thread(
                    target=rest_json,
                    args=(args.mlflow_url, "POST", "set-experiment-tag", {"experiment_id": experiment_id, "key": k, "value": v}),
                )
                for k, v in zip(TAGS, dest)
            ]
            for w in writers:
                w.start()
            for w in writers:
                w.join()
            samples.append(time.perf_counter() - start)
        rows.append(("B MLflow: server only (urllib, in-process)", stats_ms(samples), "4", "(floor)", ""))

        if args.venv_python:
            script = (
                "import sys, time\n"
                "t0 = time.perf_counter()\n"
                "from mlflow import MlflowClient\n"
                "t1 = time.perf_counter()\n"
                "c = MlflowClient(tracking_uri=sys.argv[1])\n"
                "e = c.get_experiment_by_name(sys.argv[2])\n"
                "for k, v in zip(sys.argv[3:6], sys.argv[6:9]):\n"
                "    if e.tags.get(k) != v:\n"
                "        c.set_experiment_tag(e.experiment_id, k, v)\n"
                "t2 = time.perf_counter()\n"
                "print(f'{(t1 - t0) * 1000:.1f} {(t2 - t1) * 1000:.1f}')\n"
            )
            py_env = dict(env, MLFLOW_TRACKING_URI=args.mlflow_url)
            samples, imports, calls = [], [], []
            for i in range(args.python_runs):
                dest = first if i % 2 == 0 else second
                cmd = [args.venv_python, "-c", script, args.mlflow_url, experiment, *TAGS, *dest]
                elapsed, done = timed(cmd, py_env, home)
                samples.append(elapsed)
                imp, call = done.stdout.decode().split()
                imports.append(float(imp))
                calls.append(float(call))
            s = stats_ms(samples)
            rows.append(("B MLflow: Python MlflowClient, 3 tags change", s, "4", "(comparison)", ""))
            python_split = (statistics.fmean(imports), statistics.fmean(calls))
        else:
            python_split = None
    else:
        python_split = None

    # Report ----------------------------------------------------------------------------------
    print()
    print(f"{'case':48} {'mean':>7} {'median':>7} {'min':>7} {'max':>7} {'runs':>4}  {'requests':>8}  target")
    print(f"{'':48} {'ms':>7} {'ms':>7} {'ms':>7} {'ms':>7}")
    for name, s, requests, target, verdict in rows:
        print(f"{name:48} {fmt(s)}  {requests:>8}  {target} {verdict}".rstrip())
    if python_split:
        print(
            f"\nPython process split (mean): 'from mlflow import MlflowClient' {python_split[0]:.0f} ms, "
            f"get + set calls {python_split[1]:.0f} ms"
        )
    print("\nVerdicts on the mean. Whole-process wall time; a new (cold) process each run.")


if __name__ == "__main__":
    main()
