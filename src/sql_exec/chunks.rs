//! The result of a SUCCEEDED statement, chunk by chunk: fetched concurrently (bounded), each
//! decoded by one streaming path whether its rows come inline or behind presigned links, and
//! handed in order to the writer thread.

use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;
use futures::FutureExt;

use super::writer::Writer;
use super::RunSummary;
use crate::api::statements::{
    self, CellRef, ExternalLink, Manifest, ResultData, StatementResponse,
};
use crate::error::{CliError, ExitCode};
use crate::http::{Client, HttpError};
use crate::output::log;
use crate::output::progress::Spinner;
use crate::output::rows::{ChunkEncoder, Row, RowSink};

/// Encoded rows take about this many times the bytes of their JSON_ARRAY text (keys are added):
/// the output buffer is sized once, not doubled as it fills.
const ENCODED_PER_JSON_BYTE: f64 = 1.5;

/// A link that expires within this margin is replaced before a retry rather than after a 403.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

pub(super) async fn stream_result(
    client: &Client,
    statement_id: &str,
    done: StatementResponse,
    parallel: usize,
    mut sink: Box<dyn RowSink + Send>,
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
    // The results arrive: the progress line goes for good before the sink writes a byte.
    spinner.finish();
    sink.begin(&columns)?;
    let encoder = sink.encoder();
    let writer = Writer::start(sink)?;
    let mut summary = RunSummary {
        rows: 0,
        truncated: manifest.truncated,
    };
    let fetcher = Fetcher {
        client,
        statement_id,
        manifest: &manifest,
        encoder: &encoder,
    };
    let first = done.result.unwrap_or_default();
    let total = manifest
        .total_chunk_count
        .or((!manifest.chunks.is_empty()).then_some(manifest.chunks.len() as u64));
    let outcome = match total {
        // Chunk 0 came with the statement (inline, or as links still to download) and joins
        // the same pipeline, so its downloads overlap with the other chunks' fetches.
        Some(total) => {
            let zero = fetcher.given(0, first).boxed_local();
            let rest = (1..total).map(|index| fetcher.fetch(index).boxed_local());
            writer
                .pump(
                    std::iter::once(zero).chain(rest),
                    parallel,
                    &mut summary,
                    spinner,
                )
                .await
        }
        None => fetcher.follow(first, &writer, &mut summary, spinner).await,
    };
    writer.finish(outcome).await?;
    Ok(summary)
}

/// A chunk ready for the sink: encoded bytes (and their row count) for streaming sinks, rows
/// for the others.
pub enum ChunkOutput {
    Encoded(Vec<u8>, usize),
    Rows(Vec<Row>),
}

impl ChunkOutput {
    pub fn rows(&self) -> usize {
        match self {
            ChunkOutput::Encoded(_, n) => *n,
            ChunkOutput::Rows(rows) => rows.len(),
        }
    }
}

/// What a chunk fetched from the server holds.
enum FetchedChunk {
    /// Its rows were inline, and are decoded already.
    Decoded(ChunkOutput),
    /// Its rows are behind these links, still to download.
    Links(Vec<ExternalLink>, Option<u64>),
}

/// Collects the rows of one chunk as they are decoded: encoded at once for streaming sinks (the
/// cells borrowed from the downloaded bytes, never copied), owned for the others.
struct RowCollector {
    encoder: Option<ChunkEncoder>,
    encoded: Vec<u8>,
    rows: Vec<Row>,
    count: usize,
}

impl RowCollector {
    /// For rows decoded from `json_bytes` bytes of JSON.
    fn new(encoder: Option<ChunkEncoder>, json_bytes: usize) -> Self {
        let capacity = (json_bytes as f64 * ENCODED_PER_JSON_BYTE) as usize;
        RowCollector {
            encoded: Vec::with_capacity(if encoder.is_some() { capacity } else { 0 }),
            encoder,
            rows: Vec::new(),
            count: 0,
        }
    }

