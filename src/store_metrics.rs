//! `stats` on MLflow's trace store computed by the server: the trace metrics endpoint
//! ([`crate::api::trace_metrics`]) answers a window's figures in six queries sent at once,
//! without reading a single trace (docs/stats.md, "The trace store").
//!
//! It is used when the endpoint can say exactly what was asked: no grouping or `--by day|hour`
//! (its only dimensions shared by every figure), and filters it can express (the window and
//! `--tag`). `--user`/`--session` may be in the metadata or in a tag, which one filter cannot
//! say, and span filters need the spans: those, and the other groupings, are aggregated from
//! the trace infos instead ([`crate::store_stats`]).

use std::collections::BTreeMap;

use crate::api::trace_metrics::{self, Aggregation, DataPoint, Query, View};
use crate::http::{Client, HttpError};
use crate::stats::{GroupBy, StatsRow};
use crate::time::parse_timestamp_micros;
use crate::trace_query::Filters;
use crate::trace_store::{ceil_div, exact_literal};

const PERCENTILES: [f64; 3] = [50.0, 95.0, 99.0];
const LATENCY: [Aggregation; 4] = [
    Aggregation::Percentile(PERCENTILES[0]),
    Aggregation::Percentile(PERCENTILES[1]),
    Aggregation::Percentile(PERCENTILES[2]),
    Aggregation::Max,
];
const STATUS: &str = "trace_status";
const BUCKET: &str = "time_bucket";

/// The metric queries' shared part: filters, window and buckets.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    by: Option<GroupBy>,
    filters: Vec<String>,
    interval_seconds: Option<u64>,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
}

/// The plan for `filters` and `by`, or `None` when the endpoint cannot answer them exactly.
pub fn plan(filters: &Filters, by: Option<GroupBy>, now_ms: i64) -> Option<Plan> {
    let interval_seconds = match by {
        None => None,
        Some(GroupBy::Day) => Some(86_400),
        Some(GroupBy::Hour) => Some(3_600),
        Some(_) => return None,
    };
    let beyond_tags = filters.user.is_some()
        || filters.session.is_some()
        || filters.span_type.is_some()
        || filters.name.is_some()
        || !filters.attributes.is_empty();
    if beyond_tags {
        return None;
    }
    let tag_filters = filters
        .tags
        .iter()
        .map(|(k, v)| tag_filter(k, v))
        .collect::<Option<Vec<_>>>()?;
    // The same millisecond bounds as the trace search (trace_store::searches); the endpoint's
    // end is inclusive, --until is not.
    let start_ms = match &filters.since {
        Some(t) => Some(parse_timestamp_micros(t)?.div_euclid(1000)),
        None => None,
    };
    let end_ms = match &filters.until {
        Some(t) => Some(ceil_div(parse_timestamp_micros(t)?, 1000) - 1),
        None => None,
    };
    // Buckets need both ends (mlflow/store/tracking/sqlalchemy_store.py query_trace_metrics).
    let (start_ms, end_ms) = match (interval_seconds, start_ms, end_ms) {
        (Some(_), None, _) => return None,
        (Some(_), Some(s), None) => (Some(s), Some(now_ms)),
        (_, s, e) => (s, e),
    };
    Some(Plan {
        by,
        filters: tag_filters,
        interval_seconds,
        start_ms,
        end_ms,
    })
}

/// `trace.tag.`KEY` = 'VALUE'` (mlflow/utils/search_utils.py `SearchTraceMetricsUtils`), when
/// the grammar can hold the key and value exactly.
fn tag_filter(key: &str, value: &str) -> Option<String> {
    if key.contains('`') || key.chars().any(char::is_control) {
        return None;
    }
    Some(format!("trace.tag.`{key}` = {}", exact_literal(value)?))
}

/// Whether an error means "this server cannot answer trace metrics" (no such route, or a
/// server whose contract differs from open-source MLflow's), so the figures are computed from
/// the trace infos instead.
pub fn unanswered(error: &HttpError) -> bool {
    error.is_missing_endpoint() || error.api().is_some_and(|a| a.status == 400)
}

