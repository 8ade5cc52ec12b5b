//! Runs one SQL statement to completion through the Statement Execution API and streams its
//! result chunks, in order, into a row sink: submit in hybrid mode, poll with backoff, fetch
//! chunks concurrently (bounded), re-run once with EXTERNAL_LINKS when the inline limit is hit.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use futures::{FutureExt, StreamExt};

use crate::api::statements::{
    self, Disposition, ExecuteRequest, ExternalLink, Manifest, ResultData, State, StatementResponse,
};
use crate::error::{CliError, ExitCode};
use crate::http::{Client, HttpError};
use crate::output::log;
use crate::output::progress::Spinner;
use crate::output::rows::{ChunkEncoder, Row, RowSink};
use crate::trace_query::Statement;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DispositionChoice {
    /// Results inline in the API responses (at most 25 MiB)
    Inline,
    /// Results through presigned links (for large results)
    ExternalLinks,
    /// Inline, and once more through external links if the inline limit is hit
    Auto,
}

pub struct RunOptions<'a> {
    pub warehouse_id: &'a str,
    pub disposition: DispositionChoice,
    pub parallel: usize,
}

#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub rows: u64,
    pub truncated: bool,
}

/// The id of the statement running now, for the interrupt handler to cancel.
pub type RunningStatement = Arc<Mutex<Option<String>>>;

const FIRST_POLL: Duration = Duration::from_millis(500);
const MAX_POLL: Duration = Duration::from_secs(5);

