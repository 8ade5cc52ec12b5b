//! Decoding the error bodies Databricks, MLflow and the proxies in front of them send.
//! Shapes from databricks-sdk-go `apierr/errors.go` and databricks-sdk-py
//! `errors/deserializer.py` (docs/databricks-api.md §1.4).

use serde_json::Value;

/// What an error response said, whatever its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    pub error_code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
}

pub fn decode_error_body(status: u16, reason: &str, body: &[u8]) -> ErrorBody {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let decoded = if trimmed.is_empty() {
        None
    } else if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed) {
        decode_json(&map)
    } else if looks_like_html(trimmed) {
        decode_html(trimmed)
    } else {
        Some(decode_plain(trimmed))
    };
    let mut body = decoded.unwrap_or_else(|| ErrorBody {
        error_code: None,
        message: String::new(),
        request_id: None,
    });
    if body.message.is_empty() {
        body.message = if reason.is_empty() {
            format!("HTTP {status}")
        } else {
            reason.to_string()
        };
    }
    body.message = crate::display::one_line(&body.message);
    body
}

fn decode_json(map: &serde_json::Map<String, Value>) -> Option<ErrorBody> {
    // Legacy endpoints put the HTTP status, a number, in error_code: treat it as absent.
    let error_code = map
        .get("error_code")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            map.get("scimType")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    let message = ["message", "error", "detail", "error_description"]
        .iter()
        .find_map(|k| map.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string();
    let request_id = map
        .get("details")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|d| d.get("request_id").and_then(Value::as_str))
        .map(str::to_string);
    Some(ErrorBody {
        error_code,
        message,
        request_id,
    })
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(200)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.contains("<title>")
        || head.contains("<pre>")
}

fn decode_html(text: &str) -> Option<ErrorBody> {
    let message = between(text, "<pre>", "</pre>")
        .or_else(|| between(text, "<title>", "</title>"))
        .map(strip_tags)
        .unwrap_or_else(|| "an HTML error page".to_string());
    Some(decode_plain(&message))
}

/// `ERROR_CODE: message`, or just a message.
fn decode_plain(text: &str) -> ErrorBody {
    if let Some((code, rest)) = text.split_once(": ") {
        if !code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
            return ErrorBody {
                error_code: Some(code.to_string()),
                message: rest.to_string(),
                request_id: None,
            };
        }
    }
    ErrorBody {
        error_code: None,
        message: text.to_string(),
        request_id: None,
    }
}

/// The `<Code>` of a cloud storage error (S3, Azure Blob, GCS all use it), and nothing else of
/// the body, which can echo the request's signing material.
pub fn storage_error_code(reason: &str, body: &[u8]) -> ErrorBody {
    let text = String::from_utf8_lossy(body);
    let code = between(&text, "<code>", "</code>")
        .map(str::trim)
        .filter(|c| {
            !c.is_empty() && c.len() <= 64 && c.chars().all(|ch| ch.is_ascii_alphanumeric())
        })
        .map(str::to_string);
    ErrorBody {
        message: format!(
            "{} (the storage service's message is not shown: it can contain signing details)",
            if reason.is_empty() { "refused" } else { reason }
        ),
        error_code: code,
        request_id: None,
    }
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find(open)? + open.len();
    let end = lower[start..].find(close)? + start;
    Some(&text[start..end])
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_json_with_request_id() {
        let b = decode_error_body(
            404,
            "Not Found",
            br#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no such\nexperiment","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","request_id":"r-1"}]}"#,
        );
        assert_eq!(b.error_code.as_deref(), Some("RESOURCE_DOES_NOT_EXIST"));
        assert_eq!(b.message, "no such experiment");
        assert_eq!(b.request_id.as_deref(), Some("r-1"));
    }

    #[test]
    fn numeric_error_code_is_ignored_and_legacy_error_is_read() {
        let b = decode_error_body(
            400,
            "Bad Request",
            br#"{"error_code":400,"error":"bad thing"}"#,
        );
        assert_eq!(b.error_code, None);
        assert_eq!(b.message, "bad thing");
    }

    #[test]
    fn scim_plain_html_and_empty() {
        let b = decode_error_body(
            403,
            "Forbidden",
            br#"{"detail":"nope","status":"403","scimType":"x"}"#,
        );
        assert_eq!(b.message, "nope");
        let b = decode_error_body(400, "Bad Request", b"INVALID_STATE: it is broken");
        assert_eq!(b.error_code.as_deref(), Some("INVALID_STATE"));
        assert_eq!(b.message, "it is broken");
        let b = decode_error_body(502, "Bad Gateway", b"<html><head><title>502 Bad Gateway</title></head><body><pre>upstream\n died</pre></body></html>");
        assert_eq!(b.message, "upstream died");
        let b = decode_error_body(
            404,
            "Not Found",
            b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>",
        );
        assert_eq!(b.message, "404 Not Found");
        let b = decode_error_body(503, "Service Unavailable", b"");
        assert_eq!(b.message, "Service Unavailable");
        let b = decode_error_body(599, "", b"  ");
        assert_eq!(b.message, "HTTP 599");
    }

    #[test]
    fn storage_errors_keep_only_their_code() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><AWSAccessKeyId>AKIASECRET</AWSAccessKeyId><StringToSign>x</StringToSign></Error>";
        let b = storage_error_code("Forbidden", body);
        assert_eq!(b.error_code.as_deref(), Some("SignatureDoesNotMatch"));
        assert!(!b.message.contains("AKIASECRET"), "{}", b.message);
    }

    #[test]
    fn long_messages_are_bounded() {
        let body = "x".repeat(5000);
        let b = decode_error_body(500, "", body.as_bytes());
        assert!(b.message.chars().count() <= crate::display::MAX_MESSAGE_CHARS + 1);
    }
}
