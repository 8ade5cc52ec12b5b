//! `tracecfg show` and `tracecfg unset` against the fake workspace.

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;
use serde_json::json;

fn show_json(ws: &FakeWorkspace, experiment: &str) -> serde_json::Value {
    let r = run(tracecfg(ws).args(["show", "-e", experiment, "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    r.json()
}

// ---------------------------------------------------------------- show

#[test]
fn show_configured_partial_and_not_configured() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/full", &destination_tags());
    ws.add_experiment(
        "/Shared/partial",
        &[(TAG_CATALOG, "main"), (TAG_SCHEMA, "agents")],
    );
    ws.add_experiment("/Shared/none", &[("team", "ml")]);

    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/full"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("destination  configured"), "{r}");
    assert!(
        r.stdout.contains("full name main.agents.agent_traces"),
        "{r}"
    );
    assert!(r.stdout.contains("verdict      tags only"), "{r}");

    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/partial"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout
            .contains(&format!("destination  partial (missing {TAG_TABLE})")),
        "{r}"
    );

    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/none"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("destination  not configured"), "{r}");
    assert!(r.stdout.contains("verdict      none"), "{r}");

    let v = show_json(&ws, "/Shared/full");
    assert_eq!(v["destination"]["status"], "configured");
    assert_eq!(v["destination"]["full_name"], "main.agents.agent_traces");
    assert_eq!(v["verdict"], "tags_only");
    let v = show_json(&ws, "/Shared/partial");
    assert_eq!(v["destination"]["status"], "partial");
    assert_eq!(v["destination"]["missing_tags"], json!([TAG_TABLE]));
    let v = show_json(&ws, "/Shared/none");
    assert_eq!(v["destination"]["status"], "not_configured");
    assert_eq!(v["verdict"], "none");
    assert!(
        ws.experiment_writes().is_empty(),
        "show never writes: {:?}",
        ws.requests()
    );
}

#[test]
fn show_native_trace_location_and_verdicts() {
    let ws = FakeWorkspace::start();
    let location = json!({"uc_trace_location": {"catalog": "main", "schema": "agents", "table_prefix": "agent_traces"}});
    let native = ws.add_experiment("/Shared/native", &[]);
    ws.set_trace_location(&native, location.clone());
    let agreeing = ws.add_experiment("/Shared/agreeing", &destination_tags());
    ws.set_trace_location(&agreeing, location.clone());
    let mismatch = ws.add_experiment(
        "/Shared/mismatch",
        &[
            (TAG_CATALOG, "main"),
            (TAG_SCHEMA, "elsewhere"),
            (TAG_TABLE, "t"),
        ],
    );
    ws.set_trace_location(&mismatch, location);

    ws.add_native_tables("main", "agents", "agent_traces");
    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/native"]));
    assert_eq!(r.code, 0, "{r}");
    for line in [
        "native       main.agents.agent_traces (from trace_location)\n",
        "  layout      table prefix (V2)\n",
        "  spans       main.agents.agent_traces_otel_spans\n",
        "  logs        main.agents.agent_traces_otel_logs\n",
        "  annotations main.agents.agent_traces_otel_annotations\n",
        "  metrics     main.agents.agent_traces_otel_metrics\n",
        "verdict      native: no traces in MLflow's trace store\n",
    ] {
        assert!(r.stdout.contains(line), "{line:?} in {r}");
    }

    let v = show_json(&ws, "/Shared/native");
    assert_eq!(v["verdict"], "native");
    assert_eq!(v["native"]["source"], "trace_location");
    assert_eq!(v["native"]["layout"], "table_prefix");
    let tables = v["native_tables"].as_array().unwrap();
    assert_eq!(tables.len(), 4, "{v}");
    assert!(tables.iter().all(|t| t["exists"] == true), "{v}");
    assert!(v["warnings"].as_array().unwrap().is_empty(), "{v}");
    assert_eq!(
        v["native"]["spans_table"],
        "main.agents.agent_traces_otel_spans"
    );
    assert_eq!(show_json(&ws, "/Shared/agreeing")["verdict"], "native");

    // A schema location (V1): two tables; missing ones are said.
    let v1 = ws.add_experiment("/Shared/v1", &[]);
    ws.link_schema_location(&v1, "main", "old");
    let v = show_json(&ws, "/Shared/v1");
    assert_eq!(v["native"]["layout"], "schema");
    assert_eq!(
        v["native"]["spans_table"],
        "main.old.mlflow_experiment_trace_otel_spans"
    );
    let tables: Vec<_> = v["native_tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["role"].as_str().unwrap(), t["exists"].as_bool()))
        .collect();
    assert_eq!(tables, [("spans", Some(false)), ("logs", Some(false))]);
    assert!(
        v["warnings"]
            .to_string()
            .contains("not found in Unity Catalog"),
        "{v}"
    );
    let v = show_json(&ws, "/Shared/mismatch");
    assert_eq!(v["verdict"], "mismatch");
    let warnings = v["warnings"].to_string();
    assert!(
        warnings.contains("main.elsewhere.t") && warnings.contains("agent_traces_otel_spans"),
        "{warnings}"
    );
}

#[test]
fn show_all_tags_and_by_id() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(
        "/Shared/x",
        &[
            (TAG_CATALOG, "main"),
            ("team", "ml"),
            ("mlflow.ownerId", "42"),
        ],
    );
    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/x"]));
    assert!(!r.stdout.contains("team"), "{r}");
    let v = show_json(&ws, "/Shared/x");
    assert!(v.get("tags").is_none(), "{v}");

    let r = run(tracecfg(&ws).args(["show", "--experiment-id", &id, "--all-tags"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("tags (3)"), "{r}");
    assert!(
        r.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("team") && l.trim_end().ends_with("ml")),
        "{r}"
    );
    assert_eq!(
        ws.requests_to("GET", GET_EXPERIMENT).last().unwrap().query,
        format!("experiment_id={id}")
    );
    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/x", "--all-tags", "-o", "json"]));
    assert_eq!(r.json()["tags"]["team"], "ml");
}

#[test]
fn show_of_a_missing_experiment_exits_3() {
    let ws = FakeWorkspace::start();
    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/nope"]));
    assert_eq!(r.code, 3, "{r}");
    assert!(r.error_lines()[0].contains("/Shared/nope"), "{r}");
}

// ---------------------------------------------------------------- unset

#[test]
fn unset_removes_present_tags_only_and_is_idempotent() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(
        "/Shared/x",
        &[
            (TAG_CATALOG, "main"),
            (TAG_SCHEMA, "agents"),
            ("team", "ml"),
        ],
    );
    let r = run(tracecfg(&ws).args(["unset", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    let mut deleted: Vec<String> = ws
        .requests_to("POST", DELETE_TAG)
        .iter()
        .map(|q| q.json()["key"].as_str().unwrap().to_string())
        .collect();
    deleted.sort();
    assert_eq!(deleted, [TAG_CATALOG, TAG_SCHEMA]);
    assert!(ws.requests_to("POST", SET_TAG).is_empty());
    let tags = ws.experiment_tags(&id);
    assert_eq!(tags.keys().collect::<Vec<_>>(), ["team"]);
    assert!(r.stdout.contains("removed (was main)"), "{r}");
    assert!(r.stdout.contains("2 tag(s) removed"), "{r}");

    ws.clear_requests();
    let r = run(tracecfg(&ws).args(["unset", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(ws.experiment_writes().is_empty(), "{:?}", ws.requests());
    assert!(r.stdout.contains("nothing to remove"), "{r}");
}

#[test]
fn unset_dry_run_removes_nothing() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &destination_tags());
    let r = run(tracecfg(&ws).args(["unset", "-e", "/Shared/x", "--dry-run"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("would remove"), "{r}");
    assert!(ws.experiment_writes().is_empty());
    assert_eq!(ws.experiment_tags(&id).len(), 3);
}

#[test]
fn unset_on_a_server_without_delete_experiment_tag_fails_and_writes_nothing_else() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &destination_tags());
    ws.disable_delete_tag();
    let r = run(tracecfg(&ws).args(["unset", "-e", "/Shared/x"]));
    assert_eq!(r.code, 1, "{r}");
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    assert!(
        errors[0].contains("does not offer delete-experiment-tag"),
        "{r}"
    );
    assert!(ws.requests_to("POST", SET_TAG).is_empty());
    assert!(ws.requests_to("POST", CREATE).is_empty());
    assert_eq!(ws.experiment_tags(&id).len(), 3);
    assert!(r.stdout.is_empty(), "{r}");
}

#[test]
fn unset_refuses_a_deleted_experiment() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &destination_tags());
    ws.delete_experiment(&id);
    let r = run(tracecfg(&ws).args(["unset", "-e", "/Shared/x"]));
    assert_eq!(r.code, 3, "{r}");
    assert!(r.hint().is_some_and(|h| h.contains("restore")), "{r}");
    assert!(ws.experiment_writes().is_empty());
}

#[test]
fn show_native_location_from_databricks_tags() {
    let ws = FakeWorkspace::start();
    ws.add_experiment(
        "/Shared/x",
        &[(
            "mlflow.experiment.databricksTraceDestinationPath",
            "main.agents",
        )],
    );
    let v = show_json(&ws, "/Shared/x");
    assert_eq!(v["verdict"], "native");
    assert_eq!(v["native"]["source"], "tags");
    assert_eq!(
        v["native"]["spans_table"],
        "main.agents.mlflow_experiment_trace_otel_spans"
    );
    assert_eq!(
        v["native_tags"]["mlflow.experiment.databricksTraceDestinationPath"],
        "main.agents"
    );
}

#[test]
fn show_of_a_deleted_experiment_warns() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &destination_tags());
    ws.delete_experiment(&id);
    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("lifecycle    deleted"), "{r}");
    assert!(
        r.stdout.contains("warning: the experiment is deleted"),
        "{r}"
    );
}

#[test]
fn unset_reports_a_partial_removal_and_a_rerun_finishes_it() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &destination_tags());
    ws.fault(
        Fault::on("POST", DELETE_TAG)
            .when_body_contains(TAG_TABLE)
            .status(500)
            .times(1),
    );
    let r = run(tracecfg(&ws).args(["unset", "-e", "/Shared/x"]));
    assert_eq!(r.code, 1, "{r}");
    let e = r.error_lines()[0];
    assert!(e.contains(&format!("not written: {TAG_TABLE}")), "{r}");
    assert_eq!(
        ws.experiment_tags(&id).keys().collect::<Vec<_>>(),
        [TAG_TABLE]
    );
    ws.clear_requests();
    let r = run(tracecfg(&ws).args(["unset", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ws.requests_to("POST", DELETE_TAG).len(), 1);
    assert!(ws.experiment_tags(&id).is_empty());
}
