//! `tracecfg stats`: the figures of an experiment's traces in a window, from the source that
//! `traces` reads: one aggregate statement on the tables, or the trace store's trace infos
//! aggregated here (docs/stats.md).

use std::collections::HashMap;
use std::time::SystemTime;

use anyhow::Result;

use crate::api::traces::FullTrace;
use crate::cli::StatsArgs;
use crate::commands::show::now_ms;
use crate::commands::traces::{default_format, Reader, Ready, Source, StoreRequest};
use crate::commands::Context;
use crate::error::ExitCode;
use crate::output::collect::Collected;
use crate::output::{self, log};
use crate::stats::{self, GroupBy, Percentiles, Sample, StatsReport, StatsRow, Unit};
use crate::store_metrics;
use crate::store_reader::StoreReader;
use crate::store_stats;
use crate::trace_query::{self, Filters};

pub async fn run(ctx: &Context, args: &StatsArgs) -> Result<ExitCode> {
    let filters = args
        .filters
        .flags(&args.since)
        .parse(SystemTime::now(), args.limit, None)?;
    let source = Source::checked(ctx, &args.source, true)?;
    let format = default_format(ctx);
    let by = args.by;
    let Some(reader) = source
        .prepare(ctx, StoreRequest::Search(&filters), |tables| {
            trace_query::build_stats(tables, &filters, by)
        })
        .await?
    else {
        return Ok(ExitCode::Success);
    };
    let report = match &reader {
        Reader::Tables(ready) => from_tables(ready, &filters, by).await?,
        Reader::Store(store) => from_store_metrics_or_infos(store, &filters, by).await?,
    }
    .arranged();
    say_what_was_read(&reader, &report, &filters);
    output::stats::print(&report, format)?;
    Ok(ExitCode::Success)
}

/// The notes on stderr: where the figures come from when there are none, how exact they are,
/// and whether `--limit` cut the window.
fn say_what_was_read(reader: &Reader, report: &StatsReport, filters: &Filters) {
    let window = match &filters.since {
        Some(since) => format!(" since {since}"),
        None => String::new(),
    };
    let place = match reader {
        Reader::Tables(ready) => ready.tables.main_table().to_string(),
        Reader::Store(store) => {
            format!("MLflow's trace store of experiment {}", store.experiment_id)
        }
    };
    let what = match report.unit {
        Unit::Traces => "traces",
        Unit::Spans => "spans",
    };
    if report.is_empty() {
        log::note(format_args!("no {what} match in {place}{window}"));
        return;
    }
    if report.percentiles == Percentiles::Approximate {
        log::note(format_args!(
            "percentiles are approximate (the warehouse's percentile_approx)"
        ));
    }
    if !report.complete {
        log::warn(format_args!(
            "the window holds more than {} traces: these figures are of the newest {}; --limit counts more, --since narrows the window",
            filters.limit, filters.limit
        ));
    }
}

fn report(by: Option<GroupBy>, filters: &Filters, percentiles: Percentiles) -> StatsReport {
    StatsReport {
        by,
        unit: if by.is_some_and(GroupBy::over_spans) {
            Unit::Spans
        } else {
            Unit::Traces
        },
        percentiles,
        since: filters.since.clone(),
        until: filters.until.clone(),
        source: "",
        aggregated_by: "",
        complete: true,
        rows: Vec::new(),
    }
}

/// The aggregate statement's rows.
async fn from_tables(ready: &Ready, filters: &Filters, by: Option<GroupBy>) -> Result<StatsReport> {
    let result = ready.rows(&ready.statement).await?;
    let rows = result
        .rows
        .iter()
        .map(|r| row_of_result(&result, r))
        .collect::<Result<_>>()?;
    Ok(StatsReport {
        source: "tables",
        aggregated_by: "warehouse",
        rows,
        ..report(by, filters, Percentiles::Approximate)
    })
}

fn row_of_result(result: &Collected, row: &crate::output::rows::Row) -> Result<StatsRow> {
    let cell = |c: &str| result.cell(row, c);
    let float = |c: &str| cell(c).and_then(|v| v.parse::<f64>().ok());
    let int = |c: &str| cell(c).and_then(|v| v.parse::<u64>().ok());
    let count = int("count").ok_or_else(|| {
        crate::http::HttpError::invalid("the stats statement", "a row without a valid count")
    })?;
    let errors = int("errors");
    Ok(StatsRow {
        group: cell("grp").map(str::to_string),
        count,
        errors,
        error_rate: errors
            .filter(|_| count > 0)
            .map(|e| e as f64 / count as f64),
        p50_ms: float("p50_ms"),
        p95_ms: float("p95_ms"),
        p99_ms: float("p99_ms"),
        max_ms: float("max_ms"),
        input_tokens: int("input_tokens"),
        output_tokens: int("output_tokens"),
        total_tokens: int("total_tokens"),
        cost_usd: float("cost_usd"),
    })
}

/// The server's trace metrics where they can answer exactly (store_metrics::plan), else the
/// trace infos aggregated here; a server without the endpoint is told by its answer.
async fn from_store_metrics_or_infos(
    store: &StoreReader,
    filters: &Filters,
    by: Option<GroupBy>,
) -> Result<StatsReport> {
    if let Some(plan) = store_metrics::plan(filters, by, now_ms()) {
        match store_metrics::rows(&store.client, &store.experiment_id, &plan).await {
            Ok(rows) => {
                return Ok(StatsReport {
                    source: "trace_store",
                    aggregated_by: "trace_store",
                    rows,
                    ..report(by, filters, Percentiles::Exact)
                })
            }
            Err(e) if store_metrics::unanswered(&e) => log::debug(format_args!(
                "the trace store does not answer trace metrics ({e}); aggregating its trace infos"
            )),
            Err(e) => return Err(e.into()),
        }
    }
    from_store(store, filters, by).await
}

/// The newest `--limit` traces of the window (one more asked, to tell whether the window
/// holds more), with their spans when the grouping needs them, aggregated here.
async fn from_store(
    store: &StoreReader,
    filters: &Filters,
    by: Option<GroupBy>,
) -> Result<StatsReport> {
    let limit = filters.limit;
    let one_more = Filters {
        limit: limit + 1,
        ..filters.clone()
    };
    let mut found = store.found(&one_more).await?;
    let complete = found.len() as u64 <= limit;
    found.truncate(limit as usize);
    let mut traces = if store_stats::needs_spans(by) {
        let ids: Vec<String> = found.iter().map(|f| f.info.trace_id.clone()).collect();
        store.full_traces(&ids).await?
    } else {
        Vec::new()
    };
    let samples: Vec<Sample> = match by {
        Some(by) if by.over_spans() => traces
            .iter()
            .flat_map(|t| store_stats::span_samples(t, filters, by))
            .collect(),
        _ => {
            let mut by_id: HashMap<String, FullTrace> = traces
                .drain(..)
                .map(|t| (t.trace_info.trace_id.clone(), t))
                .collect();
            found
                .iter()
                .map(|f| store_stats::trace_sample(f, by, by_id.remove(&f.info.trace_id).as_ref()))
                .collect()
        }
    };
    Ok(StatsReport {
        source: "trace_store",
        aggregated_by: "tracecfg",
        complete,
        rows: stats::aggregate(samples),
        ..report(by, filters, Percentiles::Exact)
    })
}
