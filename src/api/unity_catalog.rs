//! Unity Catalog API: does a catalog, schema or table exist (docs/databricks-api.md §3).

use serde::Deserialize;

use crate::http::{Client, HttpError};

#[derive(Debug, Clone, Deserialize)]
pub struct TableInfo {
    #[serde(default)]
    pub table_type: Option<String>,
    /// `ColumnInfo` list of the tables API (docs/databricks-api.md §3).
    #[serde(default)]
    pub columns: Vec<ColumnInfo>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: String,
    /// `STRING`, `MAP`, `VARIANT`, …
    #[serde(default)]
    pub type_name: Option<String>,
    /// `map<string,string>`, …
    #[serde(default)]
    pub type_text: Option<String>,
}

impl ColumnInfo {
    /// The type's name as Unity Catalog's `ColumnTypeName` spells it (`LONG` for BIGINT,
    /// `SHORT`, `BYTE`, `INT`), from `type_name`, else from the start of `type_text`.
    pub fn type_name(&self) -> String {
        let name = match (&self.type_name, &self.type_text) {
            (Some(name), _) => name.as_str(),
            (None, Some(text)) => text.split(['<', '(']).next().unwrap_or_default(),
            (None, None) => "",
        };
        let name = name.trim().to_ascii_uppercase();
        match name.as_str() {
            "BIGINT" => "LONG".to_string(),
            "SMALLINT" => "SHORT".to_string(),
            "TINYINT" => "BYTE".to_string(),
            "INTEGER" => "INT".to_string(),
            _ => name,
        }
    }
}

/// A securable that may be missing: `Ok(None)` when the server says it does not exist (a 404
/// page without an error code means the server has no Unity Catalog API at all: an error).
async fn lookup<T: serde::de::DeserializeOwned>(
    client: &Client,
    path: &str,
) -> Result<Option<T>, HttpError> {
    match client.get_json::<T>(path, &[]).await {
        Ok(found) => Ok(Some(found)),
        Err(e) if e.is_missing_resource() => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn catalog_exists(client: &Client, catalog: &str) -> Result<bool, HttpError> {
    let path = format!(
        "/api/2.1/unity-catalog/catalogs/{}",
        super::path_segment(catalog)
    );
    Ok(lookup::<serde::de::IgnoredAny>(client, &path)
        .await?
        .is_some())
}

pub async fn schema_exists(
    client: &Client,
    catalog: &str,
    schema: &str,
) -> Result<bool, HttpError> {
    let path = format!(
        "/api/2.1/unity-catalog/schemas/{}.{}",
        super::path_segment(catalog),
        super::path_segment(schema)
    );
    Ok(lookup::<serde::de::IgnoredAny>(client, &path)
        .await?
        .is_some())
}

pub async fn get_table(
    client: &Client,
    catalog: &str,
    schema: &str,
    table: &str,
) -> Result<Option<TableInfo>, HttpError> {
    let path = format!(
        "/api/2.1/unity-catalog/tables/{}.{}.{}",
        super::path_segment(catalog),
        super::path_segment(schema),
        super::path_segment(table)
    );
    lookup(client, &path).await
}

/// [`get_table`] for a `catalog.schema.table` name as Databricks writes it in tags.
pub async fn get_table_by_full_name(
    client: &Client,
    full_name: &str,
) -> Result<Option<TableInfo>, HttpError> {
    match crate::uc_names::split_qualified(full_name) {
        Some([catalog, schema, table]) => get_table(client, &catalog, &schema, &table).await,
        None => Ok(None),
    }
}
