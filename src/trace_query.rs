//! The trace queries `tracecfg query` runs, built from filters. User values only ever travel as
//! named parameters; identifiers are validated and backtick-quoted; the limit is a parsed number.
//!
//! Two table layouts: `tags` (the table the destination tags name, with the columns of the
//! notebook query this tool replaces) and `otel` (the spans table of a native Unity Catalog trace
//! location; columns in docs/research-trace-location.md §4).

use crate::api::statements::Parameter;
use crate::destination::quote;
use crate::error::CliError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// The table named by the mlflow.tracing.destination.* tags
    Tags,
    /// The OpenTelemetry spans table of a native Unity Catalog trace location
    Otel,
}

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub user: Option<String>,
    pub session: Option<String>,
    pub tags: Vec<(String, String)>,
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

/// Parses `--tag KEY=VALUE`.
pub fn parse_tag(text: &str) -> Result<(String, String), CliError> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(CliError::usage(format!(
            "--tag {} must be KEY=VALUE with a non-empty KEY",
            crate::destination::shown(text)
        ))),
    }
}

/// Parses `--columns a,b,c`: each a column name that can be backtick-quoted safely.
pub fn parse_columns(text: &str) -> Result<Vec<String>, CliError> {
    text.split(',')
        .map(|c| {
            let c = c.trim();
            if c.is_empty() || c.len() > 255 || c.contains('`') || c.chars().any(char::is_control) {
                Err(CliError::usage(format!(
                    "--columns {} must be a comma-separated list of column names (no empty names, backticks or control characters)",
                    crate::destination::shown(text)
                )))
            } else {
                Ok(c.to_string())
            }
        })
        .collect()
}

fn param(name: &str, value: &str, type_name: Option<&str>) -> Parameter {
    Parameter {
        name: name.to_string(),
        value: Some(value.to_string()),
        type_name: type_name.map(str::to_string),
    }
}

/// Builds the query for `table` (already backtick-quoted per part).
pub fn build(layout: Layout, table_sql: &str, filters: &Filters) -> Statement {
    match layout {
        Layout::Tags => build_tags(table_sql, filters),
        Layout::Otel => build_otel(table_sql, filters),
    }
}

fn select_list(columns: &Option<Vec<String>>) -> String {
    match columns {
        Some(cols) => cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "),
        None => DEFAULT_COLUMNS.join(", "),
    }
}

/// Conditions on whole traces (user, session, tags) and on single spans (type, name, time), with
/// their parameters, written for `layout`.
struct Conditions {
    trace: Vec<String>,
    span: Vec<String>,
    parameters: Vec<Parameter>,
}

fn conditions(layout: Layout, f: &Filters) -> Conditions {
    // Where each layout keeps the trace-level fields (see the module comment).
    let (user, session, map) = match layout {
        Layout::Tags => (
            "tags['user_id'] = :user",
            "tags['session_id'] = :session",
            "tags",
        ),
        Layout::Otel => (
            "(attrs['user.id'] = :user OR attrs['mlflow.trace.user'] = :user)",
            "(attrs['session.id'] = :session OR attrs['mlflow.trace.session'] = :session)",
            "attrs",
        ),
    };
    let mut c = Conditions {
        trace: Vec::new(),
        span: Vec::new(),
        parameters: Vec::new(),
    };
    if let Some(value) = &f.user {
        c.trace.push(user.to_string());
        c.parameters.push(param("user", value, None));
    }
    if let Some(value) = &f.session {
        c.trace.push(session.to_string());
        c.parameters.push(param("session", value, None));
    }
    for (i, (key, value)) in f.tags.iter().enumerate() {
        c.trace
            .push(format!("{map}[:tag_key_{i}] = :tag_value_{i}"));
        c.parameters.push(param(&format!("tag_key_{i}"), key, None));
        c.parameters
            .push(param(&format!("tag_value_{i}"), value, None));
    }
    if let Some(value) = &f.span_type {
        c.span.push("span_type = :span_type".to_string());
        c.parameters.push(param("span_type", value, None));
    }
    if let Some(value) = &f.name {
        c.span.push("span_name = :name".to_string());
        c.parameters.push(param("name", value, None));
    }
    if let Some(value) = &f.since {
        c.span.push("start_time >= :since".to_string());
        c.parameters.push(param("since", value, Some("TIMESTAMP")));
    }
    if let Some(value) = &f.until {
        c.span.push("start_time < :until".to_string());
        c.parameters.push(param("until", value, Some("TIMESTAMP")));
    }
    c
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("\nWHERE {}", conditions.join("\n  AND "))
    }
}

