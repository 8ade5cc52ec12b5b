//! An in-process fake Databricks workspace for the integration tests (the binary runs against
//! it through `crate::cli`).
//!
//! The fake is a real HTTP server on 127.0.0.1 (random port), run by an axum fallback handler
//! on a background thread with its own tokio runtime. Every request is recorded first; then
//! injected faults apply; then authentication; then the route. The REST shapes follow
//! docs/databricks-api.md (§1 experiments, §1.4 errors, §2 SQL statements, §2.7
//! warehouses, §3 Unity Catalog, §4.5 OAuth M2M). The design follows databricks/cli's
//! `libs/testserver` (stateful workspace, fault injection) and `testsql` (declared statement
//! results with polls, chunks, failure and cancel).

mod client;
mod native;
mod server;
mod sql;
mod trace_store;
mod util;
mod workspace;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

pub use client::Api;
pub use native::{
    link_path, unlink_path, ME_USER_NAME, NATIVE_ANNOTATIONS_TAG, NATIVE_LOGS_TAG, NATIVE_PATH_TAG,
    NATIVE_SPANS_TAG, SCIM_ME, TRACE_LOCATIONS, V2_SPANS_COLUMNS,
};
pub use sql::{statement_id, StatementResult, STATEMENTS};
pub use trace_store::{
    rfc3339_ms, FakeSpan, FakeTrace, BATCH_GET_TRACES, GET_TRACE, SEARCH_TRACES, SIGNATURE_MARK,
    SIGNED_HEADER,
};

/// The personal access token the fake accepts.
pub const TOKEN: &str = "dapi-fake-token-0123456789";

pub const GET_BY_NAME: &str = "/api/2.0/mlflow/experiments/get-by-name";
pub const GET_EXPERIMENT: &str = "/api/2.0/mlflow/experiments/get";
pub const CREATE: &str = "/api/2.0/mlflow/experiments/create";
pub const SET_TAG: &str = "/api/2.0/mlflow/experiments/set-experiment-tag";
pub const DELETE_TAG: &str = "/api/2.0/mlflow/experiments/delete-experiment-tag";
pub const MKDIRS: &str = "/api/2.0/workspace/mkdirs";
pub const UNITY_CATALOG: &str = "/api/2.1/unity-catalog/";
pub const OAUTH_DISCOVERY: &str = "/oidc/.well-known/oauth-authorization-server";
pub const OAUTH_TOKEN: &str = "/oidc/v1/token";

pub const TAG_CATALOG: &str = "mlflow.tracing.destination.catalog";
pub const TAG_SCHEMA: &str = "mlflow.tracing.destination.schema";
pub const TAG_TABLE: &str = "mlflow.tracing.destination.table";

/// `Basic base64(user:password)`, as an HTTP Basic `Authorization` value.
pub fn basic_auth(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// One request as the fake received it, before faults or authentication applied.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The raw (still percent-encoded) query string, without '?'; empty when there is none.
    pub query: String,
    /// Header names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: Instant,
    /// The fake's clock when the request arrived: one tick per arrival and per answer, so that
    /// two requests can be ordered without wall-clock bounds.
    pub seq: u64,
    /// The fake's clock when the answer was handed to the server (after any delay); `None` for
    /// a request still in flight. The log is a snapshot: ask for it again after the run.
    pub answered: Option<u64>,
}

impl Recorded {
    /// A header's value; the name is matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        util::form_value(&self.query, name)
    }

    /// A field of a form-encoded body (`a=1&b=2`), percent-decoded.
    pub fn form_param(&self, name: &str) -> Option<String> {
        util::form_value(&self.body, name)
    }

    /// Whether this request arrived before `other` was answered and `other` before this one
    /// was answered: the two were in flight together.
    pub fn overlaps(&self, other: &Recorded) -> bool {
        let before = |a: &Recorded, b: &Recorded| b.answered.is_none_or(|end| a.seq < end);
        before(self, other) && before(other, self)
    }

    /// Whether this request arrived only after `other` was answered.
    pub fn started_after(&self, other: &Recorded) -> bool {
        other.answered.is_some_and(|end| end < self.seq)
    }

    /// The body as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// An injected fault. Build it with [`Fault::on`] and hand it to [`FakeWorkspace::fault`].
