//! The statements of `tracecfg export` (docs/export.md): every span of the traces that started
//! in the window and pass the filters (the trace selection of `traces`, `per_trace`), whole
//! spans, ordered so that a trace's spans arrive together and traces oldest first; and the
//! estimate of `--dry-run`, over the same join.

use super::otel::OtelVersion;
use super::traces::{per_trace, slack_window, PerTrace};
use super::{Filters, Statement, TraceTables};
use crate::error::CliError;

/// The columns the export statement returns on the OpenTelemetry layouts: the spans', then
/// the trace's tags and metadata (on its root span's row only, so they travel once).
pub const OTEL_EXPORT_COLUMNS: [&str; 15] = [
    "trace_id",
    "trace_start",
    "span_id",
    "parent_span_id",
    "span_name",
    "kind",
    "start_time_unix_nano",
    "end_time_unix_nano",
    "status_code",
    "status_message",
    "attributes",
    "events",
    "service_name",
    "trace_tags",
    "trace_metadata",
];

/// The spans' columns `export` reads besides the common projection.
fn extra_columns(version: OtelVersion) -> Vec<String> {
    let service = match version {
        OtelVersion::V2 => "service_name",
        OtelVersion::V1 => "CAST(NULL AS STRING) AS service_name",
    };
    [
        "kind",
        "start_time_unix_nano",
        "end_time_unix_nano",
        "status.message AS status_message",
        "events",
        service,
    ]
    .map(str::to_string)
    .to_vec()
}

/// Every span of the matching traces: a trace's spans together, by start; traces oldest first.
pub fn build_export(tables: &TraceTables, f: &Filters) -> Result<Statement, CliError> {
    let with_info = matches!(
        tables,
        TraceTables::Otel {
            trace_info: Some(_),
            ..
        }
    );
    joined(tables, f, with_info, |from| {
        match tables {
        TraceTables::Otel { .. } => otel_select(from, with_info),
        TraceTables::Tags { .. } => format!(
            "SELECT spans.trace_id, traces.trace_start, spans.span_name, spans.span_type, unix_micros(spans.start_time) * 1000 AS start_time_unix_nano, unix_micros(spans.end_time) * 1000 AS end_time_unix_nano, spans.inputs, spans.outputs, spans.tags\n{from}\nORDER BY traces.trace_start, spans.trace_id, spans.start_time, spans.span_name"
        ),
    }
    })
}

fn otel_select(from: &str, with_info: bool) -> String {
    let columns = OTEL_EXPORT_COLUMNS.map(|c| match c {
        "trace_start" => "traces.trace_start".to_string(),
        "trace_tags" | "trace_metadata" if with_info => format!(
            "CASE WHEN coalesce(spans.parent_span_id, '') = '' THEN trace_info.{c} END AS {c}"
        ),
        "trace_tags" | "trace_metadata" => format!("CAST(NULL AS STRING) AS {c}"),
        span => format!("spans.{span}"),
    });
    let info_join = if with_info {
        "\nLEFT JOIN trace_info ON spans.trace_id = trace_info.trace_id"
    } else {
        ""
    };
    format!(
        "SELECT {}\n{from}{info_join}\nORDER BY traces.trace_start, spans.trace_id, spans.start_time_unix_nano, spans.span_id",
        columns.join(", ")
    )
}

/// `--dry-run`: how many traces and spans the export would write, and the bytes of their
/// attributes (the bulk of a file) as JSON.
pub fn build_export_estimate(tables: &TraceTables, f: &Filters) -> Result<Statement, CliError> {
    joined(tables, f, false, |from| {
        let payload = match tables {
            TraceTables::Otel { .. } => "octet_length(to_json(spans.attributes))".to_string(),
            TraceTables::Tags { .. } => "coalesce(octet_length(spans.inputs), 0) + coalesce(octet_length(spans.outputs), 0) + coalesce(octet_length(to_json(spans.tags)), 0)".to_string(),
        };
        format!(
            "SELECT count(DISTINCT spans.trace_id) AS traces, count(*) AS spans, coalesce(sum({payload}), 0) AS attribute_bytes\n{from}"
        )
    })
}

