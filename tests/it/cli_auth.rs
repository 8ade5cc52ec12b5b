//! `auth_type = databricks-cli`: tracecfg asks `databricks auth token` for a token, once per run.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::cli::{run, tracecfg_bare, write_databrickscfg};
use crate::fake::FakeWorkspace;

/// Writes an executable `databricks` stand-in that logs its arguments and runs `body`.
fn fake_cli(dir: &Path, body: &str) -> std::path::PathBuf {
    let path = dir.join("databricks");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\necho \"$@\" >> \"{}/cli-calls\"\n{body}\n",
            dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn calls(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("cli-calls"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_databricks_cli_profile_gets_its_token_from_the_cli_once() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    ws.add_token("cli-access-token-42");
    let bin = tempfile::tempdir().unwrap();
    let cli = fake_cli(
        bin.path(),
        r#"echo '{"access_token":"cli-access-token-42","token_type":"Bearer","expiry":"2099-01-01T00:00:00Z"}'"#,
    );
    write_databrickscfg(
        ws.home(),
        &format!(
            "[dev]\nhost = {}\nauth_type = databricks-cli\ndatabricks_cli_path = {}\n",
            ws.url(),
            cli.display()
        ),
    );
    let result = run(tracecfg_bare(ws.home()).args([
        "set",
        "-p",
        "dev",
        "-e",
        "/Shared/x",
        "--catalog",
        "c",
        "--schema",
        "s",
        "--debug",
    ]));
    assert_eq!(result.code, 0, "{result}");
    assert_eq!(
        calls(bin.path()),
        vec!["auth token --profile dev".to_string()],
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
        result.error_lines()[0]
            .contains("needs the Databricks CLI, but '/nonexistent/databricks' was not found"),
        "{result}"
    );
    assert!(ws.requests().is_empty());

    let bin = tempfile::tempdir().unwrap();
    let cli = fake_cli(bin.path(), "echo 'Error: not logged in' >&2; exit 1");
    write_databrickscfg(
        ws.home(),
        &format!(
            "[dev]\nhost = {}\nauth_type = databricks-cli\ndatabricks_cli_path = {}\n",
            ws.url(),
            cli.display()
        ),
    );
    let result = run(tracecfg_bare(ws.home()).args(["show", "-p", "dev", "-e", "/Shared/x"]));
    assert_eq!(result.code, 4, "{result}");
    let error = result.error_lines()[0];
    assert!(
        error.contains("auth token' failed")
            && error.contains("not logged in")
            && error.contains("databricks auth login"),
        "{result}"
    );
}
