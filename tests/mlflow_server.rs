//! End-to-end tests of `set`, `show` and `unset` against a real open-source MLflow server.
//!
//! `scripts/test` installs MLflow 3.17.2 into `.venv-mlflow/`, starts `mlflow server` on a free
//! loopback port with a fresh SQLite store and exports its URL as `TRACECFG_MLFLOW_URL`. Without
//! that variable every test here fails (it does not skip): a green run must mean these ran.
//!
//! Each test runs tracecfg in a hermetic environment (cleared environment, an empty temporary
//! HOME and working directory, `DATABRICKS_HOST` = the server, any token: the open-source server
//! ignores it) and works on its own experiment, since tests run in parallel against one server.
//! Results are checked in tracecfg's output and, independently, through raw REST calls made
//! with the tiny HTTP/1.1 client below (no HTTP library, nothing beyond std and serde_json).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};

const TAG_CATALOG: &str = "mlflow.tracing.destination.catalog";
const TAG_SCHEMA: &str = "mlflow.tracing.destination.schema";
const TAG_TABLE: &str = "mlflow.tracing.destination.table";

/// The server `scripts/test` started; panics (fails the test) when there is none.
fn server_url() -> String {
    match std::env::var("TRACECFG_MLFLOW_URL") {
        Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_string(),
        _ => panic!(
            "TRACECFG_MLFLOW_URL is not set: these end-to-end tests need a local MLflow server; \
             run scripts/test, which installs and starts the MLflow server (instead of plain cargo test)"
        ),
    }
}

/// One test's world: the server, a private HOME/working directory, and a unique experiment path.
struct Fixture {
    url: String,
    dir: tempfile::TempDir,
    experiment: String,
}

impl Fixture {
    fn new(test_name: &str) -> Self {
        let url = server_url();
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let suffix = format!("{:08x}", fastrand::u32(..));
        Fixture {
            url,
            dir,
            experiment: format!("/Shared/tracecfg-e2e/{test_name}-{suffix}"),
        }
    }

    /// tracecfg with nothing from the developer's environment or home directory.
    fn tracecfg(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tracecfg"));
        cmd.env_clear()
            .env("HOME", self.dir.path())
            .env("DATABRICKS_HOST", &self.url)
            .env(
                "DATABRICKS_TOKEN",
                "e2e-token-ignored-by-open-source-mlflow",
            )
            .current_dir(self.dir.path())
            .timeout(Duration::from_secs(60));
        cmd
    }

    /// Runs tracecfg with `args`, expecting `code`; returns stdout.
    fn run(&self, args: &[&str], code: i32) -> String {
        let output = self.tracecfg().args(args).output().expect("run tracecfg");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(code),
            "tracecfg {args:?} exited with {:?}, expected {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            output.status
        );
        stdout
    }

    /// Runs tracecfg with `args` and `-o json`, expecting `code`; returns the parsed report.
    fn run_json(&self, args: &[&str], code: i32) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let stdout = self.run(&all, code);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("tracecfg {all:?} printed no JSON ({e}):\n{stdout}"))
    }

    /// Runs tracecfg expecting failure with `code`; returns stderr.
    fn run_err(&self, args: &[&str], code: i32) -> String {
        let output = self.tracecfg().args(args).output().expect("run tracecfg");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(code),
            "tracecfg {args:?} exited with {:?}, expected {code}\n--- stdout\n{}\n--- stderr\n{stderr}",
            output.status,
            String::from_utf8_lossy(&output.stdout)
        );
        stderr
    }

    /// `set --create` with the given destination; returns the JSON report.
    fn create(&self, catalog: &str, schema: &str, table: &str) -> Value {
        self.run_json(
            &[
                "set",
                "--experiment",
                &self.experiment,
                "--catalog",
                catalog,
                "--schema",
                schema,
                "--table",
                table,
                "--create",
            ],
            0,
        )
    }

    /// The experiment as the server returns it, straight from the REST API.
    fn rest_experiment(&self) -> Option<Value> {
        rest_get_by_name(&self.url, &self.experiment)
    }

    /// The experiment's tags, straight from the REST API.
    fn rest_tags(&self) -> Vec<(String, String)> {
        let experiment = self
            .rest_experiment()
            .unwrap_or_else(|| panic!("{} does not exist on the server", self.experiment));
        tags_of(&experiment)
    }
}

