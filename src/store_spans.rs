//! `query`'s span rows from MLflow's trace store (docs/trace-store.md, "query"): which spans of
//! a trace match the span-level filters, in the order the tables give them, and the columns the
//! tables offer, as the same cells.

use serde_json::Value;

use crate::api::statements::Column;
use crate::api::traces::FullTrace;
use crate::error::{CliError, ExitCode};
use crate::output::rows::Row;
use crate::time::parse_timestamp_micros;
use crate::trace_query::{Filters, DEFAULT_COLUMNS};
use crate::trace_store::{span_attributes, span_row};

/// The columns a store query can return, with the type the tables give them (so every output
/// format types their cells as it does for the tables).
const COLUMNS: [(&str, &str); 11] = [
    ("trace_id", "STRING"),
    ("span_id", "STRING"),
    ("parent_span_id", "STRING"),
    ("span_name", "STRING"),
    ("span_type", "STRING"),
    ("start_time", "TIMESTAMP"),
    ("end_time", "TIMESTAMP"),
    ("inputs", "STRING"),
    ("outputs", "STRING"),
    ("status_code", "STRING"),
    ("attributes", "MAP"),
];

/// `--columns` (or the default columns) checked against what the store has.
pub fn columns(filters: &Filters) -> Result<Vec<Column>, CliError> {
    let names: Vec<&str> = match &filters.columns {
        Some(list) => list.iter().map(String::as_str).collect(),
        None => DEFAULT_COLUMNS.to_vec(),
    };
    names
        .iter()
        .map(|name| {
            let (_, type_name) = COLUMNS.iter().find(|(c, _)| c == name).ok_or_else(|| {
                CliError::new(
                    ExitCode::Usage,
                    format!(
                        "--columns {name} is not a column of MLflow's trace store; it has {}",
                        COLUMNS.map(|(c, _)| c).join(", ")
                    ),
                )
            })?;
            Ok(Column {
                name: name.to_string(),
                type_name: Some(type_name.to_string()),
                position: None,
            })
        })
        .collect()
}

/// The spans of `trace` that pass the span-level filters (`--span-type`, `--name`, `--since`,
/// `--until`), newest first (then by span id, as the tables order them), as rows of `columns`.
pub fn rows(trace: &FullTrace, filters: &Filters, columns: &[Column]) -> Vec<Row> {
    let mut spans = selected(trace, filters);
    spans.sort_by(|a, b| {
        b.1.start_micros
            .cmp(&a.1.start_micros)
            .then_with(|| a.1.span_id.cmp(&b.1.span_id))
    });
    spans
        .iter()
        .map(|(span, row)| {
            columns
                .iter()
                .map(|c| cell(&trace.trace_info.trace_id, span, row, &c.name))
                .collect()
        })
        .collect()
}

fn cell(
    trace_id: &str,
    span: &Value,
    row: &crate::output::waterfall::SpanRow,
    column: &str,
) -> Option<String> {
    match column {
        "trace_id" => Some(trace_id.to_string()),
        "span_id" => row.span_id.clone(),
        "parent_span_id" => row.parent_span_id.clone(),
        "span_name" => Some(row.name.clone()),
        "span_type" => row.span_type.clone(),
        "start_time" => Some(row.start_time.clone()).filter(|t| !t.is_empty()),
        "end_time" => row.end_time.clone(),
        "inputs" => row.inputs.clone(),
        "outputs" => row.outputs.clone(),
        "status_code" => row.status_code.clone(),
        "attributes" => Some(Value::Object(span_attributes(span)).to_string()),
        _ => None,
    }
}

/// The spans of `trace` that pass the span-level filters (`--span-type`, `--name`, the
/// window on their start), each with its waterfall row.
pub fn selected<'a>(
    trace: &'a FullTrace,
    filters: &Filters,
) -> Vec<(&'a Value, crate::output::waterfall::SpanRow)> {
    let since = filters.since.as_deref().and_then(parse_timestamp_micros);
    let until = filters.until.as_deref().and_then(parse_timestamp_micros);
    trace
        .spans
        .iter()
        .map(|s| (s, span_row(s)))
        .filter(|(_, row)| {
            let start = row.start_micros.unwrap_or(i64::MIN);
            filters
                .span_type
                .as_ref()
                .is_none_or(|t| row.span_type.as_ref() == Some(t))
                && filters.name.as_ref().is_none_or(|n| &row.name == n)
                && since.is_none_or(|s| start >= s)
                && until.is_none_or(|u| start < u)
        })
        .collect()
}
