//! `tracecfg export`'s domain (docs/export.md): a trace as both sources give it, whole, in one
//! shape ([`ExportTrace`]), rendered as a JSON line (`jsonl`) or an OTLP/JSON request (`otlp`),
//! and written to one file per day with a manifest that makes an interrupted export resumable.
//!
//! Attribute values are kept as OpenTelemetry `AnyValue`s in protobuf JSON (camelCase), in the
//! type the source stored them: MLflow's trace store sends `AnyValue`s (its strings are
//! JSON-encoded, and stay so), a V1 table's MAP holds strings, a V2 table's VARIANT typed JSON.
//! OTLP writes them as they are; `jsonl` decodes them to plain JSON, as `trace -o json` does.

pub mod files;
pub mod jsonl;
pub mod manifest;
pub mod otlp;
pub mod tables;

use serde_json::{json, Map, Value};

use crate::api::traces::FullTrace;
use crate::output::waterfall::Assessment;
use crate::time::parse_timestamp_micros;
use crate::trace_store::{self, id_hex};

/// One attribute: its key and its `AnyValue` (protobuf JSON, camelCase).
pub type Attribute = (String, Value);

/// One trace, complete: what the files keep of it.
#[derive(Debug, Clone, Default)]
pub struct ExportTrace {
    /// As the source names it (`tr-…` in the store, the table's `trace_id`).
    pub trace_id: String,
    /// The trace's start, which decides its day file.
    pub start_micros: i64,
    /// `false` on the tags layout, which records no parent ids.
    pub tree: bool,
    /// The service that wrote the spans (V2 tables' `service_name`).
    pub service_name: Option<String>,
    /// The trace info fields of the store (request time, state, previews...).
    pub info: Option<Map<String, Value>>,
    pub tags: Map<String, Value>,
    pub metadata: Map<String, Value>,
    pub assessments: Vec<Assessment>,
    pub spans: Vec<ExportSpan>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportSpan {
    /// The span's own trace id in hex, when it carries one (the store's spans do).
    pub trace_hex: Option<String>,
    /// Hex; `None` on the tags layout.
    pub span_id: Option<String>,
    pub parent_span_id: Option<String>,
    pub name: String,
    /// By name, such as `SPAN_KIND_INTERNAL`.
    pub kind: Option<String>,
    pub start_nanos: Option<i64>,
    pub end_nanos: Option<i64>,
    /// By name, such as `STATUS_CODE_ERROR`.
    pub status_code: Option<String>,
    pub status_message: Option<String>,
    pub attributes: Vec<Attribute>,
    pub events: Vec<ExportEvent>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportEvent {
    pub name: String,
    pub time_nanos: Option<i64>,
    pub attributes: Vec<Attribute>,
}

impl ExportSpan {
    /// The attribute's text: a string value as it is (JSON text, for MLflow's payloads), any
    /// other value as JSON.
    pub fn text(&self, key: &str) -> Option<String> {
        let (_, v) = self.attributes.iter().find(|(k, _)| k == key)?;
        match v.get("stringValue") {
            Some(Value::String(s)) => Some(s.clone()),
            _ => Some(trace_store::any_value(v).to_string()),
        }
    }

    /// The attribute's value as plain JSON (MLflow's JSON-encoded strings decoded once).
    pub fn plain(&self, key: &str) -> Option<Value> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| trace_store::any_value(v))
    }
}

/// The UTC day (`2026-11-28`) a trace started on: the file it goes to.
pub fn day_of(micros: i64) -> String {
    crate::time::format_micros_rfc3339(micros)[..10].to_string()
}