///
/// The path is a prefix match on the request path (no query). Matching requests are counted
/// per fault: `after(n)` lets the first n through, `times(n)` applies the fault n times (default:
/// every time). The first fault (in declaration order) that applies wins.
///
/// - `status`/`body`/`header` answer with that response instead of the route.
/// - `delay` sleeps before answering; alone, the route answers after the delay (use a long
///   delay to simulate a server that never answers).
/// - `drop_connection` sends the status line (200 unless `status` is set), the headers and part
///   of the body, then breaks the connection.
#[derive(Debug, Clone)]
pub struct Fault {
    pub(crate) method: String,
    pub(crate) path_prefix: String,
    pub(crate) body_contains: Option<String>,
    pub(crate) status: Option<u16>,
    pub(crate) body: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) delay: Option<Duration>,
    pub(crate) drop_connection: bool,
    pub(crate) times: Option<u32>,
    pub(crate) after: u32,
}

impl Fault {
    /// A fault for requests with this method ("*" for any) and a path starting with `path_prefix`.
    pub fn on(method: &str, path_prefix: &str) -> Fault {
        Fault {
            method: method.to_string(),
            path_prefix: path_prefix.to_string(),
            body_contains: None,
            status: None,
            body: None,
            headers: Vec::new(),
            delay: None,
            drop_connection: false,
            times: None,
            after: 0,
        }
    }

    pub fn status(mut self, status: u16) -> Fault {
        self.status = Some(status);
        self
    }

