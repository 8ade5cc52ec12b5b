//! The native Unity Catalog trace location: what really routes an experiment's traces, as
//! opposed to the `mlflow.tracing.destination.*` tags, which nothing reads
//! (shared/docs/databricks-api.md §0 and §1.9; docs/research-trace-location.md).

use serde::Serialize;

use crate::api::experiments::Experiment;
use crate::destination::{ConfigStatus, TaggedDestination, Tags};

/// Tags Databricks sets on an experiment linked to a Unity Catalog location.
pub const NATIVE_TAG_PREFIX: &str = "mlflow.experiment.databricksTrace";
pub const DESTINATION_PATH_TAG: &str = "mlflow.experiment.databricksTraceDestinationPath";
pub const SPANS_TABLE_TAG: &str = "mlflow.experiment.databricksTraceSpanStorageTable";
pub const LOGS_TABLE_TAG: &str = "mlflow.experiment.databricksTraceLogStorageTable";

/// Table names of the schema-linked layout, which has no prefix.
pub const SCHEMA_LAYOUT_SPANS: &str = "mlflow_experiment_trace_otel_spans";
pub const SCHEMA_LAYOUT_LOGS: &str = "mlflow_experiment_trace_otel_logs";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NativeLocation {
    /// `trace_location` (the experiment field) or `tags` (the databricksTrace* tags).
    pub source: &'static str,
    pub catalog: String,
    pub schema: String,
    pub table_prefix: Option<String>,
    pub spans_table: String,
    pub logs_table: String,
}

impl NativeLocation {
    pub fn new(source: &'static str, catalog: &str, schema: &str, prefix: Option<&str>) -> Self {
        let (spans, logs) = match prefix {
            Some(p) => (format!("{p}_otel_spans"), format!("{p}_otel_logs")),
            None => (
                SCHEMA_LAYOUT_SPANS.to_string(),
                SCHEMA_LAYOUT_LOGS.to_string(),
            ),
        };
        NativeLocation {
            source,
            catalog: catalog.to_string(),
            schema: schema.to_string(),
            table_prefix: prefix.map(str::to_string),
            spans_table: format!("{catalog}.{schema}.{spans}"),
            logs_table: format!("{catalog}.{schema}.{logs}"),
        }
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
                "trace_location",
                catalog,
                schema,
                prefix,
            ));
        }
    }
    let path = tags.get(DESTINATION_PATH_TAG)?;
    let parts: Vec<&str> = path.split('.').collect();
    let mut location = match parts.as_slice() {
        [catalog, schema] => NativeLocation::new("tags", catalog, schema, None),
        [catalog, schema, prefix] => NativeLocation::new("tags", catalog, schema, Some(prefix)),
        _ => return None,
    };
    if let Some(spans) = tags.get(SPANS_TABLE_TAG) {
        location.spans_table = spans.clone();
    }
    if let Some(logs) = tags.get(LOGS_TABLE_TAG) {
        location.logs_table = logs.clone();
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
pub fn validate_table_prefix(flag: &str, prefix: &str) -> Result<(), crate::error::CliError> {
    let ok = !prefix.is_empty()
        && prefix.len() <= 238
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(crate::error::CliError::usage(format!(
            "{flag} {} cannot be a trace table prefix: use letters, digits and underscores, at most 238 characters{}",
            crate::destination::shown(prefix),
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
) -> Result<NativeChange, crate::error::CliError> {
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
        Some(c) => Err(crate::error::CliError::new(
            crate::error::ExitCode::Failure,
            format!(
                "the experiment is already linked to the native trace location {} (spans in {}); refusing to replace it with {}",
                c.destination_path(),
                c.spans_table,
                wanted.destination_path()
            ),
        )
        .with_hint(if c.given_at_creation() {
            "that location was given when the experiment was created and cannot be changed; for another location, create another experiment (set --create --native)"
        } else {
            "unlink it first with 'tracecfg unset --native', then run set --native again"
        })),
        None => Ok(NativeChange {
            action: NativeAction::Link,
            current: None,
            wanted: Some(wanted.clone()),
        }),
    }
}

impl NativeLocation {
    /// The experiment's `trace_location` field: set at creation, immutable afterwards (research
    /// §2), so it can be neither unlinked nor replaced.
    pub fn given_at_creation(&self) -> bool {
        self.source == "trace_location"
    }

    /// `catalog.schema[.prefix]`, as in the databricksTraceDestinationPath tag.
    pub fn destination_path(&self) -> String {
        match &self.table_prefix {
            Some(p) => format!("{}.{}.{p}", self.catalog, self.schema),
            None => format!("{}.{}", self.catalog, self.schema),
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
        let native = NativeLocation::new("tags", "main", "agents", Some("agent_traces"));
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
        let wanted = NativeLocation::new("wanted", "main", "agents", Some("t"));
        assert_eq!(plan_link(None, &wanted).unwrap().action, NativeAction::Link);
        let same = NativeLocation::new("tags", "main", "agents", Some("t"));
        assert_eq!(
            plan_link(Some(&same), &wanted).unwrap().action,
            NativeAction::Unchanged
        );
        let other = NativeLocation::new("tags", "main", "other", Some("t"));
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
            ("trace_location", "a.b.p_otel_spans")
        );
    }
}
