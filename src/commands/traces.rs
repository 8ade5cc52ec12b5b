//! `tracecfg traces`: one row per trace, aggregated on the warehouse by one statement, on the
//! tables, filters and execution of `query`; `--follow` polls for newer traces.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use std::sync::{Arc, Mutex};

use anyhow::Result;

use crate::cli::{SourceChoice, TraceSourceArgs, TracesArgs};
use crate::commands::query::{
    interrupted, needs_lookup, resolve_tables, run_interruptible_into, tables_of_experiment,
    PrintedStatement, TableSource,
};
use crate::commands::{find_experiment, require_active, Context};
use crate::destination::Destination;
use crate::error::{exit_code_of, CliError, ExitCode};
use crate::experiment_ref::ExperimentRef;
use crate::http::Client;
use crate::output::collect::Collected;
use crate::output::trace_list::{TraceListPrinter, TraceSummary};
use crate::output::{self, log, OutputFormat};
use crate::sql_exec::{DispositionChoice, ResultSize, RunOptions};
use crate::store_reader::StoreReader;
use crate::time::{format_micros_rfc3339, parse_timestamp_micros};
use crate::trace_location::native_location;
use crate::trace_query::{self, Filters, Statement, TraceTables};
use crate::warehouse_choice::{choose_warehouse, validate_warehouse_id};

/// The default time between `--follow` polls.
const FOLLOW_INTERVAL: Duration = Duration::from_secs(10);
/// Each `--follow` poll looks this far back before the newest trace seen, for traces whose
/// spans reach the table late; the traces already printed are skipped by id.
const LATE_ARRIVAL: Duration = Duration::from_secs(120);

pub async fn run(ctx: &Context, args: &TracesArgs) -> Result<ExitCode> {
    let filters = args
        .filters
        .flags(&args.since)
        .parse(SystemTime::now(), args.limit, None)?;
    let source = Source::checked(ctx, &args.source, true)?;
    let format = default_format(ctx);
    if args.follow && format == OutputFormat::Json {
        return Err(CliError::usage(
            "--follow prints traces as they arrive: use -o jsonl, csv or text, not json (one document)",
        )
        .into());
    }
    let Some(reader) = source
        .prepare(ctx, StoreRequest::Search(&filters), |tables| {
            trace_query::build_list(tables, &filters)
        })
        .await?
    else {
        return Ok(ExitCode::Success);
    };
    let mut printer = TraceListPrinter::new(format);
    if !args.follow {
        let traces = reader.list(&filters).await?;
        if traces.is_empty() {
            log::note(format_args!("no traces match"));
        } else if traces.len() as u64 == filters.limit {
            log::note(format_args!(
                "showing the newest {} traces; --limit shows more",
                traces.len()
            ));
        }
        printer.print(&traces)?;
        return Ok(ExitCode::Success);
    }
    let interval = args.interval.unwrap_or(FOLLOW_INTERVAL);
    if let Reader::Tables(_) = reader {
        log::warn(format_args!(
            "--follow runs a statement every {}: while it runs, the SQL warehouse does not auto-stop",
            crate::display::human_duration(interval)
        ));
    }
    follow(&reader, &filters, interval, &mut printer).await
}

/// Polls until Ctrl-C: each poll asks only for traces that started after the newest seen (less
/// [`LATE_ARRIVAL`]); a trace is printed once, oldest first.
async fn follow(
    reader: &Reader,
    filters: &Filters,
    interval: Duration,
    printer: &mut TraceListPrinter,
) -> Result<ExitCode> {
    let mut seen = Seen::default();
    let mut poll = filters.clone();
    loop {
        let listed = match reader {
            // The statement's own run cancels it on Ctrl-C (and says so as Interrupted).
            Reader::Tables(_) => reader.list(&poll).await,
            Reader::Store(_) => tokio::select! {
                listed = reader.list(&poll) => listed,
                _ = interrupted() => return Ok(ExitCode::Success),
            },
        };
        let traces = match listed {
            Err(e) if exit_code_of(&e) == ExitCode::Interrupted => return Ok(ExitCode::Success),
            other => other?,
        };
        let mut fresh = seen.admit(traces);
        fresh.reverse();
        printer.print(&fresh)?;
        if let Some(since) = seen.poll_from() {
            poll = Filters {
                since: Some(later(filters.since.as_deref(), since)),
                ..filters.clone()
            };
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = interrupted() => return Ok(ExitCode::Success),
        }
    }
}

