//! `tracecfg show`: the experiment, its destination tags, its native trace location, and the
//! verdict on where its traces land.

use std::fmt::Write;

use crate::output::text::experiment_line;
use crate::output::Render;

use anyhow::Result;
use serde::Serialize;

use crate::cli::ShowArgs;
use crate::commands::{find_experiment, not_found_error, Context};
use crate::destination::{ConfigStatus, TaggedDestination, Tags};
use crate::error::ExitCode;
use crate::output;
use crate::trace_location::{native_location, native_tags, verdict, NativeLocation, Verdict};
use crate::trace_presence::{store_traces, StoreTraces};
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
    /// What MLflow's trace store holds: recent traces and the newest.
    pub trace_store: StoreTraces,
    /// Where traces really are, in one line.
    pub traces_found: String,
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
    // Unity Catalog and the trace store answer independently: together.
    let (native_tables, trace_store) = tokio::join!(
        async {
            match &native {
                Some(location) => check_tables(&client, location).await,
                None => Vec::new(),
            }
        },
        store_traces(&client, &experiment.experiment_id, now_ms()),
    );
    let traces_found = trace_store.verdict_line(native.is_some());
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
        trace_store,
        traces_found,
        tags: args.all_tags.then_some(tags),
    };
    output::emit(&report, format)?;
    Ok(ExitCode::Success)
}

/// Now, in ms since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
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

impl Render for ShowReport {
    fn render_text(&self) -> String {
        let mut out = String::new();
        experiment_line(
            &mut out,
            self.experiment_name.as_deref(),
            Some(&self.experiment_id),
        );
        let _ = writeln!(
            out,
            "lifecycle    {}",
            self.lifecycle_stage.as_deref().unwrap_or("unknown")
        );
        let d = &self.destination;
        let status = match d.status {
            ConfigStatus::Configured => "configured".to_string(),
            ConfigStatus::NotConfigured => "not configured".to_string(),
            ConfigStatus::Partial => format!("partial (missing {})", d.missing_tags.join(", ")),
        };
        let _ = writeln!(out, "destination  {status}");
        for (label, value) in [
            ("catalog", &d.catalog),
            ("schema", &d.schema),
            ("table", &d.table),
        ] {
            let _ = writeln!(out, "  {label:9} {}", value.as_deref().unwrap_or("-"));
        }
        if let Some(full) = &d.full_name {
            let _ = writeln!(out, "  {:9} {full}", "full name");
        }
        match &self.native {
            Some(n) => {
                let _ = writeln!(
                    out,
                    "native       {} (from {})",
                    n.destination_path(),
                    n.source
                );
                let _ = writeln!(out, "  {:11} {}", "layout", n.layout.label());
                for (role, name) in n.tables() {
                    let state = self
                        .native_tables
                        .iter()
                        .find(|c| c.name == name)
                        .map(|c| match (c.exists, c.problems.is_empty()) {
                            (Some(true), true) => "",
                            (Some(true), false) => "  (columns do not match the layout)",
                            (Some(false), _) => "  (not found)",
                            (None, _) => "  (not checked)",
                        })
                        .unwrap_or_default();
                    let _ = writeln!(out, "  {role:11} {name}{state}");
                }
            }
            None => {
                let _ = writeln!(out, "native       none");
            }
        }
        let _ = writeln!(out, "trace store  {}", self.trace_store.detail_line());
        let _ = writeln!(
            out,
            "verdict      {}: {}",
            self.verdict.label(),
            self.traces_found
        );
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        if let Some(tags) = &self.tags {
            let _ = writeln!(out, "tags ({})", tags.len());
            let width = tags.keys().map(String::len).max().unwrap_or(0);
            for (k, v) in tags {
                let _ = writeln!(out, "  {k:width$}  {v}");
            }
        }
        out
    }
}
