//! The HTTP client every REST API module uses: authentication, User-Agent, timeouts, retries,
//! error decoding and `--debug` request logs (which never show a header or a presigned link).

mod api_error;
mod retry;

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use api_error::decode_error_body;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::display::human_duration;
use crate::error::ExitCode;
use crate::output::log;
use crate::secret::Secret;

/// Attempts of a request whose connection fails, before giving up (within the retry budget).
const MAX_NETWORK_ATTEMPTS: u32 = 3;

/// An error response from the server, decoded.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub endpoint: String,
    pub status: u16,
    pub error_code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn code_is(&self, code: &str) -> bool {
        self.error_code.as_deref() == Some(code)
    }

    /// "That resource does not exist": a resource error code (any status), or a 404 that
    /// carries an error code other than ENDPOINT_NOT_FOUND.
    pub fn is_missing_resource(&self) -> bool {
        const RESOURCE_CODES: [&str; 6] = [
            "RESOURCE_DOES_NOT_EXIST",
            "NOT_FOUND",
            "EXPERIMENT_DOES_NOT_EXIST",
            "TABLE_DOES_NOT_EXIST",
            "SCHEMA_DOES_NOT_EXIST",
            "CATALOG_DOES_NOT_EXIST",
        ];
        RESOURCE_CODES.iter().any(|c| self.code_is(c))
            || (self.status == 404
                && self.error_code.is_some()
                && !self.code_is("ENDPOINT_NOT_FOUND"))
    }

    /// "This server has no such route" (an older MLflow, or a workspace without the API): a
    /// 404 that is not about a resource, 405, 501, ENDPOINT_NOT_FOUND or NOT_IMPLEMENTED.
    pub fn is_missing_endpoint(&self) -> bool {
        self.code_is("ENDPOINT_NOT_FOUND")
            || self.code_is("NOT_IMPLEMENTED")
            || matches!(self.status, 405 | 501)
            || (self.status == 404 && !self.is_missing_resource())
    }

    /// Either kind of "not found": what exit code 3 means.
    pub fn is_not_found(&self) -> bool {
        self.status == 404 || self.is_missing_resource()
    }

    pub fn is_auth(&self) -> bool {
        matches!(self.status, 401 | 403)
            || self.code_is("UNAUTHENTICATED")
            || self.code_is("PERMISSION_DENIED")
    }
}

/// Everything that can go wrong talking to the server. Callers branch on it for exit codes.
#[derive(Debug)]
pub enum HttpError {
    Api(ApiError),
    Timeout {
        endpoint: String,
        after: Duration,
    },
    Network {
        endpoint: String,
        detail: String,
    },
    Redirect {
        endpoint: String,
        location: String,
    },
    InvalidResponse {
        endpoint: String,
        detail: String,
    },
    GaveUp {
        last: Box<HttpError>,
        attempts: u32,
        elapsed: Duration,
    },
    Credential {
        detail: String,
        code: ExitCode,
    },
}

impl HttpError {
    /// See [`ApiError::is_missing_resource`]; false for anything but an API answer.
    pub fn is_missing_resource(&self) -> bool {
        self.api().is_some_and(ApiError::is_missing_resource)
    }

    /// See [`ApiError::is_missing_endpoint`]; false for anything but an API answer.
    pub fn is_missing_endpoint(&self) -> bool {
        self.api().is_some_and(ApiError::is_missing_endpoint)
    }
}

