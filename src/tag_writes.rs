//! Applying a tag plan: every pending write at once, and an exact account when some fail.

use std::future::Future;

use futures::future::join_all;

use crate::destination::TagChange;
use crate::error::CliError;
use crate::http::HttpError;

/// Runs `write` for every change that needs one, concurrently; returns the failed ones.
pub async fn apply<'a, F, Fut>(
    changes: &'a [TagChange],
    write: F,
) -> Vec<(&'a TagChange, HttpError)>
where
    F: Fn(&'a TagChange) -> Fut,
    Fut: Future<Output = Result<(), HttpError>>,
{
    let pending: Vec<&TagChange> = changes.iter().filter(|c| c.needs_write()).collect();
    let results = join_all(pending.iter().map(|c| write(c))).await;
    pending
        .into_iter()
        .zip(results)
        .filter_map(|(c, r)| r.err().map(|e| (c, e)))
        .collect()
}

/// Which writes went through and which did not, with the first failure's exit code.
pub fn partial_write_error(
    changes: &[TagChange],
    failed: Vec<(&TagChange, HttpError)>,
) -> CliError {
    let failed_keys: Vec<&str> = failed.iter().map(|(c, _)| c.key.as_str()).collect();
    let written: Vec<&str> = changes
        .iter()
        .filter(|c| c.needs_write() && !failed_keys.contains(&c.key.as_str()))
        .map(|c| c.key.as_str())
        .collect();
    let code = failed[0].1.exit_code();
    let first_error = failed[0].1.to_string();
    let written = if written.is_empty() {
        "none".to_string()
    } else {
        written.join(", ")
    };
    CliError::new(
        code,
        format!(
            "{} of {} tag writes failed; written: {written}; not written: {} ({first_error})",
            failed_keys.len(),
            changes.iter().filter(|c| c.needs_write()).count(),
            failed_keys.join(", "),
        ),
    )
    .with_hint("run the same command again: it writes only what is still missing")
}
