//! Setups and expectations that several test modules share.

use serde_json::Value;

use crate::fake::{FakeWorkspace, StatementResult, TAG_CATALOG, TAG_SCHEMA, TAG_TABLE};

/// The experiment most tests configure.
pub const EXPERIMENT: &str = "/Shared/agent_eval";

/// A SQL warehouse id of the shape Databricks gives.
pub const WAREHOUSE: &str = "wh0123456789abcd";

/// The columns of the default trace query.
pub const TRACE_COLUMNS: [(&str, &str); 7] = [
    ("trace_id", "STRING"),
    ("span_name", "STRING"),
    ("span_type", "STRING"),
    ("start_time", "TIMESTAMP"),
    ("end_time", "TIMESTAMP"),
    ("inputs", "STRING"),
    ("outputs", "STRING"),
];

/// The three destination tags for `main.agents.agent_traces`.
pub fn destination_tags() -> [(&'static str, &'static str); 3] {
    [
        (TAG_CATALOG, "main"),
        (TAG_SCHEMA, "agents"),
        (TAG_TABLE, "agent_traces"),
    ]
}

/// `set -e <experiment> --catalog main --schema agents`, then `extra`.
pub fn set_args<'a>(experiment: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "set",
        "-e",
        experiment,
        "--catalog",
        "main",
        "--schema",
        "agents",
    ];
    args.extend_from_slice(extra);
    args
}

/// A workspace with [`EXPERIMENT`] tagged to `main.agents.agent_traces`.
pub fn tagged_workspace() -> FakeWorkspace {
    let ws = FakeWorkspace::start();
    ws.add_experiment(EXPERIMENT, &destination_tags());
    ws
}

/// Catalog `main`, schema `main.agents`, the running default warehouse [`WAREHOUSE`], and
/// `SELECT 1` answering 1: what `doctor` checks besides the experiment.
pub fn add_ready_warehouse(ws: &FakeWorkspace) {
    ws.add_catalog("main");
    ws.add_schema("main", "agents");
    ws.add_warehouse(WAREHOUSE, "Starter Warehouse", "RUNNING");
    ws.set_default_warehouse(WAREHOUSE);
    ws.declare_result(
        "SELECT 1",
        StatementResult::table(&[("1", "INT")], &[&[Some("1")]]),
    );
}

/// Tags in the API's shape, `[{"key": k, "value": v}, ...]` (or absent: `null`), as sorted
/// (key, value) pairs.
pub fn tag_pairs(tags: &Value) -> Vec<(String, String)> {
    if tags.is_null() {
        return Vec::new();
    }
    let mut pairs: Vec<(String, String)> = tags
        .as_array()
        .unwrap_or_else(|| panic!("not a list of tags: {tags}"))
        .iter()
        .map(|t| {
            let text = |name: &str| {
                t[name]
                    .as_str()
                    .unwrap_or_else(|| panic!("tag without a string {name}: {t}"))
                    .to_string()
            };
            (text("key"), text("value"))
        })
        .collect();
    pairs.sort();
    pairs
}

/// Owned (key, value) pairs, sorted, to compare with [`tag_pairs`].
pub fn sorted_pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut owned: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    owned.sort();
    owned
}

/// [`EXPERIMENT`] linked to the V2 native location `c.s.p` (tables `c.s.p_otel_*`), with the
/// running default warehouse [`WAREHOUSE`]: what `traces` and `trace` read.
pub fn native_workspace() -> FakeWorkspace {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    ws.link_trace_location(&id, "c", "s", "p");
    ws.add_warehouse(WAREHOUSE, "Starter Warehouse", "RUNNING");
    ws.set_default_warehouse(WAREHOUSE);
    ws
}

/// The columns of the `traces` statement, as the warehouse types them.
pub const TRACE_LIST_COLUMNS: [(&str, &str); 9] = [
    ("trace_id", "STRING"),
    ("start_time", "TIMESTAMP"),
    ("end_time", "TIMESTAMP"),
    ("duration_ms", "DECIMAL(24,3)"),
    ("span_count", "LONG"),
    ("root_span_name", "STRING"),
    ("status", "STRING"),
    ("user", "STRING"),
    ("session", "STRING"),
];

/// A trace-list row: id, start, end, duration, spans, root, status, user, session.
pub type TraceListRow<'a> = [Option<&'a str>; 9];

pub fn trace_list(rows: &[TraceListRow]) -> StatementResult {
    let rows: Vec<&[Option<&str>]> = rows.iter().map(|r| &r[..]).collect();
    StatementResult::table(&TRACE_LIST_COLUMNS, &rows)
}

/// Three traces, newest first, one failed, one with a long root span name.
pub fn three_traces() -> StatementResult {
    trace_list(&[
        [
            Some("tr-7f3a9c1e5b2d4f60a1b2c3d4e5f60718"),
            Some("2026-11-30T10:02:00.250Z"),
            Some("2026-11-30T10:02:04.750Z"),
            Some("4500.000"),
            Some("6"),
            Some("customer_support_agent.handle_refund_request_with_order_lookup"),
            Some("ERROR"),
            Some("alice@example.com"),
            Some("session-0042"),
        ],
        [
            Some("tr-1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f"),
            Some("2026-11-30T10:01:00.000Z"),
            Some("2026-11-30T10:01:01.234Z"),
            Some("1234.000"),
            Some("4"),
            Some("chat"),
            Some("OK"),
            Some("bob@example.com"),
            None,
        ],
        [
            Some("tr-00aa11bb22cc33dd44ee55ff66778899"),
            Some("2026-11-30T10:00:00.123Z"),
            Some("2026-11-30T10:00:00.973Z"),
            Some("850.000"),
            Some("2"),
            Some("chat"),
            Some("OK"),
            None,
            None,
        ],
    ])
}

