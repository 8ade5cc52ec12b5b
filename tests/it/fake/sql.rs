//! The SQL Statement Execution API of the fake (contract §2): a fake of the statement
//! lifecycle, not a SQL engine. Tests declare, per substring of the statement text, what the
//! statement yields: columns and rows (JSON_ARRAY strings or nulls), how many polls answer
//! RUNNING first, how many chunks the rows are split into, a failure, and so on.
//!
//! With disposition EXTERNAL_LINKS each chunk comes as a presigned link
//! `<url>/presigned/<statement>/<chunk>?sig=SECRETSIG-<n>` with `http_headers`
//! `{"x-amz-fake": "presigned-header-value"}`. Like a cloud store, a GET of the link answers 403
//! (XML body) without that header, and 400 when an `Authorization` header is sent along; both
//! are recorded like every request.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

use super::server::Reply;
use super::util::{api_error, json_response, raw_response, rfc3339};
use super::{Recorded, State};

/// The path of the SQL Statement Execution API.
pub const STATEMENTS: &str = "/api/2.0/sql/statements";
const PRESIGNED: &str = "/presigned/";
pub const PRESIGNED_HEADER: (&str, &str) = ("x-amz-fake", "presigned-header-value");

/// What a statement yields. `Default` is a statement that succeeds at once with no columns and
/// no rows.
///
/// The execute response is PENDING when `polls > 0`, `never_finishes`, or wait_timeout is "0s";
/// otherwise it is the final state. Without rows, the manifest has `total_chunk_count: 0`, no
/// `chunks` entries and the response no `result`.
#[derive(Debug, Clone, Default)]
pub struct StatementResult {
    /// (name, type). The type is a `type_name` such as "STRING", "LONG", "TIMESTAMP", or a full
    /// type text such as "MAP<STRING,STRING>" or "DECIMAL(10,2)", whose `type_name` is then the
    /// part before '<' or '(' ("MAP", "DECIMAL") and whose `type_text` is the whole string.
    pub columns: Vec<(String, String)>,
    /// Rows in JSON_ARRAY form: every value a string, or null.
    pub rows: Vec<Vec<Option<String>>>,
    /// GETs of the statement answering RUNNING before it is done.
    pub polls: u32,
    /// The rows are split evenly into this many chunks (0 and 1 both mean one chunk).
    pub chunks: u32,
    /// (error_code, message, sql_state): the statement ends FAILED (HTTP 200).
    pub failure: Option<(String, String, String)>,
    /// With disposition INLINE (or none) the statement FAILS with BAD_REQUEST "Inline byte
    /// limit exceeded"; with EXTERNAL_LINKS it succeeds.
    pub inline_limit_exceeded: bool,
    /// manifest.truncated (also set when row_limit cuts rows).
    pub truncated: bool,
    /// Stays RUNNING until cancelled, then CANCELED. Submitted with a non-zero wait_timeout and
    /// on_wait_timeout=CANCEL, the wait runs out and the execute response is CANCELED.
    pub never_finishes: bool,
    /// EXTERNAL_LINKS: the first link issued for each chunk answers 403 "Request has expired";
    /// links from a later GET .../result/chunks/{i} work.
    pub expire_links_once: bool,
    /// The execute answer is held for the request's wait_timeout (as Databricks holds it while
    /// the statement runs), then says PENDING; the statement exists from the moment the request
    /// arrives. Only for statements that do not finish at once (`polls` or `never_finishes`).
    pub hold_submit: bool,
    /// EXTERNAL_LINKS: each link works this long after it is issued (its `expiration` says so),
    /// then answers 403 "Request has expired". Default: 15 minutes.
    pub link_lifetime_ms: Option<u64>,
    /// Per chunk index, a delay before the chunk's data is served (GET .../result/chunks/{i}
    /// for INLINE, the presigned link for EXTERNAL_LINKS). Lets later chunks answer first.
    pub chunk_delays_ms: Vec<u64>,
}

