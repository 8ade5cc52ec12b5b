//! `tracecfg query`: run a trace query (or raw SQL) on a SQL warehouse and stream the rows.

use std::fmt::Write as _;

use crate::output::Render;

use std::time::{Duration, SystemTime};

use anyhow::Result;
use serde::Serialize;

use crate::api::statements::Parameter;
use crate::api::unity_catalog;
use crate::cli::QueryArgs;
use crate::commands::{find_experiment, not_found_error, query_store, Context};
use crate::destination::{Destination, TaggedDestination};
use crate::error::{CliError, ExitCode};
use crate::experiment_ref::ExperimentRef;
use crate::http::Client;
use crate::output::progress::Spinner;
use crate::output::{self, log, OutputFormat};
use crate::sql_exec::{self, ResultSize, RunOptions, RunningStatement};
use crate::trace_location::{native_location, NativeLayout};
use crate::trace_query::{self, Filters, LayoutChoice, OtelVersion, Statement, TraceTables};
use crate::trace_tables::{column_problems, flag_tables, kind_of, native_tables, TableKind};
use crate::warehouse_choice::choose_warehouse;

/// What `--print-sql` shows: the statement and its parameters, not run.
#[derive(Debug, Serialize)]
pub struct PrintedStatement {
    pub sql: String,
    pub parameters: Vec<Parameter>,
}

/// Where the rows come from, known before connecting.
pub(crate) enum TableSource {
    Flag(Destination),
    Experiment(ExperimentRef),
    /// Raw SQL that does not use `:table`.
    NotNeeded,
}

pub async fn run(ctx: &Context, args: &QueryArgs) -> Result<ExitCode> {
    // Everything that can be checked is checked before the first request.
    let raw_sql = read_raw_sql(args)?;
    let raw_params = args
        .params
        .iter()
        .map(|p| parse_param(p))
        .collect::<Result<Vec<_>, _>>()?;
    reject_duplicate_params(&raw_params)?;
    let filters = filters(args)?;
    let source = table_source(ctx, args, raw_sql.as_deref(), &raw_params)?;
    if let Some(w) = &args.warehouse {
        crate::warehouse_choice::validate_warehouse_id(w)?;
    }
    let default_format = if output::stdout_is_terminal() {
        OutputFormat::Text
    } else {
        OutputFormat::Json
    };
    let format = ctx.format(default_format);
    output::times::configure(args.local);

    if let (Some(choice), TableSource::Experiment(target)) =
        (query_store::choice(args, raw_sql.is_some()), &source)
    {
        return query_store::run(ctx, args, target, &filters, format, choice).await;
    }

    // A statement that needs no lookup is built (and refused, if a filter does not fit the
    // layout) before anything is sent.
    let lookup = needs_lookup(&source, args.layout, raw_sql.is_none());
    let offline = if lookup {
        None
    } else {
        Some(
            build_statement(
                None,
                &source,
                args.layout,
                raw_sql.clone(),
                raw_params.clone(),
                &filters,
            )
            .await?,
        )
    };

    if args.print_sql {
        let statement = match offline {
            Some(statement) => statement,
            None => {
                let client = ctx.connect()?.1;
                build_statement(
                    Some(&client),
                    &source,
                    args.layout,
                    raw_sql,
                    raw_params,
                    &filters,
                )
                .await?
            }
        };
        let printed = PrintedStatement {
            sql: statement.sql,
            parameters: statement.parameters,
        };
        // The statement is for people unless JSON is asked for explicitly.
        let format = ctx.format(OutputFormat::Text);
        output::emit(&printed, format)?;
        return Ok(ExitCode::Success);
    }
    let (config, client) = ctx.connect()?;
    let warehouse = choose_warehouse(&client, &config, args.warehouse.as_deref());
    let (statement, (warehouse_id, why)) = match offline {
        Some(statement) => (statement, warehouse.await?),
        // The table lookup and the warehouse choice are independent: one round trip for both,
        // and a failed lookup drops the warehouse requests.
        None => tokio::try_join!(
            build_statement(
                Some(&client),
                &source,
                args.layout,
                raw_sql.clone(),
                raw_params,
                &filters
            ),
            warehouse,
        )?,
    };
    run_and_report(
        &client,
        &statement,
        &(warehouse_id, why),
        args,
        &filters,
        format,
        raw_sql.is_none(),
    )
    .await
}