/// The later of the user's `--since` and the poll's own bound.
fn later(user: Option<&str>, poll: String) -> String {
    match user.and_then(parse_timestamp_micros) {
        Some(u) if parse_timestamp_micros(&poll).is_some_and(|p| u > p) => {
            user.unwrap_or_default().to_string()
        }
        _ => poll,
    }
}

/// The traces `--follow` has printed that a later poll can return again.
#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    /// (start, id) of each printed trace, to forget those no poll reaches any more.
    starts: Vec<(i64, String)>,
    newest: Option<i64>,
}

impl Seen {
    /// The traces not printed before (in the order given), remembered from now on.
    fn admit(&mut self, traces: Vec<TraceSummary>) -> Vec<TraceSummary> {
        let fresh: Vec<TraceSummary> = traces
            .into_iter()
            .filter(|t| self.ids.insert(t.trace_id.clone()))
            .collect();
        for t in &fresh {
            if let Some(start) = parse_timestamp_micros(&t.start_time) {
                self.newest = Some(self.newest.map_or(start, |n| n.max(start)));
                self.starts.push((start, t.trace_id.clone()));
            }
        }
        if let Some(from) = self.window_start() {
            let ids = &mut self.ids;
            self.starts.retain(|(start, id)| {
                let keep = *start >= from;
                if !keep {
                    ids.remove(id);
                }
                keep
            });
        }
        fresh
    }

    fn window_start(&self) -> Option<i64> {
        self.newest.map(|n| n - LATE_ARRIVAL.as_micros() as i64)
    }

    /// `--since` of the next poll.
    fn poll_from(&self) -> Option<String> {
        self.window_start().map(format_micros_rfc3339)
    }
}

/// The format: `-o`, else a table on a terminal and JSON otherwise (as `query`).
pub(crate) fn default_format(ctx: &Context) -> OutputFormat {
    ctx.format(if output::stdout_is_terminal() {
        OutputFormat::Text
    } else {
        OutputFormat::Json
    })
}

/// Where `traces` and `trace` read, checked before any request.
pub(crate) struct Source<'a> {
    args: &'a TraceSourceArgs,
    table: TableSource,
    /// Whether the store is read by experiment (`traces`) or by trace id alone (`trace`).
    experiment_needed: bool,
}

/// Tables resolved, warehouse chosen, statement built: ready to run.
pub(crate) struct Ready {
    pub client: Client,
    pub tables: TraceTables,
    pub statement: Statement,
    warehouse_id: String,
    timeout: Option<Duration>,
}

/// What a trace command reads: the tables on a warehouse, or MLflow's trace store.
pub(crate) enum Reader {
    Tables(Ready),
    Store(StoreReader),
}

/// Which source, as far as the flags tell before any request.
enum Decided {
    Tables,
    Store,
    /// Told by the experiment: tables when it has a native Unity Catalog location.
    ByExperiment,
}

impl<'a> Source<'a> {
    /// The flags checked. Without `experiment_needed` (a trace id names its trace in the
    /// store), no experiment at all means the store.
    pub(crate) fn checked(
        ctx: &Context,
        args: &'a TraceSourceArgs,
        experiment_needed: bool,
    ) -> Result<Self, CliError> {
        let table = match &args.table {
            Some(t) => TableSource::Flag(Destination::parse_full_name("--table", t)?),
            None if experiment_needed || args.source == Some(SourceChoice::Tables) => {
                TableSource::Experiment(ctx.experiment_ref(&args.experiment)?)
            }
            None => match ctx.experiment_ref_optional(&args.experiment)? {
                Some(target) => TableSource::Experiment(target),
                None => TableSource::NotNeeded,
            },
        };
        if let Some(w) = &args.warehouse {
            validate_warehouse_id(w)?;
        }
        output::times::configure(args.local);
        Ok(Source {
            args,
            table,
            experiment_needed,
        })
    }

