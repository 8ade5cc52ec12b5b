//! `tracecfg set`: read the experiment once, write only the tags that differ, all at once.

use std::fmt::Write;

use crate::output::text::{change_lines, experiment_line, native_line};
use crate::output::Render;

use anyhow::Result;
use serde::Serialize;

use crate::api::experiments::{self, Experiment, ExperimentTag, TraceLocation, UcTraceLocation};
use crate::api::{trace_locations, unity_catalog, workspace};
use crate::cli::SetArgs;
use crate::commands::{find_experiment, not_found_error, require_active, tag_writes, Context};
use crate::config::Config;
use crate::destination::{plan_set, Destination, TagChange, Tags, DEFAULT_TABLE};
use crate::error::{CliError, ExitCode};
use crate::experiment_ref::ExperimentRef;
use crate::http::{Client, HttpError};
use crate::output::{self, log};
use crate::trace_location::{
    native_location, plan_link, validate_table_prefix, verdict, LocationSource, NativeAction,
    NativeChange, NativeLocation, Verdict,
};
use crate::warehouse_choice::choose_warehouse;

#[derive(Debug, Serialize)]
pub struct SetReport {
    pub experiment_id: Option<String>,
    pub experiment_name: Option<String>,
    pub created: bool,
    pub destination: DestinationView,
    pub changes: Vec<TagChange>,
    pub dry_run: bool,
    pub check: bool,
    /// With `--native`: what happens to the native Unity Catalog trace location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native: Option<NativeChange>,
}

#[derive(Debug, Serialize)]
pub struct DestinationView {
    pub catalog: String,
    pub schema: String,
    pub table: String,
    pub full_name: String,
}

impl DestinationView {
    pub fn of(d: &Destination) -> Self {
        DestinationView {
            catalog: d.catalog.clone(),
            schema: d.schema.clone(),
            table: d.table.clone(),
            full_name: d.full_name(),
        }
    }
}

impl SetReport {
    pub fn has_drift(&self) -> bool {
        self.created
            || self.changes.iter().any(TagChange::needs_write)
            || self.native.as_ref().is_some_and(|n| n.action.needs_write())
    }
}

pub async fn run(ctx: &Context, args: &SetArgs) -> Result<ExitCode> {
    let target = ctx.experiment_ref(&args.experiment)?;
    let wanted = wanted_destination(ctx, args)?;
    let is_path = matches!(target, ExperimentRef::Path(_));
    // The file's `create` is a default for paths; only the flag is refused with an id.
    let create = args.create || (is_path && ctx.project.create.unwrap_or(false));
    if create && !is_path {
        return Err(CliError::usage(
            "--create needs --experiment PATH: an experiment id cannot be created",
        )
        .into());
    }
    let native = args.native || ctx.project.native.unwrap_or(false);
    let wanted_native = wanted_native(native, args.table_prefix.as_deref(), &wanted)?;
    if let Some(w) = &args.warehouse {
        crate::warehouse_choice::validate_warehouse_id(w)?;
    }
    let format = ctx.report_format("set")?;
    let (config, client) = ctx.connect()?;
    let spec = Spec {
        target,
        wanted,
        native: wanted_native,
        create,
        warehouse: args.warehouse.clone(),
        verify: args.verify,
        create_hint: "pass --create to create it",
        notes: true,
    };
    let mode = Mode {
        dry_run: args.dry_run,
        check: args.check,
    };
    let report = plan_and_apply(&client, &config, &spec, mode).await?;
    output::emit(&report, format)?;
    if args.check && report.has_drift() {
        return Ok(ExitCode::Drift);
    }
    Ok(ExitCode::Success)
}

/// One experiment's wanted state, validated: what `set` takes from flags and `apply` from an
/// entry of tracecfg.toml.
#[derive(Debug, Clone)]
pub struct Spec {
    pub target: ExperimentRef,
    pub wanted: Destination,
    pub native: Option<NativeLocation>,
    /// Create the experiment when it is missing (only for a path).
    pub create: bool,
    /// The warehouse for creating native trace tables; else the configuration picks one.
    pub warehouse: Option<String>,
    /// Check in Unity Catalog that catalog and schema exist (one more concurrent request).
    pub verify: bool,
    /// What to tell a person whose experiment is missing and not to be created.
    pub create_hint: &'static str,
    /// Whether to add the note that tags alone route nothing (once per run is enough).
    pub notes: bool,
}

