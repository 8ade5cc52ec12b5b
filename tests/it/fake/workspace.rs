//! Workspace routes of the fake: MLflow experiments, workspace folders, Unity Catalog,
//! warehouses and the default-warehouse setting, and the OAuth endpoints.
//!
//! Handlers return `Result<Reply, Reply>` so that `?` turns a rejection into its answer.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::server::Reply;
use super::util::{api_error, form_value, json_response, now_ms, percent_decode};
use super::{ExperimentRec, Recorded, State};

const EXPERIMENTS: &str = "/api/2.0/mlflow/experiments/";
const UC: &str = "/api/2.1/unity-catalog/";

pub fn route(s: &mut State, method: &str, path: &str, r: &Recorded) -> Option<Reply> {
    if let Some(op) = path.strip_prefix(EXPERIMENTS) {
        return experiments(s, method, op, r);
    }
    if let Some(rest) = path.strip_prefix(UC) {
        return (method == "GET").then(|| unity_catalog(s, rest).into());
    }
    let reply = match (method, path) {
        ("POST", "/api/2.0/workspace/mkdirs") => mkdirs(s, r),
        ("GET", "/api/2.0/sql/warehouses") => {
            let list: Vec<Value> = s.warehouses.iter().map(warehouse_json).collect();
            json_response(200, &json!({ "warehouses": list }))
        }
        ("GET", "/api/2.0/settings/types/default_warehouse_id/names/default") => {
            match &s.default_warehouse {
                Some(id) => json_response(
                    200,
                    &json!({
                        "etag": "fake-etag-1",
                        "setting_name": "default",
                        "string_val": { "value": id },
                    }),
                ),
                None => api_error(
                    404,
                    "RESOURCE_DOES_NOT_EXIST",
                    "Setting default_warehouse_id does not exist",
                ),
            }
        }
        ("GET", p) if p.starts_with("/api/2.0/sql/warehouses/") => {
            let id = percent_decode(&p["/api/2.0/sql/warehouses/".len()..]);
            match s.warehouses.iter().find(|w| w.id == id) {
                Some(w) => json_response(200, &warehouse_json(w)),
                None => api_error(
                    404,
                    "RESOURCE_DOES_NOT_EXIST",
                    &format!("Warehouse {id} does not exist."),
                ),
            }
        }
        ("GET", "/oidc/.well-known/oauth-authorization-server") => match &s.oauth {
            Some(_) => json_response(
                200,
                &json!({
                    "issuer": format!("{}/oidc", s.base_url),
                    "authorization_endpoint": format!("{}/oidc/v1/authorize", s.base_url),
                    "token_endpoint": format!("{}/oidc/v1/token", s.base_url),
                    "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
                }),
            ),
            None => super::util::raw_response(
                404,
                "text/html; charset=utf-8",
                "<html><body><pre>Not Found</pre></body></html>",
            ),
        },
        ("POST", "/oidc/v1/token") => token(s, r),
        _ => return None,
    };
    Some(reply.into())
}

fn warehouse_json(w: &super::Warehouse) -> Value {
    json!({
        "id": w.id,
        "name": w.name,
        "state": w.state,
        "warehouse_type": "PRO",
        "enable_serverless_compute": true,
        "cluster_size": "2X-Small",
        "auto_stop_mins": 10,
        "creator_name": "someone@example.com",
    })
}

// ---------------------------------------------------------------- experiments

/// A leading `/Workspace` is dropped from experiment names and folders, as the service does.
pub fn strip_workspace(name: &str) -> String {
    match name.strip_prefix("/Workspace") {
        Some(rest) if rest.starts_with('/') => rest.to_string(),
        _ => name.to_string(),
    }
}

pub fn insert_experiment(
    s: &mut State,
    name: &str,
    tags: BTreeMap<String, String>,
    trace_location: Option<Value>,
) -> String {
    let id = (s.experiments.len() + 1).to_string();
    let now = now_ms();
    s.experiments.push(ExperimentRec {
        id: id.clone(),
        name: strip_workspace(name),
        lifecycle_stage: "active".into(),
        tags,
        trace_location,
        creation_time: now,
        last_update_time: now,
    });
    id
}

/// The experiment with this exact name; an active one is preferred over deleted ones.
pub fn find_by_name<'a>(s: &'a State, name: &str) -> Option<&'a ExperimentRec> {
    let named = || s.experiments.iter().filter(move |e| e.name == name);
    named()
        .find(|e| e.lifecycle_stage == "active")
        .or_else(|| named().next())
}

