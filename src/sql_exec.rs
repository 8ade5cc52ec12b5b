//! Runs one SQL statement to completion through the Statement Execution API: submit in hybrid
//! mode, poll with backoff, then hand the result to `chunks` (fetching) and `writer` (output).
//! Also what happens when the run is stopped early: no statement is left running unsaid.

mod chunks;
mod writer;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use tokio::sync::watch;

use crate::api::statements::{self, Disposition, ExecuteRequest, State, StatementResponse};
use crate::error::{CliError, ExitCode};
use crate::http::{Client, HttpError};
use crate::output::log;
use crate::output::progress::Spinner;
use crate::output::rows::RowSink;
use crate::trace_query::Statement;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DispositionChoice {
    /// Results inline in the API responses (at most 25 MiB)
    Inline,
    /// Results through presigned links (for large results)
    ExternalLinks,
    /// Links when the statement says the result is large, else inline, and once more through
    /// links if the inline limit is hit
    Auto,
}

/// What the statement says about the size of its result, for `--disposition auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultSize {
    /// Expected over the 25 MiB inline limit: EXTERNAL_LINKS from the start (one execution).
    Large,
    /// Not known, or expected to fit: INLINE, and a second run with links if the limit is hit.
    Unknown,
}

pub struct RunOptions<'a> {
    pub warehouse_id: &'a str,
    pub disposition: DispositionChoice,
    pub parallel: usize,
    pub size: ResultSize,
}

#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub rows: u64,
    pub truncated: bool,
}

/// Where the statement of a run is, for whoever has to stop the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Nothing submitted yet (or the submit was refused).
    Idle,
    /// The submit is on its way or waiting for its answer: a statement may run, id unknown.
    Submitting,
    /// The server said the statement's id.
    Submitted(String),
}

/// The phase of the running statement, shared with the code that stops the run.
#[derive(Clone)]
pub struct RunningStatement(Arc<watch::Sender<Phase>>);

impl Default for RunningStatement {
    fn default() -> Self {
        RunningStatement(Arc::new(watch::channel(Phase::Idle).0))
    }
}

impl RunningStatement {
    fn set(&self, phase: Phase) {
        self.0.send_replace(phase);
    }

    fn phase(&self) -> Phase {
        self.0.borrow().clone()
    }
}

const FIRST_POLL: Duration = Duration::from_millis(500);
const MAX_POLL: Duration = Duration::from_secs(5);
/// How long the server may hold the submit before it answers (the hybrid wait).
const SUBMIT_WAIT: &str = "10s";
/// How long a stopped run still waits for the id of a statement it submitted, to cancel it:
/// the hybrid wait plus time for the answer to arrive.
const ID_WAIT: Duration = Duration::from_secs(15);

pub async fn run(
    client: &Client,
    statement: &Statement,
    options: &RunOptions<'_>,
    running: &RunningStatement,
    sink: Box<dyn RowSink + Send>,
    spinner: &Spinner,
) -> Result<RunSummary> {
    let first = first_disposition(options);
    let mut done = execute_to_end(client, statement, options, first, running).await?;
    if first == Disposition::Inline
        && options.disposition == DispositionChoice::Auto
        && is_inline_limit_failure(&done)
    {
        log::note(format_args!(
            "the result is larger than the 25 MiB inline limit; running the statement again with EXTERNAL_LINKS"
        ));
        done = execute_to_end(
            client,
            statement,
            options,
            Disposition::ExternalLinks,
            running,
        )
        .await?;
    }
    let statement_id = done.statement_id.clone().unwrap_or_default();
    require_success(&done)?;
    chunks::stream_result(client, &statement_id, done, options.parallel, sink, spinner).await
}

/// The disposition of the first execution: links at once when the statement says the result is
/// large, so the warehouse does not compute it twice.
fn first_disposition(options: &RunOptions<'_>) -> Disposition {
    match (options.disposition, options.size) {
        (DispositionChoice::ExternalLinks, _) | (DispositionChoice::Auto, ResultSize::Large) => {
            Disposition::ExternalLinks
        }
        _ => Disposition::Inline,
    }
}

