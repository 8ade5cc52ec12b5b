//! The `databricks-cli` method: run `databricks auth token` the way databricks-sdk-go does for
//! the installed CLI ([GO] `config/cli_token_source.go`; docs/databricks-api.md §4.6).
//!
//! Find the CLI (a file under 1 MiB is the legacy Python CLI), ask `databricks version`, then
//! pass `--profile` only to CLIs that honour it for `auth token` (0.207.1 and later; older ones
//! accept the global flag and ignore it, so they get `--host`) and `--force-refresh` to CLIs
//! that have it (0.296.0 and later). Every run is bounded by a timeout (the HTTP timeout,
//! `--http-timeout`, since `auth token` may refresh over the network; the SDK bounds it only
//! by the caller's context).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use crate::secret::Secret;

/// The Go CLI is tens of MiB; the legacy Python CLI's entry script is a few hundred bytes
/// ([GO] `databricksCliMinSize`).
const MIN_GO_CLI_SIZE: u64 = 1024 * 1024;
/// `auth token --profile` works from this version on (databricks/cli PR #855).
const VERSION_FOR_PROFILE: Version = Version::release(0, 207, 1);
/// `auth token --force-refresh` exists from this version on (databricks/cli PR #4767).
const VERSION_FOR_FORCE_REFRESH: Version = Version::release(0, 296, 0);

/// A CLI version; a pre-release (`-rc1`, `-dev`) sorts before its release, as in semver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    is_release: bool,
}

impl Version {
    const fn release(major: u64, minor: u64, patch: u64) -> Version {
        Version {
            major,
            minor,
            patch,
            is_release: true,
        }
    }

    /// Reads `databricks version` output such as `Databricks CLI v0.207.1`.
    pub fn parse(output: &str) -> Option<Version> {
        let text = output.trim();
        let text = text.strip_prefix("Databricks CLI ").unwrap_or(text);
        let text = text.strip_prefix('v')?;
        let (core, is_release) = match text.split_once(['-', '+']) {
            Some((core, _)) => (core, text.as_bytes()[core.len()] == b'+'),
            None => (text, true),
        };
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let version = Version {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
            is_release,
        };
        parts.next().is_none().then_some(version)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.is_release {
            f.write_str("-pre")?;
        }
        Ok(())
    }
}

/// Why the CLI could not be used; the text names what to do.
#[derive(Debug, PartialEq, Eq)]
pub enum FindError {
    NotFound,
    Legacy(PathBuf),
}

/// The CLI to run: a path with a `/` is checked as is, a bare name is looked up on `PATH`
/// ([GO] `findDatabricksCli`, `validateCliPath`).
pub fn find(cli_path: &str, path_env: Option<&std::ffi::OsStr>) -> Result<PathBuf, FindError> {
    if cli_path.contains('/') {
        return check(Path::new(cli_path));
    }
    let mut last = FindError::NotFound;
    for dir in std::env::split_paths(path_env.unwrap_or_default()) {
        match check(&dir.join(cli_path)) {
            Ok(found) => return Ok(found),
            Err(legacy @ FindError::Legacy(_)) => last = legacy,
            Err(FindError::NotFound) => {}
        }
    }
    Err(last)
}

fn check(path: &Path) -> Result<PathBuf, FindError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() < MIN_GO_CLI_SIZE => {
            Err(FindError::Legacy(path.to_path_buf()))
        }
        Ok(meta) if meta.is_file() => Ok(path.to_path_buf()),
        _ => Err(FindError::NotFound),
    }
}

/// The arguments of `auth token` for this CLI version, and a note for `--debug` when the
/// version forces a fallback. `None` as version (it could not be read) gets the conservative
/// set: `--host`, no `--force-refresh` ([GO] `buildCliCommand`, `buildCoreCliCommand`).
pub fn token_args(
    profile: Option<&str>,
    host: &str,
    version: Option<Version>,
) -> (Vec<String>, Vec<String>) {
    let shown = version.map_or("of unknown version".to_string(), |v| v.to_string());
    let mut notes = Vec::new();
    let mut args = vec!["auth".to_string(), "token".to_string()];
    match profile {
        Some(p) if version >= Some(VERSION_FOR_PROFILE) => {
            args.extend(["--profile".to_string(), p.to_string()])
        }
        Some(_) => {
            notes.push(format!("Databricks CLI {shown} does not support --profile for auth token (requires {VERSION_FOR_PROFILE} or later); using --host"));
            args.extend(["--host".to_string(), host.to_string()]);
        }
        None => args.extend(["--host".to_string(), host.to_string()]),
    }
    if version >= Some(VERSION_FOR_FORCE_REFRESH) {
        args.push("--force-refresh".to_string());
    } else {
        notes.push(format!("Databricks CLI {shown} does not support --force-refresh (requires {VERSION_FOR_FORCE_REFRESH} or later); its token cache may give a token close to expiry"));
    }
    (args, notes)
}

/// Runs the CLI with stdin closed, killing it when `timeout` passes.
pub async fn run(cli: &Path, args: &[String], timeout: Duration) -> Result<Output, String> {
    let mut command = tokio::process::Command::new(cli);
    command
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    match tokio::time::timeout(timeout, command.output()).await {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(e)) => Err(format!("cannot run '{}': {e}", cli.display())),
        Err(_) => Err(format!(
            "'{} {}' did not finish within {} s and was stopped",
            cli.display(),
            args.join(" "),
            timeout.as_secs()
        )),
    }
}

/// A token from `databricks auth token`.
pub struct CliToken {
    pub header: Secret,
    pub expiry: SystemTime,
}

#[derive(Deserialize)]
struct TokenOutput {
    access_token: Option<String>,
    token_type: Option<String>,
    expiry: Option<String>,
}

