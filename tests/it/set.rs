//! `tracecfg set` against the fake workspace: validation before any request, read-compare-write,
//! dry run and check, deleted and missing experiments, --create, --verify, partial writes,
//! JSON output and `/Workspace` paths.

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;

fn tag_writes(ws: &FakeWorkspace) -> Vec<Recorded> {
    ws.requests_to("POST", SET_TAG)
}

fn written_keys(ws: &FakeWorkspace) -> Vec<String> {
    let mut keys: Vec<String> = tag_writes(ws)
        .iter()
        .map(|r| r.json()["key"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    keys
}

#[test]
fn invalid_names_are_refused_before_any_request() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    let long = "c".repeat(256);
    for (flag, value, why) in [
        ("--catalog", "a.b", "'.'"),
        ("--catalog", "a b", "space"),
        ("--catalog", "a`b", "backtick"),
        ("--catalog", long.as_str(), "256 characters"),
        ("--catalog", "", "empty"),
        ("--schema", "x/y", "'/'"),
        ("--table", "t.u", "'.'"),
    ] {
        let mut args = vec!["set", "-e", "/Shared/x"];
        for (f, default) in [
            ("--catalog", "main"),
            ("--schema", "agents"),
            ("--table", "t"),
        ] {
            args.extend([f, if f == flag { value } else { default }]);
        }
        let r = run(tracecfg(&ws).args(&args));
        assert_eq!(r.code, 2, "{flag} {value:?}: {r}");
        let errors = r.error_lines();
        assert_eq!(errors.len(), 1, "{r}");
        assert!(
            errors[0].contains(flag) && errors[0].contains(why),
            "{flag} {value:?}: {r}"
        );
        assert!(
            ws.requests().is_empty(),
            "{flag} {value:?} made requests: {:?}",
            ws.requests()
        );
    }
}

#[test]
fn writes_only_what_differs_and_a_second_run_writes_nothing() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(
        "/Shared/agent_eval",
        &[
            (TAG_CATALOG, "main"),
            (TAG_SCHEMA, "old_schema"),
            ("team", "ml"),
        ],
    );
    let r = run(tracecfg(&ws).args(set_args("/Shared/agent_eval", &["--table", "traces"])));
    assert_eq!(r.code, 0, "{r}");
    let line = |key: &str| {
        r.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap_or_else(|| panic!("no line for {key}: {r}"))
            .to_string()
    };
    assert!(line(TAG_CATALOG).contains("unchanged"), "{r}");
    assert!(
        line(TAG_SCHEMA).contains("changed (old_schema -> agents)"),
        "{r}"
    );
    assert!(line(TAG_TABLE).contains(" set traces"), "{r}");
    assert_eq!(written_keys(&ws), [TAG_SCHEMA, TAG_TABLE]);
    for w in tag_writes(&ws) {
        assert_eq!(w.json()["experiment_id"], id.as_str());
    }
    let tags = ws.experiment_tags(&id);
    assert_eq!(tags[TAG_SCHEMA], "agents");
    assert_eq!(tags[TAG_TABLE], "traces");
    assert_eq!(tags["team"], "ml", "other tags are left alone");

    // Read once, write nothing: the same command again.
    ws.clear_requests();
    let r = run(tracecfg(&ws).args(set_args("/Shared/agent_eval", &["--table", "traces"])));
    assert_eq!(r.code, 0, "{r}");
    assert!(ws.experiment_writes().is_empty(), "{:?}", ws.requests());
    assert_eq!(ws.requests().len(), 1, "one read: {:?}", ws.requests());
    assert_eq!(r.stdout.matches("unchanged").count(), 3, "{r}");
    assert!(r.stdout.contains("nothing to change"), "{r}");
}

#[test]
fn dry_run_writes_nothing() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &[(TAG_CATALOG, "other")]);
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &["--dry-run"])));
    assert_eq!(r.code, 0, "{r}");
    assert!(ws.experiment_writes().is_empty());
    assert!(r.stdout.contains("would change (other -> main)"), "{r}");
    assert!(r.stdout.contains("would set"), "{r}");
    assert!(r.stdout.contains("nothing was written"), "{r}");
    assert_eq!(ws.experiment_tags(&id).len(), 1);
}

