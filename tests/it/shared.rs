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
