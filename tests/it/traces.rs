//! `tracecfg traces` against the fake workspace: the one aggregate statement and its
//! parameters, the round trips (the lookup and the warehouse choice together, then the
//! statement), the JSON shapes, exit codes, and `--follow` (newer-only polls, each trace printed
//! once, Ctrl-C cancelling a running statement).

use std::time::Duration;

use crate::cli::*;
use crate::fake::*;
use crate::query::{status_polls, wait_until, wait_with_limit};
use crate::shared::*;
use serde_json::{json, Value};

const LIST_SQL: &str = "GROUP BY trace_id";

fn param<'a>(statement: &'a Value, name: &str) -> Option<&'a Value> {
    statement["parameters"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
}

#[test]
fn the_list_is_one_aggregate_statement_after_one_round_trip() {
    let ws = native_workspace();
    ws.declare_result(LIST_SQL, three_traces());
    // Held answers: the two lookups overlap only when they are sent together.
    const HOLD: Duration = Duration::from_millis(700);
    ws.fault(Fault::on("GET", GET_BY_NAME).delay(HOLD));
    ws.fault(Fault::on("GET", "/api/2.0/settings/").delay(HOLD));
    let r = run(tracecfg(&ws).args([
        "traces",
        "-e",
        EXPERIMENT,
        "--user",
        "alice",
        "--since",
        "2026-11-30T00:00:00Z",
        "--limit",
        "3",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let statements = ws.statements();
    assert_eq!(statements.len(), 1, "one statement: {statements:?}");
    let s = &statements[0];
    let sql = s["statement"].as_str().unwrap();
    assert!(sql.contains("FROM `c`.`s`.`p_otel_spans`"), "{sql}");
    assert!(sql.contains("GROUP BY trace_id"), "{sql}");
    assert!(
        sql.contains("count_if(status_code = 'STATUS_CODE_ERROR') > 0"),
        "{sql}"
    );
    assert!(sql.ends_with("LIMIT 3"), "{sql}");
    assert!(!sql.contains("alice"), "{sql}");
    assert_eq!(param(s, "user").unwrap()["value"], "alice");
    assert_eq!(param(s, "since").unwrap()["type"], "TIMESTAMP");
    assert_eq!(s["warehouse_id"], WAREHOUSE);

    // Round trips: the experiment first (it tells whether the traces are in tables or in
    // the store; the SQL API is not touched for the store), then the warehouse setting, then
    // the statement, whose rows came inline with its answer.
    let requests = ws.requests();
    let at = |what: &str| requests.iter().find(|q| q.path.contains(what)).unwrap().at;
    let (lookup, setting) = (at(GET_BY_NAME), at("/api/2.0/settings/"));
    assert!(
        setting >= lookup + HOLD,
        "the warehouse was chosen before the experiment said tables: {requests:?}"
    );
    let paths: Vec<_> = requests
        .iter()
        .map(|q| format!("{} {}", q.method, q.path))
        .collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(
        paths[2].starts_with("POST /api/2.0/sql/statements"),
        "{paths:?}"
    );

    // Every field, exact: times as the warehouse gave them, durations in milliseconds.
    let v = r.json();
    assert_eq!(
        v[0],
        json!({
            "trace_id": "tr-7f3a9c1e5b2d4f60a1b2c3d4e5f60718",
            "start_time": "2026-11-30T10:02:00.250Z",
            "end_time": "2026-11-30T10:02:04.750Z",
            "duration_ms": 4500.0,
            "span_count": 6,
            "root_span_name": "customer_support_agent.handle_refund_request_with_order_lookup",
            "status": "ERROR",
            "user": "alice@example.com",
            "session": "session-0042",
        })
    );
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[1]["session"], Value::Null);
    assert!(r.stderr.contains("showing the newest 3 traces"), "{r}");
}

#[test]
fn jsonl_csv_and_the_table_carry_the_same_traces() {
    let ws = native_workspace();
    ws.declare_result(LIST_SQL, three_traces());
    let r = run(tracecfg(&ws).args(["traces", "-e", EXPERIMENT, "-o", "jsonl"]));
    assert_eq!(r.code, 0, "{r}");
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["duration_ms"], 850.0);
    let r = run(tracecfg(&ws).args(["traces", "-e", EXPERIMENT, "-o", "csv"]));
    assert_eq!(r.code, 0, "{r}");
    let csv: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        csv[0],
        "trace_id,start_time,end_time,duration_ms,span_count,root_span_name,status,user,session"
    );
    assert_eq!(csv[3], "tr-00aa11bb22cc33dd44ee55ff66778899,2026-11-30T10:00:00.123Z,2026-11-30T10:00:00.973Z,850,2,chat,OK,,");
    // The table at 120 columns: ids, times and durations whole, the root span name cut.
    let table = |columns: &str| {
        let r = run(tracecfg(&ws)
            .env("COLUMNS", columns)
            .args(["traces", "-e", EXPERIMENT, "-o", "text"]));
        assert_eq!(r.code, 0, "{r}");
        for row in r.stdout.lines() {
            assert!(
                row.chars().count() <= columns.parse().unwrap(),
                "{row:?}\n{}",
                r.stdout
            );
        }
        r.stdout
    };
    let wide = table("120");
    let rows: Vec<&str> = wide.lines().collect();
    assert!(rows[0].starts_with("TRACE ID"), "{wide}");
    assert!(
        rows[1].starts_with(
            "tr-7f3a9c1e5b2d4f60a1b2c3d4e5f60718  2026-11-30 10:02:00.250Z     4.50s      6  ERROR"
        ),
        "{wide}"
    );
    assert!(rows[1].contains('…'), "{wide}");
    // At 80 columns, two lines a trace: the free text gives way, nothing else.
    let narrow = table("80");
    assert!(narrow.starts_with("tr-7f3a9c1e5b2d4f60a1b2c3d4e5f60718  2026-11-30 10:02:00.250Z  4.50s  ERROR\n  6 spans  customer_support_agent.handle_refund_request_with_order_lookup  alic…\n"), "{narrow}");
}