/// The window's figures: trace count by status, latency percentiles and max, the three token
/// sums (trace view), and the cost sum (span view), asked at once.
pub async fn rows(
    client: &Client,
    experiment_id: &str,
    plan: &Plan,
) -> Result<Vec<StatsRow>, HttpError> {
    let query = |view, metric, aggregations, dimensions| Query {
        experiment_id,
        view,
        metric,
        aggregations,
        dimensions,
        filters: &plan.filters,
        interval_seconds: plan.interval_seconds,
        start_ms: plan.start_ms,
        end_ms: plan.end_ms,
    };
    let counts = query(
        View::Traces,
        "trace_count",
        &[Aggregation::Count],
        &[STATUS],
    );
    let latency = query(View::Traces, "latency", &LATENCY, &[]);
    let input = query(View::Traces, "input_tokens", &[Aggregation::Sum], &[]);
    let output = query(View::Traces, "output_tokens", &[Aggregation::Sum], &[]);
    let total = query(View::Traces, "total_tokens", &[Aggregation::Sum], &[]);
    let cost = query(View::Spans, "total_cost", &[Aggregation::Sum], &[]);
    let (counts, latency, input, output, total, cost) = tokio::try_join!(
        trace_metrics::query(client, &counts),
        trace_metrics::query(client, &latency),
        trace_metrics::query(client, &input),
        trace_metrics::query(client, &output),
        trace_metrics::query(client, &total),
        trace_metrics::query(client, &cost),
    )?;
    Ok(merged(
        plan.by,
        &Answers {
            counts,
            latency,
            input,
            output,
            total,
            cost,
        },
    ))
}

struct Answers {
    counts: Vec<DataPoint>,
    latency: Vec<DataPoint>,
    input: Vec<DataPoint>,
    output: Vec<DataPoint>,
    total: Vec<DataPoint>,
    cost: Vec<DataPoint>,
}