pub fn experiment_json(e: &ExperimentRec) -> Value {
    let tags: Vec<Value> = e
        .tags
        .iter()
        .map(|(k, v)| json!({ "key": k, "value": v }))
        .collect();
    let mut v = json!({
        "experiment_id": e.id,
        "name": e.name,
        "artifact_location": format!("dbfs:/databricks/mlflow-tracking/{}", e.id),
        "lifecycle_stage": e.lifecycle_stage,
        "last_update_time": e.last_update_time,
        "creation_time": e.creation_time,
        "tags": tags,
    });
    if let Some(t) = &e.trace_location {
        v["trace_location"] = t.clone();
    }
    v
}

fn not_found_id(id: &str) -> Reply {
    api_error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        &format!("No Experiment with id={id} exists"),
    )
    .into()
}

/// The request body as a JSON object, or the 400 the service sends for anything else.
pub(super) fn body_object(r: &Recorded) -> Result<serde_json::Map<String, Value>, Reply> {
    match serde_json::from_str::<Value>(&r.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(api_error(
            400,
            "MALFORMED_REQUEST",
            "Invalid JSON given in the body of the request - expected a map",
        )
        .into()),
    }
}

/// A required string field of a JSON body.
fn field<'a>(map: &'a serde_json::Map<String, Value>, name: &str) -> Result<&'a str, Reply> {
    map.get(name).and_then(Value::as_str).ok_or_else(|| {
        api_error(
            400,
            "INVALID_PARAMETER_VALUE",
            &format!("Missing value for required parameter '{name}'."),
        )
        .into()
    })
}

fn experiments(s: &mut State, method: &str, op: &str, r: &Recorded) -> Option<Reply> {
    let reply = match (method, op) {
        ("GET", "get-by-name") => {
            let Some(name) = r.query_param("experiment_name") else {
                return Some(
                    api_error(
                        400,
                        "INVALID_PARAMETER_VALUE",
                        "Missing value for required parameter 'experiment_name'.",
                    )
                    .into(),
                );
            };
            // Stored names have no /Workspace prefix, so "/Workspace/..." finds nothing,
            // as on the real service (mlflow/mlflow#11077).
            match find_by_name(s, &name) {
                Some(e) => json_response(200, &json!({ "experiment": experiment_json(e) })).into(),
                None => api_error(
                    404,
                    "RESOURCE_DOES_NOT_EXIST",
                    &format!("Node named '{name}' does not exist."),
                )
                .into(),
            }
        }
        ("GET", "get") => {
            let id = r.query_param("experiment_id").unwrap_or_default();
            match s.experiments.iter().find(|e| e.id == id) {
                Some(e) => json_response(200, &json!({ "experiment": experiment_json(e) })).into(),
                None => not_found_id(&id),
            }
        }
        ("POST", "create") => create(s, r).unwrap_or_else(|e| e),
        ("POST", "set-experiment-tag") => set_tag(s, r).unwrap_or_else(|e| e),
        ("POST", "delete-experiment-tag") => delete_tag(s, r).unwrap_or_else(|e| e),
        ("POST", "delete") | ("POST", "restore") => {
            let result = (|| {
                let body = body_object(r)?;
                let id = field(&body, "experiment_id")?;
                let e = s
                    .experiments
                    .iter_mut()
                    .find(|e| e.id == id)
                    .ok_or_else(|| not_found_id(id))?;
                e.lifecycle_stage = if op == "delete" { "deleted" } else { "active" }.into();
                e.last_update_time = now_ms();
                Ok::<Reply, Reply>(json_response(200, &json!({})).into())
            })();
            result.unwrap_or_else(|e| e)
        }
        _ => return None,
    };
    Some(reply)
}

/// Folders that exist: /Shared, a user's home (/Users/<x>), and whatever mkdirs made (with
/// its parents).
fn folder_exists(s: &State, path: &str) -> bool {
    if path == "/Shared" {
        return true;
    }
    if let Some(user) = path.strip_prefix("/Users/") {
        if !user.is_empty() && !user.contains('/') {
            return true;
        }
    }
    s.folders
        .iter()
        .any(|f| f == path || f.starts_with(&format!("{path}/")))
}

