//! Where tracecfg finds its workspace and credentials: flags, then the environment, then a
//! profile of `~/.databrickscfg`, with the precedence of the official Databricks tools
//! (databricks-sdk-go `config/config.go` `EnsureResolved`; see docs/configuration.md).

mod ini;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use ini::IniFile;

use crate::error::CliError;
use crate::secret::Secret;

pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_RETRY_TIMEOUT: Duration = Duration::from_secs(300);

/// A snapshot of the process environment, so resolution is a pure function in tests.
#[derive(Debug, Default, Clone)]
pub struct Env(HashMap<String, String>);

impl Env {
    pub fn from_process() -> Self {
        Env(std::env::vars().collect())
    }

    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Env(pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }

    /// The environment without these variables.
    pub fn without(&self, names: &[&str]) -> Env {
        let mut vars = self.0.clone();
        vars.retain(|k, _| !names.contains(&k.as_str()));
        Env(vars)
    }

    /// A variable's value; an empty one counts as unset, as in the SDKs.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// What the command line says about the connection.
#[derive(Debug, Default, Clone)]
pub struct ConnectionFlags {
    pub profile: Option<String>,
    pub host: Option<String>,
    pub http_timeout: Option<Duration>,
    pub retry_timeout: Option<Duration>,
}

/// Defaults from the project file `tracecfg.toml`, below the environment.
#[derive(Debug, Default, Clone)]
pub struct ProjectDefaults {
    pub profile: Option<String>,
    pub warehouse_id: Option<String>,
}

#[derive(Debug, Clone)]
pub enum AuthConfig {
    Pat {
        token: Secret,
    },
    OAuthM2M {
        client_id: String,
        client_secret: Secret,
        /// Sorted, without duplicates; `all-apis` when none are configured.
        scopes: Vec<String>,
    },
    DatabricksCli {
        profile: Option<String>,
        cli_path: String,
    },
}

impl AuthConfig {
    /// The SDKs' name of the method, as used in `auth_type` and the User-Agent.
    pub fn method_name(&self) -> &'static str {
        match self {
            AuthConfig::Pat { .. } => "pat",
            AuthConfig::OAuthM2M { .. } => "oauth-m2m",
            AuthConfig::DatabricksCli { .. } => "databricks-cli",
        }
    }
}

/// A fully resolved connection.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub auth: AuthConfig,
    /// The profile whose values were used, if the config file was read.
    pub profile: Option<String>,
    pub config_file: PathBuf,
    pub warehouse_id: Option<String>,
    pub http_timeout: Duration,
    pub retry_timeout: Duration,
    /// For each attribute that was set, where it came from (never the value).
    pub origins: Vec<(String, String)>,
}

impl Config {
    /// One line naming host, profile and auth method, for hints and `--debug`.
    pub fn describe(&self) -> String {
        let profile = match &self.profile {
            Some(p) => format!("profile '{p}' of {}", self.config_file.display()),
            None => "no profile".to_string(),
        };
        format!(
            "host {}, {profile}, auth method {}",
            self.host,
            self.auth.method_name()
        )
    }
}

/// Attributes in the order the SDKs document them, with their environment variables.
const ENV_ATTRIBUTES: &[(&str, &str)] = &[
    ("host", "DATABRICKS_HOST"),
    ("token", "DATABRICKS_TOKEN"),
    ("client_id", "DATABRICKS_CLIENT_ID"),
    ("client_secret", "DATABRICKS_CLIENT_SECRET"),
    ("auth_type", "DATABRICKS_AUTH_TYPE"),
    ("warehouse_id", "DATABRICKS_WAREHOUSE_ID"),
    ("databricks_cli_path", "DATABRICKS_CLI_PATH"),
    ("username", "DATABRICKS_USERNAME"),
    ("password", "DATABRICKS_PASSWORD"),
    // Not read by the SDKs (they take `scopes` only from code or the profile); tracecfg
    // reads it so a CI job can narrow a service principal without a config file.
    ("scopes", "DATABRICKS_SCOPES"),
];

/// Attributes that, set before the file is considered, mean the file is not read: `host` and
/// every auth attribute ([GO] `config/config_file.go` `isAnyAuthConfigured`).
const FILE_SKIPPING_ATTRIBUTES: &[&str] = &[
    "host",
    "token",
    "client_id",
    "client_secret",
    "username",
    "password",
];

/// The SDKs' first words when no method can be configured ([GO]
/// `config/auth_permutations_test.go` `defaultAuthBaseErrorMessage`), kept so a user searching
/// for the message they know finds tracecfg's.
pub const DEFAULT_AUTH_PHRASE: &str = "default auth: cannot configure default credentials";

