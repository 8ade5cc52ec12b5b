//! The project file `tracecfg.toml`, found in the current directory or a parent. Its keys give
//! every command defaults below flags and environment variables.

use std::path::{Path, PathBuf};

use serde::Deserialize;

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
    #[serde(skip)]
    pub path: Option<PathBuf>,
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
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
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
        Ok(file)
    }
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
