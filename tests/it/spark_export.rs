//! `tracecfg export` on a real SQL engine (local Spark, see spark_engine.rs): the export
//! statement runs on OpenTelemetry tables of both layouts (V2: VARIANT attributes; V1: MAP
//! attributes) and the tags layout, and the files hold exactly the window's traces, every span
//! with its ids, attributes (in their stored type) and events. OTLP files are read with the
//! official protobuf classes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{json, Value};

use crate::export::{all_lines, day_files, otlp_check, tree_ids};
use crate::spark_engine::{SparkDb, Values};

/// 2026-11-29T00:00:00Z.
const DAY0_MS: i64 = 1_795_910_400_000;
const DAY_MS: i64 = 86_400_000;
const WINDOW: [&str; 4] = [
    "--since",
    "2026-11-29T00:00:00Z",
    "--until",
    "2026-12-02T00:00:00Z",
];

struct Span {
    trace: String,
    id: String,
    parent: Option<String>,
    name: &'static str,
    start_ms: i64,
    attributes: Value,
    /// An exception event's attributes, on failed tool spans.
    event: Option<Value>,
}

/// Trace `i`: a root, an LLM span with typed attributes, a tool span that fails (with an
/// exception event) in every third trace. Nine traces over three days, and one a week earlier.
fn spans() -> Vec<Span> {
    let mut out = Vec::new();
    for i in 0..10i64 {
        let start = if i == 9 {
            DAY0_MS - 7 * DAY_MS
        } else {
            DAY0_MS + (i % 3) * DAY_MS + i * 3_600_000
        };
        let trace = format!("{:032x}", 0x5a5a_0000 + i);
        let id = |n: u8| format!("{:014x}{n:02x}", i);
        let root = id(1);
        out.push(Span {
            trace: trace.clone(),
            id: root.clone(),
            parent: None,
            name: "agent",
            start_ms: start,
            attributes: json!({"mlflow.spanType": "AGENT", "mlflow.spanInputs": format!("{{\"q\": {i}}}")}),
            event: None,
        });
        out.push(Span {
            trace: trace.clone(),
            id: id(2),
            parent: Some(root.clone()),
            name: "llm",
            start_ms: start + 5,
            attributes: json!({"mlflow.spanType": "LLM", "count": i, "ratio": 0.25, "flag": true, "config": {"stop": ["x"]}}),
            event: None,
        });
        out.push(Span {
            trace,
            id: id(3),
            parent: Some(root),
            name: "tool",
            start_ms: start + 20,
            attributes: json!({"mlflow.spanType": "TOOL"}),
            event: (i % 3 == 2).then(|| json!({"exception.message": format!("boom {i}")})),
        });
    }
    out
}

fn in_window(s: &Span) -> bool {
    s.start_ms >= DAY0_MS && s.start_ms < DAY0_MS + 3 * DAY_MS
}

#[derive(Clone, Copy, PartialEq)]
enum Layout {
    V1,
    V2,
}

/// V1 keeps every attribute as a string (JSON text for what is not one).
fn stored(attributes: &Value, layout: Layout) -> Value {
    match layout {
        Layout::V2 => attributes.clone(),
        Layout::V1 => Value::Object(
            attributes
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), Value::String(text))
                })
                .collect(),
        ),
    }
}