impl StatementResult {
    /// Columns and rows, with `None` as SQL NULL.
    pub fn table(columns: &[(&str, &str)], rows: &[&[Option<&str>]]) -> StatementResult {
        StatementResult {
            columns: columns
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|v| v.map(str::to_string)).collect())
                .collect(),
            ..StatementResult::default()
        }
    }

    /// A statement that ends FAILED with this error.
    pub fn failed(error_code: &str, message: &str, sql_state: &str) -> StatementResult {
        StatementResult {
            failure: Some((
                error_code.to_string(),
                message.to_string(),
                sql_state.to_string(),
            )),
            ..StatementResult::default()
        }
    }
}

/// The SQL side of the fake's state.
#[derive(Default)]
pub struct SqlState {
    pub declared: Vec<(String, StatementResult)>,
    pub received: Vec<Value>,
    pub cancels: Vec<String>,
    pub statements: BTreeMap<String, Statement>,
    /// sig -> (statement id, chunk index, generation of the link for that chunk, issued at)
    pub links: BTreeMap<String, (String, usize, u32, Instant)>,
    pub next_statement: u32,
    pub next_link: u32,
}

pub struct Statement {
    pub id: String,
    pub result: StatementResult,
    pub external: bool,
    pub polls_left: u32,
    /// PENDING, RUNNING, SUCCEEDED, FAILED or CANCELED.
    pub state: &'static str,
    /// The state it reaches when polls run out.
    pub final_state: &'static str,
    pub failure: Option<(String, String, String)>,
    pub truncated: bool,
    /// (row_offset, row_count) per chunk.
    pub layout: Vec<(usize, usize)>,
    /// Links issued so far, per chunk.
    pub issued: BTreeMap<usize, u32>,
}

impl Statement {
    fn terminal(&self) -> bool {
        matches!(self.state, "SUCCEEDED" | "FAILED" | "CANCELED" | "CLOSED")
    }
}

pub fn route(s: &mut State, method: &str, path: &str, r: &Recorded) -> Option<Reply> {
    if let Some(rest) = path.strip_prefix(PRESIGNED) {
        return (method == "GET").then(|| presigned(s, rest, r));
    }
    if path == STATEMENTS {
        return (method == "POST").then(|| execute(s, r));
    }
    let rest = path.strip_prefix(STATEMENTS)?.strip_prefix('/')?;
    let parts: Vec<&str> = rest.split('/').collect();
    let reply = match (method, parts.as_slice()) {
        ("GET", [id]) => get_statement(s, id),
        ("POST", [id, "cancel"]) => cancel(s, id),
        ("GET", [id, "result", "chunks", index]) => get_chunk(s, id, index),
        _ => return None,
    };
    Some(reply)
}

/// The id the fake gives its n-th statement (1-based), for faults on one statement's paths.
pub fn statement_id(n: u32) -> String {
    format!("01f0fake-{n:04x}-1000-8000-{n:012x}")
}

fn bad(message: &str) -> Reply {
    api_error(400, "INVALID_PARAMETER_VALUE", message).into()
}

