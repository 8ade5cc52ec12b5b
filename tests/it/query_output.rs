//! `tracecfg query` results on stdout: chunks in order whatever order they arrive in, presigned
//! links (EXTERNAL_LINKS), NULL versus "" and typed values in every format, notes on stderr, and
//! results that are incomplete on the server or cut short by the reader.

use std::io::Read;
use std::time::Duration;

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;
use serde_json::{json, Value};

/// `n` rows of (trace_id STRING, n LONG, note STRING): `tr-000`, ..., with a NULL note on odd rows.
fn numbered(n: usize) -> StatementResult {
    StatementResult {
        columns: vec![
            ("trace_id".into(), "STRING".into()),
            ("n".into(), "LONG".into()),
            ("note".into(), "STRING".into()),
        ],
        rows: (0..n)
            .map(|i| {
                vec![
                    Some(format!("tr-{i:03}")),
                    Some(i.to_string()),
                    (i % 2 == 0).then(|| format!("note, \"{i}\"")),
                ]
            })
            .collect(),
        ..StatementResult::default()
    }
}

fn expected_ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("tr-{i:03}")).collect()
}

/// `tracecfg query -w wh1 --sql 'SELECT * FROM results'` (raw SQL: no experiment needed).
fn query(ws: &FakeWorkspace) -> assert_cmd::Command {
    let mut cmd = tracecfg(ws);
    cmd.args(["query", "-w", "wh1", "--sql", "SELECT * FROM results"]);
    cmd
}

