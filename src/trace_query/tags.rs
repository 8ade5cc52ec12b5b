//! The `tags` layout: one row per span, each carrying its trace's `tags` map, so every filter
//! applies to rows (the notebook query this tool replaces).

use super::{select_list, where_clause, Binder, Filters, Statement};
use crate::error::CliError;

pub fn build(table: &str, f: &Filters) -> Result<Statement, CliError> {
    let mut b = Binder::default();
    let conditions = span_conditions(&mut b, f)?;
    let sql = format!(
        "SELECT {}\nFROM {table}{}\nORDER BY start_time DESC\nLIMIT {}",
        select_list(&f.columns),
        where_clause(&conditions),
        f.limit
    );
    Ok(Statement {
        sql,
        parameters: b.parameters,
    })
}

/// The rows `query` selects: the spans of the matching traces that pass the span-level
/// filters, in the window.
pub(super) fn span_conditions(b: &mut Binder, f: &Filters) -> Result<Vec<String>, CliError> {
    refuse_attributes(f)?;
    let mut conditions = trace_conditions(b, f);
    if let Some(span_type) = &f.span_type {
        conditions.push(format!(
            "span_type = {}",
            b.bind("span_type", span_type, None)
        ));
    }
    if let Some(name) = &f.name {
        conditions.push(format!("span_name = {}", b.bind("name", name, None)));
    }
    if let Some(since) = &f.since {
        conditions.push(format!(
            "start_time >= {}",
            b.bind("since", since, Some("TIMESTAMP"))
        ));
    }
    if let Some(until) = &f.until {
        conditions.push(format!(
            "start_time < {}",
            b.bind("until", until, Some("TIMESTAMP"))
        ));
    }
    Ok(conditions)
}

/// `--attribute` needs span attributes, which this layout does not have.
pub(super) fn refuse_attributes(f: &Filters) -> Result<(), CliError> {
    if f.attributes.is_empty() {
        Ok(())
    } else {
        Err(CliError::usage(
            "--attribute needs an OpenTelemetry spans table (--layout otel); the tags layout has no span attributes: use --tag",
        ))
    }
}

/// The trace-level filters (`--user`, `--session`, each `--tag`): every row carries its
/// trace's tags, so each is a condition on rows that selects whole traces.
pub(super) fn trace_conditions(b: &mut Binder, f: &Filters) -> Vec<String> {
    let mut conditions = Vec::new();
    if let Some(user) = &f.user {
        conditions.push(format!("tags['user_id'] = {}", b.bind("user", user, None)));
    }
    if let Some(session) = &f.session {
        conditions.push(format!(
            "tags['session_id'] = {}",
            b.bind("session", session, None)
        ));
    }
    for (i, (key, value)) in f.tags.iter().enumerate() {
        let key = b.bind(&format!("tag_key_{i}"), key, None);
        let value = b.bind(&format!("tag_value_{i}"), value, None);
        conditions.push(format!("tags[{key}] = {value}"));
    }
    conditions
}
