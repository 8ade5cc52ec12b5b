//! MLflow Experiments REST API, `/api/2.0/mlflow/experiments/*` (docs/databricks-api.md §1).

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::destination::Tags;
use crate::http::{Client, HttpError};

#[derive(Debug, Clone, Deserialize)]
pub struct Experiment {
    #[serde(deserialize_with = "super::string_or_number")]
    pub experiment_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub lifecycle_stage: Option<String>,
    #[serde(default)]
    pub tags: Vec<ExperimentTag>,
    #[serde(default)]
    pub trace_location: Option<TraceLocation>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ExperimentTag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// The native trace location a Databricks experiment may carry (Databricks only; immutable).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct TraceLocation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uc_trace_location: Option<UcTraceLocation>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct UcTraceLocation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_table_prefix: Option<String>,
}

impl Experiment {
    pub fn is_deleted(&self) -> bool {
        self.lifecycle_stage.as_deref() == Some("deleted")
    }

    pub fn tag_map(&self) -> Tags {
        self.tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect()
    }
}

#[derive(Deserialize)]
struct ExperimentEnvelope {
    experiment: Option<Experiment>,
}

#[derive(Deserialize)]
struct CreateResponse {
    #[serde(default, deserialize_with = "opt_string_or_number")]
    experiment_id: Option<String>,
}

fn opt_string_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    super::string_or_number(d).map(Some)
}

const GET_BY_NAME: &str = "/api/2.0/mlflow/experiments/get-by-name";
const GET: &str = "/api/2.0/mlflow/experiments/get";
const CREATE: &str = "/api/2.0/mlflow/experiments/create";
const SET_TAG: &str = "/api/2.0/mlflow/experiments/set-experiment-tag";
const DELETE_TAG: &str = "/api/2.0/mlflow/experiments/delete-experiment-tag";

/// The experiment with this workspace path, or `None` when the server says it does not exist.
pub async fn get_by_name(client: &Client, name: &str) -> Result<Option<Experiment>, HttpError> {
    let found = client
        .get_json::<ExperimentEnvelope>(GET_BY_NAME, &[("experiment_name", name)])
        .await;
    unwrap_experiment(found, GET_BY_NAME)
}

pub async fn get(client: &Client, id: &str) -> Result<Option<Experiment>, HttpError> {
    let found = client
        .get_json::<ExperimentEnvelope>(GET, &[("experiment_id", id)])
        .await;
    unwrap_experiment(found, GET)
}

fn unwrap_experiment(
    found: Result<ExperimentEnvelope, HttpError>,
    path: &str,
) -> Result<Option<Experiment>, HttpError> {
    match found {
        Ok(ExperimentEnvelope {
            experiment: Some(e),
        }) => Ok(Some(e)),
        Ok(ExperimentEnvelope { experiment: None }) => Err(HttpError::invalid(
            &format!("GET {path}"),
            "the answer has no 'experiment' object",
        )),
        Err(e) if e.is_missing_resource() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Creates an experiment, with its tags and native trace location in the same request.
pub async fn create(
    client: &Client,
    name: &str,
    tags: &[ExperimentTag],
    trace_location: Option<&TraceLocation>,
) -> Result<String, HttpError> {
    let mut body = json!({ "name": name });
    if !tags.is_empty() {
        body["tags"] = json!(tags);
    }
    if let Some(location) = trace_location {
        body["trace_location"] = json!(location);
    }
    let created: CreateResponse = client.post_json(CREATE, &body, false).await?;
    created
        .experiment_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            HttpError::invalid(
                &format!("POST {CREATE}"),
                "the answer has no 'experiment_id'",
            )
        })
}

pub async fn set_tag(client: &Client, id: &str, key: &str, value: &str) -> Result<(), HttpError> {
    let body = json!({ "experiment_id": id, "key": key, "value": value });
    client
        .post_json::<serde::de::IgnoredAny, _>(SET_TAG, &body, true)
        .await
        .map(|_| ())
}

/// Removes a tag; a tag that is already gone counts as removed.
pub async fn delete_tag(client: &Client, id: &str, key: &str) -> Result<(), HttpError> {
    let body = json!({ "experiment_id": id, "key": key });
    match client
        .post_json::<serde::de::IgnoredAny, _>(DELETE_TAG, &body, true)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.is_missing_resource() => Ok(()),
        Err(e) => Err(e),
    }
}
