//! What `export` prints on stdout once it is done (docs/export.md, "Output"): the files and
//! totals, or with `--dry-run` the estimate. `-o json` is the stable shape for scripts.

use serde::Serialize;

use super::text::Render;
use crate::display::human_bytes;
use crate::export::manifest::{DayFile, Window};

#[derive(Debug, Serialize)]
pub struct ExportReport {
    pub out: String,
    pub format: String,
    pub gzip: bool,
    pub window: Window,
    /// Whether this run continued an export an earlier run began.
    pub resumed: bool,
    /// In every file of the export.
    pub traces: u64,
    pub spans: u64,
    pub bytes: u64,
    /// Written by this run.
    pub written: u64,
    pub files: Vec<DayFile>,
}

#[derive(Debug, Serialize)]
pub struct DryRunReport {
    pub dry_run: bool,
    pub format: &'static str,
    pub window: Window,
    pub traces: u64,
    /// `None` when the source cannot tell without reading every trace's spans.
    pub spans: Option<u64>,
    /// About how many bytes the files would take, before compression.
    pub approx_bytes: u64,
    /// Traces whose size the source does not record: estimated from the others' (or from a
    /// typical span's size).
    pub traces_without_size: u64,
}

impl Render for ExportReport {
    fn render_text(&self) -> String {
        let mut out = String::new();
        let how = if self.resumed {
            "resumed and completed"
        } else {
            "exported"
        };
        out.push_str(&format!(
            "{how}: {} traces, {} spans, {} in {} file{} in {} ({}{})\n",
            self.traces,
            self.spans,
            human_bytes(self.bytes),
            self.files.len(),
            if self.files.len() == 1 { "" } else { "s" },
            self.out,
            self.format,
            if self.gzip { ", gzip" } else { "" },
        ));
        if self.resumed {
            out.push_str(&format!("this run wrote {} traces\n", self.written));
        }
        let width = self.files.iter().map(|f| f.name.len()).max().unwrap_or(0);
        for f in &self.files {
            out.push_str(&format!(
                "  {:<width$}  {:>7} traces  {:>9}\n",
                f.name,
                f.traces,
                human_bytes(f.bytes)
            ));
        }
        out
    }
}

impl Render for DryRunReport {
    fn render_text(&self) -> String {
        let spans = match self.spans {
            Some(n) => format!(" ({n} spans)"),
            None => String::new(),
        };
        let mut out = format!(
            "would export {} traces{spans}, about {} as {}\n",
            self.traces,
            human_bytes(self.approx_bytes),
            self.format
        );
        if self.traces_without_size > 0 {
            out.push_str(&format!(
                "{} of them record no size: their bytes are estimated from the others' or their span count\n",
                self.traces_without_size
            ));
        }
        out
    }
}
