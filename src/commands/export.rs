//! `tracecfg export`: every trace of a window, whole, to one file per day (docs/export.md), from
//! the source `traces` reads: one statement on the tables, its rows streamed into the day
//! files; or MLflow's trace store, searched oldest first, spans read in bounded batches. A
//! manifest in the output directory makes an interrupted export resume where it stopped.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use anyhow::Result;

use crate::cli::{ExportArgs, SourceChoice};
use crate::commands::query::interrupted;
use crate::commands::traces::{Reader, Ready, Source, StoreRequest};
use crate::commands::Context;
use crate::error::{CliError, ExitCode};
use crate::export::files::{DayFiles, ExportFormat, Written};
use crate::export::manifest::{Manifest, Request, Window};
use crate::export::tables::{RowLayout, TraceRows};
use crate::export::{self};
use crate::output::collect::Collected;
use crate::output::export::{DryRunReport, ExportReport};
use crate::output::progress::ExportProgress;
use crate::output::{self, log, OutputFormat};
use crate::store_reader::StoreReader;
use crate::time::{format_micros_rfc3339, parse_timestamp_micros};
use crate::trace_query::{self, Filters, TraceTables};
use crate::trace_store;

pub async fn run(ctx: &Context, args: &ExportArgs) -> Result<ExitCode> {
    let now = SystemTime::now();
    let mut filters = args.filters.flags(&args.since).parse(now, u64::MAX, None)?;
    let source = Source::checked(ctx, &args.source, true)?;
    let request = request_of(ctx, args)?;
    let format = ctx.format(OutputFormat::Text);
    let fresh = Window {
        since: filters.since.clone(),
        until: filters.until.clone().unwrap_or_else(|| now_rfc3339(now)),
    };
    let plan = if args.dry_run || args.source.print_sql {
        Plan::Fresh(Manifest::new(request, fresh))
    } else {
        Plan::of(&args.out, request, fresh)?
    };
    let manifest = match plan {
        Plan::Complete(manifest) => {
            log::note(format_args!(
                "{} already holds this export, complete; nothing to do",
                args.out.display()
            ));
            output::emit(&report(&args.out, &manifest, false, 0), format)?;
            return Ok(ExitCode::Success);
        }
        Plan::Resume(manifest) | Plan::Fresh(manifest) => manifest,
    };
    let resumed = manifest.done_until.is_some();
    filters.since = resume_from(&manifest);
    filters.until = Some(manifest.window.until.clone());
    let Some(reader) = source
        .prepare(ctx, StoreRequest::Search(&filters), |tables| {
            trace_query::build_export(tables, &filters)
        })
        .await?
    else {
        return Ok(ExitCode::Success);
    };
    if args.dry_run {
        let estimate = estimate(&reader, &filters, args.format, &manifest.window).await?;
        output::emit(&estimate, format)?;
        return Ok(ExitCode::Success);
    }
    if let (Reader::Tables(ready), ExportFormat::Otlp) = (&reader, args.format) {
        refuse_otlp_on_tags(&ready.tables)?;
    }
    if resumed {
        log::note(format_args!(
            "resuming the export in {}: {} traces in {} complete files kept, from {}",
            args.out.display(),
            manifest.traces(),
            manifest.files.len(),
            manifest.done_until.as_deref().unwrap_or_default()
        ));
    } else {
        std::fs::create_dir_all(&args.out).map_err(|e| {
            CliError::usage(format!(
                "--out {}: cannot create it ({e})",
                args.out.display()
            ))
        })?;
        manifest.save(&args.out)?;
    }
    let done = match &reader {
        Reader::Tables(ready) => from_tables(ready, &filters, manifest, args).await,
        Reader::Store(store) => from_store(store, &filters, day_files(args, manifest)).await,
    };
    match done {
        Ok((manifest, written)) => {
            output::emit(
                &report(&args.out, &manifest, resumed, written.traces),
                format,
            )?;
            Ok(ExitCode::Success)
        }
        Err(e) => {
            say_what_is_kept(&args.out);
            Err(e)
        }
    }
}

