//! No secret ever reaches stdout or stderr, even with `--debug`: not the personal access token,
//! not the OAuth client secret (nor its Basic encoding), not an issued OAuth access token, not a
//! presigned link's signature or its headers. Every command runs, with a PAT and with OAuth M2M,
//! on success paths and on the error paths that handle links; none may panic.

use std::time::Duration;

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;

const CLIENT_ID: &str = "sp-client-4f1e";
const CLIENT_SECRET: &str = "dose-client-secret-Zq81xK";
const LINK_SIG: &str = "SECRETSIG";
const LINK_HEADER_VALUE: &str = "presigned-header-value";

#[derive(Clone, Copy, Debug)]
enum Auth {
    Pat,
    OAuth,
}

fn workspace() -> FakeWorkspace {
    let ws = tagged_workspace();
    ws.add_experiment("/Shared/fresh", &[]);
    ws.add_catalog("main");
    ws.add_schema("main", "agents");
    ws.add_warehouse("wh1", "Starter", "RUNNING");
    ws.enable_oauth(CLIENT_ID, CLIENT_SECRET);
    // The export statement of the tags table: its rows through links, the first expiring.
    ws.declare_result(
        "ORDER BY traces.trace_start",
        StatementResult {
            chunks: 2,
            expire_links_once: true,
            ..StatementResult::table(
                &[
                    ("trace_id", "STRING"),
                    ("trace_start", "TIMESTAMP"),
                    ("span_name", "STRING"),
                    ("start_time_unix_nano", "LONG"),
                ],
                &[
                    &[
                        Some("tr-1"),
                        Some("2026-11-30T10:00:00.000Z"),
                        Some("a"),
                        Some("1796032800000000000"),
                    ],
                    &[
                        Some("tr-2"),
                        Some("2026-12-01T10:00:00.000Z"),
                        Some("b"),
                        Some("1796119200000000000"),
                    ],
                ],
            )
        },
    );
    ws.declare_result(
        "SELECT 1",
        StatementResult::table(&[("1", "INT")], &[&[Some("1")]]),
    );
    ws.declare_result(
        "FROM `main`.`agents`.`agent_traces`",
        StatementResult {
            chunks: 3,
            expire_links_once: true,
            ..StatementResult::table(
                &[("trace_id", "STRING"), ("inputs", "STRING")],
                &[
                    &[Some("tr-1"), Some("a")],
                    &[Some("tr-2"), None],
                    &[Some("tr-3"), Some("")],
                ],
            )
        },
    );
    ws
}

fn command(ws: &FakeWorkspace, auth: Auth) -> assert_cmd::Command {
    match auth {
        Auth::Pat => tracecfg(ws),
        Auth::OAuth => {
            let mut cmd = tracecfg_bare(ws.home());
            cmd.env("DATABRICKS_HOST", ws.url())
                .env("DATABRICKS_CLIENT_ID", CLIENT_ID)
                .env("DATABRICKS_CLIENT_SECRET", CLIENT_SECRET);
            cmd
        }
    }
}

/// Every secret the runs so far could have seen: fixed ones, and the bearer tokens the fake
/// received (the issued OAuth tokens among them).
fn secrets(ws: &FakeWorkspace) -> Vec<String> {
    let mut all = vec![
        TOKEN.to_string(),
        CLIENT_SECRET.to_string(),
        basic_auth(CLIENT_ID, CLIENT_SECRET),
        basic_auth(CLIENT_ID, CLIENT_SECRET)["Basic ".len()..].to_string(),
        LINK_SIG.to_string(),
        LINK_HEADER_VALUE.to_string(),
    ];
    for r in ws.requests() {
        if let Some(token) = r
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
        {
            if !all.iter().any(|s| s == token) {
                all.push(token.to_string());
            }
        }
    }
    all
}

