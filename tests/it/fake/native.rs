//! The native Unity Catalog trace-location API of the fake, as docs/trace-location.md describes
//! it (research §1b: v5 create-or-get and link, v4 unlink; §2 `trace_location` on the
//! experiment; §3 the tags Databricks writes on link), and SCIM `Me` (the credential check of
//! `tracecfg doctor`).
//!
//! - `POST /api/5.0/mlflow/tracing/locations` creates (or gets) a table-prefix location; it
//!   needs `sql_warehouse_id` (400 INVALID_PARAMETER_VALUE without one).
//! - `POST /api/5.0/mlflow/experiments/{id}/trace-location:link` needs a created location
//!   (404 RESOURCE_DOES_NOT_EXIST otherwise) and an experiment not linked yet (400
//!   INVALID_PARAMETER_VALUE "already linked"); it writes the `databricksTrace*` tags.
//! - `POST /api/4.0/mlflow/traces/{id}/unlink-location` takes a schema location (`uc_schema`)
//!   and removes those tags (404 RESOURCE_DOES_NOT_EXIST when the experiment is not linked to
//!   that schema location; there is no unlink for a table-prefix location).
//!
//! [`FakeWorkspace::disable_trace_locations`] makes the three answer like a workspace without
//! the API: 404 ENDPOINT_NOT_FOUND.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::server::Reply;
use super::util::{api_error, json_response, now_ms, percent_decode};
use super::workspace::body_object;
use super::{FakeWorkspace, Recorded, State};

pub const TRACE_LOCATIONS: &str = "/api/5.0/mlflow/tracing/locations";
pub const SCIM_ME: &str = "/api/2.0/preview/scim/v2/Me";
/// The user SCIM `Me` names.
pub const ME_USER_NAME: &str = "tester@example.com";

pub const NATIVE_PATH_TAG: &str = "mlflow.experiment.databricksTraceDestinationPath";
pub const NATIVE_SPANS_TAG: &str = "mlflow.experiment.databricksTraceSpanStorageTable";
pub const NATIVE_LOGS_TAG: &str = "mlflow.experiment.databricksTraceLogStorageTable";
pub const NATIVE_ANNOTATIONS_TAG: &str = "mlflow.experiment.databricksTraceAnnotationsTable";

/// The spans table of a table-prefix location, as Unity Catalog lists it (the columns
/// tracecfg reads; docs/native-trace-storage.md §3).
pub const V2_SPANS_COLUMNS: [(&str, &str); 11] = [
    ("time", "TIMESTAMP"),
    ("date", "DATE"),
    ("trace_id", "STRING"),
    ("span_id", "STRING"),
    ("parent_span_id", "STRING"),
    ("name", "STRING"),
    ("start_time_unix_nano", "LONG"),
    ("end_time_unix_nano", "LONG"),
    ("attributes", "VARIANT"),
    ("status", "STRUCT"),
    ("resource", "STRUCT"),
];

/// The eight fields of `UcTablePrefixLocation` (MLflow's `databricks_tracing.proto`).
const TABLE_PREFIX_FIELDS: [&str; 8] = [
    "catalog_name",
    "schema_name",
    "table_prefix",
    "spans_table_name",
    "logs_table_name",
    "metrics_table_name",
    "location_id",
    "annotations_table_name",
];

const LINK_PREFIX: &str = "/api/5.0/mlflow/experiments/";
const LINK_SUFFIX: &str = "/trace-location:link";
const UNLINK_PREFIX: &str = "/api/4.0/mlflow/traces/";
const UNLINK_SUFFIX: &str = "/unlink-location";

/// `/api/5.0/mlflow/experiments/{id}/trace-location:link`
pub fn link_path(experiment_id: &str) -> String {
    format!("{LINK_PREFIX}{experiment_id}{LINK_SUFFIX}")
}

/// `/api/4.0/mlflow/traces/{id}/unlink-location`
pub fn unlink_path(experiment_id: &str) -> String {
    format!("{UNLINK_PREFIX}{experiment_id}{UNLINK_SUFFIX}")
}

/// The native side of the fake's state.
#[derive(Debug, Default)]
pub struct NativeState {
    /// The three routes answer 404 ENDPOINT_NOT_FOUND.
    pub disabled: bool,
    /// Created locations: (catalog, schema, prefix) -> the warehouse they were created with.
    pub locations: BTreeMap<(String, String, String), String>,
    /// SCIM `Me` answers 404.
    pub scim_me_disabled: bool,
}

type Key = (String, String, String);