impl HttpError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            HttpError::Api(e) if e.is_auth() => ExitCode::Auth,
            HttpError::Api(e) if e.is_not_found() => ExitCode::NotFound,
            HttpError::GaveUp { last, .. } => match last.exit_code() {
                ExitCode::Auth => ExitCode::Auth,
                _ => ExitCode::Failure,
            },
            HttpError::Credential { code, .. } => *code,
            _ => ExitCode::Failure,
        }
    }

    /// The decoded server error, also when it came at the end of retries.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            HttpError::Api(e) => Some(e),
            HttpError::GaveUp { last, .. } => last.api(),
            _ => None,
        }
    }

    pub fn invalid(endpoint: &str, detail: impl Into<String>) -> Self {
        HttpError::InvalidResponse {
            endpoint: endpoint.to_string(),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Api(e) => {
                write!(f, "{} failed: HTTP {}", e.endpoint, e.status)?;
                if let Some(code) = &e.error_code {
                    write!(f, " {code}")?;
                }
                write!(f, ": {}", e.message)?;
                if let Some(id) = &e.request_id {
                    write!(f, " (request id {id})")?;
                }
                Ok(())
            }
            HttpError::Timeout { endpoint, after } => write!(
                f,
                "{endpoint} timed out: no answer within {} (set --http-timeout to wait longer)",
                human_duration(*after)
            ),
            HttpError::Network { endpoint, detail } => write!(f, "{endpoint} failed: {detail}"),
            HttpError::Redirect { endpoint, location } => write!(
                f,
                "{endpoint} answered with a redirect to {location}; tracecfg does not follow redirects, so credentials never reach another host (check the host setting)"
            ),
            HttpError::InvalidResponse { endpoint, detail } => {
                write!(f, "{endpoint} returned an unexpected response: {detail}")
            }
            HttpError::GaveUp {
                last,
                attempts,
                elapsed,
            } => write!(
                f,
                "{last} (gave up after {attempts} attempts in {}; --retry-timeout sets the budget)",
                human_duration(*elapsed)
            ),
            HttpError::Credential { detail, .. } => f.write_str(detail),
        }
    }
}

impl std::error::Error for HttpError {}

/// How a request authenticates.
pub enum CallAuth<'a> {
    /// The configured workspace credential.
    Workspace,
    /// HTTP Basic, for the OAuth token endpoint.
    Basic { user: &'a str, password: &'a Secret },
    /// Nothing: presigned links and OAuth discovery.
    None,
}

pub enum Body {
    Json(Vec<u8>),
    Form(String),
}

/// One logical request; `send` may make several attempts of it.
pub struct Call<'a> {
    pub method: Method,
    pub url: Secret,
    /// Names the request in logs and errors: method and path, never a query or a signature.
    pub endpoint: String,
    pub body: Option<Body>,
    pub auth: CallAuth<'a>,
    pub headers: &'a [(String, Secret)],
    /// Safe to send again after it may have reached the server.
    pub idempotent: bool,
    /// The error body may echo secrets (presigned storage): only its error code is kept.
    pub sensitive_response: bool,
}

pub struct Client {
    http: reqwest::Client,
    host: String,
    auth: Authenticator,
    retry_budget: Duration,
    http_timeout: Duration,
}

enum Attempt {
    Done(bytes::Bytes),
    Retry(HttpError, Option<Duration>),
    Fail(HttpError),
}

