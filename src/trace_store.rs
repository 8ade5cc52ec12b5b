//! Reading traces from MLflow's trace store (docs/trace-store.md): the search filter built from
//! the trace filters, trace infos as trace-list rows, and OpenTelemetry spans as waterfall rows.
//!
//! The filter grammar has no escapes: a string literal ends at its first closing quote, and a
//! backslash before a quote keeps the literal going (mlflow/utils/search_utils.py strips the
//! quotes and nothing else). So a value is sent with `=` only when one kind of quote can hold it
//! whole; any other value is sent as a `LIKE` pattern with `_` for each quote, backslash and
//! control character (a wider match, never a different filter), and the exact comparison is made
//! here on what the server returns.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::api::traces::{FullTrace, TraceInfo};
use crate::error::CliError;
use crate::output::trace_list::TraceSummary;
use crate::output::waterfall::{Assessment, SpanRow};
use crate::time::{format_micros_rfc3339, parse_timestamp_micros};
use crate::trace_query::Filters;

/// Trace metadata keys MLflow sets for the user and session (mlflow/tracing/constant.py,
/// `TraceMetadataKey.TRACE_USER` / `TRACE_SESSION`).
pub const USER_METADATA: &str = "mlflow.trace.user";
pub const SESSION_METADATA: &str = "mlflow.trace.session";
/// The tags an application may set instead (as on the tags layout).
pub const USER_TAG: &str = "user_id";
pub const SESSION_TAG: &str = "session_id";
/// The trace tag that names the root span (`TraceTagKey.TRACE_NAME`).
const TRACE_NAME_TAG: &str = "mlflow.traceName";
/// Trace metadata with the span count (`TraceMetadataKey.SIZE_STATS`: `{"num_spans": N, ...}`).
pub const SIZE_STATS_METADATA: &str = "mlflow.trace.sizeStats";
/// Span attributes MLflow writes (mlflow/tracing/constant.py, `SpanAttributeKey`).
pub const SPAN_TYPE: &str = "mlflow.spanType";
pub const SPAN_INPUTS: &str = "mlflow.spanInputs";
pub const SPAN_OUTPUTS: &str = "mlflow.spanOutputs";

/// Where a condition looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Tag(String),
    Metadata(String),
    SpanName,
    SpanType,
    SpanAttribute(String),
}

impl Field {
    fn filter_key(&self) -> String {
        match self {
            Field::Tag(k) => format!("tags.`{k}`"),
            Field::Metadata(k) => format!("metadata.`{k}`"),
            Field::SpanName => "span.name".into(),
            Field::SpanType => "span.type".into(),
            Field::SpanAttribute(k) => format!("span.attributes.`{k}`"),
        }
    }

    fn on_spans(&self) -> bool {
        matches!(
            self,
            Field::SpanName | Field::SpanType | Field::SpanAttribute(_)
        )
    }
}

/// One `field = value` the traces must meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: Field,
    pub value: String,
}

/// A search: the filter string the server gets, and the conditions it could only approximate
/// (checked here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub filter: String,
    pub checked_here: Vec<Condition>,
}

impl Search {
    /// Whether checking needs the spans of each trace.
    pub fn needs_spans(&self) -> bool {
        self.checked_here.iter().any(|c| c.field.on_spans())
    }

    /// Whether `trace` meets the conditions the server could only approximate.
    pub fn admits(&self, info: &TraceInfo, spans: Option<&[Value]>) -> bool {
        self.checked_here.iter().all(|c| match &c.field {
            Field::Tag(k) => info.tag(k) == Some(c.value.as_str()),
            Field::Metadata(k) => info.metadata(k) == Some(c.value.as_str()),
            _ => spans.is_some_and(|spans| spans.iter().any(|s| span_meets(s, c))),
        })
    }
}