    pub fn body(mut self, body: &str) -> Fault {
        self.body = Some(body.to_string());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Fault {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Fault {
        self.delay = Some(delay);
        self
    }

    pub fn drop_connection(mut self) -> Fault {
        self.drop_connection = true;
        self
    }

    pub fn times(mut self, n: u32) -> Fault {
        self.times = Some(n);
        self
    }

    pub fn after(mut self, n: u32) -> Fault {
        self.after = n;
        self
    }

    /// Also require the request body to contain this text (for example a tag key).
    pub fn when_body_contains(mut self, text: &str) -> Fault {
        self.body_contains = Some(text.to_string());
        self
    }
}

/// A fault with its counters.
#[derive(Debug)]
pub(crate) struct FaultState {
    pub spec: Fault,
    pub seen: u32,
    pub applied: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct ExperimentRec {
    pub id: String,
    pub name: String,
    pub lifecycle_stage: String,
    pub tags: BTreeMap<String, String>,
    pub trace_location: Option<Value>,
    pub creation_time: u64,
    pub last_update_time: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Warehouse {
    pub id: String,
    pub name: String,
    pub state: String,
}

/// Everything the fake knows; one lock, never held across an await.
#[derive(Default)]
pub(crate) struct State {
    pub base_url: String,
    pub requests: Vec<Recorded>,
    /// The clock of [`Recorded::seq`] and [`Recorded::answered`].
    pub clock: u64,
    pub faults: Vec<FaultState>,
    /// Bearer tokens accepted on /api/*: TOKEN, added ones and issued OAuth tokens.
    pub tokens: BTreeSet<String>,
    pub oauth: Option<(String, String)>,
    /// The scopes a scoped OAuth secret may ask for; `None`: any request including all-apis.
    pub oauth_scopes: Option<Vec<String>>,
    pub oauth_issued: u32,
    pub experiments: Vec<ExperimentRec>,
    pub delete_tag_disabled: bool,
    /// The native trace-location API and SCIM `Me` (native.rs).
    pub native: native::NativeState,
    pub folders: Vec<String>,
    pub catalogs: BTreeSet<String>,
    pub schemas: BTreeSet<(String, String)>,
    pub tables: BTreeMap<(String, String, String), String>,
    /// Columns the tables API lists for a table, as (name, type name).
    pub table_columns: BTreeMap<(String, String, String), Vec<(String, String)>>,
    pub warehouses: Vec<Warehouse>,
    pub default_warehouse: Option<String>,
    pub sql: sql::SqlState,
    /// MLflow's trace store (trace_store.rs).
    pub store_traces: Vec<trace_store::FakeTrace>,
}

pub(crate) type Shared = Arc<Mutex<State>>;

/// The experiment with this id, for a test's setup or check (panics when there is none).
pub(crate) fn experiment_mut<'a>(state: &'a mut State, id: &str) -> &'a mut ExperimentRec {
    state
        .experiments
        .iter_mut()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("fake workspace: no experiment with id {id}"))
}

/// The fake workspace. Dropping it stops the server.
pub struct FakeWorkspace {
    state: Shared,
    url: String,
    home: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FakeWorkspace {
    /// Starts the server on 127.0.0.1 with a random port; returns once it accepts connections.
    pub fn start() -> FakeWorkspace {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state: Shared = Arc::new(Mutex::new(State {
            base_url: url.clone(),
            tokens: BTreeSet::from([TOKEN.to_string()]),
            ..State::default()
        }));
        let shutdown = server::spawn(listener, state.clone());
        FakeWorkspace {
            state,
            url,
            home: tempfile::tempdir().expect("temp dir"),
            shutdown: Some(shutdown),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// A fresh temporary directory, removed with the workspace; `tracecfg(ws)` uses it as HOME
    /// and as the working directory.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    // ---- experiments ----

    /// Adds an active experiment (a leading "/Workspace" is stripped from the name); returns its id.
    pub fn add_experiment(&self, name: &str, tags: &[(&str, &str)]) -> String {
        let tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        workspace::insert_experiment(&mut self.lock(), name, tags, None)
    }

    pub fn experiment_tags(&self, id: &str) -> BTreeMap<String, String> {
        experiment_mut(&mut self.lock(), id).tags.clone()
    }

    /// The id of the experiment stored under this exact name (active preferred).
    pub fn experiment_by_name(&self, name: &str) -> Option<String> {
        workspace::find_by_name(&self.lock(), name).map(|e| e.id.clone())
    }

    /// The experiment as the API serves it, or `None`.
    pub fn experiment_json(&self, id: &str) -> Option<Value> {
        self.lock()
            .experiments
            .iter()
            .find(|e| e.id == id)
            .map(workspace::experiment_json)
    }

    pub fn experiment_count(&self) -> usize {
        self.lock().experiments.len()
    }

    /// Marks the experiment deleted (`lifecycle_stage = "deleted"`).
    pub fn delete_experiment(&self, id: &str) {
        experiment_mut(&mut self.lock(), id).lifecycle_stage = "deleted".into();
    }

    /// Stored and served as the experiment's `trace_location`.
    pub fn set_trace_location(&self, id: &str, trace_location: Value) {
        experiment_mut(&mut self.lock(), id).trace_location = Some(trace_location);
    }

    /// delete-experiment-tag answers like a server without the route:
    /// 404 `{"error_code":"ENDPOINT_NOT_FOUND",...}`.
    pub fn disable_delete_tag(&self) {
        self.lock().delete_tag_disabled = true;
    }

    /// Paths passed to /api/2.0/workspace/mkdirs, in order ("/Workspace" stripped).
    pub fn folders(&self) -> Vec<String> {
        self.lock().folders.clone()
    }

    // ---- auth ----

    /// Serves OAuth discovery and the client-credentials token endpoint for this client.
    pub fn enable_oauth(&self, client_id: &str, client_secret: &str) {
        self.lock().oauth = Some((client_id.to_string(), client_secret.to_string()));
    }

    /// As [`Self::enable_oauth`], for a secret limited to `scopes`: a token request asking for
    /// any other scope (all-apis included) is refused, as Databricks refuses it.
    pub fn enable_scoped_oauth(&self, client_id: &str, client_secret: &str, scopes: &[&str]) {
        self.enable_oauth(client_id, client_secret);
        self.lock().oauth_scopes = Some(scopes.iter().map(|s| s.to_string()).collect());
    }

    /// Accepts another bearer token on /api/* (for tests that tell profiles apart by token).
    pub fn add_token(&self, token: &str) {
        self.lock().tokens.insert(token.to_string());
    }

    // ---- Unity Catalog ----

    pub fn add_catalog(&self, name: &str) {
        self.lock().catalogs.insert(name.to_string());
    }

    pub fn add_schema(&self, catalog: &str, schema: &str) {
        self.lock()
            .schemas
            .insert((catalog.to_string(), schema.to_string()));
    }

    pub fn add_table(&self, catalog: &str, schema: &str, table: &str, table_type: &str) {
        self.lock().tables.insert(
            (catalog.to_string(), schema.to_string(), table.to_string()),
            table_type.to_string(),
        );
    }

    /// A managed table whose columns the tables API lists, e.g. `TAGS_TABLE_COLUMNS`.
    pub fn add_table_with_columns(
        &self,
        catalog: &str,
        schema: &str,
        table: &str,
        columns: &[(&str, &str)],
    ) {
        let key = (catalog.to_string(), schema.to_string(), table.to_string());
        let mut state = self.lock();
        state.tables.insert(key.clone(), "MANAGED".to_string());
        state.table_columns.insert(
            key,
            columns
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
        );
    }

    // ---- warehouses ----

    /// Once any warehouse is added, statements naming an unknown warehouse get a 404.
    pub fn add_warehouse(&self, id: &str, name: &str, state: &str) {
        self.lock().warehouses.push(Warehouse {
            id: id.to_string(),
            name: name.to_string(),
            state: state.to_string(),
        });
    }

    pub fn set_default_warehouse(&self, id: &str) {
        self.lock().default_warehouse = Some(id.to_string());
    }

    // ---- SQL statements ----

    /// Declares the result of statements whose text contains `matcher`; the first declared
    /// match wins. A statement matching nothing FAILS with a message saying so.
    pub fn declare_result(&self, matcher: &str, result: StatementResult) {
        self.lock().sql.declared.push((matcher.to_string(), result));
    }

    /// Every execute request body received (valid or not), in order.
    /// Forgets every declared result (a test that declares what a later statement yields).
    pub fn clear_results(&self) {
        self.lock().sql.declared.clear();
    }

    pub fn statements(&self) -> Vec<Value> {
        self.lock().sql.received.clone()
    }

    /// Statement ids for which a cancel request arrived, in order.
    pub fn cancels(&self) -> Vec<String> {
        self.lock().sql.cancels.clone()
    }

    /// The current state of a statement (PENDING is reported as RUNNING here).
    pub fn statement_state(&self, id: &str) -> Option<String> {
        self.lock()
            .sql
            .statements
            .get(id)
            .map(|s| s.state.to_string())
    }

    // ---- faults and the request log ----

    /// Puts a trace into the fake's trace store.
    pub fn add_stored_trace(&self, trace: FakeTrace) {
        self.lock().store_traces.push(trace);
    }

    pub fn fault(&self, fault: Fault) {
        self.lock().faults.push(FaultState {
            spec: fault,
            seen: 0,
            applied: 0,
        });
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// Requests with this method (case-insensitive) whose path starts with `path_prefix`.
    pub fn requests_to(&self, method: &str, path_prefix: &str) -> Vec<Recorded> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .cloned()
            .collect()
    }

    /// Writes to experiments: set-experiment-tag, delete-experiment-tag and create requests.
    pub fn experiment_writes(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| {
                r.method == "POST"
                    && [
                        "/api/2.0/mlflow/experiments/set-experiment-tag",
                        "/api/2.0/mlflow/experiments/delete-experiment-tag",
                        "/api/2.0/mlflow/experiments/create",
                    ]
                    .contains(&r.path.as_str())
            })
            .collect()
    }

    /// Forgets the recorded requests (state and faults stay).
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }
}

impl Drop for FakeWorkspace {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
