//! Errors the top level branches on to choose an exit code, and the exit codes themselves.

use std::fmt;

use crate::http::HttpError;

/// Process exit codes; documented in the README and stable for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    Failure = 1,
    Usage = 2,
    NotFound = 3,
    Auth = 4,
    Drift = 5,
    #[allow(dead_code)] // kept for the query command, which is not on this branch yet
    Sql = 6,
    #[allow(dead_code)] // kept for the query command, which is not on this branch yet
    Interrupted = 130,
}

/// A failure with a known exit code and, where there is a useful next step, a hint.
#[derive(Debug)]
pub struct CliError {
    pub code: ExitCode,
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Usage, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ExitCode::NotFound, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The exit code for an error chain: the first typed error found decides.
pub fn exit_code_of(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<CliError>() {
            return e.code;
        }
        if let Some(e) = cause.downcast_ref::<HttpError>() {
            return e.exit_code();
        }
    }
    ExitCode::Failure
}

/// The hint attached to the first typed error in the chain, if any.
pub fn hint_of(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|cause| {
        cause
            .downcast_ref::<CliError>()
            .and_then(|e| e.hint.clone())
    })
}
