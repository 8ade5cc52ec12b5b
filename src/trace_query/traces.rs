//! The trace-level statements: `tracecfg traces` (one row per trace, aggregated on the
//! warehouse) and `tracecfg trace ID` (the spans of one trace). They select traces with the
//! same code as `query` (`otel::Writer::trace_selections`, `tags::trace_conditions`) and scan
//! the same time window; docs/traces.md explains the statements.
//!
//! A trace is listed when it **started** (its earliest span) in `[since, until)`. The scan is
//! restricted to that window widened by a day on each side (so V2 still skips files by `time`
//! and `date`), and the exact window is a `HAVING` on `min(start_time)`. With `--since`, a trace
//! must also have its root span among the scanned rows, so one that started more than a day
//! before `--since` is not listed with a later start; a trace up to a day long is whole (span
//! count and duration).

use super::otel::{json_decoded, Writer, ROOT_SPAN};
use super::{tags, Binder, Filters, OtelVersion, Statement, TraceTables};
use crate::error::CliError;

/// The OpenTelemetry status code of a failed span (opentelemetry-proto trace.proto,
/// `Status.StatusCode`), as the spans tables store it.
const ERROR_CODE: &str = "STATUS_CODE_ERROR";

/// One row per trace, newest first; `limit` counts traces.
pub fn build_list(tables: &TraceTables, f: &Filters) -> Result<Statement, CliError> {
    match tables {
        TraceTables::Tags { table } => tags_list(table, f),
        TraceTables::Otel {
            version,
            spans,
            trace_info,
        } => otel_list(*version, spans, trace_info.as_deref(), f),
    }
}

/// The spans of one trace, by start time. `inputs`/`outputs`: whether to fetch the payloads
/// (they can be large; the others come back as NULL).
pub fn build_spans(tables: &TraceTables, trace_id: &str, inputs: bool, outputs: bool) -> Statement {
    let mut b = Binder::default();
    let id = b.bind("trace_id", trace_id, None);
    let payload = |wanted: bool, column: &str| {
        if wanted {
            column.to_string()
        } else {
            format!("CAST(NULL AS STRING) AS {column}")
        }
    };
    let payloads = format!(
        "{}, {}",
        payload(inputs, "inputs"),
        payload(outputs, "outputs")
    );
    let order = "ORDER BY start_time, span_id";
    let sql = match tables {
        TraceTables::Tags { table } => format!(
            "SELECT trace_id, CAST(NULL AS STRING) AS span_id, CAST(NULL AS STRING) AS parent_span_id, span_name, span_type, start_time, end_time, CAST(NULL AS STRING) AS status_code, {payloads}\nFROM {table}\nWHERE trace_id = {id}\n{order}"
        ),
        TraceTables::Otel { version, spans, .. } => {
            let w = Writer::new(*version, spans, None);
            format!(
                "{}\nSELECT trace_id, span_id, parent_span_id, span_name, span_type, start_time, end_time, status_code, {payloads}\nFROM spans\n{order}",
                w.spans_cte(&[format!("trace_id = {id}")])
            )
        }
    };
    Statement {
        sql,
        parameters: b.parameters,
    }
}

fn otel_list(
    version: OtelVersion,
    spans: &str,
    trace_info: Option<&str>,
    f: &Filters,
) -> Result<Statement, CliError> {
    Ok(otel_per_trace(version, spans, trace_info, f, &[])?.list(f))
}

fn tags_list(table: &str, f: &Filters) -> Result<Statement, CliError> {
    Ok(tags_per_trace(table, f)?.list(f))
}

/// The per-trace aggregate of a layout: one row per trace that started in the window and
/// passes the filters, with the columns of the trace list (under `trace_start`/`trace_end`).
/// `extra` columns are added to the spans' projection (OpenTelemetry layouts).
pub(super) fn per_trace(
    tables: &TraceTables,
    f: &Filters,
    extra: &[String],
) -> Result<PerTrace, CliError> {
    match tables {
        TraceTables::Tags { table } => tags_per_trace(table, f),
        TraceTables::Otel {
            version,
            spans,
            trace_info,
        } => otel_per_trace(*version, spans, trace_info.as_deref(), f, extra),
    }
}

