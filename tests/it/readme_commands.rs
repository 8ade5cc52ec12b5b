//! The commands README.md shows, run as written against the fake workspace: the Quickstart
//! block (its `export` lines give the environment, its `tracecfg ...` lines the commands) and
//! the GitHub Actions job (its `env:` names and its `run: tracecfg ...` steps). The commands are
//! read from README.md itself, so a README edit that breaks one fails here.

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;
use serde_json::Value;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md")
}

/// The body of the first fenced block of kind `fence` (such as "sh") after `heading`.
fn code_block(readme: &str, heading: &str, fence: &str) -> Vec<String> {
    let after = readme
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README.md has no heading {heading:?}"))
        .1;
    let open = format!("```{fence}\n");
    let body = after
        .split_once(&open)
        .unwrap_or_else(|| panic!("no ```{fence} block after {heading:?}"))
        .1;
    let body = body.split_once("\n```").expect("an unclosed code block").0;
    body.lines().map(str::to_string).collect()
}

/// Splits a shell line into words: whitespace separates, '...' and "..." quote, and a `#` at
/// the start of a word begins a comment. Enough for the README's commands.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '#' if word.is_none() => break,
            '\'' | '"' => {
                let w = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    w.push(q);
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// The arguments of a `tracecfg ...` command line (without "tracecfg").
fn tracecfg_args(line: &str) -> Vec<String> {
    let words = shell_words(line);
    assert_eq!(
        words.first().map(String::as_str),
        Some("tracecfg"),
        "{line}"
    );
    words[1..].to_vec()
}

/// A workspace where the README's experiment can be configured, shown, queried and checked.
fn workspace_for_the_readme() -> FakeWorkspace {
    let ws = FakeWorkspace::start();
    add_ready_warehouse(&ws);
    ws.declare_result(
        "`main`.`agents`.`agent_traces`",
        StatementResult::table(
            &TRACE_COLUMNS,
            &[&[
                Some("tr-1"),
                Some("chat"),
                Some("LLM"),
                Some("2026-11-01T10:00:00.000Z"),
                Some("2026-11-01T10:00:01.000Z"),
                Some("hi"),
                Some("hello"),
            ]],
        ),
    );
    ws
}

/// The value the fake wants for an environment variable the README sets.
fn fake_value(ws: &FakeWorkspace, name: &str) -> String {
    match name {
        "DATABRICKS_HOST" => ws.url(),
        "DATABRICKS_TOKEN" => TOKEN.to_string(),
        "DATABRICKS_CLIENT_ID" => "ci-client-id".to_string(),
        "DATABRICKS_CLIENT_SECRET" => "ci-client-secret".to_string(),
        other => panic!("README.md sets {other}, which this test does not know"),
    }
}

fn command_with_env(ws: &FakeWorkspace, env: &[String], args: &[String]) -> assert_cmd::Command {
    let mut cmd = tracecfg_bare(ws.home());
    for name in env {
        cmd.env(name, fake_value(ws, name));
    }
    cmd.args(args);
    cmd
}

#[test]
fn quickstart_commands_work_as_written() {
    let lines = code_block(&readme(), "## Quickstart", "sh");
    let env: Vec<String> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("export "))
        .map(|l| l.split_once('=').expect("export NAME=value").0.to_string())
        .collect();
    assert_eq!(env, ["DATABRICKS_HOST", "DATABRICKS_TOKEN"], "{lines:?}");
    let commands: Vec<Vec<String>> = lines
        .iter()
        .filter(|l| l.starts_with("tracecfg "))
        .map(|l| tracecfg_args(l))
        .collect();
    let subcommands: Vec<&str> = commands.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(subcommands, ["set", "show", "query", "doctor"], "{lines:?}");

    let ws = workspace_for_the_readme();
    let id = ws.add_experiment("/Shared/agent_eval", &[]);
    for args in &commands {
        ws.clear_requests();
        let r = run(&mut command_with_env(&ws, &env, args));
        assert_eq!(r.code, 0, "tracecfg {}: {r}", args.join(" "));
        match args[0].as_str() {
            "set" => {
                let tags = ws.experiment_tags(&id);
                assert_eq!(tags.get(TAG_CATALOG).map(String::as_str), Some("main"));
                assert_eq!(tags.get(TAG_SCHEMA).map(String::as_str), Some("agents"));
                assert_eq!(
                    tags.get(TAG_TABLE).map(String::as_str),
                    Some("agent_traces"),
                    "the README says the table defaults to agent_traces"
                );
            }
            "show" => {
                assert!(r.stdout.contains("main.agents.agent_traces"), "{r}");
                assert!(r.stdout.contains("tags only"), "{r}");
            }
            "query" => {
                let rows: Value = r.json();
                assert_eq!(rows[0]["trace_id"], "tr-1", "{r}");
                let statement = ws.statements().pop().expect("a statement");
                let parameters = statement["parameters"].as_array().unwrap();
                assert!(
                    parameters
                        .iter()
                        .any(|p| p["name"] == "user" && p["value"] == "user123"),
                    "{statement}"
                );
                assert_eq!(statement["warehouse_id"], WAREHOUSE);
            }
            "doctor" => {
                assert!(!r.stdout.contains("FAIL"), "{r}");
                assert!(
                    r.stdout
                        .lines()
                        .any(|l| l.contains("query") && l.starts_with("ok ")),
                    "{r}"
                );
            }
            other => panic!("no checks for a Quickstart '{other}' command"),
        }
    }
}