/// The OAuth scope asked for when none is configured ([GO] `config/config.go` `defaultScopes`).
pub const DEFAULT_SCOPE: &str = "all-apis";

/// Attribute values gathered so far, with their origins. The first value set wins.
#[derive(Default)]
struct Attributes {
    values: Vec<(String, String, String)>,
}

impl Attributes {
    fn set_if_unset(&mut self, name: &str, value: Option<&str>, origin: impl FnOnce() -> String) {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            if self.get(name).is_none() {
                self.values
                    .push((name.to_string(), value.to_string(), origin()));
            }
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, v, _)| v.as_str())
    }

    fn origin(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, o)| o.as_str())
    }
}

/// Resolves the connection from flags, environment, project defaults and the config file.
pub fn resolve(
    flags: &ConnectionFlags,
    env: &Env,
    project: &ProjectDefaults,
) -> Result<Config, CliError> {
    let mut attrs = Attributes::default();
    attrs.set_if_unset("host", flags.host.as_deref(), || "--host".into());
    for (name, var) in ENV_ATTRIBUTES {
        attrs.set_if_unset(name, env.get(var), || format!("env {var}"));
    }

    let config_file = config_file_path(env);
    let explicit_profile = flags
        .profile
        .clone()
        .or_else(|| env.get("DATABRICKS_CONFIG_PROFILE").map(str::to_string))
        .or_else(|| project.profile.clone());
    let skip_file = explicit_profile.is_none()
        && FILE_SKIPPING_ATTRIBUTES
            .iter()
            .any(|a| attrs.get(a).is_some());

    let mut profile_used = None;
    let mut file_timeouts = (None, None);
    if !skip_file {
        if let Some((file, profile)) = load_profile(&config_file, explicit_profile.as_deref())? {
            for (key, value) in file.section_entries(&profile) {
                attrs.set_if_unset(key, Some(value), || {
                    format!("profile '{profile}' of {}", config_file.display())
                });
            }
            file_timeouts = (
                seconds_key(&file, &profile, "http_timeout_seconds")?,
                seconds_key(&file, &profile, "retry_timeout_seconds")?,
            );
            profile_used = Some(profile);
        }
    }
    attrs.set_if_unset("warehouse_id", project.warehouse_id.as_deref(), || {
        "tracecfg.toml".into()
    });

    validate_one_method(&attrs)?;
    let host_origin = attrs.origin("host").unwrap_or("").to_string();
    let Some(raw_host) = attrs.get("host") else {
        return Err(CliError::usage(format!(
            "{DEFAULT_AUTH_PHRASE}: no Databricks host configured: pass --host, set DATABRICKS_HOST, or add 'host' to a profile in ~/.databrickscfg",
        )));
    };
    let host = normalize_host(raw_host)
        .map_err(|why| CliError::usage(format!("host '{raw_host}' (from {host_origin}) {why}")))?;
    let auth = choose_auth(&attrs, profile_used.as_deref())?;
    if let Some(id) = attrs.get("warehouse_id") {
        if !is_warehouse_id(id) {
            return Err(CliError::usage(format!(
                "warehouse_id {} (from {}) is not a SQL warehouse id: letters, digits, '-' and '_', such as 1234567890abcdef",
                crate::destination::shown(id),
                attrs.origin("warehouse_id").unwrap_or("configuration")
            )));
        }
    }
    refuse_plain_http_credentials(&host)?;

    Ok(Config {
        host,
        auth,
        profile: profile_used,
        config_file,
        warehouse_id: attrs.get("warehouse_id").map(str::to_string),
        http_timeout: flags
            .http_timeout
            .or(file_timeouts.0)
            .unwrap_or(DEFAULT_HTTP_TIMEOUT),
        retry_timeout: flags
            .retry_timeout
            .or(file_timeouts.1)
            .unwrap_or(DEFAULT_RETRY_TIMEOUT),
        origins: attrs
            .values
            .into_iter()
            .map(|(name, _, origin)| (name, origin))
            .collect(),
    })
}

/// `DATABRICKS_CONFIG_FILE` (with `~` expanded), else `~/.databrickscfg`.
pub fn config_file_path(env: &Env) -> PathBuf {
    let home = env
        .get("HOME")
        .map(PathBuf::from)
        .or_else(dirs::home_dir)
        .unwrap_or_default();
    match env.get("DATABRICKS_CONFIG_FILE") {
        Some("~") => home,
        Some(p) => match p.strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None => PathBuf::from(p),
        },
        None => home.join(".databrickscfg"),
    }
}