fn write_tables(db: &SparkDb, layout: Layout) -> String {
    let (table, attributes_type, event_attributes, extra_columns, extra_values) = match layout {
        Layout::V2 => (
            db.table("e_otel_spans"),
            "VARIANT",
            "parse_json(coalesce(ev, '{}'))",
            "record_id STRING, time TIMESTAMP, date DATE, service_name STRING, ",
            "uuid(), timestamp_millis(s), to_date(timestamp_millis(s)), 'agent-svc', ",
        ),
        Layout::V1 => (
            db.table("mlflow_experiment_trace_otel_spans"),
            "MAP<STRING, STRING>",
            "from_json(coalesce(ev, '{}'), 'map<string,string>')",
            "",
            "",
        ),
    };
    db.sql(&format!(
        "CREATE TABLE {table} ({extra_columns}trace_id STRING, span_id STRING, trace_state STRING, \
         parent_span_id STRING, flags INT, name STRING, kind STRING, start_time_unix_nano BIGINT, \
         end_time_unix_nano BIGINT, attributes {attributes_type}, dropped_attributes_count INT, \
         events ARRAY<STRUCT<time_unix_nano: BIGINT, name: STRING, attributes: {attributes_type}, \
         dropped_attributes_count: INT>>, dropped_events_count INT, \
         status STRUCT<message: STRING, code: STRING>) USING parquet"
    ));
    let mut values = Values::new();
    for s in spans() {
        let attributes = stored(&s.attributes, layout);
        let event = s.event.as_ref().map(|e| stored(e, layout).to_string());
        let cells = vec![
            values.param(Some(&s.trace)),
            values.param(Some(&s.id)),
            values.param(Some(s.parent.as_deref().unwrap_or(""))),
            values.param(Some(s.name)),
            format!("{}L", s.start_ms),
            values.param(Some(&attributes.to_string())),
            values.param(event.as_deref()),
        ];
        values.row(cells);
    }
    let attributes = match layout {
        Layout::V2 => "parse_json(attrs)",
        Layout::V1 => "from_json(attrs, 'map<string,string>')",
    };
    values.insert(
        db,
        &format!("INSERT INTO {table}"),
        &format!(
            "{extra_values}trace_id, span_id, '', parent, 0, name, 'SPAN_KIND_INTERNAL', s * 1000000, (s + 3) * 1000000, \
             {attributes}, 0, \
             filter(array(named_struct('time_unix_nano', s * 1000000 + 1000, 'name', 'exception', 'attributes', {event_attributes}, 'dropped_attributes_count', 0)), x -> ev IS NOT NULL), 0, \
             named_struct('message', IF(ev IS NULL, '', 'boom'), 'code', IF(ev IS NULL, 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'))"
        ),
        "trace_id, span_id, parent, name, s, attrs, ev",
    );
    table
}

/// The first trace's tags (`env` written twice, `gone` deleted) and metadata, in the location's
/// annotations (V2) or logs (V1) table.
fn write_trace_info(db: &SparkDb, layout: Layout) {
    let trace = format!("{:032x}", 0x5a5a_0000);
    let tags = [
        ("env", "staging", "2026-11-29T00:10:00Z", false),
        ("env", "prod", "2026-11-29T00:20:00Z", false),
        ("gone", "x", "2026-11-29T00:30:00Z", true),
    ];
    let metadata = json!({"mlflow.trace.user": "u0"});
    let mut values = Values::new();
    match layout {
        Layout::V2 => {
            let table = db.table("e_otel_annotations");
            db.sql(&format!(
                "CREATE TABLE {table} (annotation_id STRING, target_type STRING, target_id STRING, \
                 annotation_type STRING, name STRING, value VARIANT, comment STRING, metadata VARIANT, \
                 created_at TIMESTAMP, created_by STRING, updated_at TIMESTAMP, updated_by STRING, \
                 deleted_at TIMESTAMP, deleted_by STRING, _change_type STRING) USING parquet"
            ));
            for (key, value, at, deleted) in tags {
                let cells = vec![
                    values.param(Some(&format!("{trace}:{key}"))),
                    values.param(Some(&trace)),
                    "'TAG'".into(),
                    values.param(Some(key)),
                    values.param(Some(&json!(value).to_string())),
                    format!("TIMESTAMP'{at}'"),
                    if deleted {
                        format!("TIMESTAMP'{at}'")
                    } else {
                        "CAST(NULL AS TIMESTAMP)".into()
                    },
                ];
                values.row(cells);
            }
            let value = json!({"client_request_id": "c0", "request_preview": "q0", "trace_metadata": metadata});
            let cells = vec![
                values.param(Some(&format!("{trace}:metadata"))),
                values.param(Some(&trace)),
                "'METADATA'".into(),
                "'metadata'".into(),
                values.param(Some(&value.to_string())),
                "TIMESTAMP'2026-11-29T00:05:00Z'".into(),
                "CAST(NULL AS TIMESTAMP)".into(),
            ];
            values.row(cells);
            values.insert(
                db,
                &format!("INSERT INTO {table} (annotation_id, target_type, target_id, annotation_type, name, value, created_at, updated_at, deleted_at)"),
                "id, 'TRACE', target, kind, name, parse_json(value), at, at, deleted",
                "id, target, kind, name, value, at, deleted",
            );
        }
        Layout::V1 => {
            let table = db.table("mlflow_experiment_trace_otel_logs");
            db.sql(&format!(
                "CREATE TABLE {table} (event_name STRING, trace_id STRING, span_id STRING, \
                 time_unix_nano BIGINT, body STRING, attributes MAP<STRING, STRING>) USING parquet"
            ));
            for (key, value, at, deleted) in tags {
                let attributes =
                    json!({"key": key, "value": value, "deleted": deleted.to_string()});
                let cells = vec![
                    "'genai.trace.tag'".into(),
                    values.param(Some(&trace)),
                    format!("TIMESTAMP'{at}'"),
                    values.param(Some(&attributes.to_string())),
                ];
                values.row(cells);
            }
            let attributes = json!({"trace_metadata": metadata.to_string()});
            let cells = vec![
                "'genai.trace.metadata'".into(),
                values.param(Some(&trace)),
                "TIMESTAMP'2026-11-29T00:05:00Z'".into(),
                values.param(Some(&attributes.to_string())),
            ];
            values.row(cells);
            values.insert(
                db,
                &format!("INSERT INTO {table} (event_name, trace_id, span_id, time_unix_nano, body, attributes)"),
                "kind, trace_id, '', unix_micros(at) * 1000, '', from_json(attrs, 'map<string,string>')",
                "kind, trace_id, at, attrs",
            );
        }
    }
}

