use super::*;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn with_file(text: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".databrickscfg"), text).unwrap();
        Fixture { dir }
    }

    fn env(&self, pairs: &[(&str, &str)]) -> Env {
        let mut all = vec![("HOME", self.dir.path().to_str().unwrap())];
        all.extend_from_slice(pairs);
        Env::from_pairs(&all)
    }
}

const FILE: &str = "\
[DEFAULT]
host = https://default.example.com
token = default-token

[ci]
host = https://ci.example.com/some/path?o=1
client_id = sp-id
client_secret = sp#secret
warehouse_id = wh-file
http_timeout_seconds = 7

[__settings__]
";

fn resolve_with(
    f: &Fixture,
    flags: ConnectionFlags,
    env: &[(&str, &str)],
) -> Result<Config, CliError> {
    resolve(&flags, &f.env(env), &ProjectDefaults::default())
}

#[test]
fn default_profile_is_used_when_nothing_else_is_given() {
    let f = Fixture::with_file(FILE);
    let c = resolve_with(&f, ConnectionFlags::default(), &[]).unwrap();
    assert_eq!(c.host, "https://default.example.com");
    assert_eq!(c.profile.as_deref(), Some("DEFAULT"));
    assert_eq!(c.auth.method_name(), "pat");
}

#[test]
fn named_profile_flag_beats_env_profile_and_env_values_beat_file_values() {
    let f = Fixture::with_file(FILE);
    let flags = ConnectionFlags {
        profile: Some("ci".into()),
        ..Default::default()
    };
    let c = resolve_with(
        &f,
        flags,
        &[
            ("DATABRICKS_CONFIG_PROFILE", "DEFAULT"),
            ("DATABRICKS_WAREHOUSE_ID", "wh-env"),
        ],
    )
    .unwrap();
    assert_eq!(c.profile.as_deref(), Some("ci"));
    assert_eq!(c.host, "https://ci.example.com", "path and query dropped");
    assert_eq!(c.warehouse_id.as_deref(), Some("wh-env"));
    assert_eq!(c.http_timeout, Duration::from_secs(7));
    match &c.auth {
        AuthConfig::OAuthM2M {
            client_id,
            client_secret,
            scopes,
        } => {
            assert_eq!(client_id, "sp-id");
            assert_eq!(client_secret.expose(), "sp#secret");
            assert_eq!(scopes, &["all-apis"]);
        }
        other => panic!("expected m2m, got {other:?}"),
    }
}

#[test]
fn env_profile_is_used_when_no_flag() {
    let f = Fixture::with_file(FILE);
    let c = resolve_with(
        &f,
        ConnectionFlags::default(),
        &[("DATABRICKS_CONFIG_PROFILE", "ci")],
    )
    .unwrap();
    assert_eq!(c.profile.as_deref(), Some("ci"));
}

#[test]
fn file_is_skipped_when_env_gives_a_host_and_no_profile_is_named() {
    let f = Fixture::with_file(FILE);
    let c = resolve_with(
        &f,
        ConnectionFlags::default(),
        &[
            ("DATABRICKS_HOST", "env.example.com"),
            ("DATABRICKS_TOKEN", "t"),
        ],
    )
    .unwrap();
    assert_eq!(c.host, "https://env.example.com");
    assert_eq!(c.profile, None);
    // Only env: the DEFAULT token would otherwise have been merged in.
    let err = resolve_with(
        &f,
        ConnectionFlags::default(),
        &[("DATABRICKS_HOST", "h.example.com")],
    )
    .unwrap_err();
    assert_eq!(err.code, crate::error::ExitCode::Auth);
}

#[test]
fn env_host_wins_over_a_named_profile_host() {
    let f = Fixture::with_file(FILE);
    let c = resolve_with(
        &f,
        ConnectionFlags::default(),
        &[
            ("DATABRICKS_CONFIG_PROFILE", "DEFAULT"),
            ("DATABRICKS_HOST", "https://env.example.com/"),
        ],
    )
    .unwrap();
    assert_eq!(c.host, "https://env.example.com");
    assert_eq!(c.profile.as_deref(), Some("DEFAULT"));
}

#[test]
fn host_flag_beats_env_host() {
    let f = Fixture::with_file(FILE);
    let flags = ConnectionFlags {
        host: Some("flag.example.com".into()),
        ..Default::default()
    };
    let c = resolve_with(
        &f,
        flags,
        &[
            ("DATABRICKS_HOST", "env.example.com"),
            ("DATABRICKS_TOKEN", "t"),
        ],
    )
    .unwrap();
    assert_eq!(c.host, "https://flag.example.com");
}

