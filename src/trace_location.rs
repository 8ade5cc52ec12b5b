//! The native Unity Catalog trace location: what really routes an experiment's traces, as
//! opposed to the `mlflow.tracing.destination.*` tags, which nothing reads. Facts and their
//! upstream sources: docs/native-trace-storage.md.
//!
//! Two layouts exist (docs/native-trace-storage.md §3): a *table prefix* location ("V2",
//! `catalog.schema.prefix`, tables `<prefix>_otel_{spans,logs,annotations,metrics}`, VARIANT
//! attributes) and the older *schema* location ("V1", `catalog.schema`, tables
//! `mlflow_experiment_trace_otel_{spans,logs}`, MAP attributes).

use serde::Serialize;

use crate::api::experiments::Experiment;
use crate::destination::{ConfigStatus, TaggedDestination, Tags};
use crate::error::{CliError, ExitCode};

/// Tags Databricks sets on an experiment linked to a Unity Catalog location.
pub const NATIVE_TAG_PREFIX: &str = "mlflow.experiment.databricksTrace";
pub const DESTINATION_PATH_TAG: &str = "mlflow.experiment.databricksTraceDestinationPath";
pub const SPANS_TABLE_TAG: &str = "mlflow.experiment.databricksTraceSpanStorageTable";
pub const LOGS_TABLE_TAG: &str = "mlflow.experiment.databricksTraceLogStorageTable";
pub const ANNOTATIONS_TABLE_TAG: &str = "mlflow.experiment.databricksTraceAnnotationsTable";

/// Table names of the schema layout, which has no prefix.
pub const SCHEMA_LAYOUT_SPANS: &str = "mlflow_experiment_trace_otel_spans";
pub const SCHEMA_LAYOUT_LOGS: &str = "mlflow_experiment_trace_otel_logs";
/// Suffix of the spans table of a table-prefix location.
pub const PREFIX_SPANS_SUFFIX: &str = "_otel_spans";

/// How a native location lays out its tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NativeLayout {
    /// "V2": `catalog.schema.prefix`; spans, logs, annotations and metrics tables; VARIANT
    /// attributes; `time`/`date` columns the tables are clustered on.
    TablePrefix,
    /// "V1": `catalog.schema`; spans and logs tables; MAP attributes; tags and metadata are
    /// events in the logs table.
    Schema,
}

impl NativeLayout {
    pub fn label(self) -> &'static str {
        match self {
            NativeLayout::TablePrefix => "table prefix (V2)",
            NativeLayout::Schema => "schema (V1)",
        }
    }
}

/// Where tracecfg learned of a location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    /// The experiment's `trace_location` field, given at creation.
    TraceLocation,
    /// The `databricksTrace*` tags Databricks writes on link.
    Tags,
    /// The location a command was asked to set.
    Wanted,
}

impl std::fmt::Display for LocationSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LocationSource::TraceLocation => "trace_location",
            LocationSource::Tags => "tags",
            LocationSource::Wanted => "wanted",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NativeLocation {
    pub source: LocationSource,
    pub layout: NativeLayout,
    pub catalog: String,
    pub schema: String,
    pub table_prefix: Option<String>,
    pub spans_table: String,
    pub logs_table: String,
    /// Trace tags and metadata (table-prefix layout only; the schema layout keeps them in logs).
    pub annotations_table: Option<String>,
    /// Table-prefix layout only.
    pub metrics_table: Option<String>,
}

