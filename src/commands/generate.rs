//! `tracecfg completions SHELL` and the hidden `tracecfg man`: text generated from the CLI
//! definition. The same text is committed under completions/, and a test fails on drift.

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::ExitCode;
use crate::output;

pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "tracecfg", &mut buffer);
    output::write_stdout(&buffer)?;
    Ok(ExitCode::Success)
}

pub fn man_page() -> Result<ExitCode> {
    let mut buffer = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buffer)?;
    output::write_stdout(&buffer)?;
    Ok(ExitCode::Success)
}
