//! MLflow's Unity Catalog trace-location API on Databricks: create (or get) a table-prefix
//! location and link an experiment to it (v5), and unlink a schema location (v4; there is no
//! unlink for a table-prefix location). Shapes from MLflow's `databricks_tracing.proto` and its
//! Databricks REST store: docs/native-trace-storage.md §1.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::http::{Client, HttpError};

const CREATE_LOCATION: &str = "/api/5.0/mlflow/tracing/locations";

/// `UcTablePrefixLocation`: tables `<catalog_name>.<schema_name>.<table_prefix>_otel_*`.
/// Only the fields MLflow sends in a link body are kept: anything else in a create answer
/// (`location_id`, `metrics_table_name`, fields a newer server adds) is dropped, as MLflow's
/// client drops it (docs/native-trace-storage.md §1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct UcTablePrefix {
    pub catalog_name: String,
    pub schema_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spans_table_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs_table_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations_table_name: Option<String>,
}

/// What a create request carries: the location as asked, without output fields.
#[derive(Serialize)]
struct CreateLocation<'a> {
    catalog_name: &'a str,
    schema_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    table_prefix: Option<&'a str>,
}

#[derive(Deserialize)]
struct LocationEnvelope {
    uc_table_prefix: Option<UcTablePrefix>,
}

/// What to do when [`is_unavailable`]: the API comes with this workspace preview.
pub const UNAVAILABLE_HINT: &str = "enable the 'OpenTelemetry on Databricks' preview in the workspace's Previews page (MLflow traces in Unity Catalog), then run the command again";

/// The workspace has no trace-location API (not enabled, or not offered there).
pub fn is_unavailable(e: &HttpError) -> bool {
    e.is_missing_endpoint() || e.api().is_some_and(|a| a.code_is("FEATURE_DISABLED"))
}

/// Creates the location, or gets it when it exists; "already exists" is fine.
pub async fn create_or_get(
    client: &Client,
    location: &UcTablePrefix,
    warehouse_id: &str,
) -> Result<UcTablePrefix, HttpError> {
    let asked = CreateLocation {
        catalog_name: &location.catalog_name,
        schema_name: &location.schema_name,
        table_prefix: location.table_prefix.as_deref(),
    };
    let body = json!({ "uc_table_prefix": asked, "sql_warehouse_id": warehouse_id });
    match client
        .post_json::<LocationEnvelope, _>(CREATE_LOCATION, &body, true)
        .await
    {
        Ok(LocationEnvelope {
            uc_table_prefix: Some(created),
        }) => Ok(created),
        Ok(LocationEnvelope {
            uc_table_prefix: None,
        }) => Err(HttpError::invalid(
            &format!("POST {CREATE_LOCATION}"),
            "the answer has no 'uc_table_prefix'",
        )),
        Err(e)
            if e.api().is_some_and(|a| {
                a.code_is("ALREADY_EXISTS") || a.code_is("RESOURCE_ALREADY_EXISTS")
            }) =>
        {
            Ok(location.clone())
        }
        Err(e) => Err(e),
    }
}

pub async fn link(
    client: &Client,
    experiment_id: &str,
    location: &UcTablePrefix,
) -> Result<(), HttpError> {
    let path = format!(
        "/api/5.0/mlflow/experiments/{}/trace-location:link",
        super::path_segment(experiment_id)
    );
    let body = json!({ "experiment_id": experiment_id, "uc_table_prefix": location });
    client
        .post_json::<serde::de::IgnoredAny, _>(&path, &body, true)
        .await
        .map(|_| ())
}

/// Unlinks a schema location through the v4 route, the only unlink there is.
pub async fn unlink(
    client: &Client,
    experiment_id: &str,
    catalog: &str,
    schema: &str,
) -> Result<(), HttpError> {
    let path = format!(
        "/api/4.0/mlflow/traces/{}/unlink-location",
        super::path_segment(experiment_id)
    );
    let body = json!({
        "experiment_id": experiment_id,
        "uc_schema": { "catalog_name": catalog, "schema_name": schema },
    });
    client
        .post_json::<serde::de::IgnoredAny, _>(&path, &body, true)
        .await
        .map(|_| ())
}
