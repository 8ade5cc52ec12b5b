//! Golden files: what users and scripts read, pinned byte for byte. Each test runs the real
//! binary against a fresh fake workspace and compares exit code, stdout and stderr with a file
//! under `tests/it/snapshots/` (the `insta` crate). A changed output fails the test with a diff;
//! review and accept it with `cargo insta review`, or without cargo-insta
//! `INSTA_UPDATE=always cargo test --test it golden` and `git diff tests/it/snapshots/`
//! (CONTRIBUTING.md).
//!
//! The parts that differ from run to run are replaced before the comparison, always the same
//! way: the fake workspace's URL (its port) by `[HOST]`, the temporary HOME by `[HOME]`, any
//! other loopback URL by `[LOCAL_URL]`. Experiment and statement ids need no redaction: the
//! fake numbers them from 1 in each workspace, and each test starts its own.

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;
use serde_json::json;

/// Compares a finished run with the golden file `name`, after the redactions above.
fn golden(name: &str, ws: &FakeWorkspace, r: &Run) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.add_filter(&literal(&ws.url()), "[HOST]");
    settings.add_filter(&literal(&ws.home().display().to_string()), "[HOME]");
    settings.add_filter(
        r"https?://(127\.0\.0\.1|localhost|\[::1\]):\d+",
        "[LOCAL_URL]",
    );
    settings.bind(|| insta::assert_snapshot!(name, r.to_string()));
}

/// A regex matching `text` literally (insta filters are regexes).
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Runs `args` once per output format, each time in a fresh workspace prepared by `setup`,
/// with `-o FORMAT` (golden `NAME.FORMAT`).
fn golden_formats(name: &str, formats: &[&str], setup: impl Fn(&FakeWorkspace), args: &[&str]) {
    for format in formats {
        let ws = FakeWorkspace::start();
        setup(&ws);
        let r = run(tracecfg(&ws).args(args).args(["-o", format]));
        golden(&format!("{name}.{format}"), &ws, &r);
    }
}

/// [`golden_formats`] with `-o text` and `-o json`.
fn golden_text_and_json(name: &str, setup: impl Fn(&FakeWorkspace), args: &[&str]) {
    golden_formats(name, &["text", "json"], setup, args);
}

fn untagged(ws: &FakeWorkspace) {
    ws.add_experiment(EXPERIMENT, &[]);
}

fn tagged(ws: &FakeWorkspace) {
    ws.add_experiment(EXPERIMENT, &destination_tags());
}

// ---------------------------------------------------------------- set

#[test]
fn set_written() {
    golden_text_and_json("set_written", untagged, &set_args(EXPERIMENT, &[]));
}

#[test]
fn set_changed_one_tag() {
    let setup = |ws: &FakeWorkspace| {
        ws.add_experiment(
            EXPERIMENT,
            &[
                (TAG_CATALOG, "main"),
                (TAG_SCHEMA, "old"),
                (TAG_TABLE, "agent_traces"),
            ],
        );
    };
    golden_text_and_json("set_changed", setup, &set_args(EXPERIMENT, &[]));
}

#[test]
fn set_unchanged() {
    golden_text_and_json("set_unchanged", tagged, &set_args(EXPERIMENT, &[]));
}

#[test]
fn set_dry_run() {
    golden_text_and_json(
        "set_dry_run",
        untagged,
        &set_args(EXPERIMENT, &["--dry-run"]),
    );
}

#[test]
fn set_check_drift_and_no_drift() {
    golden_text_and_json(
        "set_check_drift",
        untagged,
        &set_args(EXPERIMENT, &["--check"]),
    );
    golden_text_and_json(
        "set_check_clean",
        tagged,
        &set_args(EXPERIMENT, &["--check"]),
    );
}

#[test]
fn set_create() {
    golden_text_and_json("set_create", |_| {}, &set_args(EXPERIMENT, &["--create"]));
}

#[test]
fn set_native_link_and_create() {
    golden_text_and_json(
        "set_native_link",
        untagged,
        &set_args(EXPERIMENT, &["--native", "-w", WAREHOUSE]),
    );
    golden_text_and_json(
        "set_native_create",
        |_| {},
        &set_args(EXPERIMENT, &["--native", "--create", "-w", WAREHOUSE]),
    );
}

// ---------------------------------------------------------------- show

