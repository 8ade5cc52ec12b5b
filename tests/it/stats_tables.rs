//! `tracecfg stats` on Unity Catalog tables against the fake workspace: the one statement it
//! sends (values as parameters, nothing fetched to aggregate), what it prints from the rows the
//! warehouse answers (text with the trend bar in a real terminal, pinned; JSON), and bad input.
//! That the statement computes the right figures is proven on Spark (`spark_stats.rs`).

use serde_json::Value;

use crate::cli::*;
use crate::fake::*;
use crate::shared::*;
use crate::terminal::{golden, screen};

const WEEK: [&str; 9] = [
    "stats",
    "-e",
    EXPERIMENT,
    "--since",
    "2026-11-24T00:00:00Z",
    "--until",
    "2026-12-01T00:00:00Z",
    "--by",
    "day",
];

fn week_workspace() -> FakeWorkspace {
    let ws = native_workspace();
    ws.declare_result("percentile_approx", stats_by_day());
    ws
}

#[test]
fn stats_sends_one_aggregate_statement_with_the_values_as_parameters() {
    let ws = week_workspace();
    let r = run(tracecfg(&ws)
        .args(WEEK)
        .args(["--user", "o'brien", "-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    let statements = ws.statements();
    assert_eq!(statements.len(), 1, "one statement: {statements:?}");
    let sql = statements[0]["statement"].as_str().unwrap();
    assert!(
        !sql.contains("o'brien") && !sql.contains("2026-11-24"),
        "{sql}"
    );
    assert!(sql.contains("GROUP BY 1"), "{sql}");
    let parameters: Vec<(&str, &str)> = statements[0]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["value"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(parameters.contains(&("user", "o'brien")), "{parameters:?}");
    assert!(r.stderr.contains("percentiles are approximate"), "{r}");
}

#[test]
fn stats_json_is_the_report_with_every_day_of_the_window() {
    let ws = week_workspace();
    let r = run(tracecfg(&ws).args(WEEK).args(["-o", "json"]));
    assert_eq!(r.code, 0, "{r}");
    let v = r.json();
    assert_eq!(v["by"], "day");
    assert_eq!(v["unit"], "traces");
    assert_eq!(v["source"], "tables");
    assert_eq!(v["aggregated_by"], "warehouse");
    assert_eq!(v["percentiles"], "approximate");
    assert_eq!(v["complete"], true);
    let rows = v["rows"].as_array().unwrap();
    let days: Vec<&str> = rows.iter().map(|r| r["group"].as_str().unwrap()).collect();
    assert_eq!(
        days,
        [
            "2026-11-24",
            "2026-11-25",
            "2026-11-26",
            "2026-11-27",
            "2026-11-28",
            "2026-11-29",
            "2026-11-30"
        ]
    );
    // The day without traces is filled in; exact numbers pass through.
    assert_eq!(rows[2]["count"], 0);
    assert_eq!(rows[2]["p50_ms"], Value::Null);
    assert_eq!(rows[0]["count"], 412);
    assert_eq!(rows[0]["errors"], 9);
    assert_eq!(rows[0]["p95_ms"], 5210.5);
    assert_eq!(rows[0]["total_tokens"], 1_204_332 + 198_201);
    assert!((rows[0]["error_rate"].as_f64().unwrap() - 9.0 / 412.0).abs() < 1e-12);

    let r = run(tracecfg(&week_workspace()).args(WEEK).args(["-o", "csv"]));
    assert_eq!(r.code, 0, "{r}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "group,count,errors,error_rate,p50_ms,p95_ms,p99_ms,max_ms,input_tokens,output_tokens,total_tokens,cost_usd"
    );
    assert_eq!(lines.len(), 8, "{}", r.stdout);
}

#[test]
fn stats_bad_input_fails_before_any_request() {
    let ws = native_workspace();
    for (args, flag) in [
        (&["stats", "-e", EXPERIMENT, "--by", "week"][..], "--by"),
        (
            &["stats", "-e", EXPERIMENT, "--since", "yesterday"][..],
            "--since",
        ),
        (&["stats", "-e", EXPERIMENT, "--limit", "0"][..], "--limit"),
        (
            &["stats", "-e", EXPERIMENT, "--since", "1d", "--until", "2d"][..],
            "--until",
        ),
    ] {
        ws.clear_requests();
        let r = run(tracecfg(&ws).args(args));
        assert_eq!(r.code, 2, "{args:?}: {r}");
        assert_eq!(r.error_lines().len(), 1, "{args:?}: {r}");
        assert!(r.stderr.contains(flag), "{args:?} names {flag}: {r}");
        assert!(ws.requests().is_empty(), "{args:?}: {:?}", ws.requests());
    }
    // The tags layout has no span attributes to tell a model by.
    let tags = FakeWorkspace::start();
    tags.add_experiment(EXPERIMENT, &destination_tags());
    let r = run(tracecfg(&tags).args([
        "stats", "-e", EXPERIMENT, "--source", "tables", "--by", "model", "-w", WAREHOUSE,
    ]));
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("--by model"), "{r}");
    assert!(tags.statements().is_empty());
}

#[cfg(unix)]
#[test]
#[ignore = "needs tmux (apt-get install tmux): run scripts/test"]
fn stats_by_day_screen_at_80_columns() {
    let ws = week_workspace();
    let shown = screen(&ws, 80, &format!("tracecfg {}", WEEK.join(" ")));
    golden("stats-by-day-80", &shown);
    assert!(shown.contains('█'), "the trend bar is drawn:\n{shown}");
}

/// README.md shows the pinned screen, as the screen test captures it.
#[test]
fn the_readme_shows_the_pinned_stats_screen() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let pinned =
        std::fs::read_to_string(format!("{root}/tests/it/screens/stats-by-day-80.txt")).unwrap();
    let shown: Vec<&str> = pinned
        .lines()
        .filter(|l| !l.starts_with("[exit") && l.trim() != "$")
        .collect();
    let block = readme
        .split_once("```text\n$ tracecfg stats ")
        .expect("README.md shows a stats screen")
        .1
        .split_once("\n```")
        .unwrap()
        .0;
    let (command, screen) = block.split_once('\n').unwrap();
    assert_eq!(
        format!("stats {command}"),
        WEEK.join(" "),
        "the pinned command"
    );
    assert_eq!(screen.lines().collect::<Vec<_>>(), shown);
}
