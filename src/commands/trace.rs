//! `tracecfg trace ID`: the spans of one trace as a tree with a timing waterfall
//! (`output::waterfall`), read from the tables (with the execution of `query`) or from
//! MLflow's trace store.

use anyhow::Result;

use crate::cli::TraceArgs;
use crate::commands::traces::{default_format, Reader, Ready, Source, StoreRequest};
use crate::commands::Context;
use crate::error::{CliError, ExitCode};
use crate::output::waterfall::{SpanRow, TraceView};
use crate::output::OutputFormat;
use crate::store_reader::StoreReader;
use crate::time::parse_timestamp_micros;
use crate::trace_query::{self, TraceTables};
use crate::trace_store;

pub async fn run(ctx: &Context, args: &TraceArgs) -> Result<ExitCode> {
    let id = args.trace_id.trim();
    if id.is_empty() || id.len() > 512 || id.chars().any(char::is_control) {
        return Err(CliError::usage(format!(
            "TRACE_ID {} must be a trace id such as tr-0123456789abcdef (no control characters, at most 512 bytes)",
            crate::display::shown(&args.trace_id)
        ))
        .into());
    }
    // An id alone names a trace in the store: the experiment is optional.
    let source = Source::checked(ctx, &args.source, false)?;
    let format = default_format(ctx);
    // Machine formats carry every field; the text view fetches payloads only when shown.
    let every_field = format != OutputFormat::Text;
    let (inputs, outputs) = (args.inputs || every_field, args.outputs || every_field);
    let Some(reader) = source
        .prepare(ctx, StoreRequest::Get(id), |tables| {
            Ok(trace_query::build_spans(tables, id, inputs, outputs))
        })
        .await?
    else {
        return Ok(ExitCode::Success);
    };
    let mut view = match &reader {
        Reader::Tables(ready) => view_from_tables(ready, id).await?,
        Reader::Store(store) => view_from_store(store, id).await?,
    };
    view.show_inputs = args.inputs;
    view.show_outputs = args.outputs;
    view.print(format)?;
    Ok(ExitCode::Success)
}

async fn view_from_tables(ready: &Ready, id: &str) -> Result<TraceView> {
    let result = ready.rows(&ready.statement).await?;
    if result.rows.is_empty() {
        return Err(CliError::not_found(format!(
            "trace {} has no spans in {}",
            crate::display::shown(id),
            ready.tables.main_table()
        ))
        .with_hint("list the traces with 'tracecfg traces' (same -e/--table)")
        .into());
    }
    let spans = result
        .rows
        .iter()
        .map(|row| {
            let text = |c: &str| result.cell(row, c).map(str::to_string);
            let start_time = text("start_time").unwrap_or_default();
            let end_time = text("end_time");
            SpanRow {
                span_id: text("span_id"),
                parent_span_id: text("parent_span_id"),
                name: text("span_name").unwrap_or_default(),
                span_type: text("span_type"),
                start_micros: parse_timestamp_micros(&start_time),
                end_micros: end_time.as_deref().and_then(parse_timestamp_micros),
                start_time,
                end_time,
                status_code: text("status_code"),
                inputs: text("inputs"),
                outputs: text("outputs"),
                detail: None,
            }
        })
        .collect();
    // The tags layout records no parent ids: a flat timeline.
    let tree = !matches!(ready.tables, TraceTables::Tags { .. });
    Ok(TraceView::build(id, spans, tree))
}

async fn view_from_store(store: &StoreReader, id: &str) -> Result<TraceView> {
    let Some(trace) = store.trace(id).await? else {
        return Err(CliError::not_found(format!(
            "trace {} is not in MLflow's trace store",
            crate::display::shown(id)
        ))
        .with_hint("list the traces with 'tracecfg traces' (same -e); a trace in Unity Catalog tables needs --source tables")
        .into());
    };
    let mut view = TraceView::build(
        &trace.trace_info.trace_id,
        trace_store::span_rows(&trace),
        true,
    );
    view.assessments = trace_store::assessments(&trace.trace_info);
    Ok(view)
}
