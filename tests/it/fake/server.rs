//! The HTTP side of the fake: one axum fallback handler that records the request, applies
//! faults and authentication, then routes on (method, path) by hand.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use futures::StreamExt;

use super::util::{api_error, content_type_of, raw_response};
use super::{native, sql, trace_store, workspace, Fault, Recorded, Shared};

/// Starts the server thread; the returned sender stops it.
pub fn spawn(listener: std::net::TcpListener, state: Shared) -> tokio::sync::oneshot::Sender<()> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    std::thread::Builder::new()
        .name("fake-workspace".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("fake workspace runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                let app = Router::new().fallback(handle).with_state(state);
                tokio::select! {
                    result = axum::serve(listener, app) => {
                        if let Err(e) = result {
                            eprintln!("fake workspace: server stopped: {e}");
                        }
                    }
                    _ = rx => {}
                }
            });
            // Dropping the runtime cancels connections still open (delayed answers).
            runtime.shutdown_background();
        })
        .expect("fake workspace thread");
    tx
}

/// What a route hands back: a response, possibly after a delay (without holding the lock).
pub struct Reply {
    pub response: Response,
    pub delay: Option<Duration>,
}

impl From<Response> for Reply {
    fn from(response: Response) -> Self {
        Reply {
            response,
            delay: None,
        }
    }
}

async fn handle(AxumState(state): AxumState<Shared>, request: Request) -> Response {
    let at = Instant::now();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let mut recorded = Recorded {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
        at,
        seq: 0,
        answered: None,
    };

    let fault = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        s.clock += 1;
        recorded.seq = s.clock;
        s.requests.push(recorded.clone());
        matching_fault(&mut s.faults, &recorded)
    };
    let response = answer(&state, &recorded, fault).await;
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    s.clock += 1;
    let now = s.clock;
    if let Some(r) = s.requests.iter_mut().rev().find(|r| r.seq == recorded.seq) {
        r.answered = Some(now);
    }
    response
}

/// The answer to a recorded request: the fault's, a 401, or the route's.
async fn answer(state: &Shared, recorded: &Recorded, fault: Option<Fault>) -> Response {
    if let Some(fault) = fault {
        if let Some(delay) = fault.delay {
            tokio::time::sleep(delay).await;
        }
        if let Some(response) = fault_response(&fault) {
            return response;
        }
    }

    if recorded.path.starts_with("/api/") && !authorized(state, recorded) {
        return api_error(
            401,
            "UNAUTHENTICATED",
            "Invalid access token. Provide a valid personal access token or OAuth token in the Authorization header.",
        );
    }

    let reply = route(state, recorded);
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    reply.response
}

/// Finds the first fault that applies to this request, updating the counters.
fn matching_fault(faults: &mut [super::FaultState], r: &Recorded) -> Option<Fault> {
    for f in faults.iter_mut() {
        let spec = &f.spec;
        let method_ok = spec.method == "*" || spec.method.eq_ignore_ascii_case(&r.method);
        let body_ok = spec
            .body_contains
            .as_deref()
            .is_none_or(|t| r.body.contains(t));
        if !(method_ok && body_ok && r.path.starts_with(&spec.path_prefix)) {
            continue;
        }
        if f.seen < spec.after {
            f.seen += 1;
            continue;
        }
        if spec.times.is_none_or(|t| f.applied < t) {
            f.applied += 1;
            return Some(spec.clone());
        }
    }
    None
}

/// The canned answer of a fault; `None` when the fault only delays.
fn fault_response(f: &Fault) -> Option<Response> {
    if f.drop_connection {
        let full = f.body.clone().unwrap_or_else(|| {
            r#"{"experiment": {"experiment_id": "1", "name": "/Shared/partial", "tags": []}}"#
                .to_string()
        });
        let half = Bytes::from(full.as_bytes()[..full.len() / 2].to_vec());
        // The pause lets the head and the first bytes leave before the connection breaks.
        let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(half) }).chain(
            futures::stream::once(async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "fake workspace: connection dropped",
                ))
            }),
        );
        let mut response = raw_response(
            f.status.unwrap_or(200),
            content_type_of(&full),
            Body::from_stream(stream),
        );
        add_headers(&mut response, &f.headers);
        return Some(response);
    }
    let status = f.status?;
    let body = f.body.clone().unwrap_or_default();
    let mut response = raw_response(status, content_type_of(&body), body);
    add_headers(&mut response, &f.headers);
    Some(response)
}

fn add_headers(response: &mut Response, headers: &[(String, String)]) {
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(n, v);
        }
    }
}

fn authorized(state: &Shared, r: &Recorded) -> bool {
    let Some(token) = r
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
    else {
        return false;
    };
    state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .tokens
        .contains(token)
}

/// Routes on (method, path). Paths are matched literally; path parameters are percent-decoded.
fn route(state: &Shared, r: &Recorded) -> Reply {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    let method = r.method.as_str();
    let path = r.path.as_str();
    if let Some(reply) = native::route(&mut s, method, path, r) {
        return reply;
    }
    if let Some(reply) = workspace::route(&mut s, method, path, r) {
        return reply;
    }
    if let Some(reply) = sql::route(&mut s, method, path, r) {
        return reply;
    }
    if let Some(reply) = trace_store::route(&mut s, method, path, r) {
        return reply;
    }
    if path.starts_with("/api/") {
        return api_error(
            404,
            "ENDPOINT_NOT_FOUND",
            &format!("No API found for '{method} {path}'"),
        )
        .into();
    }
    raw_response(
        StatusCode::NOT_FOUND.as_u16(),
        "text/html; charset=utf-8",
        "<html><head><title>404 Not Found</title></head><body><pre>Not Found</pre></body></html>",
    )
    .into()
}