    fn push<C: AsRef<str>>(&mut self, row: &[Option<C>]) {
        self.count += 1;
        match &self.encoder {
            Some(e) => e.encode_row(row, &mut self.encoded),
            None => self.rows.push(
                row.iter()
                    .map(|c| c.as_ref().map(|c| c.as_ref().to_string()))
                    .collect(),
            ),
        }
    }

    /// The chunk, once its row count matches what the server announced.
    fn finish(self, index: u64, expected: Option<u64>) -> Result<ChunkOutput> {
        if let Some(expected) = expected {
            if self.count as u64 != expected {
                return Err(CliError::new(
                    ExitCode::Failure,
                    format!(
                        "result chunk {index} has {} rows but the manifest announces {expected}; the result is incomplete",
                        self.count
                    ),
                )
                .into());
            }
        }
        Ok(match self.encoder {
            Some(_) => ChunkOutput::Encoded(self.encoded, self.count),
            None => ChunkOutput::Rows(self.rows),
        })
    }
}

/// Runs CPU work (decoding, encoding) on a blocking thread so chunks are processed in parallel.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work).await?
}

struct Fetcher<'a> {
    client: &'a Client,
    statement_id: &'a str,
    manifest: &'a Manifest,
    encoder: &'a Option<ChunkEncoder>,
}

