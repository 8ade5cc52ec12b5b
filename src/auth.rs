//! Turns the configured credential into an `Authorization` header value: a personal access
//! token as is, an OAuth machine-to-machine token fetched once per process and cached until
//! shortly before it expires, or a token from `databricks auth token` for `databricks-cli`
//! profiles. Contract: docs/databricks-api.md §4.4–§4.6.

use std::time::{Duration, Instant};

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
            } => self.m2m_token(client, client_id, client_secret).await?,
            AuthConfig::DatabricksCli { profile, cli_path } => {
                cli_token(cli_path, profile.as_deref(), &self.host).await?
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
    ) -> Result<CachedToken, HttpError> {
        let token_endpoint = self.discover_token_endpoint(client).await?;
        let endpoint = "POST OAuth token endpoint".to_string();
        let bytes = client
            .send(Call {
                method: Method::POST,
                url: Secret::new(token_endpoint),
                endpoint: endpoint.clone(),
                body: Some(Body::Form(
                    "grant_type=client_credentials&scope=all-apis".into(),
                )),
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
            "OAuth token obtained for client_id {client_id}, valid for {} s",
            lifetime.as_secs()
        ));
        Ok(CachedToken {
            header: Secret::new(format!("{kind} {access}")),
            refresh_at: Instant::now()
                .checked_add(lifetime.saturating_sub(EXPIRY_MARGIN.min(lifetime / 2))),
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
                        "{} does not support Databricks OAuth ({endpoint} answered 404)",
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

/// Runs `databricks auth token` and reads the token from its JSON output.
async fn cli_token(
    cli_path: &str,
    profile: Option<&str>,
    host: &str,
) -> Result<CachedToken, HttpError> {
    let mut command = tokio::process::Command::new(cli_path);
    command.args(["auth", "token"]);
    match profile {
        Some(p) => command.args(["--profile", p]),
        None => command.args(["--host", host]),
    };
    command.stdin(std::process::Stdio::null());
    let output = command.output().await.map_err(|e| HttpError::Credential {
        detail: if e.kind() == std::io::ErrorKind::NotFound {
            format!("auth_type databricks-cli needs the Databricks CLI, but '{cli_path}' was not found; install it or set databricks_cli_path")
        } else {
            format!("cannot run '{cli_path} auth token': {e}")
        },
        code: ExitCode::Auth,
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("").trim().to_string();
        return Err(HttpError::Credential {
            detail: format!(
                "'{cli_path} auth token' failed ({}): {}; run 'databricks auth login' first",
                output.status,
                crate::http::one_line(&first)
            ),
            code: ExitCode::Auth,
        });
    }
    let token: TokenResponse = crate::http::decode_json("databricks auth token", &output.stdout)?;
    let access = token
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            HttpError::invalid("databricks auth token", "no access_token in its output")
        })?;
    Ok(CachedToken {
        header: Secret::new(format!(
            "{} {access}",
            token.token_type.unwrap_or_else(|| "Bearer".into())
        )),
        // The CLI refreshes its own cache; one token per process run is enough here.
        refresh_at: None,
    })
}