/// Runs the statement on the warehouse chosen, streaming its rows, and says what the rows do
/// not (truncation, none, the limit reached).
pub(crate) async fn run_and_report(
    client: &Client,
    statement: &Statement,
    (warehouse_id, why): &(String, String),
    args: &QueryArgs,
    filters: &Filters,
    format: OutputFormat,
    trace_query: bool,
) -> Result<ExitCode> {
    log::note(format_args!("using SQL warehouse {warehouse_id} ({why})"));
    let options = RunOptions {
        warehouse_id,
        disposition: args.disposition,
        parallel: usize::from(args.parallel),
        size: if trace_query {
            expected_size(filters)
        } else {
            ResultSize::Unknown
        },
    };
    let summary = run_interruptible(client, statement, &options, format, args.timeout).await?;
    if summary.truncated {
        log::warn(format_args!(
            "the server truncated the result: not every row was returned"
        ));
    }
    report_rows(summary.rows, trace_query.then_some(filters.limit));
    Ok(ExitCode::Success)
}

/// The note after the rows: none, or as many as `--limit` allows (so there may be more).
pub(crate) fn report_rows(rows: u64, limit: Option<u64>) {
    if rows == 0 {
        log::note(format_args!("0 rows"));
    } else if limit == Some(rows) {
        log::note(format_args!(
            "showing the first {rows} rows; --limit returns more"
        ));
    }
}

/// Runs the statement; Ctrl-C, SIGTERM or `--timeout` stop it, and no statement it started is
/// left running unsaid (see `sql_exec::stop_run`).
async fn run_interruptible(
    client: &Client,
    statement: &Statement,
    options: &RunOptions<'_>,
    format: OutputFormat,
    timeout: Option<Duration>,
) -> Result<sql_exec::RunSummary> {
    run_interruptible_into(
        client,
        statement,
        options,
        output::rows::sink_for(format),
        timeout,
    )
    .await
}

/// [`run_interruptible`] into any row sink (which runs on the writer thread); no statement it
/// started is left running unsaid (see `sql_exec::stop_run`).
pub(crate) async fn run_interruptible_into(
    client: &Client,
    statement: &Statement,
    options: &RunOptions<'_>,
    sink: Box<dyn output::rows::RowSink + Send>,
    timeout: Option<Duration>,
) -> Result<sql_exec::RunSummary> {
    let spinner = Spinner::start("running query");
    run_interruptible_with(client, statement, options, sink, timeout, spinner).await
}

/// [`run_interruptible_into`] with the caller's spinner (hidden when it draws its own progress).
pub(crate) async fn run_interruptible_with(
    client: &Client,
    statement: &Statement,
    options: &RunOptions<'_>,
    sink: Box<dyn output::rows::RowSink + Send>,
    timeout: Option<Duration>,
    spinner: Spinner,
) -> Result<sql_exec::RunSummary> {
    let running = RunningStatement::default();
    let deadline = async {
        match timeout {
            Some(t) => tokio::time::sleep(t).await,
            None => std::future::pending().await,
        }
    };
    let run = sql_exec::run(client, statement, options, &running, sink, &spinner);
    tokio::pin!(run);
    let stopped = tokio::select! {
        result = &mut run => return result,
        _ = interrupted() => CliError::new(ExitCode::Interrupted, "interrupted"),
        _ = deadline => CliError::new(
            ExitCode::Sql,
            format!("the query did not finish within {} (--timeout)", crate::display::human_duration(timeout.unwrap_or_default())),
        ),
    };
    spinner.finish();
    sql_exec::stop_run(client, &running, run, interrupted()).await;
    Err(stopped.into())
}

/// Typical widths in bytes of the trace query's columns as JSON_ARRAY text, for telling a large
/// result before running it; payload columns (inputs, outputs, attributes...) get a typical
/// prompt's or completion's size.
fn typical_width(column: &str) -> u64 {
    match column {
        "trace_id" | "span_id" | "parent_span_id" | "parent_id" | "request_id" => 48,
        "span_type" | "status" | "status_code" | "kind" => 16,
        "start_time" | "end_time" | "time" | "timestamp" | "date" => 32,
        "span_name" | "name" | "experiment_id" => 48,
        _ => 4096,
    }
}

