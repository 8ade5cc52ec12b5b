//! Bad input, across commands: exit 2, one `error:` line naming the flag or file and the rule,
//! and not a single request sent.

use crate::cli::{run, tracecfg};
use crate::fake::FakeWorkspace;

/// Runs tracecfg with `args` (and optional files in its working directory) and checks the rules.
fn refused(args: &[&str], files: &[(&str, &str)], expected: &str) {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    for (name, text) in files {
        std::fs::write(ws.home().join(name), text).unwrap();
    }
    let result = run(tracecfg(&ws).args(args));
    assert_eq!(result.code, 2, "{args:?}\n{result}");
    let errors = result.error_lines();
    assert_eq!(errors.len(), 1, "one error line for {args:?}\n{result}");
    assert!(
        errors[0].contains(expected),
        "{args:?}: expected {expected:?} in {:?}",
        errors[0]
    );
    assert!(!result.stderr.contains("panicked"), "{result}");
    assert!(
        ws.requests().is_empty(),
        "{args:?} sent requests: {:?}",
        ws.requests().iter().map(|r| &r.path).collect::<Vec<_>>()
    );
}

const SET: [&str; 4] = ["set", "-e", "/Shared/x", "--schema"];

#[test]
fn identifiers_breaking_unity_catalog_rules() {
    let long = "c".repeat(256);
    for (value, rule) in [
        ("a.b", "contains '.'"),
        ("a b", "contains a space"),
        ("a/b", "contains '/'"),
        ("x`; DROP TABLE t; --", "contains a backtick"),
        ("a\u{1}b", "contains a control character"),
        (long.as_str(), "has 256 characters"),
        ("", "is empty"),
    ] {
        let mut args = SET.to_vec();
        args.extend(["s", "--catalog", value]);
        let shown = value.escape_debug().to_string();
        let shown: String = shown.chars().take(60).collect();
        refused(&args, &[], &format!("--catalog '{shown}"));
        refused(
            &args,
            &[],
            &format!("is not a valid Unity Catalog name: it {rule}"),
        );
        if !value.contains('.') {
            let table = format!("main.{value}.t");
            refused(
                &["query", "--table", &table, "--print-sql"],
                &[],
                "--table ",
            );
        }
    }
}

#[test]
fn experiment_paths_and_ids() {
    refused(
        &["show", "-e", "Shared/x"],
        &[],
        "must be an absolute workspace path",
    );
    refused(&["show", "-e", "/Shared//x"], &[], "empty path segment");
    refused(
        &["show", "--experiment-id", "12 34"],
        &[],
        "--experiment-id '12 34' is not an experiment id",
    );
    refused(&["show"], &[], "no experiment given");
}

#[test]
fn malformed_query_values() {
    let q = ["query", "--table", "main.agents.t"];
    let with = |extra: &[&'static str]| {
        let mut v = q.to_vec();
        v.extend_from_slice(extra);
        v
    };
    refused(
        &with(&["--since", "yesterday"]),
        &[],
        "--since 'yesterday' is neither a duration",
    );
    refused(&with(&["--until", "2026-13-01T00:00:00Z"]), &[], "--until");
    refused(
        &with(&["--tag", "novalue"]),
        &[],
        "--tag 'novalue' must be KEY=VALUE",
    );
    refused(&with(&["--tag", "=v"]), &[], "--tag '=v' must be KEY=VALUE");
    refused(&with(&["--columns", "a,,b"]), &[], "--columns");
    refused(&with(&["--columns", "a`b"]), &[], "--columns");
    refused(&with(&["--warehouse", "wh; rm -rf"]), &[], "--warehouse");
    refused(&with(&["--limit", "0"]), &[], "--limit");
    refused(
        &with(&["--sql", "select :a", "--param", "a b=1"]),
        &[],
        "--param 'a b=1' has a NAME",
    );
    refused(
        &with(&["--sql", "select :a", "--param", "a:IN T=1"]),
        &[],
        "has a TYPE",
    );
    refused(
        &with(&["--sql", "select :a", "--param", "noequals"]),
        &[],
        "has no '='",
    );
    refused(
        &with(&["--sql", "select :a", "--param", "a=1", "--param", "a=2"]),
        &[],
        "--param a is given twice",
    );
    refused(&with(&["--sql", "   "]), &[], "the SQL statement is empty");
    refused(
        &with(&["--file", "missing.sql"]),
        &[],
        "--file missing.sql: cannot read it",
    );
    refused(&with(&["--timeout", "soon"]), &[], "--timeout");
}

#[test]
fn conflicting_flags() {
    refused(
        &["show", "-e", "/Shared/x", "--experiment-id", "1"],
        &[],
        "cannot be used with",
    );
    refused(
        &["query", "--sql", "select 1", "--user", "u"],
        &[],
        "cannot be used with",
    );
    refused(
        &[
            "set",
            "-e",
            "/Shared/x",
            "--catalog",
            "c",
            "--schema",
            "s",
            "--dry-run",
            "--check",
        ],
        &[],
        "cannot be used with",
    );
    refused(
        &[
            "set",
            "--experiment-id",
            "1",
            "--catalog",
            "c",
            "--schema",
            "s",
            "--create",
        ],
        &[],
        "--create needs --experiment PATH",
    );
    refused(
        &["show", "-e", "/Shared/x", "-o", "csv"],
        &[],
        "--output csv is not available for show",
    );
    refused(&["sett"], &[], "unrecognized subcommand");
}

#[test]
fn malformed_files_name_file_and_line() {
    refused(
        &["show", "-e", "/Shared/x", "-p", "p"],
        &[(".databrickscfg", "[p]\nhost = h\nthis line is junk\n")],
        ".databrickscfg:3: expected 'key = value'",
    );
    refused(
        &["show", "-p", "nope", "-e", "/Shared/x"],
        &[(".databrickscfg", "[a]\nhost = h\n")],
        "profile 'nope' not found",
    );
    refused(
        &["show"],
        &[(
            "tracecfg.toml",
            "experiment = \"/Shared/x\"\ncatalgo = \"c\"\n",
        )],
        "tracecfg.toml:2: unknown field `catalgo`",
    );
    refused(
        &["show"],
        &[("tracecfg.toml", "experiment = \n")],
        "tracecfg.toml:1:",
    );
}

#[test]
fn export_flags_breaking_their_rules() {
    let e = ["export", "-e", "/Shared/x"];
    let with =
        |extra: &[&str]| -> Vec<String> { e.iter().chain(extra).map(|s| s.to_string()).collect() };
    for (extra, expected) in [
        (vec!["--since", "yesterday"], "--since "),
        (
            vec!["--since", "1d", "--until", "2d"],
            "is not earlier than --until",
        ),
        (vec!["--format", "xml"], "invalid value 'xml' for '--format"),
        (vec!["--tag", "=v"], "--tag"),
        (vec!["--parallel", "0"], "--parallel"),
        (vec!["--table", "a.b", "--layout", "otel"], "--table"),
    ] {
        let args = with(&extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&args, &[], expected);
    }
    // --out: a file, or a directory with other files and no manifest.
    refused(
        &["export", "-e", "/Shared/x", "--out", "notes.txt"],
        &[("notes.txt", "mine")],
        "--out notes.txt is not an empty directory",
    );
}
