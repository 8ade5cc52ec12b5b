//! The OpenTelemetry tables of a native trace location, in both layouts
//! (docs/native-trace-storage.md §3-§4; the statements are explained in docs/query.md).
//!
//! - Trace-level filters (`--user`, `--session`, each `--tag`, each `--attribute`) each select
//!   trace ids on their own, `trace_id IN (…)`; a trace matches when it meets all of them, even
//!   when the user sits on the root span and an attribute on a child span.
//! - User and session come from the root span's `user.id`/`session.id` (MLflow copies the
//!   trace metadata there) or from the trace metadata itself, so older traces match too.
//! - Trace tags live in the annotations table (V2, `TAG` rows) or the logs table (V1,
//!   `genai.trace.tag` events), deduplicated to the latest write, deletions honoured.
//! - V2 reads attributes by VARIANT path and filters time on `time` and `date`, the columns the
//!   tables are clustered on, so the warehouse can skip files. The trace selections scan the
//!   same window with a day of slack on each side: a trace that started up to a day before
//!   `--since` still matches by its root span (docs/query.md, "Time windows").
//! - V1 values written by older clients are JSON-encoded (`"prod"`): a value matches stored
//!   plain or encoded.

use super::{select_list, where_clause, Binder, Filters, Statement};
use crate::error::CliError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OtelVersion {
    /// Schema location: MAP attributes, logs table.
    V1,
    /// Table-prefix location: VARIANT attributes, `time`/`date`, annotations table.
    V2,
}

pub(super) const ROOT_SPAN: &str = "coalesce(parent_span_id, '') = ''";

/// Writes one statement for one layout.
pub(super) struct Writer<'a> {
    pub(super) version: OtelVersion,
    pub(super) spans: &'a str,
    trace_info: Option<&'a str>,
    pub(super) b: Binder,
    /// More columns for the spans' projection (`export` reads whole spans).
    pub(super) extra: Vec<String>,
}

pub fn build(
    version: OtelVersion,
    spans: &str,
    trace_info: Option<&str>,
    f: &Filters,
) -> Result<Statement, CliError> {
    let mut w = Writer::new(version, spans, trace_info);
    let (window, conditions) = w.span_conditions(f)?;
    let sql = format!(
        "{}\nSELECT {}\nFROM spans{}\nORDER BY start_time DESC, trace_id, span_id\nLIMIT {}",
        w.spans_cte(&window),
        select_list(&f.columns),
        where_clause(&conditions),
        f.limit
    );
    Ok(Statement {
        sql,
        parameters: w.b.parameters,
    })
}

impl<'a> Writer<'a> {
    pub(super) fn new(version: OtelVersion, spans: &'a str, trace_info: Option<&'a str>) -> Self {
        Writer {
            version,
            spans,
            trace_info,
            b: Binder::default(),
            extra: Vec::new(),
        }
    }

    /// The rows `query` selects: the scan's window (on the table's own columns) and the
    /// conditions on the spans (the trace selections and the span-level filters).
    pub(super) fn span_conditions(
        &mut self,
        f: &Filters,
    ) -> Result<(Vec<String>, Vec<String>), CliError> {
        let mut conditions = self.trace_selections(f)?;
        if let Some(span_type) = &f.span_type {
            let marker = self.b.bind("span_type", span_type, None);
            conditions.push(format!("span_type = {marker}"));
        }
        if let Some(name) = &f.name {
            let marker = self.b.bind("name", name, None);
            conditions.push(format!("span_name = {marker}"));
        }
        Ok((self.window(f, false), conditions))
    }

    /// `WITH spans AS (…)`: the spans table under the common column names, scanned with
    /// `scan` (conditions on the table's own columns, such as the time window).
    pub(super) fn spans_cte(&self, scan: &[String]) -> String {
        let scan_filter = if scan.is_empty() {
            String::new()
        } else {
            format!("\n  WHERE {}", scan.join("\n    AND "))
        };
        format!(
            "WITH spans AS (\n  SELECT {}\n  FROM {}{scan_filter}\n)",
            self.projection(),
            self.spans
        )
    }

