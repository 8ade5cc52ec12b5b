//! The trace queries `tracecfg query` runs, built from filters. User values only ever travel as
//! named parameters; identifiers are validated and backtick-quoted; the limit is a parsed number.
//!
//! Three table layouts (docs/native-trace-storage.md §3, docs/query.md):
//! - `tags`: the table the destination tags name, with the columns of the notebook query this
//!   tool replaces; every row carries its trace's `tags` map.
//! - OpenTelemetry tables of a native location, schema layout ("V1", [`otel`]): spans with MAP
//!   attributes, trace tags and metadata as events in the logs table.
//! - OpenTelemetry tables, table-prefix layout ("V2", [`otel`]): spans with VARIANT attributes
//!   and `time`/`date` columns, trace tags and metadata in the annotations table.

mod export;
mod otel;
mod stats;
mod tags;
mod traces;

use crate::api::statements::Parameter;
use crate::error::CliError;

pub use export::{build_export, build_export_estimate};
pub use otel::OtelVersion;
pub use stats::build_stats;
pub use traces::{build_list, build_spans};

/// `--layout`: which kind of table the query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutChoice {
    /// The table named by the mlflow.tracing.destination.* tags
    Tags,
    /// The OpenTelemetry tables of a native location; V1 or V2 told from the location or columns
    Otel,
    /// OpenTelemetry tables of a schema location (MAP attributes, logs table)
    OtelV1,
    /// OpenTelemetry tables of a table-prefix location (VARIANT attributes, annotations table)
    OtelV2,
}

/// The tables a query reads, as backtick-quoted SQL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceTables {
    Tags {
        table: String,
    },
    Otel {
        version: OtelVersion,
        spans: String,
        /// The logs table (V1) or the annotations table (V2), where trace tags and metadata
        /// live; `None` when it cannot be known (a `--table` named against the convention).
        trace_info: Option<String>,
    },
}

impl TraceTables {
    /// The table `:table` stands for in raw SQL.
    pub fn main_table(&self) -> &str {
        match self {
            TraceTables::Tags { table } => table,
            TraceTables::Otel { spans, .. } => spans,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub user: Option<String>,
    pub session: Option<String>,
    /// MLflow trace tags.
    pub tags: Vec<(String, String)>,
    /// Span attributes (OpenTelemetry layouts).
    pub attributes: Vec<(String, String)>,
    pub span_type: Option<String>,
    pub name: Option<String>,
    /// RFC 3339 timestamps.
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: u64,
    pub columns: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: String,
    pub parameters: Vec<Parameter>,
}

pub const DEFAULT_COLUMNS: [&str; 7] = [
    "trace_id",
    "span_name",
    "span_type",
    "start_time",
    "end_time",
    "inputs",
    "outputs",
];

/// The trace filters as typed on the command line (`query` and `traces` take the same).
pub struct FilterFlags<'a> {
    pub user: &'a Option<String>,
    pub session: &'a Option<String>,
    pub tags: &'a [String],
    pub attributes: &'a [String],
    pub span_type: &'a Option<String>,
    pub name: &'a Option<String>,
    pub since: &'a Option<String>,
    pub until: &'a Option<String>,
}

/// Spans start at or after `--since` and before `--until`: a window that ends where or before it
/// starts selects nothing, which is a mistake in the flags, not a query to run.
fn reject_empty_window(since: Option<&str>, until: Option<&str>) -> Result<(), CliError> {
    let (Some(since), Some(until)) = (since, until) else {
        return Ok(());
    };
    match (
        crate::time::parse_timestamp(since),
        crate::time::parse_timestamp(until),
    ) {
        (Some(from), Some(to)) if from >= to => Err(CliError::usage(format!(
            "--since {since} is not earlier than --until {until}: the time window is empty"
        ))),
        _ => Ok(()),
    }
}

impl FilterFlags<'_> {
    /// Checks and parses the flags; `--since`/`--until` durations count back from `now`.
    pub fn parse(
        &self,
        now: std::time::SystemTime,
        limit: u64,
        columns: Option<Vec<String>>,
    ) -> Result<Filters, CliError> {
        let bound = |flag: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| {
                    crate::time::parse_time_bound(v, now)
                        .map_err(|why| CliError::usage(format!("{flag} {why}")))
                })
                .transpose()
        };
        let since = bound("--since", self.since)?;
        let until = bound("--until", self.until)?;
        reject_empty_window(since.as_deref(), until.as_deref())?;
        Ok(Filters {
            user: self.user.clone(),
            session: self.session.clone(),
            tags: self
                .tags
                .iter()
                .map(|t| parse_tag(t))
                .collect::<Result<_, _>>()?,
            attributes: self
                .attributes
                .iter()
                .map(|t| parse_attribute(t))
                .collect::<Result<_, _>>()?,
            span_type: self.span_type.clone(),
            name: self.name.clone(),
            since,
            until,
            limit,
            columns,
        })
    }
}

