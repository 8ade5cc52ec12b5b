//! The `tracecfg stats` statement: one aggregate on the warehouse, over the time window of
//! `traces` (trace figures) or of `query` (span figures, `--by span-name|span-type`), so the
//! scans skip what the window excludes and no span leaves the warehouse (docs/stats.md).
//!
//! Token usage and cost come from the span attributes MLflow writes on LLM spans
//! (mlflow/tracing/constant.py `SpanAttributeKey.CHAT_USAGE` = `mlflow.chat.tokenUsage`,
//! `LLM_COST` = `mlflow.llm.cost`, `MODEL` = `mlflow.llm.model`). A trace's usage is the sum
//! over its spans that carry it, except a span whose parent carries it too: MLflow's own sum
//! (`aggregate_usage_from_spans`, mlflow/tracing/utils/__init__.py) skips every span below one
//! that carries usage, so that a wrapper's total is not counted again with its parts.

use super::otel::{json_decoded, Writer};
use super::traces::{per_trace, PerTrace};
use super::{tags, Binder, Filters, OtelVersion, Statement, TraceTables};
use crate::error::CliError;
use crate::stats::GroupBy;

/// Span attributes (mlflow/tracing/constant.py, `SpanAttributeKey`).
const TOKEN_USAGE: &str = "mlflow.chat.tokenUsage";
const COST: &str = "mlflow.llm.cost";
const MODEL: &str = "mlflow.llm.model";
/// The OpenTelemetry status code of a failed span.
const ERROR_CODE: &str = "STATUS_CODE_ERROR";

/// The statement of `stats` over `tables`: one row per group (one row without `by`).
pub fn build_stats(
    tables: &TraceTables,
    f: &Filters,
    by: Option<GroupBy>,
) -> Result<Statement, CliError> {
    if by == Some(GroupBy::Model) && matches!(tables, TraceTables::Tags { .. }) {
        return Err(CliError::usage(
            "--by model needs span attributes (mlflow.llm.model): the tags layout has none; use --layout otel on an OpenTelemetry spans table",
        ));
    }
    match by {
        Some(by) if by.over_spans() => span_stats(tables, f, by),
        _ => trace_stats(tables, f, by),
    }
}

/// A span attribute as JSON text (V1 values may be JSON-encoded once more).
fn attribute_text(version: OtelVersion, w: &Writer<'_>, key: &'static str) -> String {
    match version {
        OtelVersion::V2 => w.attribute(key),
        OtelVersion::V1 => json_decoded(&w.attribute(key)),
    }
}

fn json_number(expr: &str, field: &str, sql_type: &str) -> String {
    format!("CAST(get_json_object({expr}, '$.{field}') AS {sql_type})")
}

/// The figures of each group, over `from` whose rows have `duration_ms`, `errors_expr`'s
/// columns and the usage columns.
fn figures(errors: &str, duration: &str, usage: Option<[&str; 4]>) -> String {
    let p = |q: &str| format!("percentile_approx({duration}, {q})");
    let usage = match usage {
        Some([input, output, total, cost]) => {
            format!("sum({input}) AS input_tokens,\n  sum({output}) AS output_tokens,\n  sum({total}) AS total_tokens,\n  sum({cost}) AS cost_usd")
        }
        None => "CAST(NULL AS BIGINT) AS input_tokens,\n  CAST(NULL AS BIGINT) AS output_tokens,\n  CAST(NULL AS BIGINT) AS total_tokens,\n  CAST(NULL AS DOUBLE) AS cost_usd".to_string(),
    };
    format!(
        "count(*) AS count,\n  {errors} AS errors,\n  {} AS p50_ms,\n  {} AS p95_ms,\n  {} AS p99_ms,\n  max({duration}) AS max_ms,\n  {usage}",
        p("0.5"),
        p("0.95"),
        p("0.99"),
    )
}

/// `GROUP BY` and the key, or a single row.
fn grouped(key: Option<String>) -> (String, String) {
    match key {
        Some(k) => (k, "\nGROUP BY 1\nORDER BY 1".to_string()),
        None => ("CAST(NULL AS STRING)".to_string(), String::new()),
    }
}

