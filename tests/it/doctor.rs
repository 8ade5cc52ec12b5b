//! `tracecfg doctor` against the fake workspace: for each check a passing and a failing setup,
//! the exit code of the first failure, where the checks stop, and the JSON shape.

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;
use serde_json::Value;

/// Every check, in the order doctor runs them.
const ALL_CHECKS: [&str; 11] = [
    "configuration",
    "host",
    "credential",
    "experiment",
    "destination tags",
    "trace routing",
    "trace store",
    "unity catalog",
    "native tables",
    "warehouse",
    "query",
];

/// A workspace where every check passes: the experiment is tagged and linked to the same
/// place, catalog and schema exist, the default warehouse runs and `SELECT 1` answers 1.
/// Returns the experiment id.
fn healthy(ws: &FakeWorkspace) -> String {
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.link_trace_location(&id, "main", "agents", "agent_traces");
    ws.add_native_tables("main", "agents", "agent_traces");
    add_ready_warehouse(ws);
    id
}

struct Check {
    name: String,
    status: String,
    detail: String,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.name, self.detail)
    }
}

struct Doctor {
    run: Run,
    checks: Vec<Check>,
}

impl Doctor {
    fn names(&self) -> Vec<&str> {
        self.checks.iter().map(|c| c.name.as_str()).collect()
    }

    fn check(&self, name: &str) -> &Check {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check: {:?}\n{}", self.checks, self.run))
    }

    fn status(&self, name: &str) -> &str {
        &self.check(name).status
    }
}

/// Runs `doctor ARGS -o json` and checks the shape: an array of exactly {name, status, detail}.
fn doctor(cmd: &mut assert_cmd::Command, args: &[&str]) -> Doctor {
    let run = run(cmd.arg("doctor").args(args).args(["-o", "json"]));
    let v = run.json();
    let checks = v
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {run}"))
        .iter()
        .map(|c| {
            let object = c.as_object().expect("each check is an object");
            let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["detail", "name", "status"], "{c}");
            let text = |k: &str| c[k].as_str().expect("string fields").to_string();
            let status = text("status");
            assert!(["ok", "warn", "fail"].contains(&status.as_str()), "{c}");
            Check {
                name: text("name"),
                status,
                detail: text("detail"),
            }
        })
        .collect();
    Doctor { run, checks }
}

#[test]
fn a_healthy_setup_passes_every_check() {
    let ws = FakeWorkspace::start();
    let id = healthy(&ws);
    let d = doctor(&mut tracecfg(&ws), &["-e", EXPERIMENT, "--query"]);
    assert_eq!(d.run.code, 0, "{}", d.run);
    assert_eq!(d.names(), ALL_CHECKS);
    assert!(d.checks.iter().all(|c| c.status == "ok"), "{:?}", d.checks);
    let configuration = &d.check("configuration").detail;
    assert!(
        configuration.contains("token from env DATABRICKS_TOKEN"),
        "{configuration}"
    );
    assert!(
        !configuration.contains(TOKEN),
        "sources, never values: {configuration}"
    );
    assert!(d.check("host").detail.contains(&ws.url()));
    assert_eq!(
        d.check("credential").detail,
        format!("authenticated as user {ME_USER_NAME}")
    );
    assert!(d.check("experiment").detail.contains(&format!("id {id}")));
    assert_eq!(
        d.check("destination tags").detail,
        "main.agents.agent_traces"
    );
    assert!(d
        .check("trace routing")
        .detail
        .contains("main.agents.agent_traces_otel_spans"));
    assert!(d.check("warehouse").detail.contains(WAREHOUSE));
    assert!(d.check("warehouse").detail.contains("RUNNING"));
    assert!(d.check("query").detail.contains("SELECT 1"));
    assert_eq!(ws.statements().len(), 1);
    assert_eq!(ws.statements()[0]["warehouse_id"], WAREHOUSE);

    // Text: one line per check, status first.
    let r = run(tracecfg(&ws).args(["doctor", "-e", EXPERIMENT]));
    assert_eq!(r.code, 0, "{r}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        ALL_CHECKS.len() - 1,
        "no query without --query: {r}"
    );
    assert!(lines[0].starts_with("ok    configuration"), "{r}");
    assert!(lines.iter().all(|l| l.starts_with("ok ")), "{r}");
}