/// Reads the config file and picks the profile: the explicit one, else the
/// `[__settings__] default_profile`, else `[DEFAULT]` ([GO] `config/config_file.go`
/// `resolveProfile`). A missing file or an empty `DEFAULT` is no error; a named profile that is
/// missing or empty is, and so is naming the reserved `__settings__` section.
pub fn load_profile(
    path: &Path,
    explicit: Option<&str>,
) -> Result<Option<(IniFile, String)>, CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match explicit {
                Some(p) => Err(CliError::usage(format!(
                    "profile '{p}' cannot be loaded: config file {} does not exist",
                    path.display()
                ))),
                None => Ok(None),
            };
        }
        Err(e) => {
            return Err(CliError::usage(format!(
                "cannot read config file {}: {e}",
                path.display()
            )))
        }
    };
    let file = IniFile::parse(path, &text)?;
    let default_profile = file
        .get(ini::SETTINGS_SECTION, "default_profile")
        .map(str::to_string);
    let Some(name) = explicit.map(str::to_string).or(default_profile) else {
        return Ok(if file.section_entries("DEFAULT").is_empty() {
            None
        } else {
            Some((file, "DEFAULT".to_string()))
        });
    };
    if name == ini::SETTINGS_SECTION {
        return Err(CliError::usage(format!(
            "{}: {name} is a reserved section name and cannot be used as a profile; it holds settings such as default_profile",
            path.display()
        )));
    }
    if file.section_entries(&name).is_empty() {
        let names = file.profile_names();
        let listed = if names.is_empty() {
            "it has no profiles".to_string()
        } else {
            format!("it has: {}", names.join(", "))
        };
        return Err(CliError::usage(format!(
            "profile '{name}' not found: {} has no {name} profile configured; {listed}",
            path.display()
        )));
    }
    Ok(Some((file, name)))
}

fn seconds_key(file: &IniFile, profile: &str, key: &str) -> Result<Option<Duration>, CliError> {
    let Some(value) = file.get(profile, key) else {
        return Ok(None);
    };
    value
        .parse::<u64>()
        .map(|s| Some(Duration::from_secs(s)))
        .map_err(|_| {
            CliError::usage(format!(
                "{key} in profile '{profile}' of {} must be a whole number of seconds, not '{value}'",
                file.path.display()
            ))
        })
}

/// `https://` when no scheme is given; keeps only scheme, host and port, and the host's letter
/// case as written, as both SDKs do ([GO] `config/config.go` `fixHostIfNeeded`; [PY]
/// `_base_client.py` `_fix_host_if_needed`). The default port (443 for https) is dropped.
pub fn normalize_host(raw: &str) -> Result<String, String> {
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = reqwest::Url::parse(&with_scheme).map_err(|e| format!("is not a valid URL ({e})"))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(format!("has scheme '{}'; use https://", url.scheme()));
    }
    let parsed_host = url.host_str().ok_or("has no host name")?;
    // The URL parser lower-cases the host; take the same characters from the text as written.
    let host = as_written(&with_scheme, parsed_host);
    Ok(match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    })
}

/// The host name as written in `url`, when it differs from the parsed one only in letter case.
fn as_written<'a>(url: &'a str, parsed: &'a str) -> &'a str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or(after_scheme);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    authority
        .get(..parsed.len())
        .filter(|h| h.eq_ignore_ascii_case(parsed))
        .unwrap_or(parsed)
}

/// Whether credentials sent to this normalized URL (`scheme://host[:port]`) would cross the
/// network unencrypted: plain http to a host that is not a loopback address.
pub fn is_plain_http_to_remote(url: &str) -> bool {
    url.strip_prefix("http://")
        .is_some_and(|rest| !is_loopback(rest))
}

/// SQL warehouse ids are hex digits in practice; letters, digits, '-' and '_' are accepted.
pub fn is_warehouse_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn refuse_plain_http_credentials(host: &str) -> Result<(), CliError> {
    if !is_plain_http_to_remote(host) {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "refusing to send credentials over plain http to {host}: anyone on the network could read them; use https:// (plain http is allowed only for loopback addresses such as 127.0.0.1 or localhost)"
    )))
}

fn is_loopback(authority: &str) -> bool {
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => authority,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// The auth groups with an attribute set, sorted by name ([GO] `config/config.go` `auth:` tags).
fn auth_groups(attrs: &Attributes) -> Vec<&'static str> {
    let present = |names: &[&str]| names.iter().any(|n| attrs.get(n).is_some());
    [
        ("basic", present(&["username", "password"])),
        ("oauth", present(&["client_id", "client_secret"])),
        ("pat", present(&["token"])),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect()
}

/// Attributes of two methods without `auth_type` are an error, checked before anything else
/// about the credential, as the SDKs' `validate` step ([GO] `config/config_attributes.go`
/// `Validate` names the groups sorted and joined by "and"; [PY] `config.py` `_validate`).
fn validate_one_method(attrs: &Attributes) -> Result<(), CliError> {
    let groups = auth_groups(attrs);
    if groups.len() < 2 || attrs.get("auth_type").is_some() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "more than one authorization method configured: {}",
        groups.join(" and ")
    ))
    .with_hint("set auth_type (or DATABRICKS_AUTH_TYPE) to pat or oauth-m2m, or remove one of the credentials"))
}

