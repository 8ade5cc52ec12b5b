//! MLflow's trace store in the fake (docs/trace-store.md): what the open-source server has
//! (search, get, batchGet, the trace info route) and what only Databricks has: spans kept as an
//! artifact, served through `GET /api/2.0/mlflow/traces/{id}/credentials-for-data-download`
//! and a signed link that, like a cloud store, wants its own header and refuses an
//! `Authorization` header.
//!
//! - `POST /api/3.0/mlflow/traces/search`: one experiment location; `filter` clauses joined by
//!   ` AND ` of the forms `timestamp_ms OP N`, ``tags.`K` = 'V'``, ``metadata.`K` = 'V'``,
//!   `span.type = 'V'` and `span.name = 'V'`
//!   (anything else is 400 INVALID_PARAMETER_VALUE, so a test notices a filter the fake does
//!   not understand); newest first, or oldest first with `order_by` `timestamp_ms ASC`; `max_results` above 500 is 400; the page token is an
//!   offset; a full page carries a token even when it is the last, an empty page is `{}`.
//! - `GET /api/3.0/mlflow/traces/get?trace_id=`, `GET .../batchGet?trace_ids=...`: the trace
//!   with its spans, no spans for an artifact trace. Faults make either a missing route.
//! - `GET /api/3.0/mlflow/traces/{id}`: the trace info.
//! - Span attributes are OpenTelemetry `[{key, value: AnyValue}]` from the store and
//!   JSON-encoded strings in an artifact's `traces.json`, as the two really are.
#![allow(clippy::result_large_err)]

use serde_json::{json, Map, Value};

use super::server::Reply;
use super::sql::s3_error;
use super::util::{api_error, json_response, percent_decode, raw_response};
use super::{Recorded, State};

pub const SEARCH_TRACES: &str = "/api/3.0/mlflow/traces/search";
pub const GET_TRACE: &str = "/api/3.0/mlflow/traces/get";
pub const BATCH_GET_TRACES: &str = "/api/3.0/mlflow/traces/batchGet";
const TRACE_INFO: &str = "/api/3.0/mlflow/traces/";
const CREDENTIALS_PREFIX: &str = "/api/2.0/mlflow/traces/";
const CREDENTIALS_SUFFIX: &str = "/credentials-for-data-download";
const SIGNED: &str = "/signed-trace-data/";
/// The header the signed link wants, as a cloud store's signed headers.
pub const SIGNED_HEADER: (&str, &str) = ("x-ms-fake-trace", "signed-header-value");
/// What every signature of the fake starts with: never in tracecfg's output.
pub const SIGNATURE_MARK: &str = "SECRETTRACESIG";

/// One span of a fake trace: times in ms after the trace start.
#[derive(Debug, Clone)]
pub struct FakeSpan {
    pub span_id: String,
    pub parent: Option<String>,
    pub name: String,
    pub span_type: String,
    pub offset_ms: i64,
    pub duration_ms: i64,
    pub error: bool,
    pub attributes: Vec<(String, Value)>,
}

impl FakeSpan {
    pub fn new(span_id: &str, parent: Option<&str>, name: &str, span_type: &str) -> FakeSpan {
        FakeSpan {
            span_id: span_id.to_string(),
            parent: parent.map(str::to_string),
            name: name.to_string(),
            span_type: span_type.to_string(),
            offset_ms: 0,
            duration_ms: 1,
            error: false,
            attributes: Vec::new(),
        }
    }

    pub fn at(mut self, offset_ms: i64, duration_ms: i64) -> FakeSpan {
        self.offset_ms = offset_ms;
        self.duration_ms = duration_ms;
        self
    }
}