fn trace_stats(
    tables: &TraceTables,
    f: &Filters,
    by: Option<GroupBy>,
) -> Result<Statement, CliError> {
    let PerTrace {
        prelude,
        select,
        mut b,
        otel,
    } = per_trace(tables, f, &[])?;
    let key = by.map(|by| match by {
        GroupBy::Day => "date_format(trace_start, 'yyyy-MM-dd')".to_string(),
        GroupBy::Hour => "date_format(trace_start, 'yyyy-MM-dd HH:00')".to_string(),
        GroupBy::User => "user".to_string(),
        GroupBy::Session => "session".to_string(),
        GroupBy::Name => "root_span_name".to_string(),
        GroupBy::Model => "model".to_string(),
        GroupBy::SpanType | GroupBy::SpanName => unreachable!("span figures"),
    });
    let (key, group_by) = grouped(key);
    let errors = "CASE WHEN count(status) = 0 THEN NULL ELSE count_if(status = 'ERROR') END";
    let (prelude, from, usage) = match otel {
        Some(version) => {
            let spans = tables.main_table();
            let w = Writer::new(version, spans, None);
            (
                format!("{prelude},\n{}", usage_ctes(version, &w)),
                format!("(\n  SELECT t.*, u.input_tokens, u.output_tokens, u.total_tokens, u.cost_usd, u.model\n  FROM (\n{select}\n  ) AS t\n  LEFT JOIN usage AS u ON u.trace_id = t.trace_id\n) AS traces"),
                Some(["input_tokens", "output_tokens", "total_tokens", "cost_usd"]),
            )
        }
        None => (prelude, format!("(\n{select}\n) AS traces"), None),
    };
    let prelude = if prelude.is_empty() {
        String::new()
    } else {
        format!("{prelude}\n")
    };
    let sql = format!(
        "{prelude}SELECT {key} AS grp,\n  {}\nFROM {from}{group_by}",
        figures(errors, "duration_ms", usage)
    );
    Ok(Statement {
        sql,
        parameters: std::mem::take(&mut b.parameters),
    })
}

/// `llm`: the spans that carry usage, cost or a model; `usage`: per trace, the usage and
/// cost of those whose parent carries none, and the model of the first.
fn usage_ctes(version: OtelVersion, w: &Writer<'_>) -> String {
    let usage = attribute_text(version, w, TOKEN_USAGE);
    let cost = attribute_text(version, w, COST);
    let model = attribute_text(version, w, MODEL);
    let counted = |column: &str, field: &str, sql_type: &str| {
        format!(
            "sum(CASE WHEN p.{column} IS NULL THEN {} END)",
            json_number(&format!("s.{column}"), field, sql_type)
        )
    };
    format!(
        "llm AS (\n  SELECT trace_id, span_id, parent_span_id, start_time, {usage} AS usage, {cost} AS cost, {model} AS model\n  FROM spans\n  WHERE {usage} IS NOT NULL OR {cost} IS NOT NULL OR {model} IS NOT NULL\n),\nusage AS (\n  SELECT s.trace_id,\n  {} AS input_tokens,\n  {} AS output_tokens,\n  {} AS total_tokens,\n  {} AS cost_usd,\n  min_by(s.model, s.start_time) FILTER (WHERE s.model IS NOT NULL) AS model\n  FROM llm AS s\n  LEFT JOIN llm AS p ON p.trace_id = s.trace_id AND p.span_id = s.parent_span_id\n  GROUP BY s.trace_id\n)",
        counted("usage", "input_tokens", "BIGINT"),
        counted("usage", "output_tokens", "BIGINT"),
        counted("usage", "total_tokens", "BIGINT"),
        counted("cost", "total_cost", "DOUBLE"),
    )
}