#[test]
fn check_exits_5_on_drift_and_0_when_matching_and_never_writes() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &[(TAG_CATALOG, "main")]);
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &["--check"])));
    assert_eq!(r.code, 5, "{r}");
    assert!(r.stdout.contains("drift: 2 tag(s) differ"), "{r}");
    assert!(ws.experiment_writes().is_empty());

    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &["--check", "-o", "json"])));
    assert_eq!(r.code, 5, "{r}");
    assert_eq!(r.json()["check"], true);

    assert_eq!(run(tracecfg(&ws).args(set_args("/Shared/x", &[]))).code, 0);
    assert_eq!(ws.experiment_tags(&id)[TAG_SCHEMA], "agents");
    assert_eq!(ws.experiment_tags(&id)[TAG_TABLE], "agent_traces");
    ws.clear_requests();
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &["--check"])));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("no drift"), "{r}");
    assert!(ws.experiment_writes().is_empty());
}

#[test]
fn deleted_experiment_exits_3_with_a_restore_hint() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &[]);
    ws.delete_experiment(&id);
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &[])));
    assert_eq!(r.code, 3, "{r}");
    assert!(r.error_lines()[0].contains("deleted"), "{r}");
    assert!(r.hint().is_some_and(|h| h.contains("restore")), "{r}");
    assert!(ws.experiment_writes().is_empty());
}

#[test]
fn missing_experiment_exits_3_with_a_create_hint() {
    let ws = FakeWorkspace::start();
    let r = run(tracecfg(&ws).args(set_args("/Shared/nope", &[])));
    assert_eq!(r.code, 3, "{r}");
    assert!(r.error_lines()[0].contains("/Shared/nope"), "{r}");
    assert!(r.hint().is_some_and(|h| h.contains("--create")), "{r}");
    assert!(ws.experiment_writes().is_empty());
    assert!(ws.requests_to("POST", MKDIRS).is_empty());
}

#[test]
fn create_makes_the_folder_then_the_experiment_with_its_tags() {
    let ws = FakeWorkspace::start();
    let r = run(tracecfg(&ws).args(set_args("/Workspace/Shared/team/agent_eval", &["--create"])));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ws.folders(), ["/Shared/team"]);
    let paths: Vec<String> = ws.requests().iter().map(|q| q.path.clone()).collect();
    assert_eq!(paths, [GET_BY_NAME, MKDIRS, CREATE], "{paths:?}");
    let create = &ws.requests_to("POST", CREATE)[0];
    let body = create.json();
    assert_eq!(body["name"], "/Shared/team/agent_eval");
    assert_eq!(tag_pairs(&body["tags"]), sorted_pairs(&destination_tags()));
    let id = ws.experiment_by_name("/Shared/team/agent_eval").unwrap();
    assert_eq!(ws.experiment_tags(&id).len(), 3);
    assert!(r.stdout.contains("created"), "{r}");
    assert!(
        tag_writes(&ws).is_empty(),
        "the tags travel in the create request"
    );

    // A dry run with --create makes nothing.
    ws.clear_requests();
    let r = run(tracecfg(&ws).args(set_args("/Shared/other/x", &["--create", "--dry-run"])));
    assert_eq!(r.code, 0, "{r}");
    assert!(ws.experiment_writes().is_empty() && ws.requests_to("POST", MKDIRS).is_empty());
}

#[test]
fn verify_with_a_missing_catalog_exits_3_and_writes_nothing() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &["--verify"])));
    assert_eq!(r.code, 3, "{r}");
    assert!(
        r.error_lines()[0].contains("catalog main does not exist"),
        "{r}"
    );
    assert!(ws.experiment_writes().is_empty());
    assert!(!ws
        .requests_to("GET", "/api/2.1/unity-catalog/catalogs/main")
        .is_empty());

    ws.add_catalog("main");
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &["--verify"])));
    assert_eq!(r.code, 3, "{r}");
    assert!(
        r.error_lines()[0].contains("schema main.agents does not exist"),
        "{r}"
    );
    assert!(ws.experiment_writes().is_empty());

    ws.add_schema("main", "agents");
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &["--verify"])));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(tag_writes(&ws).len(), 3);

    // An existing table with a table type passes too.
    ws.add_table("main", "agents", "agent_traces", "MANAGED");
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &["--verify"])));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(tag_writes(&ws).len(), 3, "nothing more to write");
}

