//! The committed completions and man page must be what the current binary generates.

use std::process::Command;

const REGENERATE: &str = "scripts/generate-completions";

fn generated(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_tracecfg"))
        .args(args)
        .env_clear()
        .output()
        .expect("run tracecfg");
    assert!(
        output.status.success(),
        "tracecfg {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

fn committed(file: &str) -> String {
    let path = format!("{}/completions/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}; run {REGENERATE}"))
}

#[test]
fn committed_completions_match_the_binary() {
    for (shell, file) in [
        ("bash", "tracecfg.bash"),
        ("zsh", "_tracecfg"),
        ("fish", "tracecfg.fish"),
        ("powershell", "_tracecfg.ps1"),
        ("elvish", "tracecfg.elv"),
    ] {
        let now = generated(&["completions", shell]);
        assert!(now.contains("tracecfg"), "{shell} script looks empty");
        assert!(
            now == committed(file),
            "completions/{file} differs from `tracecfg completions {shell}`; run {REGENERATE}"
        );
    }
}

#[test]
fn committed_man_page_matches_the_binary() {
    let now = generated(&["man"]);
    assert!(now.contains(".TH tracecfg 1"), "not a man page");
    assert!(
        now == committed("tracecfg.1"),
        "completions/tracecfg.1 differs from `tracecfg man`; run {REGENERATE}"
    );
}

#[test]
fn version_flags_print_the_version() {
    for flag in ["--version", "-V"] {
        assert_eq!(
            generated(&[flag]).trim(),
            format!("tracecfg {}", env!("CARGO_PKG_VERSION"))
        );
    }
}