fn create(s: &mut State, r: &Recorded) -> Result<Reply, Reply> {
    let body = body_object(r)?;
    let raw = field(&body, "name")?;
    if !raw.starts_with('/') {
        return Err(api_error(
            400,
            "INVALID_PARAMETER_VALUE",
            &format!("Got an invalid experiment name '{raw}'. An experiment name must be an absolute path within the Databricks workspace, e.g. '/Users/<some-username>/my-experiment'."),
        )
        .into());
    }
    let name = strip_workspace(raw);
    if find_by_name(s, &name).is_some() {
        return Err(api_error(
            400,
            "RESOURCE_ALREADY_EXISTS",
            &format!("Node named '{name}' already exists"),
        )
        .into());
    }
    let parent = name.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
    if !folder_exists(s, parent) {
        return Err(api_error(
            404,
            "RESOURCE_DOES_NOT_EXIST",
            &format!("Parent directory {parent} does not exist."),
        )
        .into());
    }
    let mut tags = BTreeMap::new();
    if let Some(list) = body.get("tags") {
        let Some(list) = list.as_array() else {
            return Err(api_error(400, "INVALID_PARAMETER_VALUE", "'tags' must be a list").into());
        };
        for t in list {
            let (Some(k), Some(v)) = (
                t.get("key").and_then(Value::as_str),
                t.get("value").and_then(Value::as_str),
            ) else {
                return Err(api_error(
                    400,
                    "INVALID_PARAMETER_VALUE",
                    "each tag needs a string 'key' and 'value'",
                )
                .into());
            };
            tags.insert(k.to_string(), v.to_string());
        }
    }
    let trace_location = body.get("trace_location").cloned();
    super::native::check_create_trace_location(trace_location.as_ref())?;
    let id = insert_experiment(s, &name, tags, trace_location);
    super::native::fill_effective_prefix(s, &id);
    Ok(json_response(200, &json!({ "experiment_id": id })).into())
}

/// The active experiment named in the body, or the error the service gives.
fn active_experiment<'a>(
    s: &'a mut State,
    body: &serde_json::Map<String, Value>,
) -> Result<&'a mut ExperimentRec, Reply> {
    let id = field(body, "experiment_id")?.to_string();
    let e = s
        .experiments
        .iter_mut()
        .find(|e| e.id == id)
        .ok_or_else(|| not_found_id(&id))?;
    if e.lifecycle_stage != "active" {
        return Err(api_error(
            400,
            "INVALID_PARAMETER_VALUE",
            &format!(
                "The experiment {id} must be in the 'active' state. Current state is {}.",
                e.lifecycle_stage
            ),
        )
        .into());
    }
    Ok(e)
}

fn set_tag(s: &mut State, r: &Recorded) -> Result<Reply, Reply> {
    let body = body_object(r)?;
    let key = field(&body, "key")?.to_string();
    let value = field(&body, "value")?.to_string();
    if key.is_empty() || key.len() > 250 {
        return Err(api_error(
            400,
            "INVALID_PARAMETER_VALUE",
            &format!(
                "Tag key '{key}' had length {}, which exceeded length limit of 250",
                key.len()
            ),
        )
        .into());
    }
    let e = active_experiment(s, &body)?;
    e.tags.insert(key, value);
    e.last_update_time = now_ms();
    Ok(json_response(200, &json!({})).into())
}

fn delete_tag(s: &mut State, r: &Recorded) -> Result<Reply, Reply> {
    if s.delete_tag_disabled {
        return Err(api_error(
            404,
            "ENDPOINT_NOT_FOUND",
            "No API found for 'POST /mlflow/experiments/delete-experiment-tag'",
        )
        .into());
    }
    let body = body_object(r)?;
    let key = field(&body, "key")?.to_string();
    let e = active_experiment(s, &body)?;
    if e.tags.remove(&key).is_none() {
        return Err(api_error(
            404,
            "RESOURCE_DOES_NOT_EXIST",
            &format!("No tag with name: {key} in experiment with id {}", e.id),
        )
        .into());
    }
    e.last_update_time = now_ms();
    Ok(json_response(200, &json!({})).into())
}

fn mkdirs(s: &mut State, r: &Recorded) -> axum::response::Response {
    let body = match body_object(r) {
        Ok(b) => b,
        Err(e) => return e.response,
    };
    let path = match field(&body, "path") {
        Ok(p) => strip_workspace(p),
        Err(e) => return e.response,
    };
    if !path.starts_with('/') {
        return api_error(
            400,
            "INVALID_PARAMETER_VALUE",
            &format!("Path ({path}) doesn't start with '/'"),
        );
    }
    s.folders.push(path);
    json_response(200, &json!({}))
}

