//! `tracecfg stats` on a real SQL engine: its one aggregate statement runs on local Spark
//! (scripts/spark_warehouse.py, see `spark_engine.rs`) over the three table layouts, holding
//! the same generated traces: errors, token usage and cost on LLM spans (one of them nested
//! under another that carries usage too, so it must not be counted twice), several users,
//! names, models and days, and one trace outside the window. Every figure is compared with the
//! value computed here from the generated spans; percentiles are `percentile_approx`, so they
//! must be a value within one rank of the exact one (docs/stats.md).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::spark_engine::{SparkDb, Values};

const DAY_MS: i64 = 86_400_000;
/// 2026-11-28T00:00:00Z: the window is this day and the next two.
const DAY0_MS: i64 = 1_795_824_000_000;
const TRACES: i64 = 30;
const WINDOW: [&str; 4] = [
    "--since",
    "2026-11-28T00:00:00Z",
    "--until",
    "2026-12-01T00:00:00Z",
];

/// One generated span.
#[derive(Debug, Clone)]
struct Span {
    trace: String,
    id: String,
    parent: Option<String>,
    name: &'static str,
    kind: &'static str,
    start_ms: i64,
    end_ms: i64,
    error: bool,
    /// input, output, total tokens.
    usage: Option<[u64; 3]>,
    cost: Option<f64>,
    model: Option<&'static str>,
    /// On the root span only.
    user: Option<String>,
}

impl Span {
    fn duration_ms(&self) -> f64 {
        (self.end_ms - self.start_ms) as f64
    }
}

/// Trace `i`: a root (`agent`, or `planner` for every fifth), an LLM `chat` span with usage,
/// cost and a model (failed in every fourth trace), a `search` tool span, and in some traces
/// an `inner` LLM span under `chat` that carries usage of its own.
fn trace_spans(i: i64, start: i64) -> Vec<Span> {
    let t = format!("t{i:02}");
    let d = 120 + 37 * i + (i * i) % 11;
    let span = |suffix: &str, parent: Option<&str>, name, kind, from: i64, to: i64| Span {
        trace: t.clone(),
        id: format!("{t}{suffix}"),
        parent: parent.map(|p| format!("{t}{p}")),
        name,
        kind,
        start_ms: start + from,
        end_ms: start + to,
        error: false,
        usage: None,
        cost: None,
        model: None,
        user: None,
    };
    let root = Span {
        user: (i % 7 != 0).then(|| format!("u{}", i % 4)),
        ..span(
            "a",
            None,
            if i % 5 == 0 { "planner" } else { "agent" },
            "CHAIN",
            0,
            d,
        )
    };
    let u = i as u64;
    let chat = Span {
        error: i % 4 == 3,
        usage: Some([100 + u, 10 + 2 * u, 110 + 3 * u]),
        cost: Some(0.001 * (i + 1) as f64),
        model: Some(if i % 2 == 1 { "gpt-a" } else { "gpt-b" }),
        ..span("b", Some("a"), "chat", "LLM", 1, d - 1)
    };
    let tool = span("c", Some("a"), "search", "TOOL", 2, 12 + i);
    let mut spans = vec![root, chat, tool];
    if i % 5 == 1 {
        spans.push(Span {
            usage: Some([50, 5, 55]),
            cost: Some(0.0005),
            model: Some("gpt-inner"),
            ..span("d", Some("b"), "inner", "LLM", 3, 23)
        });
    }
    spans
}

/// Every span: the window's traces over three days, and one trace three days before them.
fn spans() -> Vec<Span> {
    let mut out: Vec<Span> = (0..TRACES)
        .flat_map(|i| trace_spans(i, DAY0_MS + (i % 3) * DAY_MS + (i * 47 % 1400) * 60_000))
        .collect();
    out.extend(trace_spans(TRACES, DAY0_MS - 3 * DAY_MS));
    out
}

fn day_of(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS) - DAY0_MS / DAY_MS;
    format!("2026-11-{}", 28 + days)
}

