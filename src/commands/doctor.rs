//! `tracecfg doctor`: checks the whole trace setup in order and says what is wrong, one line
//! per check. Stops where later checks cannot run; exits with the code of the first failure.

use std::fmt::Write;

use crate::output::Render;

use anyhow::Result;
use serde::Serialize;

use crate::api::{scim, unity_catalog, warehouses};
use crate::cli::DoctorArgs;
use crate::commands::show::now_ms;
use crate::commands::{find_experiment, Context};
use crate::destination::{ConfigStatus, Destination, TaggedDestination};
use crate::error::{exit_code_of, ExitCode};
use crate::experiment_ref::ExperimentRef;
use crate::http::{Client, HttpError};
use crate::output::progress::Spinner;
use crate::output::rows::{Row, RowSink};
use crate::output::{self, OutputFormat};
use crate::sql_exec::{self, DispositionChoice, RunOptions, RunningStatement};
use crate::trace_location::{native_location, verdict, NativeLocation, Verdict};
use crate::trace_presence::store_traces;
use crate::trace_query::Statement;
use crate::trace_tables::{check_tables, summarize, TableVerdict};
use crate::warehouse_choice::choose_warehouse;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    #[serde(skip)]
    pub exit: ExitCode,
}

#[derive(Debug, Default, Serialize)]
#[serde(transparent)]
pub struct DoctorReport {
    pub checks: Vec<Check>,
}

impl DoctorReport {
    fn ok(&mut self, name: &'static str, detail: impl Into<String>) {
        self.push(name, Status::Ok, detail, ExitCode::Success);
    }

    fn warn(&mut self, name: &'static str, detail: impl Into<String>) {
        self.push(name, Status::Warn, detail, ExitCode::Success);
    }

    fn fail(&mut self, name: &'static str, detail: impl Into<String>, exit: ExitCode) {
        self.push(name, Status::Fail, detail, exit);
    }

    fn fail_with(&mut self, name: &'static str, error: &anyhow::Error) {
        self.fail(name, format!("{error:#}"), exit_code_of(error));
    }

    fn push(
        &mut self,
        name: &'static str,
        status: Status,
        detail: impl Into<String>,
        exit: ExitCode,
    ) {
        self.checks.push(Check {
            name,
            status,
            detail: detail.into(),
            exit,
        });
    }

    fn exit_code(&self) -> ExitCode {
        self.checks
            .iter()
            .find(|c| c.status == Status::Fail)
            .map(|c| c.exit)
            .unwrap_or(ExitCode::Success)
    }
}

pub async fn run(ctx: &Context, args: &DoctorArgs) -> Result<ExitCode> {
    let format = ctx.report_format("doctor")?;
    // Invalid input is a usage error before any request, as in every command; only a missing
    // experiment is a check result (a warning).
    let target = ExperimentRef::resolve_optional(
        args.experiment.experiment.as_deref(),
        args.experiment.experiment_id.as_deref(),
        &ctx.env,
        &ctx.project,
    )?;
    if let Some(w) = &args.warehouse {
        crate::warehouse_choice::validate_warehouse_id(w)?;
    }
    let mut report = DoctorReport::default();
    run_checks(ctx, target.as_ref(), args, &mut report).await;
    output::emit(
        &report,
        if format == OutputFormat::Jsonl {
            OutputFormat::Json
        } else {
            format
        },
    )?;
    Ok(report.exit_code())
}

async fn run_checks(
    ctx: &Context,
    target: Option<&ExperimentRef>,
    args: &DoctorArgs,
    report: &mut DoctorReport,
) {
    let (config, client) = match ctx.connect() {
        Ok(pair) => pair,
        Err(e) => return report.fail_with("configuration", &e),
    };
    let sources: Vec<String> = config
        .origins
        .iter()
        .map(|(a, o)| format!("{a} from {o}"))
        .collect();
    report.ok(
        "configuration",
        format!("{}; {}", config.describe(), sources.join(", ")),
    );

    if !check_credential(&client, &config.host, report).await {
        return;
    }
    // The experiment checks and the warehouse check are independent: they run together, and
    // their lines are still reported in the documented order.
    let mut experiment_checks = DoctorReport::default();
    let mut warehouse_checks = DoctorReport::default();
    let (_, warehouse) = tokio::join!(
        async {
            let found = check_experiment(target, &client, &mut experiment_checks).await;
            if let Some((destination, native)) = found {
                // Both ask Unity Catalog, independently: together.
                let mut native_checks = DoctorReport::default();
                tokio::join!(
                    check_unity_catalog(&client, &destination, &mut experiment_checks),
                    async {
                        if let Some(location) = &native {
                            check_native_tables(&client, location, &mut native_checks).await;
                        }
                    }
                );
                experiment_checks.checks.extend(native_checks.checks);
            }
        },
        check_warehouse(&client, &config, args, &mut warehouse_checks),
    );
    report.checks.extend(experiment_checks.checks);
    report.checks.extend(warehouse_checks.checks);
    let Some(warehouse_id) = warehouse else {
        return;
    };
    if args.query {
        check_query(&client, &warehouse_id, report).await;
    }
}