/// In the tags layout every row carries its trace's tags: all conditions apply to rows.
fn build_tags(table_sql: &str, f: &Filters) -> Statement {
    let Conditions {
        mut trace,
        span,
        parameters,
    } = conditions(Layout::Tags, f);
    trace.extend(span);
    let sql = format!(
        "SELECT {}\nFROM {table_sql}{}\nORDER BY start_time DESC\nLIMIT {}",
        select_list(&f.columns),
        where_clause(&trace),
        f.limit
    );
    Statement { sql, parameters }
}

/// The native layout keeps span attributes in one `attributes` column (MAP or VARIANT); user and
/// session ids sit on the root span, as `user.id` / `session.id` (newer MLflow) or
/// `mlflow.trace.user` / `mlflow.trace.session`; so those filters select whole traces.
fn build_otel(table_sql: &str, f: &Filters) -> Statement {
    let Conditions {
        trace,
        mut span,
        parameters,
    } = conditions(Layout::Otel, f);
    if !trace.is_empty() {
        span.insert(
            0,
            format!(
                "trace_id IN (SELECT trace_id FROM spans WHERE {})",
                trace.join(" AND ")
            ),
        );
    }
    let sql = format!(
        "WITH spans AS (\n  SELECT *, from_json(to_json(attributes), 'map<string,string>') AS attrs\n  FROM {table_sql}\n),\n\
         projected AS (\n  SELECT trace_id, span_id, parent_span_id, name AS span_name,\n    \
         trim(BOTH '\"' FROM attrs['mlflow.spanType']) AS span_type,\n    \
         timestamp_micros(start_time_unix_nano DIV 1000) AS start_time,\n    \
         timestamp_micros(end_time_unix_nano DIV 1000) AS end_time,\n    \
         attrs['mlflow.spanInputs'] AS inputs, attrs['mlflow.spanOutputs'] AS outputs, attrs\n  FROM spans\n)\n\
         SELECT {}\nFROM projected{}\nORDER BY start_time DESC\nLIMIT {}",
        select_list(&f.columns),
        where_clause(&span),
        f.limit
    );
    Statement { sql, parameters }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile() -> Filters {
        Filters {
            user: Some("x' OR '1'='1".into()),
            session: Some("s\"; DROP TABLE t; --".into()),
            tags: vec![("k'`".into(), "v'".into())],
            span_type: Some("LLM".into()),
            name: Some("n".into()),
            since: Some("2026-11-01T00:00:00Z".into()),
            until: None,
            limit: 50,
            columns: None,
        }
    }

    #[test]
    fn user_values_never_reach_the_sql_text() {
        for layout in [Layout::Tags, Layout::Otel] {
            let s = build(layout, "`main`.`agents`.`t`", &hostile());
            for needle in ["x' OR", "DROP TABLE", "k'`", "v'", "2026-11-01"] {
                assert!(!s.sql.contains(needle), "{layout:?}: {needle} in {}", s.sql);
            }
            let names: Vec<_> = s.parameters.iter().map(|p| p.name.as_str()).collect();
            for n in [
                "user",
                "session",
                "tag_key_0",
                "tag_value_0",
                "span_type",
                "name",
                "since",
            ] {
                assert!(names.contains(&n), "{layout:?} lacks {n}");
                assert!(s.sql.contains(&format!(":{n}")), "{layout:?}: :{n} unused");
            }
            assert!(s.sql.ends_with("LIMIT 50"));
        }
    }

    #[test]
    fn tags_layout_is_the_notebook_query() {
        let f = Filters {
            user: Some("user123".into()),
            limit: 100,
            ..Default::default()
        };
        let s = build(Layout::Tags, "`main`.`agents`.`agent_traces`", &f);
        assert_eq!(
            s.sql,
            "SELECT trace_id, span_name, span_type, start_time, end_time, inputs, outputs\nFROM `main`.`agents`.`agent_traces`\nWHERE tags['user_id'] = :user\nORDER BY start_time DESC\nLIMIT 100"
        );
        assert_eq!(s.parameters[0].value.as_deref(), Some("user123"));
    }

    #[test]
    fn columns_and_tags_parse() {
        assert_eq!(parse_columns("a, b").unwrap(), vec!["a", "b"]);
        assert!(parse_columns("a,,b").is_err());
        assert!(parse_columns("a`b").is_err());
        assert_eq!(parse_tag("k=v=w").unwrap(), ("k".into(), "v=w".into()));
        assert!(parse_tag("=v").is_err());
        assert!(parse_tag("novalue").is_err());
        let s = build(
            Layout::Tags,
            "t",
            &Filters {
                columns: Some(vec!["a b".into()]),
                limit: 1,
                ..Default::default()
            },
        );
        assert!(s.sql.starts_with("SELECT `a b`\n"));
    }
}
