#!/usr/bin/env python3
"""Benchmark of `tracecfg export` from Unity Catalog tables: TRACES traces of SPANS spans (1,000,000
rows by default) served through presigned links (EXTERNAL_LINKS) by a local fake Statement
Execution API, in CHUNKS chunks (rendered once before the runs, so the Python server only writes
bytes); reports wall time, traces per second, MB per second written and
peak resident memory (/usr/bin/time -v, else getrusage) for --format jsonl, jsonl --gzip and otlp,
each the median of RUNS runs, and, as the download floor, `tracecfg query --table --layout otel-v2
--disposition external-links -o jsonl --limit ROWS` reading the same rows from the same links, its
stdout to /dev/null (its bytes counted once, in an untimed run through a pipe). Every statement,
whatever its SQL, is answered with the same rows.

The rows are the export statement's (src/trace_query/export.rs, OTEL_EXPORT_COLUMNS): a trace's
spans together, traces oldest first, one every 2.5 s from 2026-11-25T08:00Z
(so four day files), a root span and
children with MLflow's span type, inputs, outputs and request id as V2 VARIANT attributes
(trace_tags and trace_metadata are null). The fake's own CPU seconds per run (the Python process
serving the bodies, on the same machine) are printed: it competes with tracecfg for the cores.
A request for any other path is logged on stderr and answered 404 ENDPOINT_NOT_FOUND.

Each export is checked: the lines of all day files (gunzipped) equal the traces, and the
manifest tracecfg-export.json says complete; the query's lines equal the rows.

Usage: benches/export_bench.py [--traces 100000] [--spans 10] [--chunks 100] [--delay 0]
                               [--runs 3] [--bin target/release/tracecfg]
A benchmark, not a test: it prints numbers and asserts nothing of speed.
"""
import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COLUMNS = [
    ("trace_id", "STRING"), ("trace_start", "TIMESTAMP"), ("span_id", "STRING"),
    ("parent_span_id", "STRING"), ("span_name", "STRING"), ("kind", "STRING"),
    ("start_time_unix_nano", "LONG"), ("end_time_unix_nano", "LONG"), ("status_code", "STRING"),
    ("status_message", "STRING"), ("attributes", "VARIANT"), ("events", "STRING"),
    ("service_name", "STRING"), ("trace_tags", "STRING"), ("trace_metadata", "STRING"),
]
DAY0_S = 1_795_593_600  # 2026-11-25T08:00:00Z
STEP_MS = 2_500  # one trace every 2.5 s: 100,000 traces over about three days
NAMES = ["agent", "retrieve", "rerank", "llm", "tool", "parse", "llm", "tool", "format", "judge"]


def timestamp(ms):
    s, frac = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{frac:03d}Z"


def render_chunk(first_trace, traces, spans):
    rows = []
    for t in range(first_trace, first_trace + traces):
        start_ms = DAY0_S * 1000 + t * STEP_MS
        trace = f"{t + 1:032x}"  # never all zeros (OpenTelemetry's invalid id)
        start = timestamp(start_ms)
        for s in range(spans):
            at = (start_ms + s * 3) * 1_000_000
            attributes = json.dumps({
                "mlflow.spanType": "LLM" if NAMES[s % 10] == "llm" else "CHAIN",
                "mlflow.spanInputs": '{"messages":[{"role":"user","content":"hello, what is my order status?"}]}',
                "mlflow.spanOutputs": '{"choices":[{"message":{"content":"Your order shipped yesterday."}}]}',
                "mlflow.traceRequestId": f"tr-{trace}",
            })
            rows.append([trace, start, f"{t % 65536:012x}{s + 1:04x}", "" if s == 0 else f"{t % 65536:012x}0001",
                         NAMES[s % 10], "SPAN_KIND_INTERNAL", str(at), str(at + 2_000_000), "STATUS_CODE_OK",
                         None, attributes, "[]", "agent", None, None])
    return json.dumps(rows).encode()