/// The searches for `filters`: one, or two when `--user`/`--session` may be in the metadata or
/// in a tag (the grammar has AND only, so each place is its own search; the results are merged).
pub fn searches(filters: &Filters) -> Result<Vec<Search>, CliError> {
    let mut common = Vec::new();
    for (k, v) in &filters.tags {
        common.push(Condition {
            field: Field::Tag(filter_key("--tag", k)?),
            value: v.clone(),
        });
    }
    if let Some(t) = &filters.span_type {
        common.push(Condition {
            field: Field::SpanType,
            value: t.clone(),
        });
    }
    if let Some(n) = &filters.name {
        common.push(Condition {
            field: Field::SpanName,
            value: n.clone(),
        });
    }
    for (k, v) in &filters.attributes {
        common.push(Condition {
            field: Field::SpanAttribute(filter_key("--attribute", k)?),
            value: v.clone(),
        });
    }
    let mut time = Vec::new();
    if let Some(since) = filters.since.as_deref().and_then(parse_timestamp_micros) {
        time.push(format!("timestamp_ms >= {}", since.div_euclid(1000)));
    }
    if let Some(until) = filters.until.as_deref().and_then(parse_timestamp_micros) {
        // Strictly before --until, to the microsecond: ms below it, or equal and below.
        time.push(format!("timestamp_ms < {}", ceil_div(until, 1000)));
    }
    // Each of --user / --session: the metadata or the tag, so 1, 2 or 4 combinations.
    let mut branches: Vec<Vec<Condition>> = vec![Vec::new()];
    for (value, metadata, tag) in [
        (&filters.user, USER_METADATA, USER_TAG),
        (&filters.session, SESSION_METADATA, SESSION_TAG),
    ] {
        let Some(value) = value else { continue };
        branches = branches
            .into_iter()
            .flat_map(|b| {
                [Field::Metadata(metadata.into()), Field::Tag(tag.into())].map(|field| {
                    let mut b = b.clone();
                    b.push(Condition {
                        field,
                        value: value.clone(),
                    });
                    b
                })
            })
            .collect();
    }
    Ok(branches
        .into_iter()
        .map(|mut b| {
            b.extend(common.iter().cloned());
            search_of(&b, &time)
        })
        .collect())
}

fn search_of(conditions: &[Condition], time: &[String]) -> Search {
    let mut clauses = Vec::new();
    let mut checked_here = Vec::new();
    for c in conditions {
        let key = c.field.filter_key();
        // The open-source server matches span attributes only by a pattern over the span's
        // JSON (mlflow/store/tracking/sqlalchemy_store.py): always a pattern, checked here.
        let sent = match &c.field {
            Field::SpanAttribute(_) => Literal::Pattern(pattern_literal(&c.value, true)),
            _ => literal(&c.value),
        };
        match sent {
            Literal::Exact(quoted) => clauses.push(format!("{key} = {quoted}")),
            Literal::Pattern(quoted) => {
                clauses.push(format!("{key} LIKE {quoted}"));
                checked_here.push(c.clone());
            }
        }
    }
    clauses.extend(time.iter().cloned());
    Search {
        filter: clauses.join(" AND "),
        checked_here,
    }
}

enum Literal {
    Exact(String),
    Pattern(String),
}

fn unquotable(c: char) -> bool {
    c == '\\' || c.is_control()
}

/// `'v'` or `"v"` when one kind of quote holds the value whole; else a pattern.
fn literal(value: &str) -> Literal {
    match exact_literal(value) {
        Some(quoted) => Literal::Exact(quoted),
        None => Literal::Pattern(pattern_literal(value, false)),
    }
}

/// `'v'` or `"v"` when one kind of quote holds the value whole and it has no backslash or
/// control character (MLflow's filter grammar has no escapes); else `None`.
pub fn exact_literal(value: &str) -> Option<String> {
    if value.chars().any(unquotable) || (value.contains('\'') && value.contains('"')) {
        return None;
    }
    Some(if value.contains('\'') {
        format!("\"{value}\"")
    } else {
        format!("'{value}'")
    })
}

