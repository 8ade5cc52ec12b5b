//! `tracecfg apply` against the fake workspace: a mixed fleet planned and applied in one run,
//! two workspaces in one file, a failure of one entry mid-apply then a rerun that finishes, bad
//! files (file:line errors, duplicates), `--only`, the JSON shape, `show --all`, and the round
//! trips: every entry in flight together, each at most two sequential round trips.

use std::time::Duration;

use serde_json::json;

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;

fn write_file(ws: &FakeWorkspace, text: &str) {
    std::fs::write(ws.home().join("tracecfg.toml"), text).expect("write tracecfg.toml");
}

fn writes(ws: &FakeWorkspace) -> Vec<Recorded> {
    ws.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect()
}

/// The block of text output for one entry (from its `== name` line to the blank line).
fn block<'a>(r: &'a Run, name: &str) -> &'a str {
    let start = r
        .stdout
        .find(&format!("== {name} ("))
        .unwrap_or_else(|| panic!("no block for {name}: {r}"));
    let rest = &r.stdout[start..];
    &rest[..rest.find("\n\n").unwrap_or(rest.len())]
}

const MIXED: &str = r#"
catalog = "main"
schema = "agents"

[[experiments]]
name = "in-sync"
experiment = "/Shared/in_sync"

[[experiments]]
name = "drifted"
experiment = "/Shared/drifted"

[[experiments]]
name = "new"
experiment = "/Shared/team/new"
create = true

[[experiments]]
name = "missing"
experiment = "/Shared/missing"

[[experiments]]
name = "native"
experiment = "/Shared/native"
native = true
"#;

/// in-sync and native match; drifted has an old schema; new and missing do not exist.
fn mixed_fleet() -> (FakeWorkspace, String, String) {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/in_sync", &destination_tags());
    let drifted = ws.add_experiment(
        "/Shared/drifted",
        &[
            (TAG_CATALOG, "main"),
            (TAG_SCHEMA, "old"),
            (TAG_TABLE, "agent_traces"),
        ],
    );
    let native = ws.add_experiment("/Shared/native", &destination_tags());
    ws.set_trace_location(
        &native,
        json!({ "uc_trace_location": { "catalog": "main", "schema": "agents", "table_prefix": "agent_traces", "effective_table_prefix": "agent_traces" } }),
    );
    write_file(&ws, MIXED);
    (ws, drifted, native)
}

#[test]
fn mixed_fleet_dry_run_shows_one_plan_and_writes_nothing() {
    let (ws, _, _) = mixed_fleet();
    let r = run(tracecfg(&ws).args(["apply", "--dry-run"]));
    assert_eq!(r.code, 3, "the missing experiment is not found: {r}");
    assert!(writes(&ws).is_empty(), "{:?}", writes(&ws));
    assert!(
        block(&r, "in-sync").contains("nothing to change")
            || block(&r, "in-sync").matches("unchanged").count() >= 3,
        "{r}"
    );
    assert!(
        block(&r, "drifted").contains("would change (old -> agents)"),
        "{r}"
    );
    assert!(block(&r, "new").contains("would be created"), "{r}");
    assert!(
        block(&r, "missing").contains("failed: experiment /Shared/missing does not exist"),
        "{r}"
    );
    assert!(block(&r, "missing").contains("create = true"), "{r}");
    assert!(
        block(&r, "native").contains("native location: unchanged, linked to"),
        "{r}"
    );
    assert!(
        r.stdout.contains(
            "5 experiments: 2 changed, 1 failed, 2 unchanged; dry run: nothing was written"
        ),
        "{r}"
    );
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    assert!(
        errors[0].contains("1 of 5 experiments failed (missing)"),
        "{r}"
    );
}