fn hour_of(ms: i64) -> String {
    format!("{} {:02}:00", day_of(ms), ms.rem_euclid(DAY_MS) / 3_600_000)
}

// ---------------------------------------------------------------------------------- layouts

/// The attributes of a span as a JSON object of strings; V1 values JSON-encoded once more for
/// odd traces (as older clients wrote them), V2 usage as a nested object for even traces.
fn attributes(span: &Span, layout: Layout) -> String {
    let odd = span.trace.ends_with(['1', '3', '5', '7', '9']);
    let text = |v: String| -> Value {
        if layout == Layout::V1 && odd {
            Value::String(Value::String(v).to_string())
        } else {
            Value::String(v)
        }
    };
    let mut map = serde_json::Map::new();
    map.insert("mlflow.spanType".into(), text(span.kind.to_string()));
    if let Some(user) = &span.user {
        map.insert("user.id".into(), text(user.clone()));
    }
    if let Some([input, output, total]) = span.usage {
        let usage = json!({"input_tokens": input, "output_tokens": output, "total_tokens": total});
        let value = if layout == Layout::V2 && !odd {
            usage
        } else {
            text(usage.to_string())
        };
        map.insert("mlflow.chat.tokenUsage".into(), value);
    }
    if let Some(cost) = span.cost {
        let cost = json!({"input_cost": cost / 2.0, "output_cost": cost / 2.0, "total_cost": cost});
        map.insert("mlflow.llm.cost".into(), text(cost.to_string()));
    }
    if let Some(model) = span.model {
        map.insert("mlflow.llm.model".into(), text(model.to_string()));
    }
    Value::Object(map).to_string()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Tags,
    V1,
    V2,
}

fn status_code(span: &Span) -> &'static str {
    if span.error {
        "'STATUS_CODE_ERROR'"
    } else {
        "'STATUS_CODE_OK'"
    }
}

/// The span rows as `VALUES` (texts as named parameters): trace, id, parent, name, start and
/// end (epoch ms), attributes, status code.
fn otel_values(layout: Layout) -> Values {
    let mut values = Values::new();
    for s in spans() {
        let cells = vec![
            values.param(Some(&s.trace)),
            values.param(Some(&s.id)),
            values.param(Some(s.parent.as_deref().unwrap_or(""))),
            values.param(Some(s.name)),
            format!("{}L", s.start_ms),
            format!("{}L", s.end_ms),
            values.param(Some(&attributes(&s, layout))),
            status_code(&s).to_string(),
        ];
        values.row(cells);
    }
    values
}

const OTEL_COLUMNS: &str = "trace_id, span_id, parent, name, s, e, attrs, code";

fn write_v2(db: &SparkDb) -> String {
    let table = db.table("stats_otel_spans");
    db.sql(&format!(
        "CREATE TABLE {table} (record_id STRING, time TIMESTAMP, service_name STRING, \
         trace_id STRING, span_id STRING, parent_span_id STRING, name STRING, kind STRING, \
         start_time_unix_nano BIGINT, end_time_unix_nano BIGINT, attributes VARIANT, \
         status STRUCT<message: STRING, code: STRING>, date DATE) USING parquet PARTITIONED BY (date)"
    ));
    // The location's other table: `--user` also reads the trace metadata there (empty here).
    db.sql(&format!(
        "CREATE TABLE {} (annotation_id STRING, target_type STRING, target_id STRING, \
         annotation_type STRING, name STRING, value VARIANT, comment STRING, metadata VARIANT, \
         created_at TIMESTAMP, created_by STRING, updated_at TIMESTAMP, updated_by STRING, \
         deleted_at TIMESTAMP, deleted_by STRING, _change_type STRING) USING parquet",
        db.table("stats_otel_annotations")
    ));
    otel_values(Layout::V2).insert(
        db,
        &format!("INSERT INTO {table} (record_id, time, service_name, trace_id, span_id, parent_span_id, name, kind, start_time_unix_nano, end_time_unix_nano, attributes, status, date)"),
        "uuid(), timestamp_millis(s), 'agent', trace_id, span_id, parent, name, 'SPAN_KIND_INTERNAL', s * 1000000, e * 1000000, parse_json(attrs), named_struct('message', '', 'code', code), to_date(timestamp_millis(s))",
        OTEL_COLUMNS,
    );
    table
}