    /// The columns every layout returns under the same names.
    pub(super) fn projection(&self) -> String {
        let (span_type, start_time) = match self.version {
            OtelVersion::V2 => (self.attribute("mlflow.spanType"), "time".to_string()),
            OtelVersion::V1 => (
                json_decoded(&self.attribute("mlflow.spanType")),
                "timestamp_micros(start_time_unix_nano DIV 1000)".to_string(),
            ),
        };
        [
            "trace_id".to_string(),
            "span_id".to_string(),
            "parent_span_id".to_string(),
            "name AS span_name".to_string(),
            format!("{span_type} AS span_type"),
            format!("{start_time} AS start_time"),
            "timestamp_micros(end_time_unix_nano DIV 1000) AS end_time".to_string(),
            format!("{} AS inputs", self.attribute("mlflow.spanInputs")),
            format!("{} AS outputs", self.attribute("mlflow.spanOutputs")),
            "status.code AS status_code".to_string(),
            "attributes".to_string(),
        ]
        .into_iter()
        .chain(self.extra.iter().cloned())
        .collect::<Vec<_>>()
        .join(",\n    ")
    }

    /// A span attribute whose key is a constant of this module (never user input).
    pub(super) fn attribute(&self, key: &'static str) -> String {
        debug_assert!(!key.contains('\''));
        match self.version {
            OtelVersion::V2 => format!("attributes:['{key}']::string"),
            OtelVersion::V1 => format!("attributes['{key}']"),
        }
    }

    /// `expr` equals `value`; on V1 also its JSON encoding, which older clients wrote.
    fn equals(&mut self, expr: &str, name: &str, value: &str) -> String {
        let plain = self.b.bind(name, value, None);
        match self.version {
            OtelVersion::V2 => format!("{expr} = {plain}"),
            OtelVersion::V1 => {
                let encoded = serde_json::Value::String(value.to_string()).to_string();
                let encoded = self.b.bind(&format!("{name}_json"), &encoded, None);
                format!("{expr} IN ({plain}, {encoded})")
            }
        }
    }

    /// Conditions on the span start. `slack` widens the window by a day on each side (for
    /// the trace selections: a trace's root span may start before `--since`).
    pub(super) fn window(&mut self, f: &Filters, slack: bool) -> Vec<String> {
        let mut conditions = Vec::new();
        if let Some(since) = &f.since {
            let t = self.b.bind("since", since, Some("TIMESTAMP"));
            conditions.extend(self.bound(&t, ">=", slack));
        }
        if let Some(until) = &f.until {
            let t = self.b.bind("until", until, Some("TIMESTAMP"));
            conditions.extend(self.bound(&t, "<", slack));
        }
        conditions
    }

    fn bound(&self, marker: &str, op: &str, slack: bool) -> Vec<String> {
        let lower = op == ">=";
        let time = match (slack, lower) {
            (false, _) => marker.to_string(),
            (true, true) => format!("{marker} - INTERVAL 1 DAY"),
            (true, false) => format!("{marker} + INTERVAL 1 DAY"),
        };
        match self.version {
            // `date` is derived from `time` by the writer, in a time zone the reader cannot
            // know: one more day of slack keeps the partition filter from dropping a row.
            OtelVersion::V2 => {
                let days = if slack { 2 } else { 1 };
                let date = if lower {
                    format!("date >= date_sub(CAST({marker} AS DATE), {days})")
                } else {
                    format!("date <= date_add(CAST({marker} AS DATE), {days})")
                };
                vec![format!("time {op} {time}"), date]
            }
            OtelVersion::V1 => vec![format!(
                "start_time_unix_nano {op} unix_micros({time}) * 1000"
            )],
        }
    }

    /// One `trace_id IN (…)` per trace-level filter.
    pub(super) fn trace_selections(&mut self, f: &Filters) -> Result<Vec<String>, CliError> {
        let mut selections = Vec::new();
        if let Some(user) = &f.user {
            selections.push(self.by_metadata(
                f,
                "--user",
                "user",
                "user.id",
                "mlflow.trace.user",
                user,
            )?);
        }
        if let Some(session) = &f.session {
            selections.push(self.by_metadata(
                f,
                "--session",
                "session",
                "session.id",
                "mlflow.trace.session",
                session,
            )?);
        }
        for (i, (key, value)) in f.tags.iter().enumerate() {
            selections.push(self.by_tag(i, key, value)?);
        }
        for (i, (key, value)) in f.attributes.iter().enumerate() {
            selections.push(self.by_attribute(f, i, key, value));
        }
        Ok(selections)
    }

    fn trace_info(&self, flag: &str) -> Result<&str, CliError> {
        let what = match self.version {
            OtelVersion::V1 => "logs",
            OtelVersion::V2 => "annotations",
        };
        self.trace_info.ok_or_else(|| {
            CliError::usage(format!(
                "{flag} reads the trace's {what} table, which cannot be told from {} (its name does not follow the location's naming): query the experiment instead of --table",
                self.spans
            ))
        })
    }