pub async fn run(
    client: &Client,
    statement: &Statement,
    options: &RunOptions<'_>,
    running: &RunningStatement,
    sink: &mut dyn RowSink,
    spinner: &Spinner,
) -> Result<RunSummary> {
    let first = match options.disposition {
        DispositionChoice::ExternalLinks => Disposition::ExternalLinks,
        DispositionChoice::Inline | DispositionChoice::Auto => Disposition::Inline,
    };
    let mut done = execute_to_end(client, statement, options, first, running).await?;
    if is_inline_limit_failure(&done) && options.disposition == DispositionChoice::Auto {
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
    stream_result(client, &statement_id, done, options.parallel, sink, spinner).await
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
        wait_timeout: "10s",
        on_wait_timeout: "CONTINUE",
        disposition,
        format: "JSON_ARRAY",
    };
    let mut response = statements::execute(client, &request).await?;
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
    *running.lock().unwrap_or_else(|e| e.into_inner()) = Some(id.clone());
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

async fn stream_result(
    client: &Client,
    statement_id: &str,
    done: StatementResponse,
    parallel: usize,
    sink: &mut dyn RowSink,
    spinner: &Spinner,
) -> Result<RunSummary> {
    let manifest = done.manifest.clone().ok_or_else(|| {
        HttpError::invalid(
            "GET /api/2.0/sql/statements/{id}",
            "a SUCCEEDED statement without a manifest",
        )
    })?;
    let mut columns = manifest.schema.columns.clone();
    columns.sort_by_key(|c| c.position.unwrap_or(u64::MAX));
    sink.begin(&columns)?;
    let encoder = sink.encoder();
    let mut summary = RunSummary {
        rows: 0,
        truncated: manifest.truncated,
    };
    let first = done.result.clone().unwrap_or_default();
    let next_index = first.next_chunk_index;
    let total = manifest
        .total_chunk_count
        .or((!manifest.chunks.is_empty()).then_some(manifest.chunks.len() as u64));
    match total {
        Some(total) => {
            // Bounded concurrency, delivered in index order: at most `parallel` chunks in memory.
            // Chunk 0 came with the statement (inline, or as links still to download) and joins
            // the same stream, so its downloads overlap with the other chunks' fetches.
            let chunk_zero =
                chunk_output(client, statement_id, 0, first, &manifest, &encoder).boxed_local();
            let rest = (1..total).map(|index| {
                fetch_chunk(client, statement_id, index, &manifest, &encoder).boxed_local()
            });
            let mut chunks = futures::stream::iter(std::iter::once(chunk_zero).chain(rest))
                .buffered(parallel.max(1));
            while let Some(out) = chunks.next().await {
                deliver(sink, out?, &mut summary, spinner)?;
            }
        }
        // No count announced: chunk 0, then follow next_chunk_index one chunk at a time.
        None => {
            let out = chunk_output(client, statement_id, 0, first, &manifest, &encoder).await?;
            deliver(sink, out, &mut summary, spinner)?;
            let mut next = next_index;
            while let Some(index) = next {
                let data = statements::get_chunk(client, statement_id, index).await?;
                next = data.next_chunk_index;
                let out =
                    chunk_output(client, statement_id, index, data, &manifest, &encoder).await?;
                deliver(sink, out, &mut summary, spinner)?;
            }
        }
    }
    sink.finish()?;
    Ok(summary)
}

/// A chunk ready for the sink: encoded bytes for streaming sinks, rows for the others.
enum ChunkOutput {
    Encoded(Vec<u8>, usize),
    Rows(Vec<Row>),
}

fn deliver(
    sink: &mut dyn RowSink,
    out: ChunkOutput,
    summary: &mut RunSummary,
    spinner: &Spinner,
) -> Result<()> {
    let count = match out {
        ChunkOutput::Encoded(bytes, count) => {
            sink.encoded(&bytes)?;
            count
        }
        ChunkOutput::Rows(rows) => {
            let count = rows.len();
            sink.rows(rows)?;
            count
        }
    };
    summary.rows += count as u64;
    spinner.set_message(format!("fetching results: {} rows", summary.rows));
    Ok(())
}

/// Checks the row count against the manifest and encodes the rows if the sink streams.
fn finish_chunk(
    rows: Vec<Row>,
    index: u64,
    expected: Option<u64>,
    encoder: Option<&ChunkEncoder>,
) -> Result<ChunkOutput> {
    check_row_count(rows.len(), index, expected)?;
    Ok(match encoder {
        Some(e) => ChunkOutput::Encoded(e.encode(&rows), rows.len()),
        None => ChunkOutput::Rows(rows),
    })
}

fn check_row_count(rows: usize, index: u64, expected: Option<u64>) -> Result<()> {
    if let Some(expected) = expected {
        if rows as u64 != expected {
            return Err(CliError::new(
                ExitCode::Failure,
                format!(
                    "result chunk {index} has {rows} rows but the manifest announces {expected}; the result is incomplete"
                ),
            )
            .into());
        }
    }
    Ok(())
}

fn expected_rows(manifest: &Manifest, index: u64) -> Option<u64> {
    manifest
        .chunks
        .iter()
        .find(|c| c.chunk_index == index)
        .and_then(|c| c.row_count)
}

/// Runs CPU work (decoding, encoding) on a blocking thread so chunks are processed in parallel.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work).await?
}

async fn fetch_chunk(
    client: &Client,
    statement_id: &str,
    index: u64,
    manifest: &Manifest,
    encoder: &Option<ChunkEncoder>,
) -> Result<ChunkOutput> {
    let bytes = statements::get_chunk_bytes(client, statement_id, index)
        .await
        .map_err(|e| chunk_error(index, e))?;
    let expected = expected_rows(manifest, index);
    let encoder_for_inline = encoder.clone();
    // Inline rows are encoded as they are decoded, their cells borrowed from the response bytes.
    let decoded = off_thread(move || {
        let mut encoded = Vec::with_capacity(bytes.len() + bytes.len() / 2);
        let mut owned: Vec<Row> = Vec::new();
        let meta = statements::stream_chunk(index, &bytes, &mut |row| match &encoder_for_inline {
            Some(e) => e.encode_row(row, &mut encoded),
            None => owned.push(
                row.iter()
                    .map(|c| c.as_ref().map(|c| c.0.to_string()))
                    .collect(),
            ),
        })?;
        let Some(rows) = meta.rows else {
            return Ok(Ok(ResultData {
                row_count: meta.row_count,
                external_links: meta.external_links,
                ..Default::default()
            }));
        };
        check_row_count(rows, index, expected.or(meta.row_count))?;
        Ok(Err(match encoder_for_inline {
            Some(_) => ChunkOutput::Encoded(encoded, rows),
            None => ChunkOutput::Rows(owned),
        }))
    })
    .await?;
    match decoded {
        Err(out) => Ok(out),
        Ok(data) => chunk_output(client, statement_id, index, data, manifest, encoder).await,
    }
}

