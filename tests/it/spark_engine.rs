//! End-to-end tests of `tracecfg query` on a real SQL engine: Apache Spark 4.3 (PySpark),
//! behind scripts/spark_warehouse.py, a local server that speaks the part of the Statement
//! Execution API (and of the Unity Catalog tables API) that tracecfg uses.
//!
//! `scripts/test` installs pyspark 4.3.0 into `.venv-spark/`, starts the server on a free
//! loopback port and exports its URL as `TRACECFG_SPARK_URL`. The tests are `#[ignore]`d, so
//! plain `cargo test` lists them with the reason; `scripts/test` runs them with
//! `--include-ignored`, and without that variable each of them fails (it does not skip): a green
//! run must mean these ran. See docs/real-sql-engine.md.
//!
//! The helper at the top is all a test needs:
//! - `SparkDb::new("name")` creates a fresh database (`spark_catalog.<name>_<random>`), dropped
//!   again when the value goes out of scope; tests run in parallel, each in its own database.
//! - `db.sql(statement)` runs setup SQL on the server (panics unless it succeeds) and returns
//!   the rows as Databricks encodes them (`Vec<Vec<Option<String>>>`); `db.table("t")` is the
//!   table's full name, `spark_catalog.<db>.t`, as `--table` takes it.
//! - `db.tracecfg(&[..], code)` runs the real binary (hermetic environment, `DATABRICKS_HOST` =
//!   the server, `--warehouse local`, `-o json` added) and checks its exit code;
//!   `db.query_json(&[..])` expects success and parses stdout as the JSON array of rows.

use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};

// ------------------------------------------------------------------------------------ helper

/// The server `scripts/test` started; panics (fails the test) when there is none.
fn spark_url() -> String {
    match std::env::var("TRACECFG_SPARK_URL") {
        Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_string(),
        _ => panic!(
            "TRACECFG_SPARK_URL is not set: these end-to-end tests need the local Spark SQL warehouse \
             (scripts/spark_warehouse.py); run scripts/test, which installs pyspark and starts it \
             (instead of plain cargo test)"
        ),
    }
}

const TOKEN: &str = "dapi-test";

/// Rows as the Statement Execution API returns them: text or NULL.
type Rows = Vec<Vec<Option<String>>>;

/// One test's database on the shared Spark session, and a private HOME for tracecfg.
pub(crate) struct SparkDb {
    url: String,
    name: String,
    home: tempfile::TempDir,
}

impl SparkDb {
    pub(crate) fn new(test_name: &str) -> Self {
        let db = SparkDb {
            url: spark_url(),
            name: format!("{test_name}_{:08x}", fastrand::u32(..)),
            home: tempfile::tempdir().expect("create a temporary directory"),
        };
        db.sql(&format!("CREATE DATABASE spark_catalog.`{}`", db.name));
        db
    }

    /// `spark_catalog.<db>.<table>`, as `--table` takes it.
    pub(crate) fn table(&self, table: &str) -> String {
        format!("spark_catalog.{}.{table}", self.name)
    }

    /// Runs one statement on the server; panics unless it SUCCEEDED. Returns its rows.
    pub(crate) fn sql(&self, statement: &str) -> Rows {
        let answer = self.execute(statement, json!([]));
        assert_eq!(
            answer["status"]["state"], "SUCCEEDED",
            "setup statement failed: {statement}\n{answer:#}"
        );
        serde_json::from_value(answer["result"]["data_array"].clone())
            .expect("data_array is an array of rows of strings or nulls")
    }

    /// POST /api/2.0/sql/statements as tracecfg sends it; returns the StatementResponse.
    pub(crate) fn execute(&self, statement: &str, parameters: Value) -> Value {
        let body = json!({
            "statement": statement,
            "warehouse_id": "local",
            "parameters": parameters,
            "wait_timeout": "50s",
            "on_wait_timeout": "CONTINUE",
            "disposition": "INLINE",
            "format": "JSON_ARRAY",
        });
        let url = format!("{}/api/2.0/sql/statements", self.url);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async {
            let response = reqwest::Client::new()
                .post(&url)
                .bearer_auth(TOKEN)
                .json(&body)
                .timeout(Duration::from_secs(180))
                .send()
                .await
                .unwrap_or_else(|e| panic!("POST {url}: {e}"));
            let status = response.status();
            let text = response.text().await.expect("read the answer");
            assert!(status.is_success(), "POST {url} answered {status}: {text}");
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        })
    }

    /// tracecfg with nothing from the developer's environment or home directory, pointed at
    /// the local warehouse.
    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tracecfg"));
        cmd.env_clear()
            .env("HOME", self.home.path())
            .env("DATABRICKS_HOST", &self.url)
            .env("DATABRICKS_TOKEN", TOKEN)
            .current_dir(self.home.path())
            .timeout(Duration::from_secs(300));
        cmd
    }

    /// Runs `tracecfg <args> --warehouse local -o json`, expecting exit `code`; returns
    /// (stdout, stderr).
    pub(crate) fn tracecfg(&self, args: &[&str], code: i32) -> (String, String) {
        let output = self
            .command()
            .args(args)
            .args(["--warehouse", "local", "-o", "json"])
            .output()
            .expect("run tracecfg");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(code),
            "tracecfg {args:?} exited with {:?}, expected {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            output.status
        );
        (stdout, stderr)
    }

    /// Runs a successful `tracecfg query ...` and returns its rows (the JSON array on stdout).
    pub(crate) fn query_json(&self, args: &[&str]) -> Vec<Value> {
        let (stdout, stderr) = self.tracecfg(args, 0);
        serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!("stdout is not a JSON array ({e}):\n{stdout}\n--- stderr\n{stderr}")
        })
    }
}