fn write_v1(db: &SparkDb) -> String {
    let table = db.table("mlflow_experiment_trace_otel_spans");
    db.sql(&format!(
        "CREATE TABLE {table} (trace_id STRING, span_id STRING, parent_span_id STRING, \
         name STRING, kind STRING, start_time_unix_nano BIGINT, end_time_unix_nano BIGINT, \
         attributes MAP<STRING, STRING>, status STRUCT<message: STRING, code: STRING>) USING parquet"
    ));
    // The location's other table: `--user` also reads the trace metadata there (empty here).
    db.sql(&format!(
        "CREATE TABLE {} (event_name STRING, trace_id STRING, span_id STRING, \
         time_unix_nano BIGINT, body STRING, attributes MAP<STRING, STRING>) USING parquet",
        db.table("mlflow_experiment_trace_otel_logs")
    ));
    otel_values(Layout::V1).insert(
        db,
        &format!("INSERT INTO {table} (trace_id, span_id, parent_span_id, name, kind, start_time_unix_nano, end_time_unix_nano, attributes, status)"),
        "trace_id, span_id, parent, name, 'SPAN_KIND_INTERNAL', s * 1000000, e * 1000000, from_json(attrs, 'map<string,string>'), named_struct('message', '', 'code', code)",
        OTEL_COLUMNS,
    );
    table
}

/// The tags layout: no span ids, no status, no attributes; the user in `tags['user_id']` on
/// every span of the trace.
fn write_tags(db: &SparkDb) -> String {
    let table = db.table("agent_traces");
    db.sql(&format!(
        "CREATE TABLE {table} (trace_id STRING, span_name STRING, span_type STRING, \
         start_time TIMESTAMP, end_time TIMESTAMP, inputs STRING, outputs STRING, \
         tags MAP<STRING, STRING>) USING parquet"
    ));
    let all = spans();
    let user_of = |trace: &str| {
        all.iter()
            .find(|s| s.trace == trace && s.parent.is_none())
            .and_then(|s| s.user.clone())
    };
    let mut values = Values::new();
    for s in &all {
        let tags = match user_of(&s.trace) {
            Some(u) => json!({ "user_id": u }),
            None => json!({}),
        };
        let cells = vec![
            values.param(Some(&s.trace)),
            values.param(Some(s.name)),
            values.param(Some(s.kind)),
            format!("{}L", s.start_ms),
            format!("{}L", s.end_ms),
            values.param(Some(&tags.to_string())),
        ];
        values.row(cells);
    }
    values.insert(
        db,
        &format!("INSERT INTO {table} (trace_id, span_name, span_type, start_time, end_time, inputs, outputs, tags)"),
        "trace_id, name, kind, timestamp_millis(s), timestamp_millis(e), NULL, NULL, from_json(tags, 'map<string,string>')",
        "trace_id, name, kind, s, e, tags",
    );
    table
}

// --------------------------------------------------------------------------------- expected

/// What one sample contributes to its group.
#[derive(Debug, Clone)]
struct Sample {
    duration_ms: f64,
    error: bool,
    usage: Option<[u64; 3]>,
    cost: Option<f64>,
}

/// A trace as the statement sees it, with the keys it can be grouped by.
struct TraceFacts {
    start_ms: i64,
    name: &'static str,
    user: Option<String>,
    model: Option<&'static str>,
    sample: Sample,
}

