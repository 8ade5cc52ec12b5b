//! The `[[experiments]]` list of tracecfg.toml, validated into one wanted state per experiment
//! before any request. Top-level keys are defaults for every entry; every error names
//! `file:line` and the rule.

use std::collections::BTreeMap;

use toml::Spanned;

use crate::commands::set::{wanted_native, Spec};
use crate::destination::{validate_uc_name, Destination, DEFAULT_TABLE};
use crate::error::CliError;
use crate::experiment_ref::{normalize_path, ExperimentRef};
use crate::project::{EntryFile, ProjectFile};

/// Which workspace an entry talks to: its own `profile`/`host`, else the command line's.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Workspace {
    pub profile: Option<String>,
    pub host: Option<String>,
}

/// One validated entry.
#[derive(Debug, Clone)]
pub struct FleetEntry {
    /// `name`, else the experiment path or id: what `--only` matches and the report shows.
    pub label: String,
    /// `file:line` of the entry, for errors found later (such as a profile that is missing).
    pub location: String,
    pub workspace: Workspace,
    pub spec: Spec,
}

/// The entries of the file; the top-level `experiment` alone counts as one entry.
pub fn entries(project: &ProjectFile) -> Result<Vec<FleetEntry>, CliError> {
    if project.path.is_none() {
        return Err(CliError::usage(
            "no tracecfg.toml found in this directory or a parent: apply needs one (or pass --file PATH)",
        ));
    }
    let mut out = Vec::new();
    if project.experiments.is_empty() {
        if project.experiment.is_some() {
            out.push(single_entry(project)?);
        } else {
            return Err(CliError::usage(format!(
                "{}: no experiments: add [[experiments]] entries (or a top-level 'experiment')",
                project.key_location("experiments")
            )));
        }
    }
    for entry in &project.experiments {
        out.push(entry_of(project, entry)?);
    }
    refuse_duplicates(&out)?;
    Ok(out)
}

/// Keeps the entries `--only` names; a name matching none is an error.
pub fn select(entries: Vec<FleetEntry>, only: &[String]) -> Result<Vec<FleetEntry>, CliError> {
    if only.is_empty() {
        return Ok(entries);
    }
    for name in only {
        if !entries.iter().any(|e| e.answers_to(name)) {
            let known: Vec<&str> = entries.iter().map(|e| e.label.as_str()).collect();
            return Err(CliError::usage(format!(
                "--only {}: no entry has that name, path or id; the file has: {}",
                crate::destination::shown(name),
                known.join(", ")
            )));
        }
    }
    Ok(entries
        .into_iter()
        .filter(|e| only.iter().any(|n| e.answers_to(n)))
        .collect())
}

impl FleetEntry {
    fn answers_to(&self, name: &str) -> bool {
        if self.label == name {
            return true;
        }
        match &self.spec.target {
            ExperimentRef::Path(p) => normalize_path(name).is_ok_and(|n| &n == p),
            ExperimentRef::Id(id) => id == name,
        }
    }
}

fn single_entry(project: &ProjectFile) -> Result<FleetEntry, CliError> {
    let location = project.key_location("experiment");
    let at = |e: CliError| CliError {
        message: format!("{location}: {}", e.message),
        ..e
    };
    let raw = project.experiment.as_deref().unwrap_or_default();
    let path = normalize_path(raw)
        .map_err(|why| CliError::usage(format!("{location}: experiment {why}")))?;
    let wanted = destination(project, None, None, &location)?;
    let native = project.native.unwrap_or(false);
    let spec = Spec {
        target: ExperimentRef::Path(path.clone()),
        native: wanted_native(native, None, &wanted).map_err(at)?,
        wanted,
        create: project.create.unwrap_or(false),
        warehouse: None,
        verify: false,
        create_hint: "add 'create = true' to tracecfg.toml to create it",
        notes: false,
    };
    Ok(FleetEntry {
        label: path,
        location,
        workspace: Workspace {
            profile: None,
            host: None,
        },
        spec,
    })
}

