//! Turns the configured credential into an `Authorization` header value: a personal access
//! token as is, or an OAuth token (machine-to-machine, or from `databricks auth token` for
//! `databricks-cli` profiles) cached until shortly before it expires and then fetched again.
//! Contract: docs/databricks-api.md §4.4–§4.6.

use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::{AuthConfig, Config};
use crate::error::ExitCode;
use crate::http::{Body, Call, CallAuth, Client, HttpError};
use crate::output::log;
use crate::secret::Secret;

/// Refresh this long before a token expires, so no request goes out with a stale one.
const EXPIRY_MARGIN: Duration = Duration::from_secs(40);
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

pub struct Authenticator {
    config: AuthConfig,
    host: String,
    /// Bounds each run of the Databricks CLI, which may itself call the network.
    cli_timeout: Duration,
    /// One token request at a time: concurrent requests wait for the first to fill this.
    cached: Mutex<Option<CachedToken>>,
}

struct CachedToken {
    header: Secret,
    refresh_at: Option<Instant>,
}

#[derive(Deserialize)]
struct Discovery {
    token_endpoint: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
}

impl Authenticator {
    pub fn new(config: &Config) -> Self {
        Authenticator {
            config: config.auth.clone(),
            host: config.host.clone(),
            cli_timeout: config.http_timeout,
            cached: Mutex::new(None),
        }
    }

    /// The `Authorization` header value for a workspace request.
    pub async fn authorization(&self, client: &Client) -> Result<Secret, HttpError> {
        if let AuthConfig::Pat { token } = &self.config {
            return Ok(Secret::new(format!("Bearer {}", token.expose())));
        }
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref() {
            if token.refresh_at.is_none_or(|at| Instant::now() < at) {
                return Ok(token.header.clone());
            }
        }
        let fresh = match &self.config {
            AuthConfig::OAuthM2M {
                client_id,
                client_secret,
                scopes,
            } => {
                self.m2m_token(client, client_id, client_secret, scopes)
                    .await?
            }
            AuthConfig::DatabricksCli { profile, cli_path } => {
                cli_token(cli_path, profile.as_deref(), &self.host, self.cli_timeout).await?
            }
            AuthConfig::Pat { .. } => unreachable!("handled above"),
        };
        let header = fresh.header.clone();
        *cached = Some(fresh);
        Ok(header)
    }

    async fn m2m_token(
        &self,
        client: &Client,
        client_id: &str,
        client_secret: &Secret,
        scopes: &[String],
    ) -> Result<CachedToken, HttpError> {
        let token_endpoint = self.discover_token_endpoint(client).await?;
        // Scopes hold only URL-safe characters (checked in config); space becomes '+'.
        let form = format!("grant_type=client_credentials&scope={}", scopes.join("+"));
        let endpoint = "POST OAuth token endpoint".to_string();
        let bytes = client
            .send(Call {
                method: Method::POST,
                url: Secret::new(token_endpoint),
                endpoint: endpoint.clone(),
                body: Some(Body::Form(form)),
                auth: CallAuth::Basic {
                    user: client_id,
                    password: client_secret,
                },
                headers: &[],
                idempotent: true,
                sensitive_response: false,
            })
            .await
            .map_err(|e| match e.api() {
                Some(api) if matches!(api.status, 400 | 401 | 403) => HttpError::Credential {
                    detail: format!(
                        "OAuth token request for client_id {client_id} was refused: HTTP {} {}",
                        api.status, api.message
                    ),
                    code: ExitCode::Auth,
                },
                _ => e,
            })?;
        let token: TokenResponse = crate::http::decode_json(&endpoint, &bytes)?;
        let access = token
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| HttpError::invalid(&endpoint, "no access_token in the answer"))?;
        let kind = token.token_type.unwrap_or_else(|| "Bearer".into());
        let lifetime = token
            .expires_in
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(3600))
            // Databricks tokens live an hour; a server's larger claim is not trusted further.
            .min(MAX_TOKEN_LIFETIME);
        log::debug(format_args!(
            "OAuth token obtained for client_id {client_id} (scopes {}), valid for {} s",
            scopes.join(" "),
            lifetime.as_secs()
        ));
        Ok(CachedToken {
            header: Secret::new(format!("{kind} {access}")),
            refresh_at: refresh_at(lifetime),
        })
    }

    async fn discover_token_endpoint(&self, client: &Client) -> Result<String, HttpError> {
        let path = "/oidc/.well-known/oauth-authorization-server";
        let endpoint = format!("GET {path}");
        let bytes = client
            .send(Call {
                method: Method::GET,
                url: client.url(path, &[], &endpoint)?,
                endpoint: endpoint.clone(),
                body: None,
                auth: CallAuth::None,
                headers: &[],
                idempotent: true,
                sensitive_response: false,
            })
            .await
            .map_err(|e| match e.api() {
                Some(api) if api.status == 404 => HttpError::Credential {
                    detail: format!(
                        "databricks OAuth is not supported for this host: {} answered 404 to {endpoint}; use a personal access token there",
                        self.host
                    ),
                    code: ExitCode::Auth,
                },
                _ => e,
            })?;
        let discovery: Discovery = crate::http::decode_json(&endpoint, &bytes)?;
        let url = discovery
            .token_endpoint
            .ok_or_else(|| HttpError::invalid(&endpoint, "no token_endpoint in the answer"))?;
        let normalized = crate::config::normalize_host(&url)
            .map_err(|why| HttpError::invalid(&endpoint, format!("token_endpoint {why}")))?;
        // The same rule as for the workspace host, and no downgrade from an https host.
        if normalized.starts_with("http://")
            && (!self.host.starts_with("http://")
                || crate::config::is_plain_http_to_remote(&normalized))
        {
            return Err(HttpError::invalid(
                &endpoint,
                format!("token_endpoint {normalized} is plain http; refusing to send the client secret there"),
            ));
        }
        Ok(url)
    }
}