impl NativeLocation {
    pub fn new(source: LocationSource, catalog: &str, schema: &str, prefix: Option<&str>) -> Self {
        let full = |table: &str| format!("{catalog}.{schema}.{table}");
        match prefix {
            Some(p) => NativeLocation {
                source,
                layout: NativeLayout::TablePrefix,
                catalog: catalog.to_string(),
                schema: schema.to_string(),
                table_prefix: Some(p.to_string()),
                spans_table: full(&format!("{p}{PREFIX_SPANS_SUFFIX}")),
                logs_table: full(&format!("{p}_otel_logs")),
                annotations_table: Some(full(&format!("{p}_otel_annotations"))),
                metrics_table: Some(full(&format!("{p}_otel_metrics"))),
            },
            None => NativeLocation {
                source,
                layout: NativeLayout::Schema,
                catalog: catalog.to_string(),
                schema: schema.to_string(),
                table_prefix: None,
                spans_table: full(SCHEMA_LAYOUT_SPANS),
                logs_table: full(SCHEMA_LAYOUT_LOGS),
                annotations_table: None,
                metrics_table: None,
            },
        }
    }

    /// Every table of the location, as (role, full name).
    pub fn tables(&self) -> Vec<(&'static str, &str)> {
        let mut tables = vec![
            ("spans", self.spans_table.as_str()),
            ("logs", self.logs_table.as_str()),
        ];
        if let Some(t) = &self.annotations_table {
            tables.push(("annotations", t));
        }
        if let Some(t) = &self.metrics_table {
            tables.push(("metrics", t));
        }
        tables
    }

    /// Whether the tag destination names this location: same catalog and schema, and a table
    /// that is the prefix or the spans table.
    pub fn matches(&self, tags: &TaggedDestination) -> bool {
        let (Some(catalog), Some(schema), Some(table)) = (&tags.catalog, &tags.schema, &tags.table)
        else {
            return false;
        };
        let spans_short = self.spans_table.rsplit('.').next().unwrap_or_default();
        *catalog == self.catalog
            && *schema == self.schema
            && (self.table_prefix.as_deref() == Some(table.as_str()) || table == spans_short)
    }

    /// The experiment's `trace_location` field: set at creation, immutable afterwards
    /// (docs/native-trace-storage.md §2), so it can be neither unlinked nor replaced.
    pub fn given_at_creation(&self) -> bool {
        self.source == LocationSource::TraceLocation
    }

    /// `catalog.schema[.prefix]`, as in the databricksTraceDestinationPath tag.
    pub fn destination_path(&self) -> String {
        match &self.table_prefix {
            Some(p) => format!("{}.{}.{p}", self.catalog, self.schema),
            None => format!("{}.{}", self.catalog, self.schema),
        }
    }

    /// Whether an API can unlink it: only the v4 unlink exists, and it takes a schema location
    /// only (docs/native-trace-storage.md §1).
    pub fn can_be_unlinked(&self) -> bool {
        !self.given_at_creation() && self.layout == NativeLayout::Schema
    }
}

/// The experiment's native location: its `trace_location` field, else its databricksTrace* tags.
pub fn native_location(experiment: &Experiment, tags: &Tags) -> Option<NativeLocation> {
    if let Some(uc) = experiment
        .trace_location
        .as_ref()
        .and_then(|t| t.uc_trace_location.as_ref())
    {
        if let (Some(catalog), Some(schema)) = (&uc.catalog, &uc.schema) {
            let prefix = uc
                .effective_table_prefix
                .as_deref()
                .or(uc.table_prefix.as_deref())
                .filter(|p| !p.is_empty());
            return Some(NativeLocation::new(
                LocationSource::TraceLocation,
                catalog,
                schema,
                prefix,
            ));
        }
    }
    let path = tags.get(DESTINATION_PATH_TAG)?;
    let parts: Vec<&str> = path.split('.').collect();
    let mut location = match parts.as_slice() {
        [catalog, schema] => NativeLocation::new(LocationSource::Tags, catalog, schema, None),
        [catalog, schema, prefix] => {
            NativeLocation::new(LocationSource::Tags, catalog, schema, Some(prefix))
        }
        _ => return None,
    };
    // The tables Databricks names win over the names derived from the path.
    if let Some(spans) = tags.get(SPANS_TABLE_TAG) {
        location.spans_table = spans.clone();
    }
    if let Some(logs) = tags.get(LOGS_TABLE_TAG) {
        location.logs_table = logs.clone();
    }
    if let Some(annotations) = tags.get(ANNOTATIONS_TABLE_TAG) {
        location.annotations_table = Some(annotations.clone());
    }
    Some(location)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The tags name a table, but nothing routes traces there.
    TagsOnly,
    /// A native location is set (and the tags, if any, agree with it).
    Native,
    /// Tags and native location disagree.
    Mismatch,
    /// Neither tags nor a native location.
    None,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::TagsOnly => "tags only",
            Verdict::Native => "native",
            Verdict::Mismatch => "mismatch",
            Verdict::None => "none",
        }
    }
}

