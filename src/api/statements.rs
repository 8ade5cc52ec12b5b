//! SQL Statement Execution API, `/api/2.0/sql/statements` (shared/docs/databricks-api.md §2).

use serde::{Deserialize, Serialize};

use crate::http::{Call, CallAuth, Client, HttpError};
use crate::secret::Secret;

const STATEMENTS: &str = "/api/2.0/sql/statements";

#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    /// `None` is SQL NULL.
    pub value: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Disposition {
    Inline,
    ExternalLinks,
}

#[derive(Debug, Serialize)]
pub struct ExecuteRequest<'a> {
    pub statement: &'a str,
    pub warehouse_id: &'a str,
    pub parameters: &'a [Parameter],
    pub wait_timeout: &'a str,
    pub on_wait_timeout: &'a str,
    pub disposition: Disposition,
    pub format: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Pending,
    Running,
    Succeeded,
    Failed,
    Canceled,
    Closed,
    #[serde(other)]
    Unknown,
}

impl State {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            State::Succeeded | State::Failed | State::Canceled | State::Closed
        )
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatementResponse {
    pub statement_id: Option<String>,
    pub status: Option<Status>,
    pub manifest: Option<Manifest>,
    pub result: Option<ResultData>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    pub state: State,
    pub error: Option<StatementError>,
    pub sql_state: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatementError {
    pub error_code: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub schema: Schema,
    #[serde(default)]
    pub total_chunk_count: Option<u64>,
    #[serde(default)]
    pub chunks: Vec<ChunkInfo>,
    #[serde(default)]
    pub truncated: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Schema {
    #[serde(default)]
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(default)]
    pub type_name: Option<String>,
    #[serde(default)]
    pub position: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChunkInfo {
    pub chunk_index: u64,
    #[serde(default)]
    pub row_count: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResultData {
    #[serde(default)]
    pub row_count: Option<u64>,
    #[serde(default)]
    pub data_array: Option<Vec<Vec<Option<String>>>>,
    #[serde(default)]
    pub external_links: Option<Vec<ExternalLink>>,
    #[serde(default)]
    pub next_chunk_index: Option<u64>,
}

/// A presigned link: the URL and its headers are secrets (they grant access on their own).
#[derive(Clone, Deserialize)]
pub struct ExternalLink {
    #[serde(default)]
    pub chunk_index: Option<u64>,
    #[serde(default)]
    pub row_count: Option<u64>,
    pub external_link: String,
    #[serde(default)]
    pub http_headers: std::collections::BTreeMap<String, String>,
}

impl std::fmt::Debug for ExternalLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalLink")
            .field("chunk_index", &self.chunk_index)
            .field("row_count", &self.row_count)
            .field("external_link", &"***")
            .finish()
    }
}

/// Submits a statement. Not idempotent: it is retried only on 429 and 503.
pub async fn execute(
    client: &Client,
    request: &ExecuteRequest<'_>,
) -> Result<StatementResponse, HttpError> {
    client.post_json(STATEMENTS, request, false).await
}

pub async fn get(client: &Client, statement_id: &str) -> Result<StatementResponse, HttpError> {
    client
        .get_json(&format!("{STATEMENTS}/{}", path_segment(statement_id)), &[])
        .await
}

pub async fn get_chunk(
    client: &Client,
    statement_id: &str,
    chunk_index: u64,
) -> Result<ResultData, HttpError> {
    client
        .get_json(
            &format!(
                "{STATEMENTS}/{}/result/chunks/{chunk_index}",
                path_segment(statement_id)
            ),
            &[],
        )
        .await
}

pub async fn cancel(client: &Client, statement_id: &str) -> Result<(), HttpError> {
    client
        .post_json::<serde::de::IgnoredAny, _>(
            &format!("{STATEMENTS}/{}/cancel", path_segment(statement_id)),
            &serde_json::json!({}),
            true,
        )
        .await
        .map(|_| ())
}

/// Downloads a presigned link: its own headers, never the workspace credential.
pub async fn fetch_link(client: &Client, link: &ExternalLink) -> Result<bytes::Bytes, HttpError> {
    let host = reqwest::Url::parse(&link.external_link)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "an unparsable URL".into());
    let headers: Vec<(String, Secret)> = link
        .http_headers
        .iter()
        .map(|(k, v)| (k.clone(), Secret::new(v.clone())))
        .collect();
    client
        .send(Call {
            method: reqwest::Method::GET,
            url: Secret::new(link.external_link.clone()),
            endpoint: format!("GET presigned result link on {host}"),
            body: None,
            auth: CallAuth::None,
            headers: &headers,
            idempotent: true,
        })
        .await
}

/// Statement ids are opaque; keep them to safe path characters.
fn path_segment(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect()
}
