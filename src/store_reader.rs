//! Reads traces from MLflow's trace store: the searches of [`trace_store::searches`] paged and
//! run at once, merged newest first, and the spans fetched (in bounded concurrent batches) only
//! when a condition must be checked on them or a trace has no recorded span count.

use std::collections::HashMap;

use anyhow::Result;
use futures::{StreamExt, TryStreamExt};

use crate::api::statements::Column;
use crate::api::traces::{self, FullTrace, GetError, TraceInfo, MAX_PAGE};
use crate::error::{CliError, ExitCode};
use crate::http::{Client, HttpError};
use crate::output::rows::Row;
use crate::output::trace_list::TraceSummary;
use crate::store_spans;
use crate::time::parse_timestamp_micros;
use crate::trace_query::Filters;
use crate::trace_store::{self, Search};

/// Trace ids per `batchGet` request (the `mlflow` client's own batch size,
/// `MLFLOW_SEARCH_TRACES_MAX_BATCH_SIZE`), and such requests in flight at once.
const BATCH: usize = 10;
const BATCHES_AT_ONCE: usize = 4;

/// An experiment's trace store.
pub struct StoreReader {
    pub client: Client,
    pub experiment_id: String,
}

/// A trace the search found and the checks admitted, with its spans when they were read.
pub struct Found {
    pub info: TraceInfo,
    pub spans: Option<Vec<serde_json::Value>>,
}

impl StoreReader {
    /// The traces matching `filters`, newest first, at most `filters.limit`.
    pub async fn list(&self, filters: &Filters) -> Result<Vec<TraceSummary>> {
        Ok(self
            .found(filters)
            .await?
            .iter()
            .map(|f| trace_store::summary(&f.info, f.spans.as_deref()))
            .collect())
    }

