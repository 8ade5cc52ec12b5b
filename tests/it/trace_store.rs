//! End-to-end tests of the trace-store source (`traces`, `trace`, `traces --follow`, `query`)
//! against the real open-source MLflow server that `scripts/test` starts, with traces logged by
//! the real `mlflow` Python client (`tests/it/python/log_traces.py`, run with the venv's
//! interpreter). What the client says it logged is the independent truth tracecfg is checked
//! against. Like the other server tests these are #[ignore]d for plain `cargo test` and fail,
//! saying how to get the server, when `TRACECFG_MLFLOW_URL` is unset.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::cli::{read_stderr, run, std_tracecfg_bare, tracecfg_bare, Run};
use crate::mlflow_server::server_url;
use crate::query::{wait_until, wait_with_limit};

/// The interpreter of the venv `scripts/test` installs the pinned `mlflow` into.
pub(crate) fn python() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-mlflow/bin/python");
    assert!(
        path.exists(),
        "{} is missing: run scripts/test, which installs the mlflow client and server",
        path.display()
    );
    path
}

/// One trace as the `mlflow` client described it after logging it.
#[derive(Debug, Clone)]
struct Logged {
    trace_id: String,
    name: String,
    state: String,
    user: Option<String>,
    session: Option<String>,
    span_names: Vec<String>,
}

/// An experiment and the traces logged to it, oldest first.
struct Experiment {
    name: String,
    traces: Vec<Logged>,
}

impl Experiment {
    fn ids_newest_first(&self) -> Vec<String> {
        self.traces
            .iter()
            .rev()
            .map(|t| t.trace_id.clone())
            .collect()
    }

    fn by_name(&self, name: &str) -> &Logged {
        self.traces
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no logged trace named {name}"))
    }
}

/// Runs `tests/it/python/<script>` with the venv's interpreter: the tracking URI, then `args`;
/// returns the JSON it prints.
pub(crate) fn python_script(script: &str, args: &[&str]) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/python")
        .join(script);
    let output = std::process::Command::new(python())
        .arg(path)
        .arg(server_url())
        .args(args)
        .env("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
        .stdin(Stdio::null())
        .output()
        .expect("run the mlflow logging script");
    assert!(
        output.status.success(),
        "{script} {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the script prints JSON")
}

/// Runs the logging script: `args` after the tracking URI and the experiment name.
fn log_traces(experiment: &str, args: &[&str]) -> Vec<Logged> {
    let mut all = vec![experiment];
    all.extend(args);
    let report = python_script("log_traces.py", &all);
    report["traces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| Logged {
            trace_id: t["trace_id"].as_str().unwrap().to_string(),
            name: t["name"].as_str().unwrap().to_string(),
            state: t["state"].as_str().unwrap().to_string(),
            user: t["user"].as_str().map(str::to_string),
            session: t["session"].as_str().map(str::to_string),
            span_names: t["span_names"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_string())
                .collect(),
        })
        .collect()
}

fn unique(label: &str) -> String {
    format!("/Shared/tracecfg-store/{label}-{:08x}", fastrand::u32(..))
}

/// The main scenario: agent_ok (nested spans, tags, user/session, assessments), agent_err (a
/// span that raises), three bulk traces; and a second experiment with bulk traces of its own
/// that must never show up in the first one's lists.
fn scenario() -> &'static (Experiment, Experiment) {
    static SCENARIO: OnceLock<(Experiment, Experiment)> = OnceLock::new();
    SCENARIO.get_or_init(|| {
        let (a, b) = (unique("scenario"), unique("other"));
        let traces = log_traces(&a, &["--bulk", "3"]);
        let other = log_traces(&b, &["--bulk", "2", "--only-bulk"]);
        (
            Experiment { name: a, traces },
            Experiment {
                name: b,
                traces: other,
            },
        )
    })
}

/// More traces than one page of the server's search holds (500).
fn paged() -> &'static Experiment {
    static PAGED: OnceLock<Experiment> = OnceLock::new();
    PAGED.get_or_init(|| {
        let name = unique("paged");
        let traces = log_traces(&name, &["--bulk", "505", "--only-bulk"]);
        Experiment { name, traces }
    })
}

