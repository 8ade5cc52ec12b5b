//! `tracecfg apply`: every experiment of tracecfg.toml planned at once (one client per
//! workspace), one plan, then every write at once. Each experiment goes through the same
//! plan-and-apply path as `set`, so it costs the same two sequential round trips at most.

use std::collections::BTreeMap;

use anyhow::Result;
use futures::stream::{self, StreamExt};
use serde::Serialize;

use crate::cli::ApplyArgs;
use crate::commands::set::{plan_and_apply, Mode, SetReport};
use crate::commands::Context;
use crate::config::Config;
use crate::error::{exit_code_of, hint_of, CliError, ExitCode};
use crate::fleet::{self, FleetEntry, Workspace};
use crate::http::Client;
use crate::output;
use crate::project::ProjectFile;

/// Experiments in flight together. Enough for a large fleet to need one wave, few enough that
/// a fleet of hundreds does not open thousands of connections at once.
const MAX_IN_FLIGHT: usize = 64;

/// Variables that would take precedence over an entry's profile (databricks-sdk-go
/// `config/config.go`: the environment before the config file).
const PROFILE_OVERRIDES: &[&str] = &[
    "DATABRICKS_HOST",
    "DATABRICKS_TOKEN",
    "DATABRICKS_CLIENT_ID",
    "DATABRICKS_CLIENT_SECRET",
    "DATABRICKS_AUTH_TYPE",
    "DATABRICKS_CONFIG_PROFILE",
];

/// `{experiments: [...], summary}`: one document for the whole file.
#[derive(Debug, Serialize)]
pub struct ApplyReport {
    pub experiments: Vec<EntryReport>,
    pub summary: Summary,
}

/// One entry: the `set` report when it could be planned (and applied), else the error.
#[derive(Debug, Serialize)]
pub struct EntryReport {
    /// The entry's `name`, else its experiment path or id.
    pub name: String,
    /// The workspace it was applied to.
    pub host: String,
    pub status: EntryStatus,
    #[serde(flatten)]
    pub report: Option<SetReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<EntryError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    Unchanged,
    /// Something differs: written, or (with --dry-run/--check) to be written.
    Changed,
    Failed,
}

#[derive(Debug, Serialize)]
pub struct EntryError {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    pub exit_code: u8,
    #[serde(skip)]
    pub code: ExitCode,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub experiments: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub dry_run: bool,
    pub check: bool,
}

pub async fn run(ctx: &Context, args: &ApplyArgs) -> Result<ExitCode> {
    let loaded;
    let project = match &args.file {
        Some(path) => {
            loaded = ProjectFile::load(path)?;
            &loaded
        }
        None => &ctx.project,
    };
    let mode = Mode {
        dry_run: args.dry_run,
        check: args.check,
    };
    let entries = fleet::select(fleet::entries(project)?, &args.only)?;
    let format = ctx.report_format("apply")?;
    let report = plan_fleet(ctx, project, &entries, mode).await?;
    output::emit(&report, format)?;
    outcome(&report, mode)
}

/// `show --all`: the whole file against the workspaces, written nothing.
pub async fn show_all(ctx: &Context) -> Result<ExitCode> {
    let entries = fleet::entries(&ctx.project)?;
    let format = ctx.report_format("show")?;
    let mode = Mode {
        dry_run: true,
        check: false,
    };
    let report = plan_fleet(ctx, &ctx.project, &entries, mode).await?;
    output::emit(&report, format)?;
    outcome(&report, mode)
}

/// Connects once per workspace (no request yet), then plans and applies every entry at once.
pub async fn plan_fleet(
    ctx: &Context,
    project: &ProjectFile,
    entries: &[FleetEntry],
    mode: Mode,
) -> Result<ApplyReport> {
    let workspaces = connect_all(ctx, project, entries)?;
    let results: Vec<(&FleetEntry, &str, Result<SetReport>)> =
        stream::iter(entries.iter().map(|entry| {
            let (config, client) = &workspaces[&entry.workspace];
            async move {
                let result = plan_and_apply(client, config, &entry.spec, mode).await;
                (entry, config.host.as_str(), result)
            }
        }))
        .buffered(MAX_IN_FLIGHT)
        .collect()
        .await;
    let experiments: Vec<EntryReport> = results
        .into_iter()
        .map(|(entry, host, result)| entry_report(entry, host, result))
        .collect();
    let count = |s: EntryStatus| experiments.iter().filter(|e| e.status == s).count();
    let summary = Summary {
        experiments: experiments.len(),
        changed: count(EntryStatus::Changed),
        unchanged: count(EntryStatus::Unchanged),
        failed: count(EntryStatus::Failed),
        dry_run: mode.dry_run,
        check: mode.check,
    };
    Ok(ApplyReport {
        experiments,
        summary,
    })
}