/// One trace in the fake's store.
#[derive(Debug, Clone)]
pub struct FakeTrace {
    pub experiment_id: String,
    /// 32 hex digits; the id is `tr-<hex>`.
    pub hex: String,
    pub start_ms: i64,
    pub duration_ms: i64,
    pub tags: Vec<(String, String)>,
    pub metadata: Vec<(String, String)>,
    pub spans: Vec<FakeSpan>,
    /// Spans kept as an artifact (Databricks experiment storage) instead of in the store.
    pub artifact: bool,
}

impl FakeTrace {
    pub fn trace_id(&self) -> String {
        format!("tr-{}", self.hex)
    }

    fn state(&self) -> &'static str {
        if self.spans.iter().any(|s| s.error) {
            "ERROR"
        } else {
            "OK"
        }
    }

    fn info(&self) -> Value {
        let mut tags: Map<String, Value> = self
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        if let Some(root) = self.spans.iter().find(|s| s.parent.is_none()) {
            tags.insert("mlflow.traceName".into(), json!(root.name));
        }
        if !self.artifact {
            tags.insert("mlflow.trace.spansLocation".into(), json!("TRACKING_STORE"));
        }
        let mut metadata: Map<String, Value> = self
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        metadata.insert(
            "mlflow.trace.sizeStats".into(),
            json!(json!({"num_spans": self.spans.len()}).to_string()),
        );
        json!({
            "trace_id": self.trace_id(),
            "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": self.experiment_id}},
            "request_time": rfc3339_ms(self.start_ms),
            "execution_duration": format!("{}s", self.duration_ms as f64 / 1000.0),
            "state": self.state(),
            "trace_metadata": metadata,
            "tags": tags,
        })
    }

    fn otel_spans(&self, encoded_attributes: bool) -> Vec<Value> {
        let b64 = |hex: &str| {
            use base64::Engine as _;
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            base64::engine::general_purpose::STANDARD.encode(bytes)
        };
        self.spans
            .iter()
            .map(|s| {
                let start = (self.start_ms + s.offset_ms) * 1_000_000;
                let mut attributes = vec![("mlflow.spanType".to_string(), json!(s.span_type))];
                attributes.extend(s.attributes.iter().cloned());
                let attributes = if encoded_attributes {
                    Value::Object(
                        attributes
                            .into_iter()
                            .map(|(k, v)| (k, json!(v.to_string())))
                            .collect(),
                    )
                } else {
                    Value::Array(
                        attributes
                            .into_iter()
                            .map(|(k, v)| json!({"key": k, "value": any_value(&v)}))
                            .collect(),
                    )
                };
                json!({
                    "trace_id": b64(&self.hex),
                    "span_id": b64(&s.span_id),
                    "parent_span_id": s.parent.as_deref().map(b64).unwrap_or_default(),
                    "name": s.name,
                    "start_time_unix_nano": start.to_string(),
                    "end_time_unix_nano": (start + s.duration_ms * 1_000_000).to_string(),
                    "attributes": attributes,
                    "status": {"code": if s.error { "STATUS_CODE_ERROR" } else { "STATUS_CODE_OK" }},
                })
            })
            .collect()
    }

    fn full(&self) -> Value {
        let spans = if self.artifact {
            Vec::new()
        } else {
            self.otel_spans(false)
        };
        json!({"trace_info": self.info(), "spans": spans})
    }
}

/// A JSON value as an OpenTelemetry `AnyValue` in protobuf JSON.
fn any_value(v: &Value) -> Value {
    match v {
        Value::String(s) => json!({"string_value": s}),
        Value::Bool(b) => json!({"bool_value": b}),
        Value::Number(n) if n.is_i64() => json!({"int_value": n.to_string()}),
        Value::Number(n) => json!({"double_value": n}),
        other => json!({"string_value": other.to_string()}),
    }
}

pub fn rfc3339_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