impl Client {
    pub fn new(config: &Config) -> anyhow::Result<Client> {
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent(config.auth.method_name()))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.http_timeout.min(Duration::from_secs(30)));
        if config.host.starts_with("http://") {
            // Plain http only ever reaches loopback (see config). There a new connection costs
            // microseconds, while a reused one to MLflow's server stalls about 40 ms on delayed
            // ACKs (benches/RESULTS.md). Over https, reuse saves a TLS handshake and is kept.
            builder = builder.pool_max_idle_per_host(0);
        }
        let http = builder.build()?;
        Ok(Client {
            http,
            host: config.host.clone(),
            auth: Authenticator::new(config),
            retry_budget: config.retry_timeout,
            http_timeout: config.http_timeout,
        })
    }

    /// The time allowed for retries of one request (`--retry-timeout`).
    pub fn retry_budget(&self) -> Duration {
        self.retry_budget
    }

    /// GET a workspace API path (with query pairs) and decode its JSON answer.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, HttpError> {
        let bytes = self.get_bytes(path, query).await?;
        decode_json(&format!("GET {path}"), &bytes)
    }

    /// GET a workspace API path and return the body undecoded (decoded elsewhere, off this task).
    pub async fn get_bytes(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<bytes::Bytes, HttpError> {
        let endpoint = format!("GET {path}");
        let url = self.url(path, query, &endpoint)?;
        self.send(Call {
            method: Method::GET,
            url,
            endpoint,
            body: None,
            auth: CallAuth::Workspace,
            headers: &[],
            idempotent: true,
            sensitive_response: false,
        })
        .await
    }

    /// POST a JSON body to a workspace API path and decode its JSON answer.
    pub async fn post_json<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
        idempotent: bool,
    ) -> Result<T, HttpError> {
        let endpoint = format!("POST {path}");
        let url = self.url(path, &[], &endpoint)?;
        let body =
            serde_json::to_vec(body).map_err(|e| HttpError::invalid(&endpoint, e.to_string()))?;
        let bytes = self
            .send(Call {
                method: Method::POST,
                url,
                endpoint: endpoint.clone(),
                body: Some(Body::Json(body)),
                auth: CallAuth::Workspace,
                headers: &[],
                idempotent,
                sensitive_response: false,
            })
            .await?;
        decode_json(&endpoint, &bytes)
    }

    /// An absolute URL on the workspace host for `path` (which may carry its own query).
    pub fn url(
        &self,
        path: &str,
        query: &[(&str, &str)],
        endpoint: &str,
    ) -> Result<Secret, HttpError> {
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.host))
            .map_err(|e| HttpError::invalid(endpoint, format!("bad URL path: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(Secret::new(url.to_string()))
    }

    /// Sends a call, retrying what the retry rules allow within the retry budget.
    pub async fn send(&self, call: Call<'_>) -> Result<bytes::Bytes, HttpError> {
        let started = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let (error, asked_wait) = match self.attempt(&call).await {
                Attempt::Done(bytes) => return Ok(bytes),
                Attempt::Fail(error) => return Err(error),
                Attempt::Retry(error, wait) => (error, wait),
            };
            let wait = retry::wait_before_retry(attempts, asked_wait);
            // A host that does not answer at all is not worth minutes of waiting; a busy one is.
            let gave_up_on_network =
                matches!(error, HttpError::Network { .. }) && attempts >= MAX_NETWORK_ATTEMPTS;
            if gave_up_on_network || started.elapsed().saturating_add(wait) > self.retry_budget {
                return Err(if attempts == 1 {
                    error
                } else {
                    HttpError::GaveUp {
                        last: Box::new(error),
                        attempts,
                        elapsed: started.elapsed(),
                    }
                });
            }
            log::debug(format_args!(
                "{} will be retried in {}: {error}",
                call.endpoint,
                human_duration(wait)
            ));
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, call: &Call<'_>) -> Attempt {
        let request = match self.build(call).await {
            Ok(r) => r,
            Err(e) => return Attempt::Fail(e),
        };
        let sent_at = Instant::now();
        log::debug(format_args!("> {}", call.endpoint));
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return self.transport_failure(call, e),
        };
        let status = response.status();
        log::debug(format_args!(
            "< {} {} ({})",
            call.endpoint,
            status.as_u16(),
            human_duration(sent_at.elapsed())
        ));
        if status.is_redirection() {
            return Attempt::Fail(HttpError::Redirect {
                endpoint: call.endpoint.clone(),
                location: redirect_target(response.headers()),
            });
        }
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return self.transport_failure(call, e),
        };
        if status.is_success() {
            return Attempt::Done(body);
        }
        let api = api_error(&call.endpoint, status, &body, call.sensitive_response);
        // A request that may have taken effect is sent again only when the server said it was
        // not accepted at all (429, 503), whatever code a 500 carries.
        let safe_to_resend = call.idempotent || matches!(api.status, 429 | 503);
        if safe_to_resend && retry::is_retryable_response(api.status, api.error_code.as_deref()) {
            Attempt::Retry(HttpError::Api(api), retry::retry_after(&headers))
        } else {
            Attempt::Fail(HttpError::Api(api))
        }
    }

    async fn build(&self, call: &Call<'_>) -> Result<reqwest::RequestBuilder, HttpError> {
        let mut request = self
            .http
            .request(call.method.clone(), call.url.expose())
            .timeout(self.http_timeout)
            .header("Accept", "application/json");
        match &call.auth {
            CallAuth::Workspace => {
                // Boxed: fetching an OAuth token sends a request itself.
                let header = Box::pin(self.auth.authorization(self)).await?;
                let mut value =
                    HeaderValue::from_str(header.expose()).map_err(|_| HttpError::Credential {
                        detail:
                            "the credential contains characters that cannot go in an HTTP header"
                                .into(),
                        code: ExitCode::Auth,
                    })?;
                value.set_sensitive(true);
                request = request.header(AUTHORIZATION, value);
            }
            CallAuth::Basic { user, password } => {
                request = request.basic_auth(user, Some(password.expose()));
            }
            CallAuth::None => {}
        }
        for (name, value) in call.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                HttpError::invalid(&call.endpoint, format!("bad header name '{name}'"))
            })?;
            let mut value = HeaderValue::from_str(value.expose())
                .map_err(|_| HttpError::invalid(&call.endpoint, "bad header value"))?;
            value.set_sensitive(true);
            request = request.header(name, value);
        }
        request = match &call.body {
            Some(Body::Json(bytes)) => request
                .header(CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Some(Body::Form(text)) => request
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(text.clone()),
            None => request,
        };
        Ok(request)
    }

    fn transport_failure(&self, call: &Call<'_>, error: reqwest::Error) -> Attempt {
        if error.is_timeout() {
            return Attempt::Fail(HttpError::Timeout {
                endpoint: call.endpoint.clone(),
                after: self.http_timeout,
            });
        }
        let failure = HttpError::Network {
            endpoint: call.endpoint.clone(),
            detail: describe_transport_error(&error),
        };
        // A refused connection never reached the server; anything later might have.
        if error.is_connect() || call.idempotent {
            Attempt::Retry(failure, None)
        } else {
            Attempt::Fail(failure)
        }
    }
}