/// Reads `{"access_token", "token_type", "expiry"}` from the CLI's stdout; the expiry is
/// required, as in the SDK, because tracecfg asks again when it passes.
pub fn parse_token(stdout: &[u8]) -> Result<CliToken, String> {
    let out: TokenOutput =
        serde_json::from_slice(stdout).map_err(|e| format!("cannot parse CLI response: {e}"))?;
    let access = out
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or("no access_token in its output")?;
    let expiry_text = out.expiry.unwrap_or_default();
    let expiry = crate::time::parse_timestamp(&expiry_text).ok_or_else(|| {
        format!(
            "cannot parse token expiry {}",
            crate::destination::shown(&expiry_text)
        )
    })?;
    let kind = out
        .token_type
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "Bearer".into());
    Ok(CliToken {
        header: Secret::new(format!("{kind} {access}")),
        expiry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Option<Version> {
        Version::parse(text)
    }

    /// databricks-sdk-go `config/cli_token_source_test.go` `TestParseCliVersion`.
    #[test]
    fn versions_parse_and_order_as_semver() {
        assert_eq!(
            v("Databricks CLI v0.207.1"),
            Some(Version::release(0, 207, 1))
        );
        assert_eq!(
            v("Databricks CLI v1.0.0\n"),
            Some(Version::release(1, 0, 0))
        );
        for bad in [
            "",
            "not a version",
            "Databricks CLI 0.207.1",
            "v1.2",
            "v1.2.3.4",
        ] {
            assert_eq!(v(bad), None, "{bad}");
        }
        let dev = v("Databricks CLI v0.0.0-dev+abc123").unwrap();
        assert!(dev < Version::release(0, 0, 1));
        assert!(v("v0.296.0-rc1").unwrap() < VERSION_FOR_FORCE_REFRESH);
        assert!(v("v0.296.0+build").unwrap() >= VERSION_FOR_FORCE_REFRESH);
        assert!(v("v0.207.0") < Some(VERSION_FOR_PROFILE));
    }

    /// databricks-sdk-go `config/cli_token_source_test.go` `TestBuildCliCommand`.
    #[test]
    fn token_args_follow_the_cli_version() {
        let host = "https://w.example.com";
        let args = |p, ver: &str| token_args(p, host, v(ver)).0.join(" ");
        assert_eq!(
            args(Some("p"), "v0.207.1"),
            "auth token --profile p",
            "profile with new CLI"
        );
        assert_eq!(
            args(Some("p"), "v0.207.0"),
            format!("auth token --host {host}"),
            "profile with old CLI falls back to --host"
        );
        assert_eq!(
            args(Some("p"), "unknown"),
            format!("auth token --host {host}"),
            "unknown version: conservative"
        );
        assert_eq!(args(None, "v0.200.0"), format!("auth token --host {host}"));
        assert_eq!(
            args(Some("p"), "v0.296.0"),
            "auth token --profile p --force-refresh"
        );
        assert_eq!(
            args(None, "v0.300.1"),
            format!("auth token --host {host} --force-refresh")
        );
        let (_, notes) = token_args(Some("p"), host, v("v0.100.0"));
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("does not support --profile"));
    }

    /// databricks-sdk-go `TestValidateCliPath`, `TestFindDatabricksCli`.
    #[test]
    fn small_files_are_the_legacy_cli_and_path_is_searched() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small");
        std::fs::write(&small, b"#!/usr/bin/env python\n").unwrap();
        let large = dir.path().join("databricks");
        std::fs::write(&large, vec![b'#'; MIN_GO_CLI_SIZE as usize]).unwrap();
        let p = |p: &Path| p.to_str().unwrap().to_string();
        assert_eq!(find(&p(&large), None), Ok(large.clone()));
        assert_eq!(
            find(&p(&small), None),
            Err(FindError::Legacy(small.clone()))
        );
        assert_eq!(find(&p(dir.path()), None), Err(FindError::NotFound));
        assert_eq!(
            find(&p(&dir.path().join("none")), None),
            Err(FindError::NotFound)
        );
        let path_env =
            std::env::join_paths([dir.path().join("empty"), dir.path().to_path_buf()]).unwrap();
        assert_eq!(find("databricks", Some(&path_env)), Ok(large));
        assert_eq!(
            find("small", Some(&path_env)),
            Err(FindError::Legacy(small))
        );
        assert_eq!(find("databricks", None), Err(FindError::NotFound));
    }

    /// databricks-sdk-go `TestParseExpiry`, `TestCliTokenSource_Token`.
    #[test]
    fn token_output_needs_a_readable_expiry() {
        let ok = parse_token(
            br#"{"access_token":"t","token_type":"Bearer","expiry":"2024-03-20T10:30:00.123456789Z"}"#,
        )
        .unwrap();
        assert_eq!(ok.header.expose(), "Bearer t");
        for expiry in [
            "2024-03-20T10:30:00Z",
            "2024-03-20T10:30:00+01:00",
            "2024-03-20 10:30:00",
            "2024-03-20 10:30:00.123",
        ] {
            let out = format!(r#"{{"access_token":"t","expiry":"{expiry}"}}"#);
            assert!(parse_token(out.as_bytes()).is_ok(), "{expiry}");
        }
        for expiry in ["March 20, 2024", ""] {
            let out = format!(r#"{{"access_token":"t","expiry":"{expiry}"}}"#);
            let err = parse_token(out.as_bytes()).err().unwrap();
            assert!(err.starts_with("cannot parse token expiry"), "{err}");
        }
        let err = parse_token(b"not json").err().unwrap();
        assert!(err.starts_with("cannot parse CLI response"), "{err}");
    }
}