#[test]
fn a_failed_tag_write_names_what_was_written_and_a_rerun_completes() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &[]);
    ws.fault(
        Fault::on("POST", SET_TAG)
            .when_body_contains(TAG_SCHEMA)
            .status(500)
            .body(r#"{"error_code":"INTERNAL_ERROR","message":"tag store unavailable"}"#)
            .times(1),
    );
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &[])));
    assert_eq!(r.code, 1, "{r}");
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    let e = errors[0];
    assert!(e.contains("1 of 3 tag writes failed"), "{r}");
    assert!(
        e.contains(&format!("written: {TAG_CATALOG}, {TAG_TABLE};")),
        "{r}"
    );
    assert!(e.contains(&format!("not written: {TAG_SCHEMA}")), "{r}");
    assert!(e.contains("tag store unavailable"), "{r}");
    assert!(r.hint().is_some_and(|h| h.contains("again")), "{r}");
    let tags = ws.experiment_tags(&id);
    assert!(tags.contains_key(TAG_CATALOG) && tags.contains_key(TAG_TABLE));
    assert!(!tags.contains_key(TAG_SCHEMA));

    ws.clear_requests();
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &[])));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(written_keys(&ws), [TAG_SCHEMA]);
    assert_eq!(ws.experiment_tags(&id)[TAG_SCHEMA], "agents");
}

#[test]
fn json_output_has_the_documented_shape() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &[(TAG_CATALOG, "main"), (TAG_SCHEMA, "old")]);
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &["-o", "json"])));
    assert_eq!(r.code, 0, "{r}");
    let v = r.json();
    assert_eq!(v["experiment_id"], id.as_str());
    assert_eq!(v["experiment_name"], "/Shared/x");
    assert_eq!(
        v["destination"],
        serde_json::json!({"catalog": "main", "schema": "agents", "table": "agent_traces", "full_name": "main.agents.agent_traces"})
    );
    assert_eq!(v["dry_run"], false);
    assert_eq!(
        v["changes"],
        serde_json::json!([
            {"key": TAG_CATALOG, "old": "main", "new": "main", "action": "unchanged"},
            {"key": TAG_SCHEMA, "old": "old", "new": "agents", "action": "changed"},
            {"key": TAG_TABLE, "old": null, "new": "agent_traces", "action": "set"},
        ])
    );
    // Notes go to stderr only: stdout is exactly one JSON document.
    assert!(r.stdout.trim_start().starts_with('{') && r.stdout.trim_end().ends_with('}'));
}

#[test]
fn a_workspace_prefixed_path_is_looked_up_without_the_prefix() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &[]);
    let r = run(tracecfg(&ws).args(set_args("/Workspace/Shared/x", &[])));
    assert_eq!(r.code, 0, "{r}");
    let lookups = ws.requests_to("GET", GET_BY_NAME);
    assert_eq!(lookups.len(), 1);
    assert_eq!(lookups[0].query, "experiment_name=%2FShared%2Fx");
    assert_eq!(ws.experiment_tags(&id).len(), 3);
}