impl Fetcher<'_> {
    fn expected(&self, index: u64, announced: Option<u64>) -> Option<u64> {
        self.manifest
            .chunks
            .iter()
            .find(|c| c.chunk_index == index)
            .and_then(|c| c.row_count)
            .or(announced)
    }

    /// No chunk count announced: chunk 0, then follow `next_chunk_index` one chunk at a time.
    async fn follow(
        &self,
        first: ResultData,
        writer: &Writer,
        summary: &mut RunSummary,
        spinner: &Spinner,
    ) -> Result<()> {
        let mut next = first.next_chunk_index;
        writer
            .send(self.given(0, first).await?, summary, spinner)
            .await?;
        while let Some(index) = next {
            let data = statements::get_chunk(self.client, self.statement_id, index)
                .await
                .map_err(|e| chunk_error(index, e))?;
            next = data.next_chunk_index;
            writer
                .send(self.given(index, data).await?, summary, spinner)
                .await?;
        }
        Ok(())
    }

    /// Chunk `index` from the server: its rows, decoded as they are read, or its links.
    async fn fetch(&self, index: u64) -> Result<ChunkOutput> {
        let bytes = statements::get_chunk_bytes(self.client, self.statement_id, index)
            .await
            .map_err(|e| chunk_error(index, e))?;
        let expected = self.expected(index, None);
        let encoder = self.encoder.clone();
        let fetched = off_thread(move || {
            let mut rows = RowCollector::new(encoder, bytes.len());
            let meta = statements::stream_chunk(index, &bytes, &mut |row| rows.push(row))?;
            Ok(match meta.rows {
                Some(_) => FetchedChunk::Decoded(rows.finish(index, expected.or(meta.row_count))?),
                None => {
                    FetchedChunk::Links(meta.external_links.unwrap_or_default(), meta.row_count)
                }
            })
        })
        .await?;
        match fetched {
            FetchedChunk::Decoded(out) => Ok(out),
            FetchedChunk::Links(links, row_count) => self.linked(index, links, row_count).await,
        }
    }

    /// A chunk whose data the client already holds (chunk 0 comes with the statement).
    async fn given(&self, index: u64, data: ResultData) -> Result<ChunkOutput> {
        let expected = self.expected(index, data.row_count);
        match (data.data_array, data.external_links) {
            (None, Some(links)) => self.linked(index, links, data.row_count).await,
            (rows, _) => {
                let encoder = self.encoder.clone();
                off_thread(move || {
                    let rows = rows.unwrap_or_default();
                    let mut out = RowCollector::new(encoder, rows.len() * 64);
                    rows.iter().for_each(|row| out.push(row));
                    out.finish(index, expected)
                })
                .await
            }
        }
    }

    /// Downloads a chunk's links together, then decodes their rows in link order.
    async fn linked(
        &self,
        index: u64,
        links: Vec<ExternalLink>,
        row_count: Option<u64>,
    ) -> Result<ChunkOutput> {
        let bodies =
            futures::future::try_join_all(links.into_iter().map(|link| self.download(index, link)))
                .await?;
        let expected = self.expected(index, row_count);
        let encoder = self.encoder.clone();
        off_thread(move || {
            let size: usize = bodies.iter().map(|b| b.len()).sum();
            let mut rows = RowCollector::new(encoder, size);
            for body in &bodies {
                statements::stream_rows(index, body, &mut |row: &[Option<CellRef<'_>>]| {
                    rows.push(row)
                })?;
            }
            rows.finish(index, expected)
        })
        .await
    }

    /// Downloads one presigned link. A refused (expired) link is replaced by a fresh one; a
    /// storage failure (500, 502, 504; the client itself retries 503 and broken connections)
    /// is retried with backoff within the retry budget, with a fresh link if this one is about
    /// to expire.
    async fn download(&self, index: u64, mut link: ExternalLink) -> Result<bytes::Bytes> {
        let started = Instant::now();
        let mut failures = 0u32;
        let mut just_refreshed = false;
        loop {
            let error = match statements::fetch_link(self.client, &link).await {
                Ok(bytes) => return Ok(bytes),
                Err(e) => e,
            };
            let status = match &error {
                HttpError::Api(api) => Some(api.status),
                _ => None,
            };
            if matches!(status, Some(400 | 403)) && !just_refreshed {
                log::debug(format_args!(
                    "result link of chunk {index} refused ({}); fetching a fresh link",
                    status.unwrap_or(0)
                ));
                link = self.fresh_link(index, &link).await?;
                just_refreshed = true;
                continue;
            }
            if !matches!(status, Some(500 | 502 | 504)) {
                return Err(link_error(index, error));
            }
            failures += 1;
            let wait = crate::http::retry_wait(failures);
            if started.elapsed().saturating_add(wait) > self.client.retry_budget() {
                return Err(link_error(
                    index,
                    HttpError::GaveUp {
                        last: Box::new(error),
                        attempts: failures,
                        elapsed: started.elapsed(),
                    },
                ));
            }
            log::debug(format_args!(
                "result link of chunk {index} will be retried in {}: {error}",
                crate::display::human_duration(wait)
            ));
            tokio::time::sleep(wait).await;
            just_refreshed = false;
            if expires_soon(&link) {
                link = self.fresh_link(index, &link).await?;
                just_refreshed = true;
            }
        }
    }

    /// The link again, freshly signed: the chunk asked for anew, its link at the same offset.
    async fn fresh_link(&self, index: u64, old: &ExternalLink) -> Result<ExternalLink> {
        let fresh = statements::get_chunk(self.client, self.statement_id, index)
            .await
            .map_err(|e| chunk_error(index, e))?;
        let links = fresh.external_links.unwrap_or_default();
        let same_offset = links
            .iter()
            .position(|l| l.row_offset.is_some() && l.row_offset == old.row_offset);
        let pick = same_offset.or((!links.is_empty()).then_some(0));
        pick.and_then(|i| links.into_iter().nth(i)).ok_or_else(|| {
            HttpError::invalid(
                "GET result chunk",
                format!("no fresh link for chunk {index}"),
            )
            .into()
        })
    }
}

/// Whether the link's announced expiration is past or near.
fn expires_soon(link: &ExternalLink) -> bool {
    link.expiration
        .as_deref()
        .and_then(crate::time::parse_timestamp)
        .is_some_and(|at| at <= SystemTime::now() + EXPIRY_MARGIN)
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
