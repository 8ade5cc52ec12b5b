#!/usr/bin/env python3
"""Benchmark of `tracecfg apply` (not a test: it asserts nothing, it prints a table; stdlib only).

    benches/apply_bench.py --tracecfg target/release/tracecfg [--experiments 50] [--delay 0.1]

A tiny HTTP server holds N experiments (/Shared/bench_0 ...), delays every request by --delay
seconds and counts requests; it implements get-by-name and set-experiment-tag. tracecfg.toml
lists all N. Three cases, wall-clock time of whole processes:

  1. `apply --check` with nothing to change (target: < 5 x delay; 1 round trip per entry);
  2. `apply` with every tag of every experiment changing (target: < 5 x delay; 2 round trips);
  3. for comparison, N sequential `tracecfg set` processes doing the same changes.

Record results in benches/RESULTS.md.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from set_bench import JsonHandler, timed  # noqa: E402  (timed exits on a non-zero exit)

API = "/api/2.0/mlflow/experiments"
KEYS = ("catalog", "schema", "table")
TAG = "mlflow.tracing.destination."


class Fleet:
    def __init__(self, n, delay):
        self.delay = delay
        self.lock = threading.Lock()
        self.requests = 0
        self.tags = {str(i): {} for i in range(n)}

    def reset(self, value_of):
        with self.lock:
            self.requests = 0
            for tags in self.tags.values():
                tags.clear()
                tags.update({TAG + k: value_of(k) for k in KEYS})


def make_handler(fleet):
    class Handler(JsonHandler):
        def _counted(self):
            with fleet.lock:
                fleet.requests += 1
            time.sleep(fleet.delay)

        def do_GET(self):
            url = urlparse(self.path)
            self._counted()
            name = parse_qs(url.query).get("experiment_name", [""])[0]
            exp_id = name.removeprefix("/Shared/bench_")
            if url.path != f"{API}/get-by-name" or exp_id not in fleet.tags:
                return self._reply(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": name})
            with fleet.lock:
                tags = [{"key": k, "value": v} for k, v in fleet.tags[exp_id].items()]
            experiment = {"experiment_id": exp_id, "name": name, "lifecycle_stage": "active", "tags": tags}
            self._reply(200, {"experiment": experiment})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            self._counted()
            exp_id = body.get("experiment_id")
            if self.path != f"{API}/set-experiment-tag" or exp_id not in fleet.tags:
                return self._reply(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": self.path})
            with fleet.lock:
                fleet.tags[exp_id][body["key"]] = body["value"]
            self._reply(200, {})

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # A listen backlog for 50+ connections opened at once (the default, 5, makes the kernel
    # drop SYNs, and the client waits a second for each retransmission).
    request_queue_size = 1024


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tracecfg", required=True)
    p.add_argument("--experiments", type=int, default=50)
    p.add_argument("--delay", type=float, default=0.1)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()

    fleet = Fleet(args.experiments, args.delay)
    server = Server(("127.0.0.1", 0), make_handler(fleet))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    home = tempfile.mkdtemp(prefix="tracecfg-apply-bench-")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "DATABRICKS_HOST": f"http://127.0.0.1:{server.server_address[1]}",
        "DATABRICKS_TOKEN": "bench-token",
    }
    wanted = {"catalog": "main", "schema": "agents", "table": "traces"}
    with open(os.path.join(home, "tracecfg.toml"), "w") as f:
        f.write('catalog = "main"\nschema = "agents"\ntable = "traces"\n')
        for i in range(args.experiments):
            f.write(f'\n[[experiments]]\nexperiment = "/Shared/bench_{i}"\n')

    target_ms = 5 * args.delay * 1000
    rows = []

    def case(label, cmd, reset):
        samples, counts = [], []
        for _ in range(args.runs):
            reset()
            samples.append(timed(cmd, env, home)[0] * 1000)
            counts.append(fleet.requests)
        rows.append((label, samples, counts[-1]))

    in_sync = lambda: fleet.reset(lambda k: wanted[k])  # noqa: E731
    drifted = lambda: fleet.reset(lambda k: "old")  # noqa: E731
    case("apply --check, nothing to change", [args.tracecfg, "apply", "--check", "-q"], in_sync)
    case("apply, every tag changes", [args.tracecfg, "apply", "-q"], drifted)

    # The comparison: what a script looping over `tracecfg set` costs (one run: it is slow).
    drifted()
    start = time.perf_counter()
    for i in range(args.experiments):
        cmd = [args.tracecfg, "set", "-q", "-e", f"/Shared/bench_{i}"]
        cmd += [f"--{k}={v}" for k, v in wanted.items()]
        timed(cmd, env, home)
    loop_ms = (time.perf_counter() - start) * 1000
    rows.append((f"{args.experiments} sequential `set` processes, every tag changes", [loop_ms], fleet.requests))

    print(f"{args.experiments} experiments, {args.delay * 1000:.0f} ms per request, target < {target_ms:.0f} ms")
    print(f"{'case':58} {'median ms':>10} {'min':>8} {'max':>8} {'requests':>9}  target")
    for label, samples, count in rows:
        verdict = "" if "sequential" in label else ("ok" if statistics.median(samples) < target_ms else "MISSED")
        print(
            f"{label:58} {statistics.median(samples):10.0f} {min(samples):8.0f} {max(samples):8.0f} {count:9d}  {verdict}"
        )
    server.shutdown()


if __name__ == "__main__":
    main()
