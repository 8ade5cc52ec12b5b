//! The HTTP client's behaviour seen from the server: Retry-After, the retry budget, no replay
//! of non-idempotent requests, decoding of every error body shape, redirects, timeouts and
//! malformed answers.

use std::time::{Duration, Instant};

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;

fn show(ws: &FakeWorkspace, extra: &[&str]) -> Run {
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["show", "-e", "/Shared/x"]);
    run(tracecfg(ws).args(&args))
}

fn no_panic(r: &Run) {
    assert!(!r.stderr.contains("panicked"), "{r}");
    assert!(!r.stderr.contains("RUST_BACKTRACE"), "{r}");
}

#[test]
fn retry_after_is_honoured_on_429() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    ws.fault(
        Fault::on("GET", GET_BY_NAME)
            .status(429)
            .header("Retry-After", "2")
            .body(r#"{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}"#)
            .times(1),
    );
    let r = show(&ws, &[]);
    assert_eq!(r.code, 0, "{r}");
    let attempts = ws.requests_to("GET", GET_BY_NAME);
    assert_eq!(attempts.len(), 2);
    let gap = attempts[1].at.duration_since(attempts[0].at);
    assert!(
        gap >= Duration::from_millis(1900),
        "retried after {gap:?}, before the 2 s the server asked for"
    );
    assert!(gap < Duration::from_secs(5), "{gap:?}");
}

