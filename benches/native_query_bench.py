#!/usr/bin/env python3
"""Benchmark of the native (V2, table-prefix) trace queries on local Apache Spark.

Builds a V2 spans table of N spans (default 1,050,000: 150,000 traces of 7 spans over 30 days,
200 users, inputs and outputs of a few hundred bytes each), written partitioned by `date`, sorted by `time` and in files of at most 10,000 spans (about three
hours each) as Databricks clusters it on time/date, plus an
annotations table with each trace's METADATA row. Then, for each query, times the statement that
tracecfg builds today (`tracecfg query --print-sql -o json`) and the statement of the previous
release (benches/native_query_before.json: `from_json(to_json(attributes))` over every row, a
computed start time), checks that both return the same rows, and checks that the time filter
reaches every scan of the spans table (a partition filter on `date`, a pushed filter on `time`).

    .venv-spark/bin/python benches/native_query_bench.py [--spans N] [--runs 3]

Needs the Spark venv that scripts/test installs (scripts/lib.sh ensure_spark_venv) and a built
tracecfg (target/debug or target/release). Results go to stdout as a Markdown table; the
figures recorded in benches/RESULTS.md come from this script.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = "spark_catalog.bench.p_otel_spans"
SPANS_PER_TRACE = 7
USERS = 200
DAYS = 30
END = dt.datetime(2026, 11, 30, 12, 0, 0, tzinfo=dt.timezone.utc)
# A prompt's or completion's worth of text that does not compress away (~200 bytes), so the
# table has the size of real traces: about 500 MB of parquet for a million spans.
PAYLOAD = "concat(uuid(), ' ', uuid(), ' ', uuid(), ' ', uuid(), ' ', uuid())"


def tracecfg_binary():
    for profile in ("release", "debug"):
        path = os.path.join(REPO, "target", profile, "tracecfg")
        if os.path.exists(path):
            return path
    sys.exit("build tracecfg first: cargo build --release")


def new_statement(args):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": tempfile.gettempdir(),
           "DATABRICKS_HOST": "https://bench.cloud.databricks.com", "DATABRICKS_TOKEN": "dapi-bench"}
    out = subprocess.run([tracecfg_binary(), "query", "--table", TABLE, "--layout", "otel-v2",
                          *args, "--print-sql", "-o", "json"],
                         check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out)


def bind(parameters):
    values = {}
    for p in parameters:
        v = p.get("value")
        if v is not None and p.get("type") == "TIMESTAMP":
            v = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        values[p["name"]] = v
    return values


def build_tables(spark, spans, usage=False):
    """The tables; with `usage`, LLM spans also carry token usage, cost and a model (as MLflow
    writes them: mlflow.chat.tokenUsage, mlflow.llm.cost, mlflow.llm.model), and the first LLM
    span of every 50th trace fails (benches/stats_bench.py)."""
    traces = spans // SPANS_PER_TRACE
    llm_usage = ("""'mlflow.chat.tokenUsage', concat('{"input_tokens":', 100 + t % 97,
                       ',"output_tokens":', 10 + t % 13, ',"total_tokens":', 110 + t % 97 + t % 13, '}'),
                   'mlflow.llm.cost', concat('{"total_cost":', (t % 7) / 1000.0, '}'),
                   'mlflow.llm.model', IF(t % 3 = 0, 'gpt-a', 'gpt-b'),""" if usage else "")
    status = ("IF(k = 1 AND t % 50 = 0, 'STATUS_CODE_ERROR', 'STATUS_CODE_OK')" if usage
              else "'STATUS_CODE_OK'")
    spark.sql("CREATE DATABASE IF NOT EXISTS bench")
    spark.sql("DROP TABLE IF EXISTS bench.p_otel_spans")
    spark.sql("DROP TABLE IF EXISTS bench.p_otel_annotations")
    spark.sql("""CREATE TABLE bench.p_otel_spans (record_id STRING, time TIMESTAMP,
        service_name STRING, trace_id STRING, span_id STRING, parent_span_id STRING, name STRING,
        kind STRING, start_time_unix_nano BIGINT, end_time_unix_nano BIGINT, attributes VARIANT,
        status STRUCT<message: STRING, code: STRING>, date DATE)
        USING parquet PARTITIONED BY (date)""")
    spark.sql("""CREATE TABLE bench.p_otel_annotations (annotation_id STRING, target_type STRING,
        target_id STRING, annotation_type STRING, name STRING, value VARIANT,
        created_at TIMESTAMP, updated_at TIMESTAMP, deleted_at TIMESTAMP) USING parquet""")
    end_us = int(END.timestamp() * 1_000_000)
    span_us = DAYS * 86_400 * 1_000_000
    # Trace t starts at a spread-out moment of the 30 days; its span k starts k * 100 ms later.
    spark.sql(f"""
        INSERT INTO bench.p_otel_spans (record_id, time, service_name, trace_id, span_id,
            parent_span_id, name, kind, start_time_unix_nano, end_time_unix_nano, attributes,
            status, date)
        SELECT uuid(), timestamp_micros(start_us) AS time, 'agent', trace_id,
               concat(trace_id, '-', k), IF(k = 0, '', concat(trace_id, '-0')),
               CASE WHEN k = 0 THEN 'agent' WHEN k % 2 = 1 THEN 'chat' ELSE 'search' END,
               'SPAN_KIND_INTERNAL', start_us * 1000, (start_us + 80000) * 1000,
               parse_json(to_json(CASE WHEN k = 0 THEN map(
                   'mlflow.spanType', 'CHAIN', 'user.id', user_id, 'session.id', concat('s-', t % 5000),
                   'mlflow.spanInputs', concat('{{"q":"question ', t, ' ', {PAYLOAD}, '"}}'),
                   'mlflow.spanOutputs', concat('{{"a":"', {PAYLOAD}, '"}}'))
                 WHEN k % 2 = 1 THEN map('mlflow.spanType', 'LLM', 'llm.model', 'gpt', {llm_usage}
                   'mlflow.spanInputs', concat('{{"messages":["', {PAYLOAD}, '"]}}'),
                   'mlflow.spanOutputs', concat('{{"text":"', {PAYLOAD}, '"}}'))
                 ELSE map('mlflow.spanType', 'TOOL', 'tool.name', 'search',
                   'mlflow.spanInputs', concat('{{"query":"', {PAYLOAD}, '"}}'),
                   'mlflow.spanOutputs', concat('["', {PAYLOAD}, '"]')) END)),
               named_struct('message', '', 'code', {status}),
               to_date(timestamp_micros(start_us)) AS date
        FROM (
          SELECT t, k, concat('tr-', lpad(t, 7, '0')) AS trace_id,
                 concat('user_', t % {USERS}) AS user_id,
                 {end_us} - {span_us} + CAST(t * ({span_us} / {traces}) AS BIGINT) + k * 100000 AS start_us
          FROM (SELECT id AS t FROM range({traces}))
          LATERAL VIEW explode(sequence(0, {SPANS_PER_TRACE - 1})) AS k
        )
        ORDER BY date, time""")
    spark.sql(f"""
        INSERT INTO bench.p_otel_annotations
        SELECT concat('md-', trace_id), 'TRACE', trace_id, 'METADATA', 'metadata',
               parse_json(to_json(named_struct('trace_metadata',
                   map('mlflow.trace.user', attributes:['user.id']::string,
                       'mlflow.trace.session', attributes:['session.id']::string)))),
               time, time, CAST(NULL AS TIMESTAMP)
        FROM bench.p_otel_spans WHERE parent_span_id = ''""")


def scans_filtered(spark, sql, params):
    """Whether every scan of the spans table has a date partition filter and a pushed time filter."""
    plan = spark.sql(sql, args=params)._jdf.queryExecution().executedPlan().toString()
    scans = [line for line in plan.splitlines() if "FileScan" in line and "p_otel_spans" in line]
    ok = bool(scans) and all("PartitionFilters: [" in s and "date" in s.split("PartitionFilters: [")[1]
                             and "time" in s.split("PushedFilters: [")[1] for s in scans)
    return ok, len(scans)


def timed(spark, sql, params, runs):
    times, rows = [], None
    spark.sql(sql, args=params).collect()  # warm-up: the plan and the file listing
    for _ in range(runs):
        start = time.perf_counter()
        rows = spark.sql(sql, args=params).collect()
        times.append(time.perf_counter() - start)
    return statistics.median(times), sorted(tuple(str(v) for v in r) for r in rows)


def fresh_spark_session(work, app):
    """A local[2] session whose warehouse is under `work`, without the bench tables of an
    earlier run (the session's catalog lives in memory: the tables are written anew)."""
    from pyspark.sql import SparkSession
    os.makedirs(work, exist_ok=True)
    spark = (SparkSession.builder.master("local[2]").appName(app)
             .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", "4").config("spark.driver.memory", "4g")
             .config("spark.sql.warehouse.dir", os.path.join(work, "warehouse"))
             .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={work}")
             # Databricks clusters the trace tables on time/date: each file covers a narrow
             # time range. Files of at most 10,000 spans, written in time order, do the same
             # here (about 3 hours each), so file statistics on `time` can skip files too.
             .config("spark.sql.files.maxRecordsPerFile", "10000")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    shutil.rmtree(os.path.join(work, "warehouse", "bench.db"), ignore_errors=True)
    return spark


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=1_050_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default=os.path.join(REPO, ".bench-spark"))
    a = ap.parse_args()

    spark = fresh_spark_session(a.work, "tracecfg-native-bench")
    start = time.perf_counter()
    build_tables(spark, a.spans)
    print(f"built {a.spans} spans in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    count = spark.sql("SELECT count(*) FROM bench.p_otel_spans").collect()[0][0]
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in
               os.walk(os.path.join(a.work, "warehouse", "bench.db", "p_otel_spans")) for f in fs)

    since = (END - dt.timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = json.load(open(os.path.join(REPO, "benches", "native_query_before.json")))
    cases = [
        ("--user U --since 24h", ["--user", "user_42", "--since", since]),
        ("--user U", ["--user", "user_42"]),
        ("--span-type LLM --since 24h --limit 100", ["--span-type", "LLM", "--since", since, "--limit", "100"]),
    ]
    print(f"spans table: {count} spans, {size / 1e6:.0f} MB parquet, {DAYS} days, {USERS} users\n")
    print("| query | before (s) | now (s) | speed-up | same rows | rows | time filter on every spans scan (now) |")
    print("|---|---|---|---|---|---|---|")
    for label, args in cases:
        new = new_statement(args)
        old = before[label]
        t_old, rows_old = timed(spark, old["sql"], bind(old["parameters"]), a.runs)
        t_new, rows_new = timed(spark, new["sql"], bind(new["parameters"]), a.runs)
        filtered, scans = scans_filtered(spark, new["sql"], bind(new["parameters"]))
        needs = "--since" in args
        verdict = (f"yes ({scans} scans)" if filtered else f"NO ({scans} scans)") if needs else "n/a"
        print(f"| `{label}` | {t_old:.2f} | {t_new:.2f} | {t_old / t_new:.1f}x | "
              f"{'yes' if rows_old == rows_new else 'NO'} | {len(rows_new)} | {verdict} |")
    spark.stop()


if __name__ == "__main__":
    main()