/// Span figures: the spans `query` would return (the same selections and window), grouped by
/// their name or type.
fn span_stats(tables: &TraceTables, f: &Filters, by: GroupBy) -> Result<Statement, CliError> {
    let key = match by {
        GroupBy::SpanName => "span_name",
        _ => "span_type",
    };
    let duration = "(unix_micros(end_time) - unix_micros(start_time)) / 1000.0";
    let (key, group_by) = grouped(Some(key.to_string()));
    let (sql, parameters) = match tables {
        TraceTables::Tags { table } => {
            let mut b = Binder::default();
            let conditions = tags::span_conditions(&mut b, f)?;
            let sql = format!(
                "SELECT {key} AS grp,\n  {}\nFROM {table}{}{group_by}",
                figures("CAST(NULL AS BIGINT)", duration, None),
                super::where_clause(&conditions),
            );
            (sql, b.parameters)
        }
        TraceTables::Otel {
            version,
            spans,
            trace_info,
        } => {
            let mut w = Writer::new(*version, spans, trace_info.as_deref());
            let (window, conditions) = w.span_conditions(f)?;
            let usage = attribute_text(*version, &w, TOKEN_USAGE);
            let cost = attribute_text(*version, &w, COST);
            let input = json_number(&usage, "input_tokens", "BIGINT");
            let output = json_number(&usage, "output_tokens", "BIGINT");
            let total = json_number(&usage, "total_tokens", "BIGINT");
            let cost = json_number(&cost, "total_cost", "DOUBLE");
            let sql = format!(
                "{}\nSELECT {key} AS grp,\n  {}\nFROM spans{}{group_by}",
                w.spans_cte(&window),
                figures(
                    &format!("count_if(status_code = '{ERROR_CODE}')"),
                    duration,
                    Some([&input, &output, &total, &cost]),
                ),
                super::where_clause(&conditions),
            );
            (sql, w.b.parameters)
        }
    };
    Ok(Statement { sql, parameters })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables() -> [TraceTables; 3] {
        [
            TraceTables::Tags {
                table: "`c`.`s`.`t`".into(),
            },
            TraceTables::Otel {
                version: OtelVersion::V1,
                spans: "`c`.`s`.`mlflow_experiment_trace_otel_spans`".into(),
                trace_info: Some("`c`.`s`.`mlflow_experiment_trace_otel_logs`".into()),
            },
            TraceTables::Otel {
                version: OtelVersion::V2,
                spans: "`c`.`s`.`p_otel_spans`".into(),
                trace_info: Some("`c`.`s`.`p_otel_annotations`".into()),
            },
        ]
    }

    fn filters() -> Filters {
        Filters {
            user: Some("x' OR '1'='1".into()),
            since: Some("2026-11-01T00:00:00Z".into()),
            until: Some("2026-11-02T00:00:00Z".into()),
            limit: 50,
            ..Filters::default()
        }
    }

    #[test]
    fn one_aggregate_with_the_window_on_every_scan_and_values_as_parameters() {
        let by = [
            None,
            Some(GroupBy::Day),
            Some(GroupBy::User),
            Some(GroupBy::SpanName),
            Some(GroupBy::SpanType),
        ];
        for t in tables() {
            for by in by {
                let s = build_stats(&t, &filters(), by).unwrap();
                assert!(!s.sql.contains("x' OR"), "{}", s.sql);
                assert!(!s.sql.contains("2026-11-01"), "{}", s.sql);
                assert!(s.sql.contains("percentile_approx("), "{}", s.sql);
                assert!(!s.sql.contains("LIMIT"), "stats never cut rows: {}", s.sql);
                if let TraceTables::Otel { version, .. } = &t {
                    // Every scan of the spans table carries the window.
                    let scans = s.sql.matches("FROM `c`.`s`.").count();
                    let windowed = match version {
                        OtelVersion::V2 => s.sql.matches("date >= date_sub(").count(),
                        OtelVersion::V1 => s.sql.matches("start_time_unix_nano >=").count(),
                    };
                    let spans_scans = s.sql.matches(t.main_table()).count();
                    assert!(scans >= spans_scans && windowed >= spans_scans, "{}", s.sql);
                }
                let names: Vec<_> = s.parameters.iter().map(|p| p.name.as_str()).collect();
                assert!(
                    names.contains(&"since") && names.contains(&"user"),
                    "{names:?}"
                );
            }
        }
    }

    #[test]
    fn usage_counts_a_span_only_when_its_parent_carries_none() {
        let [_, v1, v2] = tables();
        let s = build_stats(&v2, &filters(), Some(GroupBy::Model))
            .unwrap()
            .sql;
        assert!(
            s.contains("attributes:['mlflow.chat.tokenUsage']::string"),
            "{s}"
        );
        assert!(s.contains(
            "LEFT JOIN llm AS p ON p.trace_id = s.trace_id AND p.span_id = s.parent_span_id"
        ));
        assert!(s.contains("sum(CASE WHEN p.usage IS NULL THEN CAST(get_json_object(s.usage, '$.input_tokens') AS BIGINT) END)"), "{s}");
        assert!(s.contains("SELECT model AS grp"), "{s}");
        let s = build_stats(&v1, &filters(), None).unwrap().sql;
        assert!(
            s.contains("CASE WHEN attributes['mlflow.chat.tokenUsage'] LIKE"),
            "{s}"
        );
        assert!(s.contains("SELECT CAST(NULL AS STRING) AS grp"), "{s}");
        assert!(!s.contains("GROUP BY 1"), "{s}");
    }

    #[test]
    fn the_tags_layout_has_no_status_tokens_or_model() {
        let [tags, ..] = tables();
        let s = build_stats(&tags, &filters(), Some(GroupBy::Day))
            .unwrap()
            .sql;
        assert!(s.contains("CAST(NULL AS BIGINT) AS input_tokens"), "{s}");
        assert!(
            s.contains("date_format(trace_start, 'yyyy-MM-dd') AS grp"),
            "{s}"
        );
        assert!(build_stats(&tags, &filters(), Some(GroupBy::Model)).is_err());
        let spans = build_stats(&tags, &filters(), Some(GroupBy::SpanType))
            .unwrap()
            .sql;
        assert!(spans.contains("CAST(NULL AS BIGINT) AS errors"), "{spans}");
        assert!(spans.contains("start_time >= :since"), "{spans}");
    }
}
