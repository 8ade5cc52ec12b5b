//! `tracecfg query` against the fake workspace: the statement it builds, raw SQL, `--print-sql`,
//! the warehouse choice, the statement lifecycle (polls, failures, cancels) and input checks.
//! What the rows look like on stdout is in the `query_output` module.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;
use serde_json::{json, Value};

const TABLE_SQL: &str = "`main`.`agents`.`agent_traces`";

/// [`tagged_workspace`], whose table `main.agents.agent_traces` Unity Catalog lists with the
/// columns of the tags layout.
fn workspace() -> FakeWorkspace {
    let ws = tagged_workspace();
    // The tags layout's table, as the Unity Catalog tables API lists it: the trace columns and
    // the `tags` map.
    let columns = [TRACE_COLUMNS.as_slice(), &[("tags", "MAP")]].concat();
    ws.add_table_with_columns("main", "agents", "agent_traces", &columns);
    ws
}

/// `n` trace rows in the default columns; `trace_id` is `tr-00`, `tr-01`, ...
fn traces(n: usize) -> StatementResult {
    StatementResult {
        columns: TRACE_COLUMNS
            .iter()
            .map(|(c, t)| (c.to_string(), t.to_string()))
            .collect(),
        rows: (0..n)
            .map(|i| {
                vec![
                    Some(format!("tr-{i:02}")),
                    Some("chat".into()),
                    Some("LLM".into()),
                    Some("2026-11-01T10:00:00.000Z".into()),
                    Some("2026-11-01T10:00:01.000Z".into()),
                    Some(format!("{{\"q\":\"question {i}\"}}")),
                    None,
                ]
            })
            .collect(),
        ..StatementResult::default()
    }
}

/// `tracecfg query -w wh1 ...`: with no warehouse added to the fake, any id is accepted.
fn query(ws: &FakeWorkspace) -> assert_cmd::Command {
    let mut cmd = tracecfg(ws);
    cmd.args(["query", "-w", "wh1"]);
    cmd
}

/// The only execute request the fake received.
fn only_statement(ws: &FakeWorkspace) -> Value {
    let received = ws.statements();
    assert_eq!(received.len(), 1, "one execute request: {received:?}");
    received[0].clone()
}

fn sql_of(statement: &Value) -> &str {
    statement["statement"].as_str().expect("statement text")
}

/// The parameter with this name in an execute request body.
fn param<'a>(statement: &'a Value, name: &str) -> &'a Value {
    statement["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no parameter {name} in {statement}"))
}