#[test]
fn configuration_fails_on_a_missing_profile() {
    let ws = FakeWorkspace::start();
    healthy(&ws);
    let d = doctor(&mut tracecfg(&ws), &["-p", "nosuch", "-e", EXPERIMENT]);
    assert_eq!(d.run.code, 2, "{}", d.run);
    assert_eq!(
        d.names(),
        ["configuration"],
        "nothing runs without a configuration"
    );
    assert_eq!(d.status("configuration"), "fail");
    assert!(d.check("configuration").detail.contains("nosuch"));
    assert!(ws.requests().is_empty());

    // A profile that exists but names no host.
    write_databrickscfg(ws.home(), "[broken]\ntoken = dapi-x\n");
    let d = doctor(&mut tracecfg_bare(ws.home()), &["-p", "broken"]);
    assert_eq!(d.run.code, 2, "{}", d.run);
    assert_eq!(d.names(), ["configuration"]);
    assert!(ws.requests().is_empty());
}

#[test]
fn host_fails_when_nothing_listens() {
    let ws = FakeWorkspace::start();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let d = doctor(
        tracecfg(&ws)
            .env("DATABRICKS_HOST", format!("http://127.0.0.1:{closed}"))
            .args(["--retry-timeout", "1s"]),
        &["-e", EXPERIMENT],
    );
    assert_eq!(d.run.code, 1, "{}", d.run);
    assert_eq!(d.names(), ["configuration", "host"], "stops at the host");
    assert_eq!(d.status("configuration"), "ok");
    assert_eq!(d.status("host"), "fail");
    assert!(d.check("host").detail.contains("connect"), "{:?}", d.checks);
}

#[test]
fn credential_fails_on_401_and_stops() {
    let ws = FakeWorkspace::start();
    healthy(&ws);
    let d = doctor(
        tracecfg(&ws).env("DATABRICKS_TOKEN", "dapi-wrong"),
        &["-e", EXPERIMENT, "--query"],
    );
    assert_eq!(d.run.code, 4, "{}", d.run);
    assert_eq!(
        d.names(),
        ["configuration", "host", "credential"],
        "no experiment line after a credential failure"
    );
    assert_eq!(d.status("host"), "ok");
    assert_eq!(d.status("credential"), "fail");
    assert!(d.check("credential").detail.contains("401"));
    assert!(!d.run.stdout.contains("dapi-wrong"), "{}", d.run);
    assert_eq!(ws.requests().len(), 1, "only SCIM Me");
    assert_eq!(ws.requests()[0].path, SCIM_ME);
}

#[test]
fn credential_warns_without_scim_and_goes_on() {
    let ws = FakeWorkspace::start();
    healthy(&ws);
    ws.disable_scim_me();
    let d = doctor(&mut tracecfg(&ws), &["-e", EXPERIMENT]);
    assert_eq!(d.run.code, 0, "{}", d.run);
    assert_eq!(d.status("credential"), "warn");
    assert_eq!(d.status("experiment"), "ok");
}

#[test]
fn credential_names_a_service_principal_through_oauth() {
    let ws = FakeWorkspace::start();
    healthy(&ws);
    ws.enable_oauth("sp-client", "sp-secret");
    let d = doctor(
        tracecfg_bare(ws.home())
            .env("DATABRICKS_HOST", ws.url())
            .env("DATABRICKS_CLIENT_ID", "sp-client")
            .env("DATABRICKS_CLIENT_SECRET", "sp-secret"),
        &["-e", EXPERIMENT],
    );
    assert_eq!(d.run.code, 0, "{}", d.run);
    assert!(d.check("configuration").detail.contains("oauth-m2m"));
    assert_eq!(d.status("credential"), "ok");
    assert!(!d.run.stdout.contains("sp-secret"));
}

