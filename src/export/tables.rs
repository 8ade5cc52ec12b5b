//! The export statement's rows (`trace_query::build_export`) as traces: a row sink, on the
//! result writer's thread, that gathers a trace's rows (they arrive together, traces oldest
//! first), turns them into an [`ExportTrace`] once the next trace begins, and writes it to the
//! day files. Only one trace's rows are held at a time.

use std::sync::{Arc, Mutex};

use anyhow::Result;
use serde_json::{json, Map, Value};

use super::files::{render, DayFiles, Rendered, Written};
use super::manifest::Manifest;
use super::otlp::any_value_of;
use super::{Attribute, ExportEvent, ExportSpan, ExportTrace};
use crate::api::statements::Column;
use crate::http::HttpError;
use crate::output::rows::{Row, RowSink};
use crate::time::parse_timestamp_micros;
use crate::trace_query::OtelVersion;
use crate::trace_store::{id_hex, SPAN_INPUTS, SPAN_OUTPUTS, SPAN_TYPE};

/// How the rows of a layout read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLayout {
    Otel(OtelVersion),
    Tags,
}

/// What the sink leaves once the statement's rows are all written.
pub type Finished = Arc<Mutex<Option<(Manifest, Written)>>>;

pub struct TraceRows {
    shape: RowShape,
    current: Vec<Row>,
    files: Option<DayFiles>,
    finished: Finished,
}

/// How the rows read: the layout and the result's columns.
struct RowShape {
    layout: RowLayout,
    columns: Vec<String>,
}

impl TraceRows {
    pub fn new(layout: RowLayout, files: DayFiles, finished: Finished) -> TraceRows {
        TraceRows {
            shape: RowShape {
                layout,
                columns: Vec::new(),
            },
            current: Vec::new(),
            files: Some(files),
            finished,
        }
    }

    /// Writes whole traces (each its rows), their lines rendered on several threads and
    /// written in order.
    fn write_traces(&mut self, traces: Vec<Vec<Row>>) -> Result<()> {
        if traces.is_empty() {
            return Ok(());
        }
        let files = self.files.as_mut().expect("rows arrive before finish");
        let format = files.format();
        let shape = &self.shape;
        let rendered = in_parallel(&traces, |rows| -> Result<Rendered> {
            let trace = shape.trace(rows)?;
            Ok(render(format, &trace)?)
        });
        for line in rendered {
            files.write_rendered(&line?)?;
        }
        Ok(())
    }
}

/// `f` of each item, in order, the items split among the machine's cores (at most 8 threads,
/// and only for enough items to be worth a thread).
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const AT_LEAST: usize = 64;
    let cores = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let threads = cores.min(items.len() / AT_LEAST).max(1);
    if threads == 1 {
        return items.iter().map(&f).collect();
    }
    let per_thread = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per_thread)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a rendering thread panicked"))
            .collect()
    })
}