fn ids_of(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["trace_id"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn jsonl(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn chunk_path(statement: u32, chunk: u32) -> String {
    format!(
        "{STATEMENTS}/{}/result/chunks/{chunk}",
        statement_id(statement)
    )
}

/// Requests for chunk `chunk` of the first statement.
fn chunk_gets(ws: &FakeWorkspace, chunk: u32) -> Vec<Recorded> {
    ws.requests_to("GET", &chunk_path(1, chunk))
        .into_iter()
        .filter(|r| r.path == chunk_path(1, chunk))
        .collect()
}

/// The first request for each of chunks 1..4 of the first statement (chunk 0 comes with the
/// statement), with their arrival and answer ticks.
fn first_chunk_gets(ws: &FakeWorkspace) -> Vec<Recorded> {
    (1..5).map(|c| chunk_gets(ws, c).remove(0)).collect()
}

// ---------------------------------------------------------------- chunks

/// 5 chunks of 4 rows; the later a chunk, the sooner it answers.
fn out_of_order(n: usize) -> StatementResult {
    StatementResult {
        chunks: 5,
        chunk_delays_ms: vec![0, 400, 300, 200, 100],
        ..numbered(n)
    }
}

#[test]
fn chunks_come_out_in_order_in_every_format() {
    let ws = FakeWorkspace::start();
    ws.declare_result("FROM results", out_of_order(20));

    let r = run(query(&ws).args(["-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    let rows = r.json();
    assert_eq!(ids_of(rows.as_array().unwrap()), expected_ids(20));
    // Fetched concurrently: chunks 2..4 were all asked for while chunk 1 (400 ms) was in flight.
    let gets = first_chunk_gets(&ws);
    for later in &gets[1..] {
        assert!(later.overlaps(&gets[0]), "{gets:#?}");
    }

    let r = run(query(&ws).args(["-o", "jsonl"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ids_of(&jsonl(&r.stdout)), expected_ids(20));

    let r = run(query(&ws).args(["-o", "csv"]));
    assert_eq!(r.code, 0, "{r}");
    let lines: Vec<&str> = r.stdout.split("\r\n").collect();
    assert_eq!(lines[0], "trace_id,n,note");
    assert_eq!(
        lines.len(),
        22,
        "header, 20 rows, and the empty rest after the last CRLF"
    );
    assert_eq!(lines[21], "");
    for (i, line) in lines[1..21].iter().enumerate() {
        let expected = if i % 2 == 0 {
            format!("tr-{i:03},{i},\"note, \"\"{i}\"\"\"")
        } else {
            format!("tr-{i:03},{i},")
        };
        assert_eq!(*line, expected);
    }

    let r = run(query(&ws).args(["-o", "text"]));
    assert_eq!(r.code, 0, "{r}");
    let positions: Vec<usize> = expected_ids(20)
        .iter()
        .map(|id| {
            r.stdout
                .find(id.as_str())
                .unwrap_or_else(|| panic!("{id}: {r}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{r}");
}

#[test]
fn parallel_1_fetches_one_chunk_at_a_time() {
    let ws = FakeWorkspace::start();
    ws.declare_result("FROM results", out_of_order(20));
    let r = run(query(&ws).args(["--parallel", "1", "-o", "jsonl"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ids_of(&jsonl(&r.stdout)), expected_ids(20));
    // Each chunk is asked for only after the previous one answered.
    let gets = first_chunk_gets(&ws);
    for pair in gets.windows(2) {
        assert!(pair[1].started_after(&pair[0]), "{gets:#?}");
    }

    // --parallel 2: chunk 3 waits until chunk 1 (the slowest, 400 ms) is in, though chunk 2
    // answered long before.
    let ws = FakeWorkspace::start();
    ws.declare_result("FROM results", out_of_order(20));
    let r = run(query(&ws).args(["--parallel", "2", "-o", "jsonl"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ids_of(&jsonl(&r.stdout)), expected_ids(20));
    let gets = first_chunk_gets(&ws);
    assert!(gets[1].overlaps(&gets[0]), "{gets:#?}");
    assert!(gets[2].started_after(&gets[0]), "{gets:#?}");
}

#[test]
fn a_429_on_one_chunk_is_retried_after_retry_after() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult {
            chunks: 4,
            ..numbered(12)
        },
    );
    ws.fault(
        Fault::on("GET", &chunk_path(1, 2))
            .status(429)
            .header("Retry-After", "1")
            .body(r#"{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}"#)
            .times(1),
    );
    let r = run(query(&ws).args(["-o", "jsonl"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ids_of(&jsonl(&r.stdout)), expected_ids(12));
    let gets = chunk_gets(&ws, 2);
    assert_eq!(gets.len(), 2, "chunk 2 asked for twice");
    assert!(
        gets[1].at - gets[0].at >= Duration::from_millis(950),
        "waited for Retry-After"
    );
}

// ---------------------------------------------------------------- EXTERNAL_LINKS

fn presigned_gets(ws: &FakeWorkspace) -> Vec<Recorded> {
    ws.requests_to("GET", "/presigned/")
}

#[test]
fn external_links_are_fetched_in_order_without_the_workspace_credential() {
    let ws = FakeWorkspace::start();
    ws.declare_result("FROM results", out_of_order(20));
    let r = run(query(&ws).args(["--disposition", "external-links", "-o", "jsonl"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ids_of(&jsonl(&r.stdout)), expected_ids(20));
    let statements = ws.statements();
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0]["disposition"], "EXTERNAL_LINKS");

    let links = presigned_gets(&ws);
    assert_eq!(links.len(), 5, "one download per chunk: {links:?}");
    for link in &links {
        assert_eq!(link.header("authorization"), None, "{link:?}");
        assert_eq!(
            link.header("x-amz-fake"),
            Some("presigned-header-value"),
            "{link:?}"
        );
        assert!(link.query.contains("sig=SECRETSIG-"), "{link:?}");
    }
    // Every request to the workspace API did carry the token.
    for r in ws.requests_to("GET", "/api/") {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
}

#[test]
fn auto_runs_again_with_external_links_when_the_inline_limit_is_hit() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult {
            inline_limit_exceeded: true,
            chunks: 3,
            ..numbered(9)
        },
    );
    let r = run(query(&ws).args(["-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ids_of(r.json().as_array().unwrap()), expected_ids(9), "{r}");
    assert!(r.stderr.contains("inline limit"), "{r}");
    assert!(r.stderr.contains("EXTERNAL_LINKS"), "{r}");
    let statements = ws.statements();
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[0]["disposition"], "INLINE");
    assert_eq!(statements[1]["disposition"], "EXTERNAL_LINKS");
    assert_eq!(statements[0]["statement"], statements[1]["statement"]);
    assert_eq!(presigned_gets(&ws).len(), 3);
    assert!(presigned_gets(&ws)
        .iter()
        .all(|r| r.header("authorization").is_none()));

    // --disposition inline does not run it again: the failure is the answer.
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult {
            inline_limit_exceeded: true,
            ..numbered(9)
        },
    );
    let r = run(query(&ws).args(["--disposition", "inline"]));
    assert_eq!(r.code, 6, "{r}");
    assert!(r.stderr.contains("Inline byte limit exceeded"), "{r}");
    assert_eq!(ws.statements().len(), 1);
}

#[test]
fn expired_links_are_requested_again() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult {
            expire_links_once: true,
            chunks: 3,
            ..numbered(9)
        },
    );
    let r = run(query(&ws).args(["--disposition", "external-links", "-o", "csv"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        r.stdout.matches("\r\n").count(),
        10,
        "header and 9 rows: {r}"
    );
    for id in expected_ids(9) {
        assert!(r.stdout.contains(&format!("{id},")), "{id}: {r}");
    }
    assert_eq!(presigned_gets(&ws).len(), 6, "each link twice");
    for chunk in 0..3 {
        assert_eq!(
            chunk_gets(&ws, chunk).len(),
            if chunk == 0 { 1 } else { 2 },
            "chunk {chunk}: a fresh link was asked for"
        );
    }
}

#[test]
fn a_link_refused_for_good_names_the_chunk_and_blames_the_storage() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult {
            chunks: 2,
            ..numbered(4)
        },
    );
    ws.fault(
        Fault::on("GET", &format!("/presigned/{}/1", statement_id(1)))
            .status(403)
            .body("<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"),
    );
    let r = run(query(&ws).args(["--disposition", "external-links", "-o", "jsonl"]));
    assert_ne!(r.code, 0, "{r}");
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    assert!(errors[0].contains("result chunk 1"), "{r}");
    assert!(errors[0].contains("403"), "{r}");
    let hint = r.hint().unwrap_or_else(|| panic!("a hint: {r}"));
    assert!(hint.contains("storage"), "{r}");
    assert!(!hint.contains("check that the credential"), "{r}");
    // The chunk was asked for again once for a fresh link, which failed the same way.
    assert_eq!(chunk_gets(&ws, 1).len(), 2, "{r}");
    assert_eq!(
        ws.requests_to("GET", &format!("/presigned/{}/1", statement_id(1)))
            .len(),
        2
    );
}

// ---------------------------------------------------------------- values

#[test]
fn json_keys_follow_the_column_order() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult::table(
            &[("z_last", "STRING"), ("m", "LONG"), ("a_first", "BOOLEAN")],
            &[&[Some("x"), Some("1"), None]],
        ),
    );
    let r = run(query(&ws).args(["-o", "jsonl"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.stdout, "{\"z_last\":\"x\",\"m\":1,\"a_first\":null}\n");
    let r = run(query(&ws).args(["-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        r.stdout,
        "[\n  {\"z_last\":\"x\",\"m\":1,\"a_first\":null}\n]\n"
    );
}

#[test]
fn null_and_empty_string_stay_apart_in_every_format() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult::table(
            &[("a", "STRING"), ("b", "STRING")],
            &[
                &[None, Some("")],
                &[Some("x"), None],
                &[Some("NULL!"), Some(" ")],
            ],
        ),
    );
    let r = run(query(&ws).args(["-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    let expected = json!([
        {"a": null, "b": ""},
        {"a": "x", "b": null},
        {"a": "NULL!", "b": " "},
    ]);
    assert_eq!(r.json(), expected);

    let r = run(query(&ws).args(["-o", "jsonl"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(Value::Array(jsonl(&r.stdout)), expected);
    assert_eq!(r.stdout.lines().next(), Some(r#"{"a":null,"b":""}"#));

    let r = run(query(&ws).args(["-o", "csv"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.stdout, "a,b\r\n,\"\"\r\nx,\r\nNULL!, \r\n");

    let r = run(query(&ws).args(["-o", "text"]));
    assert_eq!(r.code, 0, "{r}");
    let cells: Vec<Vec<&str>> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with('│'))
        .map(|l| {
            let parts: Vec<&str> = l.split('│').collect();
            parts[1..parts.len() - 1].iter().map(|c| c.trim()).collect()
        })
        .collect();
    assert_eq!(
        cells,
        [
            vec!["a", "b"],
            vec!["NULL", ""],
            vec!["x", "NULL"],
            vec!["NULL!", ""]
        ],
        "{}",
        r.stdout
    );
}

#[test]
fn json_values_are_typed_by_column() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult::table(
            &[
                ("id", "LONG"),
                ("small", "INT"),
                ("score", "DOUBLE"),
                ("price", "DECIMAL(10,2)"),
                ("big", "DECIMAL(38,2)"),
                ("ok", "BOOLEAN"),
                ("attrs", "MAP<STRING,STRING>"),
                ("list", "ARRAY<INT>"),
                ("label", "STRING"),
                ("at", "TIMESTAMP"),
            ],
            &[
                &[
                    Some("9007199254740993"),
                    Some("-7"),
                    Some("0.25"),
                    Some("12.50"),
                    Some("12345678901234567890.12"),
                    Some("true"),
                    Some(r#"{"k":"v","n":"1"}"#),
                    Some("[1,2,3]"),
                    Some("42"),
                    Some("2026-11-01T00:00:00.000Z"),
                ],
                &[
                    None,
                    Some("0"),
                    Some("-1E+3"),
                    None,
                    Some("-3.10"),
                    Some("false"),
                    Some("{}"),
                    None,
                    Some(""),
                    None,
                ],
            ],
        ),
    );
    let r = run(query(&ws).args(["-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    let rows = r.json();
    assert_eq!(rows[0]["id"].as_u64(), Some(9_007_199_254_740_993), "{r}");
    assert_eq!(rows[0]["small"], json!(-7));
    assert_eq!(rows[0]["score"], json!(0.25));
    assert_eq!(rows[0]["price"], json!(12.5));
    assert_eq!(
        rows[0]["big"],
        json!("12345678901234567890.12"),
        "a DECIMAL a double cannot hold stays exact, as a string"
    );
    assert_eq!(rows[0]["ok"], json!(true));
    assert_eq!(rows[0]["attrs"], json!({"k": "v", "n": "1"}));
    assert_eq!(rows[0]["list"], json!([1, 2, 3]));
    assert_eq!(rows[0]["label"], json!("42"), "a STRING stays a string");
    assert_eq!(rows[0]["at"], json!("2026-11-01T00:00:00.000Z"));
    assert_eq!(
        rows[1],
        json!({"id": null, "small": 0, "score": -1000.0, "price": null, "big": -3.1, "ok": false,
               "attrs": {}, "list": null, "label": "", "at": null})
    );
    // jsonl is typed the same way; csv keeps the text.
    let r = run(query(&ws).args(["-o", "jsonl"]));
    assert_eq!(Value::Array(jsonl(&r.stdout)), rows);
    let r = run(query(&ws).args(["-o", "csv"]));
    assert!(
        r.stdout
            .contains("\r\n9007199254740993,-7,0.25,12.50,12345678901234567890.12,true,"),
        "{r}"
    );
}

// ---------------------------------------------------------------- notes on stderr

#[test]
fn zero_rows_are_said_on_stderr() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult::table(&[("a", "STRING")], &[]),
    );
    for (format, stdout) in [
        ("json", "[]\n"),
        ("jsonl", ""),
        ("csv", "a\r\n"),
        ("text", ""),
    ] {
        let r = run(query(&ws).args(["-o", format]));
        assert_eq!(r.code, 0, "{r}");
        assert_eq!(r.stdout, stdout, "{format}: {r}");
        assert!(r.stderr.contains("note: 0 rows"), "{format}: {r}");
    }
    // -q silences the note.
    let r = run(query(&ws).args(["-q"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(!r.stderr.contains("0 rows"), "{r}");
}

#[test]
fn limit_and_truncation_are_noted_on_stderr() {
    let ws = tagged_workspace();
    ws.declare_result("LIMIT 3", numbered(3));
    ws.declare_result("LIMIT 4", numbered(3));
    let base = ["query", "-w", "wh1", "-e", EXPERIMENT, "--source", "tables"];
    let r = run(tracecfg(&ws).args(base).args(["--limit", "3"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.json().as_array().unwrap().len(), 3);
    assert!(r.stderr.contains("first 3 rows"), "{r}");
    assert!(r.stderr.contains("--limit"), "{r}");
    let r = run(tracecfg(&ws).args(base).args(["--limit", "4"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(
        !r.stderr.contains("--limit"),
        "fewer rows than the limit: {r}"
    );

    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult {
            truncated: true,
            chunks: 2,
            ..numbered(4)
        },
    );
    let r = run(query(&ws).args(["-o", "jsonl"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(jsonl(&r.stdout).len(), 4);
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with("warning:") && l.contains("truncated")),
        "{r}"
    );
}

// ---------------------------------------------------------------- incomplete results

#[test]
fn a_chunk_shorter_than_the_manifest_fails_naming_it() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult {
            chunks: 3,
            ..numbered(9)
        },
    );
    // Chunk 1 should hold rows 3..6; it answers with one row.
    let short = json!({
        "chunk_index": 1, "row_offset": 3, "row_count": 1,
        "data_array": [["tr-003", "3", null]],
        "next_chunk_index": 2,
    });
    ws.fault(
        Fault::on("GET", &chunk_path(1, 1))
            .status(200)
            .body(&short.to_string()),
    );
    let r = run(query(&ws).args(["-o", "jsonl"]));
    assert_ne!(r.code, 0, "{r}");
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    assert!(errors[0].contains("chunk 1"), "{r}");
    assert!(errors[0].contains("incomplete"), "{r}");
    assert!(!r.stderr.contains("panicked"), "{r}");
    assert!(
        !r.stdout.contains("tr-003"),
        "the short chunk is not printed: {r}"
    );

    // The same through a presigned link.
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult {
            chunks: 3,
            ..numbered(9)
        },
    );
    ws.fault(
        Fault::on("GET", &format!("/presigned/{}/2", statement_id(1)))
            .status(200)
            .body(r#"[["tr-006","6",null]]"#),
    );
    let r = run(query(&ws).args(["--disposition", "external-links", "-o", "jsonl"]));
    assert_ne!(r.code, 0, "{r}");
    assert!(r.error_lines()[0].contains("chunk 2"), "{r}");
    assert!(!r.stderr.contains("panicked"), "{r}");
}

#[test]
fn a_missing_chunk_fails_naming_it() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult {
            chunks: 4,
            ..numbered(8)
        },
    );
    ws.fault(Fault::on("GET", &chunk_path(1, 2)).status(404).body(
        r#"{"error_code":"NOT_FOUND","message":"The result chunk does not exist or has expired."}"#,
    ));
    let r = run(query(&ws).args(["-o", "csv"]));
    assert_eq!(r.code, 1, "{r}");
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{r}");
    assert!(errors[0].contains("chunk 2"), "{r}");
    assert!(errors[0].contains("missing"), "{r}");
    assert!(!r.stderr.contains("panicked"), "{r}");
    assert!(!r.stdout.contains("tr-004"), "{r}");
}

// ---------------------------------------------------------------- a closed pipe

/// The query of [`query`] with `extra`, started with stdout and stderr piped; its stdout.
fn spawn_reading(
    ws: &FakeWorkspace,
    extra: &[&str],
) -> (std::process::Child, std::process::ChildStdout) {
    let mut child = std_tracecfg(ws)
        .args(["query", "-w", "wh1", "--sql", "SELECT * FROM results"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    (child, stdout)
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    let ws = FakeWorkspace::start();
    // About 4 MB of output: far more than a pipe holds.
    let mut big = numbered(20_000);
    for row in &mut big.rows {
        row[2] = Some("x".repeat(200));
    }
    big.chunks = 8;
    ws.declare_result("FROM results", big);
    for format in ["json", "jsonl", "csv"] {
        let (mut child, mut stdout) = spawn_reading(&ws, &["-o", format]);
        let mut first = [0u8; 64];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let stderr = read_stderr(&mut child);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{format}: {status:?}\n{stderr}");
        assert!(!stderr.contains("error"), "{format}: {stderr}");
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
    }
}

// ---------------------------------------------------------------- a paused reader, storage hiccups

#[test]
fn a_reader_paused_longer_than_the_request_timeout_still_gets_every_row() {
    for disposition in ["inline", "external-links"] {
        let ws = FakeWorkspace::start();
        // About 6 MB of output in 30 chunks: far more than a pipe holds.
        let mut big = numbered(12_000);
        for row in &mut big.rows {
            row[2] = Some("x".repeat(400));
        }
        big.chunks = 30;
        // Links die before the pause ends.
        big.link_lifetime_ms = Some(2_000);
        ws.declare_result("FROM results", big);
        let (mut child, mut stdout) = spawn_reading(
            &ws,
            &[
                "-o",
                "jsonl",
                "--http-timeout",
                "2s",
                "--disposition",
                disposition,
            ],
        );
        let mut first = [0u8; 64];
        stdout.read_exact(&mut first).unwrap();
        // The reader stops for longer than a request may take and a link may live.
        std::thread::sleep(Duration::from_secs(5));
        let mut rest = Vec::new();
        stdout.read_to_end(&mut rest).unwrap();
        let stderr = read_stderr(&mut child);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{disposition}: {stderr}");
        let mut all = first.to_vec();
        all.extend(rest);
        let rows = jsonl(&String::from_utf8(all).unwrap());
        assert_eq!(ids_of(&rows), expected_ids(12_000), "{disposition}");
    }
}

#[test]
fn storage_hiccups_on_link_downloads_are_retried() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult {
            chunks: 100,
            ..numbered(300)
        },
    );
    // 5 of the 100 downloads fail once, each its own way.
    let link = |chunk: u32| format!("/presigned/{}/{chunk}", statement_id(1));
    let xml = |code: &str, message: &str| {
        format!(
            "<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        )
    };
    ws.fault(
        Fault::on("GET", &link(17))
            .status(500)
            .body(&xml("InternalError", "We encountered an internal error."))
            .times(1),
    );
    ws.fault(
        Fault::on("GET", &link(33))
            .status(503)
            .body(&xml("SlowDown", "Please reduce your request rate."))
            .times(1),
    );
    ws.fault(Fault::on("GET", &link(50)).drop_connection().times(1));
    ws.fault(
        Fault::on("GET", &link(71))
            .status(403)
            .body(&xml("AccessDenied", "Request has expired"))
            .times(1),
    );
    ws.fault(
        Fault::on("GET", &link(88))
            .status(500)
            .body(&xml("InternalError", "We encountered an internal error."))
            .times(1),
    );
    let r = run(query(&ws).args(["--disposition", "external-links", "-o", "jsonl"]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        ids_of(&jsonl(&r.stdout)),
        expected_ids(300),
        "every row once, in order"
    );
    for chunk in [17, 33, 50, 71, 88] {
        assert_eq!(
            ws.requests_to("GET", &link(chunk)).len(),
            2,
            "chunk {chunk}"
        );
    }
    assert_eq!(presigned_gets(&ws).len(), 105);
}

// ---------------------------------------------------------------- text output

#[test]
fn the_table_holds_at_most_1000_rows_and_says_how_to_get_all() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM results",
        StatementResult {
            chunks: 3,
            ..numbered(1500)
        },
    );
    let r = run(query(&ws).args(["-o", "text"]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("tr-999 "), "{r}");
    assert!(!r.stdout.contains("tr-1000"), "{r}");
    assert!(r.stderr.contains("first 1000 of 1500 rows"), "{r}");
    assert!(r.stderr.contains("-o csv"), "{r}");
    // A smaller result says nothing of the kind.
    let ws = FakeWorkspace::start();
    ws.declare_result("FROM results", numbered(5));
    let r = run(query(&ws).args(["-o", "text"]));
    assert!(r.stdout.contains("tr-004"), "{r}");
    assert!(!r.stderr.contains("the table shows"), "{r}");
}

// ------------------------------------------------------------------ the table view

/// Two spans in the default columns, with inputs and outputs far longer than a terminal line.
fn long_payloads() -> StatementResult {
    let inputs = format!(
        r#"{{"messages": [{{"role": "user", "content": "{}"}}]}}"#,
        "I ordered a blender last week and it arrived broken; please refund order 1234. ".repeat(3)
    );
    let outputs = format!(
        r#"{{"answer": "{}"}}"#,
        "Your refund for order 1234 has been issued and will reach your card in 3-5 days. "
            .repeat(3)
    );
    StatementResult::table(
        &TRACE_COLUMNS,
        &[
            &[
                Some(NESTED_TRACE),
                Some("customer_support_agent"),
                Some("AGENT"),
                Some("2026-11-30T10:02:00.25Z"),
                Some("2026-11-30T10:02:04.75Z"),
                Some(&inputs),
                Some(&outputs),
            ],
            &[
                Some("tr-1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f"),
                Some("chat"),
                Some("LLM"),
                Some("2026-11-30T10:01:00Z"),
                Some("2026-11-30T10:01:01.234567Z"),
                Some(r#"{"messages": [{"role": "user", "content": "hi"}]}"#),
                None,
            ],
        ],
    )
}

const SPANS_QUERY: [&str; 8] = [
    "query",
    "--table",
    "main.agents.agent_traces",
    "--layout",
    "tags",
    "-w",
    WAREHOUSE,
    "--since=2026-11-30T00:00:00Z",
];

/// `query` in a real terminal: at 200 columns a table whose inputs and outputs give way; at 80,
/// where the ids and times alone leave no room, one record per row. Either way the trace ids and
/// the times are whole, in the compact form.
#[cfg(unix)]
#[test]
#[ignore = "needs tmux (apt-get install tmux): run scripts/test"]
fn query_screens_at_80_and_200_columns() {
    let ws = FakeWorkspace::start();
    ws.declare_result("`main`.`agents`.`agent_traces`", long_payloads());
    for width in [80u16, 200] {
        let shown =
            crate::terminal::screen(&ws, width, &format!("tracecfg {}", SPANS_QUERY.join(" ")));
        crate::terminal::golden(&format!("query-{width}"), &shown);
        for whole in [
            NESTED_TRACE,
            "tr-1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f",
            "2026-11-30 10:02:00.250Z",
            "2026-11-30 10:02:04.750Z",
            "2026-11-30 10:01:01.234Z",
        ] {
            assert!(
                shown.contains(whole),
                "{width}: {whole} is not whole:\n{shown}"
            );
        }
        assert!(
            shown.contains(r#"{"messages": [{"role": "user", "#),
            "{shown}"
        );
        assert!(
            !shown.contains("reach your card in 3-5 days. Your refund"),
            "outputs are cut:\n{shown}"
        );
        assert!(shown.contains('…'), "{shown}");
        assert!(
            shown.lines().all(|l| l.chars().count() <= width.into()),
            "{shown}"
        );
        assert!(!shown.contains("running query"), "{shown}");
        assert!(shown.contains("[exit 0]"), "{shown}");
    }
}

#[test]
fn local_shows_table_times_in_the_local_zone_and_json_stays_exact() {
    let ws = FakeWorkspace::start();
    ws.declare_result("`main`.`agents`.`agent_traces`", long_payloads());
    // A POSIX TZ rule needs no zoneinfo files: five and a half hours east of UTC.
    let text = run(tracecfg(&ws)
        .env("TZ", "IST-5:30")
        .env("COLUMNS", "200")
        .args(SPANS_QUERY)
        .args(["--local", "-o", "text"]));
    assert_eq!(text.code, 0, "{text}");
    assert!(
        text.stdout.contains("2026-11-30 15:32:00.250+05:30"),
        "{text}"
    );
    assert!(!text.stdout.contains("10:02:00"), "{text}");
    let utc = run(tracecfg(&ws)
        .env("TZ", "IST-5:30")
        .env("COLUMNS", "200")
        .args(SPANS_QUERY)
        .args(["-o", "text"]));
    assert!(utc.stdout.contains("2026-11-30 10:02:00.250Z"), "{utc}");
    let json = run(tracecfg(&ws)
        .env("TZ", "IST-5:30")
        .args(SPANS_QUERY)
        .args(["--local", "-o", "json"]));
    assert_eq!(
        json.json()[0]["start_time"],
        "2026-11-30T10:02:00.25Z",
        "{json}"
    );
    assert_eq!(
        json.json()[1]["end_time"],
        "2026-11-30T10:01:01.234567Z",
        "{json}"
    );
}
