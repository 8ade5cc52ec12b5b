//! Packaging promises: a stated minimum Rust version that the machine's toolchain satisfies, a
//! release profile tuned for a small binary, no OpenSSL anywhere in the dependency graph, the
//! metadata a crate registry expects, and a package that ships what a user needs and nothing else.

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

/// The value of a `key = ...` line of the [package] section (the text after `=`, trimmed).
fn package_field(manifest: &str, key: &str) -> Option<String> {
    let package = manifest.split("\n[").next().unwrap_or_default();
    package.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

/// The strings of a TOML array value such as `["a", "b"]`.
fn string_list(value: &str) -> Vec<String> {
    value
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn registry_metadata_is_complete_and_valid() {
    let manifest = manifest();
    for key in ["description", "license", "readme", "repository"] {
        assert!(
            package_field(&manifest, key).is_some_and(|v| v.len() > 2),
            "[package] lacks {key}"
        );
    }
    let repository = package_field(&manifest, "repository").unwrap();
    assert!(
        repository.starts_with("\"https://"),
        "repository is an https URL: {repository}"
    );
    // crates.io: at most 5 keywords of at most 20 ASCII alphanumerics, '-' or '_', starting
    // with a letter.
    let keywords = string_list(&package_field(&manifest, "keywords").expect("keywords"));
    assert!(
        (1..=5).contains(&keywords.len()),
        "1 to 5 keywords: {keywords:?}"
    );
    for k in &keywords {
        let ok = k.len() <= 20
            && k.starts_with(|c: char| c.is_ascii_alphabetic())
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        assert!(ok, "keyword {k:?} is not valid on crates.io");
    }
    // Categories must be crates.io slugs; these are the ones that fit a CLI like this one.
    let known = [
        "command-line-utilities",
        "development-tools",
        "development-tools::debugging",
        "database",
        "config",
    ];
    let categories = string_list(&package_field(&manifest, "categories").expect("categories"));
    assert!(!categories.is_empty() && categories.len() <= 5);
    for c in &categories {
        assert!(
            known.contains(&c.as_str()),
            "category {c:?} is not a known slug"
        );
    }
    let license = package_field(&manifest, "license").unwrap();
    if license.contains("Apache-2.0") {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/LICENSE"))
            .expect("a LICENSE file with the license text");
        assert!(text.contains("Apache License") && text.contains("Version 2.0"));
    }
}

/// Files `cargo package` would ship, as paths relative to the package root.
fn packaged_files() -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo package --list");
    assert!(
        out.status.success(),
        "cargo package --list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_package_ships_what_a_user_needs_and_nothing_else() {
    let files = packaged_files();
    let has = |path: &str| files.iter().any(|f| f == path);
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "LICENSE",
        "src/main.rs",
        "completions/tracecfg.1",
        "completions/tracecfg.bash",
        "docs/configuration.md",
    ] {
        assert!(has(needed), "the package lacks {needed}: {files:?}");
    }
    // Every source file ships, so the package builds on its own.
    let sources = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
        .expect("src/")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .count();
    let packaged_sources = files
        .iter()
        .filter(|f| f.starts_with("src/") && !f[4..].contains('/'))
        .count();
    assert_eq!(packaged_sources, sources, "every src/*.rs ships");

    // Only these top-level entries: cargo's own files, what a user reads, and the source.
    let allowed_top = [
        "Cargo.toml",
        "Cargo.toml.orig",
        "Cargo.lock",
        ".cargo_vcs_info.json",
        "README.md",
        "LICENSE",
        "src",
        "docs",
        "completions",
    ];
    for f in &files {
        let top = f.split('/').next().unwrap_or(f);
        assert!(
            allowed_top.contains(&top),
            "{f} should not ship (tests, fuzz corpus, benches, scripts and CI files stay in the repository)"
        );
    }
}
