//! `tracecfg stats`: the numbers of an experiment's traces (docs/stats.md). The grouping, one
//! row of figures per group, the report, and the aggregation of samples read one by one (the
//! trace store without a metrics route); the tables aggregate on the warehouse
//! (`trace_query::build_stats`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::time::{format_micros_rfc3339, parse_timestamp_micros};

/// `--by`: what the rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum GroupBy {
    /// The UTC day a trace started
    Day,
    /// The UTC hour a trace started
    Hour,
    /// The trace's user
    User,
    /// The trace's session
    Session,
    /// The trace's name (its root span's)
    Name,
    /// Spans, by span type (figures of spans, not traces)
    SpanType,
    /// Spans, by span name (figures of spans, not traces)
    SpanName,
    /// The model of the trace's LLM spans
    Model,
}

impl GroupBy {
    /// Whether the rows count spans rather than traces.
    pub fn over_spans(self) -> bool {
        matches!(self, GroupBy::SpanType | GroupBy::SpanName)
    }

    pub fn is_time(self) -> bool {
        matches!(self, GroupBy::Day | GroupBy::Hour)
    }

    /// The text table's header of the group column.
    pub fn header(self) -> &'static str {
        match self {
            GroupBy::Day => "DAY",
            GroupBy::Hour => "HOUR",
            GroupBy::User => "USER",
            GroupBy::Session => "SESSION",
            GroupBy::Name => "TRACE NAME",
            GroupBy::SpanType => "SPAN TYPE",
            GroupBy::SpanName => "SPAN NAME",
            GroupBy::Model => "MODEL",
        }
    }

    /// The time bucket of a start time (microseconds since the epoch), as the SQL statement
    /// writes it: `2026-11-30` or `2026-11-30 10:00`.
    pub fn bucket(self, micros: i64) -> Option<String> {
        let text = format_micros_rfc3339(micros);
        match self {
            GroupBy::Day => Some(text[..10].to_string()),
            GroupBy::Hour => Some(format!("{} {}:00", &text[..10], &text[11..13])),
            _ => None,
        }
    }

    /// The start of a bucket, for filling the buckets between the window's ends.
    fn bucket_start(self, key: &str) -> Option<i64> {
        let text = match self {
            GroupBy::Day => format!("{key}T00:00:00Z"),
            GroupBy::Hour => format!("{}T{}:00Z", &key.get(..10)?, key.get(11..16)?),
            _ => return None,
        };
        parse_timestamp_micros(&text)
    }

    fn step_micros(self) -> i64 {
        match self {
            GroupBy::Hour => 3_600_000_000,
            _ => 86_400_000_000,
        }
    }
}

/// What the rows count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Traces,
    Spans,
}

/// How the percentiles were computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Percentiles {
    /// `percentile_approx` on the warehouse.
    Approximate,
    /// Over every value, linearly interpolated between the two nearest ranks (SQL's
    /// `PERCENTILE_CONT`, as MLflow's trace metrics endpoint computes them).
    Exact,
}

/// One group's figures (docs/stats.md, "Output"). Durations in milliseconds; `None` where the
/// source cannot tell (the tags layout has no span status; no span carried token usage).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsRow {
    /// The group's key; `null` without `--by`, or for the traces that have no such value.
    pub group: Option<String>,
    pub count: u64,
    pub errors: Option<u64>,
    pub error_rate: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub total_tokens: Option<u64>,
    /// The LLM cost MLflow computed, in US dollars.
    pub cost_usd: Option<f64>,
}

impl StatsRow {
    /// A group without traces (yet): errors count from zero, every figure unknown.
    pub(crate) fn empty(group: Option<String>) -> Self {
        StatsRow {
            group,
            count: 0,
            errors: Some(0),
            error_rate: None,
            p50_ms: None,
            p95_ms: None,
            p99_ms: None,
            max_ms: None,
            input_tokens: None,
            output_tokens: None,
            total_tokens: None,
            cost_usd: None,
        }
    }
}

