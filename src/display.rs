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