/// The window's traces: duration from the first start to the last end, failed when a span
/// failed, usage and cost of the spans whose parent carries none, the first span's model.
fn traces_in_window(since_ms: i64, until_ms: i64) -> Vec<TraceFacts> {
    let all = spans();
    let mut ids: Vec<&str> = all.iter().map(|s| s.trace.as_str()).collect();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let mine: Vec<&Span> = all.iter().filter(|s| s.trace == id).collect();
            let root = mine.iter().find(|s| s.parent.is_none()).unwrap();
            let start = mine.iter().map(|s| s.start_ms).min().unwrap();
            let end = mine.iter().map(|s| s.end_ms).max().unwrap();
            let counted: Vec<&&Span> = mine
                .iter()
                .filter(|s| {
                    let parent = mine.iter().find(|p| Some(&p.id) == s.parent.as_ref());
                    parent.is_none_or(|p| p.usage.is_none() && p.cost.is_none())
                })
                .collect();
            let usage = counted
                .iter()
                .filter_map(|s| s.usage)
                .reduce(|a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2]]);
            let cost = counted.iter().filter_map(|s| s.cost).reduce(|a, b| a + b);
            let model = mine
                .iter()
                .filter(|s| s.model.is_some())
                .min_by_key(|s| s.start_ms)
                .and_then(|s| s.model);
            TraceFacts {
                start_ms: start,
                name: root.name,
                user: root.user.clone(),
                model,
                sample: Sample {
                    duration_ms: (end - start) as f64,
                    error: mine.iter().any(|s| s.error),
                    usage,
                    cost,
                },
            }
        })
        .filter(|t| t.start_ms >= since_ms && t.start_ms < until_ms)
        .collect()
}

/// The expected figures of each group.
#[derive(Debug)]
struct Expected {
    count: u64,
    errors: u64,
    durations: Vec<f64>,
    usage: Option<[u64; 3]>,
    cost: Option<f64>,
}

fn expected<K: Ord>(samples: impl IntoIterator<Item = (K, Sample)>) -> BTreeMap<K, Expected> {
    let mut out: BTreeMap<K, Expected> = BTreeMap::new();
    for (key, s) in samples {
        let e = out.entry(key).or_insert(Expected {
            count: 0,
            errors: 0,
            durations: Vec::new(),
            usage: None,
            cost: None,
        });
        e.count += 1;
        e.errors += u64::from(s.error);
        e.durations.push(s.duration_ms);
        if let Some(u) = s.usage {
            let sum = e.usage.unwrap_or([0; 3]);
            e.usage = Some([sum[0] + u[0], sum[1] + u[1], sum[2] + u[2]]);
        }
        if let Some(c) = s.cost {
            e.cost = Some(e.cost.unwrap_or(0.0) + c);
        }
    }
    for e in out.values_mut() {
        e.durations.sort_by(f64::total_cmp);
    }
    out
}

/// `percentile_approx` returns a value of the column: the exact rank's, give or take one.
fn assert_percentile(got: &Value, sorted: &[f64], p: f64, what: &str) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: p{p} is {got}"));
    let n = sorted.len();
    let rank = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
    let (low, high) = (
        sorted[rank.saturating_sub(1)],
        sorted[(rank + 1).min(n - 1)],
    );
    assert!(
        (low..=high).contains(&got),
        "{what}: p{} = {got}, expected within one rank of {} ({low}..={high})",
        p * 100.0,
        sorted[rank]
    );
}