/// What `stats` reports.
#[derive(Debug, Clone, Serialize)]
pub struct StatsReport {
    pub by: Option<GroupBy>,
    pub unit: Unit,
    pub percentiles: Percentiles,
    /// The window, RFC 3339.
    pub since: Option<String>,
    pub until: Option<String>,
    /// Where the figures come from: `tables` or `trace_store`.
    pub source: &'static str,
    /// What computed them: `warehouse` (one statement), `trace_store` (the server's metrics
    /// endpoint) or `tracecfg` (the trace infos read and aggregated here).
    pub aggregated_by: &'static str,
    /// False when `--limit` cut the window (the trace store read one by one): the figures are
    /// of the newest traces only.
    pub complete: bool,
    pub rows: Vec<StatsRow>,
}

impl StatsReport {
    /// Orders the rows (time buckets in time order, with the window's empty buckets filled
    /// in; other groups by count, largest first) and drops the empty row an aggregate without
    /// groups gives for an empty window.
    pub fn arranged(mut self) -> Self {
        self.rows.retain(|r| r.count > 0);
        match self.by {
            Some(by) if by.is_time() => {
                self.rows.sort_by(|a, b| a.group.cmp(&b.group));
                self.rows = filled(by, self.rows, self.since.as_deref(), self.until.as_deref());
            }
            Some(_) => self.rows.sort_by(|a, b| {
                b.count
                    .cmp(&a.count)
                    .then_with(|| a.group.is_none().cmp(&b.group.is_none()))
                    .then_with(|| a.group.cmp(&b.group))
            }),
            None => {}
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rows.iter().all(|r| r.count == 0)
    }
}

/// The most buckets filled in between the window's ends; a longer window shows only the
/// buckets that have traces.
const MAX_FILLED: i64 = 1000;

/// `rows` (time buckets in order) with the empty buckets of the window in their places.
fn filled(
    by: GroupBy,
    rows: Vec<StatsRow>,
    since: Option<&str>,
    until: Option<&str>,
) -> Vec<StatsRow> {
    let present = || {
        rows.iter()
            .filter_map(|r| by.bucket_start(r.group.as_deref()?))
    };
    let first = since
        .and_then(parse_timestamp_micros)
        .and_then(|s| by.bucket(s))
        .and_then(|k| by.bucket_start(&k))
        .or_else(|| present().min());
    let last = until
        .and_then(parse_timestamp_micros)
        // The bucket of the window's last instant (`until` itself is outside it).
        .and_then(|u| by.bucket(u - 1))
        .and_then(|k| by.bucket_start(&k))
        .or_else(|| present().max());
    let (Some(first), Some(last)) = (first, last) else {
        return rows;
    };
    let step = by.step_micros();
    if last < first || (last - first) / step >= MAX_FILLED {
        return rows;
    }
    let mut by_key: BTreeMap<String, StatsRow> = rows
        .into_iter()
        .filter_map(|r| Some((r.group.clone()?, r)))
        .collect();
    let mut out = Vec::new();
    let mut at = first;
    while at <= last {
        let key = by.bucket(at).expect("a time grouping");
        out.push(
            by_key
                .remove(&key)
                .unwrap_or_else(|| StatsRow::empty(Some(key))),
        );
        at += step;
    }
    // Buckets outside the window (a trace that started just before --since by the server's
    // clock) keep their place in order.
    out.extend(by_key.into_values());
    out.sort_by(|a, b| a.group.cmp(&b.group));
    out
}

/// Token counts of a trace or span (`{"input_tokens", "output_tokens", "total_tokens"}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    pub input: Option<u64>,
    pub output: Option<u64>,
    pub total: Option<u64>,
}

impl Tokens {
    /// The token usage MLflow records, as JSON text (the trace metadata
    /// `mlflow.trace.tokenUsage`, the span attribute `mlflow.chat.tokenUsage`); `None` when
    /// it holds none of the counts.
    pub fn parse(text: &str) -> Option<Tokens> {
        let value: Value = serde_json::from_str(text).ok()?;
        // A span attribute may arrive JSON-encoded once more (a string holding the object).
        let value = match value {
            Value::String(inner) => serde_json::from_str(&inner).ok()?,
            other => other,
        };
        let count = |key: &str| value.get(key).and_then(Value::as_u64);
        let tokens = Tokens {
            input: count("input_tokens"),
            output: count("output_tokens"),
            total: count("total_tokens"),
        };
        (tokens != Tokens::default()).then_some(tokens)
    }

