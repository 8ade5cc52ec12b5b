//! From parsed arguments to an exit code: set up logging, run the command, report the error.

use clap::error::ErrorKind;
use clap::Parser;

use crate::cli::Cli;
use crate::commands::{self, Context};
use crate::config::Env;
use crate::error::{exit_code_of, hint_of, ExitCode};
use crate::output::{self, log, OutputClosed};
use crate::project::ProjectFile;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return report_usage_error(e),
    };
    log::configure(cli.global.debug, cli.global.quiet);
    // One thread drives the requests; result chunks are decoded on a few blocking threads (few,
    // to keep memory flat: each thread gets its own allocator arena).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(2)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            output::print_error(&format!("cannot start the async runtime: {e}"), None);
            return ExitCode::Failure;
        }
    };
    let env = Env::from_process();
    let project = match std::env::current_dir()
        .map_err(anyhow::Error::from)
        .and_then(|dir| ProjectFile::discover(&dir).map_err(anyhow::Error::from))
    {
        Ok(p) => p,
        Err(e) => return report_error(&e, None),
    };
    let ctx = Context::new(cli.global.clone(), env, project);
    match runtime.block_on(commands::dispatch(&ctx, &cli.command)) {
        Ok(code) => code,
        Err(e) if e.downcast_ref::<OutputClosed>().is_some() => ExitCode::Success,
        Err(e) => report_error(&e, ctx.connection_description()),
    }
}

/// Prints the error once, as one line, with a hint where there is a next step.
fn report_error(error: &anyhow::Error, connection: Option<&str>) -> ExitCode {
    let code = exit_code_of(error);
    let hint = hint_of(error).or_else(|| match (code, connection) {
        (ExitCode::Auth, Some(c)) => Some(format!(
            "used {c}; check that the credential is valid and allowed to do this (tracecfg doctor checks the setup)"
        )),
        _ => None,
    });
    output::print_error(&format!("{error:#}"), hint.as_deref());
    code
}

/// clap's errors, as one line and a hint, with exit code 2; help and version go to stdout.
fn report_usage_error(error: clap::Error) -> ExitCode {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let text = error.render().to_string();
        let code = if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::Usage
        } else {
            ExitCode::Success
        };
        if code == ExitCode::Success {
            let _ = output::write_stdout(text.as_bytes());
        } else {
            log::write_stderr(text.trim_end());
        }
        return code;
    }
    let rendered = error.render().to_string();
    // The first paragraph is the error; clap continues it on indented lines.
    let message = rendered
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches("error: ")
        .to_string();
    let tip = rendered
        .lines()
        .find_map(|l| l.trim().strip_prefix("tip: ").map(str::to_string))
        .unwrap_or_else(|| {
            "run 'tracecfg --help' (or 'tracecfg <command> --help') for usage".to_string()
        });
    output::print_error(&message, Some(&tip));
    ExitCode::Usage
}
