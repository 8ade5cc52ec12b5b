//! One module per command. A command validates its input, asks the APIs, and hands a report
//! to `output`; it never prints by itself.

pub mod apply;
pub mod doctor;
pub mod export;
pub mod generate;
pub mod query;
mod query_store;
pub mod set;
pub mod show;
pub mod stats;
pub mod trace;
pub mod traces;
pub mod unset;

use std::sync::OnceLock;

use anyhow::Result;

use crate::api::experiments::{self, Experiment};
use crate::cli::{Command, ExperimentArgs, GlobalArgs};
use crate::config::{self, Config, ConnectionFlags, Env, ProjectDefaults};
use crate::error::{CliError, ExitCode};
use crate::experiment_ref::ExperimentRef;
use crate::http::Client;
use crate::output::{log, OutputFormat};
use crate::project::ProjectFile;

/// What every command gets: global flags, environment, project file, and a way to connect.
pub struct Context {
    pub global: GlobalArgs,
    pub env: Env,
    pub project: ProjectFile,
    connection: OnceLock<String>,
}

impl Context {
    pub fn new(global: GlobalArgs, env: Env, project: ProjectFile) -> Self {
        Context {
            global,
            env,
            project,
            connection: OnceLock::new(),
        }
    }

    /// Resolves the configuration and builds the client. Makes no request.
    pub fn connect(&self) -> Result<(Config, Client)> {
        self.connect_to(
            self.global.profile.clone(),
            self.global.host.clone(),
            &self.env,
            &self.project,
        )
    }

    /// Like `connect`, for a workspace named by `profile`/`host` (in place of the flags) with
    /// the defaults of `project`: `apply` connects once per workspace of its file.
    pub fn connect_to(
        &self,
        profile: Option<String>,
        host: Option<String>,
        env: &Env,
        project: &ProjectFile,
    ) -> Result<(Config, Client)> {
        let flags = ConnectionFlags {
            profile,
            host,
            http_timeout: self.global.http_timeout,
            retry_timeout: self.global.retry_timeout,
        };
        let project = ProjectDefaults {
            profile: project.profile.clone(),
            warehouse_id: project.warehouse_id.clone(),
        };
        let config = config::resolve(&flags, env, &project)?;
        let _ = self.connection.set(config.describe());
        log::debug(format_args!("using {}", config.describe()));
        for (attribute, origin) in &config.origins {
            log::debug(format_args!("{attribute} from {origin}"));
        }
        let client = Client::new(&config)?;
        Ok((config, client))
    }

    /// Host, profile and auth method, once `connect` has run.
    pub fn connection_description(&self) -> Option<&str> {
        self.connection.get().map(String::as_str)
    }

    /// The output format: `--output`, else `default`.
    pub fn format(&self, default: OutputFormat) -> OutputFormat {
        self.global.output.unwrap_or(default)
    }

    /// The format for commands whose output is one report (text or JSON).
    pub fn report_format(&self, command: &str) -> Result<OutputFormat> {
        match self.format(OutputFormat::Text) {
            OutputFormat::Csv => Err(CliError::usage(format!(
                "--output csv is not available for {command}; use text or json"
            ))
            .into()),
            other => Ok(other),
        }
    }

    /// The experiment named by the flags, environment or project file, if any.
    pub fn experiment_ref_optional(
        &self,
        args: &ExperimentArgs,
    ) -> Result<Option<ExperimentRef>, CliError> {
        ExperimentRef::resolve_optional(
            args.experiment.as_deref(),
            args.experiment_id.as_deref(),
            &self.env,
            &self.project,
        )
    }

    pub fn experiment_ref(&self, args: &ExperimentArgs) -> Result<ExperimentRef, CliError> {
        ExperimentRef::resolve(
            args.experiment.as_deref(),
            args.experiment_id.as_deref(),
            &self.env,
            &self.project,
        )
    }
}

pub async fn dispatch(ctx: &Context, command: &Command) -> Result<ExitCode> {
    match command {
        Command::Set(args) => set::run(ctx, args).await,
        Command::Apply(args) => apply::run(ctx, args).await,
        Command::Show(args) => show::run(ctx, args).await,
        Command::Unset(args) => unset::run(ctx, args).await,
        Command::Query(args) => query::run(ctx, args).await,
        Command::Traces(args) => traces::run(ctx, args).await,
        Command::Trace(args) => trace::run(ctx, args).await,
        Command::Stats(args) => stats::run(ctx, args).await,
        Command::Export(args) => export::run(ctx, args).await,
        Command::Doctor(args) => doctor::run(ctx, args).await,
        Command::Completions { shell } => generate::completions(*shell),
        Command::Man => generate::man_page(),
    }
}

/// Looks the experiment up by path or id; `None` when it does not exist.
pub async fn find_experiment(
    client: &Client,
    target: &ExperimentRef,
) -> Result<Option<Experiment>> {
    Ok(match target {
        ExperimentRef::Path(path) => experiments::get_by_name(client, path).await?,
        ExperimentRef::Id(id) => experiments::get(client, id).await?,
    })
}

/// The experiment, which must exist and be active.
pub fn require_active(target: &ExperimentRef, found: Option<Experiment>) -> Result<Experiment> {
    let experiment = found.ok_or_else(|| not_found_error(target, false))?;
    if experiment.is_deleted() {
        return Err(CliError::not_found(format!(
            "{target} (id {}) is deleted",
            experiment.experiment_id
        ))
        .with_hint("restore it (MLflow UI, or POST /api/2.0/mlflow/experiments/restore) or pick another path")
        .into());
    }
    Ok(experiment)
}

pub fn not_found_error(target: &ExperimentRef, offer_create: bool) -> anyhow::Error {
    let error = CliError::not_found(format!("{target} does not exist"));
    let error = match target {
        ExperimentRef::Path(_) if offer_create => error.with_hint("pass --create to create it"),
        ExperimentRef::Path(path) => error.with_hint(format!(
            "check the path (experiment names are workspace paths such as /Users/<you>/... or /Shared/...); got {path}"
        )),
        ExperimentRef::Id(_) => error,
    };
    error.into()
}