    /// The total cost of MLflow's cost record (`{"input_cost", "output_cost", "total_cost"}`,
    /// US dollars: the trace metadata `mlflow.trace.cost`, the span attribute `mlflow.llm.cost`).
    pub fn parse_cost(text: &str) -> Option<f64> {
        let value: Value = serde_json::from_str(text).ok()?;
        let value = match value {
            Value::String(inner) => serde_json::from_str(&inner).ok()?,
            other => other,
        };
        value.get("total_cost").and_then(Value::as_f64)
    }

    /// The sum of two usages; a count missing on both stays missing.
    pub fn plus(self, other: Tokens) -> Tokens {
        let add = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        Tokens {
            input: add(self.input, other.input),
            output: add(self.output, other.output),
            total: add(self.total, other.total),
        }
    }
}

/// One trace (or span) read one by one, to aggregate here.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub key: Option<String>,
    pub duration_ms: Option<f64>,
    /// `None` when the status is unknown.
    pub error: Option<bool>,
    pub tokens: Option<Tokens>,
    /// US dollars.
    pub cost_usd: Option<f64>,
}

/// The figures of `samples`, one row per key (rows unordered; see [`StatsReport::arranged`]).
/// Percentiles are exact (see [`interpolated`]).
pub fn aggregate(samples: Vec<Sample>) -> Vec<StatsRow> {
    let mut groups: BTreeMap<Option<String>, Vec<Sample>> = BTreeMap::new();
    for s in samples {
        groups.entry(s.key.clone()).or_default().push(s);
    }
    groups
        .into_iter()
        .map(|(group, samples)| row_of(group, &samples))
        .collect()
}

fn row_of(group: Option<String>, samples: &[Sample]) -> StatsRow {
    let mut durations: Vec<f64> = samples.iter().filter_map(|s| s.duration_ms).collect();
    durations.sort_by(f64::total_cmp);
    let known: Vec<bool> = samples.iter().filter_map(|s| s.error).collect();
    let errors = (!known.is_empty()).then(|| known.iter().filter(|e| **e).count() as u64);
    let tokens = samples.iter().filter_map(|s| s.tokens).reduce(Tokens::plus);
    let count = samples.len() as u64;
    StatsRow {
        group,
        count,
        errors,
        error_rate: errors.map(|e| e as f64 / count as f64),
        p50_ms: interpolated(&durations, 0.50),
        p95_ms: interpolated(&durations, 0.95),
        p99_ms: interpolated(&durations, 0.99),
        max_ms: durations.last().copied(),
        input_tokens: tokens.and_then(|t| t.input),
        output_tokens: tokens.and_then(|t| t.output),
        total_tokens: tokens.and_then(|t| t.total),
        cost_usd: samples
            .iter()
            .filter_map(|s| s.cost_usd)
            .reduce(|a, b| a + b),
    }
}