/// The columns of the `trace ID` statement.
pub const SPAN_COLUMNS: [(&str, &str); 10] = [
    ("trace_id", "STRING"),
    ("span_id", "STRING"),
    ("parent_span_id", "STRING"),
    ("span_name", "STRING"),
    ("span_type", "STRING"),
    ("start_time", "TIMESTAMP"),
    ("end_time", "TIMESTAMP"),
    ("status_code", "STRING"),
    ("inputs", "STRING"),
    ("outputs", "STRING"),
];

/// The id of the trace [`nested_trace`] holds.
pub const NESTED_TRACE: &str = "tr-7f3a9c1e5b2d4f60a1b2c3d4e5f60718";

/// One agent trace, 4.5 s: a root with a retrieval, an LLM call with a tool call under it, and
/// a failed tool call; rows in start order as the statement returns them.
pub fn nested_trace() -> StatementResult {
    let row = |id: &'static str,
               parent: Option<&'static str>,
               name: &'static str,
               kind: &'static str,
               start: &'static str,
               end: &'static str,
               code: &'static str,
               inputs: Option<&'static str>| {
        vec![
            Some(NESTED_TRACE),
            Some(id),
            parent,
            Some(name),
            Some(kind),
            Some(start),
            Some(end),
            Some(code),
            inputs,
            Some("{\"ok\":true}"),
        ]
    };
    let rows = [
        row("s1", None, "customer_support_agent", "AGENT", "2026-11-30T10:02:00.250Z", "2026-11-30T10:02:04.750Z", "STATUS_CODE_ERROR", Some("{\"question\":\"Where is my refund for order 1234?\",\"history\":[\"hi\",\"hello\",\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]}")),
        row("s2", Some("s1"), "retrieve_orders", "RETRIEVER", "2026-11-30T10:02:00.300Z", "2026-11-30T10:02:00.900Z", "STATUS_CODE_OK", Some("{\"customer\":\"alice\"}")),
        row("s3", Some("s1"), "plan_answer", "LLM", "2026-11-30T10:02:00.950Z", "2026-11-30T10:02:03.100Z", "STATUS_CODE_OK", None),
        row("s4", Some("s3"), "lookup_order", "TOOL", "2026-11-30T10:02:01.500Z", "2026-11-30T10:02:02.000Z", "STATUS_CODE_OK", Some("{\"order\":1234}")),
        row("s5", Some("s1"), "issue_refund", "TOOL", "2026-11-30T10:02:03.200Z", "2026-11-30T10:02:04.700Z", "STATUS_CODE_ERROR", Some("{\"order\":1234}")),
    ];
    let rows: Vec<&[Option<&str>]> = rows.iter().map(|r| &r[..]).collect();
    StatementResult::table(&SPAN_COLUMNS, &rows)
}

/// The columns of the `stats` statement, as the warehouse types them.
pub const STATS_COLUMNS: [(&str, &str); 11] = [
    ("grp", "STRING"),
    ("count", "LONG"),
    ("errors", "LONG"),
    ("p50_ms", "DOUBLE"),
    ("p95_ms", "DOUBLE"),
    ("p99_ms", "DOUBLE"),
    ("max_ms", "DOUBLE"),
    ("input_tokens", "LONG"),
    ("output_tokens", "LONG"),
    ("total_tokens", "LONG"),
    ("cost_usd", "DOUBLE"),
];

/// What the `stats --by day` statement answers for 2026-11-24 .. 2026-11-30: a week of an agent
/// in production, with no traces on 2026-11-26.
pub fn stats_by_day() -> StatementResult {
    let day = |d: &str,
               n: u64,
               e: u64,
               p50: f64,
               p95: f64,
               p99: f64,
               max: f64,
               tin: u64,
               tout: u64,
               cost: f64|
     -> [Option<String>; 11] {
        let tokens = tin + tout;
        [
            Some(d.to_string()),
            Some(format!("{n}")),
            Some(format!("{e}")),
            Some(format!("{p50}")),
            Some(format!("{p95}")),
            Some(format!("{p99}")),
            Some(format!("{max}")),
            Some(format!("{tin}")),
            Some(format!("{tout}")),
            Some(format!("{tokens}")),
            Some(format!("{cost}")),
        ]
    };
    let rows = [
        day(
            "2026-11-24",
            412,
            9,
            1840.0,
            5210.5,
            8012.0,
            12040.0,
            1_204_332,
            198_201,
            7.4112,
        ),
        day(
            "2026-11-25",
            388,
            4,
            1795.0,
            4980.0,
            7420.0,
            9822.0,
            1_120_020,
            181_455,
            6.9021,
        ),
        day(
            "2026-11-27",
            97,
            1,
            1702.0,
            4410.0,
            6105.0,
            6610.0,
            281_404,
            44_990,
            1.7303,
        ),
        day(
            "2026-11-28",
            455,
            31,
            2210.0,
            7302.0,
            11_880.0,
            20_410.0,
            1_402_118,
            240_012,
            8.8840,
        ),
        day(
            "2026-11-29",
            501,
            12,
            1905.0,
            5502.0,
            8333.0,
            10_980.0,
            1_510_777,
            251_006,
            9.3007,
        ),
        day(
            "2026-11-30",
            263,
            2,
            1650.0,
            4020.0,
            6002.0,
            7410.0,
            780_501,
            129_870,
            4.8111,
        ),
    ];
    let rows: Vec<Vec<Option<&str>>> = rows
        .iter()
        .map(|r| r.iter().map(|c| c.as_deref()).collect())
        .collect();
    let rows: Vec<&[Option<&str>]> = rows.iter().map(Vec::as_slice).collect();
    StatementResult::table(&STATS_COLUMNS, &rows)
}