/// One request answers two questions: does the host answer, and does it accept the credential.
async fn check_credential(client: &Client, host: &str, report: &mut DoctorReport) -> bool {
    match scim::me(client).await {
        Ok(me) => {
            report.ok("host", format!("{host} answers"));
            report.ok("credential", format!("authenticated as {}", me.describe()));
            true
        }
        Err(
            e
            @ (HttpError::Network { .. } | HttpError::Timeout { .. } | HttpError::Redirect { .. }),
        ) => {
            report.fail_with("host", &e.into());
            false
        }
        Err(e)
            if e.api().is_some_and(|a| a.is_auth())
                || matches!(e, HttpError::Credential { .. }) =>
        {
            report.ok("host", format!("{host} answers"));
            report.fail_with("credential", &e.into());
            false
        }
        Err(e) if e.is_missing_endpoint() => {
            report.ok("host", format!("{host} answers"));
            report.warn("credential", "this server has no SCIM API (an open-source MLflow server?); the credential is checked by the next request");
            true
        }
        Err(e) => {
            report.fail_with("host", &e.into());
            false
        }
    }
}

/// The experiment and its destination; returns the destination when the UC check can run,
/// with the native location whose tables are checked next to it.
async fn check_experiment(
    target: Option<&ExperimentRef>,
    client: &Client,
    report: &mut DoctorReport,
) -> Option<(Destination, Option<NativeLocation>)> {
    let Some(target) = target else {
        report.warn("experiment", "no experiment configured (pass --experiment, set MLFLOW_EXPERIMENT_NAME, or add it to tracecfg.toml); skipping experiment checks");
        return None;
    };
    let experiment = match find_experiment(client, target).await {
        Ok(Some(e)) if e.is_deleted() => {
            report.fail(
                "experiment",
                format!("{target} (id {}) is deleted: restore it", e.experiment_id),
                ExitCode::NotFound,
            );
            return None;
        }
        Ok(Some(e)) => e,
        Ok(None) => {
            report.fail(
                "experiment",
                format!("{target} does not exist (tracecfg set --create creates it)"),
                ExitCode::NotFound,
            );
            return None;
        }
        Err(e) => {
            report.fail_with("experiment", &e);
            return None;
        }
    };
    report.ok(
        "experiment",
        format!("{target} is active (id {})", experiment.experiment_id),
    );
    let tags = experiment.tag_map();
    let tagged = TaggedDestination::from_tags(&tags);
    let native = native_location(&experiment, &tags);
    let missing = match tagged.status {
        ConfigStatus::Configured => None,
        ConfigStatus::Partial => Some(format!(
            "incomplete: missing {} (run tracecfg set)",
            tagged.missing_tags.join(", ")
        )),
        ConfigStatus::NotConfigured => Some("not configured (run tracecfg set)".to_string()),
    };
    match missing {
        None => report.ok(
            "destination tags",
            tagged.full_name.clone().unwrap_or_default(),
        ),
        // Traces still land through the native location: the tags are only a record of intent.
        Some(why) if native.is_some() => report.warn("destination tags", why),
        Some(why) => report.fail("destination tags", why, ExitCode::NotFound),
    }
    match verdict(&tagged, native.as_ref()) {
        Verdict::Native => report.ok("trace routing", format!("native location: traces land in {}", native.as_ref().map(|n| n.spans_table.as_str()).unwrap_or_default())),
        Verdict::Mismatch => report.warn("trace routing", format!("mismatch: traces land in {}, not in the table the tags name", native.as_ref().map(|n| n.spans_table.as_str()).unwrap_or_default())),
        Verdict::TagsOnly => report.warn("trace routing", "tags only: nothing routes traces to the tagged table (tracecfg set --native links a native location)"),
        Verdict::None => report.warn("trace routing", "no destination and no native location"),
    }
    let found = store_traces(client, &experiment.experiment_id, now_ms()).await;
    let line = found.verdict_line(native.is_some());
    // With a native location the store is expected to be quiet: traces land in the tables.
    if native.is_some() || (found.error.is_none() && found.recent > 0) {
        report.ok("trace store", line);
    } else {
        report.warn("trace store", line);
    }
    // Unity Catalog is checked where the tags point, or else where traces really go.
    let destination = tagged.destination().or_else(|| {
        native.as_ref().map(|n| Destination {
            catalog: n.catalog.clone(),
            schema: n.schema.clone(),
            table: n.spans_table.clone(),
        })
    })?;
    Some((destination, native))
}

