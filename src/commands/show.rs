//! `tracecfg show`: the experiment, its destination tags, its native trace location, and the
//! verdict on where its traces land.

use anyhow::Result;
use serde::Serialize;

use crate::cli::ShowArgs;
use crate::commands::{find_experiment, not_found_error, Context};
use crate::destination::{ConfigStatus, TaggedDestination, Tags};
use crate::error::ExitCode;
use crate::output;
use crate::trace_location::{native_location, native_tags, verdict, NativeLocation, Verdict};
use crate::trace_tables::{check_tables, summarize, TableCheck, TableVerdict};

#[derive(Debug, Serialize)]
pub struct ShowReport {
    pub experiment_id: String,
    pub experiment_name: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub destination: TaggedDestination,
    pub native: Option<NativeLocation>,
    /// What Unity Catalog says of each table of the native location.
    pub native_tables: Vec<TableCheck>,
    pub native_tags: Tags,
    pub verdict: Verdict,
    pub warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

pub async fn run(ctx: &Context, args: &ShowArgs) -> Result<ExitCode> {
    if args.all {
        return crate::commands::apply::show_all(ctx).await;
    }
    let target = ctx.experiment_ref(&args.experiment)?;
    let format = ctx.report_format("show")?;
    let (_config, client) = ctx.connect()?;
    let experiment = find_experiment(&client, &target)
        .await?
        .ok_or_else(|| not_found_error(&target, false))?;
    let tags = experiment.tag_map();
    let destination = TaggedDestination::from_tags(&tags);
    let native = native_location(&experiment, &tags);
    let verdict = verdict(&destination, native.as_ref());
    let native_tables = match &native {
        Some(location) => check_tables(&client, location).await,
        None => Vec::new(),
    };
    let mut warnings = warnings(
        &destination,
        native.as_ref(),
        verdict,
        experiment.is_deleted(),
    );
    if !native_tables.is_empty() {
        let (table_verdict, line) = summarize(&native_tables);
        if table_verdict != TableVerdict::Ok {
            warnings.push(line);
        }
    }
    let report = ShowReport {
        experiment_id: experiment.experiment_id.clone(),
        experiment_name: experiment.name.clone(),
        lifecycle_stage: experiment.lifecycle_stage.clone(),
        warnings,
        native_tables,
        native_tags: native_tags(&tags),
        destination,
        native,
        verdict,
        tags: args.all_tags.then_some(tags),
    };
    output::emit(&report, format)?;
    Ok(ExitCode::Success)
}

fn warnings(
    destination: &TaggedDestination,
    native: Option<&NativeLocation>,
    verdict: Verdict,
    deleted: bool,
) -> Vec<String> {
    let mut warnings = Vec::new();
    if deleted {
        warnings.push("the experiment is deleted: restore it before configuring it".to_string());
    }
    if destination.status == ConfigStatus::Partial {
        warnings.push(format!(
            "the destination is incomplete: missing {}",
            destination.missing_tags.join(", ")
        ));
    }
    match (verdict, native) {
        (Verdict::TagsOnly, _) => warnings.push(
            "no native trace location: MLflow reads none of the destination tags, so traces do not land in the table they name (tracecfg set --native links one)".to_string(),
        ),
        (Verdict::Mismatch, Some(n)) => warnings.push(format!(
            "the tags name {} but traces land in {} (native location from {})",
            destination.full_name.as_deref().unwrap_or("an incomplete destination"),
            n.spans_table,
            n.source
        )),
        _ => {}
    }
    warnings
}