    /// Traces whose root span carries `span_key`, or whose metadata carries `metadata_key`.
    fn by_metadata(
        &mut self,
        f: &Filters,
        flag: &str,
        name: &str,
        span_key: &'static str,
        metadata_key: &'static str,
        value: &str,
    ) -> Result<String, CliError> {
        let info = self.trace_info(flag)?.to_string();
        let root_attribute = self.attribute(span_key);
        let on_root = self.equals(&root_attribute, name, value);
        let mut root_conditions = vec![ROOT_SPAN.to_string(), on_root];
        root_conditions.extend(self.window(f, true));
        let written = self.written_since(f);
        let metadata = match self.version {
            OtelVersion::V2 => {
                let field = format!("value:trace_metadata['{metadata_key}']::string");
                self.latest_state(
                    &info,
                    "annotation_type = 'METADATA'",
                    &written,
                    &field,
                    (name, value),
                )
            }
            OtelVersion::V1 => {
                let field = format!("from_json(coalesce(attributes['trace_metadata'], get_json_object(body, '$.trace_metadata')), 'map<string,string>')['{metadata_key}']");
                self.latest_state(
                    &info,
                    "event_name = 'genai.trace.metadata'",
                    &written,
                    &field,
                    (name, value),
                )
            }
        };
        Ok(format!(
            "trace_id IN (\n    SELECT trace_id FROM {}\n    WHERE {}\n    UNION ALL\n    {metadata}\n  )",
            self.spans,
            root_conditions.join("\n      AND ")
        ))
    }

    /// The metadata of a trace is written when the trace is: with `--since`, only metadata
    /// written from a day before it (the same slack as the root span) can belong to a trace
    /// with spans in the window. A row without the time is kept.
    fn written_since(&mut self, f: &Filters) -> Option<String> {
        written_since(&mut self.b, self.version, f)
    }

    /// The traces whose annotation (V2) or log event (V1) picked by `kind` and `extra` says
    /// `field` = `value` in its latest write, not deleted. The trace-info tables are
    /// append-only (docs/native-trace-storage.md §3): one struct `max_by` takes the value and
    /// the deletion from the same, latest row, and a deletion wins a tie.
    fn latest_state(
        &mut self,
        info: &str,
        kind: &str,
        extra: &Option<String>,
        field: &str,
        (name, value): (&str, &str),
    ) -> String {
        let (id, order, deleted) = match self.version {
            OtelVersion::V2 => (
                "target_id",
                "coalesce(updated_at, created_at)",
                "deleted_at IS NOT NULL".to_string(),
            ),
            OtelVersion::V1 => (
                "trace_id",
                "time_unix_nano",
                "coalesce(attributes['deleted'], get_json_object(body, '$.deleted'), 'false') IN ('true', '\"true\"')".to_string(),
            ),
        };
        let matches = self.equals("latest.value", name, value);
        let mut conditions = vec![kind.to_string()];
        conditions.extend(extra.iter().cloned());
        format!(
            "SELECT trace_id FROM (\n      SELECT {id} AS trace_id, max_by(named_struct('value', {field}, 'deleted', {deleted}), named_struct('at', {order}, 'deleted', {deleted})) AS latest\n      FROM {info}\n      WHERE {}\n      GROUP BY {id}\n    )\n    WHERE NOT latest.deleted AND {matches}",
            conditions.join("\n        AND ")
        )
    }

    /// Traces whose tag `key` is `value` now: the latest write of the tag, not deleted.
    fn by_tag(&mut self, i: usize, key: &str, value: &str) -> Result<String, CliError> {
        let info = self.trace_info("--tag")?.to_string();
        let key_name = format!("tag_key_{i}");
        let (kind, field) = match self.version {
            OtelVersion::V2 => {
                let key = self.b.bind(&key_name, key, None);
                (
                    format!("annotation_type = 'TAG' AND name = {key}"),
                    "value::string".to_string(),
                )
            }
            OtelVersion::V1 => {
                let field = |f: &str| {
                    format!("coalesce(attributes['{f}'], get_json_object(body, '$.{f}'))")
                };
                let key = self.equals(&field("key"), &key_name, key);
                (
                    format!("event_name = 'genai.trace.tag' AND {key}"),
                    field("value"),
                )
            }
        };
        let latest = self.latest_state(
            &info,
            &kind,
            &None,
            &field,
            (&format!("tag_value_{i}"), value),
        );
        Ok(format!("trace_id IN (\n    {latest}\n  )"))
    }

