//! Human-readable rendering: the trait every report implements (next to the report, in its
//! command's module) and the text pieces several reports share.

use std::fmt::Write;

use crate::destination::{TagAction, TagChange};
use crate::trace_location::{NativeAction, NativeChange};

/// A report that can be shown to a person.
pub trait Render {
    fn render_text(&self) -> String;
}

pub fn change_lines(out: &mut String, changes: &[TagChange], dry_run: bool) {
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

pub fn experiment_line(out: &mut String, name: Option<&str>, id: Option<&str>) {
    let _ = writeln!(
        out,
        "experiment   {} (id {})",
        name.unwrap_or("(no name)"),
        id.unwrap_or("not created yet")
    );
}

pub fn native_line(out: &mut String, native: &Option<NativeChange>, dry_run: bool) {
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
