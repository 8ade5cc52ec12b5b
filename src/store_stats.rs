//! `stats` on MLflow's trace store: the traces of the window read one by one (at most
//! `--limit`, newest first) and turned into samples for [`crate::stats::aggregate`].
//!
//! Per trace: the duration is `execution_duration`, an error is `state = ERROR`, tokens and
//! cost are the trace metadata MLflow aggregates from the spans (mlflow/tracing/constant.py
//! `TraceMetadataKey.TOKEN_USAGE` = `mlflow.trace.tokenUsage`, `COST` = `mlflow.trace.cost`).
//! Per span (`--by span-name|span-type`): its own duration, status and the span attributes
//! `mlflow.chat.tokenUsage` and `mlflow.llm.cost`. `--by model` takes the first span's
//! `mlflow.llm.model`.

use serde_json::Value;

use crate::api::traces::{FullTrace, TraceInfo};
use crate::stats::{GroupBy, Sample, Tokens};
use crate::store_reader::Found;
use crate::trace_query::Filters;
use crate::trace_store::{self, span_attributes};

const TOKEN_USAGE_METADATA: &str = "mlflow.trace.tokenUsage";
const COST_METADATA: &str = "mlflow.trace.cost";
const TOKEN_USAGE_ATTRIBUTE: &str = "mlflow.chat.tokenUsage";
const COST_ATTRIBUTE: &str = "mlflow.llm.cost";
const MODEL_ATTRIBUTE: &str = "mlflow.llm.model";

/// Whether the grouping needs the traces' spans (the infos alone do not tell).
pub fn needs_spans(by: Option<GroupBy>) -> bool {
    by.is_some_and(|b| b.over_spans() || b == GroupBy::Model)
}

/// One sample per trace, keyed by `by` (`Model` needs `spans`, by trace id).
pub fn trace_sample(found: &Found, by: Option<GroupBy>, spans: Option<&FullTrace>) -> Sample {
    let info = &found.info;
    let summary = trace_store::summary(info, found.spans.as_deref());
    let start = info
        .request_time
        .as_deref()
        .and_then(crate::time::parse_timestamp_micros);
    let key = match by {
        None => None,
        Some(GroupBy::Day | GroupBy::Hour) => start.and_then(|s| by?.bucket(s)),
        Some(GroupBy::User) => summary.user,
        Some(GroupBy::Session) => summary.session,
        Some(GroupBy::Name) => summary.root_span_name,
        Some(GroupBy::Model) => spans.and_then(first_model),
        // Span groupings take their samples from `span_samples`.
        Some(GroupBy::SpanType | GroupBy::SpanName) => None,
    };
    Sample {
        key,
        duration_ms: summary.duration_ms,
        error: trace_error(info),
        tokens: info.metadata(TOKEN_USAGE_METADATA).and_then(Tokens::parse),
        cost_usd: info.metadata(COST_METADATA).and_then(Tokens::parse_cost),
    }
}

/// `ERROR` is a failure, `OK` not; a trace in progress (or of no state) has not failed yet.
fn trace_error(info: &TraceInfo) -> Option<bool> {
    match info.state.as_deref() {
        Some("ERROR") => Some(true),
        Some("OK") | Some("IN_PROGRESS") => Some(false),
        _ => None,
    }
}