#[test]
fn experiment_missing_deleted_or_not_configured() {
    let ws = FakeWorkspace::start();
    healthy(&ws);

    // Missing: FAIL, exit 3; the experiment's own checks are skipped, the warehouse is not.
    let d = doctor(&mut tracecfg(&ws), &["-e", "/Shared/missing"]);
    assert_eq!(d.run.code, 3, "{}", d.run);
    assert_eq!(d.status("experiment"), "fail");
    assert!(d.check("experiment").detail.contains("/Shared/missing"));
    assert_eq!(
        d.names(),
        [
            "configuration",
            "host",
            "credential",
            "experiment",
            "warehouse"
        ]
    );

    // Deleted: FAIL, exit 3, says so.
    let deleted = ws.add_experiment("/Shared/deleted", &destination_tags());
    ws.delete_experiment(&deleted);
    let d = doctor(&mut tracecfg(&ws), &["-e", "/Shared/deleted"]);
    assert_eq!(d.run.code, 3, "{}", d.run);
    assert_eq!(d.status("experiment"), "fail");
    assert!(
        d.check("experiment").detail.contains("deleted"),
        "{:?}",
        d.checks
    );
    assert!(!d.names().contains(&"destination tags"));

    // Not configured: a warning, the rest still runs, exit 0.
    let d = doctor(&mut tracecfg(&ws), &[]);
    assert_eq!(d.run.code, 0, "{}", d.run);
    assert_eq!(d.status("experiment"), "warn");
    assert!(d.check("experiment").detail.contains("no experiment"));
    assert_eq!(
        d.names(),
        [
            "configuration",
            "host",
            "credential",
            "experiment",
            "warehouse"
        ]
    );

    // Named by the environment, as MLflow does.
    let d = doctor(tracecfg(&ws).env("MLFLOW_EXPERIMENT_NAME", EXPERIMENT), &[]);
    assert_eq!(d.run.code, 0, "{}", d.run);
    assert_eq!(d.status("experiment"), "ok");
}

#[test]
fn destination_tags_partial_or_absent_fail() {
    let ws = FakeWorkspace::start();
    healthy(&ws);
    ws.add_experiment(
        "/Shared/partial",
        &[(TAG_CATALOG, "main"), (TAG_SCHEMA, "agents")],
    );
    let d = doctor(&mut tracecfg(&ws), &["-e", "/Shared/partial"]);
    assert_eq!(d.run.code, 3, "{}", d.run);
    assert_eq!(d.status("destination tags"), "fail");
    assert!(
        d.check("destination tags").detail.contains(TAG_TABLE),
        "names the missing tag: {:?}",
        d.checks
    );
    // The later checks still run; no UC check without a complete destination.
    assert!(!d.names().contains(&"unity catalog"));
    assert_eq!(d.status("warehouse"), "ok");

    ws.add_experiment("/Shared/bare", &[]);
    let d = doctor(&mut tracecfg(&ws), &["-e", "/Shared/bare"]);
    assert_eq!(d.run.code, 3, "{}", d.run);
    assert_eq!(d.status("destination tags"), "fail");
    assert_eq!(d.status("trace routing"), "warn");
}

#[test]
fn a_native_location_without_tags_only_warns_and_its_schema_is_checked() {
    let ws = FakeWorkspace::start();
    healthy(&ws);
    let id = ws.add_experiment("/Shared/native_only", &[]);
    ws.link_trace_location(&id, "main", "agents", "p");
    let d = doctor(&mut tracecfg(&ws), &["-e", "/Shared/native_only"]);
    assert_eq!(d.run.code, 0, "{}", d.run);
    assert_eq!(d.status("destination tags"), "warn");
    assert_eq!(d.status("trace routing"), "ok");
    assert_eq!(d.status("unity catalog"), "ok", "{:?}", d.checks);

    let other = ws.add_experiment("/Shared/native_missing_schema", &[]);
    ws.link_trace_location(&other, "main", "gone", "p");
    let d = doctor(&mut tracecfg(&ws), &["-e", "/Shared/native_missing_schema"]);
    assert_eq!(d.run.code, 3, "{}", d.run);
    assert_eq!(d.status("unity catalog"), "fail");
    assert!(
        d.check("unity catalog").detail.contains("main.gone"),
        "{:?}",
        d.checks
    );
}

