//! `tracecfg unset`: remove the three destination tags; tags already absent are left alone.

use anyhow::Result;
use futures::future::join_all;
use serde::Serialize;

use crate::api::experiments::{self, is_missing_endpoint};
use crate::cli::UnsetArgs;
use crate::commands::set::partial_write_error;
use crate::commands::{find_experiment, require_active, Context};
use crate::destination::{plan_unset, TagChange};
use crate::error::{CliError, ExitCode};
use crate::http::HttpError;
use crate::output;

#[derive(Debug, Serialize)]
pub struct UnsetReport {
    pub experiment_id: String,
    pub experiment_name: Option<String>,
    pub changes: Vec<TagChange>,
    pub dry_run: bool,
}

pub async fn run(ctx: &Context, args: &UnsetArgs) -> Result<ExitCode> {
    let target = ctx.experiment_ref(&args.experiment)?;
    let format = ctx.report_format("unset")?;
    let (_config, client) = ctx.connect()?;
    let experiment = require_active(&target, find_experiment(&client, &target).await?)?;
    let changes = plan_unset(&experiment.tag_map());
    if !args.dry_run {
        let pending: Vec<&TagChange> = changes.iter().filter(|c| c.needs_write()).collect();
        let results = join_all(
            pending
                .iter()
                .map(|c| experiments::delete_tag(&client, &experiment.experiment_id, &c.key)),
        )
        .await;
        let failed: Vec<(&TagChange, HttpError)> = pending
            .iter()
            .zip(results)
            .filter_map(|(c, r)| r.err().map(|e| (*c, e)))
            .collect();
        if let Some((_, e)) = failed.iter().find(|(_, e)| is_missing_endpoint(e)) {
            return Err(CliError::new(
                ExitCode::Failure,
                format!(
                    "this server does not offer delete-experiment-tag ({e}); no tag was removed"
                ),
            )
            .with_hint("Databricks documents no delete-experiment-tag endpoint; set the tags to other values with 'tracecfg set' instead")
            .into());
        }
        if !failed.is_empty() {
            return Err(partial_write_error(&changes, failed).into());
        }
    }
    let report = UnsetReport {
        experiment_id: experiment.experiment_id.clone(),
        experiment_name: experiment.name.clone(),
        changes,
        dry_run: args.dry_run,
    };
    output::emit(&report, format)?;
    Ok(ExitCode::Success)
}