/// The native location's tables: there, and the spans table shaped as its layout says.
async fn check_native_tables(
    client: &Client,
    location: &NativeLocation,
    report: &mut DoctorReport,
) {
    let checks = check_tables(client, location).await;
    let (verdict, line) = summarize(&checks);
    let line = format!("{}: {line}", location.layout.label());
    match verdict {
        TableVerdict::Ok => report.ok("native tables", line),
        TableVerdict::Missing | TableVerdict::Unknown => report.warn("native tables", line),
        TableVerdict::Wrong => report.fail("native tables", line, ExitCode::Failure),
    }
}

async fn check_unity_catalog(client: &Client, d: &Destination, report: &mut DoctorReport) {
    let (catalog, schema) = tokio::join!(
        unity_catalog::catalog_exists(client, &d.catalog),
        unity_catalog::schema_exists(client, &d.catalog, &d.schema)
    );
    match (catalog, schema) {
        (Ok(true), Ok(true)) => report.ok(
            "unity catalog",
            format!("catalog {} and schema {} exist", d.catalog, d.schema),
        ),
        (Ok(false), _) => report.fail(
            "unity catalog",
            format!(
                "catalog {} does not exist or is not visible to you",
                d.catalog
            ),
            ExitCode::NotFound,
        ),
        (_, Ok(false)) => report.fail(
            "unity catalog",
            format!(
                "schema {}.{} does not exist or is not visible to you",
                d.catalog, d.schema
            ),
            ExitCode::NotFound,
        ),
        (Err(e), _) | (_, Err(e)) => report.fail_with("unity catalog", &e.into()),
    }
}

async fn check_warehouse(
    client: &Client,
    config: &crate::config::Config,
    args: &DoctorArgs,
    report: &mut DoctorReport,
) -> Option<String> {
    let (id, why) = match choose_warehouse(client, config, args.warehouse.as_deref()).await {
        Ok(choice) => choice,
        Err(e) => {
            report.fail_with("warehouse", &e);
            return None;
        }
    };
    match warehouses::get(client, &id).await {
        Ok(Some(w)) => {
            let state = w.state.unwrap_or_else(|| "UNKNOWN".into());
            let detail = format!("{id} ({why}) is {state}");
            if state == "RUNNING" {
                report.ok("warehouse", detail);
            } else {
                report.warn(
                    "warehouse",
                    format!("{detail}; queries will wait for it to start"),
                );
            }
            Some(id)
        }
        Ok(None) => {
            report.fail(
                "warehouse",
                format!("warehouse {id} ({why}) does not exist"),
                ExitCode::NotFound,
            );
            None
        }
        Err(e) => {
            report.fail_with("warehouse", &e.into());
            None
        }
    }
}

/// Takes the rows of `SELECT 1` and writes nothing (the run counts them).
struct DiscardingSink;

impl RowSink for DiscardingSink {
    fn begin(&mut self, _: &[crate::api::statements::Column]) -> Result<()> {
        Ok(())
    }
    fn rows(&mut self, _: Vec<Row>) -> Result<()> {
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

async fn check_query(client: &Client, warehouse_id: &str, report: &mut DoctorReport) {
    let statement = Statement {
        sql: "SELECT 1".into(),
        parameters: Vec::new(),
    };
    let options = RunOptions {
        warehouse_id,
        disposition: DispositionChoice::Inline,
        parallel: 1,
        size: sql_exec::ResultSize::Unknown,
    };
    let spinner = Spinner::start("running SELECT 1");
    match sql_exec::run(
        client,
        &statement,
        &options,
        &RunningStatement::default(),
        Box::new(DiscardingSink),
        &spinner,
    )
    .await
    {
        Ok(summary) if summary.rows == 1 => {
            report.ok("query", format!("SELECT 1 ran on warehouse {warehouse_id}"))
        }
        Ok(summary) => report.fail(
            "query",
            format!("SELECT 1 returned {} rows", summary.rows),
            ExitCode::Sql,
        ),
        Err(e) => report.fail_with("query", &e),
    }
}

impl Render for DoctorReport {
    fn render_text(&self) -> String {
        let width = self.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let mut out = String::new();
        for c in &self.checks {
            let status = match c.status {
                Status::Ok => "ok  ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
            };
            let _ = writeln!(out, "{status}  {:width$}  {}", c.name, c.detail);
        }
        out
    }
}