/// Runs one command with `--debug` and checks its output for every secret and for a panic.
fn run_checked(ws: &FakeWorkspace, auth: Auth, args: &[&str], expected_code: i32) -> Run {
    let r = run(command(ws, auth).arg("--debug").args(args));
    assert_eq!(r.code, expected_code, "{auth:?} {args:?}: {r}");
    assert!(
        r.stderr.contains("debug:"),
        "{auth:?} {args:?}: --debug logs: {r}"
    );
    for secret in secrets(ws) {
        assert!(
            !r.stdout.contains(&secret) && !r.stderr.contains(&secret),
            "{auth:?} {args:?} shows the secret {secret:?}: {r}"
        );
    }
    assert!(
        !r.stdout.contains("panicked") && !r.stderr.contains("panicked"),
        "{r}"
    );
    r
}

fn every_command(auth: Auth) {
    let ws = workspace();
    run_checked(
        &ws,
        auth,
        &[
            "set",
            "-e",
            "/Shared/fresh",
            "--catalog",
            "main",
            "--schema",
            "agents",
        ],
        0,
    );
    run_checked(&ws, auth, &["show", "-e", EXPERIMENT, "--all-tags"], 0);
    run_checked(&ws, auth, &["show", "-e", EXPERIMENT, "-o", "json"], 0);
    let r = run_checked(
        &ws,
        auth,
        &[
            "query",
            "-e",
            EXPERIMENT,
            "--source",
            "tables",
            "--disposition",
            "external-links",
            "-o",
            "jsonl",
        ],
        0,
    );
    assert_eq!(r.stdout.lines().count(), 3, "{r}");
    // auto, hitting the inline limit, then links.
    ws.declare_result(
        "big_table",
        StatementResult {
            inline_limit_exceeded: true,
            ..StatementResult::table(&[("x", "STRING")], &[&[Some("1")]])
        },
    );
    run_checked(&ws, auth, &["query", "--sql", "SELECT x FROM big_table"], 0);
    run_checked(
        &ws,
        auth,
        &[
            "query",
            "-e",
            EXPERIMENT,
            "--source",
            "tables",
            "--print-sql",
        ],
        0,
    );
    run_checked(&ws, auth, &["doctor", "-e", EXPERIMENT, "--query"], 0);
    run_checked(
        &ws,
        auth,
        &["doctor", "-e", EXPERIMENT, "--query", "-o", "json"],
        0,
    );
    run_checked(&ws, auth, &["unset", "-e", "/Shared/fresh"], 0);
    let r = run_checked(
        &ws,
        auth,
        &[
            "export",
            "--table",
            "main.agents.agent_traces",
            "--layout",
            "tags",
            "--out",
            "exported",
            "-o",
            "json",
        ],
        0,
    );
    assert_eq!(r.json()["traces"], 2, "{r}");

    // The runs really used the credential and the links.
    let presigned = ws.requests_to("GET", "/presigned/");
    assert!(presigned.len() >= 6, "{presigned:?}");
    assert!(presigned
        .iter()
        .all(|r| r.header("authorization").is_none()));
    match auth {
        Auth::Pat => assert!(ws.requests_to("POST", OAUTH_TOKEN).is_empty()),
        Auth::OAuth => {
            let issued: Vec<String> = secrets(&ws)
                .into_iter()
                .filter(|s| s.starts_with("oauth-access-"))
                .collect();
            assert!(!issued.is_empty(), "OAuth tokens were used");
            assert!(ws
                .requests_to("GET", "/api/")
                .iter()
                .all(|r| r.header("authorization") != Some(&format!("Bearer {TOKEN}"))));
        }
    }
}

#[test]
fn every_command_with_a_pat_keeps_secrets_out_of_the_output() {
    every_command(Auth::Pat);
}

#[test]
fn every_command_with_oauth_m2m_keeps_secrets_out_of_the_output() {
    every_command(Auth::OAuth);
}

