//! The manifest in the output directory (`tracecfg-export.json`, docs/export.md "Resuming"):
//! what was asked, the window it was fixed to on the first run, the day files complete so far,
//! and the instant before which every trace is in one of them. It is replaced atomically
//! (written to a temporary name, synced, renamed), so it always describes files that exist
//! whole under their final names.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::error::CliError;

pub const MANIFEST: &str = "tracecfg-export.json";
const VERSION: u32 = 1;

/// What the export was asked: a resumed run must ask the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The experiment, table or store as given on the command line.
    pub source: String,
    pub format: String,
    pub gzip: bool,
    /// The trace filters as given (`--user u`, `--tag k=v`, …), in a fixed order.
    pub filters: Vec<String>,
    /// `--since` and `--until` as typed (`7d` stays `7d`: the window below is what it meant).
    pub since: Option<String>,
    pub until: Option<String>,
}

/// The window, fixed on the first run: a resumed run exports the same traces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub since: Option<String>,
    pub until: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFile {
    pub name: String,
    /// The UTC day its traces started on.
    pub day: String,
    pub traces: u64,
    pub spans: u64,
    /// The file's size on disk (compressed with --gzip).
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub request: Request,
    pub window: Window,
    /// Every trace that started before this instant is in one of `files`; `None` before the
    /// first file is complete.
    pub done_until: Option<String>,
    pub complete: bool,
    pub files: Vec<DayFile>,
}

impl Manifest {
    pub fn new(request: Request, window: Window) -> Manifest {
        Manifest {
            version: VERSION,
            request,
            window,
            done_until: None,
            complete: false,
            files: Vec::new(),
        }
    }

    pub fn path(dir: &Path) -> PathBuf {
        dir.join(MANIFEST)
    }

    /// The manifest of an export begun in `dir`, if there is one; an unreadable one is an error
    /// (never silently started over).
    pub fn load(dir: &Path) -> Result<Option<Manifest>> {
        let path = Manifest::path(dir);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            // No directory yet, or a file in its place (refused by the caller).
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            CliError::usage(format!(
                "{} is not a tracecfg export manifest ({e}); remove it or choose another --out",
                path.display()
            ))
        })?;
        if manifest.version != VERSION {
            return Err(CliError::usage(format!(
                "{} is a manifest of version {}, this tracecfg writes version {VERSION}",
                path.display(),
                manifest.version
            ))
            .into());
        }
        Ok(Some(manifest))
    }

    /// Whether `request` is the one this export was begun with; if not, what differs.
    pub fn check_same(&self, request: &Request, dir: &Path) -> Result<(), CliError> {
        if &self.request == request {
            return Ok(());
        }
        let mut differs = Vec::new();
        let was = &self.request;
        if was.source != request.source {
            differs.push(format!("source {} (now {})", was.source, request.source));
        }
        if was.format != request.format {
            differs.push(format!("--format {} (now {})", was.format, request.format));
        }
        if was.gzip != request.gzip {
            differs.push(format!("--gzip {} (now {})", was.gzip, request.gzip));
        }
        if was.filters != request.filters {
            differs.push(format!(
                "filters [{}] (now [{}])",
                was.filters.join(" "),
                request.filters.join(" ")
            ));
        }
        if was.since != request.since || was.until != request.until {
            differs.push(format!(
                "--since {} --until {} (now {} {})",
                shown(&was.since),
                shown(&was.until),
                shown(&request.since),
                shown(&request.until)
            ));
        }
        Err(CliError::usage(format!(
            "--out {} holds an export begun with other flags: {}",
            dir.display(),
            differs.join(", ")
        ))
        .with_hint("run the same command to resume it, or export to another --out directory"))
    }

    /// Replaces the manifest on disk atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = Manifest::path(dir);
        let temp = dir.join(format!(".{MANIFEST}.partial"));
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        let write = || -> std::io::Result<()> {
            let mut file = fs::File::create(&temp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&temp, &path)
        };
        write().with_context(|| format!("cannot write {}", path.display()))
    }

    pub fn traces(&self) -> u64 {
        self.files.iter().map(|f| f.traces).sum()
    }
}

fn shown(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(none)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            source: "experiment /Shared/x".into(),
            format: "jsonl".into(),
            gzip: false,
            filters: vec!["--user u".into()],
            since: Some("7d".into()),
            until: None,
        }
    }

    #[test]
    fn a_manifest_is_saved_whole_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), None);
        let mut m = Manifest::new(
            request(),
            Window {
                since: Some("2026-11-28T00:00:00.000000Z".into()),
                until: "2026-12-05T00:00:00.000000Z".into(),
            },
        );
        m.files.push(DayFile {
            name: "2026-11-28.jsonl".into(),
            day: "2026-11-28".into(),
            traces: 3,
            spans: 9,
            bytes: 100,
        });
        m.save(dir.path()).unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), Some(m.clone()));
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, [MANIFEST], "no temporary file is left");
        let mut other = request();
        other.gzip = true;
        other.since = Some("30d".into());
        let e = m.check_same(&other, dir.path()).unwrap_err();
        assert!(e.message.contains("--gzip false (now true)"), "{e}");
        assert!(e.message.contains("--since 7d"), "{e}");
        assert!(m.check_same(&request(), dir.path()).is_ok());
        fs::write(Manifest::path(dir.path()), "{").unwrap();
        let e = Manifest::load(dir.path()).unwrap_err();
        assert!(
            e.to_string().contains("is not a tracecfg export manifest"),
            "{e}"
        );
    }
}
