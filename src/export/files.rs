//! The day files of an export: traces arrive oldest first, each is written to the file of the
//! UTC day it started on, and a day's file is written under a temporary name (`.<name>.partial`)
//! and renamed to its final name only once the next day's first trace (or the end) shows it is
//! whole; the manifest then lists it. An interrupted run leaves whole files and at most one
//! partial one, which the next run writes again from its first trace.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use flate2::write::GzEncoder;
use flate2::Compression;

use super::manifest::{DayFile, Manifest};
use super::{day_of, jsonl, otlp, ExportTrace};
use crate::error::{CliError, ExitCode};
use crate::output::progress::ExportProgress;
use crate::time::{format_micros_rfc3339, parse_timestamp_micros};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One JSON object per trace, as `trace ID -o json` with every field
    Jsonl,
    /// OTLP/JSON: one ExportTraceServiceRequest per trace, one per line
    Otlp,
}

impl ExportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Otlp => "otlp",
        }
    }

    /// The line of one trace, without its newline.
    pub fn line(self, trace: &ExportTrace) -> Result<String, CliError> {
        match self {
            ExportFormat::Jsonl => Ok(jsonl::line(trace)),
            ExportFormat::Otlp => otlp::line(trace),
        }
    }

    /// The file name of a day's traces.
    pub fn file_name(self, day: &str, gzip: bool) -> String {
        let ext = match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Otlp => "otlp.jsonl",
        };
        let gz = if gzip { ".gz" } else { "" };
        format!("{day}.{ext}{gz}")
    }
}

/// Counts the bytes that reach the file.
struct Counted<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

enum Out {
    Plain(Counted<BufWriter<File>>),
    Gzip(GzEncoder<Counted<BufWriter<File>>>),
}

impl Out {
    fn write_line(&mut self, line: &str) -> io::Result<()> {
        let w: &mut dyn Write = match self {
            Out::Plain(w) => w,
            Out::Gzip(w) => w,
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")
    }

    fn bytes(&self) -> u64 {
        match self {
            Out::Plain(w) => w.bytes,
            Out::Gzip(w) => w.get_ref().bytes,
        }
    }

    /// Everything on disk: the gzip trailer written, buffers flushed, the file synced.
    fn close(self) -> io::Result<u64> {
        let counted = match self {
            Out::Plain(w) => w,
            Out::Gzip(w) => w.finish()?,
        };
        let bytes = counted.bytes;
        let file = counted.inner.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(bytes)
    }
}

struct OpenDay {
    day: String,
    name: String,
    temp: PathBuf,
    out: Out,
    traces: u64,
    spans: u64,
}

/// Totals of this run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Written {
    pub traces: u64,
    pub spans: u64,
}

pub struct DayFiles {
    dir: PathBuf,
    format: ExportFormat,
    gzip: bool,
    manifest: Manifest,
    open: Option<OpenDay>,
    progress: ExportProgress,
    pub written: Written,
}

impl DayFiles {
    pub fn new(
        dir: &Path,
        format: ExportFormat,
        gzip: bool,
        manifest: Manifest,
        progress: ExportProgress,
    ) -> DayFiles {
        DayFiles {
            dir: dir.to_path_buf(),
            format,
            gzip,
            manifest,
            open: None,
            progress,
            written: Written::default(),
        }
    }

    pub fn format(&self) -> ExportFormat {
        self.format
    }

    /// Writes one trace to its day's file.
    pub fn write(&mut self, trace: &ExportTrace) -> Result<()> {
        let rendered = render(self.format, trace)?;
        self.write_rendered(&rendered)
    }

    /// Writes a trace already rendered to its day's file.
    pub fn write_rendered(&mut self, trace: &Rendered) -> Result<()> {
        let line = &trace.line;
        let day = day_of(trace.start_micros);
        let same_day = self.open.as_ref().map(|o| o.day.cmp(&day));
        match same_day {
            Some(std::cmp::Ordering::Equal) => {}
            Some(std::cmp::Ordering::Greater) => return Err(out_of_order(trace, &day).into()),
            _ => {
                self.close_day()?;
                if self.manifest.files.iter().any(|f| f.day == day) {
                    return Err(out_of_order(trace, &day).into());
                }
                self.open_day(day)?;
            }
        }
        let open = self.open.as_mut().expect("a day is open");
        let before = open.out.bytes();
        open.out
            .write_line(line)
            .with_context(|| format!("cannot write {}", open.temp.display()))?;
        open.traces += 1;
        open.spans += trace.spans;
        self.written.traces += 1;
        self.written.spans += trace.spans;
        self.progress.advance(open.out.bytes() - before);
        Ok(())
    }

    fn open_day(&mut self, day: String) -> Result<()> {
        let name = self.format.file_name(&day, self.gzip);
        let temp = self.dir.join(format!(".{name}.partial"));
        let file =
            File::create(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
        let counted = Counted {
            inner: BufWriter::with_capacity(256 << 10, file),
            bytes: 0,
        };
        let out = if self.gzip {
            Out::Gzip(GzEncoder::new(counted, Compression::default()))
        } else {
            Out::Plain(counted)
        };
        self.open = Some(OpenDay {
            day,
            name,
            temp,
            out,
            traces: 0,
            spans: 0,
        });
        Ok(())
    }

    /// Puts the open day's file under its final name and lists it in the manifest.
    fn close_day(&mut self) -> Result<()> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        let bytes = open
            .out
            .close()
            .with_context(|| format!("cannot write {}", open.temp.display()))?;
        let path = self.dir.join(&open.name);
        fs::rename(&open.temp, &path).with_context(|| {
            format!(
                "cannot rename {} to {}",
                open.temp.display(),
                path.display()
            )
        })?;
        self.manifest.done_until = Some(self.bounded(next_day(&open.day)));
        self.manifest.files.push(DayFile {
            name: open.name,
            day: open.day,
            traces: open.traces,
            spans: open.spans,
            bytes,
        });
        self.manifest.save(&self.dir)
    }