fn execute(s: &mut State, r: &Recorded) -> Reply {
    let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    s.sql.received.push(body.clone());
    let Some(req) = body.as_object() else {
        return api_error(
            400,
            "MALFORMED_REQUEST",
            "Invalid JSON given in the body of the request - expected a map",
        )
        .into();
    };
    let text = |name: &str| req.get(name).and_then(Value::as_str);
    let Some(statement) = text("statement").filter(|t| !t.trim().is_empty()) else {
        return bad("Missing value for required parameter 'statement'.");
    };
    let Some(warehouse_id) = text("warehouse_id").filter(|t| !t.is_empty()) else {
        return bad("Missing value for required parameter 'warehouse_id'.");
    };
    if !s.warehouses.is_empty() && !s.warehouses.iter().any(|w| w.id == warehouse_id) {
        return api_error(
            404,
            "RESOURCE_DOES_NOT_EXIST",
            &format!("Warehouse {warehouse_id} does not exist."),
        )
        .into();
    }
    let wait_timeout = text("wait_timeout").unwrap_or("10s");
    let wait_secs = wait_timeout
        .strip_suffix('s')
        .and_then(|n| n.parse::<u32>().ok());
    if !matches!(wait_secs, Some(0) | Some(5..=50)) {
        return bad(&format!(
            "wait_timeout must be 0s or between 5s and 50s, got '{wait_timeout}'"
        ));
    }
    let on_wait_timeout = text("on_wait_timeout").unwrap_or("CONTINUE");
    if !matches!(on_wait_timeout, "CONTINUE" | "CANCEL") {
        return bad(&format!("invalid on_wait_timeout '{on_wait_timeout}'"));
    }
    let disposition = text("disposition").unwrap_or("INLINE");
    if !matches!(disposition, "INLINE" | "EXTERNAL_LINKS") {
        return bad(&format!("invalid disposition '{disposition}'"));
    }
    let external = disposition == "EXTERNAL_LINKS";
    let format = text("format").unwrap_or("JSON_ARRAY");
    match (format, external) {
        ("JSON_ARRAY", _) => {}
        ("ARROW_STREAM" | "CSV", false) => {
            return bad(&format!(
                "{format} format is only supported with EXTERNAL_LINKS disposition"
            ))
        }
        ("ARROW_STREAM" | "CSV", true) => {
            return api_error(
                501,
                "NOT_IMPLEMENTED",
                "the fake workspace serves JSON_ARRAY results only",
            )
            .into()
        }
        _ => return bad(&format!("invalid format '{format}'")),
    }
    let row_limit = match req.get("row_limit") {
        None | Some(Value::Null) => None,
        Some(v) => match v
            .as_u64()
            .or_else(|| v.as_str().and_then(|t| t.parse().ok()))
        {
            Some(n) => Some(n as usize),
            None => return bad("row_limit must be a non-negative integer"),
        },
    };
    let mut bound = Vec::new();
    if let Some(params) = req.get("parameters") {
        let Some(params) = params.as_array() else {
            return bad("'parameters' must be a list");
        };
        for p in params {
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                return bad("each parameter needs a 'name'");
            };
            if let Some(v) = p.get("value") {
                if !(v.is_string() || v.is_null()) {
                    return bad(&format!("parameter '{name}': 'value' must be a string"));
                }
            }
            let ty = p.get("type").and_then(Value::as_str).unwrap_or("STRING");
            let base = ty
                .split(['<', '('])
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            if matches!(base.as_str(), "ARRAY" | "MAP" | "STRUCT") {
                return bad(&format!(
                    "parameter '{name}': type {ty} is not supported for parameters"
                ));
            }
            bound.push(name.to_string());
        }
    }

    s.sql.next_statement += 1;
    let id = statement_id(s.sql.next_statement);

    let declared = s
        .sql
        .declared
        .iter()
        .find(|(m, _)| statement.contains(m.as_str()))
        .map(|(_, r)| r.clone());
    let unbound = markers(statement)
        .into_iter()
        .find(|m| !bound.iter().any(|b| b == m));
    let (mut result, failure) = match (declared, unbound) {
        (_, Some(marker)) => (
            StatementResult::default(),
            Some((
                "BAD_REQUEST".to_string(),
                format!("[UNBOUND_SQL_PARAMETER] Found the unbound parameter: {marker}. Please, fix `args` and provide a mapping of the parameter to either a SQL literal or collection constructor functions such as `map()`, `array()`, `struct()`."),
                "42P02".to_string(),
            )),
        ),
        (None, None) => (
            StatementResult::default(),
            Some((
                "BAD_REQUEST".to_string(),
                format!("fake workspace: no result declared for this statement: {statement}"),
                "42000".to_string(),
            )),
        ),
        (Some(r), None) => {
            let failure = r.failure.clone().or_else(|| {
                (r.inline_limit_exceeded && !external).then(|| {
                    (
                        "BAD_REQUEST".to_string(),
                        "Inline byte limit exceeded. Statements executed with disposition=INLINE can have a result size of at most 26214400 bytes. Please execute the statement with disposition=EXTERNAL_LINKS if you want to download the full result.".to_string(),
                        "54000".to_string(),
                    )
                })
            });
            (r, failure)
        }
    };
    let mut truncated = result.truncated;
    if let Some(limit) = row_limit {
        if result.rows.len() > limit {
            result.rows.truncate(limit);
            truncated = true;
        }
    }
    let layout = layout(result.rows.len(), result.chunks);
    let slow = result.polls > 0 || result.never_finishes;
    let mut st = Statement {
        id: id.clone(),
        polls_left: result.polls,
        external,
        state: "PENDING",
        final_state: if failure.is_some() {
            "FAILED"
        } else {
            "SUCCEEDED"
        },
        failure,
        truncated,
        layout,
        issued: BTreeMap::new(),
        result,
    };
    let hold = (st.result.hold_submit && slow)
        .then(|| Duration::from_secs(u64::from(wait_secs.unwrap_or(0))))
        .filter(|d| !d.is_zero());
    let response = if wait_secs == Some(0) || slow {
        if wait_secs != Some(0) && on_wait_timeout == "CANCEL" && st.result.never_finishes {
            // The wait ran out before the statement finished, and the client asked to cancel.
            st.state = "CANCELED";
            status_only(&st)
        } else {
            st.state = "RUNNING";
            json!({ "statement_id": id, "status": { "state": "PENDING" } })
        }
    } else {
        st.state = st.final_state;
        full_response(&mut s.sql, &s.base_url, &mut st)
    };
    s.sql.statements.insert(id, st);
    Reply {
        response: json_response(200, &response),
        delay: hold,
    }
}

