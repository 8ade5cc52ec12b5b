//! `auth_type = databricks-cli`: tracecfg asks `databricks auth token` for a token the way
//! databricks-sdk-go does for the installed CLI version, and again when the token expires.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::cli::{run, tracecfg_bare, write_databrickscfg};
use crate::fake::FakeWorkspace;

const CURRENT: &str = "v0.296.0";

/// Writes an executable `databricks` stand-in: `databricks version` prints `version`; any
/// other call is logged and runs `body`. Padded past 1 MiB, since a smaller file is the legacy
/// Python CLI to the SDK (as databricks-sdk-go's `writeMockCli` pads its stand-in).
fn fake_cli(dir: &Path, version: &str, body: &str) -> std::path::PathBuf {
    let path = dir.join("databricks");
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = version ]; then echo 'Databricks CLI {version}'; exit 0; fi\necho \"$@\" >> \"{}/cli-calls\"\n{body}\nexit $?\n#{}\n",
        dir.display(),
        "#".repeat(1024 * 1024)
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn token_json(token: &str, expiry: &str) -> String {
    format!(r#"echo '{{"access_token":"{token}","token_type":"Bearer","expiry":"{expiry}"}}'"#)
}

fn cli_profile(ws: &FakeWorkspace, cli: &Path) {
    write_databrickscfg(
        ws.home(),
        &format!(
            "[dev]\nhost = {}\nauth_type = databricks-cli\ndatabricks_cli_path = {}\n",
            ws.url(),
            cli.display()
        ),
    );
}

fn show_dev(ws: &FakeWorkspace) -> crate::cli::Run {
    run(tracecfg_bare(ws.home()).args(["show", "-p", "dev", "-e", "/Shared/x"]))
}

fn calls(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("cli-calls"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A workspace accepting `token`, a current CLI handing it out with `expiry` under profile
/// `dev`, and `tracecfg set -p dev` run against them (with `extra` arguments).
fn set_with_cli_token(
    token: &str,
    expiry: &str,
    extra: &[&str],
) -> (FakeWorkspace, tempfile::TempDir, crate::cli::Run) {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    ws.add_token(token);
    let bin = tempfile::tempdir().unwrap();
    let cli = fake_cli(bin.path(), CURRENT, &token_json(token, expiry));
    cli_profile(&ws, &cli);
    let mut args = vec![
        "set",
        "-p",
        "dev",
        "-e",
        "/Shared/x",
        "--catalog",
        "c",
        "--schema",
        "s",
    ];
    args.extend_from_slice(extra);
    let result = run(tracecfg_bare(ws.home()).args(args));
    (ws, bin, result)
}

#[test]
fn a_databricks_cli_profile_gets_its_token_from_the_cli_once() {
    let (ws, bin, result) =
        set_with_cli_token("cli-access-token-42", "2099-01-01T00:00:00Z", &["--debug"]);
    assert_eq!(result.code, 0, "{result}");
    assert_eq!(
        calls(bin.path()),
        vec!["auth token --profile dev --force-refresh".to_string()],
        "one CLI call for four requests"
    );
    let authorized: Vec<_> = ws
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert!(authorized.len() >= 4, "{authorized:?}");
    assert!(authorized.iter().all(|h| h == "Bearer cli-access-token-42"));
    assert!(
        !result.stderr.contains("cli-access-token-42"),
        "token leaked:\n{result}"
    );
}

#[test]
fn a_missing_or_failing_cli_is_an_authentication_error() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    write_databrickscfg(
        ws.home(),
        &format!("[dev]\nhost = {}\nauth_type = databricks-cli\ndatabricks_cli_path = /nonexistent/databricks\n", ws.url()),
    );
    let result = run(tracecfg_bare(ws.home()).args(["show", "-p", "dev", "-e", "/Shared/x"]));
    assert_eq!(result.code, 4, "{result}");
    assert!(
        result.error_lines()[0].contains("databricks CLI not found")
            && result.error_lines()[0]
                .contains("needs the Databricks CLI, but '/nonexistent/databricks' was not found"),
        "{result}"
    );
    assert!(ws.requests().is_empty());

    let bin = tempfile::tempdir().unwrap();
    let cli = fake_cli(
        bin.path(),
        CURRENT,
        "echo 'Error: not logged in' >&2; exit 1",
    );
    cli_profile(&ws, &cli);
    let result = show_dev(&ws);
    assert_eq!(result.code, 4, "{result}");
    let error = result.error_lines()[0];
    assert!(
        error.contains("cannot get access token")
            && error.contains("auth token --profile dev --force-refresh' failed")
            && error.contains("not logged in")
            && error.contains("databricks auth login"),
        "{result}"
    );
}

#[test]
fn an_old_cli_gets_host_instead_of_the_profile_it_would_ignore_and_no_force_refresh() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    ws.add_token("old-cli-token");
    for (version, expected) in [
        ("v0.207.0", format!("auth token --host {}", ws.url())),
        ("v0.207.1", "auth token --profile dev".to_string()),
        ("v0.296.0-rc1", "auth token --profile dev".to_string()),
        ("not-a-version", format!("auth token --host {}", ws.url())),
    ] {
        let bin = tempfile::tempdir().unwrap();
        let cli = fake_cli(
            bin.path(),
            version,
            &token_json("old-cli-token", "2099-01-01T00:00:00Z"),
        );
        cli_profile(&ws, &cli);
        let result = show_dev(&ws);
        assert_eq!(result.code, 0, "{version}: {result}");
        assert_eq!(calls(bin.path()), vec![expected], "{version}");
    }
}

#[test]
fn the_legacy_python_cli_is_named_as_such() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    let bin = tempfile::tempdir().unwrap();
    let legacy = bin.path().join("databricks");
    std::fs::write(
        &legacy,
        "#!/usr/bin/python3\nfrom databricks_cli.cli import cli\ncli()\n",
    )
    .unwrap();
    std::fs::set_permissions(&legacy, std::fs::Permissions::from_mode(0o755)).unwrap();
    cli_profile(&ws, &legacy);
    let result = show_dev(&ws);
    assert_eq!(result.code, 4, "{result}");
    let error = result.error_lines()[0];
    assert!(
        error.contains("legacy databricks CLI detected; upgrade to >= 0.100.0")
            && error.contains("Python databricks-cli"),
        "{result}"
    );
    assert!(ws.requests().is_empty());
}

#[test]
fn a_hanging_cli_is_stopped_at_the_http_timeout() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    let bin = tempfile::tempdir().unwrap();
    let cli = fake_cli(bin.path(), CURRENT, "exec sleep 30");
    cli_profile(&ws, &cli);
    let result = run(tracecfg_bare(ws.home()).args([
        "show",
        "-p",
        "dev",
        "-e",
        "/Shared/x",
        "--http-timeout",
        "1s",
    ]));
    assert_eq!(result.code, 4, "{result}");
    assert!(
        result.error_lines()[0].contains("did not finish within 1 s and was stopped"),
        "{result}"
    );
    assert!(ws.requests().is_empty());
}

#[test]
fn an_expired_cli_token_is_fetched_again() {
    // A token already at its expiry: every request must ask the CLI again.
    let (ws, bin, result) = set_with_cli_token("short-lived", "2001-01-01 00:00:00", &[]);
    assert_eq!(result.code, 0, "{result}");
    let requests = ws.requests().len();
    assert!(requests >= 2, "{requests}");
    assert_eq!(
        calls(bin.path()).len(),
        requests,
        "one CLI call per request"
    );
}