impl RowShape {
    fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    fn cell<'r>(&self, row: &'r Row, name: &str) -> Option<&'r str> {
        self.index(name)
            .and_then(|i| row.get(i))
            .and_then(|c| c.as_deref())
    }

    fn trace(&self, rows: &[Row]) -> Result<ExportTrace> {
        let first = &rows[0];
        let trace_id = self.cell(first, "trace_id").unwrap_or_default().to_string();
        let start_micros = self
            .cell(first, "trace_start")
            .and_then(parse_timestamp_micros)
            .ok_or_else(|| {
                HttpError::invalid(
                    "the export statement",
                    format!("trace {trace_id} has no valid trace_start"),
                )
            })?;
        let mut trace = ExportTrace {
            trace_id,
            start_micros,
            ..ExportTrace::default()
        };
        match self.layout {
            RowLayout::Otel(version) => {
                trace.tree = true;
                trace.service_name = self.cell(first, "service_name").map(str::to_string);
                // On the root span's row.
                let on_a_row = |c: &str| rows.iter().find_map(|r| self.cell(r, c));
                trace.tags = on_a_row("trace_tags")
                    .and_then(json_object)
                    .unwrap_or_default();
                if version == OtelVersion::V1 {
                    // Older clients JSON-encoded V1 values (`"prod"`), as `--tag` knows.
                    for value in trace.tags.values_mut() {
                        if let Some(Ok(Value::String(inner))) =
                            value.as_str().map(serde_json::from_str::<Value>)
                        {
                            *value = Value::String(inner);
                        }
                    }
                }
                if let Some(text) = on_a_row("trace_metadata") {
                    (trace.info, trace.metadata) = metadata_of(text);
                }
                trace.spans = rows.iter().map(|r| self.otel_span(r, version)).collect();
            }
            RowLayout::Tags => {
                trace.tree = false;
                trace.tags = self
                    .cell(first, "tags")
                    .and_then(|t| serde_json::from_str::<Map<String, Value>>(t).ok())
                    .unwrap_or_default();
                trace.spans = rows.iter().map(|r| self.tags_span(r)).collect();
            }
        }
        Ok(trace)
    }

    fn otel_span(&self, row: &Row, version: OtelVersion) -> ExportSpan {
        let text = |c: &str| {
            self.cell(row, c)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let number = |c: &str| self.cell(row, c).and_then(|v| v.parse::<i64>().ok());
        ExportSpan {
            trace_hex: None,
            span_id: text("span_id").map(|id| id_hex(&id)),
            parent_span_id: text("parent_span_id").map(|id| id_hex(&id)),
            name: text("span_name").unwrap_or_default(),
            kind: text("kind"),
            start_nanos: number("start_time_unix_nano"),
            end_nanos: number("end_time_unix_nano"),
            status_code: text("status_code"),
            status_message: text("status_message"),
            attributes: self
                .cell(row, "attributes")
                .map(|a| table_attributes(a, version))
                .unwrap_or_default(),
            events: self
                .cell(row, "events")
                .map(|e| table_events(e, version))
                .unwrap_or_default(),
        }
    }

    /// A row of the tags layout: no ids, no status; its type and payloads as MLflow's span
    /// attributes.
    fn tags_span(&self, row: &Row) -> ExportSpan {
        let number = |c: &str| self.cell(row, c).and_then(|v| v.parse::<i64>().ok());
        let attributes = [
            (SPAN_TYPE, "span_type"),
            (SPAN_INPUTS, "inputs"),
            (SPAN_OUTPUTS, "outputs"),
        ]
        .into_iter()
        .filter_map(|(key, column)| {
            self.cell(row, column)
                .map(|v| (key.to_string(), json!({ "stringValue": v })))
        })
        .collect();
        ExportSpan {
            name: self.cell(row, "span_name").unwrap_or_default().to_string(),
            start_nanos: number("start_time_unix_nano"),
            end_nanos: number("end_time_unix_nano"),
            attributes,
            ..ExportSpan::default()
        }
    }
}

/// A JSON object, also when it came JSON-encoded once more (a string of JSON text).
fn json_object(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str::<Value>(text).ok()? {
        Value::Object(map) => Some(map),
        Value::String(inner) => json_object(&inner),
        _ => None,
    }
}

/// The trace's metadata cell: V2's `METADATA` annotation value `{client_request_id,
/// request_preview, response_preview, trace_metadata}` (the first three become the trace
/// info), or V1's metadata map itself.
fn metadata_of(text: &str) -> (Option<Map<String, Value>>, Map<String, Value>) {
    let Some(mut object) = json_object(text) else {
        return (None, Map::new());
    };
    match object.remove("trace_metadata") {
        Some(inner) => {
            let metadata = match inner {
                Value::Object(map) => map,
                Value::String(s) => json_object(&s).unwrap_or_default(),
                _ => Map::new(),
            };
            (Some(object), metadata)
        }
        None => (None, object),
    }
}