/// A `LIKE` pattern in single quotes: `_` for each quote, backslash and control character;
/// `anywhere` wraps it in `%`.
fn pattern_literal(value: &str, anywhere: bool) -> String {
    let body: String = value
        .chars()
        .map(|c| {
            if c == '\'' || c == '"' || unquotable(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    if anywhere {
        format!("'%{body}%'")
    } else {
        format!("'{body}'")
    }
}

/// A tag or attribute key goes between backticks, which cannot hold one.
pub fn filter_key(flag: &str, key: &str) -> Result<String, CliError> {
    if key.contains('`') || key.chars().any(char::is_control) {
        return Err(CliError::usage(format!(
            "{flag} {} has a KEY with a backtick or a control character, which MLflow's trace search cannot name",
            crate::display::shown(key)
        )));
    }
    Ok(key.to_string())
}

pub fn ceil_div(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

/// Whether one span meets a span condition exactly.
fn span_meets(span: &Value, c: &Condition) -> bool {
    let attrs = span_attributes(span);
    match &c.field {
        Field::SpanName => span["name"].as_str() == Some(c.value.as_str()),
        Field::SpanType => attr_text(&attrs, SPAN_TYPE).as_deref() == Some(c.value.as_str()),
        Field::SpanAttribute(k) => attr_text(&attrs, k).as_deref() == Some(c.value.as_str()),
        _ => false,
    }
}

/// The trace id as the store names it: `tr-<hex>` for a bare 32-digit hex id or a
/// `trace:/<location>/<hex>` id (MLflow's V4 form, mlflow/tracing/utils `parse_trace_id_v4`).
pub fn store_trace_id(id: &str) -> String {
    let id = match id.strip_prefix("trace:/") {
        Some(rest) => rest.rsplit('/').next().unwrap_or(rest),
        None => id,
    };
    if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) {
        format!("tr-{}", id.to_ascii_lowercase())
    } else {
        id.to_string()
    }
}

/// A protobuf `Duration` in JSON (`"0.098s"`) in milliseconds.
fn duration_ms(text: &str) -> Option<f64> {
    text.strip_suffix('s')?
        .parse::<f64>()
        .ok()
        .map(|s| s * 1000.0)
}

/// The trace-list row of a trace info; `span_count` from the size statistics MLflow records,
/// else from `spans` when they were read.
pub fn summary(info: &TraceInfo, spans: Option<&[Value]>) -> TraceSummary {
    let raw_start = info.request_time.clone().unwrap_or_default();
    let start_micros = parse_timestamp_micros(&raw_start);
    let duration = info.execution_duration.as_deref().and_then(duration_ms);
    let end_time = match (start_micros, duration) {
        (Some(s), Some(d)) => Some(format_micros_rfc3339(s + (d * 1000.0).round() as i64)),
        _ => None,
    };
    // Both ends in one precision, so that a script comparing them compares like with like.
    let start = start_micros.map(format_micros_rfc3339).unwrap_or(raw_start);
    let either = |metadata: &str, tag: &str| {
        info.metadata(metadata)
            .or_else(|| info.tag(tag))
            .map(str::to_string)
    };
    TraceSummary {
        trace_id: info.trace_id.clone(),
        start_time: start,
        end_time,
        duration_ms: duration,
        span_count: span_count(info)
            .or_else(|| spans.map(|s| s.len() as u64))
            .unwrap_or(0),
        root_span_name: info.tag(TRACE_NAME_TAG).map(str::to_string),
        status: info.state.clone().filter(|s| s != "STATE_UNSPECIFIED"),
        user: either(USER_METADATA, USER_TAG),
        session: either(SESSION_METADATA, SESSION_TAG),
    }
}

/// The span count MLflow recorded in the trace metadata, when it did.
pub fn span_count(info: &TraceInfo) -> Option<u64> {
    let stats: Value = serde_json::from_str(info.metadata(SIZE_STATS_METADATA)?).ok()?;
    stats["num_spans"].as_u64()
}

/// The size of the trace as MLflow recorded it (`TraceSizeStatsKey.TOTAL_SIZE_BYTES`).
pub fn size_bytes(info: &TraceInfo) -> Option<u64> {
    let stats: Value = serde_json::from_str(info.metadata(SIZE_STATS_METADATA)?).ok()?;
    stats["total_size_bytes"].as_u64()
}

/// The spans of a trace as waterfall rows.
pub fn span_rows(trace: &FullTrace) -> Vec<SpanRow> {
    trace.spans.iter().map(span_row).collect()
}

/// One span as a waterfall row.
pub fn span_row(span: &Value) -> SpanRow {
    let attrs = span_attributes(span);
    let nanos = |field: &str| match &span[field] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse::<i64>().ok(),
        _ => None,
    };
    let start = nanos("start_time_unix_nano").map(|n| n.div_euclid(1000));
    let end = nanos("end_time_unix_nano").map(|n| n.div_euclid(1000));
    SpanRow {
        span_id: span["span_id"].as_str().map(id_hex),
        parent_span_id: span["parent_span_id"]
            .as_str()
            .filter(|p| !p.is_empty())
            .map(id_hex),
        name: span["name"].as_str().unwrap_or_default().to_string(),
        span_type: attr_text(&attrs, SPAN_TYPE),
        start_time: start.map(format_micros_rfc3339).unwrap_or_default(),
        end_time: end.map(format_micros_rfc3339),
        start_micros: start,
        end_micros: end,
        status_code: status_code(&span["status"]["code"]),
        inputs: attrs.get(SPAN_INPUTS).map(json_text),
        outputs: attrs.get(SPAN_OUTPUTS).map(json_text),
        detail: None,
    }
}

/// The assessments of a trace info, those overridden by a later one (`valid: false`) left out
/// (mlflow/protos/assessments.proto `Assessment`).
pub fn assessments(info: &TraceInfo) -> Vec<Assessment> {
    info.assessments
        .iter()
        .filter(|a| a["valid"].as_bool() != Some(false))
        .filter_map(assessment)
        .collect()
}

fn assessment(a: &Value) -> Option<Assessment> {
    let text = |v: &Value| v.as_str().map(str::to_string);
    let (kind, body) = if a["feedback"].is_object() {
        ("feedback", &a["feedback"])
    } else if a["expectation"].is_object() {
        ("expectation", &a["expectation"])
    } else {
        return None;
    };
    let value = match (&body["value"], &body["serialized_value"]["value"]) {
        (Value::Null, Value::String(s)) => decoded(&Value::String(s.clone())),
        (v, _) => v.clone(),
    };
    Some(Assessment {
        name: text(&a["assessment_name"])?,
        kind: kind.to_string(),
        value,
        source_type: text(&a["source"]["source_type"]),
        source_id: text(&a["source"]["source_id"]),
        rationale: text(&a["rationale"]),
        error: text(&body["error"]["error_message"]).or_else(|| text(&body["error"]["error_code"])),
        create_time: text(&a["create_time"]),
        span_id: text(&a["span_id"]).filter(|s| !s.is_empty()),
    })
}

/// The OpenTelemetry status code by name (`STATUS_CODE_ERROR`); the enum's number is accepted too.
pub fn status_code(code: &Value) -> Option<String> {
    match code {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(
            match n.as_u64() {
                Some(1) => "STATUS_CODE_OK",
                Some(2) => "STATUS_CODE_ERROR",
                _ => "STATUS_CODE_UNSET",
            }
            .to_string(),
        ),
        _ => None,
    }
}

/// A span or trace id in hex: protobuf JSON carries the bytes in base64.
pub fn id_hex(id: &str) -> String {
    if id.len().is_multiple_of(2) && id.chars().all(|c| c.is_ascii_hexdigit()) {
        return id.to_ascii_lowercase();
    }
    match base64::engine::general_purpose::STANDARD.decode(id) {
        Ok(bytes) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        Err(_) => id.to_string(),
    }
}

/// A span's attributes as plain JSON values: OpenTelemetry's `[{key, value: AnyValue}]`, or
/// an object whose values are JSON-encoded strings (the `traces.json` of experiment storage).
pub fn span_attributes(span: &Value) -> Map<String, Value> {
    match &span["attributes"] {
        Value::Array(items) => items
            .iter()
            .filter_map(|kv| Some((kv["key"].as_str()?.to_string(), any_value(&kv["value"]))))
            .collect(),
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), decoded(v))).collect(),
        _ => Map::new(),
    }
}