// ---------------------------------------------------------------- Unity Catalog

fn unity_catalog(s: &State, rest: &str) -> axum::response::Response {
    let not_found = |what: &str, name: &str| {
        api_error(
            404,
            "NOT_FOUND",
            &format!("{what} '{name}' does not exist."),
        )
    };
    if let Some(name) = rest.strip_prefix("catalogs/") {
        let name = percent_decode(name);
        return if s.catalogs.contains(&name) {
            json_response(
                200,
                &json!({
                    "name": name, "full_name": name, "owner": "someone@example.com",
                    "catalog_type": "MANAGED_CATALOG", "securable_type": "CATALOG",
                }),
            )
        } else {
            not_found("Catalog", &name)
        };
    }
    if let Some(full) = rest.strip_prefix("schemas/") {
        let full = percent_decode(full);
        let (catalog, schema) = full.split_once('.').unwrap_or((&full, ""));
        return if s
            .schemas
            .contains(&(catalog.to_string(), schema.to_string()))
        {
            json_response(
                200,
                &json!({
                    "name": schema, "catalog_name": catalog, "full_name": full,
                    "owner": "someone@example.com",
                }),
            )
        } else {
            not_found("Schema", &full)
        };
    }
    if let Some(rest) = rest.strip_prefix("tables/") {
        let (full, exists_check) = match rest.strip_suffix("/exists") {
            Some(f) => (f, true),
            None => (rest, false),
        };
        let full = percent_decode(full);
        let parts: Vec<&str> = full.splitn(3, '.').collect();
        let key = match parts.as_slice() {
            [c, sc, t] => (c.to_string(), sc.to_string(), t.to_string()),
            _ => (full.clone(), String::new(), String::new()),
        };
        let table_type = s.tables.get(&key);
        if exists_check {
            return json_response(200, &json!({ "table_exists": table_type.is_some() }));
        }
        // ColumnInfo: `type_name` is the upper-case type, `type_text` its SQL text.
        let columns: Vec<Value> = s
            .table_columns
            .get(&key)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, (name, type_name))| {
                json!({
                    "name": name, "type_name": type_name,
                    "type_text": type_name.to_ascii_lowercase(), "position": i, "nullable": true,
                })
            })
            .collect();
        return match table_type {
            Some(tt) => json_response(
                200,
                &json!({
                    "name": key.2, "catalog_name": key.0, "schema_name": key.1,
                    "full_name": full, "table_type": tt, "data_source_format": "DELTA",
                    "owner": "someone@example.com", "columns": columns,
                }),
            ),
            None => not_found("Table", &full),
        };
    }
    api_error(
        404,
        "ENDPOINT_NOT_FOUND",
        &format!("No API found for 'GET /unity-catalog/{rest}'"),
    )
}

// ---------------------------------------------------------------- OAuth

fn token(s: &mut State, r: &Recorded) -> axum::response::Response {
    let Some((id, secret)) = s.oauth.clone() else {
        return api_error(
            404,
            "ENDPOINT_NOT_FOUND",
            "OAuth is not enabled on this fake workspace",
        );
    };
    let expected = super::basic_auth(&id, &secret);
    if r.header("authorization") != Some(expected.as_str()) {
        return json_response(
            401,
            &json!({
                "error": "invalid_client",
                "error_description": "Client authentication failed",
            }),
        );
    }
    if form_value(&r.body, "grant_type").as_deref() != Some("client_credentials") {
        return json_response(
            400,
            &json!({
                "error": "unsupported_grant_type",
                "error_description": "grant_type must be client_credentials",
            }),
        );
    }
    let scope = form_value(&r.body, "scope").unwrap_or_default();
    let refused = match &s.oauth_scopes {
        None => (!scope.split(' ').any(|sc| sc == "all-apis"))
            .then(|| "scope must include all-apis".to_string()),
        Some(allowed) => {
            let extra: Vec<&str> = scope
                .split(' ')
                .filter(|sc| !allowed.iter().any(|a| a == sc))
                .collect();
            (!extra.is_empty()).then(|| format!("Scopes '{}' are not assigned", extra.join(" ")))
        }
    };
    if let Some(why) = refused {
        return json_response(
            400,
            &json!({ "error": "invalid_scope", "error_description": why }),
        );
    }
    s.oauth_issued += 1;
    let access = format!("oauth-access-{}", s.oauth_issued);
    s.tokens.insert(access.clone());
    json_response(
        200,
        &json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "all-apis",
        }),
    )
}