#[test]
fn trace_routing_warns_on_tags_only_and_mismatch() {
    let ws = FakeWorkspace::start();
    healthy(&ws);
    ws.add_experiment("/Shared/tags_only", &destination_tags());
    let d = doctor(&mut tracecfg(&ws), &["-e", "/Shared/tags_only"]);
    assert_eq!(d.run.code, 0, "a warning is not a failure: {}", d.run);
    assert_eq!(d.status("destination tags"), "ok");
    assert_eq!(d.status("trace routing"), "warn");
    assert!(
        d.check("trace routing").detail.contains("tags only"),
        "{:?}",
        d.checks
    );
    assert!(d.check("trace routing").detail.contains("--native"));

    let other = ws.add_experiment("/Shared/mismatch", &destination_tags());
    ws.link_trace_location(&other, "main", "elsewhere", "t");
    let d = doctor(&mut tracecfg(&ws), &["-e", "/Shared/mismatch"]);
    assert_eq!(d.run.code, 0, "{}", d.run);
    assert_eq!(d.status("trace routing"), "warn");
    assert!(d
        .check("trace routing")
        .detail
        .contains("main.elsewhere.t_otel_spans"));
}

#[test]
fn unity_catalog_fails_on_a_missing_schema_or_catalog() {
    let ws = FakeWorkspace::start();
    healthy(&ws);
    ws.add_experiment(
        "/Shared/no_schema",
        &[
            (TAG_CATALOG, "main"),
            (TAG_SCHEMA, "nowhere"),
            (TAG_TABLE, "t"),
        ],
    );
    let d = doctor(&mut tracecfg(&ws), &["-e", "/Shared/no_schema"]);
    assert_eq!(d.run.code, 3, "{}", d.run);
    assert_eq!(d.status("unity catalog"), "fail");
    assert!(d.check("unity catalog").detail.contains("main.nowhere"));
    assert_eq!(
        d.status("warehouse"),
        "ok",
        "the warehouse is still checked"
    );

    ws.add_experiment(
        "/Shared/no_catalog",
        &[
            (TAG_CATALOG, "gone"),
            (TAG_SCHEMA, "agents"),
            (TAG_TABLE, "t"),
        ],
    );
    let d = doctor(&mut tracecfg(&ws), &["-e", "/Shared/no_catalog"]);
    assert_eq!(d.run.code, 3, "{}", d.run);
    assert!(d.check("unity catalog").detail.contains("catalog gone"));
}

#[test]
fn warehouse_none_fails_and_stopped_warns() {
    // None at all: FAIL, exit 3, and no query line even with --query.
    let ws = FakeWorkspace::start();
    ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.add_catalog("main");
    ws.add_schema("main", "agents");
    let d = doctor(&mut tracecfg(&ws), &["-e", EXPERIMENT, "--query"]);
    assert_eq!(d.run.code, 3, "{}", d.run);
    assert_eq!(d.status("warehouse"), "fail");
    assert_eq!(
        d.names().last(),
        Some(&"warehouse"),
        "stops at the warehouse"
    );
    assert!(ws.statements().is_empty());

    // A configured warehouse that does not exist: FAIL, exit 3.
    let d = doctor(
        tracecfg(&ws).env("DATABRICKS_WAREHOUSE_ID", "nosuchwarehouse"),
        &["-e", EXPERIMENT],
    );
    assert_eq!(d.run.code, 3, "{}", d.run);
    assert!(d.check("warehouse").detail.contains("nosuchwarehouse"));
    assert!(d
        .check("warehouse")
        .detail
        .contains("DATABRICKS_WAREHOUSE_ID"));

    // The only one is stopped: a warning naming the state.
    ws.add_warehouse("stopped1", "Sleepy", "STOPPED");
    let d = doctor(&mut tracecfg(&ws), &["-e", EXPERIMENT]);
    assert_eq!(d.run.code, 0, "{}", d.run);
    assert_eq!(d.status("warehouse"), "warn");
    assert!(d.check("warehouse").detail.contains("STOPPED"));
    assert!(d.check("warehouse").detail.contains("stopped1"));
}

