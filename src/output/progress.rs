//! A spinner on stderr with elapsed time and rows fetched; drawn only when stderr is a terminal
//! and `-q` was not given, so scripts and logs never see it. It is cleared (for good) when the
//! results arrive, so no trace of it is left in the scrollback above them.

use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

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

    /// A spinner never drawn (a command that draws its own progress).
    pub fn hidden() -> Spinner {
        Spinner {
            bar: ProgressBar::hidden(),
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

/// The progress of `export` on stderr: traces and bytes written, the rate, the time taken.
/// Drawn only when stderr is a terminal and `-q` was not given.
pub struct ExportProgress {
    bar: ProgressBar,
    bytes: u64,
}

impl ExportProgress {
    pub fn start() -> ExportProgress {
        if !super::log::progress_allowed() {
            return ExportProgress::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} exported {human_pos} traces, {msg} ({per_sec}, {elapsed})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar.set_message(crate::display::human_bytes(0));
        ExportProgress { bar, bytes: 0 }
    }

    pub fn hidden() -> ExportProgress {
        ExportProgress {
            bar: ProgressBar::hidden(),
            bytes: 0,
        }
    }

    /// One more trace, of `bytes` on disk.
    pub fn advance(&mut self, bytes: u64) {
        self.bytes += bytes;
        self.bar.inc(1);
        if !self.bar.is_hidden() {
            self.bar
                .set_message(crate::display::human_bytes(self.bytes));
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for ExportProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
