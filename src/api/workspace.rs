//! Workspace API: folders (docs/databricks-api.md §1.7).

use serde_json::json;

use crate::http::{Client, HttpError};

const MKDIRS: &str = "/api/2.0/workspace/mkdirs";

/// Outcome of making a folder.
#[derive(Debug, PartialEq, Eq)]
pub enum Mkdirs {
    Done,
    /// The server has no workspace folders (an open-source MLflow server): nothing to make.
    NoWorkspaceApi,
}

/// Creates a folder and its parents; an existing folder is fine.
pub async fn mkdirs(client: &Client, path: &str) -> Result<Mkdirs, HttpError> {
    match client
        .post_json::<serde::de::IgnoredAny, _>(MKDIRS, &json!({ "path": path }), true)
        .await
    {
        Ok(_) => Ok(Mkdirs::Done),
        Err(e) if e.is_missing_endpoint() => Ok(Mkdirs::NoWorkspaceApi),
        Err(e) => Err(e),
    }
}