/// A trace of MLflow's trace store, with its spans.
pub fn from_store(trace: &FullTrace) -> ExportTrace {
    let info = &trace.trace_info;
    let spans: Vec<ExportSpan> = trace.spans.iter().map(store_span).collect();
    let first_span = spans
        .iter()
        .filter_map(|s| s.start_nanos)
        .min()
        .map(|n| n.div_euclid(1000));
    let start_micros = info
        .request_time
        .as_deref()
        .and_then(parse_timestamp_micros)
        .or(first_span)
        .unwrap_or(0);
    let mut fields = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(v) = value {
            fields.insert(key.to_string(), v);
        }
    };
    put("request_time", info.request_time.clone().map(Value::from));
    put(
        "execution_duration",
        info.execution_duration.clone().map(Value::from),
    );
    put("state", info.state.clone().map(Value::from));
    put(
        "request_preview",
        info.request_preview.clone().map(Value::from),
    );
    put(
        "response_preview",
        info.response_preview.clone().map(Value::from),
    );
    put(
        "client_request_id",
        info.client_request_id.clone().map(Value::from),
    );
    put("trace_location", info.trace_location.clone());
    ExportTrace {
        trace_id: info.trace_id.clone(),
        start_micros,
        tree: true,
        service_name: None,
        info: Some(fields),
        tags: info.tags.clone(),
        metadata: info.trace_metadata.clone(),
        assessments: trace_store::assessments(info),
        spans,
    }
}

/// A span as the store sends it: OpenTelemetry protobuf JSON (ids in base64, attributes as
/// `[{key, value}]`), or the `traces.json` of experiment storage (attributes an object of
/// JSON-encoded strings).
fn store_span(span: &Value) -> ExportSpan {
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let status = &span["status"];
    ExportSpan {
        trace_hex: text(&span["trace_id"]).map(|id| id_hex(&id)),
        span_id: text(&span["span_id"]).map(|id| id_hex(&id)),
        parent_span_id: text(&span["parent_span_id"]).map(|id| id_hex(&id)),
        name: span["name"].as_str().unwrap_or_default().to_string(),
        kind: enum_name(&span["kind"], SPAN_KINDS),
        start_nanos: nanos(&span["start_time_unix_nano"]),
        end_nanos: nanos(&span["end_time_unix_nano"]),
        status_code: trace_store::status_code(&status["code"]),
        status_message: text(&status["message"]),
        attributes: store_attributes(&span["attributes"]),
        events: span["events"]
            .as_array()
            .map(|events| events.iter().map(store_event).collect())
            .unwrap_or_default(),
    }
}

fn store_event(event: &Value) -> ExportEvent {
    ExportEvent {
        name: event["name"].as_str().unwrap_or_default().to_string(),
        time_nanos: nanos(&event["time_unix_nano"]).or_else(|| nanos(&event["timeUnixNano"])),
        attributes: store_attributes(&event["attributes"]),
    }
}