/// The model of the trace's first span that names one.
fn first_model(trace: &FullTrace) -> Option<String> {
    let mut named: Vec<(i64, String)> = trace
        .spans
        .iter()
        .filter_map(|span| {
            let model = match span_attributes(span).get(MODEL_ATTRIBUTE)? {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some((trace_store::span_row(span).start_micros.unwrap_or(0), model))
        })
        .collect();
    named.sort();
    named.into_iter().next().map(|(_, m)| m)
}

/// One sample per span of `trace` that passes the span-level filters, keyed by its name or
/// type.
pub fn span_samples(trace: &FullTrace, filters: &Filters, by: GroupBy) -> Vec<Sample> {
    crate::store_spans::selected(trace, filters)
        .into_iter()
        .map(|(span, row)| {
            let attributes = span_attributes(span);
            let json = |key: &str| attributes.get(key).map(Value::to_string);
            Sample {
                key: match by {
                    GroupBy::SpanName => Some(row.name.clone()),
                    _ => row.span_type.clone(),
                },
                duration_ms: row
                    .start_micros
                    .zip(row.end_micros)
                    .map(|(s, e)| (e - s) as f64 / 1000.0),
                error: row.status_code.as_deref().map(|c| c == "STATUS_CODE_ERROR"),
                tokens: json(TOKEN_USAGE_ATTRIBUTE)
                    .as_deref()
                    .and_then(Tokens::parse),
                cost_usd: json(COST_ATTRIBUTE).as_deref().and_then(Tokens::parse_cost),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn trace() -> FullTrace {
        serde_json::from_value(json!({
            "trace_info": {
                "trace_id": "tr-1",
                "request_time": "2026-11-30T10:00:00Z",
                "execution_duration": "1.5s",
                "state": "ERROR",
                "trace_metadata": {
                    "mlflow.trace.tokenUsage": "{\"input_tokens\": 10, \"output_tokens\": 5, \"total_tokens\": 15}",
                    "mlflow.trace.cost": "{\"input_cost\": 0.1, \"output_cost\": 0.2, \"total_cost\": 0.3}",
                    "mlflow.trace.user": "u1"
                }
            },
            "spans": [
                {"span_id": "AAAAAAAAAAE=", "name": "agent", "start_time_unix_nano": "1764496800000000000",
                 "end_time_unix_nano": "1764496801500000000", "status": {"code": "STATUS_CODE_ERROR"},
                 "attributes": [{"key": "mlflow.spanType", "value": {"string_value": "\"AGENT\""}}]},
                {"span_id": "AAAAAAAAAAI=", "parent_span_id": "AAAAAAAAAAE=", "name": "llm",
                 "start_time_unix_nano": "1764496800100000000", "end_time_unix_nano": "1764496800600000000",
                 "status": {"code": "STATUS_CODE_OK"},
                 "attributes": [
                    {"key": "mlflow.spanType", "value": {"string_value": "\"LLM\""}},
                    {"key": "mlflow.llm.model", "value": {"string_value": "\"gpt-x\""}},
                    {"key": "mlflow.chat.tokenUsage", "value": {"string_value": "{\"input_tokens\": 10, \"output_tokens\": 5, \"total_tokens\": 15}"}}
                 ]}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn a_trace_sample_reads_the_metadata_mlflow_aggregated() {
        let t = trace();
        let found = Found {
            info: t.trace_info.clone(),
            spans: None,
        };
        let s = trace_sample(&found, Some(GroupBy::Day), None);
        assert_eq!(s.key.as_deref(), Some("2026-11-30"));
        assert_eq!((s.duration_ms, s.error), (Some(1500.0), Some(true)));
        assert_eq!(s.tokens.unwrap().total, Some(15));
        assert_eq!(s.cost_usd, Some(0.3));
        let s = trace_sample(&found, Some(GroupBy::Model), Some(&t));
        assert_eq!(s.key.as_deref(), Some("gpt-x"));
        assert_eq!(
            trace_sample(&found, Some(GroupBy::User), None)
                .key
                .as_deref(),
            Some("u1")
        );
    }

    #[test]
    fn span_samples_carry_each_spans_own_figures() {
        let samples = span_samples(&trace(), &Filters::default(), GroupBy::SpanType);
        assert_eq!(samples.len(), 2);
        let llm = samples
            .iter()
            .find(|s| s.key.as_deref() == Some("LLM"))
            .unwrap();
        assert_eq!((llm.duration_ms, llm.error), (Some(500.0), Some(false)));
        assert_eq!(llm.tokens.unwrap().input, Some(10));
        let agent = samples
            .iter()
            .find(|s| s.key.as_deref() == Some("AGENT"))
            .unwrap();
        assert_eq!((agent.error, agent.tokens), (Some(true), None));
    }
}
