//! Authentication through the binary: OAuth machine-to-machine against the fake's OIDC
//! endpoints, 401/403 exit codes and hints, and secrets kept out of `--debug` output.

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;

const CLIENT_ID: &str = "sp-client-id-1234";
const CLIENT_SECRET: &str = "dose-oauth-secret-9876";

fn m2m(ws: &FakeWorkspace) -> assert_cmd::Command {
    let mut cmd = tracecfg_bare(ws.home());
    cmd.env("DATABRICKS_HOST", ws.url())
        .env("DATABRICKS_CLIENT_ID", CLIENT_ID)
        .env("DATABRICKS_CLIENT_SECRET", CLIENT_SECRET);
    cmd
}

#[test]
fn oauth_m2m_fetches_one_token_for_a_whole_command() {
    let ws = FakeWorkspace::start();
    ws.enable_oauth(CLIENT_ID, CLIENT_SECRET);
    ws.add_catalog("main");
    ws.add_schema("main", "agents");
    let id = ws.add_experiment("/Shared/x", &[]);
    // --verify makes the lookup and three Unity Catalog calls at once, then three tag writes
    // run at once: seven API calls that all want a token.
    let r = run(m2m(&ws).args([
        "--debug",
        "set",
        "-e",
        "/Shared/x",
        "--catalog",
        "main",
        "--schema",
        "agents",
        "--verify",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ws.experiment_tags(&id).len(), 3);

    assert_eq!(ws.requests_to("GET", OAUTH_DISCOVERY).len(), 1);
    let tokens = ws.requests_to("POST", OAUTH_TOKEN);
    assert_eq!(tokens.len(), 1, "one token request: {:?}", ws.requests());
    let t = &tokens[0];
    assert_eq!(
        t.header("authorization"),
        Some(basic_auth(CLIENT_ID, CLIENT_SECRET).as_str()),
        "client authentication is HTTP Basic"
    );
    assert!(t
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")));
    assert_eq!(
        t.form_param("grant_type").as_deref(),
        Some("client_credentials")
    );
    assert_eq!(t.form_param("scope").as_deref(), Some("all-apis"));
    assert!(
        !t.body.contains(CLIENT_SECRET),
        "the secret is not in the form"
    );

    let api: Vec<Recorded> = ws
        .requests()
        .into_iter()
        .filter(|q| q.path.starts_with("/api/"))
        .collect();
    assert_eq!(api.len(), 7, "{api:?}");
    for q in &api {
        assert_eq!(
            q.header("authorization"),
            Some("Bearer oauth-access-1"),
            "{q:?}"
        );
    }
    // The token endpoint sees no bearer token and the API never sees the Basic credential.
    assert!(ws
        .requests()
        .iter()
        .filter(|q| q.path.starts_with("/oidc/"))
        .all(|q| !q
            .header("authorization")
            .unwrap_or("")
            .starts_with("Bearer")));

    assert!(r.stderr.contains("debug:"), "--debug is on: {r}");
    for secret in [
        CLIENT_SECRET,
        "oauth-access-1",
        &basic_auth(CLIENT_ID, CLIENT_SECRET)[6..],
    ] {
        assert!(
            !r.stdout.contains(secret) && !r.stderr.contains(secret),
            "{secret} leaked: {r}"
        );
    }
}

#[test]
fn a_refused_client_secret_exits_4_without_showing_it() {
    let ws = FakeWorkspace::start();
    ws.enable_oauth(CLIENT_ID, "the-real-secret");
    ws.add_experiment("/Shared/x", &[]);
    let r = run(m2m(&ws).args(["--debug", "show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 4, "{r}");
    let e = r.error_lines()[0];
    assert!(e.contains(CLIENT_ID) && e.contains("refused"), "{r}");
    assert!(
        !r.stderr.contains(CLIENT_SECRET) && !r.stderr.contains("the-real-secret"),
        "{r}"
    );
    assert!(
        ws.requests_to("GET", GET_BY_NAME).is_empty(),
        "no API call without a token"
    );
}

#[test]
fn the_client_secret_is_not_sent_to_a_plain_http_token_endpoint() {
    let ws = FakeWorkspace::start();
    ws.enable_oauth(CLIENT_ID, CLIENT_SECRET);
    ws.add_experiment("/Shared/x", &[]);
    ws.fault(
        Fault::on("GET", OAUTH_DISCOVERY)
            .status(200)
            .body(r#"{"token_endpoint": "http://example.invalid/oidc/v1/token"}"#),
    );
    let r = run(m2m(&ws).args([
        "--debug",
        "--retry-timeout",
        "2s",
        "show",
        "-e",
        "/Shared/x",
    ]));
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.error_lines()[0].contains("refusing to send the client secret"),
        "{r}"
    );
    assert!(
        !r.stderr.contains("> POST OAuth token endpoint"),
        "no token request may be made: {r}"
    );
    assert!(ws.requests_to("POST", OAUTH_TOKEN).is_empty());
}

#[test]
fn a_host_without_oauth_exits_4() {
    let ws = FakeWorkspace::start();
    let r = run(m2m(&ws).args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 4, "{r}");
    assert!(
        r.error_lines()[0].contains("databricks OAuth is not supported for this host"),
        "{r}"
    );
}

#[test]
fn unauthenticated_exits_4_with_a_hint_naming_host_and_auth_method() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    let wrong = "dapi-wrong-token-5555";
    let r = run(tracecfg(&ws).env("DATABRICKS_TOKEN", wrong).args([
        "--debug",
        "show",
        "-e",
        "/Shared/x",
    ]));
    assert_eq!(r.code, 4, "{r}");
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    assert!(
        errors[0].contains("401") && errors[0].contains("UNAUTHENTICATED"),
        "{r}"
    );
    let hint = r.hint().unwrap_or_else(|| panic!("no hint: {r}"));
    assert!(hint.contains(&ws.url()), "{hint}");
    assert!(hint.contains("auth method pat"), "{hint}");
    assert!(hint.contains("no profile"), "{hint}");
    assert!(
        !r.stderr.contains(wrong) && !r.stdout.contains(wrong),
        "{r}"
    );
    assert_eq!(ws.requests().len(), 1, "401 is not retried");

    // With a profile, the hint names it and its file.
    let cfg = write_databrickscfg(
        ws.home(),
        &format!("[dev]\nhost = {}\ntoken = {wrong}\n", ws.url()),
    );
    let r = run(tracecfg_bare(ws.home()).args(["-p", "dev", "show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 4, "{r}");
    let hint = r.hint().unwrap_or_else(|| panic!("no hint: {r}"));
    assert!(
        hint.contains("profile 'dev'") && hint.contains(&cfg.display().to_string()),
        "{hint}"
    );
}

#[test]
fn permission_denied_exits_4() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    ws.fault(Fault::on("POST", SET_TAG).status(403).body(
        r#"{"error_code":"PERMISSION_DENIED","message":"User does not have permission 'EDIT' on experiment 1"}"#,
    ));
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &[])));
    assert_eq!(r.code, 4, "{r}");
    assert!(
        r.error_lines()[0].contains("does not have permission 'EDIT'"),
        "{r}"
    );
    assert!(r.hint().is_some(), "{r}");
    assert_eq!(
        ws.requests_to("POST", SET_TAG).len(),
        3,
        "403 is not retried"
    );
}

#[test]
fn the_pat_never_appears_in_debug_output() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    // A successful run, a retried run and a failing run, all with --debug.
    let r = run(tracecfg(&ws)
        .arg("--debug")
        .args(set_args("/Shared/x", &[])));
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stderr
            .contains("debug: > GET /api/2.0/mlflow/experiments/get-by-name"),
        "{r}"
    );
    assert!(
        !r.stderr.contains(TOKEN) && !r.stdout.contains(TOKEN),
        "{r}"
    );

    ws.fault(Fault::on("GET", GET_BY_NAME).status(503).times(1));
    let r = run(tracecfg(&ws).args(["--debug", "show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.contains("will be retried"), "{r}");
    assert!(
        !r.stderr.contains(TOKEN) && !r.stdout.contains(TOKEN),
        "{r}"
    );

    ws.fault(Fault::on("GET", GET_BY_NAME).status(500));
    let r = run(tracecfg(&ws).args(["--debug", "show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 1, "{r}");
    assert!(
        !r.stderr.contains(TOKEN) && !r.stdout.contains(TOKEN),
        "{r}"
    );
}

/// A least-privilege secret: asking for all-apis is refused, so the configured scopes must be
/// what is asked for (the profile's `scopes`, or `DATABRICKS_SCOPES`), sorted and deduplicated.
#[test]
fn the_configured_scopes_are_asked_for_instead_of_all_apis() {
    let ws = FakeWorkspace::start();
    ws.enable_scoped_oauth(CLIENT_ID, CLIENT_SECRET, &["iam:read", "sql"]);
    ws.add_experiment("/Shared/x", &[]);
    write_databrickscfg(
        ws.home(),
        &format!(
            "[sp]\nhost = {}\nclient_id = {CLIENT_ID}\nclient_secret = {CLIENT_SECRET}\nscopes = sql, iam:read sql\n",
            ws.url()
        ),
    );
    let r = run(tracecfg_bare(ws.home()).args(["show", "-p", "sp", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    let asked = ws.requests_to("POST", OAUTH_TOKEN);
    assert_eq!(
        asked[0].form_param("scope").as_deref(),
        Some("iam:read sql")
    );

    let r = run(m2m(&ws)
        .env("DATABRICKS_SCOPES", "sql")
        .args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 0, "{r}");
    let asked = ws.requests_to("POST", OAUTH_TOKEN);
    assert_eq!(asked[1].form_param("scope").as_deref(), Some("sql"));

    let r = run(m2m(&ws)
        .env("DATABRICKS_SCOPES", "sql&x=1")
        .args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.error_lines()[0].starts_with("error: scopes (from env DATABRICKS_SCOPES) has 'sql&x=1'"),
        "{r}"
    );
    assert_eq!(
        ws.requests_to("POST", OAUTH_TOKEN).len(),
        2,
        "refused before any request"
    );
}

/// databricks-sdk-go reads `token = 'dapi…'` as `dapi…` (gopkg.in/ini.v1 strips a matching
/// pair of single or double quotes).
#[test]
fn a_quoted_token_in_the_profile_is_sent_without_its_quotes() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    for quoted in [format!("'{TOKEN}'"), format!("\"{TOKEN}\"")] {
        write_databrickscfg(
            ws.home(),
            &format!("[q]\nhost = {}\ntoken = {quoted}\n", ws.url()),
        );
        let r = run(tracecfg_bare(ws.home()).args(["show", "-p", "q", "-e", "/Shared/x"]));
        assert_eq!(r.code, 0, "{quoted}: {r}");
    }
}

#[test]
fn username_and_password_beside_a_token_are_refused_as_the_sdks_refuse_them() {
    let ws = FakeWorkspace::start();
    let r = run(tracecfg(&ws)
        .env("DATABRICKS_USERNAME", "x")
        .env("DATABRICKS_PASSWORD", "y")
        .args(["show", "-e", "/Shared/x"]));
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        r.error_lines()[0],
        "error: more than one authorization method configured: basic and pat",
        "{r}"
    );
    assert!(ws.requests().is_empty());
}

#[test]
fn the_host_keeps_its_letter_case_in_doctor_and_debug_output() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    let host = ws.url().replace("127.0.0.1", "LocalHost");
    assert_ne!(host, ws.url(), "the fake listens on 127.0.0.1");
    let r = run(tracecfg(&ws).env("DATABRICKS_HOST", &host).args([
        "--debug",
        "show",
        "-e",
        "/Shared/x",
    ]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.contains(&format!("host {host}")), "{r}");
    let r = run(tracecfg(&ws).env("DATABRICKS_HOST", &host).arg("doctor"));
    assert!(r.stdout.contains(&format!("{host} answers")), "{r}");
}
