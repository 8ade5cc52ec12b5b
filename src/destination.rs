//! The trace destination of an experiment: the three `mlflow.tracing.destination.*` tags,
//! Unity Catalog name rules and quoting, and the plan that turns current tags into wanted ones.
//!
//! Name rules: Unity Catalog "Names" and "Identifiers" pages (docs/databricks-api.md §3.1).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::CliError;

pub const TAG_CATALOG: &str = "mlflow.tracing.destination.catalog";
pub const TAG_SCHEMA: &str = "mlflow.tracing.destination.schema";
pub const TAG_TABLE: &str = "mlflow.tracing.destination.table";
pub const DESTINATION_TAGS: [&str; 3] = [TAG_CATALOG, TAG_SCHEMA, TAG_TABLE];
pub const DEFAULT_TABLE: &str = "agent_traces";

const MAX_NAME_CHARS: usize = 255;

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

fn split_qualified(text: &str) -> Option<[String; 3]> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '`' if quoted && chars.peek() == Some(&'`') => {
                chars.next();
                current.push('`');
            }
            '`' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    if quoted {
        return None;
    }
    parts.push(current);
    parts.try_into().ok()
}

/// Checks a catalog, schema or table name against the Unity Catalog rules; the error names
/// the flag and the rule. Backticks are refused too: no legitimate name needs one, and they are
/// the way to break out of a quoted identifier.
pub fn validate_uc_name(flag: &str, value: &str) -> Result<(), CliError> {
    let fail = |why: &str| {
        Err(CliError::usage(format!(
            "{flag} {} is not a valid Unity Catalog name: {why}",
            shown(value)
        )))
    };
    if value.is_empty() {
        return fail("it is empty");
    }
    let count = value.chars().count();
    if count > MAX_NAME_CHARS {
        return fail(&format!(
            "it has {count} characters, at most {MAX_NAME_CHARS} are allowed"
        ));
    }
    for c in value.chars() {
        let why = match c {
            '.' => "it contains '.' (a name may not contain '.', spaces, '/', backticks or control characters)",
            ' ' => "it contains a space (a name may not contain '.', spaces, '/', backticks or control characters)",
            '/' => "it contains '/' (a name may not contain '.', spaces, '/', backticks or control characters)",
            '`' => "it contains a backtick (a name may not contain '.', spaces, '/', backticks or control characters)",
            c if c.is_control() => "it contains a control character (a name may not contain '.', spaces, '/', backticks or control characters)",
            _ => continue,
        };
        return fail(why);
    }
    Ok(())
}

/// A value shown in an error: quoted, control characters escaped, long values cut.
pub fn shown(value: &str) -> String {
    let escaped: String = value.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() > 60 {
        format!("'{}…'", escaped.chars().take(60).collect::<String>())
    } else {
        format!("'{escaped}'")
    }
}

/// Backtick-quotes a name when it is not a plain identifier (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn quote_if_needed(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        quote(name)
    }
}

/// Backtick-quotes a name, doubling any backtick inside it.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
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