def make_server(traces, spans, chunks, delay):
    per_chunk = traces // chunks
    rows_per_chunk = per_chunk * spans
    manifest = {
        "format": "JSON_ARRAY",
        "schema": {"column_count": len(COLUMNS), "columns": [
            {"name": n, "type_name": t, "position": i} for i, (n, t) in enumerate(COLUMNS)]},
        "total_chunk_count": chunks, "total_row_count": rows_per_chunk * chunks,
        "chunks": [{"chunk_index": i, "row_offset": i * rows_per_chunk, "row_count": rows_per_chunk}
                   for i in range(chunks)],
        "truncated": False,
    }
    # Rendered once, before any run: serving them is then only writing bytes (the server is
    # Python, and must not be what is measured).
    began = time.monotonic()
    bodies = [render_chunk(i * per_chunk, per_chunk, spans) for i in range(chunks)]
    print(f"rendered {chunks} chunks ({sum(map(len, bodies)) / 1e6:.0f} MB of JSON) in "
          f"{time.monotonic() - began:.0f} s", file=sys.stderr)
    port = [0]

    def links_json(i):
        nxt = (f', "next_chunk_index": {i + 1}, "next_chunk_internal_link": '
               f'"/api/2.0/sql/statements/s1/result/chunks/{i + 1}"') if i + 1 < chunks else ""
        return (f'{{"external_links": [{{"chunk_index": {i}, "row_offset": {i * rows_per_chunk}, '
                f'"row_count": {rows_per_chunk}, "external_link": "http://127.0.0.1:{port[0]}/link/{i}?sig=x", '
                f'"expiration": "2999-01-01T00:00:00Z"{nxt}}}]}}')

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, body, status=200):
            payload = body if isinstance(body, bytes) else body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/api/2.0/sql/statements":
                self.reply('{"statement_id": "s1", "status": {"state": "SUCCEEDED"}, "manifest": %s, "result": %s}'
                           % (json.dumps(manifest), links_json(0)))
            else:
                self.unexpected()

        def do_GET(self):
            prefix = "/api/2.0/sql/statements/s1/result/chunks/"
            if self.path.startswith(prefix):
                time.sleep(delay)
                self.reply(links_json(int(self.path[len(prefix):])))
            elif self.path.startswith("/link/"):
                i = int(self.path[len("/link/"):].split("?")[0])
                self.reply(bodies[i])
            elif self.path == "/api/2.0/sql/warehouses/bench":
                self.reply('{"id": "bench", "name": "bench", "state": "RUNNING"}')
            else:
                self.unexpected()

        def unexpected(self):
            print(f"fake: unexpected {self.command} {self.path}", file=sys.stderr)
            self.reply('{"error_code": "ENDPOINT_NOT_FOUND", "message": "not in the benchmark"}', 404)

    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port[0] = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def timed(cmd, env, stdout):
    """Runs cmd (under /usr/bin/time -v when there is one); returns (wall s, peak RSS MiB, CPU
    seconds of this process meanwhile, i.e. of the fake server)."""
    use_time = os.path.exists("/usr/bin/time")
    cpu = time.process_time()
    start = time.monotonic()
    proc = subprocess.run((["/usr/bin/time", "-v"] if use_time else []) + cmd, env=env, stdout=stdout,
                          stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    cpu = time.process_time() - cpu
    stderr = proc.stderr.decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    if use_time:
        peak = next(int(l.split(":")[1]) for l in stderr.splitlines() if "Maximum resident set size" in l)
    else:  # the largest child so far: right only while the runs do not shrink
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak / 1024, cpu


def stdout_size(cmd, env, rows):
    """Bytes the command writes on stdout, counted through a pipe (an untimed run); its lines
    must be the rows."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    size = lines = 0
    while block := proc.stdout.read(1 << 20):
        size += len(block)
        lines += block.count(b"\n")
    if proc.wait() != 0 or lines != rows:
        sys.exit(f"{' '.join(cmd)}: exit {proc.returncode}, {lines} lines for {rows} rows")
    return size


def check_export(out, traces):
    manifest = json.load(open(os.path.join(out, "tracecfg-export.json")))
    if not manifest["complete"]:
        sys.exit("the export's manifest is not complete")
    lines = 0
    size = 0
    for name in os.listdir(out):
        if name == "tracecfg-export.json":
            continue
        path = os.path.join(out, name)
        size += os.path.getsize(path)
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rb") as f:
            lines += sum(1 for _ in f)
    if lines != traces:
        sys.exit(f"{lines} lines in the files for {traces} traces")
    return size, len(manifest["files"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--traces", type=int, default=100_000)
    parser.add_argument("--spans", type=int, default=10)
    parser.add_argument("--chunks", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bin", default="target/release/tracecfg")
    parser.add_argument("--parallel", type=int, help="export --parallel (default: tracecfg's)")
    args = parser.parse_args()
    args.extra = ["--parallel", str(args.parallel)] if args.parallel else []
    server = make_server(args.traces, args.spans, args.chunks, args.delay)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    env = {"PATH": os.environ.get("PATH", ""), "DATABRICKS_HOST": url, "DATABRICKS_TOKEN": "dapi-bench"}
    rows = args.traces * args.spans
    print(f"{args.traces} traces x {args.spans} spans = {rows} rows in {args.chunks} chunks through "
          f"presigned links, {int(args.delay * 1000)} ms per chunk request, binary {args.bin}, "
          f"median of {args.runs}, {os.cpu_count()} cores")
    table_args = ["--table", "main.agents.bench_otel_spans", "--layout", "otel-v2", "-w", "bench", "-q"]
    source = table_args + args.extra
    cases = [
        ("query -o jsonl (floor)", ["query"] + table_args + ["--disposition", "external-links", "-o", "jsonl",
                                                             "--limit", str(rows)], None),
        ("export jsonl", ["export"] + source + ["--format", "jsonl"], "out"),
        ("export jsonl --gzip", ["export"] + source + ["--format", "jsonl", "--gzip"], "out"),
        ("export otlp", ["export"] + source + ["--format", "otlp"], "out"),
    ]
    table = []
    for label, cmd, out in cases:
        walls, peaks, sizes, cpus = [], [], [], []
        for _ in range(args.runs):
            home = tempfile.mkdtemp(prefix="export-bench-")
            run_env = dict(env, HOME=home)
            if out is None:
                wall, peak, cpu = timed([args.bin] + cmd, run_env, subprocess.DEVNULL)
                if not sizes:
                    sizes.append(stdout_size([args.bin] + cmd, run_env, rows))
                files = "-"
            else:
                path = os.path.join(home, out)
                wall, peak, cpu = timed([args.bin] + cmd + ["--out", path], run_env, subprocess.DEVNULL)
                size, files = check_export(path, args.traces)
                sizes.append(size)
            walls.append(wall)
            peaks.append(peak)
            cpus.append(cpu)
            shutil.rmtree(home)
        wall = statistics.median(walls)
        size = statistics.median(sizes)
        table.append((label, wall, args.traces / wall, size / wall / 1e6, size / 1e6, statistics.median(peaks),
                      files, statistics.median(cpus)))
        print(f"{label}: wall {', '.join(f'{w:.2f}' for w in walls)} s", file=sys.stderr)
    print()
    print("| run | wall (s) | traces/s | MB/s written | MB | peak RSS (MiB) | day files | fake server CPU (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for label, wall, tps, mbs, mb, peak, files, render in table:
        print(f"| {label} | {wall:.2f} | {tps:,.0f} | {mbs:.1f} | {mb:.1f} | {peak:.1f} | {files} | {render:.2f} |")
    server.shutdown()


if __name__ == "__main__":
    main()