#[test]
fn github_actions_job_commands_work_as_written() {
    let lines = code_block(
        &readme(),
        "## In CI: GitHub Actions with a service principal",
        "yaml",
    );
    // The job's environment: `NAME: ${{ secrets.NAME }}` lines under `env:`.
    let env: Vec<String> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| l.contains("${{ secrets."))
        .map(|l| l.split_once(':').unwrap().0.to_string())
        .collect();
    assert_eq!(
        env,
        [
            "DATABRICKS_HOST",
            "DATABRICKS_CLIENT_ID",
            "DATABRICKS_CLIENT_SECRET"
        ]
    );
    let commands: Vec<Vec<String>> = lines
        .iter()
        .filter_map(|l| l.trim().strip_prefix("- ").or(Some(l.trim())))
        .filter_map(|l| l.strip_prefix("run: "))
        .filter(|l| l.starts_with("tracecfg "))
        .map(tracecfg_args)
        .collect();
    assert_eq!(commands.len(), 3, "{lines:?}");

    let ws = workspace_for_the_readme();
    ws.enable_oauth(
        &fake_value(&ws, "DATABRICKS_CLIENT_ID"),
        &fake_value(&ws, "DATABRICKS_CLIENT_SECRET"),
    );

    // set ... --create: makes the experiment with its tags.
    let create = &commands[0];
    assert!(create.contains(&"--create".to_string()), "{create:?}");
    let r = run(&mut command_with_env(&ws, &env, create));
    assert_eq!(r.code, 0, "{r}");
    let id = ws
        .experiment_by_name("/Shared/agent_eval")
        .expect("the job creates the experiment");
    assert_eq!(ws.experiment_tags(&id).len(), 3);
    assert!(
        ws.requests_to("POST", OAUTH_TOKEN).len() == 1,
        "one token per run"
    );
    // Run again (every deploy): nothing to write.
    ws.clear_requests();
    let r = run(&mut command_with_env(&ws, &env, create));
    assert_eq!(r.code, 0, "{r}");
    assert!(ws.experiment_writes().is_empty());

    // set ... --check -o json: the drift gate passes, and fails once a tag drifts.
    let check = &commands[1];
    assert!(check.contains(&"--check".to_string()), "{check:?}");
    let r = run(&mut command_with_env(&ws, &env, check));
    assert_eq!(r.code, 0, "{r}");
    let v = r.json();
    assert_eq!(v["check"], true);
    assert_eq!(v["experiment_id"], Value::String(id.clone()));

    // doctor (the step that runs on failure): passes, naming the service principal's method.
    let doctor = &commands[2];
    assert_eq!(doctor[0], "doctor");
    let r = run(&mut command_with_env(&ws, &env, doctor));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("oauth-m2m"), "{r}");
    assert!(!r.stdout.contains("ci-client-secret"), "{r}");

    // Another run changes the schema tag: the gate then exits 5 and writes nothing,
    // and doctor (the step that runs on failure) says what is wrong.
    let r = run(tracecfg(&ws).args([
        "set",
        "--experiment-id",
        &id,
        "--catalog",
        "main",
        "--schema",
        "other",
    ]));
    assert_eq!(r.code, 0, "{r}");
    ws.clear_requests();
    let r = run(&mut command_with_env(&ws, &env, check));
    assert_eq!(r.code, 5, "drift: {r}");
    assert!(ws.experiment_writes().is_empty());
    let r = run(&mut command_with_env(&ws, &env, doctor));
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stdout.contains("schema main.other does not exist"), "{r}");
}