    /// The trace infos matching `filters`, newest first, at most `filters.limit`: each
    /// search's pages at once, merged.
    pub async fn found(&self, filters: &Filters) -> Result<Vec<Found>> {
        let searches = trace_store::searches(filters)?;
        let branches =
            futures::future::try_join_all(searches.iter().map(|s| self.collect(s, filters.limit)))
                .await?;
        let mut merged: HashMap<String, (i64, Found)> = HashMap::new();
        for t in branches.into_iter().flatten() {
            let at = t
                .info
                .request_time
                .as_deref()
                .and_then(parse_timestamp_micros)
                .unwrap_or(i64::MIN);
            merged.entry(t.info.trace_id.clone()).or_insert((at, t));
        }
        let mut all: Vec<(i64, Found)> = merged.into_values().collect();
        all.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.info.trace_id.cmp(&b.1.info.trace_id))
        });
        all.truncate(filters.limit as usize);
        Ok(all.into_iter().map(|(_, t)| t).collect())
    }

    /// Follows one search's pages until `limit` traces passed the checks or the pages end.
    async fn collect(&self, search: &Search, limit: u64) -> Result<Vec<Found>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let want = (limit - out.len() as u64).clamp(1, MAX_PAGE);
            let page = traces::search(
                &self.client,
                &self.experiment_id,
                &search.filter,
                want,
                token.as_deref(),
            )
            .await
            .map_err(search_error)?;
            if page.traces.is_empty() {
                break;
            }
            let mut spans = self.spans_where_needed(search, &page.traces).await?;
            for info in page.traces {
                let spans = spans.remove(&info.trace_id);
                if search.admits(&info, spans.as_deref()) && out.len() < limit as usize {
                    out.push(Found { info, spans });
                }
            }
            token = page.next_page_token.filter(|t| !t.is_empty());
            if out.len() as u64 >= limit || token.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// The spans of the traces whose check or span count needs them, by trace id.
    async fn spans_where_needed(
        &self,
        search: &Search,
        infos: &[TraceInfo],
    ) -> Result<HashMap<String, Vec<serde_json::Value>>> {
        let ids: Vec<String> = infos
            .iter()
            .filter(|i| search.needs_spans() || trace_store::span_count(i).is_none())
            .map(|i| i.trace_id.clone())
            .collect();
        let traces = self.full_traces(&ids).await?;
        Ok(traces
            .into_iter()
            .map(|t| (t.trace_info.trace_id.clone(), t.spans))
            .collect())
    }

    /// The traces with their spans, in the order of `ids` (absent ones left out): `batchGet`
    /// in bounded concurrent batches, else one `get` each; spans kept as an artifact are
    /// downloaded.
    pub async fn full_traces(&self, ids: &[String]) -> Result<Vec<FullTrace>> {
        let batches: Vec<Vec<FullTrace>> = futures::stream::iter(ids.chunks(BATCH))
            .map(|chunk| self.batch(chunk))
            .buffered(BATCHES_AT_ONCE)
            .try_collect()
            .await?;
        Ok(batches.into_iter().flatten().collect())
    }

    /// One batch of traces, in order, complete.
    async fn batch(&self, chunk: &[String]) -> Result<Vec<FullTrace>> {
        match traces::batch_get(&self.client, chunk).await {
            Ok(found) => {
                let found = in_order(chunk, found)
                    .into_iter()
                    .map(|t| self.completed(t));
                futures::future::try_join_all(found).await
            }
            // An older server: one trace at a time, each completed by `trace`.
            Err(e) if e.is_missing_endpoint() => {
                let each = chunk.iter().map(|id| self.trace(id));
                Ok(futures::future::try_join_all(each)
                    .await?
                    .into_iter()
                    .flatten()
                    .collect())
            }
            Err(e) => {
                Err(anyhow::Error::from(e).context("cannot read the spans of the traces found"))
            }
        }
    }

    /// The trace with its spans downloaded when they are an artifact (Databricks experiment
    /// storage) and did not come with it.
    async fn completed(&self, mut trace: FullTrace) -> Result<FullTrace> {
        if !trace.spans.is_empty() || !trace.trace_info.spans_are_an_artifact() {
            return Ok(trace);
        }
        let id = trace.trace_info.trace_id.clone();
        trace.spans = match traces::download_spans(&self.client, &id).await {
            Ok(spans) => spans,
            // Not written yet (a trace in progress), or not kept: a trace without spans.
            Err(e) if e.is_missing_resource() => Vec::new(),
            Err(e) if e.is_missing_endpoint() => return Err(unsupported().into()),
            Err(e) => {
                return Err(anyhow::Error::from(e)
                    .context(format!("cannot download the spans of trace {id}")))
            }
        };
        Ok(trace)
    }

    /// `query`'s rows: the spans of the traces matching `filters` that pass its span-level
    /// filters, trace by trace newest first, at most `filters.limit`. A matching trace gives at
    /// least one row (its search asked for such a span), so `limit` traces are enough; their
    /// spans are fetched in bounded concurrent batches, in order, until the rows are complete.
    pub async fn span_rows(&self, filters: &Filters, columns: &[Column]) -> Result<Vec<Row>> {
        let found = self.list(filters).await?;
        let ids: Vec<String> = found.into_iter().map(|t| t.trace_id).collect();
        let mut batches = futures::stream::iter(ids.chunks(BATCH))
            .map(|chunk| self.batch(chunk))
            .buffered(BATCHES_AT_ONCE);
        let limit = filters.limit as usize;
        let mut rows = Vec::new();
        while let Some(batch) = batches.next().await {
            for trace in &batch? {
                rows.extend(store_spans::rows(trace, filters, columns));
                if rows.len() >= limit {
                    rows.truncate(limit);
                    return Ok(rows);
                }
            }
        }
        Ok(rows)
    }

    /// One trace with its spans, by id alone (the experiment is not needed); `None` when the
    /// store has no such trace.
    pub async fn trace(&self, id: &str) -> Result<Option<FullTrace>> {
        match traces::get(&self.client, &trace_store::store_trace_id(id)).await {
            Ok(t) => Ok(Some(self.completed(t).await?)),
            Err(GetError::NotFound) => Ok(None),
            Err(GetError::Unsupported) => Err(unsupported().into()),
            Err(GetError::Http(e)) => Err(e.into()),
        }
    }
}

/// A server that cannot give a trace's spans.
fn unsupported() -> CliError {
    CliError::new(
        ExitCode::Failure,
        "this MLflow server cannot return a trace's spans (it has neither traces/get nor traces/batchGet, nor a download of the trace's data)",
    )
    .with_hint("MLflow 3.6 or newer serves them; upgrade the tracking server")
}

/// `traces` in the order of `ids` (a batch answer need not keep it).
fn in_order(ids: &[String], mut traces: Vec<FullTrace>) -> Vec<FullTrace> {
    traces.sort_by_key(|t| ids.iter().position(|id| *id == t.trace_info.trace_id));
    traces
}

/// A server without the search route is older than MLflow 3.0.
fn search_error(e: HttpError) -> anyhow::Error {
    if e.is_missing_endpoint() {
        return CliError::new(
            ExitCode::Failure,
            format!("this server has no trace search ({}: {e})", traces::SEARCH),
        )
        .with_hint("MLflow 3.0 or newer serves POST /api/3.0/mlflow/traces/search; upgrade the tracking server")
        .into();
    }
    e.into()
}