#[test]
fn mixed_fleet_check_is_a_drift_gate_and_apply_then_rerun_converge() {
    let (ws, drifted, _) = mixed_fleet();
    let existing = ["in-sync", "drifted", "new", "native"];
    let mut check = vec!["apply", "--check", "--only"];
    check.extend(existing);
    let r = run(tracecfg(&ws).args(&check));
    assert_eq!(r.code, 5, "{r}");
    assert!(writes(&ws).is_empty());
    assert!(
        r.stdout
            .contains("4 experiments: 2 changed, 2 unchanged; check"),
        "{r}"
    );

    // The whole file: everything that can be applied is, the missing one is named.
    let r = run(tracecfg(&ws).args(["apply"]));
    assert_eq!(r.code, 3, "{r}");
    assert_eq!(ws.experiment_tags(&drifted)[TAG_SCHEMA], "agents");
    let new = ws.experiment_by_name("/Shared/team/new").expect("created");
    assert_eq!(ws.experiment_tags(&new)[TAG_SCHEMA], "agents");
    assert!(ws.experiment_by_name("/Shared/missing").is_none());
    assert!(
        r.stdout
            .contains("5 experiments: 2 changed, 1 failed, 2 unchanged\n"),
        "{r}"
    );
    assert!(
        r.error_lines()[0].contains("the others were applied"),
        "{r}"
    );

    // Now in line: a check of the existing ones passes and writes nothing.
    ws.clear_requests();
    let r = run(tracecfg(&ws).args(&check));
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.contains("4 experiments: 0 changed, 4 unchanged"),
        "{r}"
    );
    assert_eq!(ws.requests().len(), 4, "one read each: {:?}", ws.requests());
}

#[test]
fn all_entries_are_in_flight_together_each_with_two_round_trips_at_most() {
    let ws = FakeWorkspace::start();
    let mut text = String::from("catalog = \"main\"\nschema = \"agents\"\n");
    let mut ids = Vec::new();
    for i in 0..8 {
        let path = format!("/Shared/e{i}");
        ids.push(ws.add_experiment(&path, &[(TAG_CATALOG, "old")]));
        text.push_str(&format!("[[experiments]]\nexperiment = \"{path}\"\n"));
    }
    write_file(&ws, &text);
    // Slow answers, so that requests in flight together are seen overlapping.
    ws.fault(Fault::on("*", "/api/2.0/mlflow").delay(Duration::from_millis(300)));
    let r = run(tracecfg(&ws).args(["apply"]));
    assert_eq!(r.code, 0, "{r}");
    let reads = ws.requests_to("GET", GET_BY_NAME);
    let tag_writes = ws.requests_to("POST", SET_TAG);
    assert_eq!(reads.len(), 8, "one read per entry");
    assert_eq!(tag_writes.len(), 8 * 3, "three writes per entry");
    assert_eq!(ws.requests().len(), 8 + 24, "nothing else");
    for a in &reads {
        for b in &reads {
            assert!(a.overlaps(b), "all reads in flight together");
        }
    }
    // Second round trip: every write of an entry after its read, all writes together.
    for w in &tag_writes {
        let id = w.json()["experiment_id"].as_str().unwrap().to_string();
        let i = ids.iter().position(|x| *x == id).unwrap();
        let read = reads
            .iter()
            .find(|r| r.query_param("experiment_name").as_deref() == Some(&format!("/Shared/e{i}")))
            .unwrap();
        assert!(w.started_after(read));
        for other in &tag_writes {
            assert!(w.overlaps(other), "all writes in flight together");
        }
    }
}