impl Drop for SparkDb {
    fn drop(&mut self) {
        // Best effort, and never a second panic while a failed test unwinds.
        if !std::thread::panicking() {
            let _ = self.execute(
                &format!(
                    "DROP DATABASE IF EXISTS spark_catalog.`{}` CASCADE",
                    self.name
                ),
                json!([]),
            );
        }
    }
}

/// `VALUES` rows whose text values are named parameters, never pasted into the SQL.
pub(crate) struct Values {
    rows: Vec<String>,
    parameters: Vec<Value>,
}

impl Values {
    pub(crate) fn new() -> Self {
        Values {
            rows: Vec::new(),
            parameters: Vec::new(),
        }
    }

    pub(crate) fn param(&mut self, value: Option<&str>) -> String {
        let name = format!("p{}", self.parameters.len());
        self.parameters
            .push(json!({ "name": name, "value": value }));
        format!(":{name}")
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(format!("({})", cells.join(", ")));
    }

    /// Runs `INSERT … SELECT <select> FROM VALUES <rows> AS v(<columns>)`.
    pub(crate) fn insert(self, db: &SparkDb, head: &str, select: &str, columns: &str) {
        let sql = format!(
            "{head} SELECT {select} FROM VALUES {} AS v({columns})",
            self.rows.join(", ")
        );
        let answer = db.execute(&sql, Value::Array(self.parameters));
        assert_eq!(answer["status"]["state"], "SUCCEEDED", "{sql}\n{answer:#}");
    }
}

// ------------------------------------------------------------------------------------- tests

/// The table the destination tags name, with the columns of the notebook query tracecfg
/// replaces; a few spans of three traces (two users, one trace without a user).
fn tags_table(db: &SparkDb) -> String {
    let table = db.table("agent_traces");
    db.sql(&format!(
        "CREATE TABLE {table} (trace_id STRING, span_name STRING, span_type STRING, \
             start_time TIMESTAMP, end_time TIMESTAMP, inputs STRING, outputs STRING, \
             tags MAP<STRING, STRING>) USING parquet"
    ));
    db.sql(&format!(
            "INSERT INTO {table} (trace_id, span_name, span_type, start_time, end_time, inputs, outputs, tags) VALUES \
             ('tr-1', 'agent', 'CHAIN', TIMESTAMP'2026-11-30 10:00:00', TIMESTAMP'2026-11-30 10:00:05.250', '{{\"q\":\"hi\"}}', '{{\"a\":\"hello\"}}', map('user_id', 'u1', 'session_id', 's1')), \
             ('tr-1', 'llm', 'LLM', TIMESTAMP'2026-11-30 10:00:01.5', TIMESTAMP'2026-11-30 10:00:04', '', NULL, map('user_id', 'u1', 'session_id', 's1')), \
             ('tr-2', 'agent', 'CHAIN', TIMESTAMP'2026-11-29 08:00:00', TIMESTAMP'2026-11-29 08:00:01', 'x', 'y', map('user_id', 'u2')), \
             ('tr-3', 'agent', 'CHAIN', TIMESTAMP'2026-11-30 12:00:00', NULL, NULL, NULL, map('env', 'prod'))"
        ));
    table
}

#[test]
#[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
fn tags_layout_query_returns_exactly_the_users_spans() {
    let db = SparkDb::new("tags_layout");
    let table = tags_table(&db);

    let rows = db.query_json(&[
        "query", "--table", &table, "--layout", "tags", "--user", "u1",
    ]);
    // Newest first; timestamps in UTC with milliseconds; NULL stays null, '' stays "".
    assert_eq!(
        rows,
        vec![
            json!({"trace_id": "tr-1", "span_name": "llm", "span_type": "LLM",
                       "start_time": "2026-11-30T10:00:01.500Z", "end_time": "2026-11-30T10:00:04.000Z",
                       "inputs": "", "outputs": null}),
            json!({"trace_id": "tr-1", "span_name": "agent", "span_type": "CHAIN",
                       "start_time": "2026-11-30T10:00:00.000Z", "end_time": "2026-11-30T10:00:05.250Z",
                       "inputs": "{\"q\":\"hi\"}", "outputs": "{\"a\":\"hello\"}"}),
        ]
    );

    // Every filter at once: each becomes a bound parameter that Spark must accept and apply.
    let rows = db.query_json(&[
        "query",
        "--table",
        &table,
        "--user",
        "u1",
        "--session",
        "s1",
        "--tag",
        "user_id=u1",
        "--span-type",
        "LLM",
        "--name",
        "llm",
        "--since",
        "2026-11-30T10:00:01Z",
        "--until",
        "2026-11-30T12:00:00+01:00",
        "--columns",
        "trace_id,span_name",
        "--limit",
        "5",
    ]);
    assert_eq!(rows, vec![json!({"trace_id": "tr-1", "span_name": "llm"})]);

    // A value that would change the statement if it were pasted into the SQL matches nothing.
    let rows = db.query_json(&["query", "--table", &table, "--user", "u1' OR '1'='1"]);
    assert_eq!(rows, Vec::<Value>::new());
}

