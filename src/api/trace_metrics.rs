//! MLflow's trace metrics (`POST /api/3.0/mlflow/traces/metrics`, open-source MLflow 3.9+):
//! an aggregate of an experiment's traces or spans computed by the server
//! (mlflow/protos/service.proto `QueryTraceMetrics`; mlflow/server/handlers.py
//! `_query_trace_metrics`; docs/stats.md).

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::{Client, HttpError};

pub const METRICS: &str = "/api/3.0/mlflow/traces/metrics";

/// The most data points in one page (mlflow/store/tracking/__init__.py
/// `MAX_RESULTS_QUERY_TRACE_METRICS`); more come with `next_page_token`.
pub const MAX_PAGE: u64 = 1000;

/// Where the metric is read (`MetricViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Traces,
    Spans,
}

/// One aggregation (`MetricAggregation`); the answer names its value `COUNT`, `SUM`, `MAX` or
/// `P<percentile as a float>` such as `P95.0` (mlflow/entities/trace_metrics.py `__str__`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Aggregation {
    Count,
    Sum,
    Max,
    Percentile(f64),
}

impl Aggregation {
    pub fn value_name(self) -> String {
        match self {
            Aggregation::Count => "COUNT".into(),
            Aggregation::Sum => "SUM".into(),
            Aggregation::Max => "MAX".into(),
            Aggregation::Percentile(p) => format!("P{p:?}"),
        }
    }

    fn body(self) -> Value {
        match self {
            Aggregation::Count => json!({"aggregation_type": "COUNT"}),
            Aggregation::Sum => json!({"aggregation_type": "SUM"}),
            Aggregation::Max => json!({"aggregation_type": "MAX"}),
            Aggregation::Percentile(p) => {
                json!({"aggregation_type": "PERCENTILE", "percentile_value": p})
            }
        }
    }
}

/// One metric query. Times in milliseconds, both ends inclusive; with `interval_seconds` the
/// server buckets by start time (`floor(ms / interval) * interval`, UTC) and needs both ends.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    pub experiment_id: &'a str,
    pub view: View,
    pub metric: &'a str,
    pub aggregations: &'a [Aggregation],
    pub dimensions: &'a [&'a str],
    pub filters: &'a [String],
    pub interval_seconds: Option<u64>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
}

/// One group's values (`MetricDataPoint`). A time bucket is the dimension `time_bucket`, in
/// ISO 8601 (`2026-12-03T00:00:00+00:00`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DataPoint {
    #[serde(default)]
    pub dimensions: HashMap<String, String>,
    #[serde(default)]
    pub values: HashMap<String, f64>,
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    data_points: Vec<DataPoint>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// Every data point of `query`, page after page. A group whose aggregations are all null
/// (a sum of no tokens) is left out by the server.
pub async fn query(client: &Client, query: &Query<'_>) -> Result<Vec<DataPoint>, HttpError> {
    let mut body = json!({
        "experiment_ids": [query.experiment_id],
        "view_type": match query.view {
            View::Traces => "TRACES",
            View::Spans => "SPANS",
        },
        "metric_name": query.metric,
        "aggregations": query.aggregations.iter().map(|a| a.body()).collect::<Vec<_>>(),
        "max_results": MAX_PAGE,
    });
    if !query.dimensions.is_empty() {
        body["dimensions"] = json!(query.dimensions);
    }
    if !query.filters.is_empty() {
        body["filters"] = json!(query.filters);
    }
    if let Some(seconds) = query.interval_seconds {
        body["time_interval_seconds"] = json!(seconds);
    }
    if let Some(ms) = query.start_ms {
        body["start_time_ms"] = json!(ms);
    }
    if let Some(ms) = query.end_ms {
        body["end_time_ms"] = json!(ms);
    }
    let mut points = Vec::new();
    loop {
        // A metrics query only reads: safe to send again.
        let page: Page = client.post_json(METRICS, &body, true).await?;
        points.extend(page.data_points);
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(token) => body["page_token"] = json!(token),
            None => return Ok(points),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_names_are_the_servers() {
        assert_eq!(Aggregation::Percentile(50.0).value_name(), "P50.0");
        assert_eq!(Aggregation::Percentile(99.0).value_name(), "P99.0");
        assert_eq!(Aggregation::Max.value_name(), "MAX");
    }
}
