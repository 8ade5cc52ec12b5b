//! The native Unity Catalog trace location end to end (docs/trace-location.md): the exact
//! requests of `set --native` in each case of the table there, dry run and check, prefix
//! validation before any request, `unset --native`, the `show` verdict and the `query --layout
//! otel` statement afterwards; and first, the fake's trace-location API itself.

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;
use serde_json::{json, Value};

fn set_native(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = vec![
        "set",
        "-e",
        EXPERIMENT,
        "--catalog",
        "main",
        "--schema",
        "agents",
        "--native",
    ];
    args.extend_from_slice(extra);
    args
}

/// "METHOD path" of every request that is not a GET, in arrival order.
fn non_get(ws: &FakeWorkspace) -> Vec<String> {
    ws.requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// "METHOD path" of the GET requests, in arrival order.
fn gets(ws: &FakeWorkspace) -> Vec<String> {
    ws.requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// Requests to the trace-location API (create location, link, unlink).
fn location_requests(ws: &FakeWorkspace) -> Vec<Recorded> {
    ws.requests()
        .into_iter()
        .filter(|r| {
            r.path.starts_with(TRACE_LOCATIONS)
                || r.path.ends_with("/trace-location:link")
                || r.path.ends_with("/unlink-location")
        })
        .collect()
}

/// The three destination tags as sorted (key, value) pairs, to compare with what was written.
fn sorted_destination_tags() -> Vec<(String, String)> {
    sorted_pairs(&destination_tags())
}

fn create_location_body(catalog: &str, schema: &str, prefix: &str, warehouse: &str) -> Value {
    json!({
        "uc_table_prefix": { "catalog_name": catalog, "schema_name": schema, "table_prefix": prefix },
        "sql_warehouse_id": warehouse,
    })
}

/// The location as the create route answers it: all eight `UcTablePrefixLocation` fields.
fn answered_location(catalog: &str, schema: &str, prefix: &str) -> Value {
    let mut location = linked_location(catalog, schema, prefix);
    let path = format!("{catalog}.{schema}.{prefix}");
    location["metrics_table_name"] = json!(format!("{path}_otel_metrics"));
    location["location_id"] = json!(format!("loc-{}", path.replace('.', "-")));
    location
}

/// The location in a link body: exactly the fields MLflow's client sends (no `location_id`,
/// no `metrics_table_name`).
fn linked_location(catalog: &str, schema: &str, prefix: &str) -> Value {
    let path = format!("{catalog}.{schema}.{prefix}");
    json!({
        "catalog_name": catalog,
        "schema_name": schema,
        "table_prefix": prefix,
        "spans_table_name": format!("{path}_otel_spans"),
        "logs_table_name": format!("{path}_otel_logs"),
        "annotations_table_name": format!("{path}_otel_annotations"),
    })
}

fn native_tags_of(path: &str) -> [(String, String); 4] {
    [
        (NATIVE_PATH_TAG.to_string(), path.to_string()),
        (NATIVE_SPANS_TAG.to_string(), format!("{path}_otel_spans")),
        (NATIVE_LOGS_TAG.to_string(), format!("{path}_otel_logs")),
        (
            NATIVE_ANNOTATIONS_TAG.to_string(),
            format!("{path}_otel_annotations"),
        ),
    ]
}

// ------------------------------------------------------------------ the fake itself

#[tokio::test]
async fn fake_trace_location_api_follows_the_contract() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    let api = Api::new(&ws);
    let location = json!({ "catalog_name": "c", "schema_name": "s", "table_prefix": "p" });

    // No warehouse: the tables cannot be created.
    let (status, v) = api
        .post(TRACE_LOCATIONS, json!({ "uc_table_prefix": location }))
        .await;
    assert_eq!(
        (status, v["error_code"].as_str()),
        (400, Some("INVALID_PARAMETER_VALUE"))
    );

    // Link before the location exists.
    let link = json!({ "experiment_id": id, "uc_table_prefix": location });
    let (status, v) = api.post(&link_path(&id), link.clone()).await;
    assert_eq!(
        (status, v["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );

    // Create-or-get: the same answer twice.
    let body = json!({ "uc_table_prefix": location, "sql_warehouse_id": "wh1" });
    let expected = json!({ "uc_table_prefix": answered_location("c", "s", "p") });
    for _ in 0..2 {
        let (status, v) = api.post(TRACE_LOCATIONS, body.clone()).await;
        assert_eq!((status, &v), (200, &expected));
    }
    assert_eq!(
        ws.trace_locations(),
        vec![("c".into(), "s".into(), "p".into(), "wh1".into())]
    );

    // Link writes the databricksTrace* tags; a second link is refused.
    let (status, v) = api.post(&link_path(&id), link.clone()).await;
    assert_eq!((status, &v), (200, &json!({})));
    let tags = ws.experiment_tags(&id);
    for (k, v) in native_tags_of("c.s.p") {
        assert_eq!(tags.get(&k), Some(&v), "{tags:?}");
    }
    let (status, v) = api.post(&link_path(&id), link.clone()).await;
    assert_eq!(status, 400, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("already linked"),
        "{v}"
    );

    // A link body with a field the proto does not have is refused.
    let mut odd = link.clone();
    odd["uc_table_prefix"]["bogus"] = json!(1);
    let (status, v) = api.post(&link_path(&id), odd).await;
    assert_eq!(
        (status, v["error_code"].as_str()),
        (400, Some("INVALID_PARAMETER_VALUE"))
    );

    // Unlink takes a schema location only: the table prefix in c.s is not "linked to c.s".
    let unlink = |id: &str, schema: &str| json!({ "experiment_id": id, "uc_schema": { "catalog_name": "c", "schema_name": schema } });
    let (status, _) = api.post(&unlink_path(&id), unlink(&id, "s")).await;
    assert_eq!(status, 404);
    let v1 = ws.add_experiment("/Shared/schema_linked", &[]);
    ws.link_schema_location(&v1, "c", "s");
    let (status, _) = api.post(&unlink_path(&v1), unlink(&v1, "other")).await;
    assert_eq!(status, 404);
    let (status, v) = api.post(&unlink_path(&v1), unlink(&v1, "s")).await;
    assert_eq!((status, &v), (200, &json!({})));
    assert!(ws.experiment_tags(&v1).is_empty());
    let (status, v) = api.post(&unlink_path(&v1), unlink(&v1, "s")).await;
    assert_eq!(
        (status, v["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );

    // Disabled: all three answer like a workspace without the API.
    ws.disable_trace_locations();
    for (path, body) in [
        (TRACE_LOCATIONS.to_string(), body),
        (link_path(&id), link),
        (unlink_path(&v1), unlink(&v1, "s")),
    ] {
        let (status, v) = api.post(&path, body).await;
        assert_eq!(
            (status, v["error_code"].as_str()),
            (404, Some("ENDPOINT_NOT_FOUND")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn fake_create_with_trace_location_and_scim_me() {
    let ws = FakeWorkspace::start();
    let api = Api::new(&ws);
    for (name, prefix, effective) in [
        ("/Shared/with_prefix", Some("p"), "p".to_string()),
        ("/Shared/without_prefix", None, String::new()),
    ] {
        let mut uc = json!({ "catalog": "c", "schema": "s" });
        if let Some(p) = prefix {
            uc["table_prefix"] = json!(p);
        }
        let (status, v) = api
            .post(
                CREATE,
                json!({ "name": name, "trace_location": { "uc_trace_location": uc } }),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        let id = v["experiment_id"].as_str().unwrap().to_string();
        let got = &ws.experiment_json(&id).unwrap()["trace_location"]["uc_trace_location"];
        let effective = if prefix.is_some() { effective } else { id };
        assert_eq!(got["effective_table_prefix"], json!(effective), "{got}");
        assert_eq!(got["catalog"], "c");
    }
    let (status, _) = api
        .post(
            CREATE,
            json!({ "name": "/Shared/bad", "trace_location": { "uc_trace_location": { "catalog": "c", "schema": "s", "table_prefix": "a-b" } } }),
        )
        .await;
    assert_eq!(status, 400);

    let (status, v) = api.get(SCIM_ME).await;
    assert_eq!((status, &v), (200, &json!({ "userName": ME_USER_NAME })));
    ws.disable_scim_me();
    let (status, v) = api.get(SCIM_ME).await;
    assert_eq!(
        (status, v["error_code"].as_str()),
        (404, Some("ENDPOINT_NOT_FOUND"))
    );
}

// ------------------------------------------------------------------ set --native

#[test]
fn create_native_puts_tags_and_location_in_the_one_create_request() {
    let ws = FakeWorkspace::start();
    let r = run(tracecfg(&ws).args(set_native(&["--create", "-o", "json"])));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        non_get(&ws),
        [format!("POST {MKDIRS}"), format!("POST {CREATE}"),],
        "{r}"
    );
    assert!(location_requests(&ws).is_empty());
    let create = ws.requests_to("POST", CREATE).remove(0).json();
    assert_eq!(create["name"], EXPERIMENT);
    assert_eq!(tag_pairs(&create["tags"]), sorted_destination_tags());
    assert_eq!(
        create["trace_location"],
        json!({ "uc_trace_location": { "catalog": "main", "schema": "agents", "table_prefix": "agent_traces" } })
    );

    let v = r.json();
    assert_eq!(v["created"], true);
    assert_eq!(v["native"]["action"], "create_with_experiment");
    assert_eq!(
        v["native"]["wanted"]["spans_table"],
        "main.agents.agent_traces_otel_spans"
    );

    // A second run finds it linked there: nothing more is written.
    ws.clear_requests();
    let r = run(tracecfg(&ws).args(set_native(&["--create", "-o", "json"])));
    assert_eq!(r.code, 0, "{r}");
    assert!(non_get(&ws).is_empty(), "{:?}", non_get(&ws));
    assert_eq!(r.json()["native"]["action"], "unchanged");
}

#[test]
fn create_native_with_a_table_prefix() {
    let ws = FakeWorkspace::start();
    let r = run(tracecfg(&ws).args(set_native(&["--create", "--table-prefix", "p2"])));
    assert_eq!(r.code, 0, "{r}");
    let create = ws.requests_to("POST", CREATE).remove(0).json();
    assert_eq!(
        create["trace_location"]["uc_trace_location"]["table_prefix"],
        "p2"
    );
    let id = ws.experiment_by_name(EXPERIMENT).unwrap();
    assert_eq!(
        ws.experiment_json(&id).unwrap()["trace_location"]["uc_trace_location"]
            ["effective_table_prefix"],
        "p2"
    );
}

/// Tag writes and the location requests run concurrently, so their interleaving is not fixed;
/// the order is fixed within each: create the location, then link.
fn assert_tags_then_link(ws: &FakeWorkspace, id: &str, r: &Run) {
    let requests = non_get(ws);
    assert_eq!(requests.len(), 5, "{requests:?}\n{r}");
    let tag_writes: Vec<&String> = requests
        .iter()
        .filter(|p| **p == format!("POST {SET_TAG}"))
        .collect();
    assert_eq!(tag_writes.len(), 3, "{requests:?}");
    let others: Vec<&String> = requests
        .iter()
        .filter(|p| **p != format!("POST {SET_TAG}"))
        .collect();
    assert_eq!(
        others,
        [
            &format!("POST {TRACE_LOCATIONS}"),
            &format!("POST {}", link_path(id)),
        ],
        "{r}"
    );
}

#[test]
fn existing_unlinked_experiment_gets_tags_location_and_link() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    let r = run(tracecfg(&ws).args(set_native(&["-w", "abc123", "-o", "json"])));
    assert_eq!(r.code, 0, "{r}");
    // The one read: the experiment. -w means no warehouse lookup.
    assert_eq!(gets(&ws), [format!("GET {GET_BY_NAME}")]);
    assert_tags_then_link(&ws, &id, &r);

    let mut written: Vec<(String, String)> = ws
        .requests_to("POST", SET_TAG)
        .iter()
        .map(|t| {
            let b = t.json();
            assert_eq!(b["experiment_id"], json!(id));
            (
                b["key"].as_str().unwrap().to_string(),
                b["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    written.sort();
    let expected = sorted_destination_tags();
    assert_eq!(written, expected);

    let create = ws.requests_to("POST", TRACE_LOCATIONS).remove(0).json();
    assert_eq!(
        create,
        create_location_body("main", "agents", "agent_traces", "abc123")
    );
    let link = ws.requests_to("POST", &link_path(&id)).remove(0).json();
    assert_eq!(
        link,
        json!({ "experiment_id": id, "uc_table_prefix": linked_location("main", "agents", "agent_traces") })
    );

    let tags = ws.experiment_tags(&id);
    for (k, v) in destination_tags() {
        assert_eq!(tags.get(k).map(String::as_str), Some(v));
    }
    for (k, v) in native_tags_of("main.agents.agent_traces") {
        assert_eq!(tags.get(&k), Some(&v), "{tags:?}");
    }
    let v = r.json();
    assert_eq!(v["native"]["action"], "link");
    assert_eq!(v["native"]["current"], Value::Null);

    // show: the verdict is native now.
    let r = run(tracecfg(&ws).args(["show", "-e", EXPERIMENT, "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    let v = r.json();
    assert_eq!(v["verdict"], "native", "{v}");
    assert_eq!(v["native"]["source"], "tags");
    assert_eq!(
        v["native"]["spans_table"],
        "main.agents.agent_traces_otel_spans"
    );
    assert!(v["warnings"].as_array().unwrap().is_empty(), "{v}");
}

#[test]
fn the_warehouse_comes_from_databricks_warehouse_id_or_the_workspace() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    let r = run(tracecfg(&ws)
        .env("DATABRICKS_WAREHOUSE_ID", "envwh42")
        .args(set_native(&[])));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(gets(&ws), [format!("GET {GET_BY_NAME}")]);
    // The tags are already right: only the location requests write.
    assert_eq!(
        non_get(&ws),
        [
            format!("POST {TRACE_LOCATIONS}"),
            format!("POST {}", link_path(&id)),
        ]
    );
    assert_eq!(
        ws.requests_to("POST", TRACE_LOCATIONS).remove(0).json(),
        create_location_body("main", "agents", "agent_traces", "envwh42")
    );
    assert!(r.stderr.contains("envwh42"), "{r}");

    // Nothing configured: the workspace default warehouse.
    let ws = FakeWorkspace::start();
    ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.add_warehouse("defaultwh", "Default", "RUNNING");
    ws.set_default_warehouse("defaultwh");
    let r = run(tracecfg(&ws).args(set_native(&[])));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        ws.requests_to("POST", TRACE_LOCATIONS).remove(0).json()["sql_warehouse_id"],
        "defaultwh"
    );
}

#[test]
fn already_linked_to_the_same_place_writes_nothing() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.link_trace_location(&id, "main", "agents", "agent_traces");
    let r = run(tracecfg(&ws).args(set_native(&["-o", "json"])));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(gets(&ws), [format!("GET {GET_BY_NAME}")]);
    assert!(non_get(&ws).is_empty(), "{:?}", non_get(&ws));
    assert!(location_requests(&ws).is_empty());
    let v = r.json();
    assert_eq!(v["native"]["action"], "unchanged");
    assert_eq!(v["native"]["current"]["source"], "tags");

    // The same through the experiment's trace_location field (given at creation).
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.set_trace_location(
        &id,
        json!({ "uc_trace_location": { "catalog": "main", "schema": "agents", "table_prefix": "agent_traces", "effective_table_prefix": "agent_traces" } }),
    );
    let r = run(tracecfg(&ws).args(set_native(&["--check"])));
    assert_eq!(r.code, 0, "{r}");
    assert!(non_get(&ws).is_empty());
}

#[test]
fn linked_elsewhere_is_refused_before_any_write() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    ws.link_trace_location(&id, "main", "other", "agent_traces");
    let r = run(tracecfg(&ws).args(set_native(&["-w", "abc123"])));
    assert_eq!(r.code, 1, "{r}");
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    assert!(errors[0].contains("already linked"), "{r}");
    assert!(errors[0].contains("main.other.agent_traces"), "{r}");
    // No API unlinks a table-prefix location: the hint offers what can be done instead.
    assert!(errors[0].contains("no API that unlinks"), "{r}");
    assert!(
        r.hint()
            .is_some_and(|h| h.contains("set --create --native") && !h.contains("unset")),
        "{r}"
    );
    assert!(non_get(&ws).is_empty(), "{:?}", non_get(&ws));
    assert_eq!(ws.experiment_tags(&id).len(), 4, "only the native tags");

    // Linked elsewhere to a schema location: that one can be unlinked first.
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    ws.link_schema_location(&id, "main", "other");
    let r = run(tracecfg(&ws).args(set_native(&["-w", "abc123"])));
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.hint()
            .is_some_and(|h| h.contains("tracecfg unset --native")),
        "{r}"
    );
    assert!(non_get(&ws).is_empty(), "{:?}", non_get(&ws));
}

#[test]
fn without_the_api_says_which_preview_to_enable_and_keeps_the_tags() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    ws.disable_trace_locations();
    let r = run(tracecfg(&ws).args(set_native(&["-w", "abc123"])));
    assert_eq!(r.code, 1, "{r}");
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    assert!(
        errors[0].contains("does not offer the Unity Catalog trace location API"),
        "{r}"
    );
    assert!(
        r.hint()
            .is_some_and(|h| h.contains("enable the 'OpenTelemetry on Databricks' preview")),
        "the preview to enable is named: {r}"
    );
    // The tags were written as asked; the link was never tried.
    let tags = ws.experiment_tags(&id);
    assert_eq!(tags.len(), 3, "{tags:?}");
    for (k, v) in destination_tags() {
        assert_eq!(tags.get(k).map(String::as_str), Some(v));
    }
    assert_eq!(ws.requests_to("POST", TRACE_LOCATIONS).len(), 1);
    assert!(ws.requests_to("POST", &link_path(&id)).is_empty());
}

#[test]
fn dry_run_and_check_write_nothing() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    let r = run(tracecfg(&ws).args(set_native(&["--dry-run", "-o", "json"])));
    assert_eq!(r.code, 0, "{r}");
    assert!(non_get(&ws).is_empty(), "{:?}", non_get(&ws));
    let v = r.json();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["native"]["action"], "link");

    // Tags right, link missing: drift, exit 5, nothing written.
    let ws = FakeWorkspace::start();
    let id2 = ws.add_experiment(EXPERIMENT, &destination_tags());
    let r = run(tracecfg(&ws).args(set_native(&["--check", "-o", "json"])));
    assert_eq!(r.code, 5, "{r}");
    assert!(non_get(&ws).is_empty(), "{:?}", non_get(&ws));
    let v = r.json();
    assert!(v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["action"] == "unchanged"));
    assert_eq!(v["native"]["action"], "link");
    assert_eq!(ws.experiment_tags(&id2).len(), 3);

    // The same command without --native finds no drift.
    let r = run(tracecfg(&ws).args([
        "set",
        "-e",
        EXPERIMENT,
        "--catalog",
        "main",
        "--schema",
        "agents",
        "--check",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let _ = id;
}

#[test]
fn invalid_prefixes_exit_2_before_any_request() {
    let ws = FakeWorkspace::start();
    ws.add_experiment(EXPERIMENT, &[]);
    for (args, flag) in [
        (set_native(&["--table-prefix", "a-b"]), "--table-prefix"),
        (set_native(&["--table", "tränen"]), "--table"),
        (
            set_native(&["--create", "--table-prefix", "a b"]),
            "--table-prefix",
        ),
    ] {
        let r = run(tracecfg(&ws).args(&args));
        assert_eq!(r.code, 2, "{args:?}: {r}");
        let errors = r.error_lines();
        assert_eq!(errors.len(), 1, "{r}");
        assert!(
            errors[0].contains(flag) && errors[0].contains("prefix"),
            "{args:?}: {r}"
        );
        assert!(ws.requests().is_empty(), "{args:?}: {:?}", ws.requests());
    }
}

// ------------------------------------------------------------------ unset --native

#[test]
fn unset_native_unlinks_a_schema_location_after_removing_the_tags() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.link_schema_location(&id, "main", "agents");
    assert_eq!(ws.experiment_tags(&id).len(), 6);

    let r = run(tracecfg(&ws).args(["unset", "-e", EXPERIMENT, "--native", "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    let mut expected = vec![format!("POST {DELETE_TAG}"); 3];
    expected.push(format!("POST {}", unlink_path(&id)));
    assert_eq!(non_get(&ws), expected, "the deletes, then the unlink");
    let unlinks = ws.requests_to("POST", &unlink_path(&id));
    assert_eq!(
        unlinks[0].json(),
        json!({ "experiment_id": id, "uc_schema": { "catalog_name": "main", "schema_name": "agents" } })
    );
    assert!(
        ws.experiment_tags(&id).is_empty(),
        "{:?}",
        ws.experiment_tags(&id)
    );
    let v = r.json();
    assert_eq!(v["native"]["action"], "unlink");
    assert_eq!(v["native"]["current"]["catalog"], "main");
    assert_eq!(v["native"]["current"]["layout"], "schema");

    // show: nothing left.
    let r = run(tracecfg(&ws).args(["show", "-e", EXPERIMENT, "-o", "json"]));
    assert_eq!(r.json()["verdict"], "none", "{r}");
}

#[test]
fn unset_native_refuses_a_table_prefix_location_before_any_write() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    let r = run(tracecfg(&ws).args(set_native(&["-w", "abc123"])));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ws.experiment_tags(&id).len(), 7);
    for extra in [&[][..], &["--dry-run"][..]] {
        ws.clear_requests();
        let mut args = vec!["unset", "-e", EXPERIMENT, "--native"];
        args.extend_from_slice(extra);
        let r = run(tracecfg(&ws).args(&args));
        assert_eq!(r.code, 1, "{r}");
        let errors = r.error_lines();
        assert_eq!(errors.len(), 1, "{r}");
        assert!(
            errors[0].contains("no API that unlinks a table-prefix location"),
            "{r}"
        );
        assert!(errors[0].contains("nothing was changed"), "{r}");
        let hint = r.hint().unwrap_or_default();
        assert!(hint.contains("without --native"), "{r}");
        assert!(hint.contains("set --create --native"), "{r}");
        assert!(non_get(&ws).is_empty(), "{:?}", non_get(&ws));
        assert_eq!(ws.experiment_tags(&id).len(), 7, "nothing changed");
    }
}

#[test]
fn unset_native_without_a_native_location_sends_no_unlink() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    let r = run(tracecfg(&ws).args(["unset", "-e", EXPERIMENT, "--native", "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(location_requests(&ws).is_empty(), "{:?}", non_get(&ws));
    assert_eq!(non_get(&ws), vec![format!("POST {DELETE_TAG}"); 3]);
    assert!(ws.experiment_tags(&id).is_empty());
    assert_eq!(r.json()["native"]["action"], "unchanged");

    // --dry-run with a location: nothing is sent.
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.link_schema_location(&id, "main", "agents");
    let r = run(tracecfg(&ws).args([
        "unset",
        "-e",
        EXPERIMENT,
        "--native",
        "--dry-run",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert!(non_get(&ws).is_empty());
    assert_eq!(r.json()["native"]["action"], "unlink");
    assert_eq!(ws.experiment_tags(&id).len(), 6);
}

// ------------------------------------------------------------------ query --layout otel

#[test]
fn query_otel_print_sql_uses_the_native_spans_table() {
    let ws = FakeWorkspace::start();
    ws.add_experiment(EXPERIMENT, &[]);
    let r = run(tracecfg(&ws).args([
        "set",
        "-e",
        EXPERIMENT,
        "--catalog",
        "c",
        "--schema",
        "s",
        "--native",
        "--table-prefix",
        "p",
        "-w",
        "abc123",
    ]));
    assert_eq!(r.code, 0, "{r}");
    ws.clear_requests();

    let r = run(tracecfg(&ws).args([
        "query",
        "-e",
        EXPERIMENT,
        "--layout",
        "otel",
        "--user",
        "user123",
        "--print-sql",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let v = r.json();
    let sql = v["sql"].as_str().unwrap();
    assert!(sql.contains("`c`.`s`.`p_otel_spans`"), "{sql}");
    assert!(sql.contains("attributes:['user.id']::string"), "{sql}");
    assert!(sql.contains("`c`.`s`.`p_otel_annotations`"), "{sql}");
    assert!(sql.contains(":user"), "{sql}");
    assert!(!sql.contains("user123"), "the value is a parameter: {sql}");
    let params = v["parameters"].as_array().unwrap();
    assert!(
        params
            .iter()
            .any(|p| p["name"] == "user" && p["value"] == "user123"),
        "{v}"
    );
    assert!(ws.statements().is_empty(), "no statement is executed");
    assert!(non_get(&ws).is_empty(), "{:?}", non_get(&ws));
}

// ------------------------------------------------------------------ a location given at creation

/// An experiment created with `trace_location` (immutable, research §2).
fn created_with_location(ws: &FakeWorkspace, schema: &str) -> String {
    let r = run(tracecfg(ws).args([
        "set",
        "-e",
        EXPERIMENT,
        "--catalog",
        "main",
        "--schema",
        schema,
        "--native",
        "--create",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let id = ws.experiment_by_name(EXPERIMENT).unwrap();
    ws.clear_requests();
    id
}

#[test]
fn a_location_given_at_creation_is_not_unlinked() {
    let ws = FakeWorkspace::start();
    let id = created_with_location(&ws, "agents");
    let r = run(tracecfg(&ws).args(["unset", "-e", EXPERIMENT, "--native"]));
    assert_eq!(r.code, 1, "{r}");
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    assert!(errors[0].contains("created"), "{r}");
    assert!(
        r.hint().is_some_and(|h| h.contains("without --native")),
        "{r}"
    );
    assert!(
        non_get(&ws).is_empty(),
        "refused before any write: {:?}",
        non_get(&ws)
    );
    assert_eq!(ws.experiment_tags(&id).len(), 3);

    // Without --native the tags go, the location stays.
    let r = run(tracecfg(&ws).args(["unset", "-e", EXPERIMENT]));
    assert_eq!(r.code, 0, "{r}");
    assert!(ws.experiment_tags(&id).is_empty());
    assert!(location_requests(&ws).is_empty());
}

#[test]
fn a_location_given_at_creation_cannot_be_replaced() {
    let ws = FakeWorkspace::start();
    created_with_location(&ws, "agents");
    let r = run(tracecfg(&ws).args([
        "set",
        "-e",
        EXPERIMENT,
        "--catalog",
        "main",
        "--schema",
        "other",
        "--native",
        "-w",
        "abc123",
    ]));
    assert_eq!(r.code, 1, "{r}");
    assert!(r.error_lines()[0].contains("already linked"), "{r}");
    assert!(
        r.error_lines()[0].contains("given when the experiment was created"),
        "{r}"
    );
    let hint = r.hint().unwrap_or_default();
    assert!(
        !hint.contains("unset --native") && hint.contains("set --create --native"),
        "unset --native cannot remove it, so the hint does not offer it: {r}"
    );
    assert!(non_get(&ws).is_empty(), "{:?}", non_get(&ws));
}

#[test]
fn unset_native_without_the_api_exits_1_and_says_what_was_removed() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.link_schema_location(&id, "main", "agents");
    ws.disable_trace_locations();
    let r = run(tracecfg(&ws).args(["unset", "-e", EXPERIMENT, "--native"]));
    assert_eq!(r.code, 1, "a missing API is not a missing resource: {r}");
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    assert!(
        errors[0].contains("3 destination tag(s) removed"),
        "says what was done: {r}"
    );
    assert!(errors[0].contains("not unlinked"), "{r}");
    assert!(
        r.hint()
            .is_some_and(|h| h.contains("'OpenTelemetry on Databricks'")),
        "{r}"
    );
    // The destination tags are gone; the link (and its tags) stay.
    let tags = ws.experiment_tags(&id);
    assert_eq!(tags.len(), 3, "{tags:?}");
    assert!(tags.contains_key(NATIVE_PATH_TAG));
}

#[test]
fn query_chooses_the_otel_layout_when_only_a_native_location_exists() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    ws.link_trace_location(&id, "c", "s", "p");
    let r = run(tracecfg(&ws).args([
        "query",
        "-e",
        EXPERIMENT,
        "--user",
        "user123",
        "--print-sql",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let sql = r.json()["sql"].as_str().unwrap().to_string();
    assert!(sql.contains("FROM `c`.`s`.`p_otel_spans`"), "{sql}");
    assert!(ws.statements().is_empty());

    // With the destination tags as well, traces still land in the native tables: the default;
    // --layout tags reads the table the tags name.
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.link_trace_location(&id, "c", "s", "p");
    let r = run(tracecfg(&ws).args(["query", "-e", EXPERIMENT, "--print-sql", "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    let sql = r.json()["sql"].as_str().unwrap().to_string();
    assert!(sql.contains("FROM `c`.`s`.`p_otel_spans`"), "{sql}");
    let r = run(tracecfg(&ws).args([
        "query",
        "-e",
        EXPERIMENT,
        "--layout",
        "tags",
        "--print-sql",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 0, "{r}");
    let sql = r.json()["sql"].as_str().unwrap().to_string();
    assert!(sql.contains("FROM `main`.`agents`.`agent_traces`"), "{sql}");
}

#[test]
fn unset_native_sends_no_unlink_when_the_tags_cannot_be_removed() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.link_schema_location(&id, "main", "agents");
    ws.disable_delete_tag();
    let r = run(tracecfg(&ws).args(["unset", "-e", EXPERIMENT, "--native"]));
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.error_lines()[0].contains("does not offer delete-experiment-tag"),
        "{r}"
    );
    assert!(
        ws.requests_to("POST", &unlink_path(&id)).is_empty(),
        "unlink sent: {:?}",
        non_get(&ws)
    );
    assert_eq!(ws.experiment_tags(&id).len(), 6, "nothing changed");
}

#[test]
fn a_failed_tag_write_also_says_what_happened_to_the_link() {
    let ws = FakeWorkspace::start();
    let id = ws.add_experiment(EXPERIMENT, &[]);
    ws.fault(
        Fault::on("POST", SET_TAG)
            .status(500)
            .body(r#"{"error_code":"INTERNAL_ERROR","message":"boom"}"#)
            .times(1),
    );
    let r = run(tracecfg(&ws).args(set_native(&["-w", "abc123"])));
    assert_eq!(r.code, 1, "{r}");
    let error = r.error_lines()[0];
    assert!(
        error.contains("the native trace location was linked"),
        "{r}"
    );
    assert!(error.contains("not written"), "{r}");
    // A rerun finishes the tags and leaves the link alone.
    ws.clear_requests();
    let r = run(tracecfg(&ws).args(set_native(&["-w", "abc123"])));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ws.requests_to("POST", SET_TAG).len(), 1);
    assert!(location_requests(&ws).is_empty(), "{:?}", non_get(&ws));
    assert_eq!(ws.experiment_tags(&id).len(), 7);
}
