//! The trace destination of an experiment: the three `mlflow.tracing.destination.*` tags, and
//! the plan that turns current tags into wanted ones. Name rules and quoting: `uc_names`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::CliError;
use crate::uc_names::{quote, quote_if_needed, split_qualified, validate_uc_name};

pub const TAG_CATALOG: &str = "mlflow.tracing.destination.catalog";
pub const TAG_SCHEMA: &str = "mlflow.tracing.destination.schema";
pub const TAG_TABLE: &str = "mlflow.tracing.destination.table";
pub const DESTINATION_TAGS: [&str; 3] = [TAG_CATALOG, TAG_SCHEMA, TAG_TABLE];
pub const DEFAULT_TABLE: &str = "agent_traces";

/// Experiment tags by key.
pub type Tags = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Destination {
    pub catalog: String,
    pub schema: String,
    pub table: String,
}

impl Destination {
    /// Builds a destination from flag values, checking each against the Unity Catalog rules.
    pub fn from_flags(catalog: &str, schema: &str, table: &str) -> Result<Self, CliError> {
        validate_uc_name("--catalog", catalog)?;
        validate_uc_name("--schema", schema)?;
        validate_uc_name("--table", table)?;
        Ok(Destination {
            catalog: catalog.to_string(),
            schema: schema.to_string(),
            table: table.to_string(),
        })
    }