/// One row per group that has traces, the other answers joined to it by group.
fn merged(by: Option<GroupBy>, answers: &Answers) -> Vec<StatsRow> {
    let key = |point: &DataPoint| -> Option<Option<String>> {
        match by {
            None => Some(None),
            Some(by) => point
                .dimensions
                .get(BUCKET)
                .and_then(|b| parse_timestamp_micros(b))
                .and_then(|micros| by.bucket(micros))
                .map(Some),
        }
    };
    let mut rows: BTreeMap<Option<String>, StatsRow> = BTreeMap::new();
    for point in &answers.counts {
        let (Some(group), Some(count)) = (key(point), point.values.get("COUNT")) else {
            continue;
        };
        let row = rows
            .entry(group.clone())
            .or_insert_with(|| StatsRow::empty(group));
        let count = count.round() as u64;
        row.count += count;
        if point.dimensions.get(STATUS).map(String::as_str) == Some("ERROR") {
            *row.errors.get_or_insert(0) += count;
        }
    }
    for row in rows.values_mut() {
        row.error_rate = row
            .errors
            .filter(|_| row.count > 0)
            .map(|e| e as f64 / row.count as f64);
    }
    let mut fill = |points: &[DataPoint], set: &dyn Fn(&mut StatsRow, &DataPoint)| {
        for point in points {
            if let Some(row) = key(point).and_then(|g| rows.get_mut(&g)) {
                set(row, point);
            }
        }
    };
    fill(&answers.latency, &|row, p| {
        let value = |a: Aggregation| p.values.get(&a.value_name()).copied();
        row.p50_ms = value(LATENCY[0]);
        row.p95_ms = value(LATENCY[1]);
        row.p99_ms = value(LATENCY[2]);
        row.max_ms = value(LATENCY[3]);
    });
    let sum = |p: &DataPoint| p.values.get("SUM").copied();
    let tokens = |p: &DataPoint| sum(p).map(|v| v.round() as u64);
    fill(&answers.input, &|row, p| row.input_tokens = tokens(p));
    fill(&answers.output, &|row, p| row.output_tokens = tokens(p));
    fill(&answers.total, &|row, p| row.total_tokens = tokens(p));
    fill(&answers.cost, &|row, p| row.cost_usd = sum(p));
    rows.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn filters() -> Filters {
        Filters {
            since: Some("2026-12-01T00:00:00.0005Z".into()),
            limit: 10,
            ..Filters::default()
        }
    }

    fn point(dims: &[(&str, &str)], values: &[(&str, f64)]) -> DataPoint {
        DataPoint {
            dimensions: dims
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
            values: values.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn plans_cover_the_window_and_tags_only() {
        let now = 1_796_600_000_000;
        let p = plan(&filters(), Some(GroupBy::Day), now).unwrap();
        assert_eq!(p.interval_seconds, Some(86_400));
        assert_eq!((p.start_ms, p.end_ms), (Some(1_796_083_200_000), Some(now)));
        let until = Filters {
            until: Some("2026-12-02T00:00:00Z".into()),
            tags: vec![("team".into(), "o'brien".into())],
            ..filters()
        };
        let p = plan(&until, None, now).unwrap();
        assert_eq!(p.end_ms, Some(1_796_169_599_999));
        assert_eq!(
            p.filters,
            vec!["trace.tag.`team` = \"o'brien\"".to_string()]
        );
        for f in [
            Filters {
                user: Some("u".into()),
                ..filters()
            },
            Filters {
                tags: vec![("k".into(), "a'b\"c".into())],
                ..filters()
            },
            Filters {
                span_type: Some("LLM".into()),
                ..filters()
            },
        ] {
            assert_eq!(plan(&f, None, now), None, "{f:?}");
        }
        assert_eq!(plan(&filters(), Some(GroupBy::User), now), None);
        let unbounded = Filters {
            since: None,
            ..filters()
        };
        assert_eq!(plan(&unbounded, Some(GroupBy::Hour), now), None);
        assert!(plan(&unbounded, None, now).is_some());
    }

    #[test]
    fn answers_merge_by_bucket() {
        let day = |d: &str| format!("{d}T00:00:00+00:00");
        let d1 = day("2026-12-03");
        let d2 = day("2026-12-04");
        let answers = Answers {
            counts: vec![
                point(&[(BUCKET, &d1), (STATUS, "OK")], &[("COUNT", 3.0)]),
                point(&[(BUCKET, &d1), (STATUS, "ERROR")], &[("COUNT", 1.0)]),
                point(&[(BUCKET, &d2), (STATUS, "OK")], &[("COUNT", 2.0)]),
            ],
            latency: vec![point(
                &[(BUCKET, &d1)],
                &[
                    ("P50.0", 10.0),
                    ("P95.0", 20.0),
                    ("P99.0", 21.0),
                    ("MAX", 22.0),
                ],
            )],
            input: vec![point(&[(BUCKET, &d2)], &[("SUM", 7.0)])],
            output: vec![],
            total: vec![],
            cost: vec![point(&[(BUCKET, &d1)], &[("SUM", 0.25)])],
        };
        let rows = merged(Some(GroupBy::Day), &answers);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].group.as_deref(), Some("2026-12-03"));
        assert_eq!((rows[0].count, rows[0].errors), (4, Some(1)));
        assert_eq!(rows[0].error_rate, Some(0.25));
        assert_eq!((rows[0].p95_ms, rows[0].max_ms), (Some(20.0), Some(22.0)));
        assert_eq!((rows[0].cost_usd, rows[0].input_tokens), (Some(0.25), None));
        assert_eq!((rows[1].count, rows[1].errors), (2, Some(0)));
        assert_eq!(rows[1].input_tokens, Some(7));
    }

    #[test]
    fn only_missing_routes_and_contract_errors_fall_back() {
        let api = |status, code: &str| {
            HttpError::Api(crate::http::ApiError {
                endpoint: "POST /api/3.0/mlflow/traces/metrics".into(),
                status,
                error_code: Some(code.into()),
                message: String::new(),
                request_id: None,
            })
        };
        assert!(unanswered(&api(404, "ENDPOINT_NOT_FOUND")));
        assert!(unanswered(&api(400, "INVALID_PARAMETER_VALUE")));
        assert!(!unanswered(&api(403, "PERMISSION_DENIED")));
        assert!(!unanswered(&api(500, "INTERNAL_ERROR")));
    }
}
