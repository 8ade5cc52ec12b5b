//! `tracecfg export` from the real MLflow server (the one `scripts/test` starts), of traces the
//! real `mlflow` client logged (tests/it/python/log_export_traces.py): the files hold every
//! trace and span the client reads back, with the same ids, attributes, tags and assessments,
//! and the OTLP files parse with the official protobuf classes. #[ignore]d for plain
//! `cargo test`; without the server they fail saying how to start it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde_json::Value;

use crate::export::{all_lines, day_files, manifest, otlp_check, tree_ids};
use crate::trace_store::{ok, python_script};

/// The traces logged once for every test here: (experiment name, what the client read back).
fn logged() -> &'static (String, Value) {
    static LOGGED: OnceLock<(String, Value)> = OnceLock::new();
    LOGGED.get_or_init(|| {
        let name = format!("/Shared/tracecfg-export/e-{:08x}", fastrand::u32(..));
        let report = python_script("log_export_traces.py", &[&name]);
        (name, report)
    })
}

fn traces() -> &'static [Value] {
    logged().1["traces"].as_array().unwrap()
}

fn span_ids(trace: &Value) -> BTreeSet<String> {
    trace["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["span_id"].as_str().unwrap().to_string())
        .collect()
}

/// A value as MLflow's client decodes it: a string attribute holds JSON text.
fn decoded(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn export_jsonl_holds_every_trace_and_span_the_client_logged() {
    let (name, _) = logged();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("jsonl");
    let r = ok(&[
        "export",
        "-e",
        name,
        "--out",
        dir.to_str().unwrap(),
        "-o",
        "json",
    ]);
    let report = r.json();
    assert_eq!(report["traces"], traces().len() as u64, "{r}");
    let lines: BTreeMap<String, Value> = all_lines(&dir)
        .into_iter()
        .map(|l| (l["trace_id"].as_str().unwrap().to_string(), l))
        .collect();
    assert_eq!(lines.len(), traces().len());
    for t in traces() {
        let id = t["trace_id"].as_str().unwrap();
        let line = &lines[id];
        assert_eq!(line["span_count"], t["spans"].as_array().unwrap().len());
        let mut ids = BTreeSet::new();
        tree_ids(&line["spans"], &mut ids);
        assert_eq!(ids, span_ids(t), "{id}");
        assert_eq!(line["tags"]["env"], t["tags"]["env"], "{id}");
        assert_eq!(
            line["assessments"].as_array().map_or(0, Vec::len),
            t["assessments"].as_u64().unwrap() as usize,
            "{id}"
        );
        let llm = line["spans"][0]["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "llm")
            .unwrap();
        let logged_llm = t["spans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "llm")
            .unwrap();
        for key in ["count", "ratio", "flag", "items", "config", "text"] {
            assert_eq!(
                llm["attributes"][key], logged_llm["attributes"][key],
                "{id} {key}"
            );
        }
    }
    // One file per UTC day the traces started on.
    let days: BTreeSet<String> = traces()
        .iter()
        .map(|t| {
            let ms = t["request_time_ms"].as_i64().unwrap();
            crate::fake::rfc3339_ms(ms)[..10].to_string()
        })
        .collect();
    let files: BTreeSet<String> = day_files(&dir)
        .keys()
        .map(|k| k.trim_end_matches(".jsonl").to_string())
        .collect();
    assert_eq!(files, days);
    assert_eq!(manifest(&dir)["complete"], true);
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn export_otlp_keeps_every_span_and_attribute_through_the_official_protobuf_classes() {
    let (name, _) = logged();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("otlp");
    ok(&[
        "export",
        "-e",
        name,
        "--out",
        dir.to_str().unwrap(),
        "--format",
        "otlp",
        "--gzip",
    ]);
    let read = otlp_check(&dir);
    assert_eq!(read["lines"], traces().len() as u64);
    for t in traces() {
        let otel = &read["traces"][t["otel_trace_id"].as_str().unwrap()]["spans"];
        let got: BTreeSet<String> = otel.as_object().unwrap().keys().cloned().collect();
        assert_eq!(got, span_ids(t), "{}", t["trace_id"]);
        for s in t["spans"].as_array().unwrap() {
            let o = &otel[s["span_id"].as_str().unwrap()];
            assert_eq!(o["name"], s["name"]);
            assert_eq!(o["parent"], s["parent_id"]);
            assert_eq!(o["events"], s["events"], "{}", s["name"]);
            let attributes = s["attributes"].as_object().unwrap();
            let exported = o["attributes"].as_object().unwrap();
            assert_eq!(
                exported.keys().collect::<BTreeSet<_>>(),
                attributes.keys().collect::<BTreeSet<_>>(),
                "{}",
                s["name"]
            );
            for (k, v) in attributes {
                assert_eq!(&decoded(&exported[k]), v, "{} {k}", s["name"]);
            }
        }
    }
}

#[test]
#[ignore = "needs a local MLflow server: run scripts/test"]
fn a_dry_run_counts_the_traces_and_estimates_the_bytes_of_the_files() {
    let (name, _) = logged();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("jsonl");
    let dry = ok(&[
        "export",
        "-e",
        name,
        "--dry-run",
        "--out",
        dir.to_str().unwrap(),
        "-o",
        "json",
    ])
    .json();
    assert!(!dir.exists());
    assert_eq!(dry["traces"], traces().len() as u64);
    let spans: usize = traces()
        .iter()
        .map(|t| t["spans"].as_array().unwrap().len())
        .sum();
    assert_eq!(dry["spans"], spans as u64);
    let real = ok(&[
        "export",
        "-e",
        name,
        "--out",
        dir.to_str().unwrap(),
        "-o",
        "json",
    ])
    .json();
    let (estimate, bytes) = (
        dry["approx_bytes"].as_f64().unwrap(),
        real["bytes"].as_f64().unwrap(),
    );
    assert!(
        estimate > bytes * 0.5 && estimate < bytes * 2.0,
        "estimate {estimate} for {bytes} bytes"
    );
}