    /// `catalog.schema.table`, each part backtick-quoted where SQL needs it.
    pub fn full_name(&self) -> String {
        [&self.catalog, &self.schema, &self.table]
            .iter()
            .map(|p| quote_if_needed(p))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Every part backtick-quoted: the form that goes into SQL text.
    pub fn sql_name(&self) -> String {
        [&self.catalog, &self.schema, &self.table]
            .iter()
            .map(|p| quote(p))
            .collect::<Vec<_>>()
            .join(".")
    }

    pub fn wanted_tags(&self) -> [(&'static str, &str); 3] {
        [
            (TAG_CATALOG, &self.catalog),
            (TAG_SCHEMA, &self.schema),
            (TAG_TABLE, &self.table),
        ]
    }

    /// Parses `catalog.schema.table` as given to `--table` of `query`; backticks are allowed
    /// around a part.
    pub fn parse_full_name(flag: &str, text: &str) -> Result<Self, CliError> {
        let parts = split_qualified(text).ok_or_else(|| {
            CliError::usage(format!(
                "{flag} '{text}' must be catalog.schema.table (three names separated by '.'; quote a part with backticks)"
            ))
        })?;
        let [catalog, schema, table] = parts;
        for part in [&catalog, &schema, &table] {
            validate_uc_name(flag, part)?;
        }
        Ok(Destination {
            catalog,
            schema,
            table,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TagAction {
    Unchanged,
    Set,
    Changed,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagChange {
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub action: TagAction,
}

impl TagAction {
    pub fn label(self) -> &'static str {
        match self {
            TagAction::Unchanged => "unchanged",
            TagAction::Set => "set",
            TagAction::Changed => "changed",
            TagAction::Removed => "removed",
        }
    }
}

impl TagChange {
    pub fn needs_write(&self) -> bool {
        self.action != TagAction::Unchanged
    }
}

/// What must change for the experiment's tags to name `wanted`.
pub fn plan_set(current: &Tags, wanted: &Destination) -> Vec<TagChange> {
    wanted
        .wanted_tags()
        .iter()
        .map(|(key, value)| {
            let old = current.get(*key).cloned();
            let action = match old.as_deref() {
                Some(v) if v == *value => TagAction::Unchanged,
                Some(_) => TagAction::Changed,
                None => TagAction::Set,
            };
            TagChange {
                key: key.to_string(),
                old,
                new: Some(value.to_string()),
                action,
            }
        })
        .collect()
}

/// What must change for none of the three tags to remain.
pub fn plan_unset(current: &Tags) -> Vec<TagChange> {
    DESTINATION_TAGS
        .iter()
        .map(|key| {
            let old = current.get(*key).cloned();
            let action = if old.is_some() {
                TagAction::Removed
            } else {
                TagAction::Unchanged
            };
            TagChange {
                key: key.to_string(),
                old,
                new: None,
                action,
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigStatus {
    Configured,
    Partial,
    NotConfigured,
}

/// The destination as the tags state it.
#[derive(Debug, Clone, Serialize)]
pub struct TaggedDestination {
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub table: Option<String>,
    /// Set when all three tags are present.
    pub full_name: Option<String>,
    pub status: ConfigStatus,
    pub missing_tags: Vec<String>,
}

impl TaggedDestination {
    pub fn from_tags(tags: &Tags) -> Self {
        let get = |k: &str| tags.get(k).cloned();
        let (catalog, schema, table) = (get(TAG_CATALOG), get(TAG_SCHEMA), get(TAG_TABLE));
        let missing_tags: Vec<String> = DESTINATION_TAGS
            .iter()
            .filter(|k| !tags.contains_key(**k))
            .map(|k| k.to_string())
            .collect();
        let status = match missing_tags.len() {
            0 => ConfigStatus::Configured,
            3 => ConfigStatus::NotConfigured,
            _ => ConfigStatus::Partial,
        };
        let full_name = match (&catalog, &schema, &table) {
            (Some(c), Some(s), Some(t)) => Some(
                Destination {
                    catalog: c.clone(),
                    schema: s.clone(),
                    table: t.clone(),
                }
                .full_name(),
            ),
            _ => None,
        };
        TaggedDestination {
            catalog,
            schema,
            table,
            full_name,
            status,
            missing_tags,
        }
    }

    pub fn destination(&self) -> Option<Destination> {
        Some(Destination {
            catalog: self.catalog.clone()?,
            schema: self.schema.clone()?,
            table: self.table.clone()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_breaking_the_rules_are_refused_with_flag_and_rule() {
        let long = "a".repeat(256);
        for (value, why) in [
            ("", "it is empty"),
            ("a.b", "contains '.'"),
            ("a b", "contains a space"),
            ("a/b", "contains '/'"),
            ("a`b", "contains a backtick"),
            ("a\u{7f}", "control character"),
            ("a\nb", "control character"),
            (long.as_str(), "256 characters"),
        ] {
            let err = validate_uc_name("--schema", value).unwrap_err();
            assert!(err.message.starts_with("--schema "), "{}", err.message);
            assert!(err.message.contains(why), "{value:?}: {}", err.message);
        }
        validate_uc_name("--schema", &"a".repeat(255)).unwrap();
        validate_uc_name("--schema", "my-schema_ü").unwrap();
    }

    #[test]
    fn quoting() {
        let d = Destination::from_flags("main", "my-schema", "tränen").unwrap();
        assert_eq!(d.full_name(), "main.`my-schema`.`tränen`");
        assert_eq!(d.sql_name(), "`main`.`my-schema`.`tränen`");
        assert_eq!(quote("a`b"), "`a``b`");
        assert_eq!(quote_if_needed("1abc"), "`1abc`");
    }

    #[test]
    fn plans() {
        let d = Destination::from_flags("main", "agents", "t").unwrap();
        let mut tags = Tags::new();
        tags.insert(TAG_CATALOG.into(), "main".into());
        tags.insert(TAG_SCHEMA.into(), "old".into());
        let plan = plan_set(&tags, &d);
        let actions: Vec<_> = plan.iter().map(|c| c.action).collect();
        assert_eq!(
            actions,
            [TagAction::Unchanged, TagAction::Changed, TagAction::Set]
        );
        assert_eq!(plan[1].old.as_deref(), Some("old"));
        let unset: Vec<_> = plan_unset(&tags).iter().map(|c| c.action).collect();
        assert_eq!(
            unset,
            [TagAction::Removed, TagAction::Removed, TagAction::Unchanged]
        );
        let t = TaggedDestination::from_tags(&tags);
        assert_eq!(t.status, ConfigStatus::Partial);
        assert_eq!(t.missing_tags, vec![TAG_TABLE.to_string()]);
    }

    #[test]
    fn full_name_parsing() {
        let d = Destination::parse_full_name("--table", "main.`my.odd``s`.t").unwrap_err();
        assert!(d.message.contains("contains '.'"), "{}", d.message);
        let d = Destination::parse_full_name("--table", "main.`my-s`.t").unwrap();
        assert_eq!(d.schema, "my-s");
        assert!(Destination::parse_full_name("--table", "a.b").is_err());
        assert!(Destination::parse_full_name("--table", "a.`b.c").is_err());
    }
}