/// One configuration and client per workspace: one credential (and OAuth token) each. A
/// configuration error names the first entry that needs that workspace.
fn connect_all(
    ctx: &Context,
    project: &ProjectFile,
    entries: &[FleetEntry],
) -> Result<BTreeMap<Workspace, (Config, Client)>> {
    let mut workspaces = BTreeMap::new();
    for entry in entries {
        if workspaces.contains_key(&entry.workspace) {
            continue;
        }
        let w = &entry.workspace;
        // An entry's own profile or host replaces the command line's; an entry without either
        // uses the command line and environment, as `set` does. A profile brings its own host
        // and credential: the environment's would otherwise win and send the entry elsewhere.
        let (profile, host) = if w.profile.is_some() || w.host.is_some() {
            (w.profile.clone(), w.host.clone())
        } else {
            (ctx.global.profile.clone(), ctx.global.host.clone())
        };
        let env = if w.profile.is_some() {
            ctx.env.without(PROFILE_OVERRIDES)
        } else {
            ctx.env.clone()
        };
        let connected = ctx.connect_to(profile, host, &env, project).map_err(|e| {
            if w == &Workspace::default() {
                return e;
            }
            let code = exit_code_of(&e);
            let mut error = CliError::new(code, format!("{}: {e:#}", entry.location));
            error.hint = hint_of(&e);
            error.into()
        })?;
        workspaces.insert(w.clone(), connected);
    }
    Ok(workspaces)
}

fn entry_report(entry: &FleetEntry, host: &str, result: Result<SetReport>) -> EntryReport {
    let (status, report, error) = match result {
        Ok(r) if r.has_drift() => (EntryStatus::Changed, Some(r), None),
        Ok(r) => (EntryStatus::Unchanged, Some(r), None),
        Err(e) => (
            EntryStatus::Failed,
            None,
            Some(EntryError {
                message: format!("{e:#}"),
                hint: hint_of(&e),
                exit_code: exit_code_of(&e) as u8,
                code: exit_code_of(&e),
            }),
        ),
    };
    EntryReport {
        name: entry.label.clone(),
        host: host.to_string(),
        status,
        report,
        error,
    }
}

/// Failures decide the exit code (the first one's), then drift under --check.
fn outcome(report: &ApplyReport, mode: Mode) -> Result<ExitCode> {
    let failed: Vec<&EntryReport> = report
        .experiments
        .iter()
        .filter(|e| e.status == EntryStatus::Failed)
        .collect();
    if let Some(first) = failed.first() {
        let error = first.error.as_ref();
        let code = error.map_or(ExitCode::Failure, |e| e.code);
        let names: Vec<&str> = failed.iter().map(|e| e.name.as_str()).collect();
        let rest = if mode.dry_run || mode.check {
            "the others were planned"
        } else {
            "the others were applied"
        };
        let mut cli = CliError::new(
            code,
            format!(
                "{} of {} experiments failed ({}); {rest}; first failure: {}",
                failed.len(),
                report.experiments.len(),
                names.join(", "),
                error.map(|e| e.message.as_str()).unwrap_or_default()
            ),
        );
        cli.hint = error.and_then(|e| e.hint.clone());
        if !(mode.dry_run || mode.check) {
            cli.hint = Some(
                "fix the cause and run the same command again: it writes only what is still missing"
                    .into(),
            );
        }
        return Err(cli.into());
    }
    if mode.check && report.summary.changed > 0 {
        return Ok(ExitCode::Drift);
    }
    Ok(ExitCode::Success)
}
