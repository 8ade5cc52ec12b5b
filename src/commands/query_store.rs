//! `query` when the experiment chooses the source (docs/trace-store.md, "query"): its native
//! Unity Catalog tables when it has a native location, else the span rows of MLflow's trace
//! store; `--source store` forces the store. `--table`, `--layout`, `--sql` and `--file` keep
//! `query` on the tables (commands/query.rs).

use anyhow::Result;

use crate::cli::{QueryArgs, SourceChoice};
use crate::commands::query::{report_rows, run_and_report, PrintedStatement};
use crate::commands::traces::{
    experiment_id, print_store_request, tables_or_store, Chosen, StoreRequest,
};
use crate::commands::Context;
use crate::error::ExitCode;
use crate::experiment_ref::ExperimentRef;
use crate::output::{self, rows, OutputFormat};
use crate::store_reader::StoreReader;
use crate::trace_query::{self, Filters};
use crate::warehouse_choice::choose_warehouse;
use crate::{store_spans, trace_store};

/// How far the flags choose the source of a trace query.
pub(crate) enum Choice {
    Store,
    ByExperiment,
}

/// `None` when the flags keep the query on the tables.
pub(crate) fn choice(args: &QueryArgs, raw_sql: bool) -> Option<Choice> {
    if raw_sql || args.table.is_some() || args.layout.is_some() {
        return None;
    }
    match args.source {
        Some(SourceChoice::Tables) => None,
        Some(SourceChoice::Store) => Some(Choice::Store),
        None => Some(Choice::ByExperiment),
    }
}

/// Runs the trace query on the source the experiment (or `--source store`) chooses.
pub(crate) async fn run(
    ctx: &Context,
    args: &QueryArgs,
    target: &ExperimentRef,
    filters: &Filters,
    format: OutputFormat,
    choice: Choice,
) -> Result<ExitCode> {
    if let Choice::Store = choice {
        // What the store cannot take is refused before any request.
        trace_store::searches(filters)?;
        store_spans::columns(filters)?;
        if args.print_sql {
            print_store_request(ctx, StoreRequest::Search(filters))?;
            return Ok(ExitCode::Success);
        }
    }
    let (config, client) = ctx.connect()?;
    let chosen = match choice {
        Choice::Store => Chosen::Store(experiment_id(&client, target).await?),
        Choice::ByExperiment => tables_or_store(&client, target, None).await?,
    };
    match chosen {
        Chosen::Store(experiment_id) => {
            let columns = store_spans::columns(filters)?;
            if args.print_sql {
                print_store_request(ctx, StoreRequest::Search(filters))?;
                return Ok(ExitCode::Success);
            }
            let reader = StoreReader {
                client,
                experiment_id,
            };
            let found = reader.span_rows(filters, &columns).await?;
            let count = found.len() as u64;
            let mut sink = rows::sink_for(format);
            sink.begin(&columns)?;
            sink.rows(found)?;
            sink.finish()?;
            report_rows(count, Some(filters.limit));
            Ok(ExitCode::Success)
        }
        Chosen::Tables(tables) => {
            let statement = trace_query::build(&tables, filters)?;
            if args.print_sql {
                let printed = PrintedStatement {
                    sql: statement.sql,
                    parameters: statement.parameters,
                };
                output::emit(&printed, ctx.format(OutputFormat::Text))?;
                return Ok(ExitCode::Success);
            }
            let warehouse = choose_warehouse(&client, &config, args.warehouse.as_deref()).await?;
            run_and_report(&client, &statement, &warehouse, args, filters, format, true).await
        }
    }
}