#[test]
fn show_verdict_none() {
    let setup = |ws: &FakeWorkspace| {
        ws.add_experiment(EXPERIMENT, &[("team", "ml")]);
    };
    golden_text_and_json("show_none", setup, &["show", "-e", EXPERIMENT]);
}

#[test]
fn show_verdict_tags_only_and_partial() {
    golden_text_and_json("show_tags_only", tagged, &["show", "-e", EXPERIMENT]);
    let partial = |ws: &FakeWorkspace| {
        ws.add_experiment(EXPERIMENT, &[(TAG_CATALOG, "main"), (TAG_SCHEMA, "agents")]);
    };
    golden_text_and_json("show_partial", partial, &["show", "-e", EXPERIMENT]);
}

fn prefix_location() -> serde_json::Value {
    json!({"uc_trace_location": {"catalog": "main", "schema": "agents", "table_prefix": "agent_traces"}})
}

#[test]
fn show_verdict_native() {
    let setup = |ws: &FakeWorkspace| {
        let id = ws.add_experiment(EXPERIMENT, &destination_tags());
        ws.set_trace_location(&id, prefix_location());
        ws.add_native_tables("main", "agents", "agent_traces");
    };
    golden_text_and_json("show_native", setup, &["show", "-e", EXPERIMENT]);
}

#[test]
fn show_verdict_mismatch() {
    let setup = |ws: &FakeWorkspace| {
        let id = ws.add_experiment(
            EXPERIMENT,
            &[
                (TAG_CATALOG, "main"),
                (TAG_SCHEMA, "elsewhere"),
                (TAG_TABLE, "t"),
            ],
        );
        ws.set_trace_location(&id, prefix_location());
        ws.add_native_tables("main", "agents", "agent_traces");
    };
    golden_text_and_json("show_mismatch", setup, &["show", "-e", EXPERIMENT]);
}

#[test]
fn show_schema_location_v1_with_missing_tables() {
    let setup = |ws: &FakeWorkspace| {
        let id = ws.add_experiment(EXPERIMENT, &[]);
        ws.link_schema_location(&id, "main", "old");
    };
    golden_text_and_json("show_v1_schema", setup, &["show", "-e", EXPERIMENT]);
}

#[test]
fn show_all_tags() {
    let setup = |ws: &FakeWorkspace| {
        let mut tags = destination_tags().to_vec();
        tags.push(("team", "ml"));
        ws.add_experiment(EXPERIMENT, &tags);
    };
    golden_text_and_json(
        "show_all_tags",
        setup,
        &["show", "-e", EXPERIMENT, "--all-tags"],
    );
}

// ---------------------------------------------------------------- unset

#[test]
fn unset_removed_and_dry_run() {
    golden_text_and_json("unset", tagged, &["unset", "-e", EXPERIMENT]);
    golden_text_and_json(
        "unset_dry_run",
        tagged,
        &["unset", "-e", EXPERIMENT, "--dry-run"],
    );
    golden_text_and_json("unset_nothing", untagged, &["unset", "-e", EXPERIMENT]);
}

#[test]
fn unset_native_schema_location() {
    let setup = |ws: &FakeWorkspace| {
        let id = ws.add_experiment(EXPERIMENT, &destination_tags());
        ws.link_schema_location(&id, "main", "agents");
    };
    golden_text_and_json(
        "unset_native",
        setup,
        &["unset", "-e", EXPERIMENT, "--native"],
    );
}

// ---------------------------------------------------------------- doctor

fn healthy(ws: &FakeWorkspace) {
    let id = ws.add_experiment(EXPERIMENT, &destination_tags());
    ws.link_trace_location(&id, "main", "agents", "agent_traces");
    ws.add_native_tables("main", "agents", "agent_traces");
    add_ready_warehouse(ws);
}

#[test]
fn doctor_healthy() {
    golden_text_and_json(
        "doctor_healthy",
        healthy,
        &["doctor", "-e", EXPERIMENT, "--query"],
    );
}

#[test]
fn doctor_failing_setup() {
    // Tags only (nothing routes the traces), and the schema is missing in Unity Catalog.
    let setup = |ws: &FakeWorkspace| {
        tagged(ws);
        ws.add_catalog("main");
        ws.add_warehouse(WAREHOUSE, "Starter Warehouse", "STOPPED");
        ws.set_default_warehouse(WAREHOUSE);
    };
    golden_text_and_json("doctor_failing", setup, &["doctor", "-e", EXPERIMENT]);
}