/// A JSON-encoded string value as the value it encodes.
pub fn decoded(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

/// OpenTelemetry's `AnyValue` in protobuf JSON as plain JSON (opentelemetry-proto
/// `common.proto`); MLflow's string attributes are JSON-encoded, so strings are decoded once.
pub fn any_value(v: &Value) -> Value {
    let Some(obj) = v.as_object() else {
        return v.clone();
    };
    if let Some(s) = obj.get("string_value").or_else(|| obj.get("stringValue")) {
        return decoded(s);
    }
    if let Some(b) = obj.get("bool_value").or_else(|| obj.get("boolValue")) {
        return b.clone();
    }
    if let Some(i) = obj.get("int_value").or_else(|| obj.get("intValue")) {
        return match i {
            Value::String(s) => s.parse::<i64>().map(Value::from).unwrap_or(i.clone()),
            other => other.clone(),
        };
    }
    if let Some(d) = obj.get("double_value").or_else(|| obj.get("doubleValue")) {
        return d.clone();
    }
    if let Some(a) = obj.get("array_value").or_else(|| obj.get("arrayValue")) {
        return Value::Array(
            a["values"]
                .as_array()
                .map(|vs| vs.iter().map(any_value).collect())
                .unwrap_or_default(),
        );
    }
    if let Some(kv) = obj.get("kvlist_value").or_else(|| obj.get("kvlistValue")) {
        return Value::Object(
            kv["values"]
                .as_array()
                .map(|vs| {
                    vs.iter()
                        .filter_map(|e| {
                            Some((e["key"].as_str()?.to_string(), any_value(&e["value"])))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        );
    }
    if let Some(b) = obj.get("bytes_value").or_else(|| obj.get("bytesValue")) {
        return b.clone();
    }
    Value::Null
}

/// An attribute as text: a string as itself, anything else as JSON.
fn attr_text(attrs: &Map<String, Value>, key: &str) -> Option<String> {
    attrs.get(key).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn json_text(v: &Value) -> String {
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters() -> Filters {
        Filters {
            limit: 10,
            ..Filters::default()
        }
    }

    #[test]
    fn values_are_quoted_whole_or_sent_as_a_wider_pattern_checked_here() {
        let f = Filters {
            tags: vec![("env".into(), "prod".into()), ("k.x".into(), "it's".into())],
            span_type: Some("a'\"b".into()),
            name: Some("x\\".into()),
            since: Some("2026-11-01T00:00:00.0005Z".into()),
            until: Some("2026-11-02T00:00:00.0005Z".into()),
            ..filters()
        };
        let s = searches(&f).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].filter,
            "tags.`env` = 'prod' AND tags.`k.x` = \"it's\" AND span.type LIKE 'a__b' AND span.name LIKE 'x_' AND timestamp_ms >= 1793491200000 AND timestamp_ms < 1793577600001"
        );
        assert_eq!(s[0].checked_here.len(), 2);
        assert!(s[0].needs_spans());
    }

    #[test]
    fn user_and_session_each_search_the_metadata_and_the_tag() {
        let f = Filters {
            user: Some("u' OR '1'='1".into()),
            session: Some("s1".into()),
            ..filters()
        };
        let s = searches(&f).unwrap();
        let got: Vec<&str> = s.iter().map(|s| s.filter.as_str()).collect();
        assert_eq!(
            got,
            [
                "metadata.`mlflow.trace.user` = \"u' OR '1'='1\" AND metadata.`mlflow.trace.session` = 's1'",
                "metadata.`mlflow.trace.user` = \"u' OR '1'='1\" AND tags.`session_id` = 's1'",
                "tags.`user_id` = \"u' OR '1'='1\" AND metadata.`mlflow.trace.session` = 's1'",
                "tags.`user_id` = \"u' OR '1'='1\" AND tags.`session_id` = 's1'",
            ]
        );
        let bad = Filters {
            tags: vec![("a`b".into(), "v".into())],
            ..filters()
        };
        assert!(searches(&bad).is_err());
    }

    #[test]
    fn ids_spans_and_attributes_decode() {
        assert_eq!(
            store_trace_id("trace:/123/0EFC073E7F5EB714F371696112CDB6D7"),
            "tr-0efc073e7f5eb714f371696112cdb6d7"
        );
        assert_eq!(store_trace_id("tr-abc"), "tr-abc");
        let span = serde_json::json!({
            "trace_id": "pau6FgWo5jvzdZ4WToazsQ==", "span_id": "CLLZoA+t8v8=", "parent_span_id": "",
            "name": "agent", "start_time_unix_nano": 1796488299937454828i64, "end_time_unix_nano": "1796488300018120845",
            "attributes": [
                {"key": "mlflow.spanType", "value": {"string_value": "\"AGENT\""}},
                {"key": "mlflow.spanInputs", "value": {"kvlist_value": {"values": [{"key": "q", "value": {"string_value": "boom"}}]}}},
                {"key": "n", "value": {"int_value": "40"}}
            ],
            "status": {"code": "STATUS_CODE_ERROR"}
        });
        let row = span_row(&span);
        assert_eq!(row.span_id.as_deref(), Some("08b2d9a00fadf2ff"));
        assert_eq!(row.parent_span_id, None);
        assert_eq!(row.span_type.as_deref(), Some("AGENT"));
        assert_eq!(row.inputs.as_deref(), Some("{\"q\":\"boom\"}"));
        assert_eq!(row.start_micros, Some(1796488299937454));
        assert_eq!(row.status_code.as_deref(), Some("STATUS_CODE_ERROR"));
        let c = Condition {
            field: Field::SpanAttribute("n".into()),
            value: "40".into(),
        };
        assert!(span_meets(&span, &c));
        assert_eq!(duration_ms("0.098s"), Some(98.0));
    }
}