/// When to fetch again a token valid for `lifetime`: 40 s (at most half its life) early.
fn refresh_at(lifetime: Duration) -> Option<Instant> {
    Instant::now().checked_add(lifetime.saturating_sub(EXPIRY_MARGIN.min(lifetime / 2)))
}

fn cli_failure(detail: String) -> HttpError {
    HttpError::Credential {
        detail,
        code: ExitCode::Auth,
    }
}

/// Runs `databricks auth token` as the SDK does for the installed CLI (src/databricks_cli.rs)
/// and keeps the token until shortly before the expiry the CLI reports.
async fn cli_token(
    cli_path: &str,
    profile: Option<&str>,
    host: &str,
    timeout: Duration,
) -> Result<CachedToken, HttpError> {
    use crate::databricks_cli as cli;
    let path_env = std::env::var_os("PATH");
    let found = cli::find(cli_path, path_env.as_deref()).map_err(|e| {
        cli_failure(match e {
            cli::FindError::NotFound => format!(
                "databricks CLI not found: auth_type databricks-cli needs the Databricks CLI, but '{cli_path}' was not found; install it or set databricks_cli_path"
            ),
            cli::FindError::Legacy(path) => format!(
                "legacy databricks CLI detected; upgrade to >= 0.100.0: {} is the old Python databricks-cli, which has no 'auth token'; install the current CLI (https://docs.databricks.com/dev-tools/cli/install.html) or point databricks_cli_path at it",
                path.display()
            ),
        })
    })?;
    let version = match cli::run(&found, &["version".to_string()], timeout).await {
        Ok(out) if out.status.success() => {
            cli::Version::parse(&String::from_utf8_lossy(&out.stdout))
        }
        _ => None,
    };
    let (args, notes) = cli::token_args(profile, host, version);
    for note in notes {
        log::debug(format_args!("{note}"));
    }
    let shown = format!("{} {}", found.display(), args.join(" "));
    log::debug(format_args!("running {shown}"));
    let output = cli::run(&found, &args, timeout)
        .await
        .map_err(cli_failure)?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("").trim().to_string();
        return Err(cli_failure(format!(
            "cannot get access token: '{shown}' failed ({}): {}; run 'databricks auth login' first",
            output.status,
            crate::http::one_line(&first)
        )));
    }
    let token = cli::parse_token(&output.stdout)
        .map_err(|why| HttpError::invalid("databricks auth token", why))?;
    let lifetime = token
        .expiry
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    log::debug(format_args!(
        "token from the Databricks CLI valid for {} s",
        lifetime.as_secs()
    ));
    Ok(CachedToken {
        header: token.header,
        refresh_at: refresh_at(lifetime),
    })
}
