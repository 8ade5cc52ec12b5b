//! `tracecfg traces`: one line per trace. JSON, JSON lines and CSV carry every field exactly
//! (times as the warehouse gives them, durations in milliseconds); the text table keeps ids,
//! times, durations and counts whole and lets the free text (root span name, user, session)
//! give way when the terminal is narrow. `--follow` prints batches under one header.

use anyhow::Result;
use serde::Serialize;

use super::fit::{self, cell, cut, terminal_width};
use super::times::{colour, duration, shown};
use super::{write_stdout, OutputFormat};

/// One trace (docs/traces.md, "Output").
#[derive(Debug, Clone, Serialize)]
pub struct TraceSummary {
    pub trace_id: String,
    pub start_time: String,
    pub end_time: Option<String>,
    pub duration_ms: Option<f64>,
    pub span_count: u64,
    pub root_span_name: Option<String>,
    /// `OK` or `ERROR` on the OpenTelemetry layouts; `null` on the tags layout.
    pub status: Option<String>,
    pub user: Option<String>,
    pub session: Option<String>,
}

const HEADERS: [&str; 8] = [
    "TRACE ID",
    "START",
    "DURATION",
    "SPANS",
    "STATUS",
    "ROOT SPAN",
    "USER",
    "SESSION",
];
/// The columns that keep their full width; the others share what is left.
const RIGID: usize = 5;
const GAP: &str = "  ";

/// Prints lists of traces, one call per batch (one batch, or one per `--follow` poll).
pub struct TraceListPrinter {
    format: OutputFormat,
    /// Text: the column widths, fixed by the first batch so later batches line up.
    widths: Option<Vec<usize>>,
    batches: usize,
}

impl TraceListPrinter {
    pub fn new(format: OutputFormat) -> Self {
        TraceListPrinter {
            format,
            widths: None,
            batches: 0,
        }
    }

    pub fn print(&mut self, traces: &[TraceSummary]) -> Result<()> {
        let first = self.batches == 0;
        self.batches += 1;
        let text = match self.format {
            OutputFormat::Json => {
                let mut t = serde_json::to_string_pretty(traces)?;
                t.push('\n');
                t
            }
            OutputFormat::Jsonl => traces
                .iter()
                .map(|t| serde_json::to_string(t).map(|l| l + "\n"))
                .collect::<Result<String, _>>()?,
            OutputFormat::Csv => csv(traces, first),
            OutputFormat::Text => self.table(traces),
        };
        write_stdout(text.as_bytes())
    }

    fn table(&mut self, traces: &[TraceSummary]) -> String {
        if traces.is_empty() {
            return String::new();
        }
        let cells: Vec<[String; 8]> = traces.iter().map(text_cells).collect();
        let colour = colour();
        let width = terminal_width();
        if self.widths.is_none() && !fits_one_line(&cells, width) {
            self.widths = Some(Vec::new());
        }
        if self.widths.as_ref().is_some_and(Vec::is_empty) {
            return cells.iter().map(|c| two_lines(c, width, colour)).collect();
        }
        let mut out = String::new();
        let widths = match &self.widths {
            Some(w) => w.clone(),
            None => {
                let w = widths(&cells, width);
                out.push_str(&line(&HEADERS.map(String::from), &w, false));
                self.widths = Some(w.clone());
                w
            }
        };
        for row in &cells {
            out.push_str(&line(row, &widths, colour));
        }
        out
    }
}

fn text_cells(t: &TraceSummary) -> [String; 8] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        t.trace_id.clone(),
        shown(&t.start_time),
        t.duration_ms.map(duration).unwrap_or_else(|| "?".into()),
        t.span_count.to_string(),
        t.status.clone().unwrap_or_else(|| "?".into()),
        text(&t.root_span_name),
        text(&t.user),
        text(&t.session),
    ]
}

/// Natural widths; when they do not fit, the free-text columns share the room the others
/// leave (never less than 4 each), the widest giving way first.
fn widths(rows: &[[String; 8]], width: usize) -> Vec<usize> {
    let mut natural: Vec<usize> = HEADERS.iter().map(|h| fit::width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            natural[i] = natural[i].max(fit::width(cell));
        }
    }
    let fixed: Vec<bool> = (0..HEADERS.len()).map(|i| i < RIGID).collect();
    let room = width.saturating_sub(GAP.len() * (HEADERS.len() - 1));
    fit::widths(&natural, &fixed, room)
}

