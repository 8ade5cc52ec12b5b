//! Packaging promises: a stated minimum Rust version that the machine's toolchain satisfies, a
//! release profile tuned for a small binary, and no OpenSSL anywhere in the dependency graph.

use std::process::Command;

fn manifest() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).expect("Cargo.toml")
}

fn version_triplet(text: &str) -> (u32, u32, u32) {
    let mut parts = text
        .split('.')
        .map(|p| p.trim().parse::<u32>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[test]
fn minimum_rust_version_is_stated_and_met_by_the_toolchain() {
    let manifest = manifest();
    let line = manifest
        .lines()
        .find(|l| l.starts_with("rust-version"))
        .expect("Cargo.toml states rust-version");
    let msrv = line.split('"').nth(1).expect("rust-version = \"X.Y\"");
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .expect("rustc --version");
    let text = String::from_utf8_lossy(&rustc.stdout);
    let installed = text.split_whitespace().nth(1).expect("rustc X.Y.Z");
    assert!(
        version_triplet(installed) >= version_triplet(msrv),
        "the toolchain here ({installed}) is older than rust-version {msrv}"
    );
}

#[test]
fn release_profile_is_tuned_for_a_small_fast_binary() {
    let manifest = manifest();
    let profile = manifest
        .split("[profile.release]")
        .nth(1)
        .expect("a [profile.release] section");
    for setting in [
        "lto = true",
        "codegen-units = 1",
        "strip = true",
        "panic = \"abort\"",
    ] {
        assert!(
            profile.contains(setting),
            "[profile.release] lacks {setting}"
        );
    }
}

#[test]
fn no_openssl_in_the_dependency_graph() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
        .expect("Cargo.lock");
    for name in ["openssl-sys", "native-tls", "openssl"] {
        assert!(
            !lock.contains(&format!("name = \"{name}\"")),
            "Cargo.lock contains {name}: the binary must use rustls only"
        );
    }
    assert!(
        lock.contains("name = \"rustls\""),
        "rustls is expected in Cargo.lock"
    );
}
