//! SQL Warehouses API and the workspace default-warehouse setting
//! (docs/databricks-api.md §2.7).

use serde::Deserialize;

use crate::http::{Client, HttpError};

#[derive(Debug, Clone, Deserialize)]
pub struct Warehouse {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Deserialize)]
struct ListResponse {
    #[serde(default)]
    warehouses: Vec<Warehouse>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct Setting {
    string_val: Option<StringVal>,
}

#[derive(Deserialize)]
struct StringVal {
    value: Option<String>,
}

/// Pages of the warehouse list followed at most (10,000 warehouses at 100 a page): a server that
/// keeps handing out page tokens must not keep tracecfg asking forever.
pub const MAX_PAGES: usize = 100;

/// The warehouses the caller can see, following pages; `complete` is false when the list went
/// on past `MAX_PAGES` pages and was cut there.
pub struct Listed {
    pub warehouses: Vec<Warehouse>,
    pub complete: bool,
}

/// The warehouses the caller can see, following at most `MAX_PAGES` pages.
pub async fn list(client: &Client) -> Result<Listed, HttpError> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut query = vec![("page_size", "100")];
        if let Some(t) = token.as_deref() {
            query.push(("page_token", t));
        }
        let page: ListResponse = client.get_json("/api/2.0/sql/warehouses", &query).await?;
        all.extend(page.warehouses);
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => {
                return Ok(Listed {
                    warehouses: all,
                    complete: true,
                })
            }
        }
    }
    Ok(Listed {
        warehouses: all,
        complete: false,
    })
}

/// One warehouse, or `None` when it does not exist.
pub async fn get(client: &Client, id: &str) -> Result<Option<Warehouse>, HttpError> {
    let path = format!("/api/2.0/sql/warehouses/{}", super::path_segment(id));
    match client.get_json::<Warehouse>(&path, &[]).await {
        Ok(w) => Ok(Some(w)),
        Err(e) if e.is_missing_resource() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The workspace's default warehouse, if one is set (404 or an empty value means none).
pub async fn default_warehouse_id(client: &Client) -> Result<Option<String>, HttpError> {
    match client
        .get_json::<Setting>(
            "/api/2.0/settings/types/default_warehouse_id/names/default",
            &[],
        )
        .await
    {
        Ok(s) => Ok(s.string_val.and_then(|v| v.value).filter(|v| !v.is_empty())),
        // No setting, or a workspace without the settings API: no default either way.
        Err(e) if e.is_missing_resource() || e.is_missing_endpoint() => Ok(None),
        Err(e) => Err(e),
    }
}
