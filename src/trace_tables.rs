//! Which tables a trace query reads, and whether their columns are what each layout needs.
//!
//! A native location names its layout by its path (3 parts: table prefix, "V2"; 2 parts:
//! schema, "V1"); a table given with `--table` is told by its columns, which the Unity Catalog
//! tables API lists (docs/native-trace-storage.md §3, docs/databricks-api.md §3).

use serde::Serialize;

use crate::api::unity_catalog::{self, ColumnInfo};
use crate::destination::Destination;
use crate::error::CliError;
use crate::http::Client;
use crate::trace_location::{
    NativeLayout, NativeLocation, PREFIX_SPANS_SUFFIX, SCHEMA_LAYOUT_LOGS, SCHEMA_LAYOUT_SPANS,
};
use crate::trace_query::{OtelVersion, TraceTables};

/// What a table's columns say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// The table the destination tags name (a `tags` map column).
    Tags,
    /// An OpenTelemetry spans table.
    OtelSpans(OtelVersion),
}

/// The columns each kind needs, with the type each must have (`None`: any), as Unity Catalog
/// names types (`ColumnTypeName`: `LONG` is BIGINT).
fn required(kind: TableKind) -> Vec<(&'static str, Option<&'static str>)> {
    let spans_common = [
        ("trace_id", Some("STRING")),
        ("span_id", Some("STRING")),
        ("parent_span_id", Some("STRING")),
        ("name", Some("STRING")),
        ("start_time_unix_nano", Some("LONG")),
        ("end_time_unix_nano", Some("LONG")),
        ("status", Some("STRUCT")),
    ];
    match kind {
        TableKind::Tags => vec![
            ("trace_id", None),
            ("span_name", None),
            ("span_type", None),
            ("start_time", None),
            ("end_time", None),
            ("inputs", None),
            ("outputs", None),
            ("tags", Some("MAP")),
        ],
        TableKind::OtelSpans(OtelVersion::V1) => {
            let mut columns = spans_common.to_vec();
            columns.push(("attributes", Some("MAP")));
            columns
        }
        TableKind::OtelSpans(OtelVersion::V2) => {
            let mut columns = spans_common.to_vec();
            columns.extend([
                ("attributes", Some("VARIANT")),
                ("time", Some("TIMESTAMP")),
                ("date", Some("DATE")),
            ]);
            columns
        }
    }
}

fn type_of(columns: &[ColumnInfo], name: &str) -> Option<String> {
    columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name))
        .map(ColumnInfo::type_name)
}

/// Tells the kind of a table from its columns: the type of `attributes`, or a `tags` column.
pub fn kind_of(columns: &[ColumnInfo]) -> Option<TableKind> {
    match type_of(columns, "attributes").as_deref() {
        Some("VARIANT") => Some(TableKind::OtelSpans(OtelVersion::V2)),
        Some("MAP") => Some(TableKind::OtelSpans(OtelVersion::V1)),
        _ if type_of(columns, "tags").is_some() => Some(TableKind::Tags),
        _ => None,
    }
}

/// The columns `kind` needs that are missing or of another type, described for a person.
pub fn column_problems(kind: TableKind, columns: &[ColumnInfo]) -> Vec<String> {
    required(kind)
        .into_iter()
        .filter_map(
            |(name, want)| match (type_of(columns, name).as_deref(), want) {
                (None, _) => Some(format!("no column {name}")),
                (Some(have), Some(want)) if have != want => {
                    Some(format!("{name} is {have}, not {want}"))
                }
                _ => None,
            },
        )
        .collect()
}

/// The tables of a native location, read in its own layout.
pub fn native_tables(location: &NativeLocation) -> Result<TraceTables, CliError> {
    let version = match location.layout {
        NativeLayout::TablePrefix => OtelVersion::V2,
        NativeLayout::Schema => OtelVersion::V1,
    };
    let trace_info = match version {
        OtelVersion::V2 => location.annotations_table.as_deref(),
        OtelVersion::V1 => Some(location.logs_table.as_str()),
    };
    Ok(TraceTables::Otel {
        version,
        spans: server_named(&location.spans_table)?,
        trace_info: trace_info.map(server_named).transpose()?,
    })
}

/// A table name that came from the server: a bad one is a bad response (exit 1), not bad input.
fn server_named(full_name: &str) -> Result<String, CliError> {
    Destination::parse_full_name("the native trace table", full_name)
        .map(|d| d.sql_name())
        .map_err(|e| {
            CliError::new(
                crate::error::ExitCode::Failure,
                format!(
                    "the experiment names an unusable native trace table: {}",
                    e.message
                ),
            )
        })
}

/// The tables for `--table`, read as `kind`: the trace-info table follows the location's
/// naming (`<prefix>_otel_annotations` beside `<prefix>_otel_spans`; the schema's logs table
/// beside `mlflow_experiment_trace_otel_spans`), and is unknown otherwise.
pub fn flag_tables(table: &Destination, kind: TableKind) -> TraceTables {
    let sibling = |name: String| {
        Destination {
            catalog: table.catalog.clone(),
            schema: table.schema.clone(),
            table: name,
        }
        .sql_name()
    };
    match kind {
        TableKind::Tags => TraceTables::Tags {
            table: table.sql_name(),
        },
        TableKind::OtelSpans(version) => {
            let trace_info = match version {
                OtelVersion::V2 => table
                    .table
                    .strip_suffix(PREFIX_SPANS_SUFFIX)
                    .filter(|p| !p.is_empty())
                    .map(|p| sibling(format!("{p}_otel_annotations"))),
                OtelVersion::V1 => (table.table == SCHEMA_LAYOUT_SPANS)
                    .then(|| sibling(SCHEMA_LAYOUT_LOGS.to_string())),
            };
            TraceTables::Otel {
                version,
                spans: table.sql_name(),
                trace_info,
            }
        }
    }
}