/// The `p` quantile of `sorted` (ascending) as SQL's `PERCENTILE_CONT` computes it: at the
/// fractional rank `p * (n - 1)`, between the values on either side. MLflow's trace metrics
/// endpoint does the same (mlflow/store/db/utils.py, the SQLite `percentile` aggregate), so both
/// trace-store paths give the same figures.
pub fn interpolated(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = p * last as f64;
    let low = rank.floor() as usize;
    let high = (low + 1).min(last);
    Some(sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(key: &str, ms: f64, error: bool, total: Option<u64>) -> Sample {
        Sample {
            key: Some(key.into()),
            duration_ms: Some(ms),
            error: Some(error),
            tokens: total.map(|t| Tokens {
                input: Some(t / 2),
                output: Some(t - t / 2),
                total: Some(t),
            }),
            cost_usd: None,
        }
    }

    #[test]
    fn interpolated_percentiles() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let near = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-9;
        assert!(near(interpolated(&values, 0.5), 50.5));
        assert!(near(interpolated(&values, 0.95), 95.05));
        assert!(near(interpolated(&values, 0.99), 99.01));
        assert_eq!(interpolated(&[7.0], 0.99), Some(7.0));
        assert_eq!(interpolated(&[], 0.5), None);
        assert_eq!(interpolated(&[1.0, 2.0, 3.0], 0.5), Some(2.0));
        assert_eq!(interpolated(&[1.0, 2.0, 3.0, 10.0], 1.0), Some(10.0));
        assert!(near(interpolated(&[100.0, 200.0], 0.95), 195.0));
    }

    #[test]
    fn samples_aggregate_per_group_with_errors_and_tokens() {
        let rows = aggregate(vec![
            sample("a", 100.0, false, Some(10)),
            sample("a", 300.0, true, None),
            sample("a", 200.0, false, Some(5)),
            sample("b", 50.0, false, None),
        ]);
        let a = &rows[0];
        assert_eq!(a.group.as_deref(), Some("a"));
        assert_eq!((a.count, a.errors), (3, Some(1)));
        assert!((a.error_rate.unwrap() - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!((a.p50_ms, a.max_ms), (Some(200.0), Some(300.0)));
        assert_eq!(
            (a.input_tokens, a.output_tokens, a.total_tokens),
            (Some(7), Some(8), Some(15))
        );
        assert_eq!(rows[1].total_tokens, None);
        let unknown = aggregate(vec![Sample {
            key: None,
            duration_ms: None,
            error: None,
            tokens: None,
            cost_usd: Some(0.5),
        }]);
        assert_eq!((unknown[0].errors, unknown[0].p50_ms), (None, None));
        assert_eq!(unknown[0].cost_usd, Some(0.5));
    }

    #[test]
    fn token_usage_parses_plain_and_encoded() {
        let t = Tokens::parse(r#"{"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}"#);
        assert_eq!(
            t,
            Some(Tokens {
                input: Some(3),
                output: Some(4),
                total: Some(7)
            })
        );
        let encoded = Tokens::parse(r#""{\"total_tokens\": 9}""#).unwrap();
        assert_eq!(encoded.total, Some(9));
        assert_eq!(Tokens::parse("{}"), None);
        assert_eq!(Tokens::parse("not json"), None);
    }

    #[test]
    fn time_buckets_fill_the_window_in_order() {
        let row = |day: &str, count| StatsRow {
            count,
            ..StatsRow::empty(Some(day.into()))
        };
        let report = StatsReport {
            by: Some(GroupBy::Day),
            unit: Unit::Traces,
            percentiles: Percentiles::Exact,
            since: Some("2026-11-28T12:00:00Z".into()),
            until: Some("2026-12-01T00:00:00Z".into()),
            source: "tables",
            aggregated_by: "warehouse",
            complete: true,
            rows: vec![row("2026-11-30", 2), row("2026-11-28", 1)],
        }
        .arranged();
        let days: Vec<_> = report
            .rows
            .iter()
            .map(|r| (r.group.clone().unwrap(), r.count))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-11-28".to_string(), 1),
                ("2026-11-29".to_string(), 0),
                ("2026-11-30".to_string(), 2)
            ]
        );
        let hour = GroupBy::Hour
            .bucket(parse_timestamp_micros("2026-11-30T10:59:00Z").unwrap())
            .unwrap();
        assert_eq!(hour, "2026-11-30 10:00");
        assert_eq!(
            GroupBy::Hour.bucket_start(&hour),
            parse_timestamp_micros("2026-11-30T10:00:00Z")
        );
    }

    #[test]
    fn other_groups_go_by_count_with_the_valueless_group_last() {
        let row = |g: Option<&str>, count| StatsRow {
            group: g.map(str::to_string),
            count,
            ..StatsRow::empty(Some(String::new()))
        };
        let report = StatsReport {
            by: Some(GroupBy::User),
            unit: Unit::Traces,
            percentiles: Percentiles::Exact,
            since: None,
            until: None,
            source: "tables",
            aggregated_by: "warehouse",
            complete: true,
            rows: vec![
                row(None, 5),
                row(Some("b"), 5),
                row(Some("a"), 9),
                row(Some("z"), 0),
            ],
        }
        .arranged();
        let groups: Vec<_> = report.rows.iter().map(|r| r.group.clone()).collect();
        assert_eq!(groups, [Some("a".into()), Some("b".into()), None]);
    }
}
