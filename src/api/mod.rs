//! One module per Databricks REST API; each turns HTTP calls into typed results.

pub mod experiments;
pub mod scim;
pub mod statements;
pub mod trace_locations;
pub mod trace_metrics;
pub mod traces;
pub mod unity_catalog;
pub mod warehouses;
pub mod workspace;

use serde::{Deserialize, Deserializer};

/// Percent-encodes a value for one URL path segment, so that no name or id, whatever it holds
/// ('/', '..', '?', '#', non-ASCII letters), can change which endpoint a request reaches.
pub fn path_segment(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    #[test]
    fn path_segments_cannot_escape() {
        assert_eq!(
            super::path_segment("abc/../x?y#z"),
            "abc%2F..%2Fx%3Fy%23z".replace("..", "%2E%2E")
        );
        assert_eq!(super::path_segment("tr\u{e4}nen-1_2"), "tr%C3%A4nen-1_2");
    }
}