fn entry_of(project: &ProjectFile, entry: &Spanned<EntryFile>) -> Result<FleetEntry, CliError> {
    let location = project.location(entry.span().start);
    let e = entry.get_ref();
    // Each value's own line where there is one, else the entry's.
    let at = |v: Option<std::ops::Range<usize>>, message: String| {
        let where_ = v.map_or(location.clone(), |r| project.location(r.start));
        CliError::usage(format!("{where_}: {message}"))
    };
    let span = |v: &Option<Spanned<String>>| v.as_ref().map(Spanned::span);
    let target = match (&e.experiment, &e.experiment_id) {
        (Some(path), None) => normalize_path(path.get_ref())
            .map(ExperimentRef::Path)
            .map_err(|why| at(span(&e.experiment), format!("experiment {why}")))?,
        (None, Some(id)) => ExperimentRef::resolve(None, Some(id.get_ref()), &Default::default(), &ProjectFile::default())
            .map_err(|err| {
                at(
                    span(&e.experiment_id),
                    err.message.replace("--experiment-id", "experiment_id"),
                )
            })?,
        (Some(_), Some(_)) => {
            return Err(at(
                span(&e.experiment_id),
                "an entry names its experiment by 'experiment' (a path) or 'experiment_id', not both".into(),
            ))
        }
        (None, None) => {
            return Err(at(
                None,
                "an entry needs 'experiment' (a workspace path such as /Shared/agent_eval) or 'experiment_id'".into(),
            ))
        }
    };
    let wanted = destination(project, Some(e), Some(&target), &location)?;
    let native = e
        .native
        .as_ref()
        .map(|n| *n.get_ref())
        .or(project.native)
        .unwrap_or(false);
    for (key, value) in [
        ("table_prefix", &e.table_prefix),
        ("warehouse_id", &e.warehouse_id),
    ] {
        if value.is_some() && !native {
            return Err(at(
                span(value),
                format!("{key} is for a native location: it needs 'native = true'"),
            ));
        }
    }
    let native_location = wanted_native(
        native,
        e.table_prefix.as_ref().map(|p| p.get_ref().as_str()),
        &wanted,
    )
    .map_err(|err| {
        at(
            span(&e.table_prefix).or(span(&e.table)),
            err.message
                .replace("--table-prefix", "table_prefix")
                .replace("--table", "table")
                .replace(" (or pass table_prefix)", " (or set table_prefix)"),
        )
    })?;
    let warehouse = e.warehouse_id.as_ref().map(|w| w.get_ref().clone());
    if let Some(w) = &warehouse {
        crate::warehouse_choice::validate_warehouse_id(w).map_err(|err| {
            at(
                span(&e.warehouse_id),
                err.message.replace("--warehouse", "warehouse_id"),
            )
        })?;
    }
    let create_flag = e.create.as_ref().map(|c| *c.get_ref());
    let create = match (&target, create_flag) {
        (ExperimentRef::Id(_), Some(true)) => {
            return Err(at(
                e.create.as_ref().map(Spanned::span),
                "create = true needs 'experiment' (a path): an experiment id cannot be created"
                    .into(),
            ))
        }
        (ExperimentRef::Id(_), _) => false,
        (ExperimentRef::Path(_), flag) => flag.or(project.create).unwrap_or(false),
    };
    for (key, value) in [("profile", &e.profile), ("host", &e.host)] {
        if value
            .as_ref()
            .is_some_and(|v| v.get_ref().trim().is_empty())
        {
            return Err(at(span(value), format!("{key} is empty")));
        }
    }
    let label = match (&e.name, &target) {
        (Some(n), _) if n.get_ref().trim().is_empty() => {
            return Err(at(span(&e.name), "name is empty".into()))
        }
        (Some(n), _) => n.get_ref().clone(),
        (None, ExperimentRef::Path(p)) => p.clone(),
        (None, ExperimentRef::Id(id)) => id.clone(),
    };
    Ok(FleetEntry {
        label,
        location,
        workspace: Workspace {
            profile: e.profile.as_ref().map(|p| p.get_ref().clone()),
            host: e.host.as_ref().map(|h| h.get_ref().clone()),
        },
        spec: Spec {
            target,
            wanted,
            native: native_location,
            create,
            warehouse,
            verify: false,
            create_hint: "add 'create = true' to its entry in tracecfg.toml to create it",
            notes: false,
        },
    })
}

/// The destination of an entry: its own keys, else the top-level defaults.
fn destination(
    project: &ProjectFile,
    entry: Option<&EntryFile>,
    target: Option<&ExperimentRef>,
    location: &str,
) -> Result<Destination, CliError> {
    let mut parts = Vec::new();
    for (key, own, default) in [
        (
            "catalog",
            entry.and_then(|e| e.catalog.as_ref()),
            &project.catalog,
        ),
        (
            "schema",
            entry.and_then(|e| e.schema.as_ref()),
            &project.schema,
        ),
        (
            "table",
            entry.and_then(|e| e.table.as_ref()),
            &project.table,
        ),
    ] {
        let (value, where_) = match (own, default) {
            (Some(v), _) => (v.get_ref().clone(), project.location(v.span().start)),
            (None, Some(d)) => (d.clone(), project.key_location(key)),
            (None, None) if key == "table" => (DEFAULT_TABLE.to_string(), location.to_string()),
            (None, None) => {
                let whose = target.map(|t| format!(" for {t}")).unwrap_or_default();
                return Err(CliError::usage(format!(
                    "{location}: no {key}{whose}: add '{key}' to the entry or at the top level"
                )));
            }
        };
        validate_uc_name(key, &value)
            .map_err(|e| CliError::usage(format!("{where_}: {}", e.message)))?;
        parts.push(value);
    }
    Ok(Destination {
        catalog: parts[0].clone(),
        schema: parts[1].clone(),
        table: parts[2].clone(),
    })
}