#[test]
fn experiment_id_selects_the_experiment_and_create_needs_a_path() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &[]);
    let r = run(tracecfg(&ws).args([
        "set",
        "--experiment-id",
        &id,
        "--catalog",
        "main",
        "--schema",
        "agents",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        ws.requests_to("GET", GET_EXPERIMENT)[0].query,
        format!("experiment_id={id}")
    );
    assert!(ws.requests_to("GET", GET_BY_NAME).is_empty());
    assert_eq!(ws.experiment_tags(&id).len(), 3);

    ws.clear_requests();
    let r = run(tracecfg(&ws).args([
        "set",
        "--experiment-id",
        &id,
        "--catalog",
        "main",
        "--schema",
        "agents",
        "--create",
    ]));
    assert_eq!(r.code, 2, "{r}");
    assert!(ws.requests().is_empty());
}

#[test]
fn special_characters_in_paths_and_names_are_encoded() {
    let ws = FakeWorkspace::start();
    let path = "/Users/first.last+ci@example.com/agent eval #2";
    let id = ws.add_experiment(path, &[]);
    ws.add_catalog("my-cat");
    ws.add_schema("my-cat", "schéma");
    let r = run(tracecfg(&ws).args([
        "set",
        "-e",
        path,
        "--catalog",
        "my-cat",
        "--schema",
        "schéma",
        "--table",
        "t#1?x",
        "--verify",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let lookup = &ws.requests_to("GET", GET_BY_NAME)[0];
    assert_eq!(lookup.query_param("experiment_name").as_deref(), Some(path));
    assert!(
        !lookup.query.contains('+') || lookup.query.contains("%2B"),
        "{}",
        lookup.query
    );
    let mut uc: Vec<String> = ws
        .requests_to("GET", UNITY_CATALOG)
        .iter()
        .map(|q| q.path.clone())
        .collect();
    uc.sort();
    assert_eq!(
        uc,
        [
            "/api/2.1/unity-catalog/catalogs/my-cat",
            "/api/2.1/unity-catalog/schemas/my-cat.sch%C3%A9ma",
            "/api/2.1/unity-catalog/tables/my-cat.sch%C3%A9ma.t%231%3Fx",
        ]
    );
    let tags = ws.experiment_tags(&id);
    assert_eq!(tags[TAG_SCHEMA], "schéma");
    assert_eq!(tags[TAG_TABLE], "t#1?x");
    assert!(r.stdout.contains("`my-cat`.`schéma`.`t#1?x`"), "{r}");
}

#[test]
fn set_says_where_traces_really_go() {
    let ws = FakeWorkspace::start();
    let location = serde_json::json!({"uc_trace_location": {"catalog": "main", "schema": "agents", "table_prefix": "agent_traces"}});
    let id = ws.add_experiment("/Shared/native", &[]);
    ws.set_trace_location(&id, location);
    ws.add_experiment("/Shared/plain", &[]);

    // Tags that disagree with the native location: a warning, even with -q.
    let r = run(tracecfg(&ws).args([
        "-q",
        "set",
        "-e",
        "/Shared/native",
        "--catalog",
        "main",
        "--schema",
        "other",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stderr.contains("warning: traces of this experiment go to its native location main.agents.agent_traces_otel_spans, not to main.other.agent_traces"),
        "{r}"
    );
    // Tags that agree: nothing to say.
    let r = run(tracecfg(&ws).args(set_args("/Shared/native", &[])));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.is_empty(), "{r}");
    // No native location: a note that the tags route nothing, silenced by -q.
    let r = run(tracecfg(&ws).args(set_args("/Shared/plain", &[])));
    assert!(
        r.stderr.contains("note: MLflow reads none of these tags"),
        "{r}"
    );
    ws.clear_requests();
    let r = run(tracecfg(&ws).args([
        "-q",
        "set",
        "-e",
        "/Shared/plain",
        "--catalog",
        "main",
        "--schema",
        "x",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.is_empty(), "{r}");
    assert_eq!(written_keys(&ws), [TAG_SCHEMA]);
}

#[test]
fn a_throttled_tag_write_is_retried_and_others_are_not_repeated() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment("/Shared/x", &[]);
    ws.fault(
        Fault::on("POST", SET_TAG)
            .when_body_contains(TAG_TABLE)
            .status(503)
            .body(r#"{"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"}"#)
            .times(1),
    );
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &[])));
    assert_eq!(r.code, 0, "{r}");
    let writes = tag_writes(&ws);
    assert_eq!(writes.len(), 4, "{writes:?}");
    let table_writes = writes
        .iter()
        .filter(|w| w.json()["key"] == TAG_TABLE)
        .count();
    assert_eq!(table_writes, 2);
    assert_eq!(ws.experiment_tags(&id).len(), 3);
}

#[test]
fn a_gateway_timeout_is_not_retried() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    ws.fault(Fault::on("GET", GET_BY_NAME).status(504).times(1));
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &[])));
    assert_eq!(r.code, 1, "{r}");
    assert!(r.error_lines()[0].contains("HTTP 504"), "{r}");
    assert_eq!(ws.requests().len(), 1);
}

#[test]
fn check_with_create_for_a_missing_experiment_is_drift() {
    let ws = FakeWorkspace::start();
    let r = run(tracecfg(&ws).args(set_args("/Shared/new", &["--create", "--check"])));
    assert_eq!(r.code, 5, "{r}");
    assert!(r.stdout.contains("would be created"), "{r}");
    assert!(ws.experiment_writes().is_empty());
    assert!(ws.folders().is_empty());
}
