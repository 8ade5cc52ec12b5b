//! `tracecfg trace ID` against the fake workspace: the statement and its one parameter, the
//! round trips, the nested JSON tree, the waterfall fitted to the width, payloads, the flat
//! timeline of the tags layout, exit 3 for an unknown id; and what a person sees: `traces` and
//! `trace` run in a real terminal (tmux) at 80 and 200 columns, the screens compared with the
//! golden files in tests/it/screens/ (TRACECFG_UPDATE_SCREENS=1 rewrites them).

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;
use crate::terminal::{golden, screen};
use serde_json::Value;

const SPANS_SQL: &str = "trace_id = :trace_id";

fn trace(ws: &FakeWorkspace, extra: &[&str]) -> Run {
    run(tracecfg(ws)
        .args(["trace", "-e", EXPERIMENT, NESTED_TRACE])
        .args(extra))
}

#[test]
fn json_is_the_nested_tree_after_one_lookup_round_trip() {
    let ws = native_workspace();
    ws.declare_result(SPANS_SQL, nested_trace());
    let r = trace(&ws, &["-o", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let statements = ws.statements();
    assert_eq!(statements.len(), 1);
    let sql = statements[0]["statement"].as_str().unwrap();
    assert!(
        sql.contains("FROM `c`.`s`.`p_otel_spans`\n  WHERE trace_id = :trace_id"),
        "{sql}"
    );
    // Machine formats carry every field: the payloads are fetched.
    assert!(!sql.contains("NULL AS STRING) AS inputs"), "{sql}");
    assert_eq!(statements[0]["parameters"][0]["value"], NESTED_TRACE);
    let paths: Vec<_> = ws.requests().iter().map(|q| q.path.clone()).collect();
    assert_eq!(
        paths.len(),
        3,
        "lookup, warehouse setting, statement: {paths:?}"
    );

    let v = r.json();
    assert_eq!(v["trace_id"], NESTED_TRACE);
    assert_eq!(v["status"], "ERROR");
    assert_eq!(v["tree"], true);
    assert_eq!(v["span_count"], 5);
    assert_eq!(v["duration_ms"], 4500.0);
    let root = &v["spans"][0];
    assert_eq!(v["spans"].as_array().unwrap().len(), 1);
    let names = |n: &Value| -> Vec<String> {
        n["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(root),
        ["retrieve_orders", "plan_answer", "issue_refund"]
    );
    let plan = &root["children"][1];
    assert_eq!(names(plan), ["lookup_order"]);
    assert_eq!(plan["offset_ms"], 700.0);
    assert_eq!(plan["duration_ms"], 2150.0);
    assert_eq!(
        plan["children"][0]["inputs"],
        serde_json::json!({"order": 1234})
    );
    assert_eq!(root["children"][2]["status_code"], "STATUS_CODE_ERROR");
}

#[test]
fn the_waterfall_fits_the_width_and_marks_errors() {
    let ws = native_workspace();
    ws.declare_result(SPANS_SQL, nested_trace());
    for columns in ["80", "200"] {
        let r = run(tracecfg(&ws).env("COLUMNS", columns).args([
            "trace",
            "-e",
            EXPERIMENT,
            NESTED_TRACE,
            "-o",
            "text",
        ]));
        assert_eq!(r.code, 0, "{r}");
        for l in r.stdout.lines() {
            assert!(
                l.chars().count() <= columns.parse().unwrap(),
                "{l:?}\n{}",
                r.stdout
            );
        }
        assert!(r.stdout.contains("✗ └─ issue_refund"), "{}", r.stdout);
        assert!(r.stdout.contains("\n  │  └─ lookup_order"), "{}", r.stdout);
        assert!(
            !r.stdout.contains('\x1b'),
            "no colour when not a terminal: {}",
            r.stdout
        );
    }
    // The text view asks for no payload it does not show.
    let sql = ws.statements()[0]["statement"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        sql.contains("CAST(NULL AS STRING) AS inputs, CAST(NULL AS STRING) AS outputs"),
        "{sql}"
    );
}

#[test]
fn inputs_are_pretty_json_truncated_with_a_note() {
    let ws = native_workspace();
    ws.declare_result(SPANS_SQL, nested_trace());
    let r = trace(&ws, &["-o", "text", "--inputs"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("\"history\": [\n"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("more lines (-o json shows the whole payload)"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("outputs:"), "{}", r.stdout);
    let sql = ws.statements()[0]["statement"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        sql.contains("inputs, CAST(NULL AS STRING) AS outputs"),
        "{sql}"
    );
}

#[test]
fn an_unknown_trace_exits_3() {
    let ws = native_workspace();
    ws.declare_result(SPANS_SQL, StatementResult::table(&SPAN_COLUMNS, &[]));
    let r = run(tracecfg(&ws).args(["trace", "-e", EXPERIMENT, "tr-nope"]));
    assert_eq!(r.code, 3, "{r}");
    assert!(
        r.error_lines()[0].contains("trace 'tr-nope' has no spans in `c`.`s`.`p_otel_spans`"),
        "{r}"
    );
    assert!(r.hint().unwrap().contains("tracecfg traces"), "{r}");
}

#[test]
fn the_tags_layout_is_a_flat_timeline_and_says_why() {
    let ws = tagged_workspace();
    let mut spans = nested_trace();
    for row in &mut spans.rows {
        row[1] = None;
        row[2] = None;
        row[7] = None;
    }
    ws.declare_result(SPANS_SQL, spans);
    let r = run(tracecfg(&ws).args([
        "trace",
        "--source",
        "tables",
        "-w",
        "wh1",
        "-e",
        EXPERIMENT,
        NESTED_TRACE,
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let sql = ws.statements()[0]["statement"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        sql.contains("FROM `main`.`agents`.`agent_traces`\nWHERE trace_id = :trace_id"),
        "{sql}"
    );
    let v = r.json();
    assert_eq!(v["tree"], false);
    assert_eq!(v["status"], Value::Null);
    assert_eq!(v["spans"].as_array().unwrap().len(), 5);
    let r = run(tracecfg(&ws).args([
        "trace",
        "--source",
        "tables",
        "-w",
        "wh1",
        "-e",
        EXPERIMENT,
        NESTED_TRACE,
        "-o",
        "text",
    ]));
    assert!(
        r.stdout
            .contains("the tags layout records no parent span ids"),
        "{r}"
    );
}

// ------------------------------------------------------------------ screens (tmux)

#[cfg(unix)]
#[test]
#[ignore = "needs tmux (apt-get install tmux): run scripts/test"]
fn screens_at_80_and_200_columns() {
    let ws = native_workspace();
    ws.declare_result(SPANS_SQL, nested_trace());
    ws.declare_result("GROUP BY trace_id", three_traces());
    for width in [80u16, 200] {
        let list = screen(
            &ws,
            width,
            &format!("tracecfg traces -e {EXPERIMENT} --since 2026-11-30T00:00:00Z"),
        );
        golden(&format!("traces-{width}"), &list);
        let tree = screen(
            &ws,
            width,
            &format!("tracecfg trace -e {EXPERIMENT} {NESTED_TRACE} --outputs"),
        );
        golden(&format!("trace-{width}"), &tree);
        // Nothing of the progress line is left on the screen.
        assert!(
            !list.contains("running query") && !tree.contains("running query"),
            "{list}\n{tree}"
        );
    }
}
