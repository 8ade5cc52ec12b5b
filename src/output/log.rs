//! Diagnostics on stderr: `--debug` traces, notes and warnings. Never data, never secrets
//! (callers pass endpoints, not URLs; `Secret` prints as `***`).

use std::fmt;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static DEBUG: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);

pub fn configure(debug: bool, quiet: bool) {
    DEBUG.store(debug, Ordering::Relaxed);
    QUIET.store(quiet, Ordering::Relaxed);
}

pub fn debug_enabled() -> bool {
    DEBUG.load(Ordering::Relaxed)
}

pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Whether progress displays may draw: stderr is a terminal and `-q` was not given.
#[allow(dead_code)] // kept for the query command, which is not on this branch yet
pub fn progress_allowed() -> bool {
    !quiet() && std::io::stderr().is_terminal()
}

pub fn debug(args: fmt::Arguments<'_>) {
    if debug_enabled() {
        write_stderr(&format!("debug: {args}"));
    }
}

/// Information a person wants and a script can ignore; silenced by `-q`.
pub fn note(args: fmt::Arguments<'_>) {
    if !quiet() {
        write_stderr(&format!("note: {args}"));
    }
}

pub fn warn(args: fmt::Arguments<'_>) {
    write_stderr(&format!("warning: {args}"));
}

pub fn write_stderr(line: &str) {
    let mut stderr = std::io::stderr().lock();
    // A closed stderr leaves nowhere to report to; ignoring the error is all that is left.
    let _ = writeln!(stderr, "{line}");
}
