//! MLflow's trace store over REST (docs/trace-store.md): search trace infos
//! (`POST /api/3.0/mlflow/traces/search`) and read one trace with its spans
//! (`GET /api/3.0/mlflow/traces/get`, else `GET /api/3.0/mlflow/traces/batchGet`, else the
//! trace info alone), and the spans Databricks experiment storage keeps as an artifact
//! (`GET /api/2.0/mlflow/traces/{id}/credentials-for-data-download`, then the signed link).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::http::{decode_json, Call, CallAuth, Client, HttpError};
use crate::secret::Secret;

pub const SEARCH: &str = "/api/3.0/mlflow/traces/search";
pub const GET: &str = "/api/3.0/mlflow/traces/get";
pub const BATCH_GET: &str = "/api/3.0/mlflow/traces/batchGet";

/// The trace tag that says where a trace's spans are (mlflow/tracing/constant.py,
/// `TraceTagKey.SPANS_LOCATION`); `TRACKING_STORE` (`SpansLocation.TRACKING_STORE`) means the
/// tracking store serves them with the trace, anything else that they are an artifact.
pub const SPANS_LOCATION_TAG: &str = "mlflow.trace.spansLocation";
pub const SPANS_IN_TRACKING_STORE: &str = "TRACKING_STORE";

/// The most trace infos the open-source server returns in one page (`max_results <= 500`,
/// mlflow/server/handlers.py `_search_traces_v3`).
pub const MAX_PAGE: u64 = 500;

/// `TraceInfoV3` as the server sends it (mlflow/protos/service.proto, `TraceInfoV3`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TraceInfo {
    pub trace_id: String,
    /// RFC 3339 (protobuf `Timestamp` in JSON).
    #[serde(default)]
    pub request_time: Option<String>,
    /// Protobuf `Duration` in JSON, such as `"0.098s"`.
    #[serde(default)]
    pub execution_duration: Option<String>,
    /// `OK`, `ERROR`, `IN_PROGRESS` (or `STATE_UNSPECIFIED`).
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub trace_metadata: Map<String, Value>,
    #[serde(default)]
    pub tags: Map<String, Value>,
    #[serde(default)]
    pub assessments: Vec<Value>,
    #[serde(default)]
    pub request_preview: Option<String>,
    #[serde(default)]
    pub response_preview: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_id: Option<String>,
    /// Where the trace is kept (`TraceLocation`), as the server sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_location: Option<Value>,
}

impl TraceInfo {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).and_then(Value::as_str)
    }

    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.trace_metadata.get(key).and_then(Value::as_str)
    }

    /// Whether the spans are an artifact (a `traces.json`) rather than in the tracking store.
    pub fn spans_are_an_artifact(&self) -> bool {
        self.tag(SPANS_LOCATION_TAG) != Some(SPANS_IN_TRACKING_STORE)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchPage {
    #[serde(default)]
    pub traces: Vec<TraceInfo>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// One trace with its spans (OpenTelemetry protobuf JSON).
#[derive(Debug, Clone, Deserialize)]
pub struct FullTrace {
    pub trace_info: TraceInfo,
    #[serde(default)]
    pub spans: Vec<Value>,
}

#[derive(Deserialize)]
struct GetAnswer {
    trace: Option<FullTrace>,
}

#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    traces: Vec<FullTrace>,
}

/// One page of the experiment's trace infos matching `filter`, newest first.
pub async fn search(
    client: &Client,
    experiment_id: &str,
    filter: &str,
    max_results: u64,
    page_token: Option<&str>,
) -> Result<SearchPage, HttpError> {
    search_ordered(
        client,
        experiment_id,
        filter,
        max_results,
        page_token,
        false,
    )
    .await
}

/// [`search`], oldest first when `oldest_first` (`order_by` takes `timestamp_ms ASC`,
/// mlflow/store/tracking/sqlalchemy_store.py `_get_orderby_clauses_for_search_traces`).
pub async fn search_ordered(
    client: &Client,
    experiment_id: &str,
    filter: &str,
    max_results: u64,
    page_token: Option<&str>,
    oldest_first: bool,
) -> Result<SearchPage, HttpError> {
    let time_order = if oldest_first {
        "timestamp_ms ASC"
    } else {
        "timestamp_ms DESC"
    };
    let mut body = json!({
        "locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": experiment_id}}],
        "max_results": max_results.min(MAX_PAGE),
        "order_by": [time_order, "request_id ASC"],
    });
    if !filter.is_empty() {
        body["filter"] = json!(filter);
    }
    if let Some(token) = page_token {
        body["page_token"] = json!(token);
    }
    // A search only reads: safe to send again.
    client.post_json(SEARCH, &body, true).await
}

/// Why a trace could not be read.
#[derive(Debug)]
pub enum GetError {
    /// The server has no trace with this id.
    NotFound,
    /// The server has neither `traces/get` (MLflow 3.7+) nor `traces/batchGet` (3.6+).
    Unsupported,
    Http(HttpError),
}