/// The wait before retry number `retry_number` (1 for the first) of work the client does not
/// retry itself, with the same backoff as its own retries.
pub fn retry_wait(retry_number: u32) -> Duration {
    retry::wait_before_retry(retry_number, None)
}

pub fn decode_json<T: DeserializeOwned>(endpoint: &str, bytes: &[u8]) -> Result<T, HttpError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| HttpError::invalid(endpoint, e.to_string()))
}

fn api_error(endpoint: &str, status: StatusCode, body: &[u8], sensitive: bool) -> ApiError {
    let reason = status.canonical_reason().unwrap_or("");
    let decoded = if sensitive {
        // Storage error pages can echo signing material (access key ids, canonical requests):
        // keep only their error code.
        api_error::storage_error_code(reason, body)
    } else {
        decode_error_body(status.as_u16(), reason, body)
    };
    ApiError {
        endpoint: endpoint.to_string(),
        status: status.as_u16(),
        error_code: decoded.error_code,
        message: decoded.message,
        request_id: decoded.request_id,
    }
}

/// Only scheme and host of a redirect target: its path or query may carry a token.
fn redirect_target(headers: &HeaderMap) -> String {
    headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| reqwest::Url::parse(v).ok())
        .and_then(|u| u.host_str().map(|h| format!("{}://{h}", u.scheme())))
        .unwrap_or_else(|| "another location".to_string())
}

/// The error and its causes, without the URL (which may be a presigned link).
fn describe_transport_error(error: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    let kind = if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "the connection broke while reading the response"
    } else {
        "the request failed"
    };
    if parts.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {}", parts.join(": "))
    }
}

fn user_agent(auth_method: &str) -> String {
    format!(
        "tracecfg/{} os/{} auth/{auth_method}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_has_one_meaning() {
        let api = |status: u16, code: Option<&str>| ApiError {
            endpoint: "GET /x".into(),
            status,
            error_code: code.map(str::to_string),
            message: String::new(),
            request_id: None,
        };
        // A resource that does not exist.
        for e in [
            api(404, Some("RESOURCE_DOES_NOT_EXIST")),
            api(400, Some("RESOURCE_DOES_NOT_EXIST")),
            api(404, Some("TABLE_DOES_NOT_EXIST")),
            api(404, Some("SOME_OTHER_CODE")),
        ] {
            assert!(e.is_missing_resource() && !e.is_missing_endpoint(), "{e:?}");
            assert!(e.is_not_found());
        }
        // A route the server does not have.
        for e in [
            api(404, None),
            api(404, Some("ENDPOINT_NOT_FOUND")),
            api(405, None),
            api(501, Some("NOT_IMPLEMENTED")),
        ] {
            assert!(e.is_missing_endpoint() && !e.is_missing_resource(), "{e:?}");
        }
        assert!(!api(500, Some("INTERNAL_ERROR")).is_not_found());
    }
}