fn trace_ids(rows: &Value) -> Vec<String> {
    rows.as_array()
        .expect("an array of rows")
        .iter()
        .map(|r| r["trace_id"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// GETs of a statement's status (not of its result chunks).
pub(crate) fn status_polls(ws: &FakeWorkspace) -> Vec<Recorded> {
    ws.requests_to("GET", &format!("{STATEMENTS}/"))
        .into_iter()
        .filter(|r| !r.path.contains("/result/"))
        .collect()
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SS...` (UTC).
fn unix_seconds(ts: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| ts[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    days * 86400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

// ---------------------------------------------------------------- the trace query

#[test]
fn default_query_comes_from_the_experiment_tags() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(2));
    let r = run(query(&ws).args(["-e", EXPERIMENT, "--source", "tables", "--user", "user123"]));
    assert_eq!(r.code, 0, "{r}");

    let s = only_statement(&ws);
    assert_eq!(
        sql_of(&s),
        "SELECT trace_id, span_name, span_type, start_time, end_time, inputs, outputs\n\
         FROM `main`.`agents`.`agent_traces`\n\
         WHERE tags['user_id'] = :user\n\
         ORDER BY start_time DESC\n\
         LIMIT 100"
    );
    assert_eq!(
        s["parameters"],
        json!([{"name": "user", "value": "user123"}])
    );
    assert_eq!(s["warehouse_id"], "wh1");
    assert_eq!(s["disposition"], "INLINE");
    assert_eq!(s["format"], "JSON_ARRAY");
    assert_eq!(s["on_wait_timeout"], "CONTINUE");
    assert_eq!(ws.requests_to("GET", GET_BY_NAME).len(), 1);
    assert_eq!(trace_ids(&r.json()), ["tr-00", "tr-01"]);
}

#[test]
fn table_flag_skips_the_experiment_lookup() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    let r = run(query(&ws).args(["--table", "main.agents.agent_traces", "--user", "u1"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(sql_of(&only_statement(&ws)).contains(&format!("FROM {TABLE_SQL}\n")));
    assert!(
        ws.requests_to("GET", "/api/2.0/mlflow/").is_empty(),
        "no experiment request: {:?}",
        ws.requests()
    );

    // A part that needs quoting is quoted, with its backtick doubled.
    let r = run(query(&ws).args([
        "--table",
        "main.`my-team`.agent_traces",
        "--layout",
        "tags",
        "--print-sql",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.contains("FROM `main`.`my-team`.`agent_traces`"),
        "{r}"
    );
}

#[test]
fn missing_destination_exits_3_with_a_hint_to_set_it() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/partial", &[(TAG_CATALOG, "main")]);
    ws.add_experiment("/Shared/bare", &[("team", "ml")]);
    for experiment in ["/Shared/partial", "/Shared/bare"] {
        let r = run(query(&ws).args(["-e", experiment, "--source", "tables", "--user", "u"]));
        assert_eq!(r.code, 3, "{r}");
        assert!(r.stderr.contains(TAG_TABLE), "names the missing tag: {r}");
        let hint = r.hint().unwrap_or_else(|| panic!("a hint: {r}"));
        assert!(hint.contains("tracecfg set"), "{r}");
    }
    let r = run(query(&ws).args(["-e", "/Shared/nope", "--user", "u"]));
    assert_eq!(r.code, 3, "{r}");
    assert!(ws.statements().is_empty(), "nothing ran");
}

#[test]
fn every_filter_is_a_named_parameter() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    let r = run(query(&ws).args([
        "--table",
        "main.agents.agent_traces",
        "--user",
        "u1",
        "--session",
        "s1",
        "--tag",
        "env=prod",
        "--tag",
        "team=a=b",
        "--span-type",
        "LLM",
        "--name",
        "chat",
        "--since",
        "2026-10-01T00:00:00Z",
        "--until",
        "2026-11-01T00:00:00.5+02:00",
        "--limit",
        "500",
        "--columns",
        "trace_id, inputs,weird col",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let s = only_statement(&ws);
    let sql = sql_of(&s);
    assert!(
        sql.starts_with("SELECT `trace_id`, `inputs`, `weird col`\n"),
        "{sql}"
    );
    for condition in [
        "tags['user_id'] = :user",
        "tags['session_id'] = :session",
        "tags[:tag_key_0] = :tag_value_0",
        "tags[:tag_key_1] = :tag_value_1",
        "span_type = :span_type",
        "span_name = :name",
        "start_time >= :since",
        "start_time < :until",
    ] {
        assert!(sql.contains(condition), "{condition} in {sql}");
    }
    assert!(sql.ends_with("\nLIMIT 500"), "{sql}");
    for (name, value) in [
        ("user", "u1"),
        ("session", "s1"),
        ("tag_key_0", "env"),
        ("tag_value_0", "prod"),
        ("tag_key_1", "team"),
        ("tag_value_1", "a=b"),
        ("span_type", "LLM"),
        ("name", "chat"),
        ("since", "2026-10-01T00:00:00Z"),
        ("until", "2026-11-01T00:00:00.5+02:00"),
    ] {
        assert_eq!(param(&s, name)["value"], value, "{name}");
        // Values never reach the text.
        if value.len() > 3 {
            assert!(!sql.contains(value), "{value} in {sql}");
        }
    }
    assert_eq!(param(&s, "since")["type"], "TIMESTAMP");
    assert_eq!(param(&s, "until")["type"], "TIMESTAMP");
    assert!(param(&s, "user").get("type").is_none(), "{s}");
    assert_eq!(s["parameters"].as_array().unwrap().len(), 10);
}

#[test]
fn since_as_a_duration_is_a_timestamp_that_long_ago() {
    let ws = workspace();
    for (since, seconds) in [("24h", 86_400), ("30m", 1_800), ("7d", 604_800)] {
        let r = run(query(&ws).args([
            "--table",
            "main.agents.agent_traces",
            "--since",
            since,
            "--print-sql",
            "-o",
            "json",
        ]));
        assert_eq!(r.code, 0, "{r}");
        let printed = r.json();
        let p = &printed["parameters"][0];
        assert_eq!(p["name"], "since");
        assert_eq!(p["type"], "TIMESTAMP");
        let value = p["value"].as_str().unwrap();
        assert!(value.ends_with('Z') && value.len() == 20, "{value}");
        let ago = now_seconds() - unix_seconds(value);
        assert!(
            (seconds - 120..=seconds + 120).contains(&ago),
            "--since {since} gave {value}, {ago} s ago"
        );
    }
}

#[test]
fn hostile_values_travel_only_as_parameters() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(0));
    let user = "x' OR '1'='1";
    let session = "s\"; DROP TABLE t; --";
    let tag = ("k' OR 'x", "v`) OR '1'='1");
    let name = "a:b 'c' \\";
    let r = run(query(&ws).args([
        "-e",
        EXPERIMENT,
        "--source",
        "tables",
        "--user",
        user,
        "--session",
        session,
        "--tag",
        &format!("{}={}", tag.0, tag.1),
        "--name",
        name,
    ]));
    assert_eq!(r.code, 0, "{r}");
    let s = only_statement(&ws);
    let sql = sql_of(&s);
    for needle in ["OR '", "'1'='1", "DROP TABLE", "'c'", "a:b", "\\"] {
        assert!(!sql.contains(needle), "{needle:?} in {sql}");
    }
    assert_eq!(param(&s, "user")["value"], user);
    assert_eq!(param(&s, "session")["value"], session);
    assert_eq!(param(&s, "tag_key_0")["value"], tag.0);
    assert_eq!(param(&s, "tag_value_0")["value"], tag.1);
    assert_eq!(param(&s, "name")["value"], name);
}

// ---------------------------------------------------------------- raw SQL

#[test]
fn raw_sql_with_typed_and_null_parameters_and_table_bound() {
    let ws = workspace();
    ws.declare_result(
        "FROM IDENTIFIER(:table)",
        StatementResult::table(&[("n", "LONG")], &[&[Some("3")]]),
    );
    let sql = "SELECT count(*) AS n FROM IDENTIFIER(:table) WHERE start_time > :t AND a = :a AND b <=> :b";
    let r = run(query(&ws).args([
        "-e",
        EXPERIMENT,
        "--sql",
        sql,
        "--param",
        "t:timestamp=2026-11-01T00:00:00Z",
        "--param",
        "a=x=y",
        "--param",
        "b=",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.json(), json!([{"n": 3}]));
    let s = only_statement(&ws);
    assert_eq!(sql_of(&s), sql, "raw SQL is sent as written");
    assert_eq!(
        s["parameters"],
        json!([
            {"name": "t", "value": "2026-11-01T00:00:00Z", "type": "TIMESTAMP"},
            {"name": "a", "value": "x=y"},
            {"name": "b", "value": null},
            {"name": "table", "value": TABLE_SQL},
        ])
    );
    // An empty value is sent as an explicit null, not left out.
    assert!(param(&s, "b").as_object().unwrap().contains_key("value"));
    // Raw SQL gets no --limit note.
    assert!(!r.stderr.contains("--limit"), "{r}");
}

#[test]
fn raw_sql_without_table_needs_no_experiment() {
    let ws = workspace();
    ws.declare_result(
        "SELECT 1 AS one",
        StatementResult::table(&[("one", "INT")], &[&[Some("1")]]),
    );
    let r = run(query(&ws).args(["--sql", "SELECT 1 AS one"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.json(), json!([{"one": 1}]));
    let s = only_statement(&ws);
    assert_eq!(s["parameters"], json!([]));
    assert!(ws.requests_to("GET", "/api/2.0/mlflow/").is_empty());
}

#[test]
fn raw_sql_table_parameter_given_or_only_a_prefix_needs_no_experiment() {
    let ws = workspace();
    ws.declare_result(
        "AS t",
        StatementResult::table(&[("t", "STRING")], &[&[Some("x")]]),
    );
    // `:table_name` is another parameter, not `:table`.
    let r = run(query(&ws).args([
        "--sql",
        "SELECT :table_name AS t",
        "--param",
        "table_name=x",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        ws.statements()[0]["parameters"],
        json!([{"name": "table_name", "value": "x"}])
    );
    // An explicit --param table=... binds :table without an experiment.
    let r = run(query(&ws).args(["--sql", "SELECT :table AS t", "--param", "table=other.s.t"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        ws.statements()[1]["parameters"],
        json!([{"name": "table", "value": "other.s.t"}])
    );
    assert!(ws.requests_to("GET", "/api/2.0/mlflow/").is_empty());

    // With --table, :table is bound only when the SQL mentions it.
    let r = run(query(&ws).args([
        "--table",
        "main.agents.agent_traces",
        "--sql",
        "SELECT :table_name AS t",
        "--param",
        "table_name=y",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        ws.statements()[2]["parameters"],
        json!([{"name": "table_name", "value": "y"}])
    );
}

#[test]
fn raw_sql_from_a_file_and_from_stdin() {
    let ws = workspace();
    ws.declare_result(
        "FROM IDENTIFIER(:table)",
        StatementResult::table(&[("n", "LONG")], &[&[Some("7")]]),
    );
    let text = "-- how many\nSELECT count(*) AS n\nFROM IDENTIFIER(:table)\n";
    std::fs::write(ws.home().join("q.sql"), text).unwrap();
    let r = run(query(&ws).args(["-e", EXPERIMENT, "--file", "q.sql"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.json(), json!([{"n": 7}]));

    let r = run(query(&ws)
        .args(["-e", EXPERIMENT, "--file", "-"])
        .write_stdin(text));
    assert_eq!(r.code, 0, "{r}");
    let received = ws.statements();
    assert_eq!(received.len(), 2);
    for s in &received {
        assert_eq!(sql_of(s), text);
        assert_eq!(param(s, "table")["value"], TABLE_SQL);
    }
}

#[test]
fn raw_sql_with_filters_is_a_usage_error() {
    let ws = workspace();
    for extra in [
        &["--user", "u"][..],
        &["--since", "1h"],
        &["--columns", "a"],
        &["--file", "q.sql"],
    ] {
        let r = run(query(&ws)
            .args(["-e", EXPERIMENT, "--sql", "SELECT 1"])
            .args(extra));
        assert_eq!(r.code, 2, "{extra:?}: {r}");
        assert_eq!(r.error_lines().len(), 1, "{r}");
    }
    // --param belongs to raw SQL.
    let r = run(query(&ws).args(["-e", EXPERIMENT, "--param", "a=1"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(ws.requests().is_empty(), "{:?}", ws.requests());
}

#[test]
fn malformed_input_exits_2_before_any_request() {
    let ws = workspace();
    let cases: &[&[&str]] = &[
        &["--sql", "SELECT :a", "--param", "a"],
        &["--sql", "SELECT :a", "--param", "1a=x"],
        &["--sql", "SELECT :a", "--param", "=x"],
        &["--sql", "SELECT :a", "--param", "a:IN T=1"],
        &["--sql", "SELECT :a", "--param", "a:DECIMAL(10,x)=1"],
        &["--sql", "SELECT :a", "--param", "a=1", "--param", "a=2"],
        &["--sql", "   \n"],
        &["--file", "does-not-exist.sql"],
        &["--user", "u", "--tag", "novalue"],
        &["--tag", "=v"],
        &["--since", "yesterday"],
        &["--since", "-5m"],
        &["--until", "2026-13-01T00:00:00Z"],
        &["--until", "2026-11-01 00:00"],
        &["--columns", "a,,b"],
        &["--columns", "a`b"],
        &["--limit", "0"],
        &["--limit", "ten"],
        &["--parallel", "0"],
        &["--timeout", "soon"],
        &["--disposition", "sideways"],
        &["-w", "wh 1"],
    ];
    for args in cases {
        let r = run(tracecfg(&ws).args(["query", "-e", EXPERIMENT]).args(*args));
        assert_eq!(r.code, 2, "{args:?}: {r}");
        assert_eq!(r.error_lines().len(), 1, "{args:?}: {r}");
        assert!(!r.stderr.contains("panicked"), "{r}");
        assert!(
            ws.requests().is_empty(),
            "{args:?} sent {:?}",
            ws.requests()
        );
    }
    let r = run(tracecfg(&ws).args(["query", "--table", "main.agents", "--user", "u"]));
    assert_eq!(r.code, 2, "{r}");
    let r = run(tracecfg(&ws).args(["query", "--table", "main.agents.t", "-e", EXPERIMENT]));
    assert_eq!(r.code, 2, "{r}");
    assert!(ws.requests().is_empty(), "{:?}", ws.requests());
}

// ---------------------------------------------------------------- --print-sql

#[test]
fn print_sql_with_table_and_layout_makes_no_request() {
    let ws = workspace();
    let r = run(tracecfg(&ws).args([
        "query",
        "--table",
        "main.agents.agent_traces",
        "--layout",
        "tags",
        "--user",
        "it's me",
        "--since",
        "2026-11-01T00:00:00Z",
        "--print-sql",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.starts_with("SELECT trace_id, span_name"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&format!("FROM {TABLE_SQL}")), "{r}");
    assert!(r.stdout.contains("-- :user = \"it's me\" (STRING)"), "{r}");
    assert!(
        r.stdout
            .contains("-- :since = \"2026-11-01T00:00:00Z\" (TIMESTAMP)"),
        "{r}"
    );

    let r = run(tracecfg(&ws).args([
        "query",
        "--table",
        "main.agents.agent_traces",
        "--layout",
        "tags",
        "--user",
        "u",
        "--print-sql",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let v = r.json();
    assert!(v["sql"].as_str().unwrap().contains(":user"), "{v}");
    assert_eq!(v["parameters"], json!([{"name": "user", "value": "u"}]));
    assert!(ws.requests().is_empty(), "{:?}", ws.requests());
}

#[test]
fn table_layout_is_told_from_its_columns_in_one_request() {
    let ws = workspace();
    ws.add_table_with_columns("c", "s", "p_otel_spans", &V2_SPANS_COLUMNS);
    // The schema layout: no time/date, MAP attributes.
    let v1: Vec<(&str, &str)> = V2_SPANS_COLUMNS[2..]
        .iter()
        .map(|&(n, t)| {
            if n == "attributes" {
                (n, "MAP")
            } else {
                (n, t)
            }
        })
        .collect();
    ws.add_table_with_columns("c", "s", "mlflow_experiment_trace_otel_spans", &v1);
    let cases = [
        (
            "main.agents.agent_traces",
            "FROM `main`.`agents`.`agent_traces`\n",
            "tags['user_id']",
        ),
        (
            "c.s.p_otel_spans",
            "`c`.`s`.`p_otel_annotations`",
            "attributes:['user.id']::string",
        ),
        (
            "c.s.mlflow_experiment_trace_otel_spans",
            "`c`.`s`.`mlflow_experiment_trace_otel_logs`",
            "attributes['user.id'] IN (:user, :user_json)",
        ),
    ];
    for (table, reads, user_filter) in cases {
        ws.clear_requests();
        let r = run(tracecfg(&ws).args([
            "query",
            "--table",
            table,
            "--user",
            "u",
            "--print-sql",
            "-o",
            "json",
        ]));
        assert_eq!(r.code, 0, "{r}");
        let sql = r.json()["sql"].as_str().unwrap().to_string();
        assert!(sql.contains(reads), "{table}: {sql}");
        assert!(sql.contains(user_filter), "{table}: {sql}");
        let requests: Vec<String> = ws
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert_eq!(
            requests,
            [format!("GET /api/2.1/unity-catalog/tables/{table}")]
        );
    }

    // A table of neither kind, read as otel: exit 1, and how to say how to read it.
    ws.add_table_with_columns("c", "s", "other", &[("x", "INT")]);
    let r = run(tracecfg(&ws).args([
        "query",
        "--table",
        "c.s.other",
        "--layout",
        "otel",
        "--print-sql",
    ]));
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.error_lines()[0].contains("is not an OpenTelemetry spans table"),
        "{r}"
    );
    assert!(r.hint().is_some_and(|h| h.contains("--layout")), "{r}");
    // A missing table: exit 3.
    let r = run(tracecfg(&ws).args(["query", "--table", "c.s.missing", "--print-sql"]));
    assert_eq!(r.code, 3, "{r}");
    // --attribute on the tags layout: a usage error naming the flag.
    let r = run(tracecfg(&ws).args([
        "query",
        "--table",
        "main.agents.agent_traces",
        "--attribute",
        "k=v",
        "--print-sql",
    ]));
    assert_eq!(r.code, 2, "{r}");
    assert!(r.error_lines()[0].contains("--attribute"), "{r}");
}

#[test]
fn table_layout_lookup_and_warehouse_choice_share_the_first_round_trip() {
    let ws = workspace();
    ws.add_table_with_columns("c", "s", "p_otel_spans", &V2_SPANS_COLUMNS);
    ws.add_warehouse("wh1", "Shared", "RUNNING");
    ws.set_default_warehouse("wh1");
    // Each lookup is answered after HOLD: the second one arrives before the first is answered
    // only when both were sent together.
    const HOLD: Duration = Duration::from_secs(2);
    ws.fault(Fault::on("GET", "/api/2.1/unity-catalog/tables/").delay(HOLD));
    ws.fault(Fault::on("GET", "/api/2.0/settings/").delay(HOLD));
    ws.declare_result("`c`.`s`.`p_otel_spans`", traces(1));
    let r = run(tracecfg(&ws).args(["query", "--table", "c.s.p_otel_spans", "--span-type", "LLM"]));
    assert_eq!(r.code, 0, "{r}");
    let requests = ws.requests();
    let at = |what: &str| {
        requests
            .iter()
            .find(|q| q.path.contains(what))
            .map(|q| q.at)
            .unwrap()
    };
    let (table, setting) = (at("/unity-catalog/tables/"), at("/api/2.0/settings/"));
    let apart = if table > setting {
        table - setting
    } else {
        setting - table
    };
    assert!(
        apart < HOLD,
        "the lookups were sent one after the other: {requests:?}"
    );
    let submit = at(STATEMENTS);
    assert!(submit > table && submit > setting);
}

#[test]
fn print_sql_with_an_experiment_only_looks_it_up() {
    let ws = workspace();
    let r = run(tracecfg(&ws).args([
        "query",
        "-e",
        EXPERIMENT,
        "--sql",
        "SELECT * FROM IDENTIFIER(:table) WHERE x = :x",
        "--param",
        "x=",
        "--print-sql",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("-- :x = NULL (STRING)"), "{r}");
    assert!(
        r.stdout
            .contains(&format!("-- :table = \"{TABLE_SQL}\" (STRING)")),
        "{r}"
    );
    assert!(ws.statements().is_empty());
    let paths: Vec<String> = ws.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, [GET_BY_NAME], "only the experiment lookup");
}

// ---------------------------------------------------------------- warehouses

fn warehouse_run(
    ws: &FakeWorkspace,
    cmd: &mut assert_cmd::Command,
    extra: &[&str],
) -> (Run, String) {
    let r = run(cmd
        .args(["query", "--table", "main.agents.agent_traces"])
        .args(extra));
    assert_eq!(r.code, 0, "{r}");
    let statements = ws.statements();
    let id = statements.last().expect("a statement")["warehouse_id"]
        .as_str()
        .unwrap()
        .to_string();
    (r, id)
}

#[test]
fn warehouse_flag_then_environment_then_project_file() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    for id in ["flagwh", "envwh", "tomlwh", "otherwh"] {
        ws.add_warehouse(id, id, "RUNNING");
    }
    std::fs::write(
        ws.home().join("tracecfg.toml"),
        "warehouse_id = \"tomlwh\"\n",
    )
    .unwrap();

    let (r, id) = warehouse_run(
        &ws,
        tracecfg(&ws).env("DATABRICKS_WAREHOUSE_ID", "envwh"),
        &["-w", "flagwh"],
    );
    assert_eq!(id, "flagwh");
    assert!(
        r.stderr
            .contains("using SQL warehouse flagwh (--warehouse)"),
        "{r}"
    );

    let (r, id) = warehouse_run(
        &ws,
        tracecfg(&ws).env("DATABRICKS_WAREHOUSE_ID", "envwh"),
        &[],
    );
    assert_eq!(id, "envwh");
    assert!(r.stderr.contains("using SQL warehouse envwh"), "{r}");
    assert!(r.stderr.contains("DATABRICKS_WAREHOUSE_ID"), "{r}");

    let (r, id) = warehouse_run(&ws, &mut tracecfg(&ws), &[]);
    assert_eq!(id, "tomlwh");
    assert!(r.stderr.contains("using SQL warehouse tomlwh"), "{r}");
    assert!(r.stderr.contains("tracecfg.toml"), "{r}");

    // None of these needed the warehouse list or the default setting.
    assert!(ws.requests_to("GET", "/api/2.0/sql/warehouses").is_empty());
    assert!(ws.requests_to("GET", "/api/2.0/settings/").is_empty());
}

#[test]
fn warehouse_default_setting_then_first_running_then_first() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    ws.add_warehouse("stopped1", "Stopped one", "STOPPED");
    ws.add_warehouse("running2", "Running two", "RUNNING");
    ws.add_warehouse("default3", "Default three", "STOPPED");
    ws.set_default_warehouse("default3");
    let (r, id) = warehouse_run(&ws, &mut tracecfg(&ws), &[]);
    assert_eq!(id, "default3");
    assert!(r.stderr.contains("using SQL warehouse default3"), "{r}");
    assert!(r.stderr.contains("default warehouse"), "{r}");
    assert!(
        ws.requests_to("GET", "/api/2.0/sql/warehouses").is_empty(),
        "the list is not needed when a default is set"
    );

    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    ws.add_warehouse("stopped1", "Stopped one", "STOPPED");
    ws.add_warehouse("running2", "Running two", "RUNNING");
    ws.add_warehouse("running3", "Running three", "RUNNING");
    let (r, id) = warehouse_run(&ws, &mut tracecfg(&ws), &[]);
    assert_eq!(id, "running2");
    assert!(
        r.stderr
            .contains("using SQL warehouse running2 (Running two, the first running warehouse)"),
        "{r}"
    );

    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    ws.add_warehouse("stopped1", "Stopped one", "STOPPED");
    ws.add_warehouse("starting2", "Starting two", "STARTING");
    let (r, id) = warehouse_run(&ws, &mut tracecfg(&ws), &[]);
    assert_eq!(id, "stopped1");
    assert!(r.stderr.contains("using SQL warehouse stopped1"), "{r}");
    assert!(r.stderr.contains("the first warehouse"), "{r}");
    assert!(r.stderr.contains("STOPPED"), "{r}");
}

#[test]
fn an_unknown_warehouse_exits_3() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    ws.add_warehouse("wh1", "Starter", "RUNNING");
    let r = run(tracecfg(&ws).args([
        "query", "-e", EXPERIMENT, "--source", "tables", "-w", "nope42",
    ]));
    assert_eq!(r.code, 3, "{r}");
    assert!(r.error_lines()[0].contains("nope42"), "{r}");
}

#[test]
fn no_warehouse_at_all_exits_3() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    let r = run(tracecfg(&ws).args([
        "query", "-e", EXPERIMENT, "--source", "tables", "--user", "u",
    ]));
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("no SQL warehouse"), "{r}");
    assert!(r.hint().is_some_and(|h| h.contains("--warehouse")), "{r}");
    assert!(ws.statements().is_empty());
}

// ---------------------------------------------------------------- statement lifecycle

#[test]
fn a_slow_statement_is_polled_until_it_succeeds() {
    let ws = workspace();
    ws.declare_result(
        TABLE_SQL,
        StatementResult {
            polls: 3,
            ..traces(3)
        },
    );
    let r = run(query(&ws).args(["-e", EXPERIMENT, "--source", "tables"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(trace_ids(&r.json()), ["tr-00", "tr-01", "tr-02"]);
    let polls = status_polls(&ws);
    assert_eq!(polls.len(), 4, "three RUNNING answers, then SUCCEEDED");
    let id = statement_id(1);
    assert!(polls.iter().all(|p| p.path == format!("{STATEMENTS}/{id}")));
    // Backoff: the waits grow.
    let gaps: Vec<Duration> = polls.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(400), "{gaps:?}");
    assert!(gaps[2] > gaps[0], "growing waits: {gaps:?}");
}

#[test]
fn a_failed_statement_exits_6_with_code_sqlstate_and_message() {
    for polls in [0, 1] {
        let ws = workspace();
        ws.declare_result(
            TABLE_SQL,
            StatementResult {
                polls,
                ..StatementResult::failed(
                    "BAD_REQUEST",
                    "[TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`agents`.`agent_traces` cannot be found.\nVerify the spelling.",
                    "42P01",
                )
            },
        );
        let r = run(query(&ws).args(["-e", EXPERIMENT, "--source", "tables"]));
        assert_eq!(r.code, 6, "{r}");
        let errors = r.error_lines();
        assert_eq!(errors.len(), 1, "one line: {r}");
        for part in [
            "BAD_REQUEST",
            "SQLSTATE 42P01",
            "TABLE_OR_VIEW_NOT_FOUND",
            "Verify the spelling",
        ] {
            assert!(errors[0].contains(part), "{part}: {r}");
        }
        assert!(errors[0].contains(&statement_id(1)), "{r}");
        assert_eq!(r.stdout, "", "no rows printed: {r}");
    }
}

#[test]
fn an_unbound_parameter_fails_the_statement() {
    let ws = workspace();
    let r = run(query(&ws).args(["--sql", "SELECT :missing"]));
    assert_eq!(r.code, 6, "{r}");
    assert!(r.stderr.contains("UNBOUND_SQL_PARAMETER"), "{r}");
    assert!(r.stderr.contains("42P02"), "{r}");
}

#[test]
fn canceled_and_closed_statements_exit_6() {
    for (state, words) in [("CANCELED", "canceled"), ("CLOSED", "closed")] {
        let ws = workspace();
        ws.declare_result(
            TABLE_SQL,
            StatementResult {
                polls: 5,
                ..traces(1)
            },
        );
        let body = json!({"statement_id": statement_id(1), "status": {"state": state}});
        ws.fault(
            Fault::on("GET", &format!("{STATEMENTS}/"))
                .status(200)
                .body(&body.to_string()),
        );
        let r = run(query(&ws).args(["-e", EXPERIMENT, "--source", "tables"]));
        assert_eq!(r.code, 6, "{state}: {r}");
        assert!(r.error_lines()[0].contains(words), "{r}");
        assert_eq!(status_polls(&ws).len(), 1, "stops polling at {state}");
    }
}

#[test]
fn timeout_cancels_the_statement_and_exits_6() {
    let ws = workspace();
    ws.declare_result(
        TABLE_SQL,
        StatementResult {
            never_finishes: true,
            ..traces(1)
        },
    );
    let started = Instant::now();
    let r = run(query(&ws).args(["-e", EXPERIMENT, "--source", "tables", "--timeout", "1s"]));
    let took = started.elapsed();
    assert_eq!(r.code, 6, "{r}");
    assert!(r.stderr.contains("--timeout"), "{r}");
    let id = statement_id(1);
    assert_eq!(ws.cancels(), std::slice::from_ref(&id));
    assert_eq!(ws.statement_state(&id).as_deref(), Some("CANCELED"));
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

/// Waits for the child, killing it after `limit`.
pub(crate) fn wait_with_limit(
    child: &mut std::process::Child,
    limit: Duration,
) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("tracecfg did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(crate) fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_submit_is_not_replayed_after_a_500_whatever_its_code() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    ws.fault(
        Fault::on("POST", STATEMENTS)
            .status(500)
            .body(r#"{"error_code":"TEMPORARILY_UNAVAILABLE","message":"maybe ran"}"#)
            .times(1),
    );
    let r = run(query(&ws).args(["--table", "main.agents.agent_traces"]));
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(ws.requests_to("POST", STATEMENTS).len(), 1, "sent once");
    // A 503 with the same code was not accepted at all: that one is retried.
    ws.clear_requests();
    ws.fault(
        Fault::on("POST", STATEMENTS)
            .status(503)
            .body(r#"{"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"}"#)
            .times(1),
    );
    let r = run(query(&ws).args(["--table", "main.agents.agent_traces"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ws.requests_to("POST", STATEMENTS).len(), 2);
}

// ---------------------------------------------------------------- stopped at any moment

/// How a run is stopped.
#[derive(Debug, Clone, Copy)]
enum Stop {
    Signal(&'static str),
    /// `--timeout 1s`
    Timeout,
}

/// `tracecfg query -w wh1 -e EXPERIMENT` and `extra`, started with stderr piped.
fn spawn_query(ws: &FakeWorkspace, extra: &[&str]) -> std::process::Child {
    std_tracecfg(ws)
        .args(["query", "-w", "wh1", "-e", EXPERIMENT, "--source", "tables"])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn send_signal(child: &std::process::Child, signal: &str) {
    let killed = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
}

/// Starts `tracecfg query` on the experiment, waits until `moment` holds, stops it as `how` says
/// and returns (exit code, stderr).
fn stop_run(ws: &FakeWorkspace, how: Stop, moment: impl FnMut() -> bool) -> (Option<i32>, String) {
    let extra: &[&str] = match how {
        Stop::Timeout => &["--timeout", "1s"],
        Stop::Signal(_) => &[],
    };
    let mut child = spawn_query(ws, extra);
    wait_until("the moment to stop", moment);
    if let Stop::Signal(signal) = how {
        send_signal(&child, signal);
    }
    let status = wait_with_limit(&mut child, Duration::from_secs(40));
    let stderr = read_stderr(&mut child);
    let said = match how {
        Stop::Signal(_) => "interrupted",
        Stop::Timeout => "--timeout",
    };
    assert!(stderr.contains(said), "{how:?}: {stderr}");
    (status.code(), stderr)
}

fn expected_code(how: Stop) -> Option<i32> {
    match how {
        Stop::Signal(_) => Some(130),
        Stop::Timeout => Some(6),
    }
}

/// A workspace whose statement never finishes and whose submit answer is held for its 10 s wait.
fn held_submit_workspace() -> FakeWorkspace {
    let ws = workspace();
    ws.declare_result(
        TABLE_SQL,
        StatementResult {
            never_finishes: true,
            hold_submit: true,
            ..traces(1)
        },
    );
    ws
}

/// Stopped before the execute request is answered (the fake holds it for its 10 s wait), the
/// run waits for the statement's id and cancels it.
fn stopped_before_the_submit_answers(how: Stop) {
    let ws = held_submit_workspace();
    let (code, stderr) = stop_run(&ws, how, || !ws.requests_to("POST", STATEMENTS).is_empty());
    assert_eq!(code, expected_code(how), "{how:?}: {stderr}");
    assert_eq!(ws.cancels(), [statement_id(1)], "{how:?}: {stderr}");
    assert_eq!(
        ws.statement_state(&statement_id(1)).as_deref(),
        Some("CANCELED"),
        "{how:?}"
    );
    assert!(stderr.contains("waiting up to"), "{how:?}: {stderr}");
}

#[cfg(unix)]
#[test]
fn sigint_before_the_submit_answers_cancels_the_statement() {
    stopped_before_the_submit_answers(Stop::Signal("-INT"));
}

#[cfg(unix)]
#[test]
fn sigterm_before_the_submit_answers_cancels_the_statement() {
    stopped_before_the_submit_answers(Stop::Signal("-TERM"));
}

#[test]
fn timeout_before_the_submit_answers_cancels_the_statement() {
    stopped_before_the_submit_answers(Stop::Timeout);
}

#[cfg(unix)]
#[test]
fn a_second_interrupt_stops_waiting_and_says_the_statement_may_still_run() {
    let ws = held_submit_workspace();
    let mut child = spawn_query(&ws, &[]);
    wait_until("the submit", || {
        !ws.requests_to("POST", STATEMENTS).is_empty()
    });
    send_signal(&child, "-INT");
    std::thread::sleep(Duration::from_millis(500));
    send_signal(&child, "-INT");
    let status = wait_with_limit(&mut child, Duration::from_secs(5));
    let stderr = read_stderr(&mut child);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("may still be running"), "{stderr}");
    assert!(ws.cancels().is_empty(), "no id to cancel: {stderr}");
}

#[cfg(unix)]
#[test]
fn stopped_while_polling_or_fetching_chunks_the_statement_is_cancelled() {
    for how in [Stop::Signal("-INT"), Stop::Signal("-TERM"), Stop::Timeout] {
        // Polling.
        let ws = workspace();
        ws.declare_result(
            TABLE_SQL,
            StatementResult {
                never_finishes: true,
                ..traces(1)
            },
        );
        let (code, stderr) = stop_run(&ws, how, || !status_polls(&ws).is_empty());
        assert_eq!(code, expected_code(how), "polling, {how:?}: {stderr}");
        assert_eq!(
            ws.cancels(),
            [statement_id(1)],
            "polling, {how:?}: {stderr}"
        );

        // Fetching chunks: chunk 1 takes 30 s to come.
        let ws = workspace();
        ws.declare_result(
            TABLE_SQL,
            StatementResult {
                chunks: 3,
                chunk_delays_ms: vec![0, 30_000, 0],
                ..traces(3)
            },
        );
        let chunk_1 = format!("{STATEMENTS}/{}/result/chunks/1", statement_id(1));
        let (code, stderr) = stop_run(&ws, how, || !ws.requests_to("GET", &chunk_1).is_empty());
        assert_eq!(code, expected_code(how), "fetching, {how:?}: {stderr}");
        assert_eq!(
            ws.cancels(),
            [statement_id(1)],
            "fetching, {how:?}: {stderr}"
        );
    }
}

// ---------------------------------------------------------------- one execution, bounded lists

#[test]
fn a_large_limit_runs_once_with_external_links() {
    let ws = workspace();
    ws.declare_result(
        TABLE_SQL,
        StatementResult {
            inline_limit_exceeded: true,
            ..traces(3)
        },
    );
    // 100,000 rows with inputs and outputs: over 25 MiB at typical payload sizes.
    let r = run(query(&ws).args(["-e", EXPERIMENT, "--source", "tables", "--limit", "100000"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(only_statement(&ws)["disposition"], "EXTERNAL_LINKS");
    assert_eq!(trace_ids(&r.json()), ["tr-00", "tr-01", "tr-02"]);

    // Narrow columns fit inline at the same limit; a small limit too.
    for extra in [
        &["--limit", "100000", "--columns", "trace_id,start_time"][..],
        &["--limit", "100"][..],
    ] {
        let ws = workspace();
        ws.declare_result(TABLE_SQL, traces(1));
        let r = run(query(&ws)
            .args(["-e", EXPERIMENT, "--source", "tables"])
            .args(extra));
        assert_eq!(r.code, 0, "{r}");
        assert_eq!(only_statement(&ws)["disposition"], "INLINE", "{extra:?}");
    }
}

#[test]
fn since_not_before_until_is_a_usage_error_before_any_request() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    for (since, until) in [
        ("2026-11-02T00:00:00Z", "2026-11-01T00:00:00Z"),
        ("2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"),
        ("2026-11-01T03:00:00+02:00", "2026-11-01T00:30:00Z"),
        ("1h", "2h"),
    ] {
        let r = run(query(&ws).args([
            "-e", EXPERIMENT, "--source", "tables", "--since", since, "--until", until,
        ]));
        assert_eq!(r.code, 2, "{since} {until}: {r}");
        assert_eq!(r.error_lines().len(), 1, "{r}");
        assert!(r.stderr.contains("--since"), "{r}");
        assert!(r.stderr.contains("--until"), "{r}");
    }
    assert!(ws.requests().is_empty(), "no request");
    // An earlier --since is fine.
    let r = run(query(&ws).args([
        "-e", EXPERIMENT, "--source", "tables", "--since", "2h", "--until", "1h",
    ]));
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn the_warehouse_list_is_followed_for_a_bounded_number_of_pages() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    // A server that hands out a next page token forever.
    ws.fault(
        Fault::on("GET", "/api/2.0/sql/warehouses")
            .status(200)
            .body(r#"{"warehouses":[{"id":"loopwh","name":"Loop","state":"STOPPED"}],"next_page_token":"again"}"#),
    );
    let r = run(tracecfg(&ws).args(["query", "--table", "main.agents.agent_traces"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        ws.requests_to("GET", "/api/2.0/sql/warehouses").len(),
        100,
        "{r}"
    );
    assert!(r.stderr.contains("past 100 pages"), "{r}");
    assert_eq!(only_statement(&ws)["warehouse_id"], "loopwh");
}

#[test]
fn a_submit_lost_on_the_way_says_the_statement_may_still_run() {
    let ws = workspace();
    ws.declare_result(TABLE_SQL, traces(1));
    ws.fault(Fault::on("POST", STATEMENTS).drop_connection());
    let r = run(query(&ws).args(["-e", EXPERIMENT, "--source", "tables"]));
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("may still be running"), "{r}");
    assert_eq!(ws.requests_to("POST", STATEMENTS).len(), 1, "not replayed");
    // A refused submit started nothing, and says nothing of the kind.
    let ws = workspace();
    ws.fault(
        Fault::on("POST", STATEMENTS)
            .status(400)
            .body(r#"{"error_code":"INVALID_PARAMETER_VALUE","message":"no"}"#),
    );
    let r = run(query(&ws).args(["-e", EXPERIMENT, "--source", "tables"]));
    assert_eq!(r.code, 1, "{r}");
    assert!(!r.stderr.contains("may still be running"), "{r}");
}

#[test]
fn a_filter_the_forced_layout_cannot_take_is_refused_before_any_request() {
    let ws = workspace();
    let r = run(tracecfg(&ws).args([
        "query",
        "--table",
        "main.agents.agent_traces",
        "--layout",
        "tags",
        "--attribute",
        "k=v",
    ]));
    assert_eq!(r.code, 2, "{r}");
    assert!(r.error_lines()[0].contains("--attribute"), "{r}");
    assert!(ws.requests().is_empty(), "{:?}", ws.requests());
}

#[test]
fn a_forced_layout_must_match_the_experiments_location() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    ws.link_trace_location(&id, "c", "s", "p");
    let r = run(tracecfg(&ws).args([
        "query",
        "-e",
        EXPERIMENT,
        "--layout",
        "otel-v1",
        "--print-sql",
    ]));
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.error_lines()[0].contains("table prefix (V2)"),
        "says what the location is: {r}"
    );
    let r = run(tracecfg(&ws).args([
        "query",
        "-e",
        EXPERIMENT,
        "--layout",
        "otel-v2",
        "--print-sql",
    ]));
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn a_spans_table_without_the_columns_read_is_named_before_the_statement() {
    let ws = workspace();
    let columns: Vec<(&str, &str)> = V2_SPANS_COLUMNS
        .iter()
        .copied()
        .filter(|(n, _)| *n != "parent_span_id")
        .collect();
    ws.add_table_with_columns("c", "s", "p_otel_spans", &columns);
    let r = run(query(&ws).args(["--table", "c.s.p_otel_spans", "--user", "u"]));
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.error_lines()[0].contains("no column parent_span_id"),
        "{r}"
    );
    assert!(ws.statements().is_empty(), "no statement was sent");
}