pub fn verdict(tags: &TaggedDestination, native: Option<&NativeLocation>) -> Verdict {
    let tagged = tags.status != ConfigStatus::NotConfigured;
    match (tagged, native) {
        (false, None) => Verdict::None,
        (true, None) => Verdict::TagsOnly,
        (false, Some(_)) => Verdict::Native,
        (true, Some(n)) if n.matches(tags) => Verdict::Native,
        (true, Some(_)) => Verdict::Mismatch,
    }
}

/// The databricksTrace* tags, which Databricks writes when it links a location.
pub fn native_tags(tags: &Tags) -> Tags {
    tags.iter()
        .filter(|(k, _)| k.starts_with(NATIVE_TAG_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A table prefix: letters, digits and underscores, at most 238 (databricks-sdk `UcTraceLocation`).
pub fn validate_table_prefix(flag: &str, prefix: &str) -> Result<(), CliError> {
    let ok = !prefix.is_empty()
        && prefix.len() <= 238
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "{flag} {} cannot be a trace table prefix: use letters, digits and underscores, at most 238 characters{}",
            crate::display::shown(prefix),
            if flag == "--table" { " (or pass --table-prefix)" } else { "" }
        )))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NativeAction {
    /// Already linked to the wanted location.
    Unchanged,
    /// Link the existing experiment (creating the location if needed).
    Link,
    /// Give the location to the experiment in its create request.
    CreateWithExperiment,
    /// Unlink the experiment from its location.
    Unlink,
}

impl NativeAction {
    pub fn needs_write(self) -> bool {
        self != NativeAction::Unchanged
    }
}

/// What `set --native` / `unset --native` does about the native location.
#[derive(Debug, Clone, Serialize)]
pub struct NativeChange {
    pub action: NativeAction,
    pub current: Option<NativeLocation>,
    pub wanted: Option<NativeLocation>,
}

/// Read-compare-write for the native location: nothing when it is already the wanted one; a
/// refusal when the experiment is linked elsewhere (a location is not silently replaced).
pub fn plan_link(
    current: Option<&NativeLocation>,
    wanted: &NativeLocation,
) -> Result<NativeChange, CliError> {
    let same = |c: &NativeLocation| {
        c.catalog == wanted.catalog
            && c.schema == wanted.schema
            && c.table_prefix == wanted.table_prefix
    };
    match current {
        Some(c) if same(c) => Ok(NativeChange {
            action: NativeAction::Unchanged,
            current: Some(c.clone()),
            wanted: Some(wanted.clone()),
        }),
        Some(c) => Err(CliError::new(
            ExitCode::Failure,
            format!(
                "the experiment is already linked to the native trace location {} (spans in {}); refusing to replace it with {}{}",
                c.destination_path(),
                c.spans_table,
                wanted.destination_path(),
                c.why_permanent().map(|why| format!(": {why}")).unwrap_or_default()
            ),
        )
        .with_hint(if c.can_be_unlinked() {
            "unlink it first with 'tracecfg unset --native', then run set --native again"
        } else {
            ANOTHER_LOCATION_HINT
        })),
        None => Ok(NativeChange {
            action: NativeAction::Link,
            current: None,
            wanted: Some(wanted.clone()),
        }),
    }
}

/// What a user can do about a location that cannot be unlinked.
pub const ANOTHER_LOCATION_HINT: &str = "keep it (tracecfg set --catalog C --schema S --table PREFIX makes the tags name it), or send traces elsewhere from a new experiment: tracecfg set --create --native --experiment NEW_PATH";

/// Plans `unset --native`: an unlink where an API can do it, a refusal (before any write)
/// where none can.
pub fn plan_unlink(current: Option<NativeLocation>) -> Result<NativeChange, CliError> {
    let Some(location) = current else {
        return Ok(NativeChange {
            action: NativeAction::Unchanged,
            current: None,
            wanted: None,
        });
    };
    if let Some(why) = location.why_permanent() {
        return Err(CliError::new(
            ExitCode::Failure,
            format!(
                "the native trace location {} (spans in {}) cannot be unlinked: {why}; nothing was changed",
                location.destination_path(),
                location.spans_table
            ),
        )
        .with_hint(
            "run 'tracecfg unset' without --native to remove only the destination tags; to send traces elsewhere, create a new experiment: tracecfg set --create --native --experiment NEW_PATH",
        ));
    }
    Ok(NativeChange {
        action: NativeAction::Unlink,
        current: Some(location),
        wanted: None,
    })
}

impl NativeLocation {
    /// Why no API can unlink this location, or `None` when the v4 unlink can.
    fn why_permanent(&self) -> Option<&'static str> {
        if self.given_at_creation() {
            Some("it was given when the experiment was created and cannot be changed")
        } else if self.layout == NativeLayout::TablePrefix {
            Some("Databricks offers no API that unlinks a table-prefix location (the only unlink call takes a schema location)")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::destination::{TAG_CATALOG, TAG_SCHEMA, TAG_TABLE};

    fn tagged(c: &str, s: &str, t: &str) -> TaggedDestination {
        let mut tags = Tags::new();
        tags.insert(TAG_CATALOG.into(), c.into());
        tags.insert(TAG_SCHEMA.into(), s.into());
        tags.insert(TAG_TABLE.into(), t.into());
        TaggedDestination::from_tags(&tags)
    }

    #[test]
    fn verdicts() {
        let native =
            NativeLocation::new(LocationSource::Tags, "main", "agents", Some("agent_traces"));
        let none = TaggedDestination::from_tags(&Tags::new());
        assert_eq!(verdict(&none, None), Verdict::None);
        assert_eq!(
            verdict(&tagged("main", "agents", "agent_traces"), None),
            Verdict::TagsOnly
        );
        assert_eq!(
            verdict(&tagged("main", "agents", "agent_traces"), Some(&native)),
            Verdict::Native
        );
        assert_eq!(
            verdict(
                &tagged("main", "agents", "agent_traces_otel_spans"),
                Some(&native)
            ),
            Verdict::Native
        );
        assert_eq!(
            verdict(&tagged("main", "other", "agent_traces"), Some(&native)),
            Verdict::Mismatch
        );
        assert_eq!(verdict(&none, Some(&native)), Verdict::Native);
    }

    #[test]
    fn link_plans() {
        let wanted = NativeLocation::new(LocationSource::Wanted, "main", "agents", Some("t"));
        assert_eq!(plan_link(None, &wanted).unwrap().action, NativeAction::Link);
        let same = NativeLocation::new(LocationSource::Tags, "main", "agents", Some("t"));
        assert_eq!(
            plan_link(Some(&same), &wanted).unwrap().action,
            NativeAction::Unchanged
        );
        let other = NativeLocation::new(LocationSource::Tags, "main", "other", Some("t"));
        let err = plan_link(Some(&other), &wanted).unwrap_err();
        assert!(
            err.message
                .contains("already linked to the native trace location main.other.t"),
            "{}",
            err.message
        );
        assert!(validate_table_prefix("--table", "tränen").is_err());
        assert!(validate_table_prefix("--table-prefix", &"a".repeat(239)).is_err());
        validate_table_prefix("--table-prefix", "agent_traces_2").unwrap();
    }

    #[test]
    fn location_from_destination_path_tag() {
        let mut tags = Tags::new();
        tags.insert(DESTINATION_PATH_TAG.into(), "c.s".into());
        let e: Experiment = serde_json::from_str(r#"{"experiment_id":"1"}"#).unwrap();
        let n = native_location(&e, &tags).unwrap();
        assert_eq!(n.spans_table, "c.s.mlflow_experiment_trace_otel_spans");
        let e: Experiment = serde_json::from_str(
            r#"{"experiment_id":"1","trace_location":{"uc_trace_location":{"catalog":"a","schema":"b","effective_table_prefix":"p"}}}"#,
        )
        .unwrap();
        let n = native_location(&e, &tags).unwrap();
        assert_eq!(
            (n.source, n.spans_table.as_str()),
            (LocationSource::TraceLocation, "a.b.p_otel_spans")
        );
    }

    #[test]
    fn unlink_plans_by_layout() {
        let schema = NativeLocation::new(LocationSource::Tags, "c", "s", None);
        assert_eq!(schema.layout, NativeLayout::Schema);
        assert_eq!(
            plan_unlink(Some(schema)).unwrap().action,
            NativeAction::Unlink
        );
        let prefix = NativeLocation::new(LocationSource::Tags, "c", "s", Some("p"));
        let err = plan_unlink(Some(prefix.clone())).unwrap_err();
        assert!(
            err.message
                .contains("no API that unlinks a table-prefix location"),
            "{}",
            err.message
        );
        let created = NativeLocation::new(LocationSource::TraceLocation, "c", "s", Some("p"));
        let err = plan_unlink(Some(created)).unwrap_err();
        assert!(
            err.message
                .contains("given when the experiment was created"),
            "{}",
            err.message
        );
        assert_eq!(plan_unlink(None).unwrap().action, NativeAction::Unchanged);
        // Linked elsewhere with a table prefix: the refusal says why and what to do instead.
        let wanted = NativeLocation::new(LocationSource::Wanted, "c", "other", Some("p"));
        let err = plan_link(Some(&prefix), &wanted).unwrap_err();
        assert!(
            err.message.contains("no API that unlinks"),
            "{}",
            err.message
        );
        assert_eq!(err.hint.as_deref(), Some(ANOTHER_LOCATION_HINT));
    }

    #[test]
    fn tables_of_each_layout() {
        let v2 = NativeLocation::new(LocationSource::Tags, "c", "s", Some("p"));
        let roles: Vec<_> = v2
            .tables()
            .into_iter()
            .map(|(r, t)| format!("{r}={t}"))
            .collect();
        assert_eq!(
            roles,
            [
                "spans=c.s.p_otel_spans",
                "logs=c.s.p_otel_logs",
                "annotations=c.s.p_otel_annotations",
                "metrics=c.s.p_otel_metrics"
            ]
        );
        let v1 = NativeLocation::new(LocationSource::Tags, "c", "s", None);
        assert_eq!(v1.tables().len(), 2);
        let mut tags = Tags::new();
        tags.insert(DESTINATION_PATH_TAG.into(), "c.s.p".into());
        tags.insert(
            ANNOTATIONS_TABLE_TAG.into(),
            "c.s.custom_annotations".into(),
        );
        let e: Experiment = serde_json::from_str(r#"{"experiment_id":"1"}"#).unwrap();
        let n = native_location(&e, &tags).unwrap();
        assert_eq!(n.layout, NativeLayout::TablePrefix);
        assert_eq!(
            n.annotations_table.as_deref(),
            Some("c.s.custom_annotations")
        );
    }
}