/// Checks one row against its expected figures; `status` and `usage` say whether the layout
/// can tell them (else they must be null).
fn assert_row(row: &Value, e: &Expected, layout: Layout, what: &str) {
    let what = format!("{what}: {row}");
    assert_eq!(row["count"], e.count, "{what}");
    if layout == Layout::Tags {
        assert_eq!(
            row["errors"],
            Value::Null,
            "the tags layout has no status: {what}"
        );
        assert_eq!(row["input_tokens"], Value::Null, "{what}");
        assert_eq!(row["cost_usd"], Value::Null, "{what}");
    } else {
        assert_eq!(row["errors"], e.errors, "{what}");
        let rate = e.errors as f64 / e.count as f64;
        assert!(
            (row["error_rate"].as_f64().unwrap() - rate).abs() < 1e-12,
            "{what}"
        );
        let [input, output, total] = match e.usage {
            Some(u) => u.map(Value::from),
            None => [Value::Null, Value::Null, Value::Null],
        };
        assert_eq!(row["input_tokens"], input, "{what}");
        assert_eq!(row["output_tokens"], output, "{what}");
        assert_eq!(row["total_tokens"], total, "{what}");
        match e.cost {
            Some(c) => assert!(
                (row["cost_usd"].as_f64().unwrap() - c).abs() < 1e-9,
                "{what}"
            ),
            None => assert_eq!(row["cost_usd"], Value::Null, "{what}"),
        }
    }
    assert_eq!(
        row["max_ms"].as_f64(),
        e.durations.last().copied(),
        "{what}"
    );
    for (key, p) in [("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99)] {
        assert_percentile(&row[key], &e.durations, p, &what);
    }
}

fn ms(rfc3339: &str) -> i64 {
    let day: i64 = rfc3339[8..10].parse().unwrap();
    let month: i64 = rfc3339[5..7].parse().unwrap();
    // Only the window's dates are used: 2026-11-28 .. 2026-12-01.
    let days = if month == 12 { day + 2 } else { day - 28 };
    DAY0_MS + days * DAY_MS + rfc3339[11..13].parse::<i64>().unwrap() * 3_600_000
}

/// `stats --table TABLE ARGS` on Spark, its JSON report.
fn stats(db: &SparkDb, table: &str, args: &[&str]) -> Value {
    let mut all = vec!["stats", "--table", table];
    all.extend(args);
    let (stdout, stderr) = db.tracecfg(&all, 0);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n--- stderr\n{stderr}"));
    assert_eq!(report["source"], "tables", "{report}");
    assert_eq!(report["aggregated_by"], "warehouse", "{report}");
    assert_eq!(report["percentiles"], "approximate", "{report}");
    assert!(stderr.contains("percentiles are approximate"), "{stderr}");
    report
}

/// The report's rows by group (`null` as "(none)"), and that each group comes once.
fn rows_by_group(report: &Value) -> BTreeMap<Option<String>, Value> {
    let mut out = BTreeMap::new();
    for row in report["rows"].as_array().unwrap() {
        let group = row["group"].as_str().map(str::to_string);
        assert!(
            out.insert(group.clone(), row.clone()).is_none(),
            "{group:?} twice: {report}"
        );
    }
    out
}

/// The rows of a grouping equal the expected groups; time buckets without traces count 0.
fn assert_groups(
    report: &Value,
    want: &BTreeMap<Option<String>, Expected>,
    layout: Layout,
    what: &str,
) {
    let got = rows_by_group(report);
    for (group, e) in want {
        let row = got
            .get(group)
            .unwrap_or_else(|| panic!("{what}: no row for {group:?}: {report}"));
        assert_row(row, e, layout, &format!("{what} {group:?}"));
    }
    for (group, row) in &got {
        if !want.contains_key(group) {
            assert_eq!(row["count"], 0, "{what}: unexpected group {group:?}: {row}");
        }
    }
}

/// What a trace is grouped by.
type TraceKey = Box<dyn Fn(&TraceFacts) -> Option<String>>;

fn every_figure_on(db: &SparkDb, table: &str, layout: Layout) {
    let (since, until) = (ms(WINDOW[1]), ms(WINDOW[3]));
    let traces = traces_in_window(since, until);
    assert_eq!(
        traces.len(),
        TRACES as usize,
        "the old trace is outside the window"
    );
    let trace_groups = |key: &dyn Fn(&TraceFacts) -> Option<String>| {
        expected(traces.iter().map(|t| (key(t), t.sample.clone())))
    };
    let label = |what: &str| format!("{layout:?} {what}");

    // The window, in one row.
    let report = stats(db, table, &WINDOW);
    assert_groups(&report, &trace_groups(&|_| None), layout, &label("window"));
    assert_eq!(report["rows"].as_array().unwrap().len(), 1, "{report}");

    let mut groupings: Vec<(&str, TraceKey)> = vec![
        ("day", Box::new(|t: &TraceFacts| Some(day_of(t.start_ms)))),
        ("user", Box::new(|t: &TraceFacts| t.user.clone())),
        ("name", Box::new(|t: &TraceFacts| Some(t.name.to_string()))),
    ];
    if layout != Layout::Tags {
        groupings.push((
            "model",
            Box::new(|t: &TraceFacts| t.model.map(str::to_string)),
        ));
    }
    for (by, key) in &groupings {
        let mut args = WINDOW.to_vec();
        args.extend(["--by", by]);
        let report = stats(db, table, &args);
        assert_groups(&report, &trace_groups(key), layout, &label(by));
    }

    // Hours of the last day: 24 buckets in time order, the empty ones 0.
    let last_day = [
        "--since",
        "2026-11-30T00:00:00Z",
        "--until",
        "2026-12-01T00:00:00Z",
    ];
    let mut args = last_day.to_vec();
    args.extend(["--by", "hour"]);
    let report = stats(db, table, &args);
    let hours: Vec<TraceFacts> = traces_in_window(ms(last_day[1]), ms(last_day[3]));
    let want = expected(
        hours
            .iter()
            .map(|t| (Some(hour_of(t.start_ms)), t.sample.clone())),
    );
    assert_groups(&report, &want, layout, &label("hour"));
    let listed: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["group"].as_str().unwrap())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "buckets in time order");
    assert_eq!(listed.len(), 24, "{listed:?}");

    // One user's traces.
    let mut args = WINDOW.to_vec();
    args.extend(["--user", "u1"]);
    let report = stats(db, table, &args);
    let want = expected(
        traces
            .iter()
            .filter(|t| t.user.as_deref() == Some("u1"))
            .map(|t| (None, t.sample.clone())),
    );
    assert_groups(&report, &want, layout, &label("--user u1"));

    // Span figures: every span of the window, each with its own usage.
    let window_spans: Vec<Span> = spans()
        .into_iter()
        .filter(|s| s.start_ms >= since && s.start_ms < until)
        .collect();
    for by in ["span-name", "span-type"] {
        let mut args = WINDOW.to_vec();
        args.extend(["--by", by]);
        let report = stats(db, table, &args);
        assert_eq!(report["unit"], "spans", "{report}");
        let want = expected(window_spans.iter().map(|s| {
            let key = if by == "span-name" { s.name } else { s.kind };
            let sample = Sample {
                duration_ms: s.duration_ms(),
                error: s.error,
                usage: s.usage,
                cost: s.cost,
            };
            (Some(key.to_string()), sample)
        }));
        assert_groups(&report, &want, layout, &label(by));
    }
}

#[test]
#[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
fn stats_on_the_otel_v2_tables_matches_the_spans() {
    let db = SparkDb::new("stats_v2");
    let table = write_v2(&db);
    every_figure_on(&db, &table, Layout::V2);
}

#[test]
#[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
fn stats_on_the_otel_v1_tables_matches_the_spans() {
    let db = SparkDb::new("stats_v1");
    let table = write_v1(&db);
    every_figure_on(&db, &table, Layout::V1);
}

#[test]
#[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
fn stats_on_the_tags_table_matches_the_spans() {
    let db = SparkDb::new("stats_tags");
    let table = write_tags(&db);
    every_figure_on(&db, &table, Layout::Tags);
}

#[test]
#[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
fn stats_of_an_empty_window_says_so_and_succeeds() {
    let db = SparkDb::new("stats_empty");
    let table = write_v2(&db);
    let (stdout, stderr) = db.tracecfg(
        &[
            "stats",
            "--table",
            &table,
            "--since",
            "2026-12-02T00:00:00Z",
        ],
        0,
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["rows"], json!([]), "{report}");
    assert!(stderr.contains("no traces match in"), "{stderr}");
}
