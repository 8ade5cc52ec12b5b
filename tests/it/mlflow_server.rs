//! End-to-end tests of `set`, `show` and `unset` against a real open-source MLflow server.
//!
//! `scripts/test` installs MLflow 3.17.2 into `.venv-mlflow/`, starts `mlflow server` on a free
//! loopback port with a fresh SQLite store, exports its URL as `TRACECFG_MLFLOW_URL` and runs
//! the ignored tests too. So plain `cargo test` lists these as ignored, with the reason; run
//! with `--include-ignored` and without that variable, each of them fails (it does not skip):
//! a green `scripts/test` run means these ran.
//!
//! Each test runs tracecfg in a hermetic environment (see `crate::cli`; `DATABRICKS_HOST` = the
//! server, any token: the open-source server ignores it) and works on its own experiment, since
//! tests run in parallel against one server. Results are checked in tracecfg's output and,
//! independently, through REST calls of the server's API made with reqwest.

use serde_json::{json, Value};

use crate::cli::{run, tracecfg_bare};
use crate::fake::{TAG_CATALOG, TAG_SCHEMA, TAG_TABLE};
use crate::shared::tag_pairs;

/// The server `scripts/test` started; panics (fails the test) when there is none.
pub(crate) fn server_url() -> String {
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

    /// Runs tracecfg (nothing from the developer's environment or home directory) with `args`,
    /// expecting `code`; returns stdout and stderr.
    fn run_expecting(&self, args: &[&str], code: i32) -> (String, String) {
        let r = run(tracecfg_bare(self.dir.path())
            .env("DATABRICKS_HOST", &self.url)
            .env(
                "DATABRICKS_TOKEN",
                "e2e-token-ignored-by-open-source-mlflow",
            )
            .args(args));
        assert_eq!(
            r.code, code,
            "tracecfg {args:?}, expected exit code {code}\n{r}"
        );
        (r.stdout, r.stderr)
    }

    /// Runs tracecfg with `args`, expecting `code`; returns stdout.
    fn run(&self, args: &[&str], code: i32) -> String {
        self.run_expecting(args, code).0
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
        self.run_expecting(args, code).1
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
        tag_pairs(&experiment["tags"])
    }
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
// The server's REST API through reqwest, for independent checks and setup.

/// Sends one request to `url` + `path` and returns status and body (decoded as JSON, or a JSON
/// string of the raw text when the body is not JSON).
fn http(
    url: &str,
    request: impl FnOnce(&reqwest::Client, String) -> reqwest::RequestBuilder,
    path: &str,
) -> (u16, Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("HTTP client");
        let response = request(&client, format!("{url}{path}"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap_or_else(|e| panic!("cannot reach the MLflow server at {url}: {e}"));
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .unwrap_or_else(|e| panic!("{path}: cannot read the answer: {e}"));
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    })
}

fn rest_get_by_name(url: &str, name: &str) -> Option<Value> {
    let (status, body) = http(
        url,
        |c, u| c.get(u).query(&[("experiment_name", name)]),
        "/api/2.0/mlflow/experiments/get-by-name",
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
        |c, u| c.post(u).json(&body),
        &format!("/api/2.0/mlflow/{endpoint}"),
    );
    assert_eq!(
        status, 200,
        "POST {endpoint} {body}: HTTP {status}: {answer}"
    );
    answer
}

// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
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
    let tags = tag_pairs(&experiment["tags"]);
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
#[ignore = "needs a local MLflow server: run scripts/test"]
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
#[ignore = "needs a local MLflow server: run scripts/test"]
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
#[ignore = "needs a local MLflow server: run scripts/test"]
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
#[ignore = "needs a local MLflow server: run scripts/test"]
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
#[ignore = "needs a local MLflow server: run scripts/test"]
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
#[ignore = "needs a local MLflow server: run scripts/test"]
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
#[ignore = "needs a local MLflow server: run scripts/test"]
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
#[ignore = "needs a local MLflow server: run scripts/test"]
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
#[ignore = "needs a local MLflow server: run scripts/test"]
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
#[ignore = "needs a local MLflow server: run scripts/test"]
fn experiment_id_selects_the_same_experiment() {
    let f = Fixture::new("by_id");
    let created = f.create("main", "agents", "traces");
    let id = created["experiment_id"].as_str().unwrap().to_string();
    let show = f.run_json(&["show", "--experiment-id", &id], 0);
    assert_eq!(show["experiment_name"], f.experiment.as_str());
    assert_eq!(show["destination"]["schema"], "agents");
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
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
