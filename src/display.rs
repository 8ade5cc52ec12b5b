//! How values appear in messages for people: a value quoted and bounded, a text on one
//! line, a duration in its natural unit. Used by every module that words an error or a note.

use std::time::Duration;

/// The longest message text kept from a server, in characters.
pub const MAX_MESSAGE_CHARS: usize = 400;

/// A value shown in an error: quoted, control characters escaped, long values cut.
pub fn shown(value: &str) -> String {
    let escaped: String = value.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() > 60 {
        format!("'{}…'", escaped.chars().take(60).collect::<String>())
    } else {
        format!("'{escaped}'")
    }
}

/// Collapses whitespace to single spaces and bounds the length, so an error stays one line.
pub fn one_line(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() > MAX_MESSAGE_CHARS {
        let cut: String = collapsed.chars().take(MAX_MESSAGE_CHARS).collect();
        format!("{cut}…")
    } else {
        collapsed
    }
}

/// A duration in its natural unit: `250 ms`, `3 s`, `1.5 s`.
pub fn human_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// A size in its natural unit: `512 B`, `1.5 KiB`, `12.3 MiB`, `2.0 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut size = bytes as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod bytes_tests {
    #[test]
    fn sizes_are_shown_in_their_unit() {
        assert_eq!(super::human_bytes(512), "512 B");
        assert_eq!(super::human_bytes(1536), "1.5 KiB");
        assert_eq!(super::human_bytes(12_900_000), "12.3 MiB");
    }
}