// ---------------------------------------------------------------- query

/// A result with a NULL and an empty string in the same column, typed values, and a value
/// that needs CSV quoting.
fn mixed_rows(ws: &FakeWorkspace) {
    ws.declare_result(
        "FROM results",
        StatementResult::table(
            &[
                ("trace_id", "STRING"),
                ("note", "STRING"),
                ("n", "LONG"),
                ("ok", "BOOLEAN"),
                ("attributes", "MAP"),
            ],
            &[
                &[
                    Some("tr-1"),
                    None,
                    Some("1"),
                    Some("true"),
                    Some(r#"{"user.id":"u1"}"#),
                ],
                &[Some("tr-2"), Some(""), Some("2"), Some("false"), None],
                &[
                    Some("tr-3"),
                    Some("a, \"quoted\"\nline"),
                    None,
                    None,
                    Some("{}"),
                ],
            ],
        ),
    );
}

/// Raw SQL on the warehouse [`WAREHOUSE`] (no experiment needed).
const RAW_QUERY: [&str; 5] = ["query", "-w", WAREHOUSE, "--sql", "SELECT * FROM results"];

#[test]
fn query_in_every_format() {
    golden_formats(
        "query",
        &["text", "json", "jsonl", "csv"],
        mixed_rows,
        &RAW_QUERY,
    );
}

#[test]
fn query_zero_rows_and_print_sql() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult::table(&[("a", "STRING")], &[]),
    );
    let r = run(tracecfg(&ws).args(RAW_QUERY));
    golden("query_zero_rows", &ws, &r);

    golden_text_and_json(
        "query_print_sql",
        tagged,
        &[
            "query",
            "-e",
            EXPERIMENT,
            "--layout",
            "tags",
            "--user",
            "user123",
            "--since",
            "2026-11-01T00:00:00Z",
            "--print-sql",
        ],
    );
}

// ---------------------------------------------------------------- errors

#[test]
fn usage_errors() {
    let ws = FakeWorkspace::start();
    let cases: [(&str, &[&str]); 5] = [
        (
            "error_invalid_name",
            &[
                "set",
                "-e",
                EXPERIMENT,
                "--catalog",
                "bad name",
                "--schema",
                "s",
            ],
        ),
        ("error_no_experiment", &["show"]),
        ("error_missing_flag", &["set", "-e", EXPERIMENT]),
        ("error_unknown_flag", &["show", "--frobnicate"]),
        (
            "error_bad_duration",
            &["query", "-e", EXPERIMENT, "--since", "yesterday"],
        ),
    ];
    for (name, args) in cases {
        let r = run(tracecfg(&ws).args(args));
        golden(name, &ws, &r);
    }
    assert!(ws.requests().is_empty(), "usage errors send nothing");
}

#[test]
fn not_found_errors() {
    let ws = FakeWorkspace::start();
    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/missing"]));
    golden("error_experiment_not_found", &ws, &r);
    let r = run(tracecfg(&ws).args(["show", "--experiment-id", "424242"]));
    golden("error_experiment_id_not_found", &ws, &r);
}

#[test]
fn auth_failure() {
    let ws = FakeWorkspace::start();
    tagged(&ws);
    let r = run(tracecfg(&ws)
        .env("DATABRICKS_TOKEN", "dapi-wrong-token")
        .args(["show", "-e", EXPERIMENT]));
    golden("error_auth_401", &ws, &r);
    ws.fault(
        Fault::on("*", "/api/").status(403).body(
            r#"{"error_code":"PERMISSION_DENIED","message":"User does not have permission."}"#,
        ),
    );
    let r = run(tracecfg(&ws).args(set_args(EXPERIMENT, &[])));
    golden("error_permission_403", &ws, &r);
}