#[test]
fn settings_default_profile_beats_default_section() {
    let f = Fixture::with_file(&format!("{FILE}default_profile = ci\n"));
    let c = resolve_with(&f, ConnectionFlags::default(), &[]).unwrap();
    assert_eq!(c.profile.as_deref(), Some("ci"));
}

#[test]
fn missing_named_profile_lists_the_profiles() {
    let f = Fixture::with_file(FILE);
    let flags = ConnectionFlags {
        profile: Some("nope".into()),
        ..Default::default()
    };
    let err = resolve_with(&f, flags, &[]).unwrap_err();
    assert_eq!(err.code, crate::error::ExitCode::Usage);
    assert!(
        err.message.contains("profile 'nope' not found: ")
            && err
                .message
                .contains(".databrickscfg has no nope profile configured"),
        "{}",
        err.message
    );
    assert!(
        err.message.ends_with("it has: DEFAULT, ci"),
        "{}",
        err.message
    );
}

#[test]
fn two_methods_without_auth_type_is_an_error_and_auth_type_picks_one() {
    let f = Fixture::with_file(FILE);
    let flags = ConnectionFlags {
        profile: Some("ci".into()),
        ..Default::default()
    };
    let err = resolve_with(&f, flags.clone(), &[("DATABRICKS_TOKEN", "t")]).unwrap_err();
    assert_eq!(
        err.message,
        "more than one authorization method configured: oauth and pat"
    );
    let c = resolve_with(
        &f,
        flags,
        &[("DATABRICKS_TOKEN", "t"), ("DATABRICKS_AUTH_TYPE", "pat")],
    )
    .unwrap();
    assert_eq!(c.auth.method_name(), "pat");
}

#[test]
fn plain_http_is_refused_except_for_loopback() {
    let f = Fixture::with_file("");
    for host in ["http://example.com", "http://10.1.2.3:8080"] {
        let err = resolve_with(
            &f,
            ConnectionFlags::default(),
            &[("DATABRICKS_HOST", host), ("DATABRICKS_TOKEN", "t")],
        )
        .unwrap_err();
        assert!(
            err.message
                .starts_with("refusing to send credentials over plain http"),
            "{}",
            err.message
        );
    }
    for host in [
        "http://127.0.0.1:5000",
        "http://localhost:1",
        "http://[::1]:9",
    ] {
        resolve_with(
            &f,
            ConnectionFlags::default(),
            &[("DATABRICKS_HOST", host), ("DATABRICKS_TOKEN", "t")],
        )
        .unwrap();
    }
}

#[test]
fn host_normalisation() {
    assert_eq!(
        normalize_host("adb-1.azuredatabricks.net/").unwrap(),
        "https://adb-1.azuredatabricks.net"
    );
    assert_eq!(
        normalize_host("https://h.example.com:8443/x?o=1").unwrap(),
        "https://h.example.com:8443"
    );
    assert!(normalize_host("ftp://x").is_err());
}

#[test]
fn config_file_env_var_expands_tilde() {
    let env = Env::from_pairs(&[
        ("HOME", "/home/u"),
        ("DATABRICKS_CONFIG_FILE", "~/cfg/x.ini"),
    ]);
    assert_eq!(config_file_path(&env), PathBuf::from("/home/u/cfg/x.ini"));
}

#[test]
fn project_profile_is_below_env_profile() {
    let f = Fixture::with_file(FILE);
    let project = ProjectDefaults {
        profile: Some("ci".into()),
        warehouse_id: Some("wh-project".into()),
    };
    let c = resolve(&ConnectionFlags::default(), &f.env(&[]), &project).unwrap();
    assert_eq!(c.profile.as_deref(), Some("ci"));
    assert_eq!(
        c.warehouse_id.as_deref(),
        Some("wh-file"),
        "profile beats project file"
    );
    let c = resolve(
        &ConnectionFlags::default(),
        &f.env(&[("DATABRICKS_CONFIG_PROFILE", "DEFAULT")]),
        &project,
    )
    .unwrap();
    assert_eq!(c.profile.as_deref(), Some("DEFAULT"));
    assert_eq!(c.warehouse_id.as_deref(), Some("wh-project"));
}
