//! When to try a request again, and how long to wait first.
//!
//! Retried: HTTP 429 and 503, and the error codes that mean "too many requests" or
//! "temporarily unavailable" whatever the status (databricks-sdk-go `apierr/error_mapping.go`;
//! docs/databricks-api.md §5.6). `Retry-After` is honoured (databricks-sdk-py honours it in
//! integer seconds only, §5.3; here an HTTP date works too) as a lower bound: the wait is the
//! longer of it and the exponential backoff with jitter (at most 10 s), as databricks-sdk-go does
//! for token requests (§5.2). So `Retry-After: 0`, or a date in the past, cannot turn retries
//! into a tight loop.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

const MAX_BACKOFF: Duration = Duration::from_secs(10);

const RETRYABLE_CODES: &[&str] = &[
    "REQUEST_LIMIT_EXCEEDED",
    "RESOURCE_EXHAUSTED",
    "TEMPORARILY_UNAVAILABLE",
];

pub fn is_retryable_response(status: u16, error_code: Option<&str>) -> bool {
    status == 429 || status == 503 || error_code.is_some_and(|c| RETRYABLE_CODES.contains(&c))
}

/// The wait the server asked for, if it asked.
/// Capped at a day: anything longer than the retry budget only means "give up", and unbounded
/// values would overflow time arithmetic.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let asked = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds.min(MAX_RETRY_AFTER.as_secs())),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        }
    };
    Some(asked.min(MAX_RETRY_AFTER))
}

const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// How long to wait before retry number `retry_number` (1 for the first retry): the server's
/// `Retry-After` if it asked for longer than the backoff, else the backoff.
pub fn wait_before_retry(retry_number: u32, asked: Option<Duration>) -> Duration {
    let backoff = backoff(retry_number);
    asked.map_or(backoff, |asked| asked.max(backoff))
}

/// Exponential backoff from 1 s for the first retry, with jitter, never above 10 s.
fn backoff(retry_number: u32) -> Duration {
    let base = Duration::from_secs(1u64 << retry_number.saturating_sub(1).min(4));
    let jitter = Duration::from_millis(fastrand::u64(50..=750));
    (base + jitter).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retryable_statuses_and_codes() {
        assert!(is_retryable_response(429, None));
        assert!(is_retryable_response(503, None));
        assert!(is_retryable_response(400, Some("REQUEST_LIMIT_EXCEEDED")));
        assert!(is_retryable_response(500, Some("TEMPORARILY_UNAVAILABLE")));
        assert!(!is_retryable_response(500, Some("INTERNAL_ERROR")));
        assert!(!is_retryable_response(504, None));
        assert!(!is_retryable_response(403, None));
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("18446744073709551615"),
        );
        assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        h.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(
            wait > Duration::from_secs(27) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn retry_after_is_a_lower_bound_on_the_backoff() {
        assert_eq!(
            wait_before_retry(1, Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
        for asked in [None, Some(Duration::ZERO)] {
            let wait = wait_before_retry(1, asked);
            assert!(wait >= Duration::from_secs(1), "{asked:?}: {wait:?}");
        }
        assert!(wait_before_retry(4, Some(Duration::from_secs(1))) >= Duration::from_secs(8));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1) >= Duration::from_secs(1) && backoff(1) < Duration::from_secs(2));
        assert!(backoff(3) >= Duration::from_secs(4));
        assert_eq!(backoff(10), MAX_BACKOFF);
    }
}