fn chunk_error(index: u64, error: HttpError) -> anyhow::Error {
    match error.api() {
        Some(api) if api.status == 404 => CliError::new(
            ExitCode::Failure,
            format!(
                "result chunk {index} is missing on the server ({error}); the result is incomplete"
            ),
        )
        .into(),
        _ => error.into(),
    }
}

/// The rows of one already-fetched chunk, inline or behind its links.
async fn chunk_output(
    client: &Client,
    statement_id: &str,
    index: u64,
    data: ResultData,
    manifest: &Manifest,
    encoder: &Option<ChunkEncoder>,
) -> Result<ChunkOutput> {
    let expected = expected_rows(manifest, index).or(data.row_count);
    let rows = if let Some(rows) = data.data_array {
        rows
    } else if let Some(links) = data.external_links {
        // A chunk's links are downloaded together, their rows kept in link order.
        let parts = futures::future::try_join_all(
            links
                .into_iter()
                .map(|link| link_rows(client, statement_id, index, link)),
        )
        .await?;
        parts.into_iter().flatten().collect()
    } else {
        Vec::new()
    };
    let encoder = encoder.clone();
    off_thread(move || finish_chunk(rows, index, expected, encoder.as_ref())).await
}

/// Downloads one presigned link; if it has expired, asks for the chunk again for a fresh link.
async fn link_rows(
    client: &Client,
    statement_id: &str,
    index: u64,
    link: ExternalLink,
) -> Result<Vec<Row>> {
    let bytes = match statements::fetch_link(client, &link).await {
        Ok(bytes) => bytes,
        Err(e) if e.api().is_some_and(|a| matches!(a.status, 400 | 403)) => {
            log::debug(format_args!(
                "result link of chunk {index} refused ({}); fetching a fresh link",
                e.api().map(|a| a.status).unwrap_or(0)
            ));
            let fresh = statements::get_chunk(client, statement_id, index).await?;
            let link = fresh
                .external_links
                .unwrap_or_default()
                .into_iter()
                .find(|l| l.chunk_index.unwrap_or(index) == index)
                .ok_or_else(|| {
                    HttpError::invalid(
                        "GET result chunk",
                        format!("no fresh link for chunk {index}"),
                    )
                })?;
            statements::fetch_link(client, &link)
                .await
                .map_err(|e| link_error(index, e))?
        }
        Err(e) => return Err(link_error(index, e)),
    };
    off_thread(move || {
        serde_json::from_slice::<Vec<Row>>(&bytes).map_err(|e| {
            HttpError::invalid(
                &format!("GET presigned result link of chunk {index}"),
                format!("not a JSON array of rows: {e}"),
            )
            .into()
        })
    })
    .await
}

/// A presigned link that failed for good: the error names the chunk, and a refusal by the
/// cloud storage says so rather than blaming the workspace credential (which was not sent).
fn link_error(index: u64, error: HttpError) -> anyhow::Error {
    let refused = error.api().is_some_and(|a| matches!(a.status, 400 | 403));
    let e = CliError::new(error.exit_code(), format!("result chunk {index}: {error}"));
    if refused {
        e.with_hint("the cloud storage refused the result's presigned link (the workspace credential is not involved): a storage firewall or proxy may block this network; results under 25 MiB can come inline with --disposition inline")
            .into()
    } else {
        e.into()
    }
}

/// Asks the server to cancel a statement; waits at most 10 s for the answer.
pub async fn cancel(client: &Client, running: &RunningStatement) {
    let id = running.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(id) = id {
        match tokio::time::timeout(Duration::from_secs(10), statements::cancel(client, &id)).await {
            Ok(Ok(())) => log::note(format_args!("statement {id} cancelled on the server")),
            Ok(Err(e)) => log::warn(format_args!("could not cancel statement {id}: {e}")),
            Err(_) => log::warn(format_args!(
                "could not cancel statement {id}: no answer within 10 s"
            )),
        }
    }
}
