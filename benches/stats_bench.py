#!/usr/bin/env python3
"""Benchmark of `tracecfg stats` on the 1M-span V2 tables of benches/native_query_bench.py.

Builds the same tables (1,050,000 spans: 150,000 traces of 7 spans over 30 days), with token
usage, cost and a model on the LLM spans and a failed span in every 50th trace. For each case,
times the statement tracecfg sends (`tracecfg stats --print-sql -o json`) against the same
statement without the time pruning on its scans (the window kept only as the exact `HAVING` on
each trace's start), checks that both give the same figures, and checks in the physical plan
that every scan of the spans table of tracecfg's statement has the partition filter on `date`
and the pushed filter on `time`, and that the unpruned one has neither.

    .venv-spark/bin/python benches/stats_bench.py [--spans N] [--runs 5]

Needs the Spark venv that scripts/test installs and a built tracecfg (target/release or
target/debug). Prints a Markdown table; benches/RESULTS.md records its figures.
"""

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from native_query_bench import (  # noqa: E402
    DAYS, END, REPO, TABLE, bind, build_tables, fresh_spark_session, timed, tracecfg_binary,
)

# The two conditions that prune the scans of the spans CTE (src/trace_query/otel.rs).
# Trace figures: the scans' window widened by a day (the exact window is the HAVING on each
# trace's start); span figures: the exact window itself.
PRUNING = re.compile(r"\n\s*WHERE time >= :since( - INTERVAL 1 DAY)?(\n\s*AND (time|date) [^\n]*)*")
# The span window on a computed start time, which no partition or file statistic can prune by.
UNPRUNABLE_SPAN_WINDOW = ("\n  WHERE timestamp_micros(start_time_unix_nano DIV 1000) >= :since"
                          "\n    AND timestamp_micros(start_time_unix_nano DIV 1000) < :until")


def stats_statement(args):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": tempfile.gettempdir(),
           "DATABRICKS_HOST": "https://bench.cloud.databricks.com", "DATABRICKS_TOKEN": "dapi-bench"}
    out = subprocess.run([tracecfg_binary(), "stats", "--table", TABLE, "--layout", "otel-v2",
                          *args, "--print-sql", "-o", "json"],
                         check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out)


def unpruned(sql):
    """The statement without the time pruning, with the same result."""
    over_spans = "INTERVAL 1 DAY" not in sql
    stripped, n = PRUNING.subn(UNPRUNABLE_SPAN_WINDOW if over_spans else "", sql)
    if n != 1:
        sys.exit(f"the spans CTE's pruning was not found once ({n}): the statement changed\n{sql}")
    return stripped


def same_figures(a, b):
    """Equal rows, floats within 1e-9 relative: sums of doubles added in another order (the
    unpruned plan reads other files) differ in their last digits."""
    def close(x, y):
        try:
            fx, fy = float(x), float(y)
        except ValueError:
            return x == y
        return abs(fx - fy) <= 1e-9 * max(abs(fx), abs(fy), 1.0)
    return len(a) == len(b) and all(len(r) == len(q) and all(map(close, r, q)) for r, q in zip(a, b))


def spans_scans(spark, sql, params):
    """The FileScan lines of the spans table in the executed plan."""
    plan = spark.sql(sql, args=params)._jdf.queryExecution().executedPlan().toString()
    return [line for line in plan.splitlines() if "FileScan" in line and "p_otel_spans" in line]


def pruned(scan):
    parts = scan.split("PartitionFilters: [", 1)
    pushed = scan.split("PushedFilters: [", 1)
    return (len(parts) == 2 and "date" in parts[1].split("]", 1)[0]
            and len(pushed) == 2 and "time" in pushed[1].split("]", 1)[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=1_050_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default=os.path.join(REPO, ".bench-spark"))
    a = ap.parse_args()

    spark = fresh_spark_session(a.work, "tracecfg-stats-bench")
    start = time.perf_counter()
    build_tables(spark, a.spans, usage=True)
    print(f"built {a.spans} spans in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    count = spark.sql(f"SELECT count(*) FROM {TABLE}").collect()[0][0]

    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    day = iso(END - dt.timedelta(hours=24))
    week = iso(END - dt.timedelta(days=7))
    cases = [
        ("stats --since 24h", ["--since", day, "--until", iso(END)]),
        ("stats --since 24h --by hour", ["--since", day, "--until", iso(END), "--by", "hour"]),
        ("stats --since 7d --by day", ["--since", week, "--until", iso(END), "--by", "day"]),
        ("stats --since 24h --by span-name", ["--since", day, "--until", iso(END), "--by", "span-name"]),
    ]
    print(f"spans table: {count} spans, {DAYS} days; median of {a.runs} runs after a warm-up\n")
    print("| statement | without pruning (s) | tracecfg's (s) | ratio | same figures | "
          "rows | spans scans pruned (tracecfg's / unpruned) |")
    print("|---|---|---|---|---|---|---|")
    for label, args in cases:
        s = stats_statement(args)
        params = bind(s["parameters"])
        t_new, rows_new = timed(spark, s["sql"], params, a.runs)
        t_old, rows_old = timed(spark, unpruned(s["sql"]), params, a.runs)
        new_scans = spans_scans(spark, s["sql"], params)
        old_scans = spans_scans(spark, unpruned(s["sql"]), params)
        print(f"| `{label}` | {t_old:.2f} | {t_new:.2f} | **{t_old / t_new:.1f}x** | "
              f"{'yes' if same_figures(rows_old, rows_new) else 'NO'} | {len(rows_new)} | "
              f"{sum(map(pruned, new_scans))} of {len(new_scans)} / "
              f"{sum(map(pruned, old_scans))} of {len(old_scans)} |")
        if not same_figures(rows_old, rows_new):
            print(f"  differing figures:\n  unpruned {rows_old}\n  tracecfg {rows_new}")
        if label == cases[0][0]:
            first = (new_scans, rows_new)
    print("\nThe spans scans of `stats --since 24h` in tracecfg's plan:\n")
    for scan in first[0]:
        filters = re.findall(r"(PartitionFilters: \[[^\]]*\]|PushedFilters: \[[^\]]*\])", scan)
        print(f"- {'; '.join(filters)}")
    print(f"\nIts figures: {first[1]}")
    spark.stop()


if __name__ == "__main__":
    main()
