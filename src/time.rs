//! Time as people type it: durations (`500ms`, `30s`, `5m`, `24h`, `7d`, or bare seconds) and
//! RFC 3339 timestamps, plus formatting a point in time as RFC 3339 for SQL parameters.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses a duration, or says in one phrase what is wrong with it.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration such as 30s, 5m, 24h or 7d"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        other => {
            return Err(format!(
                "'{text}' has an unknown unit '{other}' (use ms, s, m, h or d)"
            ))
        }
    };
    if !seconds.is_finite() || seconds > 1e9 {
        return Err(format!("'{text}' is too long a duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `--since` / `--until`: a duration back from `now`, or an RFC 3339 timestamp kept as given.
pub fn parse_time_bound(text: &str, now: SystemTime) -> Result<String, String> {
    if is_rfc3339(text) {
        return Ok(text.to_string());
    }
    let ago = parse_duration(text).map_err(|_| {
        format!("'{text}' is neither a duration such as 30m, 24h or 7d nor an RFC 3339 timestamp such as 2026-11-01T00:00:00Z")
    })?;
    let at = now
        .checked_sub(ago)
        .ok_or_else(|| format!("'{text}' reaches back before 1970"))?;
    Ok(format_rfc3339(at))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with field ranges checked.
pub fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let number = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(99);
    if b.len() < 20
        || !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10))
    {
        return false;
    }
    if !(matches!(b[10], b'T' | b't' | b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19))
    {
        return false;
    }
    let (month, day, hour, minute, second) = (
        number(5..7),
        number(8..10),
        number(11..13),
        number(14..16),
        number(17..19),
    );
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// The instant an RFC 3339 timestamp names (fractions of a second dropped), or `None` when it
/// is not one or lies before 1970.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    if !is_rfc3339(text) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let local = days_from_civil(y, m, d) * 86400 + n(11..13)? * 3600 + n(14..16)? * 60 + n(17..19)?;
    let zone = &text[text.len() - 1..];
    let offset = if zone.eq_ignore_ascii_case("z") {
        0
    } else {
        let z = &text[text.len() - 6..];
        let minutes = z[1..3].parse::<i64>().ok()? * 60 + z[4..6].parse::<i64>().ok()?;
        if z.starts_with('-') {
            -minutes * 60
        } else {
            minutes * 60
        }
    };
    let secs = u64::try_from(local - offset).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// A calendar date to days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A point in time as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn format_rfc3339(at: SystemTime) -> String {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86400, secs % 86400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a calendar date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604800));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("2w").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("abc").is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(format_rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        for secs in [0u64, 951_782_400, 1_795_593_353] {
            let at = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(parse_rfc3339(&format_rfc3339(at)), Some(at));
        }
        assert_eq!(
            parse_rfc3339("2026-11-01T02:00:00.5+02:00"),
            parse_rfc3339("2026-11-01T00:00:00Z")
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(
            format_rfc3339(UNIX_EPOCH + Duration::from_secs(1_795_593_353)),
            "2026-11-25T07:55:53Z"
        );
        assert_eq!(
            format_rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        for ok in [
            "2026-11-01T00:00:00Z",
            "2026-11-01T10:20:30.123+02:00",
            "2026-11-01 10:20:30z",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2026-11-01",
            "2026-13-01T00:00:00Z",
            "2026-11-01T00:00:00",
            "2026-11-01T00:00:00.Z",
            "x' OR '1'='1",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
        let now = UNIX_EPOCH + Duration::from_secs(86400 * 2);
        assert_eq!(parse_time_bound("1d", now).unwrap(), "1970-01-02T00:00:00Z");
        assert!(parse_time_bound("yesterday", now)
            .unwrap_err()
            .contains("RFC 3339"));
    }
}