/// Two entries for the same experiment in the same workspace would fight: refused.
fn refuse_duplicates(entries: &[FleetEntry]) -> Result<(), CliError> {
    let mut seen: BTreeMap<(Workspace, String), &FleetEntry> = BTreeMap::new();
    let mut labels: BTreeMap<&str, &FleetEntry> = BTreeMap::new();
    for e in entries {
        let key = (e.workspace.clone(), e.spec.target.to_string());
        let line = |f: &FleetEntry| {
            f.location
                .rsplit(':')
                .next()
                .unwrap_or_default()
                .to_string()
        };
        if let Some(first) = seen.insert(key, e) {
            return Err(CliError::usage(format!(
                "{}: {} is listed twice (first at line {}): one entry per experiment and workspace",
                e.location,
                e.spec.target,
                line(first)
            )));
        }
        if let Some(first) = labels.insert(e.label.as_str(), e) {
            return Err(CliError::usage(format!(
                "{}: name '{}' is used twice (first at line {}): --only needs names to be unique",
                e.location,
                e.label,
                line(first)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn parse(text: &str) -> Result<Vec<FleetEntry>, CliError> {
        entries(&ProjectFile::parse(Path::new("t.toml"), text)?)
    }

    #[test]
    fn defaults_apply_to_every_entry_and_entries_override_them() {
        let got = parse(
            "catalog = \"main\"\nschema = \"dev\"\ncreate = true\n\n[[experiments]]\nexperiment = \"/Shared/a\"\n\n[[experiments]]\nname = \"prod\"\nexperiment_id = \"42\"\nschema = \"prod\"\ntable = \"t\"\nprofile = \"PROD\"\n",
        )
        .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].spec.wanted.full_name(), "main.dev.agent_traces");
        assert!(got[0].spec.create, "top-level create is a default");
        assert_eq!(got[1].label, "prod");
        assert_eq!(got[1].spec.wanted.full_name(), "main.prod.t");
        assert!(!got[1].spec.create, "an id is never created");
        assert_eq!(got[1].workspace.profile.as_deref(), Some("PROD"));
        assert_eq!(got[1].location, "t.toml:8");
    }

    #[test]
    fn errors_name_the_line_and_the_rule() {
        for (text, want) in [
            ("[[experiments]]\nexperiment = \"/Shared/a\"\nschema = \"s\"\ncatalog = \"a.b\"\n", "t.toml:4: catalog 'a.b' is not a valid Unity Catalog name: it contains '.'"),
            ("catalog = \"c\"\n[[experiments]]\nexperiment = \"/Shared/a\"\n", "t.toml:2: no schema for experiment /Shared/a"),
            ("catalog = \"c\"\nschema = \"s\"\n[[experiments]]\nexperiment = \"Shared/a\"\n", "t.toml:4: experiment 'Shared/a' must be an absolute"),
            ("catalog = \"c\"\nschema = \"s\"\n[[experiments]]\nname = \"x\"\n", "t.toml:3: an entry needs 'experiment'"),
            ("catalog = \"c\"\nschema = \"s\"\n[[experiments]]\nexperiment_id = \"1\"\ncreate = true\n", "t.toml:5: create = true needs 'experiment'"),
            ("catalog = \"c\"\nschema = \"s\"\n[[experiments]]\nexperiment = \"/a\"\nwarehouse_id = \"w1\"\n", "t.toml:5: warehouse_id is for a native location"),
            ("catalog = \"c\"\nschema = \"s\"\n[[experiments]]\nexperiment = \"/a\"\nnative = true\ntable_prefix = \"a-b\"\n", "t.toml:6: table_prefix 'a-b' cannot be a trace table prefix"),
            ("catalog = \"c\"\nschema = \"s\"\n[[experiments]]\nexperiment = \"/a\"\n\n[[experiments]]\nexperiment = \"/Workspace/a/\"\n", "t.toml:6: experiment /a is listed twice (first at line 3)"),
            ("catalog = \"c\"\nschema = \"s\"\n[[experiments]]\nexperiment = \"/a\"\ncatalgo = \"x\"\n", "t.toml:5: unknown field `catalgo`"),
            ("catalog = \"c\"\n", "t.toml: no experiments"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.message.starts_with(want), "{text:?}\n got: {}\nwant: {want}", err.message);
            assert_eq!(err.code, crate::error::ExitCode::Usage);
        }
    }

    #[test]
    fn the_same_path_in_two_workspaces_is_no_duplicate_and_only_selects() {
        let got = parse(
            "catalog = \"c\"\nschema = \"s\"\n[[experiments]]\nexperiment = \"/a\"\nprofile = \"DEV\"\n[[experiments]]\nname = \"prod-a\"\nexperiment = \"/a\"\nprofile = \"PROD\"\n",
        )
        .unwrap();
        let only = select(got.clone(), &["prod-a".into()]).unwrap();
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].workspace.profile.as_deref(), Some("PROD"));
        assert_eq!(select(got.clone(), &["/a".into()]).unwrap().len(), 2);
        let err = select(got, &["nope".into()]).unwrap_err();
        assert!(
            err.message.starts_with("--only 'nope': no entry"),
            "{}",
            err.message
        );
    }
}