/// Days since 1970-01-01 as a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub fn route(s: &mut State, method: &str, path: &str, r: &Recorded) -> Option<Reply> {
    let reply = match (method, path) {
        ("POST", SEARCH_TRACES) => search(s, r),
        ("GET", GET_TRACE) => {
            let id = r.query_param("trace_id").unwrap_or_default();
            match s.store_traces.iter().find(|t| t.trace_id() == id) {
                Some(t) => json_response(200, &json!({"trace": t.full()})),
                None => not_found(&id),
            }
        }
        ("GET", BATCH_GET_TRACES) => {
            let ids = query_values(&r.query, "trace_ids");
            let found: Vec<Value> = ids
                .iter()
                .filter_map(|id| s.store_traces.iter().find(|t| t.trace_id() == *id))
                .map(FakeTrace::full)
                .collect();
            json_response(200, &json!({"traces": found}))
        }
        ("GET", p) if p.starts_with(CREDENTIALS_PREFIX) && p.ends_with(CREDENTIALS_SUFFIX) => {
            let id =
                percent_decode(&p[CREDENTIALS_PREFIX.len()..p.len() - CREDENTIALS_SUFFIX.len()]);
            match s.store_traces.iter().find(|t| t.trace_id() == id) {
                Some(t) if t.artifact => json_response(
                    200,
                    &json!({"credential_info": {
                        "type": "AZURE_SAS_URI",
                        "signed_uri": format!("{}{SIGNED}{id}/traces.json?sig={SIGNATURE_MARK}-{id}", s.base_url),
                        "headers": [{"name": SIGNED_HEADER.0, "value": SIGNED_HEADER.1}],
                    }}),
                ),
                _ => not_found(&id),
            }
        }
        ("GET", p) if p.starts_with(SIGNED) => return Some(signed(s, &p[SIGNED.len()..], r)),
        ("GET", p) if p.starts_with(TRACE_INFO) && !p[TRACE_INFO.len()..].contains('/') => {
            let id = percent_decode(&p[TRACE_INFO.len()..]);
            match s.store_traces.iter().find(|t| t.trace_id() == id) {
                Some(t) => json_response(200, &json!({"trace": {"trace_info": t.info()}})),
                None => not_found(&id),
            }
        }
        _ => return None,
    };
    Some(reply.into())
}

fn not_found(id: &str) -> axum::response::Response {
    api_error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        &format!("Trace with ID {id} is not found."),
    )
}

fn query_values(query: &str, name: &str) -> Vec<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| percent_decode(&v.replace('+', " ")))
        .collect()
}