fn tags_of(experiment: &Value) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = experiment["tags"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    (
                        t["key"].as_str().unwrap_or_default().to_string(),
                        t["value"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    tags.sort();
    tags
}

fn tag<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn actions(report: &Value) -> Vec<String> {
    report["changes"]
        .as_array()
        .expect("report has changes")
        .iter()
        .map(|c| c["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client over std::net::TcpStream, for independent checks and setup.

/// Sends one request and returns status and body (decoded as JSON, or a JSON string of the
/// raw text when the body is not JSON).
fn http(url: &str, method: &str, path_and_query: &str, body: Option<&Value>) -> (u16, Value) {
    let authority = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("TRACECFG_MLFLOW_URL must be http://HOST:PORT, got {url}"));
    let mut stream = TcpStream::connect(authority)
        .unwrap_or_else(|e| panic!("cannot connect to the MLflow server at {url}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = format!(
        "{method} {path_and_query} HTTP/1.1\r\nHost: {authority}\r\nAccept: application/json\r\nConnection: close\r\n"
    );
    if body.is_some() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", payload.len()));
    request.push_str(&payload);
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();

    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response with a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line in: {head}"));
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn rest_get_by_name(url: &str, name: &str) -> Option<Value> {
    let (status, body) = http(
        url,
        "GET",
        &format!(
            "/api/2.0/mlflow/experiments/get-by-name?experiment_name={}",
            encode(name)
        ),
        None,
    );
    match status {
        200 => Some(body["experiment"].clone()),
        404 if body["error_code"] == "RESOURCE_DOES_NOT_EXIST" => None,
        _ => panic!("GET get-by-name {name}: HTTP {status}: {body}"),
    }
}

fn rest_post(url: &str, endpoint: &str, body: Value) -> Value {
    let (status, answer) = http(
        url,
        "POST",
        &format!("/api/2.0/mlflow/{endpoint}"),
        Some(&body),
    );
    assert_eq!(
        status, 200,
        "POST {endpoint} {body}: HTTP {status}: {answer}"
    );
    answer
}

// ---------------------------------------------------------------------------------------------

#[test]
fn set_create_then_show_reads_back_names_that_need_quoting() {
    let f = Fixture::new("set_create_show");
    assert!(f.rest_experiment().is_none());

    let report = f.create("main", "agent-evals", "tränen");
    assert_eq!(report["created"], true, "{report}");
    assert_eq!(report["experiment_name"], f.experiment.as_str());
    assert_eq!(actions(&report), ["set", "set", "set"]);
    assert_eq!(
        report["destination"]["full_name"],
        "main.`agent-evals`.`tränen`"
    );

    // Independently of tracecfg: the server holds exactly these values, byte for byte.
    let experiment = f.rest_experiment().expect("the experiment was created");
    assert_eq!(experiment["lifecycle_stage"], "active");
    assert_eq!(
        experiment["experiment_id"], report["experiment_id"],
        "set reported the id the server gave"
    );
    let tags = tags_of(&experiment);
    assert_eq!(tag(&tags, TAG_CATALOG), Some("main"));
    assert_eq!(tag(&tags, TAG_SCHEMA), Some("agent-evals"));
    assert_eq!(tag(&tags, TAG_TABLE), Some("tränen"));

    let show = f.run_json(&["show", "--experiment", &f.experiment], 0);
    assert_eq!(show["experiment_id"], experiment["experiment_id"]);
    assert_eq!(show["experiment_name"], f.experiment.as_str());
    assert_eq!(show["lifecycle_stage"], "active");
    let d = &show["destination"];
    assert_eq!(d["catalog"], "main");
    assert_eq!(d["schema"], "agent-evals");
    assert_eq!(d["table"], "tränen");
    assert_eq!(d["full_name"], "main.`agent-evals`.`tränen`");
    assert_eq!(d["status"], "configured");
    assert_eq!(d["missing_tags"], json!([]));
    // An open-source server has no native Unity Catalog trace location.
    assert_eq!(show["native"], Value::Null);
    assert_eq!(show["verdict"], "tags_only");

    // The text form shows the same names, quoted where SQL needs it.
    let text = f.run(&["show", "--experiment", &f.experiment], 0);
    assert!(text.contains("main.`agent-evals`.`tränen`"), "{text}");
}

#[test]
fn non_ascii_and_hyphenated_names_in_every_part_round_trip() {
    let f = Fixture::new("non_ascii_all_parts");
    f.create("kälte-katalog", "schéma_1", "tränen-2024");
    let tags = f.rest_tags();
    assert_eq!(tag(&tags, TAG_CATALOG), Some("kälte-katalog"));
    assert_eq!(tag(&tags, TAG_SCHEMA), Some("schéma_1"));
    assert_eq!(tag(&tags, TAG_TABLE), Some("tränen-2024"));
    let show = f.run_json(&["show", "-e", &f.experiment], 0);
    assert_eq!(
        show["destination"]["full_name"],
        "`kälte-katalog`.`schéma_1`.`tränen-2024`"
    );
}

#[test]
fn second_identical_set_changes_nothing() {
    let f = Fixture::new("second_set_unchanged");
    let first = f.create("main", "agents", "traces");
    let before = f.rest_tags();

    let args = [
        "set",
        "-e",
        &f.experiment,
        "--catalog",
        "main",
        "--schema",
        "agents",
        "--table",
        "traces",
    ];
    let second = f.run_json(&args, 0);
    assert_eq!(second["created"], false);
    assert_eq!(second["experiment_id"], first["experiment_id"]);
    assert_eq!(actions(&second), ["unchanged", "unchanged", "unchanged"]);
    for change in second["changes"].as_array().unwrap() {
        assert_eq!(change["old"], change["new"], "{change}");
    }
    let text = f.run(&args, 0);
    assert!(text.contains("nothing to change"), "{text}");
    assert_eq!(f.rest_tags(), before);
}

#[test]
fn set_changes_only_the_tags_that_differ() {
    let f = Fixture::new("set_changes_some");
    f.create("main", "agents", "traces");
    let report = f.run_json(
        &[
            "set",
            "-e",
            &f.experiment,
            "--catalog",
            "main",
            "--schema",
            "agents_v2",
            "--table",
            "traces",
        ],
        0,
    );
    assert_eq!(actions(&report), ["unchanged", "changed", "unchanged"]);
    assert_eq!(report["changes"][1]["old"], "agents");
    assert_eq!(report["changes"][1]["new"], "agents_v2");
    let tags = f.rest_tags();
    assert_eq!(tag(&tags, TAG_SCHEMA), Some("agents_v2"));
    assert_eq!(tag(&tags, TAG_CATALOG), Some("main"));
    assert_eq!(tag(&tags, TAG_TABLE), Some("traces"));
}

#[test]
fn check_exits_5_on_drift_and_0_in_sync_and_writes_nothing() {
    let f = Fixture::new("check_drift");
    f.create("main", "agents", "traces");
    let before = f.rest_tags();
    let base = ["set", "--check", "-e", &f.experiment, "--catalog", "main"];

    let in_sync = f.run_json(
        &[&base[..], &["--schema", "agents", "--table", "traces"]].concat(),
        0,
    );
    assert_eq!(in_sync["check"], true);
    assert_eq!(actions(&in_sync), ["unchanged", "unchanged", "unchanged"]);

    let drift = f.run_json(
        &[&base[..], &["--schema", "elsewhere", "--table", "traces"]].concat(),
        5,
    );
    assert_eq!(actions(&drift), ["unchanged", "changed", "unchanged"]);
    let text = f.run(&[&base[..], &["--schema", "elsewhere"]].concat(), 5);
    assert!(text.contains("drift"), "{text}");

    assert_eq!(f.rest_tags(), before, "--check must write nothing");
}

#[test]
fn check_with_create_on_a_missing_experiment_is_drift_and_creates_nothing() {
    let f = Fixture::new("check_create_missing");
    let report = f.run_json(
        &[
            "set",
            "--check",
            "--create",
            "-e",
            &f.experiment,
            "--catalog",
            "main",
            "--schema",
            "agents",
        ],
        5,
    );
    assert_eq!(report["created"], true);
    assert_eq!(report["experiment_id"], Value::Null);
    assert!(f.rest_experiment().is_none(), "--check must create nothing");
}

#[test]
fn set_without_create_on_a_missing_experiment_exits_3() {
    let f = Fixture::new("missing_no_create");
    let stderr = f.run_err(
        &[
            "set",
            "-e",
            &f.experiment,
            "--catalog",
            "main",
            "--schema",
            "agents",
        ],
        3,
    );
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(stderr.contains("--create"), "{stderr}");
    assert!(f.rest_experiment().is_none());
    f.run_err(&["show", "-e", &f.experiment], 3);
}

#[test]
fn unset_removes_only_the_destination_tags_and_a_second_unset_is_a_no_op() {
    let f = Fixture::new("unset");
    let created = f.create("main", "agents", "tränen");
    let id = created["experiment_id"].as_str().unwrap().to_string();
    rest_post(
        &f.url,
        "experiments/set-experiment-tag",
        json!({"experiment_id": id, "key": "team", "value": "evals"}),
    );

    let report = f.run_json(&["unset", "-e", &f.experiment], 0);
    assert_eq!(actions(&report), ["removed", "removed", "removed"]);
    assert_eq!(report["changes"][2]["old"], "tränen");
    let tags = f.rest_tags();
    assert_eq!(tag(&tags, TAG_CATALOG), None, "{tags:?}");
    assert_eq!(tag(&tags, TAG_SCHEMA), None, "{tags:?}");
    assert_eq!(tag(&tags, TAG_TABLE), None, "{tags:?}");
    assert_eq!(tag(&tags, "team"), Some("evals"), "other tags stay");

    let again = f.run_json(&["unset", "-e", &f.experiment], 0);
    assert_eq!(actions(&again), ["unchanged", "unchanged", "unchanged"]);
    let text = f.run(&["unset", "-e", &f.experiment], 0);
    assert!(text.contains("nothing to remove"), "{text}");
    assert_eq!(f.rest_tags(), tags);

    let show = f.run_json(&["show", "-e", &f.experiment], 0);
    assert_eq!(show["destination"]["status"], "not_configured");
    assert_eq!(show["destination"]["full_name"], Value::Null);
}

#[test]
fn unset_dry_run_removes_nothing() {
    let f = Fixture::new("unset_dry_run");
    f.create("main", "agents", "traces");
    let before = f.rest_tags();
    let report = f.run_json(&["unset", "--dry-run", "-e", &f.experiment], 0);
    assert_eq!(report["dry_run"], true);
    assert_eq!(actions(&report), ["removed", "removed", "removed"]);
    assert_eq!(f.rest_tags(), before);
}

#[test]
fn workspace_prefixed_path_resolves_to_the_shared_experiment() {
    let f = Fixture::new("workspace_prefix");
    assert!(f.experiment.starts_with("/Shared/"));
    // Created through the REST API, so tracecfg's own create plays no part.
    let created = rest_post(&f.url, "experiments/create", json!({"name": f.experiment}));
    let id = created["experiment_id"].as_str().unwrap().to_string();
    let prefixed = format!("/Workspace{}", f.experiment);

    let report = f.run_json(
        &[
            "set",
            "--experiment",
            &prefixed,
            "--catalog",
            "main",
            "--schema",
            "agents",
        ],
        0,
    );
    assert_eq!(report["created"], false, "{report}");
    assert_eq!(report["experiment_id"], id.as_str());
    assert_eq!(report["experiment_name"], f.experiment.as_str());
    let tags = f.rest_tags();
    assert_eq!(tag(&tags, TAG_CATALOG), Some("main"));
    assert_eq!(
        tag(&tags, TAG_TABLE),
        Some("agent_traces"),
        "the default table"
    );
    assert!(
        rest_get_by_name(&f.url, &prefixed).is_none(),
        "no experiment named {prefixed} may appear"
    );

    let show = f.run_json(&["show", "--experiment", &format!("{prefixed}/")], 0);
    assert_eq!(show["experiment_id"], id.as_str());

    // --create with the prefix must find the same experiment, not make a second one.
    let again = f.run_json(
        &[
            "set",
            "-e",
            &prefixed,
            "--catalog",
            "main",
            "--schema",
            "agents",
            "--create",
        ],
        0,
    );
    assert_eq!(again["created"], false);
    assert_eq!(again["experiment_id"], id.as_str());
}

#[test]
fn experiment_id_selects_the_same_experiment() {
    let f = Fixture::new("by_id");
    let created = f.create("main", "agents", "traces");
    let id = created["experiment_id"].as_str().unwrap().to_string();
    let show = f.run_json(&["show", "--experiment-id", &id], 0);
    assert_eq!(show["experiment_name"], f.experiment.as_str());
    assert_eq!(show["destination"]["schema"], "agents");
}

#[test]
fn deleted_experiment_is_refused_with_exit_3() {
    let f = Fixture::new("deleted");
    let created = f.create("main", "agents", "traces");
    let id = created["experiment_id"].as_str().unwrap().to_string();
    rest_post(&f.url, "experiments/delete", json!({"experiment_id": id}));
    let experiment = f
        .rest_experiment()
        .expect("a deleted experiment is still found by name");
    assert_eq!(experiment["lifecycle_stage"], "deleted");

    let set = [
        "set",
        "-e",
        &f.experiment,
        "--catalog",
        "main",
        "--schema",
        "other",
    ];
    let stderr = f.run_err(&set, 3);
    assert!(stderr.contains("is deleted"), "{stderr}");
    assert!(stderr.contains("restore"), "{stderr}");
    // --create must not try to make a second experiment with the same name.
    let stderr = f.run_err(&[&set[..], &["--create"]].concat(), 3);
    assert!(stderr.contains("is deleted"), "{stderr}");
    f.run_err(&["unset", "-e", &f.experiment], 3);

    let tags = f.rest_tags();
    assert_eq!(
        tag(&tags, TAG_SCHEMA),
        Some("agents"),
        "nothing was written"
    );

    // show still reports it, with a warning.
    let show = f.run_json(&["show", "-e", &f.experiment], 0);
    assert_eq!(show["lifecycle_stage"], "deleted");
    assert!(
        show["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap_or_default().contains("deleted")),
        "{show}"
    );
}