/// Links that fail for good: the errors name the chunk and the host, never the link.
fn failing_links(auth: Auth) {
    let query = [
        "query",
        "-e",
        EXPERIMENT,
        "--source",
        "tables",
        "--disposition",
        "external-links",
        "--retry-timeout",
        "2s",
        "--http-timeout",
        "1s",
    ];

    let ws = workspace();
    ws.fault(Fault::on("GET", "/presigned/").status(403).body(
        "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
    ));
    let r = run_checked(&ws, auth, &query, 4);
    assert!(r.error_lines()[0].contains("result chunk 0"), "{r}");
    assert!(r.error_lines()[0].contains("presigned"), "{r}");
    assert!(r.hint().is_some_and(|h| h.contains("storage")), "{r}");

    // A storage error page echoing signing material: only its code is shown.
    let ws = workspace();
    ws.fault(Fault::on("GET", "/presigned/").status(403).body(
        "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><AWSAccessKeyId>AKIAFAKESIGNINGKEY</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256 x</StringToSign><CanonicalRequest>GET /x X-Amz-Security-Token=FAKESESSIONTOKEN</CanonicalRequest></Error>",
    ));
    let r = run_checked(&ws, auth, &query, 4);
    assert!(r.error_lines()[0].contains("SignatureDoesNotMatch"), "{r}");
    for echoed in ["AKIAFAKESIGNINGKEY", "FAKESESSIONTOKEN", "AWS4-HMAC-SHA256"] {
        assert!(
            !r.stderr.contains(echoed) && !r.stdout.contains(echoed),
            "{echoed} shown:\n{r}"
        );
    }

    // A storage failure is retried (and logged with --debug) within the 2 s budget, then
    // reported: its echoed signing material stays out of both.
    let ws = workspace();
    ws.fault(Fault::on("GET", "/presigned/").status(500).body(
        "<?xml version=\"1.0\"?><Error><Code>InternalError</Code><StringToSign>AWS4-HMAC-SHA256 x</StringToSign><CanonicalRequest>GET /x X-Amz-Security-Token=FAKESESSIONTOKEN</CanonicalRequest></Error>",
    ));
    let r = run_checked(&ws, auth, &query, 1);
    assert!(r.error_lines()[0].contains("InternalError"), "{r}");
    assert!(r.error_lines()[0].contains("result chunk 0"), "{r}");
    for echoed in ["FAKESESSIONTOKEN", "AWS4-HMAC-SHA256"] {
        assert!(
            !r.stderr.contains(echoed) && !r.stdout.contains(echoed),
            "{echoed} shown:\n{r}"
        );
    }

    let ws = workspace();
    ws.fault(Fault::on("GET", "/presigned/").drop_connection());
    let r = run_checked(&ws, auth, &query, 1);
    assert!(r.error_lines()[0].contains("presigned"), "{r}");

    let ws = workspace();
    ws.fault(Fault::on("GET", "/presigned/").delay(Duration::from_secs(3)));
    let r = run_checked(&ws, auth, &query, 1);
    assert!(r.error_lines()[0].contains("presigned"), "{r}");

    // A body that is not rows.
    let ws = workspace();
    ws.fault(
        Fault::on("GET", "/presigned/")
            .status(200)
            .body("<html>login</html>"),
    );
    let r = run_checked(&ws, auth, &query, 1);
    assert!(r.error_lines()[0].contains("chunk"), "{r}");
}

#[test]
fn failing_links_with_a_pat_keep_secrets_out_of_errors() {
    failing_links(Auth::Pat);
}

#[test]
fn failing_links_with_oauth_keep_secrets_out_of_errors() {
    failing_links(Auth::OAuth);
}

/// Credentials refused: the error names the method, not the secret.
#[test]
fn refused_credentials_keep_secrets_out_of_errors() {
    let ws = workspace();
    ws.fault(
        Fault::on("*", "/api/")
            .status(401)
            .body(r#"{"error_code":"UNAUTHENTICATED","message":"Invalid access token."}"#),
    );
    for auth in [Auth::Pat, Auth::OAuth] {
        run_checked(&ws, auth, &["show", "-e", EXPERIMENT], 4);
        run_checked(
            &ws,
            auth,
            &["query", "-e", EXPERIMENT, "--source", "tables", "-w", "wh1"],
            4,
        );
    }

    let ws = workspace();
    ws.enable_oauth(CLIENT_ID, "another-secret");
    let r = run_checked(&ws, Auth::OAuth, &["show", "-e", EXPERIMENT], 4);
    assert!(r.stderr.contains("oauth"), "{r}");
}
