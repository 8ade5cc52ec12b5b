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

/// Trace infos whose spans are read together while streaming (four `batchGet`s at once).
const STREAM_GROUP: usize = BATCH * BATCHES_AT_ONCE;

/// One search's pages, oldest first, read a page at a time.
struct Pager<'s> {
    search: &'s Search,
    index: usize,
    buffer: std::collections::VecDeque<TraceInfo>,
    token: Option<String>,
    done: bool,
}

impl Pager<'_> {
    async fn fill(&mut self, reader: &StoreReader) -> Result<()> {
        let page = traces::search_ordered(
            &reader.client,
            &reader.experiment_id,
            &self.search.filter,
            MAX_PAGE,
            self.token.as_deref(),
            true,
        )
        .await
        .map_err(search_error)?;
        self.token = page.next_page_token.filter(|t| !t.is_empty());
        self.done = self.token.is_none() || page.traces.is_empty();
        self.buffer.extend(page.traces);
        Ok(())
    }

    /// The order key of the next trace info: its start, then its id.
    fn head(&self) -> Option<(i64, &str)> {
        self.buffer
            .front()
            .map(|i| (start_of(i), i.trace_id.as_str()))
    }
}

fn start_of(info: &TraceInfo) -> i64 {
    info.request_time
        .as_deref()
        .and_then(parse_timestamp_micros)
        .unwrap_or(i64::MIN)
}

/// A trace info on its way, with the searches that found it.
pub struct Pending {
    info: TraceInfo,
    searches: Vec<usize>,
}

/// The trace infos of every search, merged oldest first, a group at a time.
pub struct Merged<'s> {
    searches: &'s [Search],
    pagers: Vec<Pager<'s>>,
    /// The ids already taken at the latest start seen: a trace two searches found comes from
    /// both at the same place in the order.
    latest: (i64, Vec<String>),
}

impl<'s> Merged<'s> {
    pub fn new(searches: &'s [Search]) -> Merged<'s> {
        let pagers = searches
            .iter()
            .enumerate()
            .map(|(index, search)| Pager {
                search,
                index,
                buffer: Default::default(),
                token: None,
                done: false,
            })
            .collect();
        Merged {
            searches,
            pagers,
            latest: (i64::MIN, Vec::new()),
        }
    }

    /// The next trace infos in order (at most [`STREAM_GROUP`]), `None` after the last; the
    /// searches whose pages ran out are read again first, at once.
    pub async fn next_group(&mut self, reader: &StoreReader) -> Result<Option<Vec<Pending>>> {
        loop {
            let refills = self
                .pagers
                .iter_mut()
                .filter(|p| p.buffer.is_empty() && !p.done)
                .map(|p| p.fill(reader));
            futures::future::try_join_all(refills).await?;
            let group = take_group(&mut self.pagers, &mut self.latest);
            if !group.is_empty() {
                return Ok(Some(group));
            }
            if self.pagers.iter().all(|p| p.done && p.buffer.is_empty()) {
                return Ok(None);
            }
        }
    }

    /// Whether a search that found the trace may admit it, its spans not read: its checks on
    /// the trace info pass, or it has checks on spans.
    fn may_admit(&self, pending: &Pending) -> bool {
        pending.searches.iter().any(|&i| {
            let search = &self.searches[i];
            search.needs_spans() || search.admits(&pending.info, None)
        })
    }

    /// Whether a search that found the trace admits it, its spans read.
    fn admits(&self, pending: &Pending, trace: &FullTrace) -> bool {
        pending
            .searches
            .iter()
            .any(|&i| self.searches[i].admits(&trace.trace_info, Some(&trace.spans)))
    }
}

impl StoreReader {
    /// Every trace matching `filters` (no limit), oldest first, each with its spans, handed to
    /// `write` as soon as its group's spans are read: memory holds a page per search and one
    /// group of traces.
    pub async fn each_oldest_first(
        &self,
        filters: &Filters,
        mut write: impl FnMut(FullTrace) -> Result<()>,
    ) -> Result<()> {
        let searches = trace_store::searches(filters)?;
        let mut merged = Merged::new(&searches);
        while let Some(group) = merged.next_group(self).await? {
            let ids: Vec<String> = group.iter().map(|p| p.info.trace_id.clone()).collect();
            for trace in self.full_traces(&ids).await? {
                let found = group
                    .iter()
                    .find(|p| p.info.trace_id == trace.trace_info.trace_id);
                if found.is_some_and(|p| merged.admits(p, &trace)) {
                    write(trace)?;
                }
            }
        }
        Ok(())
    }

    /// Every trace info matching `filters` (no spans read: a check on spans is taken as
    /// passed), oldest first, to `each`.
    pub async fn each_info_oldest_first(
        &self,
        filters: &Filters,
        mut each: impl FnMut(&TraceInfo),
    ) -> Result<()> {
        let searches = trace_store::searches(filters)?;
        let mut merged = Merged::new(&searches);
        while let Some(group) = merged.next_group(self).await? {
            group
                .iter()
                .filter(|p| merged.may_admit(p))
                .for_each(|p| each(&p.info));
        }
        Ok(())
    }
}

/// Up to [`STREAM_GROUP`] trace infos in the merged order, as far as every search can tell
/// (a search whose buffer ran dry must be read again first).
fn take_group(pagers: &mut [Pager], latest: &mut (i64, Vec<String>)) -> Vec<Pending> {
    let mut group: Vec<Pending> = Vec::new();
    while group.len() < STREAM_GROUP {
        if pagers.iter().any(|p| p.buffer.is_empty() && !p.done) {
            break;
        }
        let Some((start, id, i)) = pagers
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.head().map(|(start, id)| (start, id.to_string(), i)))
            .min()
        else {
            break;
        };
        let pager = &mut pagers[i];
        let info = pager.buffer.pop_front().expect("it has a head");
        if start != latest.0 {
            *latest = (start, Vec::new());
        }
        if latest.1.contains(&id) {
            if let Some(p) = group.iter_mut().find(|p| p.info.trace_id == id) {
                p.searches.push(pager.index);
            }
            continue;
        }
        latest.1.push(id);
        group.push(Pending {
            info,
            searches: vec![pager.index],
        });
    }
    group
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
