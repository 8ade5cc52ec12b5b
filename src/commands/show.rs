//! `tracecfg show`: the experiment, its destination tags, its native trace location, and the
//! verdict on where its traces land.

use std::fmt::Write;

use crate::output::text::experiment_line;
use crate::output::Render;

use anyhow::Result;
use serde::Serialize;

use crate::api::experiments::Experiment;
use crate::cli::ShowArgs;
use crate::commands::query::tables_of_experiment;
use crate::commands::traces::newest_in_tables;
use crate::commands::{find_experiment, not_found_error, Context};
use crate::destination::{ConfigStatus, TaggedDestination, Tags};
use crate::error::ExitCode;
use crate::experiment_ref::ExperimentRef;
use crate::http::Client;
use crate::output;
use crate::time::{format_compact, format_micros_rfc3339, parse_timestamp_micros};
use crate::trace_location::{native_location, native_tags, verdict, NativeLocation, Verdict};
use crate::trace_presence::{store_traces, StoreTraces, RECENT_DAYS};
use crate::trace_tables::{check_tables, summarize, TableCheck, TableVerdict};

/// The newest trace of the native location's tables in the last days, when a warehouse is
/// configured (a statement is never run on a warehouse nobody named).
#[derive(Debug, Serialize)]
pub struct TablesNewest {
    /// Whether the tables were queried.
    pub checked: bool,
    pub warehouse_id: Option<String>,
    pub trace_id: Option<String>,
    pub start_time: Option<String>,
    /// Why not checked, or what failed.
    pub note: Option<String>,
}

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
    /// The newest trace in the native location's tables (`null` without a native location).
    pub native_newest: Option<TablesNewest>,
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
    let (config, client) = ctx.connect()?;
    let experiment = find_experiment(&client, &target)
        .await?
        .ok_or_else(|| not_found_error(&target, false))?;
    let tags = experiment.tag_map();
    let destination = TaggedDestination::from_tags(&tags);
    let native = native_location(&experiment, &tags);
    let verdict = verdict(&destination, native.as_ref());
    // Unity Catalog, the trace store and the warehouse answer independently: together.
    let (native_tables, trace_store, native_newest) = tokio::join!(
        async {
            match &native {
                Some(location) => check_tables(&client, location).await,
                None => Vec::new(),
            }
        },
        store_traces(&client, &experiment.experiment_id, now_ms()),
        async {
            match &native {
                Some(_) => Some(
                    newest_in_native_tables(
                        &client,
                        &experiment,
                        &target,
                        config.warehouse_id.as_deref(),
                    )
                    .await,
                ),
                None => None,
            }
        },
    );
    let mut traces_found = trace_store.verdict_line(native.is_some());
    if let Some(line) = native_newest.as_ref().and_then(TablesNewest::verdict_part) {
        traces_found.push_str("; ");
        traces_found.push_str(&line);
    }
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
        native_newest,
        traces_found,
        tags: args.all_tags.then_some(tags),
    };
    output::emit(&report, format)?;
    Ok(ExitCode::Success)
}

/// The newest trace of the native tables in the last [`RECENT_DAYS`] days, on the configured
/// warehouse; failures are noted, not raised (the rest of `show` stands without it).
async fn newest_in_native_tables(
    client: &Client,
    experiment: &Experiment,
    target: &ExperimentRef,
    warehouse_id: Option<&str>,
) -> TablesNewest {
    let mut newest = TablesNewest {
        checked: false,
        warehouse_id: warehouse_id.map(str::to_string),
        trace_id: None,
        start_time: None,
        note: None,
    };
    let Some(warehouse_id) = warehouse_id else {
        newest.note =
            Some("no warehouse configured (warehouse_id or DATABRICKS_WAREHOUSE_ID)".into());
        return newest;
    };
    let since = format_micros_rfc3339((now_ms() - RECENT_DAYS as i64 * 86_400_000) * 1000);
    let found = match tables_of_experiment(experiment, target, None) {
        Ok(tables) => newest_in_tables(client, &tables, warehouse_id, since).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(row) => {
            newest.checked = true;
            if let Some(row) = row {
                newest.trace_id = Some(row.trace_id);
                newest.start_time = Some(row.start_time);
            }
        }
        Err(e) => newest.note = Some(format!("{e:#}")),
    }
    newest
}

impl TablesNewest {
    /// The line under the native location in text.
    fn detail_line(&self) -> String {
        match (&self.note, &self.trace_id) {
            (Some(note), _) => format!("not checked: {note}"),
            (None, Some(id)) => format!(
                "{id} at {} (warehouse {})",
                self.shown_time(),
                self.warehouse_id.as_deref().unwrap_or("-")
            ),
            (None, None) => format!("none in the last {RECENT_DAYS} days"),
        }
    }

    /// The Unity Catalog part of the verdict line, when the tables were read.
    fn verdict_part(&self) -> Option<String> {
        if !self.checked {
            return None;
        }
        Some(match &self.trace_id {
            Some(_) => format!("the newest in Unity Catalog is from {}", self.shown_time()),
            None => format!("none in Unity Catalog in the last {RECENT_DAYS} days"),
        })
    }

    fn shown_time(&self) -> String {
        self.start_time
            .as_deref()
            .and_then(parse_timestamp_micros)
            .map(|m| format_compact(m, 0))
            .unwrap_or_else(|| "an unknown time".into())
    }
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
                if let Some(newest) = &self.native_newest {
                    let _ = writeln!(out, "  {:11} {}", "newest", newest.detail_line());
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