    fn decided(&self) -> Decided {
        match (self.args.source, &self.table, self.args.layout) {
            (Some(SourceChoice::Store), _, _) | (None, TableSource::NotNeeded, _) => Decided::Store,
            (Some(SourceChoice::Tables), _, _) | (None, TableSource::Flag(_), _) => Decided::Tables,
            (None, _, Some(_)) => Decided::Tables,
            (None, _, None) => Decided::ByExperiment,
        }
    }

    /// Chooses the source and readies it. The tables: resolved, with the warehouse chosen in
    /// the same round trip, and the statement built. The store: the experiment id, when the
    /// command reads by experiment. With `--print-sql`, prints the statement (or the store request)
    /// and returns `None`.
    pub(crate) async fn prepare(
        &self,
        ctx: &Context,
        store_request: StoreRequest<'_>,
        build: impl Fn(&TraceTables) -> Result<Statement, CliError>,
    ) -> Result<Option<Reader>> {
        let layout = self.args.layout;
        let decided = self.decided();
        if let (Decided::Store, StoreRequest::Search(filters)) = (&decided, &store_request) {
            // A filter the store's grammar cannot take is refused before any request.
            crate::trace_store::searches(filters)?;
        }
        if self.args.print_sql {
            self.print_plan(ctx, decided, store_request, build).await?;
            return Ok(None);
        }
        let (config, client) = ctx.connect()?;
        let (tables, warehouse) = match (decided, &self.table) {
            (Decided::Store, target) => {
                let experiment_id = match target {
                    TableSource::Experiment(target) if self.experiment_needed => {
                        experiment_id(&client, target).await?
                    }
                    _ => String::new(),
                };
                return Ok(Some(Reader::Store(StoreReader {
                    client,
                    experiment_id,
                })));
            }
            (Decided::ByExperiment, TableSource::Experiment(target)) => {
                // The warehouse is chosen only once the experiment says it keeps its traces
                // in tables: a store read never touches the SQL API (on an open-source
                // tracking server, that API does not exist).
                let tables = match tables_or_store(&client, target, layout).await? {
                    Chosen::Tables(tables) => tables,
                    Chosen::Store(experiment_id) => {
                        return Ok(Some(Reader::Store(StoreReader {
                            client,
                            experiment_id,
                        })))
                    }
                };
                let warehouse =
                    choose_warehouse(&client, &config, self.args.warehouse.as_deref()).await;
                (tables, warehouse)
            }
            _ => {
                let (tables, warehouse) = tokio::join!(
                    resolve_tables(Some(&client), &self.table, layout, true),
                    choose_warehouse(&client, &config, self.args.warehouse.as_deref()),
                );
                (
                    tables?.expect("a trace source always has tables"),
                    warehouse,
                )
            }
        };
        let statement = build(&tables)?;
        let (warehouse_id, why) = warehouse?;
        log::note(format_args!("using SQL warehouse {warehouse_id} ({why})"));
        Ok(Some(Reader::Tables(Ready {
            client,
            tables,
            statement,
            warehouse_id,
            timeout: self.args.timeout,
        })))
    }

    /// `--print-sql`: the statement on the tables, or the request to the store.
    async fn print_plan(
        &self,
        ctx: &Context,
        decided: Decided,
        store_request: StoreRequest<'_>,
        build: impl Fn(&TraceTables) -> Result<Statement, CliError>,
    ) -> Result<()> {
        let layout = self.args.layout;
        let tables = match (decided, &self.table) {
            (Decided::Store, _) => return print_store_request(ctx, store_request),
            (Decided::ByExperiment, TableSource::Experiment(target)) => {
                let client = ctx.connect()?.1;
                match tables_or_store(&client, target, layout).await? {
                    Chosen::Tables(tables) => tables,
                    Chosen::Store(_) => return print_store_request(ctx, store_request),
                }
            }
            _ => {
                let client = if needs_lookup(&self.table, layout, true) {
                    Some(ctx.connect()?.1)
                } else {
                    None
                };
                resolve_tables(client.as_ref(), &self.table, layout, true)
                    .await?
                    .expect("a trace source always has tables")
            }
        };
        let statement = build(&tables)?;
        emit_plan(ctx, statement.sql, statement.parameters)
    }
}