/// Parses `--tag KEY=VALUE` / `--attribute KEY=VALUE`.
pub fn parse_key_value(flag: &str, text: &str) -> Result<(String, String), CliError> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(CliError::usage(format!(
            "{flag} {} must be KEY=VALUE with a non-empty KEY",
            crate::display::shown(text)
        ))),
    }
}

/// Parses `--tag KEY=VALUE`.
pub fn parse_tag(text: &str) -> Result<(String, String), CliError> {
    parse_key_value("--tag", text)
}

/// Parses `--attribute KEY=VALUE`. The key travels inside a JSON path on the V2 layout, so it
/// may not hold both kinds of quote nor a backslash.
pub fn parse_attribute(text: &str) -> Result<(String, String), CliError> {
    let (key, value) = parse_key_value("--attribute", text)?;
    if key.contains('\\')
        || (key.contains('\'') && key.contains('"'))
        || key.chars().any(char::is_control)
    {
        return Err(CliError::usage(format!(
            "--attribute {} has a KEY with a backslash, a control character or both kinds of quote, which no attribute path can name",
            crate::display::shown(text)
        )));
    }
    Ok((key, value))
}

/// Parses `--columns a,b,c`: each a column name that can be backtick-quoted safely.
pub fn parse_columns(text: &str) -> Result<Vec<String>, CliError> {
    text.split(',')
        .map(|c| {
            let c = c.trim();
            if c.is_empty() || c.len() > 255 || c.contains('`') || c.chars().any(char::is_control) {
                Err(CliError::usage(format!(
                    "--columns {} must be a comma-separated list of column names (no empty names, backticks or control characters)",
                    crate::display::shown(text)
                )))
            } else {
                Ok(c.to_string())
            }
        })
        .collect()
}

/// Builds the query over `tables`. Fails (a usage error) when a filter needs what the layout
/// does not have: span attributes on the tags layout, or a trace-info table nobody named.
pub fn build(tables: &TraceTables, filters: &Filters) -> Result<Statement, CliError> {
    match tables {
        TraceTables::Tags { table } => tags::build(table, filters),
        TraceTables::Otel {
            version,
            spans,
            trace_info,
        } => otel::build(*version, spans, trace_info.as_deref(), filters),
    }
}

/// Collects named parameters while a statement is written; each `bind` returns the marker.
#[derive(Default)]
struct Binder {
    parameters: Vec<Parameter>,
}

impl Binder {
    /// A name bound again (`:since` in several conditions) must carry the same value.
    fn bind(&mut self, name: &str, value: &str, type_name: Option<&str>) -> String {
        if let Some(bound) = self.parameters.iter().find(|p| p.name == name) {
            debug_assert_eq!(bound.value.as_deref(), Some(value), ":{name} bound twice");
        } else {
            self.parameters.push(Parameter {
                name: name.to_string(),
                value: Some(value.to_string()),
                type_name: type_name.map(str::to_string),
            });
        }
        format!(":{name}")
    }
}

fn select_list(columns: &Option<Vec<String>>) -> String {
    match columns {
        Some(cols) => cols
            .iter()
            .map(|c| crate::uc_names::quote(c))
            .collect::<Vec<_>>()
            .join(", "),
        None => DEFAULT_COLUMNS.join(", "),
    }
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("\nWHERE {}", conditions.join("\n  AND "))
    }
}

#[cfg(test)]
mod tests;