#[test]
fn two_workspaces_in_one_file() {
    let dev = FakeWorkspace::start();
    let prod = FakeWorkspace::start();
    let dev_id = dev.add_experiment(EXPERIMENT, &[]);
    let prod_id = prod.add_experiment(EXPERIMENT, &destination_tags());
    // Dev through the environment's host; prod through a profile of ~/.databrickscfg.
    write_databrickscfg(
        dev.home(),
        &format!("[PROD]\nhost = {}\ntoken = {TOKEN}\n", prod.url()),
    );
    write_file(
        &dev,
        &format!(
            "catalog = \"main\"\n\n[[experiments]]\nname = \"dev\"\nexperiment = \"{EXPERIMENT}\"\nschema = \"dev\"\n\n[[experiments]]\nname = \"prod\"\nexperiment = \"{EXPERIMENT}\"\nschema = \"prod\"\nprofile = \"PROD\"\n"
        ),
    );
    let mut cmd = tracecfg_bare(dev.home());
    cmd.env("DATABRICKS_HOST", dev.url())
        .env("DATABRICKS_TOKEN", TOKEN);
    let r = run(cmd.args(["apply", "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(dev.experiment_tags(&dev_id)[TAG_SCHEMA], "dev");
    assert_eq!(prod.experiment_tags(&prod_id)[TAG_SCHEMA], "prod");
    assert_eq!(dev.requests_to("GET", GET_BY_NAME).len(), 1);
    assert_eq!(prod.requests_to("GET", GET_BY_NAME).len(), 1);
    let doc = r.json();
    assert_eq!(doc["experiments"][0]["host"], dev.url().as_str());
    assert_eq!(doc["experiments"][1]["host"], prod.url().as_str());

    // The same with an entry's host instead of a profile (the token from the environment).
    write_file(
        &dev,
        &format!(
            "catalog = \"main\"\nschema = \"agents\"\n\n[[experiments]]\nexperiment = \"{EXPERIMENT}\"\n\n[[experiments]]\nname = \"prod\"\nexperiment = \"{EXPERIMENT}\"\nhost = \"{}\"\n",
            prod.url()
        ),
    );
    let r = run(tracecfg(&dev).args(["apply", "--check"]));
    assert_eq!(r.code, 5, "{r}");
    assert!(
        r.stdout.contains(&format!("workspace    {}", prod.url())),
        "{r}"
    );
    assert!(
        r.stdout.contains("2 experiments: 2 changed, 0 unchanged"),
        "{r}"
    );
}

#[test]
fn a_failure_mid_apply_names_what_was_written_and_a_rerun_finishes() {
    let ws = FakeWorkspace::start();
    let mut text = String::from("catalog = \"main\"\nschema = \"agents\"\n");
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        ids.push(ws.add_experiment(&format!("/Shared/{name}"), &[]));
        text.push_str(&format!(
            "[[experiments]]\nname = \"{name}\"\nexperiment = \"/Shared/{name}\"\n"
        ));
    }
    write_file(&ws, &text);
    ws.fault(
        Fault::on("POST", SET_TAG)
            .when_body_contains(&format!(
                "\"experiment_id\":\"{}\",\"key\":\"{TAG_SCHEMA}\"",
                ids[1]
            ))
            .status(500)
            .body(r#"{"error_code":"INTERNAL_ERROR","message":"boom"}"#)
            .times(1),
    );
    let r = run(tracecfg(&ws).args(["apply"]));
    assert_ne!(r.code, 0, "{r}");
    assert_ne!(r.code, 5, "{r}");
    let failed = block(&r, "b");
    assert!(
        failed.contains(&format!("failed: 1 of 3 tag writes failed; written: {TAG_CATALOG}, {TAG_TABLE}; not written: {TAG_SCHEMA}")),
        "{r}"
    );
    assert!(
        r.error_lines()[0].contains("1 of 3 experiments failed (b)"),
        "{r}"
    );
    assert!(
        r.hint().unwrap().contains("run the same command again"),
        "{r}"
    );
    for id in [&ids[0], &ids[2]] {
        assert_eq!(ws.experiment_tags(id).len(), 3, "the others are applied");
    }
    assert!(!ws.experiment_tags(&ids[1]).contains_key(TAG_SCHEMA));

    ws.clear_requests();
    let r = run(tracecfg(&ws).args(["apply"]));
    assert_eq!(r.code, 0, "{r}");
    let written: Vec<String> = ws
        .requests_to("POST", SET_TAG)
        .iter()
        .map(|w| {
            format!(
                "{} {}",
                w.json()["experiment_id"].as_str().unwrap(),
                w.json()["key"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        written,
        [format!("{} {TAG_SCHEMA}", ids[1])],
        "only what was missing"
    );
    assert!(
        r.stdout.contains("3 experiments: 1 changed, 2 unchanged"),
        "{r}"
    );
}

#[test]
fn bad_files_are_refused_with_file_line_and_rule_before_any_request() {
    let ws = FakeWorkspace::start();
    for (text, want) in [
        (
            "catalog = \"main\"\nschema = \"agents\"\n\n[[experiments]]\nexperiment = \"/Shared/a\"\ntable = \"a b\"\n",
            "tracecfg.toml:6: table 'a b' is not a valid Unity Catalog name: it contains a space",
        ),
        (
            "catalog = \"main\"\nschema = \"agents\"\n\n[[experiments]]\nexperiment = \"/Shared/a\"\n\n[[experiments]]\nexperiment = \"/Shared/a\"\n",
            "tracecfg.toml:7: experiment /Shared/a is listed twice (first at line 4)",
        ),
        (
            "catalog = \"main\"\n\n[[experiments]]\nexperiment = \"/Shared/a\"\nschmea = \"x\"\n",
            "tracecfg.toml:5: unknown field `schmea`",
        ),
        (
            "catalog = \"main\"\nschema = \"agents\"\n\n[[experiments]]\nexperiment = \"/Shared/a\"\nprofile = \"NOPE\"\n",
            "tracecfg.toml:4: profile 'NOPE' cannot be loaded",
        ),
    ] {
        write_file(&ws, text);
        let r = run(tracecfg(&ws).args(["apply"]));
        assert_eq!(r.code, 2, "{text}\n{r}");
        let errors = r.error_lines();
        assert_eq!(errors.len(), 1, "{r}");
        assert!(errors[0].contains(want), "want {want}\n{r}");
        assert!(ws.requests().is_empty(), "{:?}", ws.requests());
    }
    write_file(&ws, MIXED);
    let r = run(tracecfg(&ws).args(["apply", "--only", "prod"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.error_lines()[0].contains("--only 'prod': no entry"),
        "{r}"
    );
    assert!(ws.requests().is_empty());
}

#[test]
fn json_is_one_document_with_the_set_shape_per_entry_and_a_summary() {
    let (ws, drifted, _) = mixed_fleet();
    let r = run(tracecfg(&ws).args(["apply", "--dry-run", "-o", "json"]));
    assert_eq!(r.code, 3, "{r}");
    let doc = r.json();
    let entries = doc["experiments"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    let drift = &entries[1];
    assert_eq!(drift["name"], "drifted");
    assert_eq!(drift["status"], "changed");
    assert_eq!(drift["experiment_id"], drifted.as_str());
    assert_eq!(
        drift["destination"]["full_name"],
        "main.agents.agent_traces"
    );
    assert_eq!(drift["changes"][1]["action"], "changed");
    assert_eq!(drift["changes"][1]["old"], "old");
    assert_eq!(drift["dry_run"], true);
    assert_eq!(entries[2]["created"], true);
    assert_eq!(entries[3]["status"], "failed");
    assert_eq!(entries[3]["error"]["exit_code"], 3);
    assert_eq!(entries[4]["native"]["action"], "unchanged");
    assert_eq!(
        doc["summary"],
        json!({"experiments": 5, "changed": 2, "unchanged": 2, "failed": 1, "dry_run": true, "check": false})
    );
}

#[test]
fn show_all_shows_the_whole_file() {
    let (ws, _, _) = mixed_fleet();
    let r = run(tracecfg(&ws).args(["show", "--all"]));
    assert_eq!(r.code, 3, "{r}");
    for name in ["in-sync", "drifted", "new", "missing", "native"] {
        block(&r, name);
    }
    assert!(writes(&ws).is_empty());
    let r = run(tracecfg(&ws).args(["show", "--all", "-e", "/Shared/x"]));
    assert_eq!(r.code, 2, "{r}");
}