async fn execute_to_end(
    client: &Client,
    statement: &Statement,
    options: &RunOptions<'_>,
    disposition: Disposition,
    running: &RunningStatement,
) -> Result<StatementResponse> {
    let request = ExecuteRequest {
        statement: &statement.sql,
        warehouse_id: options.warehouse_id,
        parameters: &statement.parameters,
        wait_timeout: SUBMIT_WAIT,
        on_wait_timeout: "CONTINUE",
        disposition,
        format: "JSON_ARRAY",
    };
    running.set(Phase::Submitting);
    let mut response = match statements::execute(client, &request).await {
        Ok(r) => r,
        Err(e) => {
            // A refusal started nothing; a submit lost on the way may have started a statement.
            if e.api().is_none() {
                log::warn(format_args!(
                    "the statement may still be running on the warehouse: the submit may have reached the server before it failed, and its id is not known"
                ));
            }
            running.set(Phase::Idle);
            return Err(e.into());
        }
    };
    let id = response
        .statement_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            HttpError::invalid(
                "POST /api/2.0/sql/statements",
                "the answer has no statement_id",
            )
        })?;
    running.set(Phase::Submitted(id.clone()));
    log::debug(format_args!("statement {id} submitted"));
    let mut wait = FIRST_POLL;
    while !state_of(&response)?.is_terminal() {
        tokio::time::sleep(wait).await;
        wait = (wait.mul_f64(1.5)).min(MAX_POLL);
        response = statements::get(client, &id).await?;
        if response.statement_id.is_none() {
            response.statement_id = Some(id.clone());
        }
    }
    Ok(response)
}

fn state_of(response: &StatementResponse) -> Result<State, HttpError> {
    response.status.as_ref().map(|s| s.state).ok_or_else(|| {
        HttpError::invalid(
            "GET /api/2.0/sql/statements/{id}",
            "the answer has no status.state",
        )
    })
}

fn is_inline_limit_failure(response: &StatementResponse) -> bool {
    response.status.as_ref().is_some_and(|s| {
        s.state == State::Failed
            && s.error
                .as_ref()
                .and_then(|e| e.message.as_deref())
                .is_some_and(|m| m.to_ascii_lowercase().contains("inline byte limit"))
    })
}

fn require_success(response: &StatementResponse) -> Result<()> {
    let status = response
        .status
        .as_ref()
        .expect("terminal responses have a status");
    let id = response.statement_id.as_deref().unwrap_or("?");
    let message = match status.state {
        State::Succeeded => return Ok(()),
        State::Failed => {
            let error = status.error.as_ref();
            let code = error
                .and_then(|e| e.error_code.as_deref())
                .unwrap_or("UNKNOWN");
            let text = error
                .and_then(|e| e.message.as_deref())
                .unwrap_or("no message");
            let sql_state = status
                .sql_state
                .as_deref()
                .map(|s| format!(" (SQLSTATE {s})"))
                .unwrap_or_default();
            format!(
                "statement {id} failed: {code}{sql_state}: {}",
                crate::display::one_line(text)
            )
        }
        State::Canceled => format!("statement {id} was canceled on the server"),
        State::Closed => format!("statement {id} is closed: its result can no longer be fetched"),
        other => format!("statement {id} ended in an unexpected state {other:?}"),
    };
    Err(CliError::new(ExitCode::Sql, message).into())
}

/// Ends a run that was interrupted or timed out, leaving no statement running unsaid. A submit
/// still waiting for its answer is given up to `ID_WAIT` (the `run` future keeps going
/// meanwhile) so the statement can be cancelled by id; `give_up` (a second interrupt) stops the
/// wait. Whatever cannot be cancelled is said on stderr.
pub async fn stop_run<R: Future>(
    client: &Client,
    running: &RunningStatement,
    run: std::pin::Pin<&mut R>,
    give_up: impl Future<Output = ()>,
) {
    if running.phase() == Phase::Submitting {
        log::note(format_args!(
            "waiting up to {} for the id of the submitted statement, to cancel it (interrupt again to stop waiting)",
            crate::display::human_duration(ID_WAIT)
        ));
        let mut phase = running.0.subscribe();
        tokio::select! {
            _ = phase.wait_for(|p| *p != Phase::Submitting) => {}
            _ = run => {}
            _ = tokio::time::sleep(ID_WAIT) => {}
            _ = give_up => {}
        }
    }
    match running.phase() {
        Phase::Submitted(id) => cancel(client, &id).await,
        Phase::Submitting => log::warn(format_args!(
            "the statement may still be running on the warehouse: it was submitted, but its id did not arrive, so it could not be cancelled"
        )),
        Phase::Idle => {}
    }
}

/// Asks the server to cancel a statement; waits at most 10 s for the answer.
async fn cancel(client: &Client, id: &str) {
    let failed =
        match tokio::time::timeout(Duration::from_secs(10), statements::cancel(client, id)).await {
            Ok(Ok(())) => return log::note(format_args!("statement {id} cancelled on the server")),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "no answer within 10 s".to_string(),
        };
    log::warn(format_args!(
        "could not cancel statement {id} ({failed}): it may still be running on the warehouse"
    ));
}