    /// The window's end, when `instant` is past it.
    fn bounded(&self, instant: String) -> String {
        let until = &self.manifest.window.until;
        match (
            parse_timestamp_micros(&instant),
            parse_timestamp_micros(until),
        ) {
            (Some(a), Some(b)) if a > b => until.clone(),
            _ => instant,
        }
    }

    /// Every trace was written: the last file closed, the manifest complete, partial files of
    /// earlier runs removed.
    pub fn finish(mut self) -> Result<(Manifest, Written)> {
        self.close_day()?;
        self.progress.finish();
        self.manifest.done_until = Some(self.manifest.window.until.clone());
        self.manifest.complete = true;
        self.manifest.save(&self.dir)?;
        remove_partials(&self.dir)?;
        Ok((self.manifest, self.written))
    }
}

/// The first instant of the day after `day` (`2026-11-28`).
fn next_day(day: &str) -> String {
    let start = parse_timestamp_micros(&format!("{day}T00:00:00Z")).unwrap_or(0);
    format_micros_rfc3339(start + 86_400_000_000)
}

/// A trace's line, with what its file and the manifest need to know of it.
pub struct Rendered {
    pub trace_id: String,
    pub start_micros: i64,
    pub spans: u64,
    pub line: String,
}

/// The trace's line in `format`.
pub fn render(format: ExportFormat, trace: &ExportTrace) -> Result<Rendered, CliError> {
    Ok(Rendered {
        trace_id: trace.trace_id.clone(),
        start_micros: trace.start_micros,
        spans: trace.spans.len() as u64,
        line: format.line(trace)?,
    })
}

fn out_of_order(trace: &Rendered, day: &str) -> CliError {
    CliError::new(
        ExitCode::Failure,
        format!(
            "trace {} (started {day}) arrived after the file of that day was complete: the source did not return the traces oldest first",
            crate::display::shown(&trace.trace_id)
        ),
    )
}

/// Removes what interrupted runs left under temporary names.
fn remove_partials(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".partial") {
            fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::manifest::{Request, Window, MANIFEST};
    use std::io::Read;

    fn manifest() -> Manifest {
        Manifest::new(
            Request {
                source: "s".into(),
                format: "jsonl".into(),
                gzip: true,
                filters: vec![],
                since: None,
                until: None,
            },
            Window {
                since: None,
                until: "2026-11-29T12:00:00.000000Z".into(),
            },
        )
    }

    fn trace(id: &str, at: &str) -> ExportTrace {
        ExportTrace {
            trace_id: id.into(),
            start_micros: parse_timestamp_micros(at).unwrap(),
            tree: true,
            ..ExportTrace::default()
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_day_is_renamed_whole_once_the_next_begins_and_the_manifest_lists_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = DayFiles::new(
            dir.path(),
            ExportFormat::Jsonl,
            true,
            manifest(),
            ExportProgress::hidden(),
        );
        files.write(&trace("a", "2026-11-28T10:00:00Z")).unwrap();
        files.write(&trace("b", "2026-11-28T23:59:59Z")).unwrap();
        assert_eq!(names(dir.path()), [".2026-11-28.jsonl.gz.partial"]);
        files.write(&trace("c", "2026-11-29T00:00:00Z")).unwrap();
        assert_eq!(
            names(dir.path()),
            [
                ".2026-11-29.jsonl.gz.partial",
                "2026-11-28.jsonl.gz",
                MANIFEST
            ]
        );
        let saved = Manifest::load(dir.path()).unwrap().unwrap();
        assert_eq!(
            saved.done_until.as_deref(),
            Some("2026-11-29T00:00:00.000000Z")
        );
        assert_eq!(saved.files[0].traces, 2);
        assert!(!saved.complete);
        // A trace of a day already complete is refused, not written twice.
        let e = files
            .write(&trace("z", "2026-11-28T11:00:00Z"))
            .unwrap_err();
        assert!(e.to_string().contains("oldest first"), "{e}");
        let (m, written) = files.finish().unwrap();
        assert_eq!(written.traces, 3);
        assert!(m.complete);
        assert_eq!(m.done_until.as_deref(), Some("2026-11-29T12:00:00.000000Z"));
        assert_eq!(
            names(dir.path()),
            ["2026-11-28.jsonl.gz", "2026-11-29.jsonl.gz", MANIFEST]
        );
        let mut text = String::new();
        flate2::read::GzDecoder::new(File::open(dir.path().join("2026-11-28.jsonl.gz")).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let ids: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["trace_id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(
            m.files[0].bytes,
            fs::metadata(dir.path().join("2026-11-28.jsonl.gz"))
                .unwrap()
                .len()
        );
    }
}