fn search(s: &State, r: &Recorded) -> axum::response::Response {
    let body = r.json();
    let experiment = body["locations"][0]["mlflow_experiment"]["experiment_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let max = body["max_results"].as_u64().unwrap_or(100);
    if max > 500 {
        return api_error(
            400,
            "INVALID_PARAMETER_VALUE",
            &format!(
                "Invalid value {max} for parameter 'max_results' supplied: it must be at most 500."
            ),
        );
    }
    let clauses = match parse_filter(body["filter"].as_str().unwrap_or_default()) {
        Ok(c) => c,
        Err(clause) => {
            return api_error(
                400,
                "INVALID_PARAMETER_VALUE",
                &format!("fake trace store: unsupported filter clause {clause:?}"),
            )
        }
    };
    let mut matching: Vec<&FakeTrace> = s
        .store_traces
        .iter()
        .filter(|t| t.experiment_id == experiment && clauses.iter().all(|c| c.admits(t)))
        .collect();
    // `order_by` as the server takes it: the first clause on `timestamp_ms` decides (newest
    // first by default), the trace id breaks ties.
    let oldest_first = body["order_by"][0].as_str() == Some("timestamp_ms ASC");
    matching.sort_by(|a, b| {
        let by_time = if oldest_first {
            a.start_ms.cmp(&b.start_ms)
        } else {
            b.start_ms.cmp(&a.start_ms)
        };
        by_time.then_with(|| a.hex.cmp(&b.hex))
    });
    let offset: usize = body["page_token"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(max as usize)
        .map(|t| t.info())
        .collect();
    if page.is_empty() {
        return json_response(200, &json!({}));
    }
    let mut answer = json!({"traces": page});
    if page.len() == max as usize {
        answer["next_page_token"] = json!((offset + page.len()).to_string());
    }
    json_response(200, &answer)
}

enum Clause {
    Time(String, i64),
    Tag(String, String),
    Metadata(String, String),
    SpanType(String),
    SpanName(String),
}

impl Clause {
    fn admits(&self, t: &FakeTrace) -> bool {
        let pair = |list: &[(String, String)], k: &str, v: &str| {
            list.iter().any(|(a, b)| a == k && b == v)
        };
        match self {
            Clause::Time(op, n) => match op.as_str() {
                ">=" => t.start_ms >= *n,
                ">" => t.start_ms > *n,
                "<" => t.start_ms < *n,
                "<=" => t.start_ms <= *n,
                _ => false,
            },
            Clause::Tag(k, v) => pair(&t.tags, k, v),
            Clause::Metadata(k, v) => pair(&t.metadata, k, v),
            Clause::SpanType(v) => t.spans.iter().any(|s| s.span_type == *v),
            Clause::SpanName(v) => t.spans.iter().any(|s| s.name == *v),
        }
    }
}

fn parse_filter(filter: &str) -> Result<Vec<Clause>, String> {
    if filter.trim().is_empty() {
        return Ok(Vec::new());
    }
    filter.split(" AND ").map(parse_clause).collect()
}

fn parse_clause(clause: &str) -> Result<Clause, String> {
    let bad = || clause.to_string();
    if let Some(rest) = clause.strip_prefix("timestamp_ms ") {
        let (op, n) = rest.split_once(' ').ok_or_else(bad)?;
        return Ok(Clause::Time(op.to_string(), n.parse().map_err(|_| bad())?));
    }
    let (field, value) = clause.split_once(" = '").ok_or_else(bad)?;
    let value = value
        .strip_suffix('\'')
        .filter(|v| !v.contains('\''))
        .ok_or_else(bad)?;
    let key = |prefix: &str| {
        field
            .strip_prefix(prefix)?
            .strip_prefix('`')?
            .strip_suffix('`')
            .map(str::to_string)
    };
    match field {
        "span.type" => return Ok(Clause::SpanType(value.to_string())),
        "span.name" => return Ok(Clause::SpanName(value.to_string())),
        _ => {}
    }
    if let Some(k) = key("tags.") {
        return Ok(Clause::Tag(k, value.to_string()));
    }
    if let Some(k) = key("metadata.") {
        return Ok(Clause::Metadata(k, value.to_string()));
    }
    Err(bad())
}

/// GET /signed-trace-data/{id}/traces.json?sig=...: the artifact's `{"spans": [...]}`.
fn signed(s: &State, rest: &str, r: &Recorded) -> Reply {
    let id = rest.strip_suffix("/traces.json").unwrap_or_default();
    if r.query_param("sig").as_deref() != Some(&format!("{SIGNATURE_MARK}-{id}")) {
        return s3_error(403, "AuthenticationFailed", "Signature did not match.");
    }
    if r.header("authorization").is_some() {
        return s3_error(
            400,
            "InvalidAuthenticationInfo",
            "Authentication information is not given in the correct format: only one auth mechanism allowed.",
        );
    }
    if r.header(SIGNED_HEADER.0) != Some(SIGNED_HEADER.1) {
        return s3_error(403, "AuthenticationFailed", "A signed header is missing.");
    }
    match s
        .store_traces
        .iter()
        .find(|t| t.trace_id() == id && t.artifact)
    {
        Some(t) => raw_response(
            200,
            "application/json",
            json!({"spans": t.otel_spans(true)}).to_string(),
        )
        .into(),
        None => s3_error(404, "BlobNotFound", "The specified blob does not exist."),
    }
}