/// The inline limit of the Statement Execution API (25 MiB).
const INLINE_LIMIT: u64 = 25 << 20;

/// Whether a trace query's result is expected over the inline limit: `--limit` rows of typical
/// width. Such a result goes through links from the start, so it is computed once.
fn expected_size(filters: &Filters) -> ResultSize {
    let row: u64 = match &filters.columns {
        Some(columns) => columns.iter().map(|c| typical_width(c)).sum(),
        None => trace_query::DEFAULT_COLUMNS
            .iter()
            .map(|c| typical_width(c))
            .sum(),
    };
    if filters.limit.saturating_mul(row.max(1)) > INLINE_LIMIT {
        ResultSize::Large
    } else {
        ResultSize::Unknown
    }
}

pub(crate) async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).ok();
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminated => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn read_raw_sql(args: &QueryArgs) -> Result<Option<String>, CliError> {
    let text = match (&args.sql, &args.file) {
        (Some(sql), _) => sql.clone(),
        (None, Some(path)) if path == "-" => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
                CliError::usage(format!("--file -: cannot read standard input: {e}"))
            })?;
            text
        }
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("--file {path}: cannot read it: {e}")))?,
        (None, None) => return Ok(None),
    };
    if text.trim().is_empty() {
        return Err(CliError::usage(
            "the SQL statement is empty (--sql / --file)",
        ));
    }
    Ok(Some(text))
}

/// `--param name=value` or `--param name:TYPE=value`; an empty value is SQL NULL.
pub fn parse_param(text: &str) -> Result<Parameter, CliError> {
    let bad = |why: &str| {
        CliError::usage(format!(
            "--param {} {why} (use NAME=VALUE or NAME:TYPE=VALUE)",
            crate::display::shown(text)
        ))
    };
    let (left, value) = text.split_once('=').ok_or_else(|| bad("has no '='"))?;
    let (name, type_name) = match left.split_once(':') {
        Some((n, t)) => (n, Some(t)),
        None => (left, None),
    };
    let identifier = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if !identifier(name) {
        return Err(bad(
            "has a NAME that is not an identifier (letters, digits, '_')",
        ));
    }
    if let Some(t) = type_name {
        let base = t.split('(').next().unwrap_or_default();
        let args_ok = t[base.len()..].is_empty()
            || (t.ends_with(')')
                && t[base.len() + 1..t.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ',' || c == ' '));
        if base.is_empty() || !base.chars().all(|c| c.is_ascii_alphabetic() || c == '_') || !args_ok
        {
            return Err(bad(
                "has a TYPE that is not a SQL type such as INT, DATE or DECIMAL(10,2)",
            ));
        }
    }
    Ok(Parameter {
        name: name.to_string(),
        value: (!value.is_empty()).then(|| value.to_string()),
        type_name: type_name.map(|t| t.to_ascii_uppercase()),
    })
}

fn reject_duplicate_params(params: &[Parameter]) -> Result<(), CliError> {
    for (i, p) in params.iter().enumerate() {
        if params[..i].iter().any(|q| q.name == p.name) {
            return Err(CliError::usage(format!(
                "--param {} is given twice",
                p.name
            )));
        }
    }
    Ok(())
}

fn filters(args: &QueryArgs) -> Result<Filters, CliError> {
    let columns = args
        .columns
        .as_deref()
        .map(trace_query::parse_columns)
        .transpose()?;
    trace_query::FilterFlags {
        user: &args.user,
        session: &args.session,
        tags: &args.tags,
        attributes: &args.attributes,
        span_type: &args.span_type,
        name: &args.name,
        since: &args.since,
        until: &args.until,
    }
    .parse(SystemTime::now(), args.limit, columns)
}

fn table_source(
    ctx: &Context,
    args: &QueryArgs,
    raw_sql: Option<&str>,
    raw_params: &[Parameter],
) -> Result<TableSource, CliError> {
    if let Some(table) = &args.table {
        return Ok(TableSource::Flag(Destination::parse_full_name(
            "--table", table,
        )?));
    }
    match raw_sql {
        // Raw SQL needs the destination only to bind a `:table` the user did not bind.
        Some(sql) if !uses_table_marker(sql) || raw_params.iter().any(|p| p.name == "table") => {
            Ok(TableSource::NotNeeded)
        }
        _ => Ok(TableSource::Experiment(
            ctx.experiment_ref(&args.experiment)?,
        )),
    }
}

