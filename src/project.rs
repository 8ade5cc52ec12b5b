//! The project file `tracecfg.toml`, found in the current directory or a parent. Its keys give
//! every command defaults below flags and environment variables; its `[[experiments]]` list is
//! what `tracecfg apply` keeps in line (validated in `crate::fleet`).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::CliError;

pub const FILE_NAME: &str = "tracecfg.toml";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    pub experiment: Option<String>,
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub table: Option<String>,
    pub warehouse_id: Option<String>,
    pub profile: Option<String>,
    /// Default of `native` for every entry, and of `set --native`.
    pub native: Option<bool>,
    /// Default of `create` for every entry, and of `set --create`.
    pub create: Option<bool>,
    /// The experiments `tracecfg apply` configures.
    #[serde(default)]
    pub experiments: Vec<Spanned<EntryFile>>,
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// The file's text, to turn byte offsets into line numbers for later errors.
    #[serde(skip)]
    pub text: String,
}

/// One `[[experiments]]` entry as written; each value keeps its place for error messages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryFile {
    /// A short label for `apply --only`, such as "prod".
    pub name: Option<Spanned<String>>,
    pub experiment: Option<Spanned<String>>,
    pub experiment_id: Option<Spanned<String>>,
    pub catalog: Option<Spanned<String>>,
    pub schema: Option<Spanned<String>>,
    pub table: Option<Spanned<String>>,
    pub native: Option<Spanned<bool>>,
    pub table_prefix: Option<Spanned<String>>,
    pub warehouse_id: Option<Spanned<String>>,
    pub create: Option<Spanned<bool>>,
    pub profile: Option<Spanned<String>>,
    pub host: Option<Spanned<String>>,
}

impl ProjectFile {
    /// Looks for `tracecfg.toml` from `start` upwards; no file means empty defaults.
    pub fn discover(start: &Path) -> Result<ProjectFile, CliError> {
        for dir in start.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                return ProjectFile::load(&candidate);
            }
        }
        Ok(ProjectFile::default())
    }

    pub fn load(path: &Path) -> Result<ProjectFile, CliError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
        ProjectFile::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<ProjectFile, CliError> {
        let mut file: ProjectFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_at(text, s.start));
            let location = match line {
                Some(l) => format!("{}:{l}", path.display()),
                None => path.display().to_string(),
            };
            CliError::usage(format!(
                "{location}: {}",
                crate::http::one_line(e.message())
            ))
        })?;
        file.path = Some(path.to_path_buf());
        file.text = text.to_string();
        Ok(file)
    }

    /// `path:line` of a byte offset in the file, for errors about a value found there.
    pub fn location(&self, offset: usize) -> String {
        format!("{}:{}", self.shown_path(), line_at(&self.text, offset))
    }

    /// `path:line` of a top-level key, or just the path when the key is not found.
    pub fn key_location(&self, key: &str) -> String {
        let line = self
            .text
            .lines()
            .take_while(|l| !l.trim_start().starts_with('['))
            .position(|l| {
                l.trim_start()
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            });
        match line {
            Some(i) => format!("{}:{}", self.shown_path(), i + 1),
            None => self.shown_path(),
        }
    }

    fn shown_path(&self) -> String {
        self.path
            .as_deref()
            .unwrap_or(Path::new(FILE_NAME))
            .display()
            .to_string()
    }
}

/// The 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_keys_and_names_line_of_an_error() {
        let f = ProjectFile::parse(
            Path::new("t.toml"),
            "experiment = \"/Shared/x\"\ncatalog = \"main\"\n",
        )
        .unwrap();
        assert_eq!(f.experiment.as_deref(), Some("/Shared/x"));
        let err = ProjectFile::parse(Path::new("t.toml"), "catalog = \"main\"\ncatalgo = \"x\"\n")
            .unwrap_err();
        assert!(
            err.message.starts_with("t.toml:2: unknown field `catalgo`"),
            "{}",
            err.message
        );
        let err = ProjectFile::parse(Path::new("t.toml"), "catalog = \n").unwrap_err();
        assert!(err.message.starts_with("t.toml:1:"), "{}", err.message);
    }

    #[test]
    fn discovery_walks_up() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "schema = \"s\"\n").unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(
            ProjectFile::discover(&nested).unwrap().schema.as_deref(),
            Some("s")
        );
    }
}