/// `[{key, value: AnyValue}]`, or an object of (JSON-encoded) strings.
fn store_attributes(attributes: &Value) -> Vec<Attribute> {
    match attributes {
        Value::Array(items) => items
            .iter()
            .filter_map(|kv| {
                Some((
                    kv["key"].as_str()?.to_string(),
                    camel_any_value(&kv["value"]),
                ))
            })
            .collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    Value::String(s) => json!({ "stringValue": s }),
                    other => otlp::any_value_of(other),
                };
                (k.clone(), value)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// An `AnyValue` in protobuf JSON with its field names in camelCase (`string_value` ->
/// `stringValue`), as OTLP/JSON writes them; the value itself untouched.
pub fn camel_any_value(v: &Value) -> Value {
    let Some(obj) = v.as_object() else {
        return json!({});
    };
    let mut out = Map::new();
    for (key, value) in obj {
        let camel = match key.as_str() {
            "string_value" => "stringValue",
            "bool_value" => "boolValue",
            "int_value" => "intValue",
            "double_value" => "doubleValue",
            "array_value" => "arrayValue",
            "kvlist_value" => "kvlistValue",
            "bytes_value" => "bytesValue",
            other => other,
        };
        let value = match camel {
            "arrayValue" => json!({ "values": value["values"]
                .as_array()
                .map(|vs| vs.iter().map(camel_any_value).collect::<Vec<_>>())
                .unwrap_or_default() }),
            "kvlistValue" => json!({ "values": value["values"]
                .as_array()
                .map(|vs| vs
                    .iter()
                    .map(|kv| json!({"key": kv["key"], "value": camel_any_value(&kv["value"])}))
                    .collect::<Vec<_>>())
                .unwrap_or_default() }),
            // int64 is a string in protobuf JSON; a number is accepted and kept exact.
            "intValue" => match value {
                Value::Number(n) => Value::String(n.to_string()),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(camel.to_string(), value);
    }
    Value::Object(out)
}

/// Nanoseconds as protobuf JSON gives a 64-bit integer: a string, or a number.
pub fn nanos(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// OpenTelemetry's `Span.SpanKind` (opentelemetry-proto trace.proto), by number.
pub const SPAN_KINDS: &[&str] = &[
    "SPAN_KIND_UNSPECIFIED",
    "SPAN_KIND_INTERNAL",
    "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",
    "SPAN_KIND_PRODUCER",
    "SPAN_KIND_CONSUMER",
];

/// `Status.StatusCode`, by number.
pub const STATUS_CODES: &[&str] = &["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

/// An enum value by name: the name as sent, or the name of its number.
fn enum_name(v: &Value, names: &[&str]) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => n
            .as_u64()
            .and_then(|i| names.get(i as usize))
            .map(|s| s.to_string()),
        _ => None,
    }
}

/// The number of an enum value named with or without its prefix (`OK`, `STATUS_CODE_OK`).
pub fn enum_number(name: &str, names: &[&str], prefix: &str) -> Option<usize> {
    let full = if name.starts_with(prefix) {
        name.to_string()
    } else {
        format!("{prefix}{name}")
    };
    names.iter().position(|n| n.eq_ignore_ascii_case(&full))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_spans_keep_their_values_and_ids_in_hex() {
        let trace: FullTrace = serde_json::from_value(json!({
            "trace_info": {"trace_id": "tr-0af7651916cd43dd8448eb211c80319c", "request_time": "2026-11-28T10:00:00.500Z", "state": "OK", "tags": {"k": "v"}},
            "spans": [{
                "trace_id": "CvdlGRbNQ92ESOshHIAxnA==", "span_id": "ALjLqz1NuA4=", "parent_span_id": "",
                "name": "root", "kind": "SPAN_KIND_INTERNAL",
                "start_time_unix_nano": "1795860000500000000", "end_time_unix_nano": 1795860001500000000u64,
                "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
                "attributes": [{"key": "mlflow.spanType", "value": {"string_value": "\"LLM\""}},
                               {"key": "n", "value": {"int_value": 3}}],
                "events": [{"name": "exception", "time_unix_nano": "1795860001000000000",
                            "attributes": [{"key": "exception.message", "value": {"string_value": "boom"}}]}]
            }]
        }))
        .unwrap();
        let t = from_store(&trace);
        assert_eq!(day_of(t.start_micros), "2026-11-28");
        let s = &t.spans[0];
        assert_eq!(
            s.trace_hex.as_deref(),
            Some("0af7651916cd43dd8448eb211c80319c")
        );
        assert_eq!(s.span_id.as_deref(), Some("00b8cbab3d4db80e"));
        assert_eq!(s.parent_span_id, None);
        assert_eq!(s.end_nanos, Some(1_795_860_001_500_000_000));
        assert_eq!(
            s.attributes[0],
            ("mlflow.spanType".into(), json!({"stringValue": "\"LLM\""}))
        );
        assert_eq!(s.attributes[1].1, json!({"intValue": "3"}));
        assert_eq!(s.plain("mlflow.spanType"), Some(json!("LLM")));
        assert_eq!(s.events[0].time_nanos, Some(1_795_860_001_000_000_000));
        assert_eq!(t.tags["k"], "v");
    }

    #[test]
    fn enums_are_known_by_name_with_or_without_prefix_and_by_number() {
        assert_eq!(enum_number("OK", STATUS_CODES, "STATUS_CODE_"), Some(1));
        assert_eq!(
            enum_number("STATUS_CODE_ERROR", STATUS_CODES, "STATUS_CODE_"),
            Some(2)
        );
        assert_eq!(enum_number("SERVER", SPAN_KINDS, "SPAN_KIND_"), Some(2));
        assert_eq!(enum_number("weird", SPAN_KINDS, "SPAN_KIND_"), None);
        assert_eq!(
            enum_name(&json!(3), SPAN_KINDS).as_deref(),
            Some("SPAN_KIND_CLIENT")
        );
    }
}
