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
//! - `POST /api/4.0/mlflow/traces/{id}/unlink-location` removes those tags (404
//!   RESOURCE_DOES_NOT_EXIST when the experiment is not linked to that catalog and schema).
//!
//! [`FakeWorkspace::disable_trace_locations`] makes the three answer like a workspace without
//! the API: 404 ENDPOINT_NOT_FOUND.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::server::Reply;
use super::util::{api_error, json_response, now_ms, percent_decode};
use super::workspace::body_object;
use super::{ExperimentRec, FakeWorkspace, Recorded, State};

pub const TRACE_LOCATIONS: &str = "/api/5.0/mlflow/tracing/locations";
pub const SCIM_ME: &str = "/api/2.0/preview/scim/v2/Me";
/// The user SCIM `Me` names.
pub const ME_USER_NAME: &str = "tester@example.com";

pub const NATIVE_PATH_TAG: &str = "mlflow.experiment.databricksTraceDestinationPath";
pub const NATIVE_SPANS_TAG: &str = "mlflow.experiment.databricksTraceSpanStorageTable";
pub const NATIVE_LOGS_TAG: &str = "mlflow.experiment.databricksTraceLogStorageTable";

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

/// `uc_table_prefix {catalog_name, schema_name, table_prefix}` of a body.
fn table_prefix_key(body: &Map<String, Value>) -> Result<Key, Reply> {
    let location = object_field(body, "uc_table_prefix")?;
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

/// The `UcTablePrefixLocation` the API answers with.
fn location_json(key: &Key) -> Value {
    let path = path_of(key);
    json!({
        "catalog_name": key.0,
        "schema_name": key.1,
        "table_prefix": key.2,
        "spans_table_name": format!("{path}_otel_spans"),
        "logs_table_name": format!("{path}_otel_logs"),
    })
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
    insert_native_tags(e, &key);
    e.last_update_time = now_ms();
    Ok(json_response(200, &json!({})).into())
}

/// The three `databricksTrace*` tags Databricks writes on link.
fn insert_native_tags(e: &mut ExperimentRec, key: &Key) {
    let path = path_of(key);
    e.tags
        .insert(NATIVE_SPANS_TAG.into(), format!("{path}_otel_spans"));
    e.tags
        .insert(NATIVE_LOGS_TAG.into(), format!("{path}_otel_logs"));
    e.tags.insert(NATIVE_PATH_TAG.into(), path);
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
    let linked_here = e.tags.get(NATIVE_PATH_TAG).is_some_and(|p| {
        let mut parts = p.split('.');
        parts.next() == Some(catalog) && parts.next() == Some(schema)
    });
    if !linked_here {
        return Err(api_error(
            404,
            "RESOURCE_DOES_NOT_EXIST",
            &format!("Experiment {id} is not linked to a trace location in {catalog}.{schema}"),
        )
        .into());
    }
    for key in [NATIVE_PATH_TAG, NATIVE_SPANS_TAG, NATIVE_LOGS_TAG] {
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
    uc.insert("effective_table_prefix".into(), Value::String(effective));
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
        insert_native_tags(super::experiment_mut(&mut state, id), &key);
    }
}
