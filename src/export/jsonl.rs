//! A trace as one JSON line: the tree of `trace ID -o json` (docs/traces.md), each span with
//! the rest of its fields (`SpanDetail`: kind, status message, times in nanoseconds, every
//! attribute, events), and the trace's info, tags, metadata and assessments.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{ExportSpan, ExportTrace};
use crate::output::waterfall::{SpanDetail, SpanRow, TraceView};
use crate::time::format_micros_rfc3339;
use crate::trace_store::{self, SPAN_INPUTS, SPAN_OUTPUTS, SPAN_TYPE};

#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    view: TraceView,
    #[serde(skip_serializing_if = "Option::is_none")]
    info: Option<&'a Map<String, Value>>,
    tags: &'a Map<String, Value>,
    metadata: &'a Map<String, Value>,
}

/// The trace as one line of JSON (no newline).
pub fn line(trace: &ExportTrace) -> String {
    let rows = trace.spans.iter().map(row).collect();
    let mut view = TraceView::build(&trace.trace_id, rows, trace.tree);
    view.assessments = trace.assessments.clone();
    let line = Line {
        view,
        info: trace.info.as_ref(),
        tags: &trace.tags,
        metadata: &trace.metadata,
    };
    serde_json::to_string(&line).expect("a trace serializes")
}

fn row(s: &ExportSpan) -> SpanRow {
    let micros = |n: Option<i64>| n.map(|n| n.div_euclid(1000));
    let (start, end) = (micros(s.start_nanos), micros(s.end_nanos));
    let text = |v: Value| match v {
        Value::String(s) => s,
        other => other.to_string(),
    };
    let attributes: Map<String, Value> = s
        .attributes
        .iter()
        .filter(|(k, _)| k != SPAN_INPUTS && k != SPAN_OUTPUTS)
        .map(|(k, v)| (k.clone(), trace_store::any_value(v)))
        .collect();
    let events = s
        .events
        .iter()
        .map(|e| {
            let attributes: Map<String, Value> = e
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), trace_store::any_value(v)))
                .collect();
            json!({"name": e.name, "time_unix_nano": e.time_nanos, "attributes": attributes})
        })
        .collect();
    SpanRow {
        span_id: s.span_id.clone(),
        parent_span_id: s.parent_span_id.clone(),
        name: s.name.clone(),
        span_type: s.plain(SPAN_TYPE).map(text),
        start_time: start.map(format_micros_rfc3339).unwrap_or_default(),
        end_time: end.map(format_micros_rfc3339),
        start_micros: start,
        end_micros: end,
        status_code: s.status_code.clone(),
        // The waterfall parses the text (JSON when it is, else a string), once.
        inputs: s.text(SPAN_INPUTS),
        outputs: s.text(SPAN_OUTPUTS),
        detail: Some(SpanDetail {
            kind: s.kind.clone(),
            status_message: s.status_message.clone(),
            start_time_unix_nano: s.start_nanos,
            end_time_unix_nano: s.end_nanos,
            attributes,
            events,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::otlp::any_value_of;

    #[test]
    fn a_line_is_the_trace_tree_with_every_field() {
        let span = |id: &str, parent: Option<&str>, start: i64| ExportSpan {
            span_id: Some(id.into()),
            parent_span_id: parent.map(str::to_string),
            name: id.into(),
            start_nanos: Some(start),
            end_nanos: Some(start + 2_000_000),
            attributes: vec![
                (SPAN_TYPE.into(), json!({"stringValue": "\"LLM\""})),
                (SPAN_INPUTS.into(), json!({"stringValue": "{\"q\": 1}"})),
                ("n".into(), any_value_of(&json!(2))),
            ],
            ..ExportSpan::default()
        };
        let trace = ExportTrace {
            trace_id: "tr-1".into(),
            tree: true,
            tags: [("k".to_string(), json!("v"))].into_iter().collect(),
            spans: vec![span("b", Some("a"), 2_000_000), span("a", None, 1_000_000)],
            ..ExportTrace::default()
        };
        let v: Value = serde_json::from_str(&line(&trace)).unwrap();
        assert_eq!(v["trace_id"], "tr-1");
        assert_eq!(v["span_count"], 2);
        assert_eq!(v["tags"], json!({"k": "v"}));
        let root = &v["spans"][0];
        assert_eq!(root["span_id"], "a");
        assert_eq!(root["span_type"], "LLM");
        assert_eq!(root["inputs"], json!({"q": 1}));
        assert_eq!(
            root["attributes"],
            json!({"mlflow.spanType": "LLM", "n": 2})
        );
        assert_eq!(root["start_time_unix_nano"], 1_000_000);
        assert_eq!(root["children"][0]["span_id"], "b");
        assert!(v.get("info").is_none());
    }
}