pub(crate) fn tracecfg(args: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    run(tracecfg_bare(home.path())
        .env("DATABRICKS_HOST", server_url())
        .env(
            "DATABRICKS_TOKEN",
            "e2e-token-ignored-by-open-source-mlflow",
        )
        .args(args))
}

pub(crate) fn ok(args: &[&str]) -> Run {
    let r = tracecfg(args);
    assert_eq!(r.code, 0, "tracecfg {args:?}\n{r}");
    r
}

/// `traces -e EXP ARGS -o json`: the listed trace ids, in order.
fn listed(experiment: &str, args: &[&str]) -> Vec<String> {
    let mut all = vec!["traces", "-e", experiment, "-o", "json"];
    all.extend(args);
    ok(&all)
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["trace_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn traces_lists_what_the_client_logged_newest_first_with_its_fields() {
    let (exp, other) = scenario();
    let r = ok(&["traces", "-e", &exp.name, "-o", "json"]);
    assert!(
        r.stderr.contains("reading MLflow's trace store"),
        "the source is said: {r}"
    );
    let rows = r.json();
    let rows = rows.as_array().unwrap();
    let ids: Vec<&str> = rows
        .iter()
        .map(|t| t["trace_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, exp.ids_newest_first(), "{r}");
    for row in rows {
        let logged = exp
            .traces
            .iter()
            .find(|t| t.trace_id == row["trace_id"])
            .unwrap();
        assert_eq!(row["status"], logged.state.as_str());
        assert_eq!(row["root_span_name"], logged.name.as_str());
        assert_eq!(row["span_count"], logged.span_names.len());
        assert_eq!(row["user"].as_str(), logged.user.as_deref());
        assert_eq!(row["session"].as_str(), logged.session.as_deref());
        let start = row["start_time"].as_str().unwrap();
        let end = row["end_time"].as_str().unwrap();
        assert!(start <= end, "{row}");
        assert!(row["duration_ms"].as_f64().unwrap() >= 0.0);
    }
    // The other experiment's traces are its own.
    let theirs = listed(&other.name, &[]);
    assert_eq!(theirs, other.ids_newest_first());
    assert!(theirs.iter().all(|id| !ids.contains(&id.as_str())));
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn every_filter_flag_selects_the_traces_it_names() {
    let (exp, _) = scenario();
    let ok_id = exp.by_name("agent_ok").trace_id.clone();
    let err_id = exp.by_name("agent_err").trace_id.clone();
    let bulk: Vec<String> = exp
        .ids_newest_first()
        .into_iter()
        .filter(|id| *id != ok_id && *id != err_id)
        .collect();
    let cases: Vec<(Vec<&str>, Vec<String>)> = vec![
        (vec!["--user", "user123"], vec![ok_id.clone()]),
        (vec!["--user", "bulk-user"], bulk.clone()),
        (vec!["--session", "s-1"], vec![ok_id.clone()]),
        // s-2 is both the metadata and the session_id tag: listed once.
        (vec!["--session", "s-2"], vec![err_id.clone()]),
        (vec!["--tag", "env=prod"], vec![ok_id.clone()]),
        (vec!["--tag", "team=o'brien"], vec![ok_id.clone()]),
        (
            vec!["--tag", "env=prod", "--tag", "team=o'brien"],
            vec![ok_id.clone()],
        ),
        (vec!["--tag", "env=prod", "--user", "user456"], vec![]),
        (vec!["--span-type", "TOOL"], vec![err_id.clone()]),
        (vec!["--span-type", "RETRIEVER"], vec![ok_id.clone()]),
        (vec!["--name", "llm_call"], vec![ok_id.clone()]),
        (vec!["--name", "failing_tool"], vec![err_id.clone()]),
        (vec!["--attribute", "model=gpt-test"], vec![ok_id.clone()]),
        (vec!["--attribute", "model=gpt-other"], vec![]),
        (vec!["--since", "1h"], exp.ids_newest_first()),
        (vec!["--until", "1h"], vec![]),
        (
            vec![
                "--since",
                "2000-01-01T00:00:00Z",
                "--until",
                "2001-01-01T00:00:00Z",
            ],
            vec![],
        ),
        (vec!["--limit", "2"], exp.ids_newest_first()[..2].to_vec()),
    ];
    for (args, expected) in cases {
        assert_eq!(listed(&exp.name, &args), expected, "traces {args:?}");
    }
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn hostile_filter_values_match_only_literally() {
    let (exp, _) = scenario();
    let hostile = [
        "' OR 1=1 OR tags.env = 'prod",
        "prod' OR tags.env = 'prod",
        "\\' OR '1'='1",
        "prod\\",
        "%",
        "_",
        "pr%",
        "p_od",
        "`",
        "prod`",
        "\"prod\"",
    ];
    for value in hostile {
        for flag in ["--user", "--session", "--name", "--span-type"] {
            assert_eq!(
                listed(&exp.name, &[flag, value]),
                Vec::<String>::new(),
                "{flag} {value:?}"
            );
        }
        let tag = format!("env={value}");
        assert_eq!(
            listed(&exp.name, &["--tag", &tag]),
            Vec::<String>::new(),
            "--tag {tag}"
        );
        let attribute = format!("model={value}");
        assert_eq!(
            listed(&exp.name, &["--attribute", &attribute]),
            Vec::<String>::new(),
            "--attribute {attribute}"
        );
        // A hostile key too: one MLflow's grammar cannot quote (a backtick) is refused, naming
        // the flag and the rule, before any request; any other matches nothing.
        let key = format!("{value}=prod");
        if value.contains('`') {
            let r = tracecfg(&[
                "traces", "-e", &exp.name, "--tag", &key, "--source", "store",
            ]);
            assert_eq!(r.code, 2, "{r}");
            assert!(
                r.stderr.contains("--tag") && r.stderr.contains("backtick"),
                "{r}"
            );
            assert!(!r.stderr.contains("debug: >"), "{r}");
        } else {
            assert_eq!(
                listed(&exp.name, &["--tag", &key]),
                Vec::<String>::new(),
                "--tag {key}"
            );
        }
    }
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn every_output_format_lists_the_same_traces() {
    let (exp, _) = scenario();
    let ids = exp.ids_newest_first();
    let jsonl = ok(&["traces", "-e", &exp.name, "-o", "jsonl"]).stdout;
    let from_jsonl: Vec<String> = jsonl
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["trace_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(from_jsonl, ids);
    let csv = ok(&["traces", "-e", &exp.name, "-o", "csv"]).stdout;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("trace_id,start_time,end_time,duration_ms,span_count,root_span_name,status,user,session")
    );
    let from_csv: Vec<String> = lines
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(from_csv, ids);
    let text = ok(&["traces", "-e", &exp.name, "-o", "text"]).stdout;
    let from_text: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(from_text, ids, "{text}");
    assert!(
        text.lines().next().unwrap().starts_with("TRACE ID"),
        "{text}"
    );
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn paging_follows_the_token_past_the_server_page_size() {
    let exp = paged();
    let all = listed(&exp.name, &["--limit", "1000"]);
    assert_eq!(all.len(), 505);
    assert_eq!(all, exp.ids_newest_first());
    let first = listed(&exp.name, &["--limit", "501"]);
    assert_eq!(first, exp.ids_newest_first()[..501].to_vec());
    // Two pages for 501 (500 + 1), none more: counted in --debug's request log.
    let r = ok(&[
        "traces", "-e", &exp.name, "--limit", "501", "-o", "json", "--debug",
    ]);
    assert_eq!(
        r.stderr
            .matches("< POST /api/3.0/mlflow/traces/search 200")
            .count(),
        2,
        "{}",
        r.stderr
    );
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn trace_shows_the_tree_the_client_logged_with_its_assessments() {
    let (exp, _) = scenario();
    let logged = exp.by_name("agent_ok");
    let hex = logged.trace_id.strip_prefix("tr-").unwrap();
    let forms = [
        logged.trace_id.clone(),
        hex.to_string(),
        hex.to_ascii_uppercase(),
        format!("trace:/{hex}/{hex}").replacen(&format!("{hex}/"), "somewhere/", 1),
    ];
    let mut first: Option<Value> = None;
    for form in &forms {
        // No experiment: the id alone reads the store, one request.
        let r = ok(&["trace", form, "-o", "json", "--debug"]);
        let requests: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("debug: > "))
            .collect();
        assert_eq!(
            requests,
            ["debug: > GET /api/3.0/mlflow/traces/get"],
            "{}",
            r.stderr
        );
        let view = r.json();
        match &first {
            None => first = Some(view),
            Some(f) => assert_eq!(&view, f, "{form}"),
        }
    }
    let view = first.unwrap();
    assert_eq!(view["trace_id"], logged.trace_id.as_str());
    assert_eq!(view["status"], "OK");
    assert_eq!(view["span_count"], 3);
    let root = &view["spans"][0];
    assert_eq!(root["name"], "agent_ok");
    assert_eq!(root["span_type"], "AGENT");
    assert_eq!(root["parent_span_id"], Value::Null);
    assert_eq!(root["inputs"]["question"], "what is the answer?");
    let child = &root["children"][0];
    assert_eq!(child["name"], "retrieve");
    assert_eq!(child["parent_span_id"], root["span_id"]);
    let grandchild = &child["children"][0];
    assert_eq!(grandchild["name"], "llm_call");
    assert_eq!(grandchild["span_type"], "LLM");
    assert_eq!(grandchild["outputs"]["text"], "forty-two");
    let assessments = view["assessments"].as_array().unwrap();
    let names: BTreeSet<&str> = assessments
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, BTreeSet::from(["correctness", "expected_answer"]));
    let feedback = assessments
        .iter()
        .find(|a| a["kind"] == "feedback")
        .unwrap();
    assert_eq!(feedback["value"], true);
    assert_eq!(feedback["rationale"], "matches the reference");
    assert_eq!(feedback["source_id"], "reviewer@example.com");

    // The failing span is marked, and so is its trace.
    let err = exp.by_name("agent_err");
    let view = ok(&["trace", &err.trace_id, "-e", &exp.name, "-o", "json"]).json();
    assert_eq!(view["status"], "ERROR");
    let tool = &view["spans"][0]["children"][0];
    assert_eq!(tool["name"], "failing_tool");
    assert_eq!(tool["status_code"], "STATUS_CODE_ERROR");
}

/// The waterfall with its bars (whose lengths follow the run's timing) and the trace id masked;
/// times and durations are masked by the snapshot filters.
fn masked_waterfall(text: &str, trace_id: &str) -> String {
    text.lines()
        .map(|line| {
            let line = line.replace(trace_id, "tr-<id>");
            let bar_start = line.strip_suffix('│').and_then(|rest| rest.rfind('│'));
            match bar_start {
                Some(at) => format!("{}│<bar>│\n", line[..at].trim_end()),
                None => format!("{}\n", line.trim_end()),
            }
        })
        .collect()
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn waterfall_of_a_stored_trace_matches_its_golden_shape() {
    let (exp, _) = scenario();
    let logged = exp.by_name("agent_ok");
    let err = exp.by_name("agent_err");
    let ok_text = ok(&["trace", &logged.trace_id, "-o", "text", "-q"]).stdout;
    let err_text = ok(&[
        "trace",
        &err.trace_id,
        "-o",
        "text",
        "-q",
        "--inputs",
        "--outputs",
    ])
    .stdout;
    insta::with_settings!({prepend_module_to_snapshot => false, filters => vec![
        (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z", "<time>"),
        (r"\b\d+(\.\d+)?(ms|s)\b", "<duration>"),
        (r" +<duration>", " <duration>"),
    ]}, {
        insta::assert_snapshot!("store_waterfall", masked_waterfall(&ok_text, &logged.trace_id));
        insta::assert_snapshot!("store_waterfall_error", masked_waterfall(&err_text, &err.trace_id));
    });
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn an_unknown_trace_id_exits_3() {
    let r = tracecfg(&["trace", "tr-00000000000000000000000000000000"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(
        r.stderr.contains("tr-00000000000000000000000000000000"),
        "{r}"
    );
    let (exp, _) = scenario();
    let r = tracecfg(&["trace", "ffffffffffffffffffffffffffffffff", "-e", &exp.name]);
    assert_eq!(r.code, 3, "{r}");
}

#[cfg(unix)]
#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn follow_prints_traces_logged_while_it_runs_each_once() {
    use std::io::{BufRead, BufReader};
    let name = unique("follow");
    let before = log_traces(&name, &["--bulk", "1", "--only-bulk"]);
    let home = tempfile::tempdir().unwrap();
    let mut child = std_tracecfg_bare(home.path())
        .env("DATABRICKS_HOST", server_url())
        .env(
            "DATABRICKS_TOKEN",
            "e2e-token-ignored-by-open-source-mlflow",
        )
        .args([
            "traces",
            "-e",
            &name,
            "--follow",
            "--interval",
            "1s",
            "-o",
            "jsonl",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let id = serde_json::from_str::<Value>(&line.unwrap()).unwrap()["trace_id"]
                .as_str()
                .unwrap()
                .to_string();
            if tx.send(id).is_err() {
                break;
            }
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the first trace");
    assert_eq!(first, before[0].trace_id);
    let after = log_traces(&name, &["--bulk", "2", "--only-bulk"]);
    let mut seen = vec![first];
    wait_until("the two new traces", || {
        while let Ok(id) = rx.try_recv() {
            seen.push(id);
        }
        seen.len() >= 3
    });
    // A few more polls: nothing is printed twice.
    std::thread::sleep(Duration::from_millis(2500));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_with_limit(&mut child, Duration::from_secs(20));
    let stderr = read_stderr(&mut child);
    reader.join().unwrap();
    seen.extend(rx.try_iter());
    assert_eq!(status.code(), Some(0), "{stderr}");
    let expected: Vec<String> = before
        .iter()
        .chain(&after)
        .map(|t| t.trace_id.clone())
        .collect();
    assert_eq!(seen, expected, "oldest first, each once\n{stderr}");
}

/// `query -e EXP ARGS -o json`: the rows.
fn queried(experiment: &str, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["query", "-e", experiment, "-o", "json"];
    all.extend(args);
    ok(&all).json().as_array().unwrap().clone()
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn query_returns_the_span_rows_the_client_logged() {
    let (exp, _) = scenario();
    let rows = queried(&exp.name, &[]);
    // Every span of every trace, trace by trace newest first.
    let total: usize = exp.traces.iter().map(|t| t.span_names.len()).sum();
    assert_eq!(rows.len(), total);
    let mut order: Vec<String> = Vec::new();
    for row in &rows {
        let id = row["trace_id"].as_str().unwrap().to_string();
        if order.last() != Some(&id) {
            order.push(id);
        }
    }
    assert_eq!(order, exp.ids_newest_first());
    for logged in &exp.traces {
        let mut names: Vec<&str> = rows
            .iter()
            .filter(|r| r["trace_id"] == logged.trace_id.as_str())
            .map(|r| r["span_name"].as_str().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, logged.span_names, "{}", logged.trace_id);
    }
    // The default columns, in the tables' order (serde_json sorts the keys: read the text).
    let first_line = ok(&["query", "-e", &exp.name, "--limit", "1", "-o", "jsonl"]).stdout;
    let at = |key: &str| first_line.find(&format!("\"{key}\":")).unwrap();
    let keys = [
        "trace_id",
        "span_name",
        "span_type",
        "start_time",
        "end_time",
        "inputs",
        "outputs",
    ];
    assert!(keys.windows(2).all(|w| at(w[0]) < at(w[1])), "{first_line}");
    assert_eq!(rows[0].as_object().unwrap().len(), keys.len());
    let llm = rows.iter().find(|r| r["span_name"] == "llm_call").unwrap();
    assert_eq!(llm["span_type"], "LLM");
    let inputs: Value = serde_json::from_str(llm["inputs"].as_str().unwrap()).unwrap();
    assert_eq!(inputs["prompt"], "what is the answer?");
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn query_filters_select_spans_and_limit_counts_spans() {
    let (exp, _) = scenario();
    let ok_id = exp.by_name("agent_ok").trace_id.as_str();
    let names = |rows: &[Value]| -> Vec<String> {
        rows.iter()
            .map(|r| r["span_name"].as_str().unwrap().to_string())
            .collect()
    };
    // Trace-level: every span of the user's trace.
    let rows = queried(&exp.name, &["--user", "user123"]);
    assert!(rows.iter().all(|r| r["trace_id"] == ok_id), "{rows:?}");
    assert_eq!(names(&rows).len(), 3);
    // Span-level: only the spans of that type or name.
    assert_eq!(
        names(&queried(&exp.name, &["--span-type", "LLM"])),
        ["llm_call"]
    );
    assert_eq!(
        names(&queried(&exp.name, &["--name", "failing_tool"])),
        ["failing_tool"]
    );
    assert_eq!(
        names(&queried(
            &exp.name,
            &["--tag", "env=dev", "--span-type", "AGENT"]
        )),
        ["agent_err"]
    );
    assert!(queried(&exp.name, &["--until", "1h"]).is_empty());
    assert_eq!(queried(&exp.name, &["--limit", "2"]).len(), 2);
    // Every column the store offers, named as the tables name them.
    let rows = queried(
        &exp.name,
        &[
            "--span-type",
            "LLM",
            "--columns",
            "span_id,parent_span_id,status_code,attributes",
        ],
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status_code"], "STATUS_CODE_OK");
    assert_eq!(rows[0]["attributes"]["model"], "gpt-test");
    assert_eq!(rows[0]["span_id"].as_str().unwrap().len(), 16);
    let view = ok(&["trace", ok_id, "-o", "json"]).json();
    let retrieve = &view["spans"][0]["children"][0];
    assert_eq!(rows[0]["parent_span_id"], retrieve["span_id"]);
    // A column the store does not have: refused before any request.
    let r = tracecfg(&[
        "query",
        "-e",
        &exp.name,
        "--source",
        "store",
        "--columns",
        "tags",
        "--debug",
    ]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("--columns tags"), "{r}");
    assert!(!r.stderr.contains("debug: >"), "{r}");
    // CSV has the same rows.
    let csv = ok(&["query", "-e", &exp.name, "--span-type", "LLM", "-o", "csv"]).stdout;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "trace_id,span_name,span_type,start_time,end_time,inputs,outputs"
    );
    assert!(
        lines[1].starts_with(&format!("{ok_id},llm_call,LLM,")),
        "{csv}"
    );
    assert_eq!(lines.len(), 2);
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn show_and_doctor_say_the_traces_are_in_the_trace_store() {
    let (exp, _) = scenario();
    let show = ok(&["show", "-e", &exp.name, "-o", "json"]).json();
    let store = &show["trace_store"];
    assert_eq!(store["recent"], exp.traces.len());
    assert_eq!(store["recent_capped"], false);
    assert_eq!(
        store["newest"]["trace_id"],
        exp.ids_newest_first()[0].as_str()
    );
    assert_eq!(store["newest"]["spans_location"], "TRACKING_STORE");
    assert_eq!(
        show["traces_found"],
        format!(
            "{} recent traces in MLflow's trace store, none in Unity Catalog",
            exp.traces.len()
        )
    );
    let text = ok(&["show", "-e", &exp.name, "-o", "text"]).stdout;
    assert!(
        text.contains(&format!(
            "verdict      none: {} recent traces in MLflow's trace store, none in Unity Catalog",
            exp.traces.len()
        )),
        "{text}"
    );
    let doctor = tracecfg(&["doctor", "-e", &exp.name]);
    assert!(
        doctor
            .stdout
            .lines()
            .any(|l| l.starts_with("ok    trace store")
                && l.contains("recent traces in MLflow's trace store")),
        "{doctor}"
    );
}
