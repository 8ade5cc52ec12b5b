//! End-to-end tests of `tracecfg query` on a real SQL engine: Apache Spark 4.3 (PySpark),
//! behind scripts/spark_warehouse.py, a local server that speaks the part of the Statement
//! Execution API (and of the Unity Catalog tables API) that tracecfg uses.
//!
//! `scripts/test` installs pyspark 4.3.0 into `.venv-spark/`, starts the server on a free
//! loopback port and exports its URL as `TRACECFG_SPARK_URL`. Without that variable every test
//! here fails (it does not skip): a green run must mean these ran. See docs/real-sql-engine.md.
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
struct SparkDb {
    url: String,
    name: String,
    home: tempfile::TempDir,
}

impl SparkDb {
    fn new(test_name: &str) -> Self {
        let db = SparkDb {
            url: spark_url(),
            name: format!("{test_name}_{:08x}", fastrand::u32(..)),
            home: tempfile::tempdir().expect("create a temporary directory"),
        };
        db.sql(&format!("CREATE DATABASE spark_catalog.`{}`", db.name));
        db
    }

    /// `spark_catalog.<db>.<table>`, as `--table` takes it.
    fn table(&self, table: &str) -> String {
        format!("spark_catalog.{}.{table}", self.name)
    }

    /// Runs one statement on the server; panics unless it SUCCEEDED. Returns its rows.
    fn sql(&self, statement: &str) -> Rows {
        let answer = self.execute(statement, json!([]));
        assert_eq!(
            answer["status"]["state"], "SUCCEEDED",
            "setup statement failed: {statement}\n{answer:#}"
        );
        serde_json::from_value(answer["result"]["data_array"].clone())
            .expect("data_array is an array of rows of strings or nulls")
    }

    /// POST /api/2.0/sql/statements as tracecfg sends it; returns the StatementResponse.
    fn execute(&self, statement: &str, parameters: Value) -> Value {
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
    fn tracecfg(&self, args: &[&str], code: i32) -> (String, String) {
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
    fn query_json(&self, args: &[&str]) -> Vec<Value> {
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

// ------------------------------------------------------------------------------------- tests

/// The tests sit in a module named like the file, so `scripts/test spark_engine` (a name filter
/// for `cargo test`) selects them.
mod spark_engine {
    use super::*;

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

    #[test]
    fn otel_layout_query_runs_on_variant_attributes() {
        let db = SparkDb::new("otel_layout");
        let table = db.table("agent_traces_otel_spans");
        db.sql(&format!(
            "CREATE TABLE {table} (trace_id STRING, span_id STRING, parent_span_id STRING, name STRING, \
             kind STRING, start_time_unix_nano BIGINT, end_time_unix_nano BIGINT, attributes VARIANT, \
             date DATE) USING parquet PARTITIONED BY (date)"
        ));
        // 2026-11-30T10:00:00Z is 1796032800 s after the epoch. The user id sits on the root span only.
        db.sql(&format!(
            "INSERT INTO {table} (trace_id, span_id, parent_span_id, name, kind, start_time_unix_nano, \
             end_time_unix_nano, attributes, date) VALUES \
             ('t1', 'a1', NULL, 'agent', 'SPAN_KIND_INTERNAL', 1796032800000000000, 1796032805000000000, \
              parse_json('{{\"user.id\":\"u1\",\"mlflow.spanType\":\"\\\\\"CHAIN\\\\\"\",\"mlflow.spanInputs\":{{\"q\":\"hi\"}},\"n\":3}}'), DATE'2026-11-30'), \
             ('t1', 'b1', 'a1', 'llm', 'SPAN_KIND_CLIENT', 1796032801000000000, 1796032802123456000, \
              parse_json('{{\"mlflow.spanType\":\"\\\\\"LLM\\\\\"\",\"mlflow.spanOutputs\":\"ok\"}}'), DATE'2026-11-30'), \
             ('t2', 'a2', NULL, 'agent', 'SPAN_KIND_INTERNAL', 1796032900000000000, 1796032901000000000, \
              parse_json('{{\"user.id\":\"u2\"}}'), DATE'2026-11-30')"
        ));

        let rows = db.query_json(&[
            "query", "--table", &table, "--layout", "otel", "--user", "u1",
        ]);
        assert_eq!(
            rows,
            vec![
                json!({"trace_id": "t1", "span_name": "llm", "span_type": "LLM",
                       "start_time": "2026-11-30T10:00:01.000Z", "end_time": "2026-11-30T10:00:02.123456Z",
                       "inputs": null, "outputs": "ok"}),
                json!({"trace_id": "t1", "span_name": "agent", "span_type": "CHAIN",
                       "start_time": "2026-11-30T10:00:00.000Z", "end_time": "2026-11-30T10:00:05.000Z",
                       "inputs": "{\"q\":\"hi\"}", "outputs": null}),
            ]
        );
    }
}