pub fn route(s: &mut State, method: &str, path: &str, r: &Recorded) -> Option<Reply> {
    if path == SCIM_ME {
        return (method == "GET").then(|| scim_me(s));
    }
    if method != "POST" {
        return None;
    }
    let decoded = percent_decode(path);
    let reply = if decoded == TRACE_LOCATIONS {
        guarded(s, &decoded, |s| create_location(s, r))
    } else if let Some(id) = decoded
        .strip_prefix(LINK_PREFIX)
        .and_then(|rest| rest.strip_suffix(LINK_SUFFIX))
        .filter(|id| !id.is_empty() && !id.contains('/'))
    {
        let id = id.to_string();
        guarded(s, &decoded, |s| link(s, &id, r))
    } else if let Some(id) = decoded
        .strip_prefix(UNLINK_PREFIX)
        .and_then(|rest| rest.strip_suffix(UNLINK_SUFFIX))
        .filter(|id| !id.is_empty() && !id.contains('/'))
    {
        let id = id.to_string();
        guarded(s, &decoded, |s| unlink(s, &id, r))
    } else {
        return None;
    };
    Some(reply)
}

/// Runs the handler unless the API is disabled.
fn guarded(
    s: &mut State,
    path: &str,
    handler: impl FnOnce(&mut State) -> Result<Reply, Reply>,
) -> Reply {
    if s.native.disabled {
        let shown = path.strip_prefix("/api").unwrap_or(path);
        return api_error(
            404,
            "ENDPOINT_NOT_FOUND",
            &format!("No API found for 'POST {shown}'"),
        )
        .into();
    }
    handler(s).unwrap_or_else(|e| e)
}

fn scim_me(s: &State) -> Reply {
    if s.native.scim_me_disabled {
        return api_error(
            404,
            "ENDPOINT_NOT_FOUND",
            "No API found for 'GET /preview/scim/v2/Me'",
        )
        .into();
    }
    json_response(200, &json!({ "userName": ME_USER_NAME })).into()
}

fn invalid(message: &str) -> Reply {
    api_error(400, "INVALID_PARAMETER_VALUE", message).into()
}

fn string_field<'a>(map: &'a Map<String, Value>, name: &str) -> Result<&'a str, Reply> {
    map.get(name)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid(&format!("Missing value for required parameter '{name}'.")))
}

fn object_field<'a>(
    map: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a Map<String, Value>, Reply> {
    map.get(name)
        .and_then(Value::as_object)
        .ok_or_else(|| invalid(&format!("Missing value for required parameter '{name}'.")))
}

/// Letters, digits and underscores, at most 238 characters (databricks-sdk `UcTraceLocation`).
fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.len() <= 238
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `uc_table_prefix {catalog_name, schema_name, table_prefix}` of a body; a field the proto
/// does not have is refused.
fn table_prefix_key(body: &Map<String, Value>) -> Result<Key, Reply> {
    let location = object_field(body, "uc_table_prefix")?;
    if let Some(unknown) = location
        .keys()
        .find(|k| !TABLE_PREFIX_FIELDS.contains(&k.as_str()))
    {
        return Err(invalid(&format!(
            "Invalid field 'uc_table_prefix.{unknown}': no such field in UcTablePrefixLocation."
        )));
    }
    let catalog = string_field(location, "catalog_name")?;
    let schema = string_field(location, "schema_name")?;
    let prefix = string_field(location, "table_prefix")?;
    if !valid_prefix(prefix) {
        return Err(invalid(&format!(
            "Invalid table_prefix '{prefix}': it may only contain letters, digits, and underscores, and may be at most 238 characters."
        )));
    }
    Ok((catalog.to_string(), schema.to_string(), prefix.to_string()))
}

fn path_of((catalog, schema, prefix): &Key) -> String {
    format!("{catalog}.{schema}.{prefix}")
}

/// The `UcTablePrefixLocation` the API answers with: all eight fields, output ones included.
fn location_json(key: &Key) -> Value {
    let path = path_of(key);
    json!({
        "catalog_name": key.0,
        "schema_name": key.1,
        "table_prefix": key.2,
        "spans_table_name": format!("{path}_otel_spans"),
        "logs_table_name": format!("{path}_otel_logs"),
        "metrics_table_name": format!("{path}_otel_metrics"),
        "annotations_table_name": format!("{path}_otel_annotations"),
        "location_id": format!("loc-{}", path.replace('.', "-")),
    })
}