/// What Unity Catalog says of one table of a native location.
#[derive(Debug, Clone, Serialize)]
pub struct TableCheck {
    /// `spans`, `logs`, `annotations` or `metrics`.
    pub role: &'static str,
    pub name: String,
    /// `None` when Unity Catalog could not be asked (see `error`).
    pub exists: Option<bool>,
    /// For the spans table: the columns its layout needs that are missing or of another type.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Asks Unity Catalog about every table of `location`, all at once; checks the spans table's
/// columns against the location's layout.
pub async fn check_tables(client: &Client, location: &NativeLocation) -> Vec<TableCheck> {
    let spans_kind = TableKind::OtelSpans(match location.layout {
        NativeLayout::TablePrefix => OtelVersion::V2,
        NativeLayout::Schema => OtelVersion::V1,
    });
    let checks = location
        .tables()
        .into_iter()
        .map(|(role, name)| async move {
            let answer = unity_catalog::get_table_by_full_name(client, name).await;
            let (exists, problems, error) = match answer {
                Ok(Some(info)) if role == "spans" => {
                    (Some(true), column_problems(spans_kind, &info.columns), None)
                }
                Ok(found) => (Some(found.is_some()), Vec::new(), None),
                Err(e) => (None, Vec::new(), Some(e.to_string())),
            };
            TableCheck {
                role,
                name: name.to_string(),
                exists,
                problems,
                error,
            }
        });
    futures::future::join_all(checks).await
}

/// One line for people about the checked tables, and whether it is a problem.
pub fn summarize(checks: &[TableCheck]) -> (TableVerdict, String) {
    let spans = checks.iter().find(|c| c.role == "spans");
    if let Some(c) = checks.iter().find(|c| c.error.is_some()) {
        return (
            TableVerdict::Unknown,
            format!(
                "could not read {} from Unity Catalog: {}",
                c.name,
                c.error.as_deref().unwrap_or_default()
            ),
        );
    }
    if let Some(s) = spans.filter(|s| !s.problems.is_empty()) {
        return (
            TableVerdict::Wrong,
            format!(
                "{} does not have the columns of its layout: {}",
                s.name,
                s.problems.join("; ")
            ),
        );
    }
    let missing: Vec<&str> = checks
        .iter()
        .filter(|c| c.exists == Some(false))
        .map(|c| c.name.as_str())
        .collect();
    if !missing.is_empty() {
        return (
            TableVerdict::Missing,
            format!(
                "not found in Unity Catalog (or not visible to you): {}",
                missing.join(", ")
            ),
        );
    }
    (
        TableVerdict::Ok,
        format!(
            "{} exist; the spans table's columns check out",
            checks.iter().map(|c| c.role).collect::<Vec<_>>().join(", ")
        ),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableVerdict {
    Ok,
    Missing,
    Wrong,
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(spec: &[(&str, &str)]) -> Vec<ColumnInfo> {
        spec.iter()
            .map(|(n, t)| ColumnInfo {
                name: n.to_string(),
                type_name: Some(t.to_string()),
                type_text: None,
            })
            .collect()
    }

    fn v2_columns() -> Vec<ColumnInfo> {
        columns(&[
            ("record_id", "STRING"),
            ("time", "TIMESTAMP"),
            ("date", "DATE"),
            ("trace_id", "STRING"),
            ("span_id", "STRING"),
            ("parent_span_id", "STRING"),
            ("name", "STRING"),
            ("start_time_unix_nano", "BIGINT"),
            ("end_time_unix_nano", "BIGINT"),
            ("attributes", "VARIANT"),
            ("status", "STRUCT"),
        ])
    }

    #[test]
    fn kinds_from_columns() {
        let v2 = v2_columns();
        assert_eq!(kind_of(&v2), Some(TableKind::OtelSpans(OtelVersion::V2)));
        assert!(column_problems(TableKind::OtelSpans(OtelVersion::V2), &v2).is_empty());
        // The same table read as V1: its attributes are not a MAP.
        assert_eq!(
            column_problems(TableKind::OtelSpans(OtelVersion::V1), &v2),
            ["attributes is VARIANT, not MAP"]
        );
        let tags = columns(&[("trace_id", "STRING"), ("tags", "MAP")]);
        assert_eq!(kind_of(&tags), Some(TableKind::Tags));
        assert!(
            column_problems(TableKind::Tags, &tags).contains(&"no column span_name".to_string())
        );
        assert_eq!(kind_of(&columns(&[("x", "INT")])), None);
    }

    #[test]
    fn sibling_tables_follow_the_naming() {
        let t = |name: &str| Destination::parse_full_name("--table", name).unwrap();
        let v2 = flag_tables(
            &t("c.s.p_otel_spans"),
            TableKind::OtelSpans(OtelVersion::V2),
        );
        assert_eq!(
            v2,
            TraceTables::Otel {
                version: OtelVersion::V2,
                spans: "`c`.`s`.`p_otel_spans`".into(),
                trace_info: Some("`c`.`s`.`p_otel_annotations`".into()),
            }
        );
        let v1 = flag_tables(
            &t("c.s.mlflow_experiment_trace_otel_spans"),
            TableKind::OtelSpans(OtelVersion::V1),
        );
        assert!(
            matches!(v1, TraceTables::Otel { trace_info: Some(ref l), .. } if l == "`c`.`s`.`mlflow_experiment_trace_otel_logs`")
        );
        let other = flag_tables(&t("c.s.spans_copy"), TableKind::OtelSpans(OtelVersion::V2));
        assert!(matches!(
            other,
            TraceTables::Otel {
                trace_info: None,
                ..
            }
        ));
    }
}
