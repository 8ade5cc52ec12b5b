//! Which experiment a command works on: `--experiment PATH` or `--experiment-id ID`, else
//! MLflow's own `MLFLOW_EXPERIMENT_ID` / `MLFLOW_EXPERIMENT_NAME`, else the project file.

use std::fmt;

use crate::config::Env;
use crate::error::CliError;
use crate::project::ProjectFile;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExperimentRef {
    /// A workspace path, already without any `/Workspace` prefix.
    Path(String),
    Id(String),
}

impl fmt::Display for ExperimentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExperimentRef::Path(p) => write!(f, "experiment {p}"),
            ExperimentRef::Id(id) => write!(f, "experiment id {id}"),
        }
    }
}

impl ExperimentRef {
    /// Picks the experiment from flags, environment, then project file.
    pub fn resolve(
        path_flag: Option<&str>,
        id_flag: Option<&str>,
        env: &Env,
        project: &ProjectFile,
    ) -> Result<ExperimentRef, CliError> {
        Self::resolve_optional(path_flag, id_flag, env, project)?.ok_or_else(|| {
            CliError::usage(
                "no experiment given: pass --experiment PATH (or --experiment-id ID), set MLFLOW_EXPERIMENT_NAME (or MLFLOW_EXPERIMENT_ID), or add 'experiment = \"/path\"' to tracecfg.toml",
            )
        })
    }

    /// Like `resolve`, but `None` when no source names an experiment; an invalid one is an error.
    pub fn resolve_optional(
        path_flag: Option<&str>,
        id_flag: Option<&str>,
        env: &Env,
        project: &ProjectFile,
    ) -> Result<Option<ExperimentRef>, CliError> {
        let found = if let Some(id) = id_flag {
            Self::id("--experiment-id", id)
        } else if let Some(path) = path_flag {
            Self::path("--experiment", path)
        } else if let Some(id) = env.get("MLFLOW_EXPERIMENT_ID") {
            Self::id("MLFLOW_EXPERIMENT_ID", id)
        } else if let Some(path) = env.get("MLFLOW_EXPERIMENT_NAME") {
            Self::path("MLFLOW_EXPERIMENT_NAME", path)
        } else if let Some(path) = &project.experiment {
            Self::path("'experiment' in tracecfg.toml", path)
        } else {
            return Ok(None);
        };
        found.map(Some)
    }

    fn path(source: &str, raw: &str) -> Result<ExperimentRef, CliError> {
        normalize_path(raw)
            .map(ExperimentRef::Path)
            .map_err(|why| CliError::usage(format!("{source} {why}")))
    }

    fn id(source: &str, raw: &str) -> Result<ExperimentRef, CliError> {
        let valid = raw.len() <= 64
            && raw
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if valid {
            Ok(ExperimentRef::Id(raw.to_string()))
        } else {
            Err(CliError::usage(format!(
                "{source} {} is not an experiment id (letters, digits, '_' and '-', at most 64, such as 1234567890)",
                crate::display::shown(raw)
            )))
        }
    }
}

/// An absolute workspace path without the `/Workspace` prefix, which the Experiments API does
/// not resolve (mlflow/mlflow#11077).
pub fn normalize_path(raw: &str) -> Result<String, String> {
    let shown = crate::display::shown(raw);
    if !raw.starts_with('/') {
        return Err(format!(
            "{shown} must be an absolute workspace path starting with '/', such as /Shared/agent_eval or /Users/me@example.com/agent_eval"
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(format!("{shown} contains a control character"));
    }
    let trimmed = raw.trim_end_matches('/');
    let path = match trimmed.strip_prefix("/Workspace") {
        Some(rest) if rest.starts_with('/') => rest,
        _ => trimmed,
    };
    if path.is_empty() || path.split('/').skip(1).any(str::is_empty) {
        return Err(format!(
            "{shown} is not a valid workspace path (empty path segment)"
        ));
    }
    Ok(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_prefix_is_stripped() {
        assert_eq!(
            normalize_path("/Workspace/Users/a@b.com/x").unwrap(),
            "/Users/a@b.com/x"
        );
        assert_eq!(normalize_path("/Shared/x/").unwrap(), "/Shared/x");
        assert_eq!(
            normalize_path("/WorkspaceStuff/x").unwrap(),
            "/WorkspaceStuff/x"
        );
        assert!(normalize_path("Shared/x").is_err());
        assert!(normalize_path("/").is_err());
        assert!(normalize_path("/a//b").is_err());
    }

    #[test]
    fn precedence_flags_env_project() {
        let project = ProjectFile {
            experiment: Some("/Shared/p".into()),
            ..Default::default()
        };
        let env = Env::from_pairs(&[("MLFLOW_EXPERIMENT_NAME", "/Shared/e")]);
        let none = Env::default();
        assert_eq!(
            ExperimentRef::resolve(Some("/Shared/f"), None, &env, &project).unwrap(),
            ExperimentRef::Path("/Shared/f".into())
        );
        assert_eq!(
            ExperimentRef::resolve(None, None, &env, &project).unwrap(),
            ExperimentRef::Path("/Shared/e".into())
        );
        assert_eq!(
            ExperimentRef::resolve(None, None, &none, &project).unwrap(),
            ExperimentRef::Path("/Shared/p".into())
        );
        let err = ExperimentRef::resolve(None, None, &none, &ProjectFile::default()).unwrap_err();
        assert!(
            err.message.contains("--experiment")
                && err.message.contains("MLFLOW_EXPERIMENT_NAME")
                && err.message.contains("tracecfg.toml")
        );
        assert!(ExperimentRef::resolve(None, Some("12 3"), &none, &project).is_err());
    }
}