#[test]
fn query_runs_select_1_or_fails_with_exit_6() {
    let ws = FakeWorkspace::start();
    healthy(&ws);
    let d = doctor(&mut tracecfg(&ws), &["-e", EXPERIMENT, "--query"]);
    assert_eq!(d.run.code, 0, "{}", d.run);
    assert_eq!(d.status("query"), "ok");
    let statement: &Value = &ws.statements()[0];
    assert_eq!(statement["statement"], "SELECT 1");

    // The warehouse refuses the statement: FAILED, exit 6.
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "SELECT 1",
        StatementResult::failed(
            "INSUFFICIENT_PERMISSIONS",
            "User does not have USE on warehouse",
            "42501",
        ),
    );
    healthy(&ws); // its SELECT 1 result comes second: the failure above wins
    let d = doctor(&mut tracecfg(&ws), &["-e", EXPERIMENT, "--query"]);
    assert_eq!(d.run.code, 6, "{}", d.run);
    assert_eq!(d.status("query"), "fail");
    assert!(
        d.check("query").detail.contains("USE on warehouse"),
        "{:?}",
        d.checks
    );
}

#[test]
fn invalid_experiment_or_warehouse_input_is_a_usage_error_before_any_request() {
    let ws = FakeWorkspace::start();
    healthy(&ws);
    for args in [
        vec!["doctor", "-e", "Shared/x"],
        vec!["doctor", "--experiment-id", "bad id!"],
        vec!["doctor", "-w", "abc/../../../preview/scim/v2/Me?x="],
    ] {
        let r = run(tracecfg(&ws).args(&args));
        assert_eq!(r.code, 2, "{args:?}\n{r}");
        assert_eq!(r.error_lines().len(), 1, "{r}");
        assert!(
            ws.requests().is_empty(),
            "{args:?} sent {:?}",
            ws.requests()
                .iter()
                .map(|q| q.path.clone())
                .collect::<Vec<_>>()
        );
    }
    let r = run(tracecfg(&ws)
        .env("MLFLOW_EXPERIMENT_ID", "bad id!")
        .arg("doctor"));
    assert_eq!(r.code, 2, "{r}");
    // A bad configured warehouse is the configuration check's failure.
    let d = doctor(
        tracecfg(&ws).env("DATABRICKS_WAREHOUSE_ID", "../x"),
        &["-e", EXPERIMENT],
    );
    assert_eq!(d.run.code, 2, "{}", d.run);
    assert_eq!(d.status("configuration"), "fail");
    assert!(
        d.check("configuration")
            .detail
            .contains("warehouse_id '../x' (from env DATABRICKS_WAREHOUSE_ID)"),
        "{:?}",
        d.checks
    );
    assert!(ws.requests().is_empty());
}

#[test]
fn native_tables_are_checked_against_their_layout() {
    // Not there (dropped, or not visible): a warning; queries would say more.
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.link_trace_location(&id, "main", "agents", "agent_traces");
    ws.add_catalog("main");
    ws.add_schema("main", "agents");
    let d = doctor(&mut tracecfg(&ws), &["-e", EXPERIMENT, "-w", WAREHOUSE]);
    assert_eq!(d.status("native tables"), "warn", "{:?}", d.checks);
    assert!(
        d.check("native tables")
            .detail
            .contains("not found in Unity Catalog"),
        "{:?}",
        d.checks
    );

    // A spans table whose attributes are a MAP on a table-prefix (VARIANT) location: a failure.
    let mut columns = V2_SPANS_COLUMNS.to_vec();
    columns[8] = ("attributes", "MAP");
    ws.add_native_tables("main", "agents", "agent_traces");
    ws.add_table_with_columns("main", "agents", "agent_traces_otel_spans", &columns);
    let d = doctor(&mut tracecfg(&ws), &["-e", EXPERIMENT, "-w", WAREHOUSE]);
    assert_eq!(d.status("native tables"), "fail", "{:?}", d.checks);
    assert!(
        d.check("native tables")
            .detail
            .contains("attributes is MAP, not VARIANT"),
        "{:?}",
        d.checks
    );
    assert_eq!(d.run.code, 1, "{}", d.run);
}
