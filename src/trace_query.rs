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

fn build_tags(table_sql: &str, f: &Filters) -> Statement {
    let mut conditions = Vec::new();
    let mut parameters = Vec::new();
    if let Some(user) = &f.user {
        conditions.push("tags['user_id'] = :user".to_string());
        parameters.push(param("user", user, None));
    }
    if let Some(session) = &f.session {
        conditions.push("tags['session_id'] = :session".to_string());
        parameters.push(param("session", session, None));
    }
    for (i, (key, value)) in f.tags.iter().enumerate() {
        conditions.push(format!("tags[:tag_key_{i}] = :tag_value_{i}"));
        parameters.push(param(&format!("tag_key_{i}"), key, None));
        parameters.push(param(&format!("tag_value_{i}"), value, None));
    }
    if let Some(span_type) = &f.span_type {
        conditions.push("span_type = :span_type".to_string());
        parameters.push(param("span_type", span_type, None));
    }
    if let Some(name) = &f.name {
        conditions.push("span_name = :name".to_string());
        parameters.push(param("name", name, None));
    }
    time_conditions(f, "start_time", &mut conditions, &mut parameters);
    let sql = format!(
        "SELECT {}\nFROM {table_sql}{}\nORDER BY start_time DESC\nLIMIT {}",
        select_list(&f.columns),
        where_clause(&conditions),
        f.limit
    );
    Statement { sql, parameters }
}

fn time_conditions(
    f: &Filters,
    column: &str,
    conditions: &mut Vec<String>,
    parameters: &mut Vec<Parameter>,
) {
    if let Some(since) = &f.since {
        conditions.push(format!("{column} >= :since"));
        parameters.push(param("since", since, Some("TIMESTAMP")));
    }
    if let Some(until) = &f.until {
        conditions.push(format!("{column} < :until"));
        parameters.push(param("until", until, Some("TIMESTAMP")));
    }
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("\nWHERE {}", conditions.join("\n  AND "))
    }
}

/// The native layout keeps span attributes in one `attributes` column (MAP or VARIANT); user and
/// session ids sit on the root span, as `user.id` / `session.id` (newer MLflow) or
/// `mlflow.trace.user` / `mlflow.trace.session`; so those filters select whole traces.
fn build_otel(table_sql: &str, f: &Filters) -> Statement {
    let mut trace_conditions = Vec::new();
    let mut span_conditions = Vec::new();
    let mut parameters = Vec::new();
    if let Some(user) = &f.user {
        trace_conditions
            .push("(attrs['user.id'] = :user OR attrs['mlflow.trace.user'] = :user)".to_string());
        parameters.push(param("user", user, None));
    }
    if let Some(session) = &f.session {
        trace_conditions.push(
            "(attrs['session.id'] = :session OR attrs['mlflow.trace.session'] = :session)"
                .to_string(),
        );
        parameters.push(param("session", session, None));
    }
    for (i, (key, value)) in f.tags.iter().enumerate() {
        trace_conditions.push(format!("attrs[:tag_key_{i}] = :tag_value_{i}"));
        parameters.push(param(&format!("tag_key_{i}"), key, None));
        parameters.push(param(&format!("tag_value_{i}"), value, None));
    }
    if let Some(span_type) = &f.span_type {
        span_conditions.push("span_type = :span_type".to_string());
        parameters.push(param("span_type", span_type, None));
    }
    if let Some(name) = &f.name {
        span_conditions.push("span_name = :name".to_string());
        parameters.push(param("name", name, None));
    }
    time_conditions(f, "start_time", &mut span_conditions, &mut parameters);
    if !trace_conditions.is_empty() {
        span_conditions.insert(
            0,
            format!(
                "trace_id IN (SELECT trace_id FROM spans WHERE {})",
                trace_conditions.join(" AND ")
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
        where_clause(&span_conditions),
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
