//! Checks of the fake workspace itself, over plain HTTP: the SQL statement lifecycle (which no
//! command uses yet), warehouses, OAuth and the fault counters. If these fail, the other
//! integration tests cannot be trusted.

use std::time::{Duration, Instant};

use crate::fake::{Api, FakeWorkspace, Fault, StatementResult, TOKEN};
use serde_json::{json, Value};

fn rows(n: usize) -> Vec<Vec<Option<String>>> {
    (0..n)
        .map(|i| vec![Some(format!("id-{i}")), (i % 2 == 0).then(|| i.to_string())])
        .collect()
}

#[tokio::test]
async fn inline_result_with_polls_and_chunks() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "FROM traces",
        StatementResult {
            columns: vec![
                ("trace_id".into(), "STRING".into()),
                ("n".into(), "LONG".into()),
            ],
            rows: rows(7),
            polls: 2,
            chunks: 3,
            ..Default::default()
        },
    );
    let api = Api::new(&ws);
    let v = api
        .execute(json!({"statement": "SELECT * FROM traces", "warehouse_id": "w1", "wait_timeout": "0s"}))
        .await;
    assert_eq!(v["status"]["state"], "PENDING");
    assert!(v.get("manifest").is_none());
    let id = v["statement_id"].as_str().unwrap().to_string();
    let path = format!("/api/2.0/sql/statements/{id}");
    for _ in 0..2 {
        let (_, v) = api.get(&path).await;
        assert_eq!(v["status"]["state"], "RUNNING");
    }
    let (_, v) = api.get(&path).await;
    assert_eq!(v["status"]["state"], "SUCCEEDED", "{v}");
    let m = &v["manifest"];
    assert_eq!(m["total_chunk_count"], 3);
    assert_eq!(m["total_row_count"], 7);
    assert_eq!(m["schema"]["columns"][1]["type_name"], "LONG");
    assert_eq!(m["schema"]["columns"][1]["position"], 1);
    assert_eq!(
        m["chunks"],
        json!([
            {"chunk_index": 0, "row_offset": 0, "row_count": 3},
            {"chunk_index": 1, "row_offset": 3, "row_count": 2},
            {"chunk_index": 2, "row_offset": 5, "row_count": 2},
        ])
    );
    let r = &v["result"];
    assert_eq!(
        r["data_array"],
        json!([["id-0", "0"], ["id-1", null], ["id-2", "2"]])
    );
    assert_eq!(r["next_chunk_index"], 1);
    let next = r["next_chunk_internal_link"].as_str().unwrap().to_string();
    assert!(
        next.starts_with(&format!("{path}/result/chunks/1")),
        "{next}"
    );
    let (_, c1) = api.get(&next).await;
    assert_eq!(c1["row_offset"], 3);
    assert_eq!(c1["data_array"], json!([["id-3", null], ["id-4", "4"]]));
    let (_, c2) = api
        .get(c1["next_chunk_internal_link"].as_str().unwrap())
        .await;
    assert_eq!(c2["data_array"], json!([["id-5", null], ["id-6", "6"]]));
    assert!(c2.get("next_chunk_index").is_none());
    let (status, _) = api.get(&format!("{path}/result/chunks/3")).await;
    assert_eq!(status, 400);
    assert_eq!(ws.statements().len(), 1);
}

#[tokio::test]
async fn synchronous_result_types_and_row_limit() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "SELECT",
        StatementResult::table(
            &[("attrs", "MAP<STRING,STRING>"), ("amount", "DECIMAL(10,2)")],
            &[
                &[Some("{\"a\":\"1\"}"), None],
                &[None, Some("1.50")],
                &[None, None],
            ],
        ),
    );
    let api = Api::new(&ws);
    let v = api
        .execute(json!({"statement": "SELECT 1", "warehouse_id": "w", "row_limit": 2}))
        .await;
    assert_eq!(v["status"]["state"], "SUCCEEDED");
    let col = &v["manifest"]["schema"]["columns"][0];
    assert_eq!(
        (col["type_name"].as_str(), col["type_text"].as_str()),
        (Some("MAP"), Some("MAP<STRING,STRING>"))
    );
    assert_eq!(
        v["manifest"]["schema"]["columns"][1]["type_name"],
        "DECIMAL"
    );
    assert_eq!(v["manifest"]["truncated"], true);
    assert_eq!(v["manifest"]["total_row_count"], 2);
    assert_eq!(
        v["result"]["data_array"],
        json!([["{\"a\":\"1\"}", null], [null, "1.50"]])
    );
}