#[test]
fn the_tags_layout_lists_traces_without_a_status() {
    let ws = tagged_workspace();
    let mut rows = three_traces();
    for row in &mut rows.rows {
        row[6] = None;
    }
    ws.declare_result(LIST_SQL, rows);
    let r = run(tracecfg(&ws).args([
        "traces",
        "--source",
        "tables",
        "-e",
        EXPERIMENT,
        "-w",
        "wh1",
        "--session",
        "s1",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let s = &ws.statements()[0];
    let sql = s["statement"].as_str().unwrap();
    assert!(sql.contains("FROM `main`.`agents`.`agent_traces`"), "{sql}");
    assert!(sql.contains("tags['session_id'] = :session"), "{sql}");
    assert!(sql.contains("CAST(NULL AS STRING) AS status"), "{sql}");
    assert_eq!(r.json()[0]["status"], Value::Null);
}

#[test]
fn bad_input_exits_2_before_any_request() {
    let ws = native_workspace();
    for args in [
        vec!["traces", "-e", EXPERIMENT, "--since", "yesterday"],
        vec!["traces", "-e", EXPERIMENT, "--tag", "=v"],
        vec!["traces", "-e", EXPERIMENT, "--follow", "-o", "json"],
        vec!["traces", "-e", EXPERIMENT, "--interval", "5s"],
        vec!["traces", "-e", EXPERIMENT, "--limit", "0"],
        vec!["traces", "-e", EXPERIMENT, "-w", "bad id!"],
        vec!["trace", "-e", EXPERIMENT, ""],
    ] {
        let r = run(tracecfg(&ws).args(&args));
        assert_eq!(r.code, 2, "{args:?}: {r}");
        assert_eq!(r.error_lines().len(), 1, "{args:?}: {r}");
    }
    assert!(ws.requests().is_empty(), "{:?}", ws.requests());
}

#[test]
fn print_sql_of_a_table_with_its_layout_makes_no_request() {
    let ws = FakeWorkspace::start();
    let r = run(tracecfg(&ws).args([
        "traces",
        "--table",
        "c.s.p_otel_spans",
        "--layout",
        "otel-v2",
        "--tag",
        "env=prod",
        "--print-sql",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let v = r.json();
    assert!(
        v["sql"]
            .as_str()
            .unwrap()
            .contains("`c`.`s`.`p_otel_annotations`"),
        "{v}"
    );
    assert!(ws.requests().is_empty());
}

/// A `--follow` run: jsonl, 1 s interval, stdout and stderr piped.
fn follow(ws: &FakeWorkspace) -> std::process::Child {
    std_tracecfg(ws)
        .args([
            "traces",
            "-e",
            EXPERIMENT,
            "--follow",
            "--interval",
            "1s",
            "-o",
            "jsonl",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn interrupt(child: &std::process::Child) {
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
}

#[cfg(unix)]
#[test]
fn follow_polls_only_for_newer_traces_and_prints_each_once() {
    use std::io::Read;
    let ws = native_workspace();
    // Later polls carry `--since` (the newest trace seen, less 2 minutes of late arrival).
    let [newest, middle, _] = <[Vec<Option<String>>; 3]>::try_from(three_traces().rows).unwrap();
    let mut later = three_traces();
    let mut newer = newest.clone();
    newer[0] = Some("tr-99999999999999999999999999999999".into());
    newer[1] = Some("2026-11-30T10:03:00.000Z".into());
    later.rows = vec![newer, newest, middle];
    ws.declare_result("min(start_time) >= :since", later);
    ws.declare_result(LIST_SQL, three_traces());
    let mut child = follow(&ws);
    wait_until("three polls", || ws.statements().len() >= 3);
    interrupt(&child);
    let status = wait_with_limit(&mut child, Duration::from_secs(20));
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let stderr = read_stderr(&mut child);
    assert_eq!(status.code(), Some(0), "{stderr}");
    let ids: Vec<String> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["trace_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // Oldest first, as they arrive; none twice.
    assert_eq!(
        ids,
        [
            "tr-00aa11bb22cc33dd44ee55ff66778899",
            "tr-1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f",
            "tr-7f3a9c1e5b2d4f60a1b2c3d4e5f60718",
            "tr-99999999999999999999999999999999",
        ],
        "{stdout}"
    );
    let statements = ws.statements();
    assert!(param(&statements[0], "since").is_none());
    assert_eq!(
        param(&statements[1], "since").unwrap()["value"],
        "2026-11-30T10:00:00.250000Z"
    );
    assert_eq!(
        param(&statements[2], "since").unwrap()["value"],
        "2026-11-30T10:01:00.000000Z"
    );
    assert_eq!(
        stderr.matches("does not auto-stop").count(),
        1,
        "warned once: {stderr}"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_a_follow_poll_cancels_the_statement() {
    let ws = native_workspace();
    ws.declare_result(
        LIST_SQL,
        StatementResult {
            never_finishes: true,
            ..three_traces()
        },
    );
    let mut child = follow(&ws);
    wait_until("the first poll", || !status_polls(&ws).is_empty());
    interrupt(&child);
    let status = wait_with_limit(&mut child, Duration::from_secs(20));
    let stderr = read_stderr(&mut child);
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(ws.cancels(), [statement_id(1)], "{stderr}");
    assert_eq!(
        ws.statement_state(&statement_id(1)).as_deref(),
        Some("CANCELED")
    );
}