/// Whether the SQL mentions the parameter `:table` (not `:table_name` or another longer name).
fn uses_table_marker(sql: &str) -> bool {
    sql.match_indices(":table").any(|(i, m)| {
        !sql[i + m.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

async fn build_statement(
    client: Option<&Client>,
    source: &TableSource,
    layout: Option<LayoutChoice>,
    raw_sql: Option<String>,
    mut raw_params: Vec<Parameter>,
    filters: &Filters,
) -> Result<Statement> {
    let Some(sql) = raw_sql else {
        let tables = resolve_tables(client, source, layout, true).await?;
        let tables = tables.expect("filter queries always have a table");
        return Ok(trace_query::build(&tables, filters)?);
    };
    if uses_table_marker(&sql) && !raw_params.iter().any(|p| p.name == "table") {
        // Raw SQL only needs the name: no layout detection.
        if let Some(tables) = resolve_tables(client, source, layout, false).await? {
            raw_params.push(Parameter {
                name: "table".into(),
                value: Some(tables.main_table().to_string()),
                type_name: None,
            });
        }
    }
    Ok(Statement {
        sql,
        parameters: raw_params,
    })
}

/// Whether the tables for `source` can be known without a request.
pub(crate) fn needs_lookup(
    source: &TableSource,
    layout: Option<LayoutChoice>,
    detect: bool,
) -> bool {
    match source {
        TableSource::NotNeeded => false,
        TableSource::Experiment(_) => true,
        TableSource::Flag(_) => detect && forced_kind(layout).is_none(),
    }
}

/// The tables to query. `detect`: tell the layout of a `--table` from its columns.
pub(crate) async fn resolve_tables(
    client: Option<&Client>,
    source: &TableSource,
    layout: Option<LayoutChoice>,
    detect: bool,
) -> Result<Option<TraceTables>> {
    match source {
        TableSource::NotNeeded => Ok(None),
        TableSource::Flag(d) => {
            let kind = match forced_kind(layout) {
                Some(kind) => kind,
                None if !detect => TableKind::Tags,
                None => {
                    let client = client.expect("layout detection is done with a client");
                    detect_kind(client, d, layout == Some(LayoutChoice::Otel)).await?
                }
            };
            Ok(Some(flag_tables(d, kind)))
        }
        TableSource::Experiment(target) => {
            let client = client.expect("an experiment source is looked up with a client");
            Ok(Some(experiment_tables(client, target, layout).await?))
        }
    }
}

/// The kind of table `--layout` names outright; `None` when it is to be detected.
fn forced_kind(layout: Option<LayoutChoice>) -> Option<TableKind> {
    match layout? {
        LayoutChoice::Tags => Some(TableKind::Tags),
        LayoutChoice::OtelV1 => Some(TableKind::OtelSpans(OtelVersion::V1)),
        LayoutChoice::OtelV2 => Some(TableKind::OtelSpans(OtelVersion::V2)),
        LayoutChoice::Otel => None,
    }
}

/// The kind of a `--table`, from its columns in Unity Catalog.
async fn detect_kind(client: &Client, table: &Destination, want_otel: bool) -> Result<TableKind> {
    let info = unity_catalog::get_table(client, &table.catalog, &table.schema, &table.table)
        .await
        .map_err(|e| {
            anyhow::Error::from(e).context(format!(
                "cannot read the columns of {} to tell its layout (pass --layout to skip this)",
                table.full_name()
            ))
        })?
        .ok_or_else(|| {
            CliError::not_found(format!("table {} does not exist", table.full_name())).with_hint(
                "a table you cannot see looks missing: check the name and your SELECT grant",
            )
        })?;
    let kind = match kind_of(&info.columns) {
        Some(kind @ TableKind::OtelSpans(_)) => {
            // The statement reads these columns: say which are missing rather than let the
            // warehouse fail on the first one.
            let problems = column_problems(kind, &info.columns);
            if !problems.is_empty() {
                return Err(CliError::new(
                    ExitCode::Failure,
                    format!(
                        "{} does not have the columns of an OpenTelemetry spans table: {}",
                        table.full_name(),
                        problems.join("; ")
                    ),
                )
                .into());
            }
            kind
        }
        Some(TableKind::Tags) if !want_otel => TableKind::Tags,
        _ => {
            let expected = if want_otel {
                "an OpenTelemetry spans table (an attributes column of type MAP or VARIANT)"
            } else {
                "a trace table (a tags map, or OpenTelemetry spans with attributes)"
            };
            return Err(CliError::new(
                ExitCode::Failure,
                format!("{} is not {expected}", table.full_name()),
            )
            .with_hint("pass --layout tags|otel-v1|otel-v2 to say how to read it")
            .into());
        }
    };
    log::debug(format_args!("{} reads as {kind:?}", table.full_name()));
    Ok(kind)
}

/// The tables to query for an experiment: its tag destination, or its native tables.
async fn experiment_tables(
    client: &Client,
    target: &ExperimentRef,
    layout: Option<LayoutChoice>,
) -> Result<TraceTables> {
    let experiment = find_experiment(client, target)
        .await?
        .ok_or_else(|| not_found_error(target, false))?;
    tables_of_experiment(&experiment, target, layout)
}

/// The tables to query for an experiment already looked up.
pub(crate) fn tables_of_experiment(
    experiment: &crate::api::experiments::Experiment,
    target: &ExperimentRef,
    layout: Option<LayoutChoice>,
) -> Result<TraceTables> {
    let tags = experiment.tag_map();
    let tagged = TaggedDestination::from_tags(&tags);
    let native = native_location(experiment, &tags);
    let from_tags = tagged.destination();
    // Traces land in the native location; the tags only say where they were meant to go.
    let use_tags = match layout {
        Some(LayoutChoice::Tags) => true,
        None => native.is_none(),
        Some(_) => false,
    };
    if use_tags {
        let d = from_tags.ok_or_else(|| {
            CliError::not_found(format!(
                "{target} has no complete trace destination (missing {})",
                tagged.missing_tags.join(", ")
            ))
            .with_hint("run 'tracecfg set --catalog C --schema S' first, or pass --table CATALOG.SCHEMA.TABLE")
        })?;
        return Ok(TraceTables::Tags {
            table: d.sql_name(),
        });
    }
    let n = native.ok_or_else(|| {
        CliError::not_found(format!("{target} has no native Unity Catalog trace location"))
            .with_hint("link one with 'tracecfg set --native', or query the tag destination with --layout tags")
    })?;
    // The location says which layout its tables have; a --layout that says otherwise would
    // read them wrongly.
    match (layout, n.layout) {
        (Some(LayoutChoice::OtelV1), NativeLayout::TablePrefix)
        | (Some(LayoutChoice::OtelV2), NativeLayout::Schema) => {
            return Err(CliError::usage(format!(
                "--layout {} does not match {target}'s native location {}, which is {}: use --layout otel",
                if layout == Some(LayoutChoice::OtelV1) { "otel-v1" } else { "otel-v2" },
                n.destination_path(),
                n.layout.label()
            ))
            .into())
        }
        _ => {}
    }
    Ok(native_tables(&n)?)
}

impl Render for PrintedStatement {
    fn render_text(&self) -> String {
        let mut out = format!("{};\n", self.sql);
        for p in &self.parameters {
            let value = match &p.value {
                Some(v) => format!("{v:?}"),
                None => "NULL".to_string(),
            };
            let _ = writeln!(
                out,
                "-- :{} = {value} ({})",
                p.name,
                p.type_name.as_deref().unwrap_or("STRING")
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_marker_is_a_whole_parameter_name() {
        assert!(uses_table_marker("SELECT * FROM IDENTIFIER(:table)"));
        assert!(uses_table_marker("SELECT :table"));
        assert!(uses_table_marker("SELECT :table_x, :table"));
        assert!(!uses_table_marker("SELECT :table_name"));
        assert!(!uses_table_marker("SELECT :tables, :table2"));
        assert!(!uses_table_marker("SELECT 1"));
    }
}