/// The first trace's line has its latest tags and its metadata; the others none.
fn trace_info_is_in_the_lines(dir: &Path, layout: Layout) {
    let first = format!("{:032x}", 0x5a5a_0000);
    for line in all_lines(dir) {
        if line["trace_id"] == first.as_str() {
            assert_eq!(line["tags"], json!({"env": "prod"}), "{line}");
            assert_eq!(
                line["metadata"],
                json!({"mlflow.trace.user": "u0"}),
                "{line}"
            );
            if layout == Layout::V2 {
                assert_eq!(line["info"]["client_request_id"], "c0", "{line}");
            }
        } else {
            assert_eq!(line["tags"], json!({}), "{line}");
        }
    }
}

fn export_args<'a>(
    table: &'a str,
    layout: &'a str,
    dir: &'a Path,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "export",
        "--table",
        table,
        "--layout",
        layout,
        "--disposition",
        "inline",
        "--out",
        dir.to_str().unwrap(),
    ];
    args.extend(WINDOW);
    args.extend(extra);
    args
}

fn export(db: &SparkDb, table: &str, layout: &str, dir: &Path, extra: &[&str]) -> Value {
    let (stdout, _) = db.tracecfg(&export_args(table, layout, dir, extra), 0);
    serde_json::from_str(&stdout).unwrap()
}

/// The window's spans by trace: span id -> (parent, attributes, events).
fn expected() -> BTreeMap<String, BTreeMap<String, &'static str>> {
    let mut out: BTreeMap<String, BTreeMap<String, &'static str>> = BTreeMap::new();
    for s in spans().into_iter().filter(in_window) {
        out.entry(s.trace.clone())
            .or_default()
            .insert(s.id.clone(), s.name);
    }
    out
}

fn jsonl_holds_the_window(dir: &Path) {
    let expected = expected();
    let lines = all_lines(dir);
    assert_eq!(lines.len(), expected.len(), "{lines:?}");
    for line in &lines {
        let id = line["trace_id"].as_str().unwrap();
        let mut ids = BTreeSet::new();
        tree_ids(&line["spans"], &mut ids);
        assert_eq!(ids, expected[id].keys().cloned().collect(), "{id}");
        assert_eq!(line["spans"][0]["name"], "agent");
        assert!(line["spans"][0]["inputs"]["q"].is_i64(), "{line}");
    }
    let names: Vec<String> = day_files(dir)
        .keys()
        .map(|k| k.trim_end_matches(".gz").to_string())
        .collect();
    assert_eq!(
        names,
        ["2026-11-29.jsonl", "2026-11-30.jsonl", "2026-12-01.jsonl"]
    );
}

fn otlp_holds_the_window(dir: &Path, layout: Layout) {
    let read = otlp_check(dir);
    let traces = read["traces"].as_object().unwrap();
    assert_eq!(traces.len(), expected().len());
    for s in spans().into_iter().filter(in_window) {
        let span = &traces[&s.trace]["spans"][&s.id];
        assert_eq!(span["name"], s.name);
        assert_eq!(span["parent"], json!(s.parent));
        assert_eq!(
            span["attributes"],
            stored(&s.attributes, layout),
            "{}",
            s.id
        );
        assert_eq!(span["events"], u64::from(s.event.is_some()));
        assert_eq!(span["status"], if s.event.is_some() { 2 } else { 1 });
        assert_eq!(span["start"], s.start_ms * 1_000_000);
    }
}

