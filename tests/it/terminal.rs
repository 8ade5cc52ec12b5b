//! What a person sees: a command typed into a shell in a real terminal (tmux) of a given width,
//! the screen captured and compared with a golden file in tests/it/screens/
//! (TRACECFG_UPDATE_SCREENS=1 rewrites them).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cli::*;
use crate::fake::*;

fn screens_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/screens")
}

/// Types `command` into a shell in a tmux terminal of `width` columns and returns the screen
/// once the command has ended (trailing spaces and blank lines dropped).
pub fn screen(ws: &FakeWorkspace, width: u16, command: &str) -> String {
    screen_during(ws, width, command, |_| false).1
}

/// [`screen`], and the first screen captured while the command ran that `during` accepts
/// (`None` if none did).
pub fn screen_during(
    ws: &FakeWorkspace,
    width: u16,
    command: &str,
    during: impl Fn(&str) -> bool,
) -> (Option<String>, String) {
    let tmux = |args: &[&str]| {
        let out = Command::new("tmux")
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run tmux ({e}): install it (apt-get install -y tmux); .ci/run does")
            });
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let socket = format!("tracecfg-{}-{}", std::process::id(), fastrand::u32(..));
    let bin = PathBuf::from(TRACECFG);
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = |k: &str, v: &str| format!("{k}={v}");
    let home = ws.home().display().to_string();
    // The shell gets its environment from `env`, whatever the tmux version supports.
    tmux(&[
        "-L",
        &socket,
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-x",
        &width.to_string(),
        "-y",
        "40",
        "-c",
        &home,
        "env",
        "-i",
        &env("PATH", &path),
        &env("HOME", &home),
        &env("DATABRICKS_HOST", &ws.url()),
        &env("DATABRICKS_TOKEN", TOKEN),
        "TERM=xterm-256color",
        "PS1=$ ",
        "sh",
    ]);
    // `clear` first: the screen then holds what the command printed, and the exit code.
    tmux(&[
        "-L",
        &socket,
        "send-keys",
        &format!("clear; {command}; echo \"[exit $?]\""),
        "Enter",
    ]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen_during = None;
    let captured = loop {
        let text = tmux(&["-L", &socket, "capture-pane", "-p"]);
        if text.lines().any(|l| l.starts_with("[exit ")) {
            break text;
        }
        if seen_during.is_none() && during(&text) {
            seen_during = Some(text.clone());
        }
        if Instant::now() > deadline {
            let _ = Command::new("tmux")
                .args(["-L", &socket, "kill-server"])
                .status();
            panic!("the command did not end in tmux:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = Command::new("tmux")
        .args(["-L", &socket, "kill-server"])
        .status();
    (seen_during.map(|s| trimmed(&s)), trimmed(&captured))
}

/// Trailing spaces and blank lines dropped.
fn trimmed(captured: &str) -> String {
    let lines: Vec<&str> = captured.lines().map(str::trim_end).collect();
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    lines[..end].join("\n") + "\n"
}

/// Compares with (or, with TRACECFG_UPDATE_SCREENS=1, writes) `tests/it/screens/<name>.txt`.
pub fn golden(name: &str, actual: &str) {
    let path = screens_dir().join(format!("{name}.txt"));
    if std::env::var_os("TRACECFG_UPDATE_SCREENS").is_some() {
        std::fs::create_dir_all(screens_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} ({e}): run with TRACECFG_UPDATE_SCREENS=1 to write it",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "the screen differs from {}:\n{actual}",
        path.display()
    );
}