/// What the output directory says about this export.
enum Plan {
    Fresh(Manifest),
    Resume(Manifest),
    Complete(Manifest),
}

impl Plan {
    /// Reads the manifest of `dir`: the same request resumes (or is already complete);
    /// another is refused; a directory that is not empty and has no manifest is refused.
    fn of(dir: &Path, request: Request, fresh: Window) -> Result<Plan> {
        if let Some(manifest) = Manifest::load(dir)? {
            manifest.check_same(&request, dir)?;
            return Ok(if manifest.complete {
                Plan::Complete(manifest)
            } else {
                Plan::Resume(manifest)
            });
        }
        let occupied = match std::fs::read_dir(dir) {
            Ok(mut entries) => entries.next().is_some(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => true,
            Err(e) => {
                return Err(CliError::usage(format!(
                    "--out {}: cannot read it ({e})",
                    dir.display()
                ))
                .into())
            }
        };
        if occupied {
            return Err(CliError::usage(format!(
                "--out {} is not an empty directory and holds no export manifest ({})",
                dir.display(),
                export::manifest::MANIFEST
            ))
            .with_hint("export to a new or empty directory")
            .into());
        }
        Ok(Plan::Fresh(Manifest::new(request, fresh)))
    }
}

/// The request as the manifest records it: the source and flags as given.
fn request_of(ctx: &Context, args: &ExportArgs) -> Result<Request, CliError> {
    let s = &args.source;
    let mut source = match &s.table {
        Some(t) => format!("table {t}"),
        None => ctx.experiment_ref(&s.experiment)?.to_string(),
    };
    match s.source {
        Some(SourceChoice::Store) => source.push_str(" (--source store)"),
        Some(SourceChoice::Tables) => source.push_str(" (--source tables)"),
        None => {}
    }
    if let Some(layout) = s.layout {
        use clap::ValueEnum as _;
        if let Some(v) = layout.to_possible_value() {
            source.push_str(&format!(" (--layout {})", v.get_name()));
        }
    }
    let f = &args.filters;
    let mut filters = Vec::new();
    let mut flag = |name: &str, value: &Option<String>| {
        if let Some(v) = value {
            filters.push(format!("--{name} {v}"));
        }
    };
    flag("user", &f.user);
    flag("session", &f.session);
    flag("span-type", &f.span_type);
    flag("name", &f.name);
    filters.extend(f.tags.iter().map(|t| format!("--tag {t}")));
    filters.extend(f.attributes.iter().map(|a| format!("--attribute {a}")));
    Ok(Request {
        source,
        format: args.format.name().to_string(),
        gzip: args.gzip,
        filters,
        since: args.since.clone(),
        until: f.until.clone(),
    })
}

fn now_rfc3339(now: SystemTime) -> String {
    let micros = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    format_micros_rfc3339(micros)
}

/// Where this run starts: the window's start, or where the complete files end.
fn resume_from(manifest: &Manifest) -> Option<String> {
    let since = manifest.window.since.clone();
    let Some(done) = manifest.done_until.clone() else {
        return since;
    };
    match since.as_deref().and_then(parse_timestamp_micros) {
        Some(s) if parse_timestamp_micros(&done).is_some_and(|d| s > d) => since,
        _ => Some(done),
    }
}

/// OTLP needs span ids, which the tags layout does not record.
fn refuse_otlp_on_tags(tables: &TraceTables) -> Result<(), CliError> {
    match tables {
        TraceTables::Tags { table } => Err(CliError::usage(format!(
            "--format otlp needs OpenTelemetry span ids, and {table} (the tags layout) records none"
        ))
        .with_hint("--format jsonl exports these traces")),
        TraceTables::Otel { .. } => Ok(()),
    }
}

/// The tables: one statement, its rows streamed into the day files on the writer thread. A
/// location whose tags-and-metadata table is missing (a `--table` whose sibling table does not
/// exist) is exported without them, said on stderr.
async fn from_tables(
    ready: &Ready,
    filters: &Filters,
    manifest: Manifest,
    args: &ExportArgs,
) -> Result<(Manifest, Written)> {
    let first = stream_tables(
        ready,
        &ready.statement,
        day_files(args, manifest.clone()),
        args,
    )
    .await;
    let without_info = match (&first, &ready.tables) {
        (
            Err(e),
            TraceTables::Otel {
                version,
                spans,
                trace_info: Some(info),
            },
        ) if names_a_missing_table(e, info) => {
            log::warn(format_args!(
                "{info} does not exist: exporting the spans without the traces' tags and metadata"
            ));
            TraceTables::Otel {
                version: *version,
                spans: spans.clone(),
                trace_info: None,
            }
        }
        _ => return first,
    };
    let statement = trace_query::build_export(&without_info, filters)?;
    stream_tables(ready, &statement, day_files(args, manifest), args).await
}

/// The day files of `--out`, continuing `manifest`, with the progress on stderr.
fn day_files(args: &ExportArgs, manifest: Manifest) -> DayFiles {
    DayFiles::new(
        &args.out,
        args.format,
        args.gzip,
        manifest,
        ExportProgress::start(),
    )
}

/// Whether a failed statement says that `table` does not exist (`TABLE_OR_VIEW_NOT_FOUND`,
/// the error class Databricks SQL and Spark share).
fn names_a_missing_table(e: &anyhow::Error, table: &str) -> bool {
    let text = format!("{e:#}");
    text.contains("TABLE_OR_VIEW_NOT_FOUND") && text.contains(table)
}

async fn stream_tables(
    ready: &Ready,
    statement: &crate::trace_query::Statement,
    files: DayFiles,
    args: &ExportArgs,
) -> Result<(Manifest, Written)> {
    let layout = match &ready.tables {
        TraceTables::Otel { version, .. } => RowLayout::Otel(*version),
        TraceTables::Tags { .. } => RowLayout::Tags,
    };
    let finished = Arc::new(Mutex::new(None));
    let sink = TraceRows::new(layout, files, Arc::clone(&finished));
    let summary = ready
        .stream_into(
            statement,
            Box::new(sink),
            usize::from(args.parallel),
            args.disposition,
        )
        .await?;
    if summary.truncated {
        return Err(CliError::new(
            ExitCode::Sql,
            "the warehouse truncated the export's result: not every span was returned",
        )
        .into());
    }
    let done = finished.lock().expect("not poisoned").take();
    done.ok_or_else(|| anyhow::anyhow!("the export's rows ended without their end"))
}

/// The store: searched oldest first, each trace written once its spans are read; Ctrl-C stops
/// it between traces.
async fn from_store(
    store: &StoreReader,
    filters: &Filters,
    mut files: DayFiles,
) -> Result<(Manifest, Written)> {
    let stream = store.each_oldest_first(filters, |trace| files.write(&export::from_store(&trace)));
    tokio::select! {
        streamed = stream => streamed?,
        _ = interrupted() => {
            return Err(CliError::new(ExitCode::Interrupted, "interrupted").into());
        }
    }
    files.finish()
}

fn say_what_is_kept(dir: &Path) {
    match Manifest::load(dir) {
        Ok(Some(m)) => log::note(format_args!(
            "{} keeps {} complete files ({} traces); run the same command to resume",
            dir.display(),
            m.files.len(),
            m.traces()
        )),
        _ => log::note(format_args!(
            "run the same command to resume the export in {}",
            dir.display()
        )),
    }
}

fn report(dir: &Path, manifest: &Manifest, resumed: bool, written: u64) -> ExportReport {
    ExportReport {
        out: dir.display().to_string(),
        format: manifest.request.format.clone(),
        gzip: manifest.request.gzip,
        window: manifest.window.clone(),
        resumed,
        traces: manifest.traces(),
        spans: manifest.files.iter().map(|f| f.spans).sum(),
        bytes: manifest.files.iter().map(|f| f.bytes).sum(),
        written,
        files: manifest.files.clone(),
    }
}

/// Bytes a file line takes besides the attributes: per span and per trace, as measured on the
/// fake workspace's and the real server's traces (docs/export.md, "--dry-run").
const SPAN_OVERHEAD: [u64; 2] = [420, 330];
const TRACE_OVERHEAD: [u64; 2] = [260, 40];
/// OTLP wraps each value in an `AnyValue`; jsonl decodes the JSON-encoded strings.
const ATTRIBUTE_FACTOR: [f64; 2] = [1.0, 1.25];
/// A file line per byte of the size MLflow records for the trace (`total_size_bytes`).
const STORE_FACTOR: [f64; 2] = [1.1, 1.4];

fn overheads(format: ExportFormat) -> usize {
    match format {
        ExportFormat::Jsonl => 0,
        ExportFormat::Otlp => 1,
    }
}

/// A span's line, when a trace records no size and no other trace tells a typical one.
const TYPICAL_SPAN_BYTES: u64 = 1024;

/// `--dry-run`: the tables count in one statement; the store's trace infos are paged through
/// (no spans read), their recorded sizes summed.
async fn estimate(
    reader: &Reader,
    filters: &Filters,
    format: ExportFormat,
    window: &Window,
) -> Result<DryRunReport> {
    let f = overheads(format);
    let (traces, spans, approx_bytes, traces_without_size) = match reader {
        Reader::Tables(ready) => {
            let statement = trace_query::build_export_estimate(&ready.tables, filters)?;
            let result: Collected = ready.rows(&statement).await?;
            let number = |c: &str| {
                result
                    .rows
                    .first()
                    .and_then(|r| result.cell(r, c))
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            let (traces, spans) = (number("traces"), number("spans"));
            let bytes = (number("attribute_bytes") as f64 * ATTRIBUTE_FACTOR[f]) as u64
                + spans * SPAN_OVERHEAD[f]
                + traces * TRACE_OVERHEAD[f];
            (traces, Some(spans), bytes, 0)
        }
        Reader::Store(store) => {
            let mut sizes = StoreSizes::default();
            store
                .each_info_oldest_first(filters, |info| sizes.add(info))
                .await?;
            (
                sizes.traces,
                sizes.spans,
                (sizes.approx_bytes() as f64 * STORE_FACTOR[f]) as u64,
                sizes.without_size,
            )
        }
    };
    Ok(DryRunReport {
        dry_run: true,
        format: format.name(),
        window: window.clone(),
        traces,
        spans,
        approx_bytes,
        traces_without_size,
    })
}

/// The sizes the store records for the traces of the window.
#[derive(Default)]
struct StoreSizes {
    traces: u64,
    /// `None` once a trace records no span count.
    spans: Option<u64>,
    sized: u64,
    bytes: u64,
    without_size: u64,
    spans_without_size: u64,
}

impl StoreSizes {
    fn add(&mut self, info: &crate::api::traces::TraceInfo) {
        let span_count = trace_store::span_count(info);
        self.spans = match (self.traces, self.spans, span_count) {
            (0, _, Some(n)) => Some(n),
            (_, Some(total), Some(n)) => Some(total + n),
            _ => None,
        };
        self.traces += 1;
        match trace_store::size_bytes(info) {
            Some(b) => {
                self.sized += 1;
                self.bytes += b;
            }
            None => {
                self.without_size += 1;
                self.spans_without_size += span_count.unwrap_or(1);
            }
        }
    }

    /// The recorded sizes, and for a trace without one the average of the others, or a
    /// typical span's size per span when no trace records one.
    fn approx_bytes(&self) -> u64 {
        let unsized_bytes = match self.sized {
            0 => self.spans_without_size * TYPICAL_SPAN_BYTES,
            n => self.bytes / n * self.without_size,
        };
        self.bytes + unsized_bytes
    }
}
