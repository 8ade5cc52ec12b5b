//! `tracecfg traces`: one row per trace, aggregated on the warehouse by one statement, on the
//! tables, filters and execution of `query`; `--follow` polls for newer traces.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use std::sync::{Arc, Mutex};

use anyhow::Result;

use crate::cli::{TraceSourceArgs, TracesArgs};
use crate::commands::query::{
    interrupted, needs_lookup, resolve_tables, run_interruptible_into, PrintedStatement,
    TableSource,
};
use crate::commands::Context;
use crate::destination::Destination;
use crate::error::{exit_code_of, CliError, ExitCode};
use crate::http::Client;
use crate::output::collect::Collected;
use crate::output::trace_list::{TraceListPrinter, TraceSummary};
use crate::output::{self, log, OutputFormat};
use crate::sql_exec::{DispositionChoice, ResultSize, RunOptions};
use crate::time::{format_micros_rfc3339, parse_timestamp_micros};
use crate::trace_query::{self, Filters, Statement, TraceTables};
use crate::warehouse_choice::{choose_warehouse, validate_warehouse_id};

/// The default time between `--follow` polls.
const FOLLOW_INTERVAL: Duration = Duration::from_secs(10);
/// Each `--follow` poll looks this far back before the newest trace seen, for traces whose
/// spans reach the table late; the traces already printed are skipped by id.
const LATE_ARRIVAL: Duration = Duration::from_secs(120);

pub async fn run(ctx: &Context, args: &TracesArgs) -> Result<ExitCode> {
    let filters = trace_query::FilterFlags {
        user: &args.user,
        session: &args.session,
        tags: &args.tags,
        attributes: &args.attributes,
        span_type: &args.span_type,
        name: &args.name,
        since: &args.since,
        until: &args.until,
    }
    .parse(SystemTime::now(), args.limit, None)?;
    let source = Source::checked(ctx, &args.source)?;
    let format = default_format(ctx);
    if args.follow && format == OutputFormat::Json {
        return Err(CliError::usage(
            "--follow prints traces as they arrive: use -o jsonl, csv or text, not json (one document)",
        )
        .into());
    }
    let Some(ready) = source
        .prepare(ctx, |tables| trace_query::build_list(tables, &filters))
        .await?
    else {
        return Ok(ExitCode::Success);
    };
    let mut printer = TraceListPrinter::new(format);
    if !args.follow {
        let traces = ready.list(&ready.statement).await?;
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
    log::warn(format_args!(
        "--follow runs a statement every {}: while it runs, the SQL warehouse does not auto-stop",
        crate::display::human_duration(interval)
    ));
    follow(&ready, &filters, interval, &mut printer).await
}

/// Polls until Ctrl-C: each poll asks only for traces that started after the newest seen (less
/// [`LATE_ARRIVAL`]); a trace is printed once, oldest first.
async fn follow(
    ready: &Ready,
    filters: &Filters,
    interval: Duration,
    printer: &mut TraceListPrinter,
) -> Result<ExitCode> {
    let mut seen = Seen::default();
    let mut statement = ready.statement.clone();
    loop {
        let traces = match ready.list(&statement).await {
            Err(e) if exit_code_of(&e) == ExitCode::Interrupted => return Ok(ExitCode::Success),
            other => other?,
        };
        let mut fresh = seen.admit(traces);
        fresh.reverse();
        printer.print(&fresh)?;
        if let Some(since) = seen.poll_from() {
            let f = Filters {
                since: Some(later(filters.since.as_deref(), since)),
                ..filters.clone()
            };
            statement = trace_query::build_list(&ready.tables, &f)?;
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
}

/// Tables resolved, warehouse chosen, statement built: ready to run.
pub(crate) struct Ready {
    pub client: Client,
    pub tables: TraceTables,
    pub statement: Statement,
    warehouse_id: String,
    timeout: Option<Duration>,
}

impl<'a> Source<'a> {
    pub(crate) fn checked(ctx: &Context, args: &'a TraceSourceArgs) -> Result<Self, CliError> {
        let table = match &args.table {
            Some(t) => TableSource::Flag(Destination::parse_full_name("--table", t)?),
            None => TableSource::Experiment(ctx.experiment_ref(&args.experiment)?),
        };
        if let Some(w) = &args.warehouse {
            validate_warehouse_id(w)?;
        }
        output::times::configure(args.local);
        Ok(Source { args, table })
    }

    /// Resolves the tables and chooses the warehouse in one round trip, and builds the
    /// statement. With `--print-sql`, prints it and returns `None`.
    pub(crate) async fn prepare(
        &self,
        ctx: &Context,
        build: impl Fn(&TraceTables) -> Result<Statement, CliError>,
    ) -> Result<Option<Ready>> {
        let layout = self.args.layout;
        if self.args.print_sql {
            let client = if needs_lookup(&self.table, layout, true) {
                Some(ctx.connect()?.1)
            } else {
                None
            };
            let tables = resolve_tables(client.as_ref(), &self.table, layout, true).await?;
            let statement = build(&tables.expect("a trace source always has tables"))?;
            let printed = PrintedStatement {
                sql: statement.sql,
                parameters: statement.parameters,
            };
            output::emit(&printed, ctx.format(OutputFormat::Text))?;
            return Ok(None);
        }
        let (config, client) = ctx.connect()?;
        let (tables, warehouse) = tokio::join!(
            resolve_tables(Some(&client), &self.table, layout, true),
            choose_warehouse(&client, &config, self.args.warehouse.as_deref()),
        );
        let tables = tables?.expect("a trace source always has tables");
        let statement = build(&tables)?;
        let (warehouse_id, why) = warehouse?;
        log::note(format_args!("using SQL warehouse {warehouse_id} ({why})"));
        Ok(Some(Ready {
            client,
            tables,
            statement,
            warehouse_id,
            timeout: self.args.timeout,
        }))
    }
}

impl Ready {
    /// Runs `statement` and keeps its rows.
    pub(crate) async fn rows(&self, statement: &Statement) -> Result<Collected> {
        let options = RunOptions {
            warehouse_id: &self.warehouse_id,
            disposition: DispositionChoice::Auto,
            parallel: 8,
            // A trace list or one trace is small: inline, with the usual fallback.
            size: ResultSize::Unknown,
        };
        let collected = Arc::new(Mutex::new(Collected::default()));
        let sink = Collected::sink(&collected);
        let summary =
            run_interruptible_into(&self.client, statement, &options, sink, self.timeout).await?;
        let rows = Collected::take(&collected);
        if summary.truncated {
            log::warn(format_args!(
                "the server truncated the result: not every row was returned"
            ));
        }
        Ok(rows)
    }

    async fn list(&self, statement: &Statement) -> Result<Vec<TraceSummary>> {
        let result = self.rows(statement).await?;
        result.rows.iter().map(|r| summary(&result, r)).collect()
    }
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