fn otel_per_trace(
    version: OtelVersion,
    spans: &str,
    trace_info: Option<&str>,
    f: &Filters,
    extra: &[String],
) -> Result<PerTrace, CliError> {
    let mut w = Writer::new(version, spans, trace_info);
    w.extra = extra.to_vec();
    let selections = w.trace_selections(f)?;
    let scan = w.window(f, true);
    let root_attribute = |key: &'static str| match version {
        OtelVersion::V2 => w.attribute(key),
        OtelVersion::V1 => json_decoded(&w.attribute(key)),
    };
    let of_root = |expr: String| format!("min_by({expr}, start_time) FILTER (WHERE {ROOT_SPAN})");
    let aggregates = Aggregates {
        root_span_name: of_root("span_name".into()),
        status: format!(
            "CASE WHEN count_if(status_code = '{ERROR_CODE}') > 0 THEN 'ERROR' ELSE 'OK' END"
        ),
        user: of_root(root_attribute("user.id")),
        session: of_root(root_attribute("session.id")),
        roots: Some(format!("count_if({ROOT_SPAN})")),
    };
    let prelude = w.spans_cte(&scan);
    let select = per_trace_select(&mut w.b, "spans", &selections, &aggregates, f);
    Ok(PerTrace {
        prelude,
        select,
        b: w.b,
        otel: Some(version),
    })
}

fn tags_per_trace(table: &str, f: &Filters) -> Result<PerTrace, CliError> {
    tags::refuse_attributes(f)?;
    let mut b = Binder::default();
    let mut conditions = tags::trace_conditions(&mut b, f);
    conditions.extend(slack_window(&mut b, f));
    // No parent ids and no span status: the earliest span stands for the root; the status is
    // unknown (docs/traces.md).
    let aggregates = Aggregates {
        root_span_name: "min_by(span_name, start_time)".into(),
        status: "CAST(NULL AS STRING)".into(),
        user: "max(tags['user_id'])".into(),
        session: "max(tags['session_id'])".into(),
        roots: None,
    };
    let select = per_trace_select(&mut b, table, &conditions, &aggregates, f);
    Ok(PerTrace {
        prelude: String::new(),
        select,
        b,
        otel: None,
    })
}

/// What differs between layouts in the trace list.
struct Aggregates {
    root_span_name: String,
    status: String,
    user: String,
    session: String,
    /// Counts the root spans among a trace's scanned rows (layouts with parent ids).
    roots: Option<String>,
}

/// `start_time >= :since - 1 day`, `start_time < :until + 1 day` on the tags table's rows.
pub(super) fn slack_window(b: &mut Binder, f: &Filters) -> Vec<String> {
    let mut conditions = Vec::new();
    if let Some(since) = &f.since {
        let t = b.bind("since", since, Some("TIMESTAMP"));
        conditions.push(format!("start_time >= {t} - INTERVAL 1 DAY"));
    }
    if let Some(until) = &f.until {
        let t = b.bind("until", until, Some("TIMESTAMP"));
        conditions.push(format!("start_time < {t} + INTERVAL 1 DAY"));
    }
    conditions
}

/// A per-trace aggregate, ready to be wrapped: `prelude` is a `WITH` clause (the spans under
/// common names, as `spans`) or nothing; `select` the aggregate itself, one row per trace.
pub(super) struct PerTrace {
    pub prelude: String,
    pub select: String,
    pub b: Binder,
    /// The OpenTelemetry layout, or `None` for the tags layout.
    pub otel: Option<OtelVersion>,
}

impl PerTrace {
    /// The trace list: newest first, `limit` traces, under the documented column names.
    fn list(mut self, f: &Filters) -> Statement {
        let prelude = if self.prelude.is_empty() {
            String::new()
        } else {
            format!("{}\n", self.prelude)
        };
        // The aggregate names its columns apart from the span columns (Spark resolves
        // `min(start_time)` in HAVING against an output named `start_time` otherwise); the
        // outer SELECT gives them their documented names.
        let sql = format!(
            "{prelude}SELECT trace_id, trace_start AS start_time, trace_end AS end_time, duration_ms, span_count, root_span_name, status, user, session\nFROM (\n{}\n) AS traces\nORDER BY trace_start DESC, trace_id\nLIMIT {}",
            self.select, f.limit
        );
        Statement {
            sql,
            parameters: std::mem::take(&mut self.b.parameters),
        }
    }
}