/// The `databricksTrace*` tags of an experiment linked to `path` (`c.s.p` or `c.s`).
fn link_tags(path: &str) -> Vec<(&'static str, String)> {
    if path.matches('.').count() == 1 {
        return vec![
            (NATIVE_PATH_TAG, path.to_string()),
            (
                NATIVE_SPANS_TAG,
                format!("{path}.mlflow_experiment_trace_otel_spans"),
            ),
            (
                NATIVE_LOGS_TAG,
                format!("{path}.mlflow_experiment_trace_otel_logs"),
            ),
        ];
    }
    vec![
        (NATIVE_PATH_TAG, path.to_string()),
        (NATIVE_SPANS_TAG, format!("{path}_otel_spans")),
        (NATIVE_LOGS_TAG, format!("{path}_otel_logs")),
        (NATIVE_ANNOTATIONS_TAG, format!("{path}_otel_annotations")),
    ]
}

fn create_location(s: &mut State, r: &Recorded) -> Result<Reply, Reply> {
    let body = body_object(r)?;
    let key = table_prefix_key(&body)?;
    let warehouse = body
        .get("sql_warehouse_id")
        .and_then(Value::as_str)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| {
            invalid("Could not resolve a SQL warehouse ID: pass 'sql_warehouse_id' to create the trace tables.")
        })?;
    s.native
        .locations
        .entry(key.clone())
        .or_insert_with(|| warehouse.to_string());
    // Creating a location provisions its tables (that is what the warehouse is for).
    add_location_tables(s, &key.0, &key.1, &key.2);
    Ok(json_response(200, &json!({ "uc_table_prefix": location_json(&key) })).into())
}

fn experiment_not_found(id: &str) -> Reply {
    api_error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        &format!("No Experiment with id={id} exists"),
    )
    .into()
}

/// The body's `experiment_id`, which must be the one of the path.
fn body_experiment_id<'a>(body: &'a Map<String, Value>, path_id: &str) -> Result<&'a str, Reply> {
    let id = string_field(body, "experiment_id")?;
    if id != path_id {
        return Err(invalid(&format!(
            "experiment_id '{id}' in the body does not match '{path_id}' in the path"
        )));
    }
    Ok(id)
}

fn link(s: &mut State, path_id: &str, r: &Recorded) -> Result<Reply, Reply> {
    let body = body_object(r)?;
    let id = body_experiment_id(&body, path_id)?;
    let key = table_prefix_key(&body)?;
    if !s.native.locations.contains_key(&key) {
        return Err(api_error(
            404,
            "RESOURCE_DOES_NOT_EXIST",
            &format!(
                "Trace location {} does not exist: create it first",
                path_of(&key)
            ),
        )
        .into());
    }
    let e = s
        .experiments
        .iter_mut()
        .find(|e| e.id == id)
        .ok_or_else(|| experiment_not_found(id))?;
    if e.lifecycle_stage != "active" {
        return Err(invalid(&format!(
            "The experiment {id} must be in the 'active' state. Current state is {}.",
            e.lifecycle_stage
        )));
    }
    let current = e.tags.get(NATIVE_PATH_TAG).cloned().or_else(|| {
        e.trace_location
            .as_ref()
            .map(|_| "its trace_location".to_string())
    });
    if let Some(current) = current {
        return Err(invalid(&format!(
            "Experiment {id} is already linked to trace location {current}"
        )));
    }
    for (k, v) in link_tags(&path_of(&key)) {
        e.tags.insert(k.into(), v);
    }
    e.last_update_time = now_ms();
    Ok(json_response(200, &json!({})).into())
}

fn unlink(s: &mut State, path_id: &str, r: &Recorded) -> Result<Reply, Reply> {
    let body = body_object(r)?;
    let id = body_experiment_id(&body, path_id)?;
    let schema_location = object_field(&body, "uc_schema")?;
    let catalog = string_field(schema_location, "catalog_name")?;
    let schema = string_field(schema_location, "schema_name")?;
    let e = s
        .experiments
        .iter_mut()
        .find(|e| e.id == id)
        .ok_or_else(|| experiment_not_found(id))?;
    // The v4 unlink takes a schema location only: an experiment linked to a table prefix in
    // the same schema is not linked to that schema location.
    let linked_here = e.tags.get(NATIVE_PATH_TAG).map(String::as_str)
        == Some(format!("{catalog}.{schema}").as_str());
    if !linked_here {
        return Err(api_error(
            404,
            "RESOURCE_DOES_NOT_EXIST",
            &format!("Experiment {id} is not linked to the trace location {catalog}.{schema}"),
        )
        .into());
    }
    for key in [
        NATIVE_PATH_TAG,
        NATIVE_SPANS_TAG,
        NATIVE_LOGS_TAG,
        NATIVE_ANNOTATIONS_TAG,
    ] {
        e.tags.remove(key);
    }
    e.last_update_time = now_ms();
    Ok(json_response(200, &json!({})).into())
}

