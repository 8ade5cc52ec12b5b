//! Human-readable rendering of each command's report.

use std::fmt::Write;

use crate::commands::doctor::{DoctorReport, Status};
use crate::commands::query::PrintedStatement;
use crate::commands::set::SetReport;
use crate::commands::show::ShowReport;
use crate::commands::unset::UnsetReport;
use crate::destination::{ConfigStatus, TagAction, TagChange};
use crate::trace_location::{NativeAction, NativeChange};

/// A report that can be shown to a person.
pub trait Render {
    fn render_text(&self) -> String;
}

fn change_lines(out: &mut String, changes: &[TagChange], dry_run: bool) {
    let width = changes.iter().map(|c| c.key.len()).max().unwrap_or(0);
    for c in changes {
        let label = match (dry_run, c.action) {
            (true, TagAction::Set) => "would set",
            (true, TagAction::Changed) => "would change",
            (true, TagAction::Removed) => "would remove",
            (_, action) => action.label(),
        };
        let detail = match c.action {
            TagAction::Changed => format!(
                " ({} -> {})",
                c.old.as_deref().unwrap_or_default(),
                c.new.as_deref().unwrap_or_default()
            ),
            TagAction::Set | TagAction::Unchanged => {
                format!(
                    " {}",
                    c.new.as_deref().or(c.old.as_deref()).unwrap_or("(absent)")
                )
            }
            TagAction::Removed => format!(" (was {})", c.old.as_deref().unwrap_or_default()),
        };
        let detail = if c.action == TagAction::Unchanged && c.new.is_none() && c.old.is_none() {
            " (absent)".to_string()
        } else {
            detail
        };
        let _ = writeln!(out, "  {:width$}  {label}{detail}", c.key);
    }
}

fn experiment_line(out: &mut String, name: Option<&str>, id: Option<&str>) {
    let _ = writeln!(
        out,
        "experiment   {} (id {})",
        name.unwrap_or("(no name)"),
        id.unwrap_or("not created yet")
    );
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

fn native_line(out: &mut String, native: &Option<NativeChange>, dry_run: bool) {
    let Some(n) = native else { return };
    let wanted = n
        .wanted
        .as_ref()
        .map(|w| format!("{} (spans in {})", w.destination_path(), w.spans_table));
    let current = n.current.as_ref().map(|c| c.destination_path());
    let text = match (n.action, dry_run) {
        (NativeAction::Unchanged, _) => match current {
            Some(c) => format!("unchanged, linked to {c}"),
            None => "none, nothing to unlink".to_string(),
        },
        (NativeAction::Link, false) => format!("linked to {}", wanted.unwrap_or_default()),
        (NativeAction::Link, true) => format!("would link to {}", wanted.unwrap_or_default()),
        (NativeAction::CreateWithExperiment, false) => format!(
            "created with the experiment: {}",
            wanted.unwrap_or_default()
        ),
        (NativeAction::CreateWithExperiment, true) => format!(
            "would be created with the experiment: {}",
            wanted.unwrap_or_default()
        ),
        (NativeAction::Unlink, false) => format!("unlinked from {}", current.unwrap_or_default()),
        (NativeAction::Unlink, true) => {
            format!("would unlink from {}", current.unwrap_or_default())
        }
    };
    let _ = writeln!(out, "native location: {text}");
}

impl Render for UnsetReport {
    fn render_text(&self) -> String {
        let mut out = String::new();
        experiment_line(
            &mut out,
            self.experiment_name.as_deref(),
            Some(&self.experiment_id),
        );
        change_lines(&mut out, &self.changes, self.dry_run);
        native_line(&mut out, &self.native, self.dry_run);
        let pending = self.changes.iter().filter(|c| c.needs_write()).count();
        let unlinks = self.native.as_ref().is_some_and(|n| n.action.needs_write());
        let summary = match (self.dry_run, pending) {
            (_, 0) if !unlinks => "nothing to remove".to_string(),
            (true, n) => format!("dry run: {n} tag(s) would be removed, nothing was removed"),
            (false, n) => format!("{n} tag(s) removed"),
        };
        let _ = writeln!(out, "{summary}");
        out
    }
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
            }
            None => {
                let _ = writeln!(out, "native       none");
            }
        }
        let _ = writeln!(out, "verdict      {}", self.verdict.label());
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

impl Render for PrintedStatement {
    fn render_text(&self) -> String {
        let mut out = format!("{};\n", self.sql);
        for p in &self.parameters {
            let value = match &p.value {
                Some(v) => format!("{v:?}"),
                None => "NULL".to_string(),
            };
            let _ = writeln!(
                out,
                "-- :{} = {value} ({})",
                p.name,
                p.type_name.as_deref().unwrap_or("STRING")
            );
        }
        out
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
