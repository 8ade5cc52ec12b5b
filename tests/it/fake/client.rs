//! A plain HTTP client for the tests of the fake itself: requests carry the fake's token, and
//! redirects are not followed.

use serde_json::Value;

use super::{FakeWorkspace, STATEMENTS, TOKEN};

pub struct Api {
    /// The client itself, for requests off the workspace (presigned links).
    pub http: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(ws: &FakeWorkspace) -> Api {
        Api {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            base: ws.url(),
        }
    }

    /// Status and body (`Value::Null` when the body is not JSON).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let r = request.send().await.expect("the fake workspace answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    /// Submits a statement; the answer must be 200.
    pub async fn execute(&self, body: Value) -> Value {
        let (status, v) = self.post(STATEMENTS, body).await;
        assert_eq!(status, 200, "{v}");
        v
    }
}
