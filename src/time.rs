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

/// Reads `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM]`; no zone means UTC, as Go's
/// `time.Parse` reads the space-separated forms databricks-sdk-go accepts from the CLI
/// ([GO] `config/cli_token_source.go` `parseExpiry`).
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let micros = u64::try_from(parse_timestamp_micros(text)?).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_micros(micros))
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

/// Microseconds since the epoch of a timestamp as the Statement Execution API renders one
/// (`2026-11-30T10:00:00.123Z`, `…123456+00:00`, or without a zone: UTC).
pub fn parse_timestamp_micros(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let n = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let days = days_from_civil(n(0..4)?, n(5..7)?, n(8..10)?);
    let mut micros = (days * 86400 + n(11..13)? * 3600 + n(14..16)? * 60 + n(17..19)?) * 1_000_000;
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        let padded = format!("{:0<6}", &fraction[..digits.min(6)]);
        micros += padded.parse::<i64>().ok()?;
        rest = &fraction[digits..];
    }
    let offset = match rest.as_bytes() {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let at = text.len() - 6;
            let minutes = n(at + 1..at + 3)? * 60 + n(at + 4..at + 6)?;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    Some(micros - offset * 60_000_000)
}

/// `2026-11-30T10:00:00.123456Z`: exact to the microsecond, for SQL parameters.
pub fn format_micros_rfc3339(micros: i64) -> String {
    let (date, time) = split_micros(micros, 0);
    format!("{date}T{time}{:06}Z", micros.rem_euclid(1_000_000))
}

/// `2026-11-30 10:00:00.123Z` (UTC), or with `offset_seconds` east of UTC
/// `2026-11-30 11:00:00.123+01:00`: compact, to the millisecond, never ambiguous.
pub fn format_compact(micros: i64, offset_seconds: i64) -> String {
    let (date, time) = split_micros(micros, offset_seconds);
    let millis = micros.rem_euclid(1_000_000) / 1000;
    let zone = if offset_seconds == 0 {
        "Z".to_string()
    } else {
        let sign = if offset_seconds < 0 { '-' } else { '+' };
        let m = offset_seconds.abs() / 60;
        format!("{sign}{:02}:{:02}", m / 60, m % 60)
    };
    format!("{date} {time}{millis:03}{zone}")
}

/// (`YYYY-MM-DD`, `HH:MM:SS.`) of a point shifted by `offset_seconds`.
fn split_micros(micros: i64, offset_seconds: i64) -> (String, String) {
    let secs = micros.div_euclid(1_000_000) + offset_seconds;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let (year, month, day) = civil_from_days(days);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!("{:02}:{:02}:{:02}.", rem / 3600, rem % 3600 / 60, rem % 60),
    )
}

/// The local time zone's offset from UTC at that point, in seconds (0 when it cannot be told).
pub fn local_offset_seconds(micros: i64) -> i64 {
    #[cfg(unix)]
    {
        let t: libc::time_t = micros.div_euclid(1_000_000) as libc::time_t;
        // SAFETY: localtime_r writes only into `tm`, which lives on this stack frame; a zeroed
        // `tm` is a valid value of the plain C struct.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        let converted = unsafe { libc::localtime_r(&t, &mut tm) };
        if !converted.is_null() {
            return tm.tm_gmtoff as i64;
        }
    }
    let _ = micros;
    0
}

/// A calendar date to days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    fn timestamps_parse_with_zone_fraction_or_neither() {
        let at = |t| parse_timestamp(t).map(format_rfc3339);
        assert_eq!(
            at("2024-03-20T10:30:00Z").as_deref(),
            Some("2024-03-20T10:30:00Z")
        );
        assert_eq!(
            at("2024-03-20T10:30:00.5+01:00").as_deref(),
            Some("2024-03-20T09:30:00Z")
        );
        assert_eq!(
            at("2024-03-20 10:30:00").as_deref(),
            Some("2024-03-20T10:30:00Z")
        );
        assert_eq!(
            at("2024-02-29 23:59:59.123456789-00:30").as_deref(),
            Some("2024-03-01T00:29:59Z")
        );
        assert_eq!(at("March 20, 2024"), None);
        assert_eq!(at(""), None);
    }

    #[test]
    fn result_timestamps_round_trip() {
        let at = parse_timestamp_micros("2026-11-30T10:00:00.123Z").unwrap();
        assert_eq!(format_compact(at, 0), "2026-11-30 10:00:00.123Z");
        assert_eq!(format_compact(at, 3600), "2026-11-30 11:00:00.123+01:00");
        assert_eq!(format_compact(at, -5400), "2026-11-30 08:30:00.123-01:30");
        assert_eq!(format_micros_rfc3339(at), "2026-11-30T10:00:00.123000Z");
        assert_eq!(
            parse_timestamp_micros("2026-11-30T11:00:00.123456+01:00"),
            Some(at + 456)
        );
        assert_eq!(
            parse_timestamp_micros("1970-01-01 00:00:01"),
            Some(1_000_000)
        );
        assert_eq!(
            format_compact(parse_timestamp_micros("1969-12-31T23:59:59.5Z").unwrap(), 0),
            "1969-12-31 23:59:59.500Z"
        );
        for bad in [
            "",
            "2026-11-30",
            "2026-11-30T10:00:00+0100",
            "x026-11-30T10:00:00Z",
        ] {
            assert_eq!(parse_timestamp_micros(bad), None, "{bad}");
        }
    }

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
            assert_eq!(parse_timestamp(&format_rfc3339(at)), Some(at));
        }
        assert_eq!(
            parse_timestamp("2026-11-01T02:00:00.5+02:00"),
            parse_timestamp("2026-11-01T00:00:00.5Z")
        );
        assert_eq!(parse_timestamp("yesterday"), None);
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