/// Whether writes happen: `dry_run` and `check` both only plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mode {
    pub dry_run: bool,
    pub check: bool,
}

impl Mode {
    fn writes_allowed(self) -> bool {
        !self.dry_run && !self.check
    }
}

/// Plans one experiment and, unless `mode` only plans, applies the plan: one read (with the
/// Unity Catalog checks alongside), then every write at once. Shared by `set` and `apply`.
pub async fn plan_and_apply(
    client: &Client,
    config: &Config,
    spec: &Spec,
    mode: Mode,
) -> Result<SetReport> {
    // The lookup and the Unity Catalog checks are independent: one round trip for both.
    let (found, verified) = tokio::join!(find_experiment(client, &spec.target), async {
        if spec.verify {
            verify_destination(client, &spec.wanted).await
        } else {
            Ok(())
        }
    });
    verified?;
    match found? {
        None if spec.create => create_experiment(client, spec, mode).await,
        None => Err(match &spec.target {
            ExperimentRef::Path(_) => {
                CliError::not_found(format!("{} does not exist", spec.target))
                    .with_hint(spec.create_hint)
                    .into()
            }
            ExperimentRef::Id(_) => not_found_error(&spec.target, false),
        }),
        found => {
            let experiment = require_active(&spec.target, found)?;
            let native = NativeTarget {
                wanted: spec.native.as_ref(),
                config,
                warehouse: spec.warehouse.as_deref(),
            };
            update_tags(client, &experiment, spec, native, mode).await
        }
    }
}

/// The destination from flags, else the project file; validated before any request.
fn wanted_destination(ctx: &Context, args: &SetArgs) -> Result<Destination, CliError> {
    let catalog = args.catalog.clone().or_else(|| ctx.project.catalog.clone());
    let schema = args.schema.clone().or_else(|| ctx.project.schema.clone());
    let table = args
        .table
        .clone()
        .or_else(|| ctx.project.table.clone())
        .unwrap_or_else(|| DEFAULT_TABLE.to_string());
    let catalog = catalog.ok_or_else(|| {
        CliError::usage("no catalog given: pass --catalog NAME or add 'catalog' to tracecfg.toml")
    })?;
    let schema = schema.ok_or_else(|| {
        CliError::usage("no schema given: pass --schema NAME or add 'schema' to tracecfg.toml")
    })?;
    Destination::from_flags(&catalog, &schema, &table)
}

/// With `--native`, the location wanted: `--table-prefix`, else the table name as prefix.
pub fn wanted_native(
    native: bool,
    table_prefix: Option<&str>,
    wanted: &Destination,
) -> Result<Option<NativeLocation>, CliError> {
    if !native {
        return Ok(None);
    }
    let (flag, prefix) = match table_prefix {
        Some(p) => ("--table-prefix", p),
        None => ("--table", wanted.table.as_str()),
    };
    validate_table_prefix(flag, prefix)?;
    Ok(Some(NativeLocation::new(
        LocationSource::Wanted,
        &wanted.catalog,
        &wanted.schema,
        Some(prefix),
    )))
}

/// What linking needs besides the location: where to find a warehouse.
struct NativeTarget<'a> {
    wanted: Option<&'a NativeLocation>,
    config: &'a Config,
    warehouse: Option<&'a str>,
}

/// Checks that catalog and schema exist, and that an existing table has a table type.
async fn verify_destination(client: &Client, d: &Destination) -> Result<()> {
    let (catalog, schema, table) = tokio::join!(
        unity_catalog::catalog_exists(client, &d.catalog),
        unity_catalog::schema_exists(client, &d.catalog, &d.schema),
        unity_catalog::get_table(client, &d.catalog, &d.schema, &d.table),
    );
    if !catalog? {
        return Err(CliError::not_found(format!(
            "catalog {} does not exist in Unity Catalog (checked by --verify)",
            crate::destination::quote_if_needed(&d.catalog)
        ))
        .with_hint(
            "create it, or ask for USE CATALOG on it: a catalog you cannot see looks missing",
        )
        .into());
    }
    if !schema? {
        return Err(CliError::not_found(format!(
            "schema {}.{} does not exist in Unity Catalog (checked by --verify)",
            crate::destination::quote_if_needed(&d.catalog),
            crate::destination::quote_if_needed(&d.schema)
        ))
        .into());
    }
    if let Some(info) = table? {
        if info.table_type.is_none() {
            return Err(CliError::new(
                ExitCode::Failure,
                format!(
                    "{} exists but Unity Catalog reports no table type for it",
                    d.full_name()
                ),
            )
            .into());
        }
    }
    Ok(())
}