/// Checks `trace_location` of a create-experiment body: `uc_trace_location` needs `catalog`
/// and `schema`, and a `table_prefix`, when given, must be a valid prefix.
pub fn check_create_trace_location(trace_location: Option<&Value>) -> Result<(), Reply> {
    let Some(location) = trace_location else {
        return Ok(());
    };
    let Some(uc) = location.get("uc_trace_location") else {
        return Ok(());
    };
    for name in ["catalog", "schema"] {
        if uc
            .get(name)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(invalid(&format!(
                "Missing value for required parameter 'trace_location.uc_trace_location.{name}'."
            )));
        }
    }
    match uc.get("table_prefix").and_then(Value::as_str) {
        Some(p) if !p.is_empty() && !valid_prefix(p) => Err(invalid(&format!(
            "Invalid table_prefix '{p}': it may only contain letters, digits, and underscores, and may be at most 238 characters."
        ))),
        _ => Ok(()),
    }
}

/// After create: `effective_table_prefix` is `table_prefix`, or the experiment id without one.
pub fn fill_effective_prefix(s: &mut State, id: &str) {
    let Some(e) = s.experiments.iter_mut().find(|e| e.id == id) else {
        return;
    };
    let Some(uc) = e
        .trace_location
        .as_mut()
        .and_then(|t| t.get_mut("uc_trace_location"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let effective = uc
        .get("table_prefix")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| id.to_string());
    uc.insert(
        "effective_table_prefix".into(),
        Value::String(effective.clone()),
    );
    let catalog = uc
        .get("catalog")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let schema = uc
        .get("schema")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    add_location_tables(s, &catalog, &schema, &effective);
}

/// The four tables of the table-prefix location `c.s.p`, the spans table with the columns of
/// that layout (VARIANT attributes).
fn add_location_tables(s: &mut State, catalog: &str, schema: &str, prefix: &str) {
    for suffix in ["spans", "logs", "annotations", "metrics"] {
        let key = (
            catalog.to_string(),
            schema.to_string(),
            format!("{prefix}_otel_{suffix}"),
        );
        let columns: &[(&str, &str)] = if suffix == "spans" {
            &V2_SPANS_COLUMNS
        } else {
            &[("trace_id", "STRING")]
        };
        s.tables.insert(key.clone(), "MANAGED".to_string());
        s.table_columns.insert(
            key,
            columns
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
        );
    }
}

impl FakeWorkspace {
    /// The trace-location routes (create location, link, unlink) answer like a workspace
    /// without the API: 404 `{"error_code":"ENDPOINT_NOT_FOUND",...}`.
    pub fn disable_trace_locations(&self) {
        self.lock().native.disabled = true;
    }

    /// SCIM `Me` answers 404 ENDPOINT_NOT_FOUND (as on a server without SCIM).
    pub fn disable_scim_me(&self) {
        self.lock().native.scim_me_disabled = true;
    }

    /// Locations created so far (also by [`FakeWorkspace::link_trace_location`]), as
    /// (catalog, schema, table_prefix, sql_warehouse_id).
    pub fn trace_locations(&self) -> Vec<(String, String, String, String)> {
        self.lock()
            .native
            .locations
            .iter()
            .map(|((c, s, p), w)| (c.clone(), s.clone(), p.clone(), w.clone()))
            .collect()
    }

    /// Links the experiment as the link route does (creating the location first), without a
    /// request: the experiment gets the three `databricksTrace*` tags for `c.s.p`.
    pub fn link_trace_location(&self, id: &str, catalog: &str, schema: &str, prefix: &str) {
        let mut state = self.lock();
        let key = (catalog.to_string(), schema.to_string(), prefix.to_string());
        state
            .native
            .locations
            .entry(key.clone())
            .or_insert_with(|| "preexisting".to_string());
        let e = super::experiment_mut(&mut state, id);
        for (k, v) in link_tags(&path_of(&key)) {
            e.tags.insert(k.into(), v);
        }
    }

    /// Creates the four tables of the table-prefix location `c.s.p` as creating the location
    /// does, the spans table with the columns of that layout (VARIANT attributes).
    pub fn add_native_tables(&self, catalog: &str, schema: &str, prefix: &str) {
        add_location_tables(&mut self.lock(), catalog, schema, prefix);
    }

    /// Links the experiment to the schema location `c.s` (the older layout, linked through
    /// the v4 API), without a request: it gets the `databricksTrace*` tags for `c.s`.
    pub fn link_schema_location(&self, id: &str, catalog: &str, schema: &str) {
        let mut state = self.lock();
        let e = super::experiment_mut(&mut state, id);
        for (k, v) in link_tags(&format!("{catalog}.{schema}")) {
            e.tags.insert(k.into(), v);
        }
    }
}
