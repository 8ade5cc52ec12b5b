//! Runs the built `tracecfg` binary hermetically: a cleared environment except PATH, HOME and
//! the working directory set to a temporary directory (so no file of the developer's or of the
//! repository is read), and the output captured as text.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::fake::{FakeWorkspace, TOKEN};

/// The binary under test, as Cargo built it for these tests.
pub const TRACECFG: &str = env!("CARGO_BIN_EXE_tracecfg");

/// The binary with an empty environment except PATH, HOME = `home` and working directory
/// `home`, as a plain std Command (for tests that hold its pipes or signal it).
pub fn std_tracecfg_bare(home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(TRACECFG);
    cmd.env_clear().env("HOME", home).current_dir(home);
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd
}

/// [`tracecfg`] as a plain std Command.
pub fn std_tracecfg(ws: &FakeWorkspace) -> std::process::Command {
    let mut cmd = std_tracecfg_bare(ws.home());
    cmd.env("DATABRICKS_HOST", ws.url())
        .env("DATABRICKS_TOKEN", TOKEN);
    cmd
}

/// The built binary with an empty environment except PATH, HOME = `ws.home()` (also the working
/// directory, so no tracecfg.toml of the repository is found), `DATABRICKS_HOST = ws.url()` and
/// `DATABRICKS_TOKEN = TOKEN`. Runs are killed after 60 s.
pub fn tracecfg(ws: &FakeWorkspace) -> assert_cmd::Command {
    with_timeout(std_tracecfg(ws))
}

/// The built binary with an empty environment except PATH, HOME = `home`, working directory
/// `home`, and no DATABRICKS_* variables. Runs are killed after 60 s.
pub fn tracecfg_bare(home: &Path) -> assert_cmd::Command {
    with_timeout(std_tracecfg_bare(home))
}

fn with_timeout(cmd: std::process::Command) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::from_std(cmd);
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// What a spawned child wrote on stderr (its piped stderr, read to the end).
pub fn read_stderr(child: &mut std::process::Child) -> String {
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr piped")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    stderr
}

/// A fresh temporary directory for tests that need a HOME of their own.
pub fn temp_home() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Writes `~/.databrickscfg` under `home` and returns its path.
pub fn write_databrickscfg(home: &Path, text: &str) -> PathBuf {
    let path = home.join(".databrickscfg");
    std::fs::write(&path, text).expect("write .databrickscfg");
    path
}
/// The output of a finished run, as text.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Lines of stderr starting with `error:`.
    pub fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect()
    }

    /// The `hint:` line of stderr, if any.
    pub fn hint(&self) -> Option<&str> {
        self.stderr.lines().find(|l| l.starts_with("hint:"))
    }

    /// stdout parsed as JSON (panics with the output when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs the command to completion and captures exit code, stdout and stderr.
pub fn run(cmd: &mut assert_cmd::Command) -> Run {
    let output = cmd.output().expect("run tracecfg");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
