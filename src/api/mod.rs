//! One module per Databricks REST API; each turns HTTP calls into typed results.

pub mod experiments;
pub mod scim;
pub mod statements;
pub mod trace_locations;
pub mod unity_catalog;
pub mod warehouses;
pub mod workspace;

use serde::{Deserialize, Deserializer};

/// Accepts a JSON string or number as a string: ids are strings by contract, but some servers
/// send numbers.
pub fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        S(String),
        N(serde_json::Number),
    }
    Ok(match Either::deserialize(d)? {
        Either::S(s) => s,
        Either::N(n) => n.to_string(),
    })
}