/// The spans joined to the per-trace selection, as `FROM … JOIN … AS traces`, wrapped by
/// `select`; with `with_info`, the `trace_info` CTE (the traces' tags and metadata) follows
/// the spans'.
fn joined(
    tables: &TraceTables,
    f: &Filters,
    with_info: bool,
    select: impl Fn(&str) -> String,
) -> Result<Statement, CliError> {
    let extra = match tables {
        TraceTables::Otel { version, .. } => extra_columns(*version),
        TraceTables::Tags { .. } => Vec::new(),
    };
    let PerTrace {
        prelude,
        select: traces,
        mut b,
        ..
    } = per_trace(tables, f, &extra)?;
    let from = match tables {
        TraceTables::Otel { .. } => {
            format!("FROM spans\nJOIN (\n{traces}\n) AS traces ON spans.trace_id = traces.trace_id")
        }
        TraceTables::Tags { table } => {
            // The same rows the trace selection scanned: its window, a day wider.
            let window = slack_window(&mut b, f);
            let scan = if window.is_empty() {
                String::new()
            } else {
                format!("\nWHERE {}", window.join(" AND "))
            };
            format!("FROM {table} AS spans\nJOIN (\n{traces}\n) AS traces ON spans.trace_id = traces.trace_id{scan}")
        }
    };
    let prelude = match tables {
        _ if prelude.is_empty() => String::new(),
        TraceTables::Otel {
            version,
            trace_info: Some(info),
            ..
        } if with_info => format!(
            "{prelude},\n{}\n",
            super::otel::trace_info_cte(&mut b, *version, info, f)
        ),
        _ => format!("{prelude}\n"),
    };
    Ok(Statement {
        sql: format!("{prelude}{}", select(&from)),
        parameters: b.parameters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2() -> TraceTables {
        TraceTables::Otel {
            version: OtelVersion::V2,
            spans: "`c`.`s`.`p_otel_spans`".into(),
            trace_info: Some("`c`.`s`.`p_otel_annotations`".into()),
        }
    }

    fn filters() -> Filters {
        Filters {
            user: Some("u' OR 1=1".into()),
            since: Some("2026-11-01T00:00:00Z".into()),
            until: Some("2026-11-02T00:00:00Z".into()),
            limit: 1,
            ..Filters::default()
        }
    }

    #[test]
    fn the_export_reads_whole_spans_of_the_traces_listed_oldest_first() {
        let s = build_export(&v2(), &filters()).unwrap();
        assert!(!s.sql.contains("u' OR"), "{}", s.sql);
        assert!(
            s.sql.contains("status.message AS status_message"),
            "{}",
            s.sql
        );
        assert!(s.sql.contains("GROUP BY trace_id"), "{}", s.sql);
        assert!(
            s.sql.contains("time >= :since - INTERVAL 1 DAY"),
            "{}",
            s.sql
        );
        assert!(
            s.sql.ends_with("ORDER BY traces.trace_start, spans.trace_id, spans.start_time_unix_nano, spans.span_id"),
            "{}",
            s.sql
        );
        assert!(!s.sql.contains("LIMIT"), "every trace: {}", s.sql);
        // The trace's tags and metadata, latest writes, on its root span's row.
        for needle in [
            "trace_info AS (\n  SELECT trace_id",
            "FROM `c`.`s`.`p_otel_annotations`",
            "LEFT JOIN trace_info ON spans.trace_id = trace_info.trace_id",
            "(created_at IS NULL OR created_at >= :since - INTERVAL 1 DAY)",
        ] {
            assert!(s.sql.contains(needle), "{needle} not in {}", s.sql);
        }
        let v1 = TraceTables::Otel {
            version: OtelVersion::V1,
            spans: "`c`.`s`.`mlflow_experiment_trace_otel_spans`".into(),
            trace_info: None,
        };
        let s = build_export(&v1, &Filters::default()).unwrap();
        assert!(
            s.sql.contains("CAST(NULL AS STRING) AS trace_tags"),
            "{}",
            s.sql
        );
        assert!(
            s.sql.contains("CAST(NULL AS STRING) AS service_name"),
            "{}",
            s.sql
        );
    }

    #[test]
    fn the_tags_export_scans_the_window_of_the_selection() {
        let tags = TraceTables::Tags {
            table: "`c`.`s`.`t`".into(),
        };
        let s = build_export(&tags, &filters()).unwrap();
        assert!(s.sql.contains("FROM `c`.`s`.`t` AS spans"), "{}", s.sql);
        assert!(
            s.sql.contains("WHERE start_time >= :since - INTERVAL 1 DAY AND start_time < :until + INTERVAL 1 DAY"),
            "{}",
            s.sql
        );
        let names: Vec<_> = s.parameters.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names.iter().filter(|n| **n == "since").count(),
            1,
            "{names:?}"
        );
        let e = build_export_estimate(&tags, &filters()).unwrap();
        assert!(
            e.sql
                .starts_with("SELECT count(DISTINCT spans.trace_id) AS traces"),
            "{}",
            e.sql
        );
    }
}