/// Named parameter markers (`:name`) outside string literals, quoted identifiers and comments.
/// A ':' right after an identifier, ')' or ']' is Databricks' JSON path operator, and `::` is
/// a cast; neither is a marker.
fn markers(sql: &str) -> Vec<String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' | '`' => {
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&':') => i += 1,
            ':' => {
                let prev = if i == 0 { ' ' } else { chars[i - 1] };
                let after_value = prev.is_alphanumeric() || matches!(prev, '_' | ')' | ']' | ':');
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
                    end += 1;
                }
                let name: String = chars[start..end].iter().collect();
                let starts_ok = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_');
                if !after_value && starts_ok && !found.contains(&name) {
                    found.push(name);
                }
                i = end.max(i + 1) - 1;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// (row_offset, row_count) of each chunk: rows split evenly, the first chunks one longer.
fn layout(rows: usize, chunks: u32) -> Vec<(usize, usize)> {
    if rows == 0 {
        return Vec::new();
    }
    let n = (chunks.max(1) as usize).min(rows);
    let (base, extra) = (rows / n, rows % n);
    let mut offset = 0;
    (0..n)
        .map(|i| {
            let count = base + usize::from(i < extra);
            let chunk = (offset, count);
            offset += count;
            chunk
        })
        .collect()
}

fn status_only(st: &Statement) -> Value {
    let mut status = json!({ "state": st.state });
    if st.state == "FAILED" {
        if let Some((code, message, sql_state)) = &st.failure {
            status["error"] = json!({ "error_code": code, "message": message });
            status["sql_state"] = json!(sql_state);
        }
    }
    json!({ "statement_id": st.id, "status": status })
}

fn full_response(sql: &mut SqlState, base_url: &str, st: &mut Statement) -> Value {
    let mut response = status_only(st);
    if st.state != "SUCCEEDED" {
        return response;
    }
    response["manifest"] = manifest(st);
    if !st.layout.is_empty() {
        response["result"] = chunk_data(sql, base_url, st, 0);
    }
    response
}

fn type_parts(ty: &str) -> (String, String) {
    let name = ty
        .split(['<', '('])
        .next()
        .unwrap_or(ty)
        .trim()
        .to_ascii_uppercase();
    (name, ty.to_string())
}

fn rows_json(st: &Statement, chunk: usize) -> Value {
    let (offset, count) = st.layout[chunk];
    json!(st.result.rows[offset..offset + count])
}

fn manifest(st: &Statement) -> Value {
    let columns: Vec<Value> = st
        .result
        .columns
        .iter()
        .enumerate()
        .map(|(position, (name, ty))| {
            let (type_name, type_text) = type_parts(ty);
            json!({ "name": name, "position": position, "type_name": type_name, "type_text": type_text })
        })
        .collect();
    let chunks: Vec<Value> = st
        .layout
        .iter()
        .enumerate()
        .map(|(i, (offset, count))| {
            let mut c = json!({ "chunk_index": i, "row_offset": offset, "row_count": count });
            if st.external {
                c["byte_count"] = json!(rows_json(st, i).to_string().len());
            }
            c
        })
        .collect();
    let mut m = json!({
        "format": "JSON_ARRAY",
        "schema": { "column_count": columns.len(), "columns": columns },
        "total_chunk_count": st.layout.len(),
        "chunks": chunks,
        "total_row_count": st.result.rows.len(),
        "truncated": st.truncated,
    });
    if st.external {
        let bytes: usize = (0..st.layout.len())
            .map(|i| rows_json(st, i).to_string().len())
            .sum();
        m["total_byte_count"] = json!(bytes);
    }
    m
}

/// The ResultData of one chunk: rows inline, or one fresh external link.
fn chunk_data(sql: &mut SqlState, base_url: &str, st: &mut Statement, chunk: usize) -> Value {
    let (offset, count) = st.layout[chunk];
    let next = (chunk + 1 < st.layout.len()).then(|| {
        (
            chunk + 1,
            format!(
                "{STATEMENTS}/{}/result/chunks/{}?row_offset={}",
                st.id,
                chunk + 1,
                offset + count
            ),
        )
    });
    if !st.external {
        let mut data = json!({
            "chunk_index": chunk,
            "row_offset": offset,
            "row_count": count,
            "data_array": rows_json(st, chunk),
        });
        if let Some((index, link)) = next {
            data["next_chunk_index"] = json!(index);
            data["next_chunk_internal_link"] = json!(link);
        }
        return data;
    }
    sql.next_link += 1;
    let sig = format!("SECRETSIG-{}", sql.next_link);
    let generation = st.issued.entry(chunk).or_insert(0);
    sql.links.insert(
        sig.clone(),
        (st.id.clone(), chunk, *generation, Instant::now()),
    );
    let lifetime = Duration::from_millis(st.result.link_lifetime_ms.unwrap_or(15 * 60 * 1000));
    *generation += 1;
    let mut link = json!({
        "chunk_index": chunk,
        "row_offset": offset,
        "row_count": count,
        "byte_count": rows_json(st, chunk).to_string().len(),
        "external_link": format!("{base_url}{PRESIGNED}{}/{chunk}?sig={sig}", st.id),
        "expiration": rfc3339(SystemTime::now() + lifetime),
        "http_headers": { PRESIGNED_HEADER.0: PRESIGNED_HEADER.1 },
    });
    if let Some((index, internal)) = next {
        link["next_chunk_index"] = json!(index);
        link["next_chunk_internal_link"] = json!(internal);
    }
    json!({ "external_links": [link] })
}

fn no_statement(id: &str) -> Reply {
    api_error(
        404,
        "NOT_FOUND",
        &format!("Statement {id} does not exist or has expired."),
    )
    .into()
}

/// Takes the statement out of the map for the duration of a call (so that the SQL state can be
/// borrowed mutably alongside), and puts it back.
fn with_statement(
    s: &mut State,
    id: &str,
    f: impl FnOnce(&mut SqlState, &str, &mut Statement) -> Reply,
) -> Reply {
    let Some(mut st) = s.sql.statements.remove(id) else {
        return no_statement(id);
    };
    let reply = f(&mut s.sql, &s.base_url, &mut st);
    s.sql.statements.insert(id.to_string(), st);
    reply
}

fn get_statement(s: &mut State, id: &str) -> Reply {
    with_statement(s, id, |sql, base, st| {
        if !st.terminal() {
            if st.result.never_finishes || st.polls_left > 0 {
                st.polls_left = st.polls_left.saturating_sub(1);
                return json_response(
                    200,
                    &json!({ "statement_id": st.id, "status": { "state": "RUNNING" } }),
                )
                .into();
            }
            st.state = st.final_state;
        }
        json_response(200, &full_response(sql, base, st)).into()
    })
}

fn cancel(s: &mut State, id: &str) -> Reply {
    s.sql.cancels.push(id.to_string());
    with_statement(s, id, |_, _, st| {
        if !st.terminal() {
            st.state = "CANCELED";
        }
        json_response(200, &json!({})).into()
    })
}

fn get_chunk(s: &mut State, id: &str, index: &str) -> Reply {
    with_statement(s, id, |sql, base, st| {
        if st.state != "SUCCEEDED" {
            return bad(&format!(
                "Statement {} is in state {}; results are available only for SUCCEEDED statements.",
                st.id, st.state
            ));
        }
        let Some(chunk) = index.parse::<usize>().ok().filter(|i| *i < st.layout.len()) else {
            return bad(&format!(
                "chunk_index {index} is out of range: the result has {} chunk(s)",
                st.layout.len()
            ));
        };
        let delay = if st.external {
            None
        } else {
            chunk_delay(st, chunk)
        };
        Reply {
            response: json_response(200, &chunk_data(sql, base, st, chunk)),
            delay,
        }
    })
}

fn chunk_delay(st: &Statement, chunk: usize) -> Option<Duration> {
    st.result
        .chunk_delays_ms
        .get(chunk)
        .filter(|ms| **ms > 0)
        .map(|ms| Duration::from_millis(*ms))
}

pub(super) fn s3_error(status: u16, code: &str, message: &str) -> Reply {
    raw_response(
        status,
        "application/xml",
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>FAKE0000</RequestId></Error>"),
    )
    .into()
}

/// GET /presigned/{statement}/{chunk}?sig=...: the chunk as a JSON array of rows. Like a cloud
/// store, it wants the link's headers and refuses an Authorization header.
fn presigned(s: &mut State, rest: &str, r: &Recorded) -> Reply {
    let sig = r.query_param("sig").unwrap_or_default();
    let Some((stmt, chunk, generation, issued)) = s.sql.links.get(&sig).cloned() else {
        return s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    };
    if rest != format!("{stmt}/{chunk}") {
        return s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    if r.header("authorization").is_some() {
        return s3_error(
            400,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
        );
    }
    if r.header(PRESIGNED_HEADER.0) != Some(PRESIGNED_HEADER.1) {
        return s3_error(
            403,
            "SignatureDoesNotMatch",
            "There were headers present in the request which were not signed",
        );
    }
    let Some(st) = s.sql.statements.get(&stmt) else {
        return s3_error(404, "NoSuchKey", "The specified key does not exist.");
    };
    let outlived = st
        .result
        .link_lifetime_ms
        .is_some_and(|ms| issued.elapsed() > Duration::from_millis(ms));
    if (st.result.expire_links_once && generation == 0) || outlived {
        return s3_error(403, "AccessDenied", "Request has expired");
    }
    Reply {
        response: raw_response(
            200,
            "application/octet-stream",
            rows_json(st, chunk).to_string(),
        ),
        delay: chunk_delay(st, chunk),
    }
}