async fn create_experiment(client: &Client, spec: &Spec, mode: Mode) -> Result<SetReport> {
    let (wanted, native) = (&spec.wanted, spec.native.as_ref());
    let ExperimentRef::Path(path) = &spec.target else {
        unreachable!("--create with an id is refused before connecting");
    };
    let changes = plan_set(&Tags::new(), wanted);
    let mut id = None;
    if mode.writes_allowed() {
        if let Some((parent, _)) = path.rsplit_once('/').filter(|(p, _)| !p.is_empty()) {
            if workspace::mkdirs(client, parent).await? == workspace::Mkdirs::NoWorkspaceApi {
                log::debug(format_args!(
                    "the server has no workspace folders; creating {path} directly"
                ));
            }
        }
        // The tags go in the create request itself: no second round trip.
        let tags: Vec<ExperimentTag> = wanted
            .wanted_tags()
            .iter()
            .map(|(k, v)| ExperimentTag {
                key: k.to_string(),
                value: v.to_string(),
            })
            .collect();
        // So is the native location: given at creation, it cannot change afterwards.
        let location = native.map(|n| TraceLocation {
            uc_trace_location: Some(UcTraceLocation {
                catalog: Some(n.catalog.clone()),
                schema: Some(n.schema.clone()),
                table_prefix: n.table_prefix.clone(),
                effective_table_prefix: None,
            }),
        });
        id = Some(experiments::create(client, path, &tags, location.as_ref()).await?);
        log::note(format_args!("created experiment {path}"));
        if native.is_none() && spec.notes {
            note_tags_route_nothing(wanted);
        }
    }
    Ok(SetReport {
        experiment_id: id,
        experiment_name: Some(path.clone()),
        created: true,
        destination: DestinationView::of(wanted),
        changes,
        dry_run: mode.dry_run,
        check: mode.check,
        native: native.map(|n| NativeChange {
            action: NativeAction::CreateWithExperiment,
            current: None,
            wanted: Some(n.clone()),
        }),
    })
}

async fn update_tags(
    client: &Client,
    experiment: &Experiment,
    spec: &Spec,
    native: NativeTarget<'_>,
    mode: Mode,
) -> Result<SetReport> {
    let wanted = &spec.wanted;
    let current = experiment.tag_map();
    let changes = plan_set(&current, wanted);
    let current_native = native_location(experiment, &current);
    let native_change = native
        .wanted
        .map(|w| plan_link(current_native.as_ref(), w))
        .transpose()?;
    if mode.writes_allowed() {
        // Tags and the native link are independent: written together.
        let link = async {
            match (&native_change, native.wanted) {
                (Some(change), Some(w)) if change.action == NativeAction::Link => {
                    link_native(
                        client,
                        &experiment.experiment_id,
                        w,
                        native.config,
                        native.warehouse,
                    )
                    .await
                }
                _ => Ok(()),
            }
        };
        let (tags_written, linked) = tokio::join!(
            write_changes(client, &experiment.experiment_id, &changes),
            link
        );
        let linking = native_change
            .as_ref()
            .is_some_and(|c| c.action == NativeAction::Link);
        match (tags_written, linked) {
            (Ok(()), Ok(())) => {}
            // Say what happened to the location too, so the error is the whole truth.
            (Err(e), Ok(())) if linking => {
                return Err(e.context("the native trace location was linked"))
            }
            (Err(e), Err(link_error)) => {
                return Err(e.context(format!(
                    "the native trace location was not set either ({link_error:#})"
                )))
            }
            (Err(e), Ok(())) => return Err(e),
            (Ok(()), Err(e)) => {
                let written = changes.iter().filter(|c| c.needs_write()).count();
                return Err(e.context(format!(
                    "the tags were written as asked ({written} changed) but the native trace location was not set"
                )));
            }
        }
        if native_change.is_none() {
            warn_when_not_routed(experiment, &current, wanted, spec.notes);
        }
    }
    Ok(SetReport {
        experiment_id: Some(experiment.experiment_id.clone()),
        experiment_name: experiment.name.clone(),
        created: false,
        destination: DestinationView::of(wanted),
        changes,
        dry_run: mode.dry_run,
        check: mode.check,
        native: native_change,
    })
}