/// Whether the whole ids, times and durations leave the root span name room enough on one line.
fn fits_one_line(rows: &[[String; 8]], width: usize) -> bool {
    let w = widths(rows, usize::MAX);
    w[..RIGID].iter().sum::<usize>() + GAP.len() * RIGID + 12 <= width
}

/// A narrow terminal: the id, start, duration and status on one line, then, indented, the span
/// count and the free text, which alone gives way.
fn two_lines(cells: &[String; 8], width: usize, colour: bool) -> String {
    let status = if colour && cells[4] == "ERROR" {
        format!("\x1b[31m{}\x1b[0m", cells[4])
    } else {
        cells[4].clone()
    };
    let first = [&cells[0], &cells[1], &cells[2]]
        .map(String::as_str)
        .join(GAP);
    let spans = if cells[3] == "1" { "span" } else { "spans" };
    let mut second = vec![format!("{} {spans}", cells[3])];
    second.extend(cells[RIGID..].iter().filter(|c| !c.is_empty()).cloned());
    let second = cut(&second.join(GAP), width.saturating_sub(2));
    format!("{first}{GAP}{status}\n  {second}\n")
}

fn line(cells: &[String; 8], widths: &[usize], colour: bool) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(8);
    for (i, text) in cells.iter().enumerate() {
        // Rigid cells are never cut; later rows longer than the first batch's just push on.
        let mut part = if i < RIGID {
            let pad = widths[i].saturating_sub(fit::width(text));
            match i {
                2 | 3 => format!("{}{text}", " ".repeat(pad)),
                _ => format!("{text}{}", " ".repeat(pad)),
            }
        } else {
            cell(text, widths[i])
        };
        if colour && i == 4 && text == "ERROR" {
            part = format!("\x1b[31m{part}\x1b[0m");
        }
        parts.push(part);
    }
    let mut l = parts.join(GAP).trim_end().to_string();
    l.push('\n');
    l
}

fn csv(traces: &[TraceSummary], header: bool) -> String {
    let field = |v: Option<&str>| match v {
        None => String::new(),
        Some(t) if t.is_empty() || t.contains([',', '"', '\r', '\n']) => {
            format!("\"{}\"", t.replace('"', "\"\""))
        }
        Some(t) => t.to_string(),
    };
    let mut out = String::new();
    if header {
        out.push_str("trace_id,start_time,end_time,duration_ms,span_count,root_span_name,status,user,session\r\n");
    }
    for t in traces {
        let cells = [
            field(Some(&t.trace_id)),
            field(Some(&t.start_time)),
            field(t.end_time.as_deref()),
            t.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
            t.span_count.to_string(),
            field(t.root_span_name.as_deref()),
            field(t.status.as_deref()),
            field(t.user.as_deref()),
            field(t.session.as_deref()),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> [String; 8] {
        [
            "tr-0123456789abcdef0123456789abcdef".into(),
            "2026-11-30 10:00:00.123Z".into(),
            "1.25s".into(),
            "12".into(),
            "ERROR".into(),
            name.into(),
            "user@example.com".into(),
            "session-1".into(),
        ]
    }

    #[test]
    fn narrow_terminals_cut_free_text_before_ids_and_times() {
        let rows = [row(&"agent ".repeat(20))];
        let w = widths(&rows, 120);
        assert_eq!(&w[..RIGID], [35, 24, 8, 5, 6]);
        let printed = line(&rows[0], &w, false);
        assert!(printed.trim_end().chars().count() <= 120, "{printed}");
        // At 80 columns the ids and times alone leave too little room: two lines a trace.
        assert!(!fits_one_line(&rows, 80));
        let narrow = two_lines(&rows[0], 80, false);
        assert!(narrow.starts_with("tr-0123456789abcdef0123456789abcdef  2026-11-30 10:00:00.123Z  1.25s  ERROR\n  12 spans  agent agent"), "{narrow}");
        assert!(narrow.lines().all(|l| l.chars().count() <= 80), "{narrow}");
        assert!(printed.contains("tr-0123456789abcdef0123456789abcdef  2026-11-30 10:00:00.123Z"));
        assert!(printed.contains('…'), "{printed}");
        // Wide enough: nothing is cut.
        let w = widths(&[row("agent")], 200);
        assert!(!line(&row("agent"), &w, false).contains('…'));
    }
}
