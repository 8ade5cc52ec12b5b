//! How result times and durations look to people: `2026-11-30 10:00:00.123Z` (or local time
//! with `--local`), durations in the unit that reads best. Machine formats keep the exact text.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::time::{format_compact, local_offset_seconds, parse_timestamp_micros};

static LOCAL: AtomicBool = AtomicBool::new(false);

/// `--local`: show times in the local time zone.
pub fn configure(local: bool) {
    LOCAL.store(local, Ordering::Relaxed);
}

/// A result timestamp for a table; text that is not a timestamp is shown as it is.
pub fn shown(text: &str) -> String {
    match parse_timestamp_micros(text) {
        Some(micros) => shown_micros(micros),
        None => text.to_string(),
    }
}

pub fn shown_micros(micros: i64) -> String {
    let offset = if LOCAL.load(Ordering::Relaxed) {
        local_offset_seconds(micros)
    } else {
        0
    };
    format_compact(micros, offset)
}

/// `850ms`, `1.25s`, `2m03s`, `1h02m`.
pub fn duration(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "?".into();
    }
    if ms < 1000.0 {
        return format!("{ms:.0}ms");
    }
    let s = ms / 1000.0;
    if s < 60.0 {
        return format!("{s:.2}s");
    }
    let s = s.round() as u64;
    if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    }
}

/// Whether to colour stdout: a terminal, and no `NO_COLOR` (https://no-color.org).
pub fn colour() -> bool {
    super::stdout_is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times() {
        assert_eq!(duration(850.4), "850ms");
        assert_eq!(duration(1250.0), "1.25s");
        assert_eq!(duration(123_000.0), "2m03s");
        assert_eq!(duration(3_720_000.0), "1h02m");
        assert_eq!(
            shown("2026-11-30T10:00:00.123Z"),
            "2026-11-30 10:00:00.123Z"
        );
        assert_eq!(shown("not a time"), "not a time");
    }
}