/// Creates (or gets) the table-prefix location on a warehouse, then links the experiment to it.
async fn link_native(
    client: &Client,
    experiment_id: &str,
    wanted: &NativeLocation,
    config: &Config,
    warehouse_flag: Option<&str>,
) -> Result<()> {
    let (warehouse_id, why) = choose_warehouse(client, config, warehouse_flag).await?;
    log::note(format_args!(
        "creating the trace tables with SQL warehouse {warehouse_id} ({why})"
    ));
    let location = trace_locations::UcTablePrefix {
        catalog_name: wanted.catalog.clone(),
        schema_name: wanted.schema.clone(),
        table_prefix: wanted.table_prefix.clone(),
        ..Default::default()
    };
    let unavailable = |e: HttpError| -> anyhow::Error {
        if trace_locations::is_unavailable(&e) {
            CliError::new(
                ExitCode::Failure,
                format!("this workspace does not offer the Unity Catalog trace location API ({e})"),
            )
            .with_hint(trace_locations::UNAVAILABLE_HINT)
            .into()
        } else {
            e.into()
        }
    };
    let created = trace_locations::create_or_get(client, &location, &warehouse_id)
        .await
        .map_err(unavailable)?;
    trace_locations::link(client, experiment_id, &created)
        .await
        .map_err(unavailable)?;
    Ok(())
}

/// Writes every tag that differs, concurrently. On failure, says exactly what was written.
async fn write_changes(client: &Client, id: &str, changes: &[TagChange]) -> Result<()> {
    let failed = tag_writes::apply(changes, |c| {
        experiments::set_tag(client, id, &c.key, c.new.as_deref().unwrap_or_default())
    })
    .await;
    if failed.is_empty() {
        return Ok(());
    }
    Err(tag_writes::partial_write_error(changes, failed).into())
}

/// The tags route nothing; say so when no native location sends traces to the same table.
fn warn_when_not_routed(experiment: &Experiment, tags: &Tags, wanted: &Destination, notes: bool) {
    let mut after = tags.clone();
    for (key, value) in wanted.wanted_tags() {
        after.insert(key.to_string(), value.to_string());
    }
    let tagged = crate::destination::TaggedDestination::from_tags(&after);
    let native = native_location(experiment, &after);
    match verdict(&tagged, native.as_ref()) {
        Verdict::Native => {}
        Verdict::Mismatch => log::warn(format_args!(
            "traces of this experiment go to its native location {}, not to {}",
            native.map(|n| n.spans_table).unwrap_or_default(),
            wanted.full_name()
        )),
        _ if notes => note_tags_route_nothing(wanted),
        _ => {}
    }
}

fn note_tags_route_nothing(wanted: &Destination) {
    log::note(format_args!(
        "MLflow reads none of these tags: traces reach {} only through a native Unity Catalog trace location (see 'tracecfg show')",
        wanted.full_name()
    ));
}

impl Render for SetReport {
    fn render_text(&self) -> String {
        let mut out = String::new();
        experiment_line(
            &mut out,
            self.experiment_name.as_deref(),
            self.experiment_id.as_deref(),
        );
        let _ = writeln!(out, "destination  {}", self.destination.full_name);
        if self.created {
            let verb = if self.dry_run || self.check {
                "would be created"
            } else {
                "created"
            };
            let _ = writeln!(out, "experiment {verb} with these tags:");
        }
        change_lines(&mut out, &self.changes, self.dry_run || self.check);
        native_line(&mut out, &self.native, self.dry_run || self.check);
        let pending = self.changes.iter().filter(|c| c.needs_write()).count();
        let native_pending = self.native.as_ref().is_some_and(|n| n.action.needs_write());
        let and_native = if native_pending {
            " and the native location"
        } else {
            ""
        };
        let summary = if self.check {
            if self.has_drift() {
                format!("drift: {pending} tag(s) differ{and_native}")
            } else {
                "no drift: all tags match".to_string()
            }
        } else if self.dry_run {
            format!("dry run: {pending} tag(s){and_native} would be written, nothing was written")
        } else if pending == 0 && !native_pending {
            "nothing to change".to_string()
        } else {
            format!("{pending} tag(s){and_native} written")
        };
        let _ = writeln!(out, "{summary}");
        out
    }
}
