//! The output side of a result: the row sink runs on a thread of its own, fed through a bounded
//! channel, so a reader that stops reading (`| less`, paused) blocks that thread only. Fetches
//! already in flight keep being driven to their end meanwhile; new ones wait for room.

use std::collections::VecDeque;
use std::thread::JoinHandle;

use anyhow::Result;
use futures::future::LocalBoxFuture;
use futures::stream::FuturesOrdered;
use futures::StreamExt;
use tokio::sync::mpsc;

use super::chunks::ChunkOutput;
use super::RunSummary;
use crate::output::progress::Spinner;
use crate::output::rows::RowSink;

/// Chunks waiting for the writer thread besides the one it writes.
const QUEUED: usize = 1;

enum Message {
    Chunk(ChunkOutput),
    /// Every chunk was sent: the sink may close its output (a JSON array's `]`).
    End,
}

/// The writer thread; dropped without `finish`, it stops without closing the output.
pub struct Writer {
    tx: mpsc::Sender<Message>,
    thread: JoinHandle<Result<()>>,
}

impl Writer {
    pub fn start(mut sink: Box<dyn RowSink + Send>) -> Result<Writer> {
        let (tx, mut rx) = mpsc::channel::<Message>(QUEUED);
        let thread = std::thread::Builder::new()
            .name("result-writer".into())
            .spawn(move || -> Result<()> {
                while let Some(message) = rx.blocking_recv() {
                    match message {
                        Message::Chunk(ChunkOutput::Encoded(bytes, _)) => sink.encoded(&bytes)?,
                        Message::Chunk(ChunkOutput::Rows(rows)) => sink.rows(rows)?,
                        Message::End => return sink.finish(),
                    }
                }
                Ok(())
            })?;
        Ok(Writer { tx, thread })
    }

    /// Hands one chunk to the writer thread, waiting while its queue is full.
    pub async fn send(
        &self,
        out: ChunkOutput,
        summary: &mut RunSummary,
        spinner: &Spinner,
    ) -> Result<()> {
        let permit = self.tx.reserve().await.map_err(|_| stopped())?;
        count(&out, summary, spinner);
        permit.send(Message::Chunk(out));
        Ok(())
    }

    /// Delivers `chunks` in order, at most `parallel` of them fetched or waiting at a time.
    /// Unlike `buffered`, fetches in flight are polled to their end while the writer is busy.
    pub async fn pump<'a>(
        &self,
        mut chunks: impl Iterator<Item = LocalBoxFuture<'a, Result<ChunkOutput>>>,
        parallel: usize,
        summary: &mut RunSummary,
        spinner: &Spinner,
    ) -> Result<()> {
        let mut in_flight = FuturesOrdered::new();
        let mut ready: VecDeque<ChunkOutput> = VecDeque::new();
        loop {
            while in_flight.len() + ready.len() < parallel.max(1) {
                match chunks.next() {
                    Some(chunk) => in_flight.push_back(chunk),
                    None => break,
                }
            }
            if in_flight.is_empty() && ready.is_empty() {
                return Ok(());
            }
            tokio::select! {
                Some(out) = in_flight.next(), if !in_flight.is_empty() => ready.push_back(out?),
                permit = self.tx.reserve(), if !ready.is_empty() => {
                    let permit = permit.map_err(|_| stopped())?;
                    let out = ready.pop_front().expect("checked non-empty");
                    count(&out, summary, spinner);
                    permit.send(Message::Chunk(out));
                }
            }
        }
    }

    /// Ends the output after `outcome`: the writer's own error wins (a closed stdout explains a
    /// stopped writer); else the fetch error; else the sink closes its output.
    pub async fn finish(self, outcome: Result<()>) -> Result<()> {
        let sent_end = match &outcome {
            Ok(()) => self.tx.send(Message::End).await.is_ok(),
            Err(_) => false,
        };
        drop(self.tx);
        let thread = self.thread;
        let written = tokio::task::spawn_blocking(move || thread.join())
            .await?
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the result writer thread panicked")));
        match (written, outcome) {
            (Err(e), _) => Err(e),
            (Ok(()), Err(e)) if !e.is::<WriterStoppedError>() => Err(e),
            (Ok(()), _) if sent_end => Ok(()),
            (Ok(()), _) => Err(anyhow::anyhow!("the result writer stopped early")),
        }
    }
}

fn count(out: &ChunkOutput, summary: &mut RunSummary, spinner: &Spinner) {
    summary.rows += out.rows() as u64;
    spinner.set_message(format!("fetching results: {} rows", summary.rows));
}

/// The writer thread has stopped (its own error comes from `Writer::finish`).
#[derive(Debug)]
struct WriterStoppedError;

impl std::fmt::Display for WriterStoppedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the result writer stopped")
    }
}

impl std::error::Error for WriterStoppedError {}

fn stopped() -> anyhow::Error {
    WriterStoppedError.into()
}
