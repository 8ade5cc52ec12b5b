//! A spinner on stderr with elapsed time and rows fetched; drawn only when stderr is a terminal
//! and `-q` was not given, so scripts and logs never see it. It is cleared (for good) when the
//! results arrive, so no trace of it is left in the scrollback above them.

use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

use super::rows::{ChunkEncoder, Row, RowSink};
use crate::api::statements::Column;

pub struct Spinner {
    bar: ProgressBar,
    cleared: AtomicBool,
}

impl Spinner {
    pub fn start(message: &str) -> Spinner {
        let bar = if super::log::progress_allowed() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        bar.set_message(message.to_string());
        Spinner {
            bar,
            cleared: AtomicBool::new(false),
        }
    }

    /// A new message; nothing once the spinner is cleared (a message would draw it again).
    pub fn set_message(&self, message: String) {
        if !self.cleared.load(Ordering::Relaxed) {
            self.bar.set_message(message);
        }
    }

    pub fn finish(&self) {
        if !self.cleared.swap(true, Ordering::Relaxed) {
            self.bar.finish_and_clear();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A row sink that clears the spinner when the results arrive, before the sink writes a byte:
/// a progress line drawn between result lines would stay in the scrollback.
pub struct ClearBeforeOutput<'a> {
    inner: &'a mut dyn RowSink,
    spinner: &'a Spinner,
}

impl<'a> ClearBeforeOutput<'a> {
    pub fn new(inner: &'a mut dyn RowSink, spinner: &'a Spinner) -> Self {
        ClearBeforeOutput { inner, spinner }
    }
}

impl RowSink for ClearBeforeOutput<'_> {
    fn begin(&mut self, columns: &[Column]) -> anyhow::Result<()> {
        self.spinner.finish();
        self.inner.begin(columns)
    }
    fn encoder(&self) -> Option<ChunkEncoder> {
        self.inner.encoder()
    }
    fn rows(&mut self, rows: Vec<Row>) -> anyhow::Result<()> {
        self.inner.rows(rows)
    }
    fn encoded(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.inner.encoded(bytes)
    }
    fn finish(&mut self) -> anyhow::Result<()> {
        self.inner.finish()
    }
}
