//! Text rendering of `tracecfg apply`: each experiment as `set` shows it, then one summary line.

use std::fmt::Write;

use crate::commands::apply::{ApplyReport, EntryStatus};
use crate::output::Render;

impl Render for ApplyReport {
    fn render_text(&self) -> String {
        let mut out = String::new();
        // The workspace is worth a line only when the file spans more than one.
        let several_hosts = self
            .experiments
            .windows(2)
            .any(|pair| pair[0].host != pair[1].host);
        for entry in &self.experiments {
            let _ = writeln!(out, "== {} ({})", entry.name, entry.status.label());
            if several_hosts {
                let _ = writeln!(out, "workspace    {}", entry.host);
            }
            if let Some(report) = &entry.report {
                out.push_str(&report.render_text());
            }
            if let Some(error) = &entry.error {
                let _ = writeln!(out, "failed: {}", error.message);
                if let Some(hint) = &error.hint {
                    let _ = writeln!(out, "hint: {hint}");
                }
            }
            out.push('\n');
        }
        let s = &self.summary;
        let mut parts = vec![format!("{} changed", s.changed)];
        if s.failed > 0 {
            parts.push(format!("{} failed", s.failed));
        }
        parts.push(format!("{} unchanged", s.unchanged));
        let plural = if s.experiments == 1 { "" } else { "s" };
        let mode = if s.check {
            "; check: nothing was written"
        } else if s.dry_run {
            "; dry run: nothing was written"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{} experiment{plural}: {}{mode}",
            s.experiments,
            parts.join(", ")
        );
        out
    }
}

impl EntryStatus {
    pub fn label(self) -> &'static str {
        match self {
            EntryStatus::Unchanged => "unchanged",
            EntryStatus::Changed => "changed",
            EntryStatus::Failed => "failed",
        }
    }
}
