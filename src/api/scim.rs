//! SCIM: who the credential belongs to (docs/databricks-api.md §1.8).

use serde::Deserialize;

use crate::http::{Client, HttpError};

#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    #[serde(default, rename = "userName")]
    pub user_name: Option<String>,
    #[serde(default, rename = "displayName")]
    pub display_name: Option<String>,
    #[serde(default, rename = "applicationId")]
    pub application_id: Option<String>,
}

impl Me {
    /// A user name, or a service principal's display name and application id.
    pub fn describe(&self) -> String {
        match (&self.user_name, &self.display_name, &self.application_id) {
            (_, Some(name), Some(app)) => format!("service principal {name} ({app})"),
            (Some(user), _, _) => format!("user {user}"),
            (None, Some(name), None) => name.clone(),
            _ => "an unnamed principal".to_string(),
        }
    }
}

pub async fn me(client: &Client) -> Result<Me, HttpError> {
    client.get_json("/api/2.0/preview/scim/v2/Me", &[]).await
}