#[test]
fn retries_stop_at_the_retry_budget() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    ws.fault(
        Fault::on("GET", GET_BY_NAME)
            .status(503)
            .body(r#"{"error_code":"TEMPORARILY_UNAVAILABLE","message":"try later"}"#),
    );
    let started = Instant::now();
    let r = show(&ws, &["--retry-timeout", "3s"]);
    assert_eq!(r.code, 1, "{r}");
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    assert!(errors[0].contains("gave up after"), "{r}");
    assert!(errors[0].contains("try later"), "{r}");
    let attempts = ws.requests_to("GET", GET_BY_NAME);
    assert!(attempts.len() > 1, "{attempts:?}");
    let span = attempts.last().unwrap().at.duration_since(attempts[0].at);
    assert!(span <= Duration::from_secs(3), "{span:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_zero_or_past_retry_after_does_not_make_a_tight_loop() {
    for retry_after in ["0", "Thu, 01 Jan 1970 00:00:00 GMT"] {
        let ws = FakeWorkspace::start();
        ws.add_experiment("/Shared/x", &[]);
        ws.fault(
            Fault::on("GET", GET_BY_NAME)
                .status(429)
                .header("Retry-After", retry_after),
        );
        let r = show(&ws, &["--retry-timeout", "3s"]);
        assert_eq!(r.code, 1, "{r}");
        assert!(r.error_lines()[0].contains("gave up after"), "{r}");
        let attempts = ws.requests_to("GET", GET_BY_NAME);
        assert!(
            (2..=4).contains(&attempts.len()),
            "Retry-After {retry_after:?}: {} attempts in 3 s",
            attempts.len()
        );
        let gap = attempts[1].at.duration_since(attempts[0].at);
        assert!(gap >= Duration::from_millis(900), "{gap:?}");
    }
}

#[test]
fn a_create_that_fails_is_not_sent_again() {
    let ws = FakeWorkspace::start();
    ws.fault(
        Fault::on("POST", CREATE)
            .status(500)
            .body(r#"{"error_code":"INTERNAL_ERROR","message":"create blew up"}"#)
            .times(1),
    );
    let args = [
        "set",
        "-e",
        "/Shared/new",
        "--catalog",
        "main",
        "--schema",
        "agents",
        "--create",
    ];
    let r = run(tracecfg(&ws).args(args));
    assert_eq!(r.code, 1, "{r}");
    assert!(r.error_lines()[0].contains("create blew up"), "{r}");
    assert_eq!(ws.requests_to("POST", CREATE).len(), 1);
    assert_eq!(ws.experiment_count(), 0);

    // A connection broken after the request arrived: the create may have happened, so it is
    // not sent again either.
    ws.clear_requests();
    ws.fault(Fault::on("POST", CREATE).drop_connection().times(1));
    let r = run(tracecfg(&ws).args(args));
    assert_eq!(r.code, 1, "{r}");
    no_panic(&r);
    assert_eq!(
        ws.requests_to("POST", CREATE).len(),
        1,
        "{:?}",
        ws.requests()
    );
}

#[test]
fn a_broken_connection_on_a_read_is_retried() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    ws.fault(Fault::on("GET", GET_BY_NAME).drop_connection().times(1));
    let r = show(&ws, &[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ws.requests_to("GET", GET_BY_NAME).len(), 2);
}

#[test]
fn every_error_body_shape_is_decoded_into_one_error_line() {
    let cases: &[(u16, &str, &str)] = &[
        (
            400,
            r#"{"error_code":"INVALID_PARAMETER_VALUE","message":"Experiment name is bad","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","request_id":"req-42"}]}"#,
            "HTTP 400 INVALID_PARAMETER_VALUE: Experiment name is bad (request id req-42)",
        ),
        (
            400,
            r#"{"error_code":400,"error":"legacy failure text"}"#,
            "HTTP 400: legacy failure text",
        ),
        (
            400,
            "INVALID_STATE: the experiment store is\nbroken",
            "HTTP 400 INVALID_STATE: the experiment store is broken",
        ),
        (
            502,
            "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><pre>upstream connect error\nor disconnect</pre></body></html>",
            "HTTP 502: upstream connect error or disconnect",
        ),
        (400, "", "HTTP 400: Bad Request"),
    ];
    for (status, body, expected) in cases {
        let ws = FakeWorkspace::start();
        ws.add_experiment("/Shared/x", &[]);
        ws.fault(Fault::on("GET", GET_BY_NAME).status(*status).body(body));
        let r = show(&ws, &[]);
        assert_eq!(r.code, 1, "{body}: {r}");
        no_panic(&r);
        let errors = r.error_lines();
        assert_eq!(errors.len(), 1, "{body}: {r}");
        assert!(
            errors[0].starts_with("error: GET /api/2.0/mlflow/experiments/get-by-name failed: "),
            "{r}"
        );
        assert!(
            errors[0].contains(expected),
            "{body}: expected {expected:?} in {r}"
        );
        assert!(!errors[0].contains('<'), "{r}");
        assert!(r.stdout.is_empty(), "{r}");
    }
}

#[test]
fn redirects_are_not_followed() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    ws.fault(
        Fault::on("GET", GET_BY_NAME)
            .status(302)
            .header("Location", "http://other.invalid/steal?token=abc")
            .times(1),
    );
    let r = show(&ws, &[]);
    assert_eq!(r.code, 1, "{r}");
    let e = r.error_lines()[0];
    assert!(
        e.contains("redirect") && e.contains("http://other.invalid"),
        "{r}"
    );
    assert!(
        !e.contains("steal") && !e.contains("token=abc"),
        "only scheme and host: {r}"
    );
    assert_eq!(ws.requests().len(), 1);

    // A redirect back to the same server is not followed either.
    ws.clear_requests();
    ws.fault(
        Fault::on("GET", GET_BY_NAME)
            .status(307)
            .header("Location", &format!("{}/elsewhere", ws.url()))
            .times(1),
    );
    let r = show(&ws, &[]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.error_lines()[0].contains("redirect"), "{r}");
    let paths: Vec<String> = ws.requests().iter().map(|q| q.path.clone()).collect();
    assert_eq!(paths, [GET_BY_NAME]);
}

#[test]
fn a_server_that_never_answers_times_out() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    ws.fault(Fault::on("GET", GET_BY_NAME).delay(Duration::from_secs(3600)));
    let started = Instant::now();
    let r = show(&ws, &["--http-timeout", "1s"]);
    assert_eq!(r.code, 1, "{r}");
    let e = r.error_lines()[0];
    assert!(
        e.contains("GET /api/2.0/mlflow/experiments/get-by-name"),
        "{r}"
    );
    assert!(e.contains("timed out"), "{r}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    no_panic(&r);
}

#[test]
fn malformed_answers_name_the_endpoint_and_do_not_panic() {
    for (body, expected) in [
        (
            r#"{"experiment": {"experiment_id": "1", "name": "/Sha"#,
            "unexpected response",
        ),
        ("not json at all", "unexpected response"),
        (r#"{"experiments": []}"#, "no 'experiment' object"),
        (r#"{"experiment": {"name": "/Shared/x"}}"#, "experiment_id"),
        (
            r#"{"experiment": {"experiment_id": "1", "tags": {"k": "v"}}}"#,
            "unexpected response",
        ),
        ("[]", "unexpected response"),
    ] {
        let ws = FakeWorkspace::start();
        ws.fault(Fault::on("GET", GET_BY_NAME).status(200).body(body));
        let r = run(tracecfg(&ws).args(set_args("/Shared/x", &[])));
        assert_eq!(r.code, 1, "{body}: {r}");
        no_panic(&r);
        let errors = r.error_lines();
        assert_eq!(errors.len(), 1, "{body}: {r}");
        assert!(
            errors[0].contains("GET /api/2.0/mlflow/experiments/get-by-name"),
            "{body}: {r}"
        );
        assert!(errors[0].contains(expected), "{body}: {r}");
        assert!(ws.experiment_writes().is_empty());
    }
}

#[test]
fn requests_carry_the_documented_headers() {
    let ws = FakeWorkspace::start();
    ws.add_experiment("/Shared/x", &[]);
    let r = run(tracecfg(&ws).args(set_args("/Shared/x", &[])));
    assert_eq!(r.code, 0, "{r}");
    for q in ws.requests() {
        assert_eq!(q.header("accept"), Some("application/json"), "{q:?}");
        let ua = q.header("user-agent").unwrap_or("");
        assert!(
            ua.starts_with("tracecfg/") && ua.contains("auth/pat"),
            "{ua}"
        );
        if q.method == "POST" {
            assert_eq!(q.header("content-type"), Some("application/json"));
            assert!(q.json().is_object(), "{q:?}");
        }
    }
}