/// Chooses the credential the way the SDKs do: `auth_type` forces one method; otherwise the
/// one group of attributes present decides (see [`validate_one_method`]).
fn choose_auth(attrs: &Attributes, profile: Option<&str>) -> Result<AuthConfig, CliError> {
    match attrs.get("auth_type") {
        Some("pat") => pat_auth(attrs),
        Some("oauth-m2m") => m2m_auth(attrs),
        Some("databricks-cli") => Ok(cli_auth(attrs, profile)),
        Some("basic") => Err(basic_unsupported()),
        Some(other) => Err(CliError::usage(format!(
            "auth type \"{other}\" not found: auth_type (from {}) must be pat, oauth-m2m or databricks-cli",
            attrs.origin("auth_type").unwrap_or("config")
        ))),
        None => match auth_groups(attrs).first() {
            Some(&"pat") => pat_auth(attrs),
            Some(&"oauth") => m2m_auth(attrs),
            Some(_) => Err(basic_unsupported()),
            None => Err(CliError::new(
                crate::error::ExitCode::Auth,
                format!("{DEFAULT_AUTH_PHRASE}: no credentials configured: set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or use a profile of ~/.databrickscfg"),
            )),
        },
    }
}

fn basic_unsupported() -> CliError {
    CliError::new(
        crate::error::ExitCode::Auth,
        "basic authentication (username and password) is not supported by tracecfg: use a personal access token (DATABRICKS_TOKEN) or a service principal (DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)",
    )
}

fn pat_auth(attrs: &Attributes) -> Result<AuthConfig, CliError> {
    match attrs.get("token") {
        Some(token) => Ok(AuthConfig::Pat {
            token: Secret::new(token),
        }),
        None => Err(CliError::new(
            crate::error::ExitCode::Auth,
            "auth_type pat needs a token: set DATABRICKS_TOKEN or 'token' in the profile",
        )),
    }
}

fn m2m_auth(attrs: &Attributes) -> Result<AuthConfig, CliError> {
    match (attrs.get("client_id"), attrs.get("client_secret")) {
        (Some(id), Some(secret)) => Ok(AuthConfig::OAuthM2M {
            client_id: id.to_string(),
            client_secret: Secret::new(secret),
            scopes: scopes(attrs)?,
        }),
        (None, _) => Err(CliError::new(
            crate::error::ExitCode::Auth,
            "OAuth machine-to-machine needs client_id: set DATABRICKS_CLIENT_ID or 'client_id' in the profile",
        )),
        (_, None) => Err(CliError::new(
            crate::error::ExitCode::Auth,
            "OAuth machine-to-machine needs client_secret: set DATABRICKS_CLIENT_SECRET or 'client_secret' in the profile",
        )),
    }
}

/// `scopes`, split at commas and spaces, sorted and without duplicates, as the SDKs resolve
/// it ([PY] `config.py` `_parse_scopes`; [GO] `config/config.go` `EnsureResolved` sorts and
/// compacts); `all-apis` when empty ([GO] `GetScopes`).
fn scopes(attrs: &Attributes) -> Result<Vec<String>, CliError> {
    let mut scopes: Vec<String> = attrs
        .get("scopes")
        .unwrap_or("")
        .split([',', ' ', '\t'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(bad) = scopes.iter().find(|s| !is_scope(s)) {
        return Err(CliError::usage(format!(
            "scopes (from {}) has {}: a scope is letters, digits, ':', '.', '-' and '_', such as sql or clusters:read; separate scopes with commas or spaces",
            attrs.origin("scopes").unwrap_or("config"),
            crate::destination::shown(bad)
        )));
    }
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        scopes.push(DEFAULT_SCOPE.to_string());
    }
    Ok(scopes)
}

fn is_scope(scope: &str) -> bool {
    scope.len() <= 200
        && scope
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '-' | '_'))
}

fn cli_auth(attrs: &Attributes, profile: Option<&str>) -> AuthConfig {
    AuthConfig::DatabricksCli {
        profile: profile.map(str::to_string),
        cli_path: attrs
            .get("databricks_cli_path")
            .unwrap_or("databricks")
            .to_string(),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod sdk_cases;
