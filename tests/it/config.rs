//! Where the binary finds its connection and its defaults: profile precedence in
//! ~/.databrickscfg, when the file is not read at all, configuration errors (exit 2, no
//! request), plain-http refusal, and tracecfg.toml below flags and environment.
//!
//! Profiles are told apart by their tokens: every profile points at the same fake workspace
//! with a token of its own, and the test reads which token arrived.

use crate::cli::*;
use crate::fake::*;

const FLAG_TOKEN: &str = "dapi-profile-flag";
const ENV_TOKEN: &str = "dapi-profile-env";
const SETTINGS_TOKEN: &str = "dapi-profile-settings";
const DEFAULT_TOKEN: &str = "dapi-profile-default";

fn profiles(url: &str, with_settings: bool) -> String {
    let settings = if with_settings {
        "[__settings__]\ndefault_profile = settings\n\n"
    } else {
        ""
    };
    format!(
        "{settings}[DEFAULT]\nhost = {url}\ntoken = {DEFAULT_TOKEN}\n\n\
         [settings]\nhost = {url}\ntoken = {SETTINGS_TOKEN}\n\n\
         [envprof]\nhost = {url}\ntoken = {ENV_TOKEN}\n\n\
         [flagprof]\nhost = {url}\ntoken = {FLAG_TOKEN}\n"
    )
}

fn workspace_with_profiles() -> FakeWorkspace {
    let ws = FakeWorkspace::start();
    for t in [FLAG_TOKEN, ENV_TOKEN, SETTINGS_TOKEN, DEFAULT_TOKEN] {
        ws.add_token(t);
    }
    ws.add_experiment("/Shared/x", &[]);
    ws
}