    /// Traces with a span whose attribute `key` is `value`.
    fn by_attribute(&mut self, f: &Filters, i: usize, key: &str, value: &str) -> String {
        let expr = match self.version {
            OtelVersion::V2 => {
                let path = self
                    .b
                    .bind(&format!("attribute_path_{i}"), &variant_path(key), None);
                format!("variant_get(attributes, {path}, 'string')")
            }
            OtelVersion::V1 => {
                let key = self.b.bind(&format!("attribute_key_{i}"), key, None);
                format!("attributes[{key}]")
            }
        };
        let mut conditions = vec![self.equals(&expr, &format!("attribute_value_{i}"), value)];
        conditions.extend(self.window(f, true));
        format!(
            "trace_id IN (\n    SELECT trace_id FROM {}\n    WHERE {}\n  )",
            self.spans,
            conditions.join("\n      AND ")
        )
    }
}

/// [`Writer::written_since`] on a binder of its own.
fn written_since(b: &mut Binder, version: OtelVersion, f: &Filters) -> Option<String> {
    let since = f.since.as_ref()?;
    let t = b.bind("since", since, Some("TIMESTAMP"));
    Some(match version {
        OtelVersion::V2 => format!("(created_at IS NULL OR created_at >= {t} - INTERVAL 1 DAY)"),
        OtelVersion::V1 => format!(
            "(time_unix_nano IS NULL OR time_unix_nano >= unix_micros({t} - INTERVAL 1 DAY) * 1000)"
        ),
    })
}

/// `trace_info AS (…)`: per trace, its tags (`trace_tags`, a JSON object) and its metadata
/// (`trace_metadata`, JSON text), each the latest write, a deleted tag left out, read from the
/// annotations (V2: `TAG` rows and the `METADATA` row) or logs (V1: `genai.trace.tag` and
/// `genai.trace.metadata` events) table, as `--tag` and `--user` read them
/// (docs/native-trace-storage.md §3).
pub(super) fn trace_info_cte(
    b: &mut Binder,
    version: OtelVersion,
    info: &str,
    f: &Filters,
) -> String {
    let (id, kind, key, value, order, deleted, tag, metadata) = match version {
        OtelVersion::V2 => (
            "target_id",
            "annotation_type",
            "name".to_string(),
            "CASE WHEN annotation_type = 'TAG' THEN value::string ELSE to_json(value) END"
                .to_string(),
            "coalesce(updated_at, created_at)",
            "deleted_at IS NOT NULL".to_string(),
            "'TAG'",
            "'METADATA'",
        ),
        OtelVersion::V1 => {
            let field = |name: &str| {
                format!("coalesce(attributes['{name}'], get_json_object(body, '$.{name}'))")
            };
            (
                "trace_id",
                "event_name",
                format!("coalesce({}, '')", field("key")),
                format!(
                    "CASE WHEN event_name = 'genai.trace.tag' THEN {} ELSE {} END",
                    field("value"),
                    field("trace_metadata")
                ),
                "time_unix_nano",
                format!(
                    "coalesce({}, 'false') IN ('true', '\"true\"')",
                    field("deleted")
                ),
                "'genai.trace.tag'",
                "'genai.trace.metadata'",
            )
        }
    };
    let mut conditions = vec![format!("{kind} IN ({tag}, {metadata})")];
    conditions.extend(written_since(b, version, f));
    format!(
        "trace_info AS (\n  SELECT trace_id,\n    to_json(map_from_entries(collect_list(CASE WHEN kind = {tag} AND NOT latest.deleted THEN named_struct('key', key, 'value', latest.value) END))) AS trace_tags,\n    max(CASE WHEN kind = {metadata} AND NOT latest.deleted THEN latest.value END) AS trace_metadata\n  FROM (\n    SELECT {id} AS trace_id, {kind} AS kind, {key} AS key,\n      max_by(named_struct('value', {value}, 'deleted', {deleted}), named_struct('at', {order}, 'deleted', {deleted})) AS latest\n    FROM {info}\n    WHERE {}\n    GROUP BY {id}, {kind}, {key}\n  ) AS writes\n  GROUP BY trace_id\n)",
        conditions.join("\n      AND ")
    )
}

/// The JSON path of a top-level key, for `variant_get`: `$['key']`, or `$["key"]` when the
/// key holds a single quote (`parse_attribute` refuses keys that hold both).
fn variant_path(key: &str) -> String {
    if key.contains('\'') {
        format!("$[\"{key}\"]")
    } else {
        format!("$['{key}']")
    }
}

/// A V1 value that older clients JSON-encoded (`"LLM"`), decoded; a plain value as it is.
pub(super) fn json_decoded(expr: &str) -> String {
    format!(
        "CASE WHEN {expr} LIKE '\"%\"' THEN get_json_object(concat('[', {expr}, ']'), '$[0]') ELSE {expr} END"
    )
}