/// The trace with its spans: `traces/get`, else (an older server) `traces/batchGet`, else the
/// trace info alone when its spans are an artifact (see [`download_spans`]).
pub async fn get(client: &Client, trace_id: &str) -> Result<FullTrace, GetError> {
    match client
        .get_json::<GetAnswer>(GET, &[("trace_id", trace_id)])
        .await
    {
        Ok(GetAnswer { trace: Some(t) }) => return Ok(t),
        Ok(GetAnswer { trace: None }) => return Err(GetError::NotFound),
        Err(e) if route_missing(&e, "get") => {}
        Err(e) if e.is_missing_resource() => return Err(GetError::NotFound),
        Err(e) => return Err(GetError::Http(e)),
    }
    match batch_get(client, &[trace_id.to_string()]).await {
        Ok(mut traces) => return traces.pop().ok_or(GetError::NotFound),
        Err(e) if route_missing(&e, "batchGet") => {}
        Err(e) => return Err(GetError::Http(e)),
    }
    // The trace info alone: enough when the spans are an artifact (downloaded by the caller);
    // spans kept in the tracking store cannot be read without the two routes above.
    match get_info(client, trace_id).await {
        Ok(Some(info)) if info.spans_are_an_artifact() => Ok(FullTrace {
            trace_info: info,
            spans: Vec::new(),
        }),
        Ok(Some(_)) => Err(GetError::Unsupported),
        Ok(None) => Err(GetError::NotFound),
        Err(e) if e.is_missing_endpoint() => Err(GetError::Unsupported),
        Err(e) => Err(GetError::Http(e)),
    }
}

/// Several traces with their spans in one request (absent ids are left out).
pub async fn batch_get(client: &Client, trace_ids: &[String]) -> Result<Vec<FullTrace>, HttpError> {
    let query: Vec<(&str, &str)> = trace_ids
        .iter()
        .map(|id| ("trace_ids", id.as_str()))
        .collect();
    let answer: BatchAnswer = client.get_json(BATCH_GET, &query).await?;
    Ok(answer.traces)
}

/// The trace info alone (`GET /api/3.0/mlflow/traces/{trace_id}`, MLflow 3.0+), for servers
/// without `traces/get` and `traces/batchGet`.
pub async fn get_info(client: &Client, trace_id: &str) -> Result<Option<TraceInfo>, HttpError> {
    #[derive(Deserialize)]
    struct Answer {
        trace: Option<InfoOnly>,
    }
    #[derive(Deserialize)]
    struct InfoOnly {
        trace_info: TraceInfo,
    }
    let path = format!("/api/3.0/mlflow/traces/{}", path_segment(trace_id));
    match client.get_json::<Answer>(&path, &[]).await {
        Ok(answer) => Ok(answer.trace.map(|t| t.trace_info)),
        Err(e) if e.is_missing_resource() => Ok(None),
        Err(e) => Err(e),
    }
}

/// `credential_info` of the download-credentials answer (mlflow/protos/databricks_artifacts.proto,
/// `ArtifactCredentialInfo`). No `Debug`: the link is a credential.
#[derive(Deserialize)]
struct CredentialInfo {
    signed_uri: String,
    #[serde(default)]
    headers: Vec<HttpHeader>,
}

#[derive(Deserialize)]
struct HttpHeader {
    name: String,
    value: String,
}

/// The spans of a trace whose data is an artifact: a signed link from the workspace, then the
/// `traces.json` behind it (`{"spans": [...]}`), fetched with the link's own headers and never
/// the workspace credential. The link is never logged or shown: errors name its host only.
pub async fn download_spans(client: &Client, trace_id: &str) -> Result<Vec<Value>, HttpError> {
    #[derive(Deserialize)]
    struct Answer {
        credential_info: CredentialInfo,
    }
    #[derive(Deserialize)]
    struct TraceData {
        #[serde(default)]
        spans: Vec<Value>,
    }
    let path = format!(
        "/api/2.0/mlflow/traces/{}/credentials-for-data-download",
        path_segment(trace_id)
    );
    let answer: Answer = client.get_json(&path, &[]).await?;
    let link = answer.credential_info;
    let host = reqwest::Url::parse(&link.signed_uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "an unparsable URL".into());
    let headers: Vec<(String, Secret)> = link
        .headers
        .into_iter()
        .map(|h| (h.name, Secret::new(h.value)))
        .collect();
    let endpoint = format!("GET signed trace-data link on {host}");
    let bytes = client
        .send(Call {
            method: reqwest::Method::GET,
            url: Secret::new(link.signed_uri),
            endpoint: endpoint.clone(),
            body: None,
            auth: CallAuth::None,
            headers: &headers,
            idempotent: true,
            sensitive_response: true,
        })
        .await?;
    let data: TraceData = decode_json(&endpoint, &bytes)?;
    Ok(data.spans)
}

/// A trace id as one URL path segment: anything but unreserved characters percent-encoded.
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Whether a 404 means the server lacks the route: `ENDPOINT_NOT_FOUND`, or (servers before
/// the route existed) the trace-info route `GET /traces/{trace_id}` taking the route's last
/// segment for a trace id ("Trace with ID 'get' not found").
fn route_missing(error: &HttpError, segment: &str) -> bool {
    if error.is_missing_endpoint() {
        return true;
    }
    error.api().is_some_and(|api| {
        api.status == 404
            && (api.message.contains(&format!("'{segment}'"))
                || api.message.contains(&format!("ID {segment} ")))
    })
}