#[test]
#[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
fn traces_and_trace_statements_on_the_tags_layout() {
    let db = SparkDb::new("traces_tags");
    let table = tags_table(&db);
    let listed = db.query_json(&["traces", "--table", &table]);
    let ids: Vec<&str> = listed
        .iter()
        .map(|t| t["trace_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["tr-3", "tr-1", "tr-2"], "{listed:?}");
    let tr1 = &listed[1];
    assert_eq!(tr1["span_count"], 2);
    assert_eq!(tr1["duration_ms"], 5250.0);
    assert_eq!(tr1["root_span_name"], "agent");
    assert_eq!(tr1["user"], "u1");
    assert_eq!(tr1["session"], "s1");
    assert_eq!(tr1["status"], Value::Null);
    let since = db.query_json(&[
        "traces",
        "--table",
        &table,
        "--since",
        "2026-11-30T00:00:00Z",
        "--user",
        "u1",
    ]);
    assert_eq!(since.len(), 1, "{since:?}");
    let (stdout, _) = db.tracecfg(&["trace", "--table", &table, "tr-1"], 0);
    let tree: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(tree["tree"], false);
    let names: Vec<&str> = tree["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["agent", "llm"]);
    assert_eq!(tree["spans"][0]["inputs"], json!({"q": "hi"}));
    db.tracecfg(&["trace", "--table", &table, "tr-none"], 3);
}

#[test]
#[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
fn raw_sql_binds_the_table_and_a_timestamp_parameter() {
    let db = SparkDb::new("raw_sql");
    let table = tags_table(&db);

    let sql = "SELECT * FROM IDENTIFIER(:table) WHERE start_time >= :since ORDER BY start_time, span_name";
    let rows = db.query_json(&[
        "query",
        "--sql",
        sql,
        "--param",
        "since:TIMESTAMP=2026-11-30T00:00:00Z",
        "--table",
        &table,
    ]);
    let traces: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["trace_id"].as_str().unwrap(),
                r["span_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        traces,
        [("tr-1", "agent"), ("tr-1", "llm"), ("tr-3", "agent")]
    );
    // SELECT * includes the MAP column: it arrives as JSON text and is printed as an object.
    assert_eq!(
        rows[0]["tags"],
        json!({"user_id": "u1", "session_id": "s1"})
    );
    assert_eq!(rows[2]["end_time"], Value::Null);

    // An offset is honoured: 11:00+01:00 is 10:00 UTC, so the 10:00:00 span is included.
    let rows = db.query_json(&[
        "query",
        "--sql",
        "SELECT count(*) AS n, :label AS label FROM IDENTIFIER(:table) WHERE start_time >= :since",
        "--param",
        "since:TIMESTAMP=2026-11-30T11:00:00+01:00",
        "--param",
        "label=spark",
        "--table",
        &table,
    ]);
    assert_eq!(rows, vec![json!({"n": 3, "label": "spark"})]);
}

#[test]
#[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
fn statements_spark_rejects_fail_with_sparks_message() {
    let db = SparkDb::new("rejected");
    let table = tags_table(&db);

    let (stdout, stderr) = db.tracecfg(&["query", "--sql", "SELEC trace_id FROM nowhere"], 6);
    assert_eq!(stdout, "");
    assert!(stderr.contains("PARSE_SYNTAX_ERROR"), "stderr: {stderr}");
    assert!(
        stderr.contains("42601"),
        "SQLSTATE missing; stderr: {stderr}"
    );

    // Parses, but does not analyze: a column the table does not have.
    let (_, stderr) = db.tracecfg(
        &[
            "query",
            "--sql",
            "SELECT no_such_column FROM IDENTIFIER(:table)",
            "--table",
            &table,
        ],
        6,
    );
    assert!(stderr.contains("UNRESOLVED_COLUMN"), "stderr: {stderr}");
    assert!(stderr.contains("no_such_column"), "stderr: {stderr}");

    // A typed parameter whose value does not cast fails the statement, as on Databricks.
    let (_, stderr) = db.tracecfg(
        &[
            "query",
            "--sql",
            "SELECT :n AS n",
            "--param",
            "n:INT=twelve",
        ],
        6,
    );
    assert!(stderr.contains("CAST_INVALID_INPUT"), "stderr: {stderr}");
}

/// The native layouts on a real engine: one set of traces written as a table-prefix location
/// (V2: VARIANT attributes, `time`/`date`, annotations table) and as a schema location (V1: MAP
/// attributes, some values JSON-encoded as older clients wrote them, tags and metadata as log
/// events in both places Databricks documents), queried with every filter alone and combined.
/// The expected rows are written out by hand from what each filter means (docs/query.md).
mod native_layouts {
    use super::*;

    /// One span: trace, span id, parent, name, start (UTC), attributes.
    type SpanRow = (
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
    );

    /// The traces. t1..t7 as in the comments; "day" is 2026-11-30.
    const SPANS: &[SpanRow] = &[
        // t1: u1/s1 on the root span, an LLM span, a tool span with tool.name=search.
        (
            "t1",
            "t1a",
            None,
            "agent",
            "2026-11-30 10:00:00",
            &[
                ("mlflow.spanType", "CHAIN"),
                ("user.id", "u1"),
                ("session.id", "s1"),
                ("mlflow.spanInputs", "{\"q\":\"hi\"}"),
            ],
        ),
        (
            "t1",
            "t1b",
            Some("t1a"),
            "chat",
            "2026-11-30 10:00:01",
            &[("mlflow.spanType", "LLM"), ("model", "gpt")],
        ),
        (
            "t1",
            "t1c",
            Some("t1a"),
            "search",
            "2026-11-30 10:00:02",
            &[("mlflow.spanType", "TOOL"), ("tool.name", "search")],
        ),
        // t2: u2 (JSON-encoded in V1).
        (
            "t2",
            "t2a",
            None,
            "agent",
            "2026-11-30 09:00:00",
            &[
                ("mlflow.spanType", "CHAIN"),
                ("user.id", "u2"),
                ("session.id", "s2"),
            ],
        ),
        (
            "t2",
            "t2b",
            Some("t2a"),
            "chat",
            "2026-11-30 09:00:01",
            &[("mlflow.spanType", "LLM")],
        ),
        (
            "t2",
            "t2c",
            Some("t2a"),
            "lookup",
            "2026-11-30 09:00:02",
            &[("mlflow.spanType", "TOOL"), ("tool.name", "lookup")],
        ),
        // t3: an older trace whose root span has no user.id: the user is only in its metadata.
        (
            "t3",
            "t3a",
            None,
            "agent",
            "2026-11-28 10:00:00",
            &[("mlflow.spanType", "CHAIN")],
        ),
        (
            "t3",
            "t3b",
            Some("t3a"),
            "search",
            "2026-11-28 10:00:01",
            &[("mlflow.spanType", "TOOL"), ("tool.name", "search")],
        ),
        // t4: straddles midnight: root 30 min before the day, its LLM span inside it; no metadata.
        (
            "t4",
            "t4a",
            None,
            "agent",
            "2026-11-29 23:30:00",
            &[("mlflow.spanType", "CHAIN"), ("user.id", "u1")],
        ),
        (
            "t4",
            "t4b",
            Some("t4a"),
            "chat",
            "2026-11-30 00:10:00",
            &[("mlflow.spanType", "LLM")],
        ),
        // t5: u3; its env tag changed from prod to dev; team=core was deleted; hostile keys.
        (
            "t5",
            "t5a",
            None,
            "agent",
            "2026-11-30 11:00:00",
            &[("mlflow.spanType", "CHAIN"), ("user.id", "u3")],
        ),
        (
            "t5",
            "t5b",
            Some("t5a"),
            "chat",
            "2026-11-30 11:00:01",
            &[("mlflow.spanType", "LLM"), ("a`'", "w' OR 1=1")],
        ),
        // t6: a hostile user id.
        (
            "t6",
            "t6a",
            None,
            "agent",
            "2026-11-30 12:00:00",
            &[("mlflow.spanType", "CHAIN"), ("user.id", "x' OR '1'='1")],
        ),
        // t7: u1, root three days before its LLM span: outside the day of slack; no metadata.
        (
            "t7",
            "t7a",
            None,
            "agent",
            "2026-11-27 10:00:00",
            &[("mlflow.spanType", "CHAIN"), ("user.id", "u1")],
        ),
        (
            "t7",
            "t7b",
            Some("t7a"),
            "chat",
            "2026-11-30 00:30:00",
            &[("mlflow.spanType", "LLM")],
        ),
        // t8: the user only in the metadata, which was written twice: u8, then u8b.
        (
            "t8",
            "t8a",
            None,
            "agent",
            "2026-11-26 10:00:00",
            &[("mlflow.spanType", "CHAIN")],
        ),
    ];

    /// Trace tags as written over time: trace, key, value, when, deleted.
    const TAGS: &[(&str, &str, &str, &str, bool)] = &[
        ("t1", "env", "prod", "2026-11-30 10:00:05", false),
        ("t1", "team", "core", "2026-11-30 10:00:05", false),
        ("t2", "env", "dev", "2026-11-30 09:00:05", false),
        ("t3", "env", "prod", "2026-11-28 10:00:05", false),
        ("t4", "env", "prod", "2026-11-30 00:15:00", false),
        ("t5", "env", "prod", "2026-11-30 11:00:05", false),
        ("t5", "env", "dev", "2026-11-30 11:05:00", false),
        ("t5", "team", "core", "2026-11-30 11:00:05", false),
        ("t5", "team", "core", "2026-11-30 11:06:00", true),
        ("t5", "k'`", "v'", "2026-11-30 11:00:05", false),
        // Written and deleted again; t2's events carry their fields in the body (V1).
        ("t2", "team", "core", "2026-11-30 09:00:05", false),
        ("t2", "team", "core", "2026-11-30 09:10:00", true),
    ];

    /// Trace metadata: trace, user, session, when it was written (with the trace).
    const METADATA: &[(&str, &str, &str, &str)] = &[
        ("t1", "u1", "s1", "2026-11-30 10:00:05"),
        ("t2", "u2", "s2", "2026-11-30 09:00:05"),
        ("t3", "u1", "s3", "2026-11-28 10:00:05"),
        ("t5", "u3", "s5", "2026-11-30 11:00:05"),
        ("t6", "x' OR '1'='1", "s6", "2026-11-30 12:00:05"),
        ("t8", "u8", "s8", "2026-11-26 10:00:05"),
        ("t8", "u8b", "s8", "2026-11-26 10:05:00"),
    ];

    /// Traces whose values an older client wrote JSON-encoded in the V1 tables.
    const ENCODED_IN_V1: [&str; 2] = ["t2", "t5"];

    /// What each query must return: its arguments and the spans, newest first, as
    /// `trace/span_name`.
    const CASES: &[(&[&str], &[&str])] = &[
        (
            &["--user", "u1"],
            &[
                "t1/search",
                "t1/chat",
                "t1/agent",
                "t7/chat",
                "t4/chat",
                "t4/agent",
                "t3/search",
                "t3/agent",
                "t7/agent",
            ],
        ),
        (&["--session", "s1"], &["t1/search", "t1/chat", "t1/agent"]),
        (
            &["--user", "u1", "--tag", "env=prod"],
            &[
                "t1/search",
                "t1/chat",
                "t1/agent",
                "t4/chat",
                "t4/agent",
                "t3/search",
                "t3/agent",
            ],
        ),
        (
            &["--user", "u1", "--attribute", "tool.name=search"],
            &["t1/search", "t1/chat", "t1/agent", "t3/search", "t3/agent"],
        ),
        (
            &["--tag", "env=prod"],
            &[
                "t1/search",
                "t1/chat",
                "t1/agent",
                "t4/chat",
                "t4/agent",
                "t3/search",
                "t3/agent",
            ],
        ),
        (
            &["--tag", "env=dev"],
            &["t5/chat", "t5/agent", "t2/lookup", "t2/chat", "t2/agent"],
        ),
        (
            &["--tag", "team=core"],
            &["t1/search", "t1/chat", "t1/agent"],
        ),
        (
            &["--tag", "env=prod", "--tag", "team=core"],
            &["t1/search", "t1/chat", "t1/agent"],
        ),
        (
            &["--attribute", "tool.name=lookup"],
            &["t2/lookup", "t2/chat", "t2/agent"],
        ),
        (
            &["--span-type", "LLM"],
            &["t5/chat", "t1/chat", "t2/chat", "t7/chat", "t4/chat"],
        ),
        (&["--name", "search"], &["t1/search", "t3/search"]),
        (&["--span-type", "LLM", "--user", "u2"], &["t2/chat"]),
        // Since midnight (given with an offset): t4 matches by its root span, a day of slack
        // before, and returns only its span inside the window; t7's root is 3 days before.
        (
            &["--user", "u1", "--since", "2026-11-30T01:00:00+01:00"],
            &["t1/search", "t1/chat", "t1/agent", "t4/chat"],
        ),
        (
            &[
                "--since",
                "2026-11-30T00:00:00Z",
                "--until",
                "2026-11-30T09:00:01Z",
            ],
            &["t2/agent", "t7/chat", "t4/chat"],
        ),
        (&["--limit", "2"], &["t6/agent", "t5/chat"]),
        // Hostile values are values.
        (&["--user", "x' OR '1'='1"], &["t6/agent"]),
        (&["--user", "' OR '1'='1"], &[]),
        (&["--tag", "k'`=v'"], &["t5/chat", "t5/agent"]),
        (&["--attribute", "a`'=w' OR 1=1"], &["t5/chat", "t5/agent"]),
        (&["--tag", "env=prod' OR '1'='1"], &[]),
        // Only the latest metadata counts.
        (&["--user", "u8"], &[]),
        (&["--user", "u8b"], &["t8/agent"]),
    ];

    fn encoded(value: &str) -> String {
        Value::String(value.to_string()).to_string()
    }

    fn attributes_json(trace: &str, attributes: &[(&str, &str)], v1: bool) -> String {
        let map: serde_json::Map<String, Value> = attributes
            .iter()
            .map(|(k, v)| {
                let v = if v1 && ENCODED_IN_V1.contains(&trace) {
                    encoded(v)
                } else {
                    v.to_string()
                };
                (k.to_string(), Value::String(v))
            })
            .collect();
        Value::Object(map).to_string()
    }

    fn spans_values(v1: bool) -> Values {
        let mut values = Values::new();
        for (trace, span, parent, name, start, attributes) in SPANS {
            let cells = vec![
                values.param(Some(trace)),
                values.param(Some(span)),
                // OTLP writes the root's parent as ''; one root here has NULL, as some writers do.
                values.param(Some(parent.unwrap_or(if *trace == "t3" {
                    "\u{0}"
                } else {
                    ""
                }))),
                values.param(Some(name)),
                format!("TIMESTAMP'{start}'"),
                values.param(Some(&attributes_json(trace, attributes, v1))),
            ];
            values.row(cells);
        }
        values
    }

    const SPAN_COLUMNS: &str =
        "trace_id STRING, span_id STRING, parent_span_id STRING, name STRING, \
        kind STRING, start_time_unix_nano BIGINT, end_time_unix_nano BIGINT";
    const SPAN_SELECT: &str =
        "trace_id, span_id, nullif(parent, '\u{0}'), name, 'SPAN_KIND_INTERNAL', \
        unix_micros(ts) * 1000, (unix_micros(ts) + 500000) * 1000";

    /// The table-prefix layout (V2): `p_otel_spans` and `p_otel_annotations`.
    fn write_v2(db: &SparkDb) -> String {
        let spans = db.table("p_otel_spans");
        let annotations = db.table("p_otel_annotations");
        db.sql(&format!(
            "CREATE TABLE {spans} (record_id STRING, time TIMESTAMP, service_name STRING, {SPAN_COLUMNS}, \
             attributes VARIANT, status STRUCT<message: STRING, code: STRING>, date DATE) \
             USING parquet PARTITIONED BY (date)"
        ));
        spans_values(false).insert(
            db,
            &format!("INSERT INTO {spans} (record_id, time, service_name, trace_id, span_id, parent_span_id, name, kind, start_time_unix_nano, end_time_unix_nano, attributes, status, date)"),
            &format!("uuid(), ts, 'agent', {SPAN_SELECT}, parse_json(attrs), named_struct('message', '', 'code', 'STATUS_CODE_OK'), to_date(ts)"),
            "trace_id, span_id, parent, name, ts, attrs",
        );
        db.sql(&format!(
            "CREATE TABLE {annotations} (annotation_id STRING, target_type STRING, target_id STRING, \
             annotation_type STRING, name STRING, value VARIANT, comment STRING, metadata VARIANT, \
             created_at TIMESTAMP, created_by STRING, updated_at TIMESTAMP, updated_by STRING, \
             deleted_at TIMESTAMP, deleted_by STRING, _change_type STRING) USING parquet"
        ));
        let mut values = Values::new();
        for (trace, key, value, at, deleted) in TAGS {
            let cells = vec![
                values.param(Some(&format!("{trace}:{key}"))),
                values.param(Some(trace)),
                "'TAG'".to_string(),
                values.param(Some(key)),
                values.param(Some(&encoded(value))),
                format!("TIMESTAMP'{at}'"),
                (if *deleted {
                    format!("TIMESTAMP'{at}'")
                } else {
                    "CAST(NULL AS TIMESTAMP)".into()
                }),
            ];
            values.row(cells);
        }
        for (trace, user, session, at) in METADATA {
            let value = json!({ "client_request_id": trace, "trace_metadata": {
                "mlflow.trace.user": user, "mlflow.trace.session": session } });
            let cells = vec![
                values.param(Some(&format!("{trace}:metadata"))),
                values.param(Some(trace)),
                "'METADATA'".to_string(),
                "'metadata'".to_string(),
                values.param(Some(&value.to_string())),
                format!("TIMESTAMP'{at}'"),
                "CAST(NULL AS TIMESTAMP)".to_string(),
            ];
            values.row(cells);
        }
        values.insert(
            db,
            &format!("INSERT INTO {annotations} (annotation_id, target_type, target_id, annotation_type, name, value, created_at, updated_at, deleted_at)"),
            "id, 'TRACE', target, kind, name, parse_json(value), at, at, deleted",
            "id, target, kind, name, value, at, deleted",
        );
        spans
    }

    /// The schema layout (V1): `mlflow_experiment_trace_otel_spans` and `_logs`. Tag and
    /// metadata events carry their fields in `attributes` for some traces and in a JSON `body`
    /// for others, as the two Databricks sources disagree (docs/native-trace-storage.md §3).
    fn write_v1(db: &SparkDb) -> String {
        let spans = db.table("mlflow_experiment_trace_otel_spans");
        let logs = db.table("mlflow_experiment_trace_otel_logs");
        db.sql(&format!(
            "CREATE TABLE {spans} ({SPAN_COLUMNS}, attributes MAP<STRING, STRING>, \
             status STRUCT<message: STRING, code: STRING>) USING parquet"
        ));
        spans_values(true).insert(
            db,
            &format!("INSERT INTO {spans} (trace_id, span_id, parent_span_id, name, kind, start_time_unix_nano, end_time_unix_nano, attributes, status)"),
            &format!("{SPAN_SELECT}, from_json(attrs, 'map<string,string>'), named_struct('message', '', 'code', 'STATUS_CODE_OK')"),
            "trace_id, span_id, parent, name, ts, attrs",
        );
        db.sql(&format!(
            "CREATE TABLE {logs} (event_name STRING, trace_id STRING, span_id STRING, \
             time_unix_nano BIGINT, body STRING, attributes MAP<STRING, STRING>) USING parquet"
        ));
        let in_body = |trace: &str| trace == "t2" || trace == "t3";
        let mut values = Values::new();
        for (trace, key, value, at, deleted) in TAGS {
            let value = if ENCODED_IN_V1.contains(trace) {
                encoded(value)
            } else {
                value.to_string()
            };
            let deleted = deleted.to_string();
            let (body, attributes) = if in_body(trace) {
                (
                    json!({ "key": key, "value": value, "deleted": deleted }).to_string(),
                    json!({}),
                )
            } else {
                (
                    String::new(),
                    json!({ "key": key, "value": value, "deleted": deleted }),
                )
            };
            let cells = vec![
                "'genai.trace.tag'".to_string(),
                values.param(Some(trace)),
                format!("TIMESTAMP'{at}'"),
                values.param(Some(&body)),
                values.param(Some(&attributes.to_string())),
            ];
            values.row(cells);
        }
        for (trace, user, session, at) in METADATA {
            let metadata = json!({ "mlflow.trace.user": user, "mlflow.trace.session": session });
            let (body, attributes) = if in_body(trace) {
                (json!({ "trace_metadata": metadata }).to_string(), json!({}))
            } else {
                (
                    String::new(),
                    json!({ "trace_metadata": metadata.to_string() }),
                )
            };
            let cells = vec![
                "'genai.trace.metadata'".to_string(),
                values.param(Some(trace)),
                format!("TIMESTAMP'{at}'"),
                values.param(Some(&body)),
                values.param(Some(&attributes.to_string())),
            ];
            values.row(cells);
        }
        values.insert(
            db,
            &format!("INSERT INTO {logs} (event_name, trace_id, span_id, time_unix_nano, body, attributes)"),
            "event, trace_id, '', unix_micros(at) * 1000, nullif(body, ''), from_json(attrs, 'map<string,string>')",
            "event, trace_id, at, body, attrs",
        );
        spans
    }

    fn spans_of(rows: &[Value]) -> Vec<String> {
        rows.iter()
            .map(|r| {
                format!(
                    "{}/{}",
                    r["trace_id"].as_str().unwrap_or("?"),
                    r["span_name"].as_str().unwrap_or("?")
                )
            })
            .collect()
    }

    /// Every case on one layout; the layout is told from the table's columns.
    fn every_case(db: &SparkDb, spans: &str) {
        let mut failures = Vec::new();
        for (args, expected) in CASES {
            let mut full = vec!["query", "--table", spans];
            full.extend_from_slice(args);
            let got = spans_of(&db.query_json(&full));
            if got != *expected {
                failures.push(format!(
                    "{args:?}\n    expected {expected:?}\n    got      {got:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "{spans}:\n{}", failures.join("\n"));
    }

    #[test]
    #[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
    fn v2_table_prefix_layout_every_filter() {
        let db = SparkDb::new("native_v2");
        let spans = write_v2(&db);
        every_case(&db, &spans);
    }

    #[test]
    #[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
    fn v1_schema_layout_every_filter_plain_and_encoded() {
        let db = SparkDb::new("native_v1");
        let spans = write_v1(&db);
        every_case(&db, &spans);
    }

    /// The output columns are the same on both layouts, `span_type` decoded on V1; `--columns`
    /// picks the extra ones.
    #[test]
    #[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
    fn both_layouts_give_the_same_columns_and_values() {
        let db = SparkDb::new("native_columns");
        let v2 = write_v2(&db);
        let v1 = write_v1(&db);
        let args = |table: &str| {
            db.query_json(&[
                "query",
                "--table",
                table,
                "--user",
                "u2",
                "--span-type",
                "LLM",
            ])
        };
        let (rows_v2, rows_v1) = (args(&v2), args(&v1));
        assert_eq!(rows_v2, rows_v1);
        assert_eq!(
            rows_v2,
            vec![
                json!({"trace_id": "t2", "span_name": "chat", "span_type": "LLM",
                "start_time": "2026-11-30T09:00:01.000Z", "end_time": "2026-11-30T09:00:01.500Z",
                "inputs": null, "outputs": null})
            ]
        );
        for table in [&v2, &v1] {
            let rows = db.query_json(&[
                "query",
                "--table",
                table,
                "--name",
                "agent",
                "--user",
                "u1",
                "--since",
                "2026-11-30T00:00:00Z",
                "--columns",
                "trace_id,span_id,parent_span_id,status_code,inputs",
            ]);
            assert_eq!(
                rows,
                vec![
                    json!({"trace_id": "t1", "span_id": "t1a", "parent_span_id": "",
                    "status_code": "STATUS_CODE_OK", "inputs": "{\"q\":\"hi\"}"})
                ],
                "{table}"
            );
        }
    }

    /// Raw SQL against the native tables: `IDENTIFIER(:table)` is the spans table, and typed
    /// parameters bind as the Statement Execution API binds them.
    #[test]
    #[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
    fn raw_sql_on_the_spans_table_with_typed_parameters() {
        let db = SparkDb::new("native_raw");
        let spans = write_v2(&db);
        let rows = db.query_json(&[
            "query",
            "--table",
            &spans,
            "--layout",
            "otel-v2",
            "--sql",
            "SELECT trace_id, count(*) AS spans FROM IDENTIFIER(:table) \
             WHERE time >= :since AND attributes:['mlflow.spanType']::string = :kind \
             GROUP BY trace_id HAVING count(*) >= :n ORDER BY trace_id",
            "--param",
            "since:TIMESTAMP=2026-11-30T00:00:00Z",
            "--param",
            "kind=LLM",
            "--param",
            "n:INT=1",
        ]);
        assert_eq!(
            rows,
            vec![
                json!({"trace_id": "t1", "spans": 1}),
                json!({"trace_id": "t2", "spans": 1}),
                json!({"trace_id": "t4", "spans": 1}),
                json!({"trace_id": "t5", "spans": 1}),
                json!({"trace_id": "t7", "spans": 1}),
            ]
        );
    }

    /// The traces of [`SPANS`] as `traces` should list them: (id, span count, first start,
    /// root span name), newest first.
    fn expected_traces() -> Vec<(String, usize, String, String)> {
        let mut traces: Vec<(String, usize, String, String)> = Vec::new();
        for (trace, _, parent, name, start, _) in SPANS {
            match traces.iter_mut().find(|t| t.0 == *trace) {
                Some(t) => {
                    t.1 += 1;
                    if *start < t.2.as_str() {
                        t.2 = start.to_string();
                    }
                    if parent.is_none() {
                        t.3 = name.to_string();
                    }
                }
                None => traces.push((
                    trace.to_string(),
                    1,
                    start.to_string(),
                    if parent.is_none() {
                        name.to_string()
                    } else {
                        String::new()
                    },
                )),
            }
        }
        traces.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        traces
    }

    fn traces_and_trace(db: &SparkDb, spans: &str) {
        let listed = db.query_json(&["traces", "--table", spans, "--limit", "100"]);
        let got: Vec<(String, usize, String, String)> = listed
            .iter()
            .map(|t| {
                (
                    t["trace_id"].as_str().unwrap().to_string(),
                    t["span_count"].as_u64().unwrap() as usize,
                    t["start_time"].as_str().unwrap().replace('T', " ")[..19].to_string(),
                    t["root_span_name"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        assert_eq!(got, expected_traces(), "{listed:?}");
        for t in &listed {
            // Every span lasts 500 ms; the spans table says every one is OK.
            assert_eq!(t["status"], "OK", "{t}");
            assert!(t["duration_ms"].as_f64().unwrap() >= 500.0, "{t}");
        }
        // What `show` runs for a native location: the newest trace since a time, one row.
        let newest = db.query_json(&[
            "traces",
            "--table",
            spans,
            "--since",
            "2000-01-01T00:00:00Z",
            "--limit",
            "1",
        ]);
        assert_eq!(newest.len(), 1, "{newest:?}");
        assert_eq!(newest[0]["trace_id"], expected_traces()[0].0.as_str());
        let t1 = listed.iter().find(|t| t["trace_id"] == "t1").unwrap();
        assert_eq!(t1["user"], "u1", "{t1}");
        // The trace selection of `query`, on whole traces.
        let by_user = db.query_json(&["traces", "--table", spans, "--user", "u1"]);
        assert!(by_user.iter().any(|t| t["trace_id"] == "t1"), "{by_user:?}");
        assert!(
            by_user
                .iter()
                .all(|t| t["user"] == "u1" || t["user"].is_null()),
            "{by_user:?}"
        );

        // One trace: the tree its parent ids make.
        let (stdout, _) = db.tracecfg(&["trace", "--table", spans, "t1"], 0);
        let tree: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(tree["tree"], true);
        let count = SPANS.iter().filter(|s| s.0 == "t1").count();
        assert_eq!(tree["span_count"], count);
        fn nodes(n: &Value) -> usize {
            1 + n["children"]
                .as_array()
                .unwrap()
                .iter()
                .map(nodes)
                .sum::<usize>()
        }
        let roots = tree["spans"].as_array().unwrap();
        assert_eq!(roots.len(), 1, "{tree}");
        assert_eq!(nodes(&roots[0]), count, "every span in the tree: {tree}");
        let children: Vec<&str> = SPANS
            .iter()
            .filter(|s| s.0 == "t1" && s.2 == Some(roots[0]["span_id"].as_str().unwrap()))
            .map(|s| s.3)
            .collect();
        let got: Vec<&str> = roots[0]["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(got.len(), children.len(), "{tree}");
        db.tracecfg(&["trace", "--table", spans, "no-such-trace"], 3);
    }

    #[test]
    #[ignore = "needs the local Spark SQL warehouse: run scripts/test"]
    fn traces_and_trace_statements_on_both_native_layouts() {
        let db = SparkDb::new("traces_native");
        let v2 = write_v2(&db);
        traces_and_trace(&db, &v2);
        let v1 = write_v1(&db);
        traces_and_trace(&db, &v1);
    }
}