#[tokio::test]
async fn failures_unbound_parameters_and_undeclared_statements() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "boom",
        StatementResult::failed("BAD_REQUEST", "[TABLE_OR_VIEW_NOT_FOUND] nope", "42P01"),
    );
    ws.declare_result(
        "FROM t",
        StatementResult::table(&[("x", "STRING")], &[&[Some("1")]]),
    );
    let api = Api::new(&ws);
    let v = api
        .execute(json!({"statement": "SELECT boom", "warehouse_id": "w"}))
        .await;
    assert_eq!(v["status"]["state"], "FAILED");
    assert_eq!(
        v["status"]["error"]["message"],
        "[TABLE_OR_VIEW_NOT_FOUND] nope"
    );
    assert_eq!(v["status"]["sql_state"], "42P01");

    let unbound = api
        .execute(json!({"statement": "SELECT x FROM t WHERE u = :user AND ts > :since", "warehouse_id": "w",
                        "parameters": [{"name": "user", "value": "u1"}]}))
        .await;
    assert_eq!(unbound["status"]["state"], "FAILED");
    let msg = unbound["status"]["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("UNBOUND_SQL_PARAMETER") && msg.contains("since"),
        "{msg}"
    );

    // Casts, JSON paths, literals and comments hold no markers.
    let ok = api
        .execute(json!({"statement": "SELECT x::string, attrs:foo, '10:30', `a:b` -- :c\n FROM t WHERE u = :user",
                        "warehouse_id": "w", "parameters": [{"name": "user", "value": null}]}))
        .await;
    assert_eq!(ok["status"]["state"], "SUCCEEDED", "{ok}");

    let none = api
        .execute(json!({"statement": "SELECT 42", "warehouse_id": "w"}))
        .await;
    assert_eq!(none["status"]["state"], "FAILED");
    assert!(none["status"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no result declared"));

    let (status, v) = api
        .post(
            "/api/2.0/sql/statements",
            json!({"statement": "SELECT x FROM t", "warehouse_id": "w", "wait_timeout": "3s"}),
        )
        .await;
    assert_eq!(
        (status, v["error_code"].as_str()),
        (400, Some("INVALID_PARAMETER_VALUE"))
    );
    let (status, _) = api
        .post("/api/2.0/sql/statements", json!({"statement": "SELECT x FROM t", "warehouse_id": "w", "parameters": [{"name": "m", "type": "MAP<STRING,STRING>", "value": "x"}]}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(ws.statements().len(), 6);
}

#[tokio::test]
async fn empty_results_and_synchronous_polls() {
    let ws = FakeWorkspace::start();
    ws.declare_result("empty", StatementResult::table(&[("x", "STRING")], &[]));
    ws.declare_result(
        "slowish",
        StatementResult {
            polls: 1,
            ..StatementResult::table(&[("x", "STRING")], &[&[Some("1")]])
        },
    );
    let api = Api::new(&ws);
    let v = api
        .execute(json!({"statement": "SELECT empty", "warehouse_id": "w"}))
        .await;
    assert_eq!(v["status"]["state"], "SUCCEEDED");
    assert_eq!(v["manifest"]["total_chunk_count"], 0);
    assert_eq!(v["manifest"]["total_row_count"], 0);
    assert!(v.get("result").is_none(), "{v}");
    // polls > 0 answers PENDING even in the synchronous CANCEL mode; only never_finishes is
    // cancelled by the wait.
    let v = api
        .execute(json!({"statement": "SELECT slowish", "warehouse_id": "w", "wait_timeout": "50s", "on_wait_timeout": "CANCEL"}))
        .await;
    assert_eq!(v["status"]["state"], "PENDING");
    let path = format!(
        "/api/2.0/sql/statements/{}",
        v["statement_id"].as_str().unwrap()
    );
    assert_eq!(api.get(&path).await.1["status"]["state"], "RUNNING");
    let (_, v) = api.get(&path).await;
    assert_eq!(v["result"]["data_array"], json!([["1"]]));
    assert_eq!(
        ws.statement_state(v["statement_id"].as_str().unwrap())
            .as_deref(),
        Some("SUCCEEDED")
    );
}

#[tokio::test]
async fn never_finishing_statement_is_cancelled() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "slow",
        StatementResult {
            never_finishes: true,
            ..Default::default()
        },
    );
    let api = Api::new(&ws);
    let v = api
        .execute(json!({"statement": "SELECT slow", "warehouse_id": "w"}))
        .await;
    assert_eq!(v["status"]["state"], "PENDING");
    let id = v["statement_id"].as_str().unwrap().to_string();
    let path = format!("/api/2.0/sql/statements/{id}");
    for _ in 0..3 {
        assert_eq!(api.get(&path).await.1["status"]["state"], "RUNNING");
    }
    let (status, _) = api.post(&format!("{path}/cancel"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(api.get(&path).await.1["status"]["state"], "CANCELED");
    assert_eq!(ws.cancels(), vec![id]);

    // With on_wait_timeout=CANCEL the wait runs out and the statement is cancelled.
    let v = api
        .execute(json!({"statement": "SELECT slow", "warehouse_id": "w", "wait_timeout": "5s", "on_wait_timeout": "CANCEL"}))
        .await;
    assert_eq!(v["status"]["state"], "CANCELED");
}

#[tokio::test]
async fn inline_limit_and_external_links() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "big",
        StatementResult {
            columns: vec![
                ("trace_id".into(), "STRING".into()),
                ("n".into(), "LONG".into()),
            ],
            rows: rows(4),
            chunks: 2,
            inline_limit_exceeded: true,
            expire_links_once: true,
            ..Default::default()
        },
    );
    let api = Api::new(&ws);
    let inline = api
        .execute(json!({"statement": "SELECT big", "warehouse_id": "w"}))
        .await;
    assert_eq!(inline["status"]["state"], "FAILED");
    assert_eq!(inline["status"]["error"]["error_code"], "BAD_REQUEST");
    assert!(inline["status"]["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Inline byte limit exceeded"));

    let v = api
        .execute(json!({"statement": "SELECT big", "warehouse_id": "w", "disposition": "EXTERNAL_LINKS", "format": "JSON_ARRAY"}))
        .await;
    assert_eq!(v["status"]["state"], "SUCCEEDED", "{v}");
    let id = v["statement_id"].as_str().unwrap().to_string();
    let link = &v["result"]["external_links"][0];
    assert!(v["result"].get("data_array").is_none());
    assert_eq!(link["http_headers"]["x-amz-fake"], "presigned-header-value");
    let expiration = link["expiration"].as_str().unwrap();
    assert!(
        expiration.len() == 24 && expiration.ends_with('Z'),
        "{expiration}"
    );
    let url = link["external_link"].as_str().unwrap().to_string();
    assert!(url.contains("sig=SECRETSIG-"), "{url}");
    let fetch = |url: String, with_header: bool, with_auth: bool| {
        let http = api.http.clone();
        async move {
            let mut req = http.get(url);
            if with_header {
                req = req.header("x-amz-fake", "presigned-header-value");
            }
            if with_auth {
                req = req.bearer_auth(TOKEN);
            }
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    // The first link of each chunk has expired.
    let (status, body) = fetch(url.clone(), true, false).await;
    assert_eq!(status, 403);
    assert!(body.contains("Request has expired"), "{body}");
    let (_, fresh) = api
        .get(&format!("/api/2.0/sql/statements/{id}/result/chunks/0"))
        .await;
    let fresh_url = fresh["external_links"][0]["external_link"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(fresh_url, url);
    assert_eq!(
        fetch(fresh_url.clone(), false, false).await.0,
        403,
        "headers are required"
    );
    assert_eq!(
        fetch(fresh_url.clone(), true, true).await.0,
        400,
        "Authorization is refused"
    );
    let (status, body) = fetch(fresh_url.clone(), true, false).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!([["id-0", "0"], ["id-1", null]])
    );
    let presigned = ws.requests_to("GET", "/presigned/");
    assert_eq!(presigned.len(), 4);
    assert_eq!(
        presigned
            .iter()
            .filter(|r| r.header("authorization").is_some())
            .count(),
        1
    );
    let next = fresh["external_links"][0]["next_chunk_index"].clone();
    assert_eq!(next, 1);
}

#[tokio::test]
async fn chunks_answer_out_of_order() {
    let ws = FakeWorkspace::start();
    ws.declare_result(
        "SELECT",
        StatementResult {
            columns: vec![("x".into(), "STRING".into())],
            rows: rows(3).into_iter().map(|r| vec![r[0].clone()]).collect(),
            chunks: 3,
            chunk_delays_ms: vec![0, 400, 0],
            ..Default::default()
        },
    );
    let api = Api::new(&ws);
    let v = api
        .execute(json!({"statement": "SELECT", "warehouse_id": "w"}))
        .await;
    let id = v["statement_id"].as_str().unwrap().to_string();
    let p1 = format!("/api/2.0/sql/statements/{id}/result/chunks/1");
    let p2 = format!("/api/2.0/sql/statements/{id}/result/chunks/2");
    let started = Instant::now();
    let (a, b) = tokio::join!(
        async {
            let r = api.get(&p1).await;
            (r, started.elapsed())
        },
        async {
            let r = api.get(&p2).await;
            (r, started.elapsed())
        },
    );
    assert_eq!(a.0 .1["data_array"], json!([["id-1"]]));
    assert_eq!(b.0 .1["data_array"], json!([["id-2"]]));
    assert!(
        b.1 < a.1 && a.1 >= Duration::from_millis(400),
        "{:?} {:?}",
        a.1,
        b.1
    );
}

#[tokio::test]
async fn warehouses_and_default_setting() {
    let ws = FakeWorkspace::start();
    let api = Api::new(&ws);
    let setting = "/api/2.0/settings/types/default_warehouse_id/names/default";
    assert_eq!(api.get(setting).await.0, 404);
    ws.add_warehouse("w1", "Starter", "RUNNING");
    ws.add_warehouse("w2", "Big", "STOPPED");
    ws.set_default_warehouse("w2");
    assert_eq!(api.get(setting).await.1["string_val"]["value"], "w2");
    let (_, list) = api.get("/api/2.0/sql/warehouses").await;
    assert_eq!(list["warehouses"][1]["state"], "STOPPED");
    assert_eq!(
        api.get("/api/2.0/sql/warehouses/w1").await.1["name"],
        "Starter"
    );
    assert_eq!(api.get("/api/2.0/sql/warehouses/nope").await.0, 404);
    // With warehouses known, a statement for an unknown one is refused.
    let (status, _) = api
        .post(
            "/api/2.0/sql/statements",
            json!({"statement": "SELECT 1", "warehouse_id": "nope"}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn auth_oauth_and_faults() {
    let ws = FakeWorkspace::start();
    let http = reqwest::Client::new();
    let url = format!(
        "{}/api/2.0/mlflow/experiments/get?experiment_id=1",
        ws.url()
    );
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error_code"],
        "UNAUTHENTICATED"
    );
    assert_eq!(
        http.get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );

    let discovery = format!("{}/oidc/.well-known/oauth-authorization-server", ws.url());
    assert_eq!(
        http.get(&discovery).send().await.unwrap().status().as_u16(),
        404
    );
    ws.enable_oauth("b", "c");
    let d: Value = http
        .get(&discovery)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token_url = d["token_endpoint"].as_str().unwrap().to_string();
    assert_eq!(token_url, format!("{}/oidc/v1/token", ws.url()));
    let form = "grant_type=client_credentials&scope=all-apis";
    let bad = http
        .post(&token_url)
        .basic_auth("b", Some("wrong"))
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 401);
    let ok: Value = http
        .post(&token_url)
        .header("Authorization", "Basic Yjpj")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["access_token"], "oauth-access-1");
    let r = http
        .get(&url)
        .bearer_auth("oauth-access-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        404,
        "the issued token is accepted; experiment 1 does not exist"
    );

    // after(1).times(2): the 2nd and 3rd matching requests get the fault.
    ws.fault(
        Fault::on("GET", "/api/2.0/mlflow/experiments/get")
            .status(503)
            .after(1)
            .times(2),
    );
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            http.get(&url)
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [404, 503, 503, 404]);
    // Faults apply before authentication; every request is logged.
    ws.fault(
        Fault::on("*", "/api/2.0/mlflow/experiments/get-by-name")
            .status(418)
            .times(1),
    );
    let r = http
        .get(format!(
            "{}/api/2.0/mlflow/experiments/get-by-name",
            ws.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 418);
    // 2 unauthenticated + 1 with the OAuth token + 4 + 1 to get-by-name (a prefix match).
    assert_eq!(
        ws.requests_to("GET", "/api/2.0/mlflow/experiments/get")
            .len(),
        8
    );

    // A dropped connection breaks the body.
    ws.fault(
        Fault::on("GET", "/api/2.0/sql/warehouses")
            .drop_connection()
            .times(1),
    );
    let r = http
        .get(format!("{}/api/2.0/sql/warehouses", ws.url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.bytes().await.is_err());
}
