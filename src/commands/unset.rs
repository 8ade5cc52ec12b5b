//! `tracecfg unset`: remove the three destination tags; tags already absent are left alone.

use std::fmt::Write;

use crate::output::text::{change_lines, experiment_line, native_line};
use crate::output::Render;

use anyhow::Result;
use serde::Serialize;

use crate::api::experiments;
use crate::api::trace_locations;
use crate::cli::UnsetArgs;
use crate::commands::{find_experiment, require_active, tag_writes, Context};
use crate::destination::{plan_unset, TagChange};
use crate::error::{CliError, ExitCode};
use crate::http::Client;
use crate::output;
use crate::trace_location::{
    native_location, plan_unlink, NativeAction, NativeChange, NativeLocation,
};

#[derive(Debug, Serialize)]
pub struct UnsetReport {
    pub experiment_id: String,
    pub experiment_name: Option<String>,
    pub changes: Vec<TagChange>,
    pub dry_run: bool,
    /// With `--native`: whether the native trace location was unlinked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native: Option<NativeChange>,
}

pub async fn run(ctx: &Context, args: &UnsetArgs) -> Result<ExitCode> {
    let target = ctx.experiment_ref(&args.experiment)?;
    let format = ctx.report_format("unset")?;
    let (_config, client) = ctx.connect()?;
    let experiment = require_active(&target, find_experiment(&client, &target).await?)?;
    let tags = experiment.tag_map();
    let changes = plan_unset(&tags);
    // Planned before any write: a location no API can unlink is refused with nothing changed.
    let native = args
        .native
        .then(|| plan_unlink(native_location(&experiment, &tags)))
        .transpose()?;
    if !args.dry_run {
        // Tags first, then the link: a server without delete-experiment-tag then sees no write.
        let removed = remove_tags(&client, &experiment.experiment_id, &changes).await?;
        let unlink = native
            .as_ref()
            .filter(|n| n.action == NativeAction::Unlink)
            .and_then(|n| n.current.as_ref());
        if let Some(location) = unlink {
            unlink_native(&client, &experiment.experiment_id, location, removed).await?;
        }
    }
    let report = UnsetReport {
        experiment_id: experiment.experiment_id.clone(),
        experiment_name: experiment.name.clone(),
        changes,
        dry_run: args.dry_run,
        native,
    };
    output::emit(&report, format)?;
    Ok(ExitCode::Success)
}

/// Deletes the tags that are present, all at once; returns how many were removed.
async fn remove_tags(client: &Client, experiment_id: &str, changes: &[TagChange]) -> Result<usize> {
    let failed = tag_writes::apply(changes, |c| {
        experiments::delete_tag(client, experiment_id, &c.key)
    })
    .await;
    if let Some((_, e)) = failed.iter().find(|(_, e)| e.is_missing_endpoint()) {
        return Err(CliError::new(
            ExitCode::Failure,
            format!("this server does not offer delete-experiment-tag ({e}); no tag was removed"),
        )
        .with_hint("Databricks documents no delete-experiment-tag endpoint; set the tags to other values with 'tracecfg set' instead")
        .into());
    }
    if !failed.is_empty() {
        return Err(tag_writes::partial_write_error(changes, failed).into());
    }
    Ok(changes.iter().filter(|c| c.needs_write()).count())
}

async fn unlink_native(
    client: &Client,
    experiment_id: &str,
    location: &NativeLocation,
    removed: usize,
) -> Result<()> {
    let Err(e) =
        trace_locations::unlink(client, experiment_id, &location.catalog, &location.schema).await
    else {
        return Ok(());
    };
    // A missing API is a failure (exit 1), not a missing resource.
    let (code, hint) = if trace_locations::is_unavailable(&e) {
        (ExitCode::Failure, trace_locations::UNAVAILABLE_HINT)
    } else {
        (e.exit_code(), "run the same command again")
    };
    Err(CliError::new(
        code,
        format!("{removed} destination tag(s) removed, but the native trace location was not unlinked: {e}"),
    )
    .with_hint(hint)
    .into())
}

impl Render for UnsetReport {
    fn render_text(&self) -> String {
        let mut out = String::new();
        experiment_line(
            &mut out,
            self.experiment_name.as_deref(),
            Some(&self.experiment_id),
        );
        change_lines(&mut out, &self.changes, self.dry_run);
        native_line(&mut out, &self.native, self.dry_run);
        let pending = self.changes.iter().filter(|c| c.needs_write()).count();
        let unlinks = self.native.as_ref().is_some_and(|n| n.action.needs_write());
        let summary = match (self.dry_run, pending) {
            (_, 0) if !unlinks => "nothing to remove".to_string(),
            (true, n) => format!("dry run: {n} tag(s) would be removed, nothing was removed"),
            (false, n) => format!("{n} tag(s) removed"),
        };
        let _ = writeln!(out, "{summary}");
        out
    }
}
