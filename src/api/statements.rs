//! SQL Statement Execution API, `/api/2.0/sql/statements` (docs/databricks-api.md §2).

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

/// One cell's text, borrowed from the JSON when it can be.
#[derive(Debug)]
pub struct CellRef<'a>(pub std::borrow::Cow<'a, str>);

impl AsRef<str> for CellRef<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for CellRef<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = CellRef<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string cell")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CellRef(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CellRef(std::borrow::Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(CellRef(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// A presigned link: the URL and its headers are secrets (they grant access on their own).
#[derive(Clone, Deserialize)]
pub struct ExternalLink {
    #[serde(default)]
    pub chunk_index: Option<u64>,
    #[serde(default)]
    pub row_offset: Option<u64>,
    #[serde(default)]
    pub row_count: Option<u64>,
    pub external_link: String,
    /// When the link stops working (RFC 3339).
    #[serde(default)]
    pub expiration: Option<String>,
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
        .get_json(
            &format!("{STATEMENTS}/{}", super::path_segment(statement_id)),
            &[],
        )
        .await
}

pub async fn get_chunk(
    client: &Client,
    statement_id: &str,
    chunk_index: u64,
) -> Result<ResultData, HttpError> {
    let bytes = get_chunk_bytes(client, statement_id, chunk_index).await?;
    decode_chunk(chunk_index, &bytes)
}

/// A result chunk, undecoded: large chunks are decoded on a blocking thread.
pub async fn get_chunk_bytes(
    client: &Client,
    statement_id: &str,
    chunk_index: u64,
) -> Result<bytes::Bytes, HttpError> {
    let path = format!(
        "{STATEMENTS}/{}/result/chunks/{chunk_index}",
        super::path_segment(statement_id)
    );
    client.get_bytes(&path, &[]).await
}

pub fn decode_chunk(chunk_index: u64, bytes: &[u8]) -> Result<ResultData, HttpError> {
    crate::http::decode_json(&chunk_endpoint(chunk_index), bytes)
}

/// What `stream_chunk` found besides the rows it handed over.
#[derive(Debug, Default)]
pub struct ChunkMeta {
    /// Rows seen in `data_array`; `None` when the chunk has no `data_array`.
    pub rows: Option<usize>,
    pub row_count: Option<u64>,
    pub external_links: Option<Vec<ExternalLink>>,
}

/// Decodes a chunk and hands each row of its `data_array` to `on_row` as it is read, its cells
/// borrowed from `bytes`: no copy of the chunk's cells is ever built.
pub fn stream_chunk(
    chunk_index: u64,
    bytes: &[u8],
    on_row: &mut dyn for<'x> FnMut(&[Option<CellRef<'x>>]),
) -> Result<ChunkMeta, HttpError> {
    let invalid =
        |e: serde_json::Error| HttpError::invalid(&chunk_endpoint(chunk_index), e.to_string());
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let meta =
        serde::de::DeserializeSeed::deserialize(streaming::ChunkSeed { on_row }, &mut deserializer)
            .map_err(invalid)?;
    deserializer.end().map_err(invalid)?;
    Ok(meta)
}

/// Decodes the body of a presigned link (a JSON array of rows) the way `stream_chunk` decodes
/// `data_array`: each row handed to `on_row` as it is read, its cells borrowed from `bytes`.
pub fn stream_rows(
    chunk_index: u64,
    bytes: &[u8],
    on_row: &mut dyn for<'x> FnMut(&[Option<CellRef<'x>>]),
) -> Result<usize, HttpError> {
    let invalid = |e: serde_json::Error| {
        HttpError::invalid(
            &format!("GET presigned result link of chunk {chunk_index}"),
            format!("not a JSON array of rows: {e}"),
        )
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let rows =
        serde::de::DeserializeSeed::deserialize(streaming::Rows { on_row }, &mut deserializer)
            .map_err(invalid)?;
    deserializer.end().map_err(invalid)?;
    Ok(rows)
}

/// The serde visitors behind `stream_chunk` and `stream_rows`.
mod streaming {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use super::{CellRef, ChunkMeta};

    type OnRow<'f> = &'f mut dyn for<'x> FnMut(&[Option<CellRef<'x>>]);

    pub struct ChunkSeed<'f> {
        pub on_row: OnRow<'f>,
    }

    impl<'de> DeserializeSeed<'de> for ChunkSeed<'_> {
        type Value = ChunkMeta;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<ChunkMeta, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for ChunkSeed<'_> {
        type Value = ChunkMeta;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a result chunk object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ChunkMeta, A::Error> {
            let mut meta = ChunkMeta::default();
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                match key.as_ref() {
                    "data_array" => {
                        meta.rows = Some(map.next_value_seed(Rows {
                            on_row: &mut *self.on_row,
                        })?)
                    }
                    "row_count" => meta.row_count = map.next_value()?,
                    "external_links" => meta.external_links = map.next_value()?,
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(meta)
        }
    }

    pub struct Rows<'f> {
        pub on_row: OnRow<'f>,
    }

    impl<'de> DeserializeSeed<'de> for Rows<'_> {
        type Value = usize;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for Rows<'_> {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of rows")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            // One row buffer, reused: cells are borrowed, so a row costs no allocation.
            let mut row: Vec<Option<CellRef<'de>>> = Vec::new();
            let mut count = 0;
            while seq.next_element_seed(Row { cells: &mut row })?.is_some() {
                (self.on_row)(&row);
                count += 1;
            }
            Ok(count)
        }
    }

    struct Row<'r, 'de> {
        cells: &'r mut Vec<Option<CellRef<'de>>>,
    }

    impl<'de> DeserializeSeed<'de> for Row<'_, 'de> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for Row<'_, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a row: an array of strings or nulls")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            self.cells.clear();
            while let Some(cell) = seq.next_element::<Option<CellRef<'de>>>()? {
                self.cells.push(cell);
            }
            Ok(())
        }
    }
}

fn chunk_endpoint(chunk_index: u64) -> String {
    format!("GET {STATEMENTS}/{{id}}/result/chunks/{chunk_index}")
}

pub async fn cancel(client: &Client, statement_id: &str) -> Result<(), HttpError> {
    client
        .post_json::<serde::de::IgnoredAny, _>(
            &format!("{STATEMENTS}/{}/cancel", super::path_segment(statement_id)),
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
            sensitive_response: true,
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_bodies_stream_borrowed_rows_and_name_their_chunk_when_bad() {
        let mut seen = Vec::new();
        let mut borrowed = 0;
        let rows = stream_rows(7, br#"[["a",null],["b\"q","c"]]"#, &mut |row| {
            borrowed += row
                .iter()
                .flatten()
                .filter(|c| matches!(c.0, std::borrow::Cow::Borrowed(_)))
                .count();
            seen.push(
                row.iter()
                    .map(|c| c.as_ref().map(|c| c.0.to_string()))
                    .collect::<Vec<_>>(),
            );
        })
        .unwrap();
        assert_eq!(rows, 2);
        assert_eq!(
            seen,
            [
                vec![Some("a".to_string()), None],
                vec![Some("b\"q".to_string()), Some("c".to_string())]
            ]
        );
        // Cells without escapes are borrowed from the body, not copied.
        assert_eq!(borrowed, 2);
        let bad = stream_rows(7, b"<html>login</html>", &mut |_| {}).unwrap_err();
        assert!(bad.to_string().contains("chunk 7"), "{bad}");
    }
}
