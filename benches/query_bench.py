#!/usr/bin/env python3
"""Benchmark of `tracecfg query`: streams ROWS rows in CHUNKS chunks from a local fake Statement
Execution API that adds DELAY seconds to every chunk request; reports wall time, rows per second and
peak resident memory (from /usr/bin/time -v, or getrusage) for --output jsonl and csv, with the
default --parallel 8 and with --parallel 1 (chunks one after another).

With --links the result travels as EXTERNAL_LINKS: every chunk request answers a presigned link
on the same server, whose GET answers the chunk's rows (a JSON array). --large runs the
10,000,000-row case through links (1000 chunks of 10,000 rows, jsonl, --parallel 8 only).

Usage: benches/query_bench.py [--rows 1000000] [--chunks 100] [--delay 0.05] [--links] [--large]
                              [--bin target/release/tracecfg]
A benchmark, not a test: it prints numbers and asserts nothing.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COLUMNS = [
    ("trace_id", "STRING"), ("span_name", "STRING"), ("span_type", "STRING"),
    ("start_time", "TIMESTAMP"), ("end_time", "TIMESTAMP"), ("inputs", "STRING"), ("outputs", "STRING"),
]


def make_server(rows, chunks, delay, links=False):
    per_chunk = rows // chunks
    row = ["tr-0123456789abcdef", "chat_completion", "LLM", "2026-11-25T08:00:00.000Z",
           "2026-11-25T08:00:01.250Z", '{"messages":[{"role":"user","content":"hello"}]}', None]
    data = json.dumps([row] * per_chunk)
    manifest = {
        "format": "JSON_ARRAY",
        "schema": {"column_count": len(COLUMNS), "columns": [
            {"name": n, "type_name": t, "position": i} for i, (n, t) in enumerate(COLUMNS)]},
        "total_chunk_count": chunks, "total_row_count": per_chunk * chunks,
        "chunks": [{"chunk_index": i, "row_offset": i * per_chunk, "row_count": per_chunk} for i in range(chunks)],
        "truncated": False,
    }

    def chunk_json(i):
        nxt = f', "next_chunk_index": {i + 1}, "next_chunk_internal_link": "/api/2.0/sql/statements/s1/result/chunks/{i + 1}"' if i + 1 < chunks else ""
        if links:
            link = (f'{{"chunk_index": {i}, "row_offset": {i * per_chunk}, "row_count": {per_chunk}, '
                    f'"external_link": "http://127.0.0.1:{port[0]}/link/{i}?sig=x", '
                    f'"expiration": "2999-01-01T00:00:00Z"{nxt}}}')
            return f'{{"external_links": [{link}]}}'
        return f'{{"chunk_index": {i}, "row_offset": {i * per_chunk}, "row_count": {per_chunk}, "data_array": {data}{nxt}}}'

    port = [0]
    # Every chunk holds the same rows: the body is encoded once up front (so the server's own,
    # GIL-bound, work does not dominate the timing, and 10M rows need not sit in its memory).
    data_body = data.encode()
    inline_bodies = None if links else [chunk_json(i).encode() for i in range(chunks)]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, body):
            payload = body if isinstance(body, bytes) else body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/api/2.0/sql/statements":
                self.reply('{"statement_id": "s1", "status": {"state": "SUCCEEDED"}, "manifest": %s, "result": %s}'
                           % (json.dumps(manifest), chunk_json(0)))
            else:
                self.reply("{}")

        def do_GET(self):
            prefix = "/api/2.0/sql/statements/s1/result/chunks/"
            if self.path.startswith(prefix):
                time.sleep(delay)
                i = int(self.path[len(prefix):])
                self.reply(chunk_json(i) if links else inline_bodies[i])
            elif self.path.startswith("/link/"):
                self.reply(data_body)
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

    # tracecfg opens a connection per request over plain http (see src/http/mod.rs); the default
    # listen backlog of 5 would drop concurrent connects and add 1 s SYN retries.
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port[0] = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(binary, url, fmt, parallel):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": "/nonexistent",
           "DATABRICKS_HOST": url, "DATABRICKS_TOKEN": "bench-token"}
    cmd = [binary, "query", "--sql", "SELECT 1", "-w", "bench", "-q", "-o", fmt, "--parallel", str(parallel)]
    use_time = os.path.exists("/usr/bin/time")
    if use_time:
        cmd = ["/usr/bin/time", "-v"] + cmd
    start = time.monotonic()
    # The output is counted as it streams (10M rows are gigabytes): never held whole.
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    errors = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)
    reader.start()
    lines = 0
    while True:
        block = proc.stdout.read(1 << 20)
        if not block:
            break
        lines += block.count(b"\n")
    proc.wait()
    reader.join()
    wall = time.monotonic() - start
    stderr = errors[0].decode() if errors else ""
    if proc.returncode != 0:
        sys.exit(f"tracecfg failed ({proc.returncode}): {stderr[-2000:]}")
    peak_kib = None
    if use_time:
        for line in stderr.splitlines():
            if "Maximum resident set size" in line:
                peak_kib = int(line.split(":")[1])
    else:
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, lines, peak_kib


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunks", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--bin", default="target/release/tracecfg")
    parser.add_argument("--links", action="store_true", help="EXTERNAL_LINKS instead of inline chunks")
    parser.add_argument("--large", action="store_true", help="10,000,000 rows through links, jsonl, parallel 8")
    args = parser.parse_args()
    cases = [(fmt, parallel) for fmt in ("jsonl", "csv") for parallel in (8, 1)]
    if args.large:
        args.rows, args.chunks, args.links = 10_000_000, 1000, True
        cases = [("jsonl", 8)]
    server = make_server(args.rows, args.chunks, args.delay, args.links)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    how = "through presigned links" if args.links else "inline"
    print(f"{args.rows} rows in {args.chunks} chunks {how}, {int(args.delay * 1000)} ms per chunk request, binary {args.bin}")
    print(f"{'format':6} {'parallel':>8} {'wall s':>8} {'rows/s':>10} {'peak RSS MiB':>13}")
    results = {}
    for fmt, parallel in cases:
        wall, lines, peak = run(args.bin, url, fmt, parallel)
        rows = lines if fmt == "jsonl" else lines - 1
        results[(fmt, parallel)] = wall
        print(f"{fmt:6} {parallel:>8} {wall:>8.2f} {rows / wall:>10.0f} {peak / 1024:>13.1f}")
    for fmt in ("jsonl", "csv"):
        if (fmt, 1) in results:
            print(f"{fmt}: parallel 8 is {results[(fmt, 1)] / results[(fmt, 8)]:.1f}x faster than chunks one after another")
    server.shutdown()


if __name__ == "__main__":
    main()