/// The per-trace aggregation over `from`: `conditions` select rows, the window and the
/// span-level filters are on whole traces.
fn per_trace_select(
    b: &mut Binder,
    from: &str,
    conditions: &[String],
    a: &Aggregates,
    f: &Filters,
) -> String {
    let mut having = Vec::new();
    if let Some(since) = &f.since {
        having.push(format!(
            "min(start_time) >= {}",
            b.bind("since", since, Some("TIMESTAMP"))
        ));
        // The scan starts a day before --since: a trace whose root span started earlier
        // shows only its later spans there, so it would look as if it started in the
        // window. Its root must be among the scanned rows.
        if let Some(roots) = &a.roots {
            having.push(format!("{roots} > 0"));
        }
    }
    if let Some(until) = &f.until {
        having.push(format!(
            "min(start_time) < {}",
            b.bind("until", until, Some("TIMESTAMP"))
        ));
    }
    // `--span-type`/`--name` on traces: traces with at least one such span.
    if let Some(span_type) = &f.span_type {
        let m = b.bind("span_type", span_type, None);
        having.push(format!("count_if(span_type = {m}) > 0"));
    }
    if let Some(name) = &f.name {
        let m = b.bind("name", name, None);
        having.push(format!("count_if(span_name = {m}) > 0"));
    }
    let having = if having.is_empty() {
        String::new()
    } else {
        format!("\nHAVING {}", having.join("\n  AND "))
    };
    format!(
        "  SELECT trace_id,\n  min(start_time) AS trace_start,\n  max(end_time) AS trace_end,\n  (unix_micros(max(end_time)) - unix_micros(min(start_time))) / 1000.0 AS duration_ms,\n  count(*) AS span_count,\n  {} AS root_span_name,\n  {} AS status,\n  {} AS user,\n  {} AS session\n  FROM {from}{}\n  GROUP BY trace_id{having}",
        a.root_span_name,
        a.status,
        a.user,
        a.session,
        super::where_clause(conditions),
    )
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
            tags: vec![("k'".into(), "v'".into())],
            span_type: Some("LLM".into()),
            since: Some("2026-11-01T00:00:00Z".into()),
            until: Some("2026-11-02T00:00:00Z".into()),
            limit: 20,
            ..Filters::default()
        }
    }

    #[test]
    fn the_list_is_one_aggregate_per_trace_with_the_query_selections() {
        for t in tables() {
            let s = build_list(&t, &filters()).unwrap();
            for needle in ["x' OR", "k'", "v'", "2026-11-01"] {
                assert!(!s.sql.contains(needle), "{needle} in {}", s.sql);
            }
            assert!(s.sql.contains("GROUP BY trace_id"), "{}", s.sql);
            assert!(s.sql.contains("min(start_time) >= :since"), "{}", s.sql);
            assert!(s.sql.contains("count_if(span_type = :span_type) > 0"));
            assert!(s.sql.ends_with("LIMIT 20"), "{}", s.sql);
            let names: Vec<_> = s.parameters.iter().map(|p| p.name.as_str()).collect();
            for n in [
                "user",
                "tag_key_0",
                "tag_value_0",
                "span_type",
                "since",
                "until",
            ] {
                assert!(names.contains(&n), "{n} missing: {names:?}");
            }
            // Each parameter once, even when several conditions use it.
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{names:?}");
        }
    }

    #[test]
    fn native_lists_read_the_span_status_and_the_root_span() {
        let [_, v1, v2] = tables();
        let v2 = build_list(&v2, &filters()).unwrap().sql;
        assert!(v2.contains("count_if(status_code = 'STATUS_CODE_ERROR') > 0"));
        assert!(v2.contains(
            "min_by(attributes:['user.id']::string, start_time) FILTER (WHERE coalesce(parent_span_id, '') = '') AS user"
        ));
        // The scan skips files by `time` and `date`, a day wider than the window.
        assert!(v2.contains("time >= :since - INTERVAL 1 DAY"), "{v2}");
        assert!(
            v2.contains("date >= date_sub(CAST(:since AS DATE), 2)"),
            "{v2}"
        );
        // The same trace selection as `query`.
        let q = super::super::build(&tables()[2], &filters()).unwrap().sql;
        let selection = q.split("WHERE trace_id IN").nth(1).unwrap();
        let selection = &selection[..selection.find("\n  )").unwrap()];
        assert!(v2.contains(selection), "{v2}");
        let v1 = build_list(&v1, &filters()).unwrap().sql;
        assert!(v1.contains("start_time_unix_nano >= unix_micros(:since - INTERVAL 1 DAY) * 1000"));
        assert!(
            v1.contains("LIKE '\"%\"'"),
            "V1 user values are decoded: {v1}"
        );
    }

    #[test]
    fn the_tags_list_cannot_tell_the_status() {
        let [tags, ..] = tables();
        let s = build_list(&tags, &filters()).unwrap().sql;
        assert!(s.contains("CAST(NULL AS STRING) AS status"), "{s}");
        assert!(s.contains("tags['user_id'] = :user"), "{s}");
        let attribute = Filters {
            attributes: vec![("a".into(), "b".into())],
            ..Filters::default()
        };
        assert!(build_list(&tags, &attribute).is_err());
    }

    #[test]
    fn one_trace_is_selected_by_a_parameter_and_payloads_only_when_asked() {
        for t in tables() {
            let s = build_spans(&t, "tr-1' OR 1=1", false, true);
            assert!(!s.sql.contains("OR 1=1"));
            assert_eq!(s.parameters[0].name, "trace_id");
            assert!(
                s.sql.contains("CAST(NULL AS STRING) AS inputs"),
                "{}",
                s.sql
            );
            assert!(!s.sql.contains("NULL AS STRING) AS outputs"), "{}", s.sql);
            assert!(s.sql.contains("trace_id = :trace_id"), "{}", s.sql);
        }
    }
}
