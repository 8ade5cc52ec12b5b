//! The trace-store source against the fake workspace, for what no open-source server shows:
//! spans kept as an artifact behind a signed link (Databricks experiment storage), servers
//! that lack a route (404 ENDPOINT_NOT_FOUND), and 429 in the middle of paging. The real
//! server's behaviour is tested in `trace_store.rs`.

use serde_json::{json, Value};

use crate::cli::*;
use crate::fake::*;
use crate::shared::{native_workspace, three_traces, EXPERIMENT as NATIVE_EXPERIMENT, WAREHOUSE};

const EXPERIMENT: &str = "/Shared/store";
const T0: i64 = 1_796_000_000_000;

fn spans() -> Vec<FakeSpan> {
    let mut llm =
        FakeSpan::new("00000000000000b2", Some("00000000000000a1"), "llm", "LLM").at(10, 50);
    llm.attributes
        .push(("mlflow.spanInputs".into(), json!({"prompt": "hi"})));
    llm.attributes.push(("model".into(), json!("gpt-fake")));
    vec![
        FakeSpan::new("00000000000000a1", None, "agent", "AGENT").at(0, 100),
        llm,
        FakeSpan::new("00000000000000c3", Some("00000000000000a1"), "tool", "TOOL").at(70, 20),
    ]
}

fn trace(experiment_id: &str, n: i64, artifact: bool) -> FakeTrace {
    FakeTrace {
        experiment_id: experiment_id.to_string(),
        hex: format!("{n:032x}"),
        start_ms: T0 + n * 1000,
        duration_ms: 100,
        tags: vec![("env".into(), "prod".into())],
        metadata: vec![("mlflow.trace.user".into(), format!("user{}", n % 2))],
        spans: spans(),
        artifact,
    }
}

fn workspace_with(traces: impl Fn(&str) -> Vec<FakeTrace>) -> (FakeWorkspace, String) {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    for t in traces(&id) {
        ws.add_stored_trace(t);
    }
    (ws, id)
}

fn missing_route(ws: &FakeWorkspace, method: &str, path: &str) {
    ws.fault(Fault::on(method, path).status(404).body(
        &json!({"error_code": "ENDPOINT_NOT_FOUND", "message": format!("No API found for '{method} {path}'")})
            .to_string(),
    ));
}