#[test]
#[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
fn export_of_the_otel_v2_tables_holds_the_window_in_both_formats() {
    let db = SparkDb::new("export_v2");
    let table = write_tables(&db, Layout::V2);
    write_trace_info(&db, Layout::V2);
    let out = tempfile::tempdir().unwrap();
    let report = export(&db, &table, "otel-v2", &out.path().join("jsonl"), &[]);
    assert_eq!(report["traces"], 9, "{report}");
    jsonl_holds_the_window(&out.path().join("jsonl"));
    trace_info_is_in_the_lines(&out.path().join("jsonl"), Layout::V2);
    export(
        &db,
        &table,
        "otel-v2",
        &out.path().join("otlp"),
        &["--format", "otlp"],
    );
    otlp_holds_the_window(&out.path().join("otlp"), Layout::V2);
    let dry = export(
        &db,
        &table,
        "otel-v2",
        &out.path().join("dry"),
        &["--dry-run"],
    );
    assert_eq!(dry["traces"], 9);
    assert_eq!(dry["spans"], 27);
}

#[test]
#[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
fn export_of_the_otel_v1_tables_keeps_the_map_values_as_strings() {
    let db = SparkDb::new("export_v1");
    let table = write_tables(&db, Layout::V1);
    let out = tempfile::tempdir().unwrap();
    // No logs table yet: the spans are exported without the traces' tags and metadata.
    let otlp = out.path().join("otlp");
    let (stdout, stderr) = db.tracecfg(
        &export_args(&table, "otel-v1", &otlp, &["--format", "otlp"]),
        0,
    );
    assert!(
        stderr.contains("mlflow_experiment_trace_otel_logs` does not exist"),
        "{stderr}"
    );
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap()["traces"], 9);
    otlp_holds_the_window(&otlp, Layout::V1);
    write_trace_info(&db, Layout::V1);
    export(
        &db,
        &table,
        "otel-v1",
        &out.path().join("jsonl"),
        &["--gzip"],
    );
    jsonl_holds_the_window(&out.path().join("jsonl"));
    trace_info_is_in_the_lines(&out.path().join("jsonl"), Layout::V1);
}

#[test]
#[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
fn export_of_the_tags_table_keeps_each_traces_rows_and_tags() {
    let db = SparkDb::new("export_tags");
    let table = db.table("agent_traces");
    db.sql(&format!(
        "CREATE TABLE {table} (trace_id STRING, span_name STRING, span_type STRING, \
         start_time TIMESTAMP, end_time TIMESTAMP, inputs STRING, outputs STRING, \
         tags MAP<STRING, STRING>) USING parquet"
    ));
    let mut values = Values::new();
    for s in spans() {
        let tags = json!({"user_id": format!("u-{}", &s.trace[28..])}).to_string();
        let inputs = s.attributes["mlflow.spanInputs"]
            .as_str()
            .map(str::to_string);
        let cells = vec![
            values.param(Some(&format!("tr-{}", s.trace))),
            values.param(Some(s.name)),
            values.param(s.attributes["mlflow.spanType"].as_str()),
            format!("{}L", s.start_ms),
            values.param(inputs.as_deref()),
            values.param(Some(&tags)),
        ];
        values.row(cells);
    }
    values.insert(
        &db,
        &format!("INSERT INTO {table}"),
        "trace_id, name, kind, timestamp_millis(s), timestamp_millis(s + 3), inputs, CAST(NULL AS STRING), from_json(tags, 'map<string,string>')",
        "trace_id, name, kind, s, inputs, tags",
    );
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("tags");
    let report = export(&db, &table, "tags", &dir, &[]);
    assert_eq!(report["traces"], 9, "{report}");
    let lines = all_lines(&dir);
    assert_eq!(lines.len(), 9);
    for line in &lines {
        let id = line["trace_id"].as_str().unwrap();
        assert_eq!(line["tree"], false);
        assert_eq!(line["span_count"], 3, "{line}");
        assert_eq!(
            line["tags"]["user_id"],
            format!("u-{}", &id[31..]),
            "{line}"
        );
        let names: Vec<&str> = line["spans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["agent", "llm", "tool"], "by start: {line}");
        assert!(line["spans"][0]["inputs"]["q"].is_i64(), "{line}");
        assert_eq!(line["spans"][1]["span_type"], "LLM");
    }
    let (_, stderr) = db.tracecfg(
        &export_args(
            &table,
            "tags",
            &out.path().join("otlp"),
            &["--format", "otlp"],
        ),
        2,
    );
    assert!(
        stderr.contains("--format otlp needs OpenTelemetry span ids"),
        "{stderr}"
    );
}