/// What a trace command asks of the store, for `--print-sql`.
#[derive(Clone, Copy)]
pub(crate) enum StoreRequest<'a> {
    Search(&'a Filters),
    Get(&'a str),
}

/// The experiment's id: looked up by path, or as given.
pub(crate) async fn experiment_id(client: &Client, target: &ExperimentRef) -> Result<String> {
    let found = find_experiment(client, target).await?;
    Ok(require_active(target, found)?.experiment_id)
}

/// The source an experiment's lookup chose.
pub(crate) enum Chosen {
    Tables(TraceTables),
    /// MLflow's trace store, with the experiment's id.
    Store(String),
}

/// Looks the experiment up: its native Unity Catalog tables when it has a native location,
/// else its trace store.
pub(crate) async fn tables_or_store(
    client: &Client,
    target: &ExperimentRef,
    layout: Option<trace_query::LayoutChoice>,
) -> Result<Chosen> {
    let found = find_experiment(client, target).await?;
    let experiment = require_active(target, found)?;
    if native_location(&experiment, &experiment.tag_map()).is_some() {
        return Ok(Chosen::Tables(tables_of_experiment(
            &experiment,
            target,
            layout,
        )?));
    }
    log::note(format_args!(
        "reading MLflow's trace store of experiment {} (it has no native Unity Catalog location; --source tables reads the tag destination)",
        experiment.experiment_id
    ));
    Ok(Chosen::Store(experiment.experiment_id))
}

/// `--print-sql` on the store: the request, with each search's filter (the searches' traces
/// are merged).
pub(crate) fn print_store_request(ctx: &Context, request: StoreRequest<'_>) -> Result<()> {
    let sql = match request {
        StoreRequest::Search(filters) => crate::trace_store::searches(filters)?
            .iter()
            .map(|s| {
                format!(
                    "-- POST {} filter:\n{}",
                    crate::api::traces::SEARCH,
                    s.filter
                )
            })
            .collect::<Vec<_>>()
            .join(";\n"),
        StoreRequest::Get(id) => format!(
            "-- GET {}?trace_id={}",
            crate::api::traces::GET,
            crate::trace_store::store_trace_id(id)
        ),
    };
    emit_plan(ctx, sql, Vec::new())
}

/// What `--print-sql` prints, in the shape of `query --print-sql`.
fn emit_plan(
    ctx: &Context,
    sql: String,
    parameters: Vec<crate::api::statements::Parameter>,
) -> Result<()> {
    let printed = PrintedStatement { sql, parameters };
    output::emit(&printed, ctx.format(OutputFormat::Text))
}

impl Reader {
    /// The traces matching `filters`, newest first.
    pub(crate) async fn list(&self, filters: &Filters) -> Result<Vec<TraceSummary>> {
        match self {
            Reader::Tables(ready) => {
                let statement = trace_query::build_list(&ready.tables, filters)?;
                ready.list(&statement).await
            }
            Reader::Store(store) => store.list(filters).await,
        }
    }
}

impl Ready {
    /// Runs `statement` and keeps its rows.
    pub(crate) async fn rows(&self, statement: &Statement) -> Result<Collected> {
        collect_rows(&self.client, statement, &self.warehouse_id, self.timeout).await
    }

    /// Runs `statement` into `sink`, its result expected large (with `auto`, through links from
    /// the start),
    /// `parallel` chunks fetched at once; no spinner (the caller draws its progress).
    pub(crate) async fn stream_into(
        &self,
        statement: &Statement,
        sink: Box<dyn crate::output::rows::RowSink + Send>,
        parallel: usize,
        disposition: DispositionChoice,
    ) -> Result<crate::sql_exec::RunSummary> {
        let options = RunOptions {
            warehouse_id: &self.warehouse_id,
            disposition,
            parallel,
            size: ResultSize::Large,
        };
        crate::commands::query::run_interruptible_with(
            &self.client,
            statement,
            &options,
            sink,
            self.timeout,
            crate::output::progress::Spinner::hidden(),
        )
        .await
    }

    async fn list(&self, statement: &Statement) -> Result<Vec<TraceSummary>> {
        let result = self.rows(statement).await?;
        result.rows.iter().map(|r| summary(&result, r)).collect()
    }
}

/// Runs a small statement (a trace list, one trace) on the warehouse and keeps its rows.
async fn collect_rows(
    client: &Client,
    statement: &Statement,
    warehouse_id: &str,
    timeout: Option<Duration>,
) -> Result<Collected> {
    let options = RunOptions {
        warehouse_id,
        disposition: DispositionChoice::Auto,
        parallel: 8,
        // A trace list or one trace is small: inline, with the usual fallback.
        size: ResultSize::Unknown,
    };
    let collected = Arc::new(Mutex::new(Collected::default()));
    let sink = Collected::sink(&collected);
    let summary = run_interruptible_into(client, statement, &options, sink, timeout).await?;
    let rows = Collected::take(&collected);
    if summary.truncated {
        log::warn(format_args!(
            "the server truncated the result: not every row was returned"
        ));
    }
    Ok(rows)
}

/// The newest trace in `tables` that started at or after `since` (RFC 3339): the trace-list
/// statement with `--limit 1`, for `show`.
pub(crate) async fn newest_in_tables(
    client: &Client,
    tables: &TraceTables,
    warehouse_id: &str,
    since: String,
) -> Result<Option<TraceSummary>> {
    let filters = Filters {
        since: Some(since),
        limit: 1,
        ..Filters::default()
    };
    let statement = trace_query::build_list(tables, &filters)?;
    let result = collect_rows(client, &statement, warehouse_id, None).await?;
    result.rows.first().map(|r| summary(&result, r)).transpose()
}

fn summary(result: &Collected, row: &crate::output::rows::Row) -> Result<TraceSummary> {
    let text = |c: &str| result.cell(row, c).map(str::to_string);
    let bad = |what: &str| {
        crate::http::HttpError::invalid(
            "the trace list statement",
            format!("a row without a valid {what}"),
        )
    };
    Ok(TraceSummary {
        trace_id: text("trace_id").ok_or_else(|| bad("trace_id"))?,
        start_time: text("start_time").ok_or_else(|| bad("start_time"))?,
        end_time: text("end_time"),
        duration_ms: result
            .cell(row, "duration_ms")
            .and_then(|d| d.parse::<f64>().ok()),
        span_count: result
            .cell(row, "span_count")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| bad("span_count"))?,
        root_span_name: text("root_span_name"),
        status: text("status"),
        user: text("user"),
        session: text("session"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(id: &str, start: &str) -> TraceSummary {
        TraceSummary {
            trace_id: id.into(),
            start_time: start.into(),
            end_time: None,
            duration_ms: None,
            span_count: 1,
            root_span_name: None,
            status: None,
            user: None,
            session: None,
        }
    }

    #[test]
    fn follow_prints_each_trace_once_and_polls_from_the_newest() {
        let mut seen = Seen::default();
        let first = seen.admit(vec![
            trace("b", "2026-11-30T10:05:00.000Z"),
            trace("a", "2026-11-30T10:00:00.000Z"),
        ]);
        assert_eq!(first.len(), 2);
        assert_eq!(seen.poll_from().unwrap(), "2026-11-30T10:03:00.000000Z");
        // `a` fell out of the window and is forgotten; `b` comes back and is skipped.
        assert!(!seen.ids.contains("a"));
        let second = seen.admit(vec![
            trace("c", "2026-11-30T10:06:00.000Z"),
            trace("b", "2026-11-30T10:05:00.000Z"),
        ]);
        let ids: Vec<_> = second.iter().map(|t| t.trace_id.as_str()).collect();
        assert_eq!(ids, ["c"]);
        assert_eq!(
            later(Some("2026-12-01T00:00:00Z"), seen.poll_from().unwrap()),
            "2026-12-01T00:00:00Z"
        );
        assert_eq!(
            later(Some("2026-01-01T00:00:00Z"), seen.poll_from().unwrap()),
            "2026-11-30T10:04:00.000000Z"
        );
    }
}
