//! A trace as one OTLP/JSON `ExportTraceServiceRequest` (opentelemetry-proto
//! `collector/trace/v1/trace_service.proto`, `trace/v1/trace.proto`, `common/v1/common.proto`),
//! in the JSON encoding the OTLP specification defines (docs/export.md, "otlp"): lowerCamelCase
//! field names, trace and span ids in hex (not base64), 64-bit integers as strings, enums as
//! numbers, fields at their default value left out. One request per line, as the OpenTelemetry
//! Collector's file exporter writes them.

use serde_json::{json, Map, Value};

use super::{
    enum_number, Attribute, ExportEvent, ExportSpan, ExportTrace, SPAN_KINDS, STATUS_CODES,
};
use crate::error::{CliError, ExitCode};

/// The request for one trace, as one line of JSON (no newline).
pub fn line(trace: &ExportTrace) -> Result<String, CliError> {
    let trace_hex = trace_hex(&trace.trace_id);
    let spans = trace
        .spans
        .iter()
        .map(|s| span(trace, trace_hex.as_deref(), s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut resource_spans = Map::new();
    if let Some(service) = &trace.service_name {
        resource_spans.insert(
            "resource".into(),
            json!({"attributes": [key_value("service.name", json!({"stringValue": service}))]}),
        );
    }
    resource_spans.insert("scopeSpans".into(), json!([{ "spans": spans }]));
    let request = json!({ "resourceSpans": [Value::Object(resource_spans)] });
    Ok(request.to_string())
}

fn span(trace: &ExportTrace, trace_hex: Option<&str>, s: &ExportSpan) -> Result<Value, CliError> {
    let trace_id = s
        .trace_hex
        .as_deref()
        .or(trace_hex)
        .filter(|h| is_hex(h, 32))
        .ok_or_else(|| {
            not_otel(
                trace,
                "its id is not an OpenTelemetry trace id (32 hex digits)",
            )
        })?;
    let span_id = s
        .span_id
        .as_deref()
        .filter(|h| is_hex(h, 16))
        .ok_or_else(|| {
            not_otel(
                trace,
                "a span has no OpenTelemetry span id (16 hex digits; the tags layout records none)",
            )
        })?;
    let mut out = Map::new();
    out.insert("traceId".into(), json!(trace_id));
    out.insert("spanId".into(), json!(span_id));
    if let Some(parent) = s.parent_span_id.as_deref().filter(|p| !p.is_empty()) {
        out.insert("parentSpanId".into(), json!(parent));
    }
    out.insert("name".into(), json!(s.name));
    if let Some(kind) = s
        .kind
        .as_deref()
        .and_then(|k| enum_number(k, SPAN_KINDS, "SPAN_KIND_"))
        .filter(|&k| k != 0)
    {
        out.insert("kind".into(), json!(kind));
    }
    if let Some(n) = s.start_nanos {
        out.insert("startTimeUnixNano".into(), json!(n.to_string()));
    }
    if let Some(n) = s.end_nanos {
        out.insert("endTimeUnixNano".into(), json!(n.to_string()));
    }
    if !s.attributes.is_empty() {
        out.insert("attributes".into(), attributes(&s.attributes));
    }
    if !s.events.is_empty() {
        out.insert(
            "events".into(),
            Value::Array(s.events.iter().map(event).collect()),
        );
    }
    let mut status = Map::new();
    if let Some(message) = s.status_message.as_deref().filter(|m| !m.is_empty()) {
        status.insert("message".into(), json!(message));
    }
    if let Some(code) = s
        .status_code
        .as_deref()
        .and_then(|c| enum_number(c, STATUS_CODES, "STATUS_CODE_"))
        .filter(|&c| c != 0)
    {
        status.insert("code".into(), json!(code));
    }
    if !status.is_empty() {
        out.insert("status".into(), Value::Object(status));
    }
    Ok(Value::Object(out))
}

fn event(e: &ExportEvent) -> Value {
    let mut out = Map::new();
    if let Some(n) = e.time_nanos {
        out.insert("timeUnixNano".into(), json!(n.to_string()));
    }
    if !e.name.is_empty() {
        out.insert("name".into(), json!(e.name));
    }
    if !e.attributes.is_empty() {
        out.insert("attributes".into(), attributes(&e.attributes));
    }
    Value::Object(out)
}

fn attributes(attributes: &[Attribute]) -> Value {
    Value::Array(
        attributes
            .iter()
            .map(|(k, v)| key_value(k, v.clone()))
            .collect(),
    )
}

fn key_value(key: &str, value: Value) -> Value {
    json!({"key": key, "value": value})
}

/// A plain JSON value as a typed `AnyValue`: strings, booleans, integers and doubles as
/// themselves, arrays as `arrayValue`, objects as `kvlistValue`, null as an empty value.
pub fn any_value_of(v: &Value) -> Value {
    match v {
        Value::Null => json!({}),
        Value::Bool(b) => json!({ "boolValue": b }),
        Value::String(s) => json!({ "stringValue": s }),
        Value::Number(n) => match n.as_i64() {
            Some(i) => json!({ "intValue": i.to_string() }),
            None => json!({ "doubleValue": n }),
        },
        Value::Array(items) => {
            json!({ "arrayValue": { "values": items.iter().map(any_value_of).collect::<Vec<_>>() } })
        }
        Value::Object(map) => json!({ "kvlistValue": { "values": map
            .iter()
            .map(|(k, v)| key_value(k, any_value_of(v)))
            .collect::<Vec<_>>() } }),
    }
}

/// The OpenTelemetry trace id inside an MLflow trace id: `tr-<hex>`, `trace:/<location>/<hex>`
/// (MLflow's V4 form), or the hex itself.
fn trace_hex(id: &str) -> Option<String> {
    let bare = match id.strip_prefix("trace:/") {
        Some(rest) => rest.rsplit('/').next().unwrap_or(rest),
        None => id.strip_prefix("tr-").unwrap_or(id),
    };
    is_hex(bare, 32).then(|| bare.to_ascii_lowercase())
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn not_otel(trace: &ExportTrace, why: &str) -> CliError {
    CliError::new(
        ExitCode::Failure,
        format!(
            "trace {} cannot be written as OTLP: {why}",
            crate::display::shown(&trace.trace_id)
        ),
    )
    .with_hint("--format jsonl keeps every trace as it is")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace() -> ExportTrace {
        ExportTrace {
            trace_id: "tr-0AF7651916CD43DD8448EB211C80319C".into(),
            service_name: Some("agent".into()),
            spans: vec![ExportSpan {
                span_id: Some("00b8cbab3d4db80e".into()),
                name: "root".into(),
                kind: Some("SPAN_KIND_SERVER".into()),
                start_nanos: Some(1),
                end_nanos: Some(1_795_860_001_500_000_000),
                status_code: Some("STATUS_CODE_ERROR".into()),
                status_message: Some("boom".into()),
                attributes: vec![("n".into(), any_value_of(&json!(3)))],
                events: vec![ExportEvent {
                    name: "exception".into(),
                    time_nanos: Some(5),
                    attributes: vec![],
                }],
                ..ExportSpan::default()
            }],
            ..ExportTrace::default()
        }
    }

    #[test]
    fn a_trace_is_one_request_in_the_otlp_json_encoding() {
        let line: Value = serde_json::from_str(&line(&trace()).unwrap()).unwrap();
        assert_eq!(
            line,
            json!({"resourceSpans": [{
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "agent"}}]},
                "scopeSpans": [{"spans": [{
                    "traceId": "0af7651916cd43dd8448eb211c80319c",
                    "spanId": "00b8cbab3d4db80e",
                    "name": "root",
                    "kind": 2,
                    "startTimeUnixNano": "1",
                    "endTimeUnixNano": "1795860001500000000",
                    "attributes": [{"key": "n", "value": {"intValue": "3"}}],
                    "events": [{"timeUnixNano": "5", "name": "exception"}],
                    "status": {"message": "boom", "code": 2}
                }]}]
            }]})
        );
    }

    #[test]
    fn values_are_typed_and_ids_that_are_not_otel_ids_are_refused() {
        assert_eq!(
            any_value_of(&json!({"a": [1.5, true, null]})),
            json!({"kvlistValue": {"values": [{"key": "a", "value": {"arrayValue": {"values": [
                {"doubleValue": 1.5}, {"boolValue": true}, {}
            ]}}}]}})
        );
        assert_eq!(
            trace_hex("trace:/main.agents.p/0af7651916cd43dd8448eb211c80319c").as_deref(),
            Some("0af7651916cd43dd8448eb211c80319c")
        );
        let mut t = trace();
        t.trace_id = "t01".into();
        let e = line(&t).unwrap_err();
        assert!(
            e.message.contains("trace 't01' cannot be written as OTLP"),
            "{e}"
        );
        let mut t = trace();
        t.spans[0].span_id = None;
        assert!(line(&t).unwrap_err().message.contains("tags layout"));
    }
}