/// The `attributes` cell (JSON text): a V1 MAP of strings, kept as strings; a V2 VARIANT,
/// typed as it is.
fn table_attributes(text: &str, version: OtelVersion) -> Vec<Attribute> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    map.into_iter()
        .map(|(k, v)| {
            let value = match (version, &v) {
                (OtelVersion::V1, Value::String(s)) => json!({ "stringValue": s }),
                _ => any_value_of(&v),
            };
            (k, value)
        })
        .collect()
}

/// The `events` cell: an array of `{time_unix_nano, name, attributes, …}`.
fn table_events(text: &str, version: OtelVersion) -> Vec<ExportEvent> {
    let Ok(Value::Array(events)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    events
        .iter()
        .map(|e| ExportEvent {
            name: e["name"].as_str().unwrap_or_default().to_string(),
            time_nanos: super::nanos(&e["time_unix_nano"]),
            attributes: match &e["attributes"] {
                Value::Object(_) => table_attributes(&e["attributes"].to_string(), version),
                _ => Vec::new(),
            },
        })
        .collect()
}

impl RowSink for TraceRows {
    fn begin(&mut self, columns: &[Column]) -> Result<()> {
        self.shape.columns = columns.iter().map(|c| c.name.clone()).collect();
        for needed in ["trace_id", "trace_start"] {
            if self.shape.index(needed).is_none() {
                return Err(HttpError::invalid(
                    "the export statement",
                    format!("no column {needed} in its result"),
                )
                .into());
            }
        }
        Ok(())
    }

    /// The traces this chunk completes are written; the last one may go on in the next chunk.
    fn rows(&mut self, rows: Vec<Row>) -> Result<()> {
        let id = self.shape.index("trace_id").expect("checked in begin");
        let mut complete = Vec::new();
        for row in rows {
            let same = self
                .current
                .first()
                .is_none_or(|first| first.get(id) == row.get(id));
            if !same {
                complete.push(std::mem::take(&mut self.current));
            }
            self.current.push(row);
        }
        self.write_traces(complete)
    }

    fn finish(&mut self) -> Result<()> {
        let last = std::mem::take(&mut self.current);
        if !last.is_empty() {
            self.write_traces(vec![last])?;
        }
        let files = self.files.take().expect("finish once");
        let done = files.finish()?;
        *self.finished.lock().expect("not poisoned") = Some(done);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trace_info_comes_from_the_metadata_annotation_or_the_metadata_event() {
        let (info, metadata) = metadata_of(
            r#"{"client_request_id": "c1", "request_preview": "hi", "trace_metadata": {"mlflow.trace.user": "u"}}"#,
        );
        assert_eq!(info.unwrap()["client_request_id"], "c1");
        assert_eq!(metadata["mlflow.trace.user"], "u");
        let (info, metadata) = metadata_of(r#""{\"mlflow.trace.session\": \"s\"}""#);
        assert!(info.is_none());
        assert_eq!(metadata["mlflow.trace.session"], "s");
        assert_eq!(json_object("[1]"), None);
    }

    #[test]
    fn table_values_keep_their_type() {
        let v2 = table_attributes(r#"{"n": 2, "s": "x", "o": {"a": true}}"#, OtelVersion::V2);
        assert_eq!(v2[0], ("n".into(), json!({"intValue": "2"})));
        assert_eq!(
            v2[1].1,
            json!({"kvlistValue": {"values": [{"key": "a", "value": {"boolValue": true}}]}})
        );
        let v1 = table_attributes(r#"{"mlflow.spanType": "\"LLM\""}"#, OtelVersion::V1);
        assert_eq!(v1[0].1, json!({"stringValue": "\"LLM\""}));
        let events = table_events(
            r#"[{"time_unix_nano": 5, "name": "exception", "attributes": {"exception.message": "boom"}, "dropped_attributes_count": 0}]"#,
            OtelVersion::V2,
        );
        assert_eq!(events[0].time_nanos, Some(5));
        assert_eq!(
            events[0].attributes[0],
            ("exception.message".into(), json!({"stringValue": "boom"}))
        );
    }
}
