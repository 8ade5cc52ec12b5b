//! `stats` on MLflow's trace store, end to end: traces with token usage, cost and errors logged
//! by the real `mlflow` client (`tests/it/python/log_usage_traces.py`) to the real server that
//! `scripts/test` starts; tracecfg's figures are compared with the two computations the script
//! makes independently: the server's own trace metrics endpoint, and Python over
//! `mlflow.search_traces`. Both the metrics path (`aggregated_by: trace_store`) and the
//! trace-info path (`aggregated_by: tracecfg`) are checked.

use std::sync::OnceLock;

use serde_json::Value;

use crate::trace_store::{ok, python_script};

/// The experiment and what the script computed for it.
struct Logged {
    experiment: String,
    report: Value,
}

fn logged() -> &'static Logged {
    static LOGGED: OnceLock<Logged> = OnceLock::new();
    LOGGED.get_or_init(|| {
        let experiment = format!("/Shared/tracecfg-stats/usage-{:08x}", fastrand::u32(..));
        let report = python_script("log_usage_traces.py", &[&experiment]);
        Logged { experiment, report }
    })
}

/// `stats -e EXP --since 4d ARGS -o json` (the script's traces are all within 3 days).
fn stats(args: &[&str]) -> Value {
    let exp = &logged().experiment;
    let mut all = vec!["stats", "-e", exp, "--since", "4d", "-o", "json"];
    all.extend(args);
    ok(&all).json()
}

const FIGURES: [&str; 10] = [
    "count",
    "errors",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_usd",
];

/// Every figure of tracecfg's `row` equals the script's `expected` (floats within 1e-9: the
/// sums are of floats added in another order).
fn assert_figures(row: &Value, expected: &Value, what: &str) {
    for key in FIGURES {
        let (got, want) = (&row[key], &expected[key]);
        match (got.as_f64(), want.as_f64()) {
            (Some(g), Some(w)) => assert!(
                (g - w).abs() <= 1e-9 * w.abs().max(1.0),
                "{what}: {key} is {g}, expected {w}\nrow: {row}\nexpected: {expected}"
            ),
            _ => assert_eq!(got, want, "{what}: {key}\nrow: {row}\nexpected: {expected}"),
        }
    }
    let count = row["count"].as_f64().unwrap();
    let rate = row["errors"].as_f64().unwrap() / count;
    assert!(
        (row["error_rate"].as_f64().unwrap() - rate).abs() < 1e-12,
        "{what}: {row}"
    );
}

fn rows(report: &Value) -> &Vec<Value> {
    report["rows"].as_array().unwrap()
}

/// The rows keyed by group, each group once.
fn by_group(report: &Value) -> std::collections::BTreeMap<String, &Value> {
    let mut out = std::collections::BTreeMap::new();
    for row in rows(report) {
        let group = row["group"].as_str().expect("a group").to_string();
        assert!(
            out.insert(group.clone(), row).is_none(),
            "{group} twice: {report}"
        );
    }
    out
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn stats_of_a_window_is_what_the_metrics_endpoint_and_search_traces_give() {
    let expected = &logged().report;
    let report = stats(&[]);
    assert_eq!(report["source"], "trace_store", "{report}");
    assert_eq!(report["aggregated_by"], "trace_store", "{report}");
    assert_eq!(report["percentiles"], "exact", "{report}");
    assert_eq!(report["complete"], true, "{report}");
    let [row] = rows(&report).as_slice() else {
        panic!("one row without --by: {report}");
    };
    assert_eq!(row["group"], Value::Null);
    assert_eq!(row["count"], 15);
    assert_eq!(row["errors"], 3);
    assert_figures(
        row,
        &expected["metrics"]["overall"],
        "vs the metrics endpoint",
    );
    assert_figures(row, &expected["search"]["overall"], "vs search_traces");
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn stats_by_day_buckets_like_the_metrics_endpoint() {
    let expected = &logged().report;
    let report = stats(&["--by", "day"]);
    assert_eq!(report["aggregated_by"], "trace_store", "{report}");
    let days = by_group(&report);
    let metrics = expected["metrics"]["by_day"].as_object().unwrap();
    let search = expected["search"]["by_day"].as_object().unwrap();
    assert!(
        metrics.len() >= 3,
        "the script spreads traces over 3 days: {expected}"
    );
    for (day, row) in &days {
        match metrics.get(day.as_str()) {
            Some(want) => {
                assert_figures(row, want, &format!("{day} vs the metrics endpoint"));
                assert_figures(
                    row,
                    &search[day.as_str()],
                    &format!("{day} vs search_traces"),
                );
            }
            None => assert_eq!(row["count"], 0, "a day without traces: {row}"),
        }
    }
    for day in metrics.keys() {
        assert!(days.contains_key(day), "{day} is missing: {report}");
    }
    // The window's five days (4 days back from now, and today), in time order.
    let groups: Vec<&String> = days.keys().collect();
    let listed: Vec<&str> = rows(&report)
        .iter()
        .map(|r| r["group"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        groups.iter().map(|g| g.as_str()).collect::<Vec<_>>()
    );
    assert!((4..=5).contains(&listed.len()), "{listed:?}");
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn stats_by_name_and_user_aggregate_the_trace_infos_like_search_traces() {
    let expected = &logged().report;
    for (by, key) in [("name", "by_name"), ("user", "by_user")] {
        let report = stats(&["--by", by]);
        assert_eq!(report["aggregated_by"], "tracecfg", "{report}");
        assert_eq!(report["percentiles"], "exact", "{report}");
        let groups = by_group(&report);
        let want = expected["search"][key].as_object().unwrap();
        assert_eq!(
            groups.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "--by {by}: {report}"
        );
        for (group, row) in groups {
            assert_figures(row, &want[group.as_str()], &format!("--by {by} {group}"));
        }
        // Largest group first.
        let counts: Vec<u64> = rows(&report)
            .iter()
            .map(|r| r["count"].as_u64().unwrap())
            .collect();
        assert!(
            counts.windows(2).all(|w| w[0] >= w[1]),
            "--by {by}: {counts:?}"
        );
    }
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn stats_of_one_user_is_that_users_share_of_search_traces() {
    let expected = &logged().report;
    let report = stats(&["--user", "user-1"]);
    // A user may be in the metadata or in a tag: one metrics filter cannot say which.
    assert_eq!(report["aggregated_by"], "tracecfg", "{report}");
    let [row] = rows(&report).as_slice() else {
        panic!("one row: {report}");
    };
    assert_figures(
        row,
        &expected["search"]["by_user"]["user-1"],
        "--user user-1",
    );
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn stats_of_a_tag_is_filtered_by_the_metrics_endpoint() {
    let expected = &logged().report;
    let report = stats(&["--tag", "mlflow.traceName=summarize"]);
    assert_eq!(report["aggregated_by"], "trace_store", "{report}");
    let [row] = rows(&report).as_slice() else {
        panic!("one row: {report}");
    };
    assert_figures(row, &expected["search"]["by_name"]["summarize"], "--tag");
}