#[test]
fn api_unavailable() {
    let ws = FakeWorkspace::start();
    tagged(&ws);
    ws.disable_delete_tag();
    let r = run(tracecfg(&ws).args(["unset", "-e", EXPERIMENT]));
    golden("error_unset_without_delete_tag", &ws, &r);

    let ws = FakeWorkspace::start();
    untagged(&ws);
    ws.disable_trace_locations();
    let r = run(tracecfg(&ws).args(set_args(EXPERIMENT, &["--native", "-w", WAREHOUSE])));
    golden("error_native_without_trace_locations", &ws, &r);

    let ws = FakeWorkspace::start();
    ws.fault(
        Fault::on("*", "/api/")
            .status(500)
            .body(r#"{"error_code":"INTERNAL_ERROR","message":"Something went wrong."}"#),
    );
    let r = run(tracecfg(&ws).args(["show", "-e", EXPERIMENT]));
    golden("error_server_500", &ws, &r);
}

/// The store of the export goldens: two traces on two days, one with an artifact's spans.
fn export_store(ws: &FakeWorkspace) {
    let id = ws.add_experiment("/Shared/store", &[]);
    for (n, artifact) in [(1i64, false), (2, true)] {
        let mut llm =
            FakeSpan::new("00000000000000b2", Some("00000000000000a1"), "llm", "LLM").at(10, 50);
        llm.attributes
            .push(("mlflow.spanInputs".into(), json!({"prompt": "hi"})));
        llm.attributes.push(("tokens".into(), json!(42)));
        ws.add_stored_trace(FakeTrace {
            experiment_id: id.clone(),
            hex: format!("{n:032x}"),
            start_ms: 1_796_000_000_000 + n * 86_400_000,
            duration_ms: 100,
            tags: vec![("env".into(), "prod".into())],
            metadata: vec![("mlflow.trace.user".into(), "u1".into())],
            spans: vec![
                FakeSpan::new("00000000000000a1", None, "agent", "AGENT").at(0, 100),
                llm,
            ],
            artifact,
        });
    }
}

/// The export's report (text, JSON, dry run) and what its files hold, one line of each format.
#[test]
fn export_report_and_files() {
    for format in ["text", "json"] {
        let ws = FakeWorkspace::start();
        export_store(&ws);
        let until = "2026-12-05T00:00:00Z";
        let args = [
            "export",
            "-e",
            "/Shared/store",
            "--until",
            until,
            "--out",
            "exported",
            "-o",
            format,
        ];
        golden(
            &format!("export_report.{format}"),
            &ws,
            &run(tracecfg(&ws).args(args)),
        );
        let dry = [
            "export",
            "-e",
            "/Shared/store",
            "--until",
            until,
            "--dry-run",
            "-o",
            format,
        ];
        golden(
            &format!("export_dry_run.{format}"),
            &ws,
            &run(tracecfg(&ws).args(dry)),
        );
    }
    for (format, file) in [
        ("jsonl", "2026-12-01.jsonl"),
        ("otlp", "2026-12-01.otlp.jsonl"),
    ] {
        let ws = FakeWorkspace::start();
        export_store(&ws);
        let out = format!("exported-{format}");
        let r = run(tracecfg(&ws).args([
            "export",
            "-e",
            "/Shared/store",
            "--out",
            &out,
            "--format",
            format,
        ]));
        assert_eq!(r.code, 0, "{r}");
        let text = std::fs::read_to_string(ws.home().join(&out).join(file)).expect("a day file");
        let pretty: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(l).unwrap())
                    .unwrap()
            })
            .collect();
        let r = Run {
            code: 0,
            stdout: pretty.join("\n") + "\n",
            stderr: String::new(),
        };
        golden(&format!("export_file.{format}"), &ws, &r);
    }
}

/// A golden file whose test was renamed or removed would linger unchecked: every file under
/// snapshots/ must carry a name that golden.rs (or trace_store.rs) still uses (the part before the
/// first '.', as in `set_written.text.snap`).
#[test]
fn every_golden_file_belongs_to_a_test() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/snapshots");
    // The real-server goldens of the trace store live beside their tests.
    let source = concat!(include_str!("golden.rs"), include_str!("trace_store.rs"));
    let mut files = 0;
    for entry in std::fs::read_dir(dir).expect("tests/it/snapshots/") {
        let name = entry.expect("dir entry").file_name();
        let name = name.to_string_lossy();
        if !name.ends_with(".snap") {
            continue;
        }
        files += 1;
        let base = name.split('.').next().unwrap_or_default();
        assert!(
            source.contains(&format!("\"{base}\"")) || source.contains(&format!("\"{base}.{{")),
            "{name} is not used by golden.rs: delete it (or restore its test)"
        );
    }
    assert!(files > 0, "no golden files found in {dir}");
}