fn paths(ws: &FakeWorkspace) -> Vec<String> {
    ws.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn span_names(view: &Value) -> Vec<String> {
    fn walk(span: &Value, out: &mut Vec<String>) {
        out.push(span["name"].as_str().unwrap().to_string());
        for child in span["children"].as_array().unwrap() {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    for root in view["spans"].as_array().unwrap() {
        walk(root, &mut out);
    }
    out
}

#[test]
fn artifact_spans_come_through_the_signed_link_without_the_workspace_credential() {
    let (ws, _) = workspace_with(|id| vec![trace(id, 1, true)]);
    let id = format!("tr-{:032x}", 1);
    let r = run(tracecfg(&ws).args(["trace", &id, "-o", "json", "--debug"]));
    assert_eq!(r.code, 0, "{r}");
    let view = r.json();
    assert_eq!(span_names(&view), ["agent", "llm", "tool"]);
    let llm = &view["spans"][0]["children"][0];
    assert_eq!(llm["span_type"], "LLM");
    assert_eq!(llm["inputs"]["prompt"], "hi");
    let link = format!("GET /signed-trace-data/{id}/traces.json");
    assert_eq!(
        paths(&ws),
        [
            format!("GET {GET_TRACE}"),
            format!("GET /api/2.0/mlflow/traces/{id}/credentials-for-data-download"),
            link.clone(),
        ]
    );
    let signed = ws
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/signed-trace-data/"))
        .unwrap();
    assert_eq!(
        signed.header("authorization"),
        None,
        "the workspace credential stays home"
    );
    assert_eq!(signed.header(SIGNED_HEADER.0), Some(SIGNED_HEADER.1));
    for output in [&r.stdout, &r.stderr] {
        assert!(
            !output.contains(SIGNATURE_MARK),
            "the signed link is never shown: {r}"
        );
        assert!(!output.contains(TOKEN), "{r}");
    }

    // query reads the same spans, attributes decoded from their JSON-encoded strings.
    let r = run(tracecfg(&ws).args([
        "query",
        "-e",
        EXPERIMENT,
        "--span-type",
        "LLM",
        "--columns",
        "span_name,attributes",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let rows = r.json();
    assert_eq!(rows[0]["span_name"], "llm");
    assert_eq!(rows[0]["attributes"]["model"], "gpt-fake");
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert!(!r.stderr.contains(SIGNATURE_MARK));
}

#[test]
fn a_refused_signed_link_names_its_host_never_the_link() {
    let (ws, _) = workspace_with(|id| vec![trace(id, 1, true)]);
    ws.fault(
        Fault::on("GET", "/signed-trace-data/")
            .status(403)
            .body("<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code></Error>"),
    );
    let r = run(tracecfg(&ws).args(["trace", &format!("{:032x}", 1), "--debug"]));
    assert_ne!(r.code, 0, "{r}");
    assert_eq!(r.error_lines().len(), 1, "{r}");
    assert!(r.stderr.contains("127.0.0.1"), "{r}");
    assert!(!r.stderr.contains(SIGNATURE_MARK), "{r}");
    assert!(!r.stderr.contains("panicked"), "{r}");
}

#[test]
fn servers_without_get_fall_back_to_batch_get_then_to_the_trace_info() {
    let (ws, _) = workspace_with(|id| vec![trace(id, 1, false), trace(id, 2, true)]);
    missing_route(&ws, "GET", GET_TRACE);
    let stored = format!("tr-{:032x}", 1);
    let r = run(tracecfg(&ws).args(["trace", &stored, "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(span_names(&r.json()), ["agent", "llm", "tool"]);
    assert_eq!(
        paths(&ws),
        [
            format!("GET {GET_TRACE}"),
            format!("GET {BATCH_GET_TRACES}")
        ]
    );

    // Neither route: a trace whose spans are in the store cannot be read, and says which
    // MLflow serves them; one whose spans are an artifact is read through its trace info.
    missing_route(&ws, "GET", BATCH_GET_TRACES);
    let r = run(tracecfg(&ws).args(["trace", &stored]));
    assert_eq!(r.code, 1, "{r}");
    assert!(r.hint().is_some_and(|h| h.contains("MLflow 3.6")), "{r}");
    let artifact = format!("tr-{:032x}", 2);
    ws.clear_requests();
    let r = run(tracecfg(&ws).args(["trace", &artifact, "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(span_names(&r.json()), ["agent", "llm", "tool"]);
    assert!(
        paths(&ws).contains(&format!("GET /api/3.0/mlflow/traces/{artifact}")),
        "{:?}",
        paths(&ws)
    );
}

#[test]
fn a_server_without_trace_search_says_which_mlflow_has_it() {
    let (ws, _) = workspace_with(|id| vec![trace(id, 1, false)]);
    missing_route(&ws, "POST", SEARCH_TRACES);
    let r = run(tracecfg(&ws).args(["traces", "-e", EXPERIMENT]));
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(r.error_lines().len(), 1, "{r}");
    assert!(r.hint().is_some_and(|h| h.contains("MLflow 3.0")), "{r}");
}

#[test]
fn a_429_in_the_middle_of_paging_is_waited_out_and_the_list_is_complete() {
    let (ws, _) = workspace_with(|id| (0..620).map(|n| trace(id, n, false)).collect());
    ws.fault(
        Fault::on("POST", SEARCH_TRACES)
            .after(1)
            .times(1)
            .status(429)
            .header("Retry-After", "0")
            .body(
                &json!({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "rate limited"})
                    .to_string(),
            ),
    );
    let r = run(tracecfg(&ws).args(["traces", "-e", EXPERIMENT, "--limit", "1000", "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    let ids: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["trace_id"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..620).rev().map(|n| format!("tr-{n:032x}")).collect();
    assert_eq!(ids, expected);
    let searches = ws.requests_to("POST", SEARCH_TRACES);
    // Page 1, page 2 refused once and sent again; a page holds at most 500.
    assert_eq!(searches.len(), 3, "{:?}", paths(&ws));
    assert!(searches
        .iter()
        .all(|s| s.json()["max_results"].as_u64().unwrap() <= 500));
    assert_eq!(
        searches[2].json()["page_token"],
        searches[1].json()["page_token"]
    );
}

#[test]
fn trace_filters_reach_the_search_as_the_grammar_wants_them() {
    let (ws, _) = workspace_with(|id| (0..4).map(|n| trace(id, n, false)).collect());
    let r = run(tracecfg(&ws).args([
        "traces", "-e", EXPERIMENT, "--user", "user1", "--tag", "env=prod", "-o", "json",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let ids: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["trace_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, [format!("tr-{:032x}", 3), format!("tr-{:032x}", 1)]);
    let filters: Vec<String> = ws
        .requests_to("POST", SEARCH_TRACES)
        .iter()
        .map(|s| s.json()["filter"].as_str().unwrap().to_string())
        .collect();
    assert!(
        filters.contains(
            &"metadata.`mlflow.trace.user` = 'user1' AND tags.`env` = 'prod'".to_string()
        ),
        "{filters:?}"
    );
}

#[test]
fn show_counts_the_recent_traces_of_the_store_in_one_search() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let (ws, _) = workspace_with(|id| {
        (0..3)
            .map(|n| FakeTrace {
                start_ms: now - 3_600_000 + n * 1000,
                ..trace(id, n, n == 2)
            })
            .chain([FakeTrace {
                start_ms: now - 30 * 86_400_000,
                ..trace(id, 9, false)
            }])
            .collect()
    });
    let r = run(tracecfg(&ws).args(["show", "-e", EXPERIMENT, "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    let v = r.json();
    assert_eq!(
        v["trace_store"]["recent"], 3,
        "the month-old trace is not recent"
    );
    assert_eq!(
        v["trace_store"]["newest"]["trace_id"],
        format!("tr-{:032x}", 2)
    );
    // The newest keeps its spans as an artifact: no spansLocation tag.
    assert_eq!(v["trace_store"]["newest"]["spans_location"], Value::Null);
    assert_eq!(
        v["traces_found"],
        "3 recent traces in MLflow's trace store, none in Unity Catalog"
    );
    assert_eq!(ws.requests_to("POST", SEARCH_TRACES).len(), 1);

    // A store that cannot be searched leaves the rest of the report standing.
    missing_route(&ws, "POST", SEARCH_TRACES);
    let r = run(tracecfg(&ws).args(["show", "-e", EXPERIMENT]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("trace store  not readable"), "{r}");
}

#[test]
fn show_reads_the_newest_trace_of_the_native_tables_on_the_configured_warehouse() {
    let ws = native_workspace();
    ws.declare_result("GROUP BY trace_id", three_traces());
    let r = run(tracecfg(&ws)
        .env("DATABRICKS_WAREHOUSE_ID", WAREHOUSE)
        .args(["show", "-e", NATIVE_EXPERIMENT, "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    let v = r.json();
    let newest = &v["native_newest"];
    assert_eq!(newest["checked"], true, "{v}");
    assert_eq!(newest["trace_id"], "tr-7f3a9c1e5b2d4f60a1b2c3d4e5f60718");
    assert_eq!(newest["warehouse_id"], WAREHOUSE);
    assert_eq!(
        v["traces_found"],
        "no traces in MLflow's trace store; the newest in Unity Catalog is from 2026-11-30 10:02:00.250Z"
    );
    // The trace-list statement, one trace, the window on its scan.
    let statements = ws.statements();
    assert_eq!(statements.len(), 1);
    let sql = statements[0]["statement"].as_str().unwrap();
    assert!(sql.contains("LIMIT 1"), "{sql}");
    assert!(
        statements[0]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "since"),
        "{}",
        statements[0]
    );

    // Without a configured warehouse, no statement is run: the default warehouse is not
    // started for a `show`.
    ws.clear_requests();
    let r = run(tracecfg(&ws).args(["show", "-e", NATIVE_EXPERIMENT]));
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout
            .contains("newest      not checked: no warehouse configured"),
        "{r}"
    );
    assert!(ws.requests_to("POST", STATEMENTS).is_empty());
}

const TRACE_METRICS: &str = "/api/3.0/mlflow/traces/metrics";

/// Three traces of the last hour, 100, 200 and 300 ms long, the last one failed.
fn recent_traces(id: &str) -> Vec<FakeTrace> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    (0..3)
        .map(|n| FakeTrace {
            start_ms: now - 3_600_000 + n * 1000,
            duration_ms: 100 * (n + 1),
            ..trace(id, n, false)
        })
        .collect()
}

fn stats_json(ws: &FakeWorkspace, args: &[&str]) -> (Value, Run) {
    let mut all = vec!["stats", "-e", EXPERIMENT, "--since", "1d", "-o", "json"];
    all.extend(args);
    let r = run(tracecfg(ws).args(&all));
    assert_eq!(r.code, 0, "{r}");
    (r.json(), r)
}

#[test]
fn stats_aggregates_the_trace_infos_where_the_metrics_route_is_missing() {
    let (ws, _) = workspace_with(recent_traces);
    missing_route(&ws, "POST", TRACE_METRICS);
    let (v, _) = stats_json(&ws, &[]);
    assert_eq!(v["aggregated_by"], "tracecfg", "{v}");
    assert_eq!(v["complete"], true, "{v}");
    let row = &v["rows"][0];
    assert_eq!(row["count"], 3, "{v}");
    assert_eq!(row["p50_ms"], 200.0, "{v}");
    assert_eq!(row["max_ms"], 300.0, "{v}");
    // Interpolated: 100 + 0.95 * 2 * 100.
    assert!(
        (row["p95_ms"].as_f64().unwrap() - 290.0).abs() < 1e-9,
        "{v}"
    );
    // The experiment, then the metrics, then one search; no span read.
    let asked = paths(&ws);
    assert_eq!(asked[1], format!("POST {TRACE_METRICS}"), "{asked:?}");
    assert_eq!(ws.requests_to("POST", SEARCH_TRACES).len(), 1, "{asked:?}");
    assert!(
        asked
            .iter()
            .all(|p| !p.contains("/traces/get") && !p.contains("batchGet")),
        "{asked:?}"
    );
}

#[test]
fn stats_falls_back_on_a_400_but_fails_on_a_refusal() {
    let (ws, _) = workspace_with(recent_traces);
    ws.fault(Fault::on("POST", TRACE_METRICS).status(400).body(
        &json!({"error_code": "INVALID_PARAMETER_VALUE", "message": "unknown metric"}).to_string(),
    ));
    let (v, _) = stats_json(&ws, &[]);
    assert_eq!(v["aggregated_by"], "tracecfg", "{v}");
    assert_eq!(v["rows"][0]["count"], 3, "{v}");

    let (ws, _) = workspace_with(recent_traces);
    ws.fault(
        Fault::on("POST", TRACE_METRICS)
            .status(403)
            .body(&json!({"error_code": "PERMISSION_DENIED", "message": "no access"}).to_string()),
    );
    let r = run(tracecfg(&ws).args(["stats", "-e", EXPERIMENT, "--since", "1d"]));
    assert_eq!(
        r.code, 4,
        "a refusal is an auth failure, not an answer to replace: {r}"
    );
    assert_eq!(r.error_lines().len(), 1, "{r}");
    assert!(
        r.stderr.contains("PERMISSION_DENIED") || r.stderr.contains("no access"),
        "{r}"
    );
}

#[test]
fn stats_says_when_the_limit_cut_the_window_and_when_the_window_is_empty() {
    let (ws, _) = workspace_with(recent_traces);
    missing_route(&ws, "POST", TRACE_METRICS);
    let (v, r) = stats_json(&ws, &["--by", "user", "--limit", "2"]);
    assert_eq!(v["complete"], false, "{v}");
    let counted: u64 = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 2, "the newest two: {v}");
    assert!(r.stderr.contains("more than 2 traces"), "{r}");

    let r = run(tracecfg(&ws).args([
        "stats", "-e", EXPERIMENT, "--since", "1d", "--user", "nobody",
    ]));
    assert_eq!(r.code, 0, "an empty window is not an error: {r}");
    assert!(
        r.stderr
            .contains("no traces match in MLflow's trace store of experiment"),
        "{r}"
    );
}
