//! The one place that writes to stdout and stderr. Commands return data; this module renders
//! it as text or JSON, and a closed pipe (`| head`) ends the program quietly.

pub mod collect;
pub mod export;
pub mod fit;
pub mod log;
pub mod progress;
pub mod rows;
pub mod stats;
pub mod text;
pub mod times;
pub mod trace_list;
pub mod waterfall;

use std::fmt;
use std::io::{self, IsTerminal, Write};

use clap::ValueEnum;
use serde::Serialize;

pub use text::Render;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text (a table for query results)
    #[value(alias = "table")]
    Text,
    /// One JSON document
    Json,
    /// One JSON object per line (query results)
    Jsonl,
    /// Comma-separated values with a header row (query results)
    Csv,
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            OutputFormat::Text => "text",
            OutputFormat::Json => "json",
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Csv => "csv",
        };
        f.write_str(name)
    }
}

/// Stdout was closed by its reader; the program should stop writing and exit 0.
#[derive(Debug)]
pub struct OutputClosed;

impl fmt::Display for OutputClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for OutputClosed {}

pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Writes bytes to stdout; a broken pipe becomes `OutputClosed`.
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        Err(e) => Err(anyhow::Error::new(e).context("cannot write to standard output")),
    }
}

/// Prints a command's report in the chosen format: text, or one pretty JSON document.
pub fn emit<T: Serialize + Render>(report: &T, format: OutputFormat) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => {
            let mut text = serde_json::to_string_pretty(report)?;
            text.push('\n');
            write_stdout(text.as_bytes())
        }
        OutputFormat::Jsonl => {
            let mut text = serde_json::to_string(report)?;
            text.push('\n');
            write_stdout(text.as_bytes())
        }
        OutputFormat::Text | OutputFormat::Csv => write_stdout(report.render_text().as_bytes()),
    }
}

/// Prints the one-line error and, if there is one, the hint line.
pub fn print_error(message: &str, hint: Option<&str>) {
    log::write_stderr(&format!("error: {message}"));
    if let Some(hint) = hint {
        log::write_stderr(&format!("hint: {hint}"));
    }
}