/// Runs `show` and returns the bearer token the workspace received.
fn token_used(ws: &FakeWorkspace, cmd: &mut assert_cmd::Command) -> String {
    ws.clear_requests();
    let r = run(cmd.args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    // Every request of the run (the lookup, the trace-store search) carries the same token.
    let tokens: std::collections::BTreeSet<String> = ws
        .requests()
        .iter()
        .map(|r| {
            r.header("authorization")
                .and_then(|h| h.strip_prefix("Bearer "))
                .expect("a bearer token")
                .to_string()
        })
        .collect();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    tokens.into_iter().next().unwrap()
}

#[test]
fn profile_flag_beats_env_profile_beats_settings_default_beats_default_section() {
    let ws = workspace_with_profiles();
    let home = ws.home();
    write_databrickscfg(home, &profiles(&ws.url(), true));

    let used = token_used(
        &ws,
        tracecfg_bare(home)
            .args(["--profile", "flagprof"])
            .env("DATABRICKS_CONFIG_PROFILE", "envprof"),
    );
    assert_eq!(used, FLAG_TOKEN);
    let used = token_used(
        &ws,
        tracecfg_bare(home).env("DATABRICKS_CONFIG_PROFILE", "envprof"),
    );
    assert_eq!(used, ENV_TOKEN);
    let used = token_used(&ws, &mut tracecfg_bare(home));
    assert_eq!(used, SETTINGS_TOKEN, "[__settings__] default_profile");

    write_databrickscfg(home, &profiles(&ws.url(), false));
    let used = token_used(&ws, &mut tracecfg_bare(home));
    assert_eq!(used, DEFAULT_TOKEN, "[DEFAULT] is the last resort");
    // -p is the short form of --profile.
    let used = token_used(&ws, tracecfg_bare(home).args(["-p", "flagprof"]));
    assert_eq!(used, FLAG_TOKEN);
}

#[test]
fn config_file_elsewhere_via_databricks_config_file() {
    let ws = workspace_with_profiles();
    let other = temp_home();
    let path = other.path().join("cfg.ini");
    std::fs::write(&path, profiles(&ws.url(), false)).unwrap();
    let used = token_used(
        &ws,
        tracecfg_bare(ws.home())
            .env("DATABRICKS_CONFIG_FILE", &path)
            .args(["--profile", "envprof"]),
    );
    assert_eq!(used, ENV_TOKEN);
}

#[test]
fn the_file_is_not_read_when_env_gives_a_host_and_no_profile_is_named() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    // Read at all, this file would fail the run: a line that is not INI.
    write_databrickscfg(
        ws.home(),
        "[DEFAULT]\nhost = http://example.invalid\ntoken = dapi-from-file\nthis line is not ini\n",
    );
    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    // Merged, this one would add a second auth method (oauth next to the env's pat).
    write_databrickscfg(
        ws.home(),
        "[DEFAULT]\nhost = http://example.invalid\nclient_id = sp\nclient_secret = s\n",
    );
    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    for q in ws.requests() {
        assert_eq!(
            q.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    // Two runs, each with the lookup and the two trace-store searches of an empty store.
    assert_eq!(ws.requests_to("GET", GET_BY_NAME).len(), 2);
    assert_eq!(ws.requests().len(), 6);

    // Naming a profile reads the file, and the broken line is reported.
    write_databrickscfg(ws.home(), "[DEFAULT]\nthis line is not ini\n");
    let r = run(tracecfg(&ws).args(["--profile", "DEFAULT", "show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(r.error_lines()[0].contains(".databrickscfg:2"), "{r}");
}

#[test]
fn a_missing_named_profile_exits_2_naming_the_file_and_its_profiles() {
    let ws = workspace_with_profiles();
    let cfg = write_databrickscfg(ws.home(), &profiles(&ws.url(), false));
    let r = run(tracecfg_bare(ws.home()).args(["--profile", "nope", "show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 2, "{r}");
    let e = r.error_lines()[0];
    assert!(e.contains("'nope'"), "{r}");
    assert!(e.contains(&cfg.display().to_string()), "{r}");
    assert!(e.contains("DEFAULT, settings, envprof, flagprof"), "{r}");
    let r = run(tracecfg_bare(ws.home())
        .env("DATABRICKS_CONFIG_PROFILE", "gone")
        .args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(r.error_lines()[0].contains("'gone'"), "{r}");
    assert!(ws.requests().is_empty());
}

#[test]
fn two_auth_methods_exit_2() {
    let ws = FakeWorkspace::start();
    write_databrickscfg(
        ws.home(),
        &format!(
            "[sp]\nhost = {}\nclient_id = sp-id\nclient_secret = sp-secret\n",
            ws.url()
        ),
    );
    let r = run(tracecfg_bare(ws.home())
        .env("DATABRICKS_TOKEN", TOKEN)
        .args(["--profile", "sp", "show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.error_lines()[0].contains("more than one authorization method configured: oauth and pat"),
        "{r}"
    );
    assert!(r.hint().is_some_and(|h| h.contains("auth_type")), "{r}");
    assert!(ws.requests().is_empty());
}

#[test]
fn plain_http_to_a_non_loopback_host_is_refused_before_any_request() {
    let home = temp_home();
    let r = run(tracecfg_bare(home.path())
        .env("DATABRICKS_HOST", "http://example.invalid")
        .env("DATABRICKS_TOKEN", TOKEN)
        .args(["--debug", "show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.error_lines()[0].contains("refusing to send credentials over plain http"),
        "{r}"
    );
    assert!(
        !r.stderr.contains("> GET") && !r.stderr.contains("> POST"),
        "no request may be made: {r}"
    );
    assert!(!r.stderr.contains(TOKEN), "{r}");
}

#[test]
fn tracecfg_toml_supplies_defaults_below_env_and_flags() {
    let ws = FakeWorkspace::start();
    let file_exp = ws.add_experiment("/Shared/from_file", &[]);
    let env_exp = ws.add_experiment("/Shared/from_env", &[]);
    let flag_exp = ws.add_experiment("/Shared/from_flag", &[]);
    std::fs::write(
        ws.home().join("tracecfg.toml"),
        "experiment = \"/Shared/from_file\"\ncatalog = \"file_catalog\"\nschema = \"file_schema\"\n",
    )
    .unwrap();

    // No flags at all: everything from the file.
    let r = run(tracecfg(&ws).arg("set"));
    assert_eq!(r.code, 0, "{r}");
    let tags = ws.experiment_tags(&file_exp);
    assert_eq!(tags[TAG_CATALOG], "file_catalog");
    assert_eq!(tags[TAG_SCHEMA], "file_schema");
    assert_eq!(tags[TAG_TABLE], "agent_traces");

    // The environment beats the file.
    let r = run(tracecfg(&ws)
        .env("MLFLOW_EXPERIMENT_NAME", "/Shared/from_env")
        .arg("set"));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ws.experiment_tags(&env_exp)[TAG_CATALOG], "file_catalog");

    // Flags beat both.
    let r = run(tracecfg(&ws)
        .env("MLFLOW_EXPERIMENT_NAME", "/Shared/from_env")
        .args([
            "set",
            "-e",
            "/Shared/from_flag",
            "--catalog",
            "flag_catalog",
        ]));
    assert_eq!(r.code, 0, "{r}");
    let tags = ws.experiment_tags(&flag_exp);
    assert_eq!(tags[TAG_CATALOG], "flag_catalog");
    assert_eq!(tags[TAG_SCHEMA], "file_schema");

    let looked_up: Vec<String> = ws
        .requests_to("GET", GET_BY_NAME)
        .iter()
        .map(|q| q.query_param("experiment_name").unwrap())
        .collect();
    assert_eq!(
        looked_up,
        ["/Shared/from_file", "/Shared/from_env", "/Shared/from_flag"]
    );
}

#[test]
fn an_invalid_tracecfg_toml_exits_2_naming_file_and_line() {
    let ws = FakeWorkspace::start();
    std::fs::write(
        ws.home().join("tracecfg.toml"),
        "catalog = \"main\"\ncatalgo = \"typo\"\n",
    )
    .unwrap();
    let r = run(tracecfg(&ws).args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(r.error_lines()[0].contains("tracecfg.toml:2"), "{r}");
    assert!(ws.requests().is_empty());
}

#[test]
fn host_flag_beats_env_and_host_is_normalized() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    // The environment names a host that would be refused; the flag wins.
    let r = run(tracecfg(&ws)
        .env("DATABRICKS_HOST", "http://example.invalid")
        .args([
            "--host",
            &format!("{}/some/path/?o=123", ws.url()),
            "show",
            "-e",
            "/Shared/x",
        ]));
    assert_eq!(r.code, 0, "{r}");
    let q = &ws.requests()[0];
    assert_eq!(
        q.path, GET_BY_NAME,
        "path and query of the host are dropped"
    );
}

#[test]
fn oauth_credentials_from_a_profile_keep_a_hash_in_the_secret() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    let secret = "s3cr#t;value";
    ws.enable_oauth("sp-id", secret);
    write_databrickscfg(
        ws.home(),
        &format!(
            "[sp]\nhost = {}   # the workspace\nclient_id = sp-id\nclient_secret = {secret}\n",
            ws.url()
        ),
    );
    let r = run(tracecfg_bare(ws.home()).args(["-p", "sp", "show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    let token = &ws.requests_to("POST", OAUTH_TOKEN)[0];
    assert_eq!(
        token.header("authorization"),
        Some(basic_auth("sp-id", secret).as_str())
    );
}

#[test]
fn auth_type_settles_two_auth_methods() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    let r = run(tracecfg(&ws)
        .env("DATABRICKS_CLIENT_ID", "sp-id")
        .env("DATABRICKS_CLIENT_SECRET", "sp-secret")
        .args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 2, "{r}");
    let r = run(tracecfg(&ws)
        .env("DATABRICKS_CLIENT_ID", "sp-id")
        .env("DATABRICKS_CLIENT_SECRET", "sp-secret")
        .env("DATABRICKS_AUTH_TYPE", "pat")
        .args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(ws.requests_to("GET", OAUTH_DISCOVERY).is_empty());
    assert_eq!(
        ws.requests()[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[test]
fn no_credentials_exits_4_and_no_host_exits_2() {
    let ws = FakeWorkspace::start();
    let r = run(tracecfg_bare(ws.home())
        .env("DATABRICKS_HOST", ws.url())
        .args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 4, "{r}");
    assert!(
        r.error_lines()[0].contains("no credentials configured"),
        "{r}"
    );
    let r = run(tracecfg_bare(ws.home()).args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.error_lines()[0].contains("no Databricks host configured"),
        "{r}"
    );
    assert!(ws.requests().is_empty());
}
