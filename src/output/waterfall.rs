//! `tracecfg trace ID`: the spans of one trace as a tree (children under their parent by
//! `parent_span_id`, siblings by start time), each line with its name, span type, duration and
//! a bar placed and scaled on the trace's own time axis; failed spans are marked `✗` (and red
//! when colour is on). Fits the terminal width. `-o json` is the nested tree.

use anyhow::Result;
use serde::Serialize;
use serde_json::Value;

use super::fit::{cell, cut, terminal_width};
use super::times::{colour, duration, shown};
use super::{write_stdout, OutputFormat};

/// One span as the statement returns it.
#[derive(Debug, Clone)]
pub struct SpanRow {
    pub span_id: Option<String>,
    pub parent_span_id: Option<String>,
    pub name: String,
    pub span_type: Option<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    /// Microseconds since the epoch (`None` when the warehouse's text did not parse).
    pub start_micros: Option<i64>,
    pub end_micros: Option<i64>,
    pub status_code: Option<String>,
    pub inputs: Option<String>,
    pub outputs: Option<String>,
    /// The rest of the span, for `export` (`trace` leaves it out).
    pub detail: Option<SpanDetail>,
}

/// What `export` keeps of a span besides the waterfall's fields (docs/export.md).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SpanDetail {
    /// OpenTelemetry's span kind by name, such as `SPAN_KIND_INTERNAL`.
    pub kind: Option<String>,
    pub status_message: Option<String>,
    pub start_time_unix_nano: Option<i64>,
    pub end_time_unix_nano: Option<i64>,
    /// Every attribute but the inputs and outputs (above), as plain JSON values.
    pub attributes: serde_json::Map<String, Value>,
    pub events: Vec<Value>,
}

/// The trace as a tree (docs/traces.md, "`trace -o json`").
#[derive(Debug, Serialize)]
pub struct TraceView {
    pub trace_id: String,
    pub start_time: String,
    pub end_time: Option<String>,
    pub duration_ms: f64,
    pub span_count: usize,
    /// `ERROR` when any span failed, `OK` otherwise, `null` when the layout records no status.
    pub status: Option<String>,
    /// `false` on the tags layout, which has no parent ids: `spans` is then a flat timeline.
    pub tree: bool,
    pub spans: Vec<SpanNode>,
    /// The feedback and expectations that came with the trace (MLflow's trace store); left
    /// out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assessments: Vec<Assessment>,
    /// Text view: show the payloads of each span.
    #[serde(skip)]
    pub show_inputs: bool,
    #[serde(skip)]
    pub show_outputs: bool,
}

#[derive(Debug, Serialize)]
pub struct SpanNode {
    pub span_id: Option<String>,
    pub parent_span_id: Option<String>,
    pub name: String,
    pub span_type: Option<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    /// From the trace's start.
    pub offset_ms: f64,
    pub duration_ms: f64,
    pub status_code: Option<String>,
    /// The payload as JSON when it parses, else as text.
    pub inputs: Option<Value>,
    pub outputs: Option<Value>,
    #[serde(flatten)]
    pub detail: Option<SpanDetail>,
    pub children: Vec<SpanNode>,
}

/// A judgement of the trace (docs/trace-store.md, "Assessments").
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Assessment {
    pub name: String,
    /// `feedback` or `expectation`.
    pub kind: String,
    pub value: Value,
    /// `HUMAN`, `LLM_JUDGE` or `CODE`.
    pub source_type: Option<String>,
    pub source_id: Option<String>,
    pub rationale: Option<String>,
    /// Why a feedback has no value, when its producer failed.
    pub error: Option<String>,
    pub create_time: Option<String>,
    /// The span the assessment is about, when it names one.
    pub span_id: Option<String>,
}

const ERROR_CODE: &str = "STATUS_CODE_ERROR";

impl TraceView {
    /// The tree of `spans` (sorted by start); `tree: false` keeps them flat.
    pub fn build(trace_id: &str, mut spans: Vec<SpanRow>, tree: bool) -> TraceView {
        spans.sort_by_key(|s| s.start_micros.unwrap_or(i64::MAX));
        let start = spans
            .iter()
            .filter_map(|s| s.start_micros)
            .min()
            .unwrap_or(0);
        let end = spans
            .iter()
            .filter_map(|s| s.end_micros.or(s.start_micros))
            .max()
            .unwrap_or(start);
        let end_text = spans
            .iter()
            .filter(|s| s.end_micros == Some(end))
            .find_map(|s| s.end_time.clone());
        let status = if spans.iter().all(|s| s.status_code.is_none()) {
            None
        } else if spans
            .iter()
            .any(|s| s.status_code.as_deref() == Some(ERROR_CODE))
        {
            Some("ERROR".to_string())
        } else {
            Some("OK".to_string())
        };
        let start_text = spans
            .first()
            .map(|s| s.start_time.clone())
            .unwrap_or_default();
        let span_count = spans.len();
        let nodes = if tree {
            nest(spans, start)
        } else {
            spans.into_iter().map(|s| node(s, start)).collect()
        };
        TraceView {
            trace_id: trace_id.to_string(),
            start_time: start_text,
            end_time: end_text,
            duration_ms: (end - start) as f64 / 1000.0,
            span_count,
            status,
            tree,
            spans: nodes,
            assessments: Vec::new(),
            show_inputs: false,
            show_outputs: false,
        }
    }

    pub fn print(&self, format: OutputFormat) -> Result<()> {
        let text = match format {
            OutputFormat::Text | OutputFormat::Csv => self.render(terminal_width(), colour()),
            OutputFormat::Json => serde_json::to_string_pretty(self)? + "\n",
            OutputFormat::Jsonl => serde_json::to_string(self)? + "\n",
        };
        write_stdout(text.as_bytes())
    }

    /// The waterfall, `width` columns wide.
    pub fn render(&self, width: usize, colour: bool) -> String {
        let mut lines = Vec::new();
        flatten(&self.spans, "", true, &mut lines);
        let dur_w = 8;
        let type_w = lines
            .iter()
            .map(|l| l.node.span_type.as_deref().unwrap_or("").chars().count())
            .max()
            .unwrap_or(0)
            .min(10);
        let name_natural = lines
            .iter()
            .map(|l| l.guide.chars().count() + l.node.name.chars().count())
            .max()
            .unwrap_or(0);
        // The marker, then name, type, duration and the framed bar, two spaces apart.
        let fixed = 2 + 2 + type_w + 2 + dur_w + 2 + 2;
        let name_w = name_natural.min((width.saturating_sub(fixed) * 2 / 5).max(12));
        let bar_w = width.saturating_sub(fixed + name_w).max(10);

        let mut out = String::new();
        let status = self.status.as_deref().unwrap_or("status unknown");
        // Two lines, so that the whole id fits in 80 columns.
        out.push_str(&format!(
            "trace {}  {status}\nstarted {}  took {}  {} span{}\n",
            self.trace_id,
            shown(&self.start_time),
            duration(self.duration_ms),
            self.span_count,
            if self.span_count == 1 { "" } else { "s" },
        ));
        if !self.tree {
            out.push_str(
                "(a flat timeline by start time: the tags layout records no parent span ids)\n",
            );
        }
        let lead = " ".repeat(2 + name_w + 2 + type_w + 2 + dur_w + 2);
        let total = duration(self.duration_ms);
        let gap = (bar_w + 2).saturating_sub(1 + total.chars().count());
        out.push_str(&format!("{lead}0{}{total}\n", " ".repeat(gap)));
        for l in &lines {
            let failed = l.node.status_code.as_deref() == Some(ERROR_CODE);
            let marker = if failed { "✗ " } else { "  " };
            let label = cell(&format!("{}{}", l.guide, l.node.name), name_w);
            let kind = cell(l.node.span_type.as_deref().unwrap_or(""), type_w);
            let bar = bar(
                l.node.offset_ms,
                l.node.duration_ms,
                self.duration_ms,
                bar_w,
            );
            let bar = match (colour, failed) {
                (true, true) => format!("\x1b[31m{bar}\x1b[0m"),
                (true, false) => format!("\x1b[36m{bar}\x1b[0m"),
                (false, _) => bar,
            };
            out.push_str(&format!(
                "{marker}{label}  {kind}  {:>dur_w$}  │{bar}│\n",
                duration(l.node.duration_ms)
            ));
            let indent = format!("  {}", l.continuation);
            if self.show_inputs {
                payload(&mut out, &indent, "inputs", l.node.inputs.as_ref(), width);
            }
            if self.show_outputs {
                payload(&mut out, &indent, "outputs", l.node.outputs.as_ref(), width);
            }
        }
        assessment_lines(&mut out, &self.assessments, width);
        out
    }
}

/// Whitespace and control characters as single spaces: a value sent by anyone cannot move
/// the cursor or break the layout.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The assessments under the waterfall: one line each, the rationale cut to the width.
fn assessment_lines(out: &mut String, assessments: &[Assessment], width: usize) {
    if assessments.is_empty() {
        return;
    }
    out.push_str("assessments\n");
    for a in assessments {
        let value = match (&a.value, &a.error) {
            (Value::Null, Some(e)) => format!("error: {e}"),
            (Value::String(s), _) => s.clone(),
            (v, _) => v.to_string(),
        };
        let by = match (&a.source_type, &a.source_id) {
            (Some(t), Some(id)) => format!("  by {id} ({})", t.to_lowercase()),
            (Some(t), None) => format!("  by {}", t.to_lowercase()),
            (None, Some(id)) => format!("  by {id}"),
            (None, None) => String::new(),
        };
        let line = format!("  {:<11}  {} = {value}{by}", a.kind, a.name);
        out.push_str(&cut(&one_line(&line), width));
        out.push('\n');
        if let Some(r) = a.rationale.as_deref().filter(|r| !r.trim().is_empty()) {
            out.push_str(&cut(&format!("      {}", one_line(r)), width));
            out.push('\n');
        }
    }
}

/// At most this many lines of a payload in the text view.
const PAYLOAD_LINES: usize = 8;

fn payload(out: &mut String, indent: &str, what: &str, value: Option<&Value>, width: usize) {
    let text = match value {
        None => "(none)".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
    };
    let lines: Vec<&str> = text.lines().collect();
    let room = width.saturating_sub(indent.chars().count() + 4).max(20);
    out.push_str(&format!("{indent}  {what}:\n"));
    for l in lines.iter().take(PAYLOAD_LINES) {
        out.push_str(&format!("{indent}    {}\n", cut(l, room)));
    }
    if lines.len() > PAYLOAD_LINES {
        out.push_str(&format!(
            "{indent}    … {} more lines (-o json shows the whole payload)\n",
            lines.len() - PAYLOAD_LINES
        ));
    }
}

/// `width` cells with the span's part of the trace filled: at least one cell, so a short span
/// still shows where it ran.
fn bar(offset_ms: f64, duration_ms: f64, total_ms: f64, width: usize) -> String {
    let scale = if total_ms > 0.0 {
        width as f64 / total_ms
    } else {
        0.0
    };
    let from = ((offset_ms * scale).floor() as usize).min(width - 1);
    let to = (((offset_ms + duration_ms) * scale).ceil() as usize).clamp(from + 1, width);
    format!(
        "{}{}{}",
        " ".repeat(from),
        "█".repeat(to - from),
        " ".repeat(width - to)
    )
}

/// A span with the tree guides in front of its name (`├─ `) and under it (`│  `).
struct Line<'a> {
    node: &'a SpanNode,
    guide: String,
    continuation: String,
}

fn flatten<'a>(nodes: &'a [SpanNode], prefix: &str, top: bool, out: &mut Vec<Line<'a>>) {
    for (i, n) in nodes.iter().enumerate() {
        let last = i + 1 == nodes.len();
        let (guide, below) = match (top, last) {
            (true, _) => (String::new(), String::new()),
            (false, true) => (format!("{prefix}└─ "), format!("{prefix}   ")),
            (false, false) => (format!("{prefix}├─ "), format!("{prefix}│  ")),
        };
        // Payload lines under a span with children keep the children's guide line going.
        let continuation = if n.children.is_empty() {
            below.clone()
        } else {
            format!("{below}│  ")
        };
        out.push(Line {
            node: n,
            guide,
            continuation,
        });
        flatten(&n.children, &below, false, out);
    }
}

fn node(s: SpanRow, trace_start: i64) -> SpanNode {
    let start = s.start_micros.unwrap_or(trace_start);
    let end = s.end_micros.unwrap_or(start).max(start);
    let json = |text: Option<String>| {
        text.map(|t| serde_json::from_str::<Value>(&t).unwrap_or(Value::String(t)))
    };
    SpanNode {
        span_id: s.span_id,
        parent_span_id: s.parent_span_id,
        name: s.name,
        span_type: s.span_type,
        start_time: s.start_time,
        end_time: s.end_time,
        offset_ms: (start - trace_start) as f64 / 1000.0,
        duration_ms: (end - start) as f64 / 1000.0,
        status_code: s.status_code,
        inputs: json(s.inputs),
        outputs: json(s.outputs),
        detail: s.detail,
        children: Vec::new(),
    }
}

/// Children under their parents, in start order. A span whose parent is missing (or part of a
/// cycle) is shown at the top level rather than lost.
fn nest(spans: Vec<SpanRow>, trace_start: i64) -> Vec<SpanNode> {
    // The first span of each id, as a linear search would find it (an export can hold
    // traces of many thousand spans).
    let mut by_id: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, s) in spans.iter().enumerate() {
        if let Some(id) = s.span_id.as_deref() {
            by_id.entry(id).or_insert(i);
        }
    }
    let parent_index: Vec<Option<usize>> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = s.parent_span_id.as_deref().filter(|p| !p.is_empty())?;
            by_id.get(p).copied().filter(|&j| j != i)
        })
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); spans.len()];
    let mut roots = Vec::new();
    for (i, p) in parent_index.iter().enumerate() {
        match p {
            Some(p) => children[*p].push(i),
            None => roots.push(i),
        }
    }
    let mut slots: Vec<Option<SpanNode>> = spans
        .into_iter()
        .map(|s| Some(node(s, trace_start)))
        .collect();
    let mut placed = vec![false; slots.len()];
    fn take(
        i: usize,
        slots: &mut [Option<SpanNode>],
        children: &[Vec<usize>],
        placed: &mut [bool],
    ) -> Option<SpanNode> {
        if placed[i] {
            return None;
        }
        placed[i] = true;
        let mut n = slots[i].take()?;
        n.children = children[i]
            .iter()
            .filter_map(|&c| take(c, slots, children, placed))
            .collect();
        Some(n)
    }
    let mut tree: Vec<SpanNode> = roots
        .iter()
        .filter_map(|&r| take(r, &mut slots, &children, &mut placed))
        .collect();
    // Spans on a parent cycle were reached from no root.
    for i in 0..slots.len() {
        if let Some(n) = take(i, &mut slots, &children, &mut placed) {
            tree.push(n);
        }
    }
    tree
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: &str, parent: &str, start_ms: i64, end_ms: i64, code: &str) -> SpanRow {
        SpanRow {
            span_id: Some(id.into()),
            parent_span_id: (!parent.is_empty()).then(|| parent.into()),
            name: format!("span {id}"),
            span_type: Some("TOOL".into()),
            start_time: format!("t{start_ms}"),
            end_time: Some(format!("t{end_ms}")),
            start_micros: Some(start_ms * 1000),
            end_micros: Some(end_ms * 1000),
            status_code: Some(code.into()),
            inputs: Some("{\"q\":1}".into()),
            outputs: None,
            detail: None,
        }
    }

    #[test]
    fn children_nest_under_parents_in_start_order_and_bars_scale() {
        let spans = vec![
            span("c2", "r", 50, 100, "STATUS_CODE_ERROR"),
            span("r", "", 0, 100, "STATUS_CODE_OK"),
            span("c1", "r", 0, 50, "STATUS_CODE_OK"),
            span("g", "c1", 10, 20, "STATUS_CODE_OK"),
            span("orphan", "missing", 90, 95, "STATUS_CODE_OK"),
            span("x", "y", 1, 2, "STATUS_CODE_OK"),
            span("y", "x", 1, 2, "STATUS_CODE_OK"),
        ];
        let view = TraceView::build("tr-1", spans, true);
        assert_eq!(view.status.as_deref(), Some("ERROR"));
        assert_eq!(view.duration_ms, 100.0);
        let names: Vec<_> = view.spans.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["span r", "span orphan", "span x"]);
        let kids: Vec<_> = view.spans[0]
            .children
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(kids, ["span c1", "span c2"]);
        assert_eq!(view.spans[0].children[0].children[0].name, "span g");
        assert_eq!(view.spans[2].children[0].name, "span y");
        let text = view.render(60, false);
        for l in text.lines() {
            assert!(l.chars().count() <= 60, "{l:?} is wider than 60");
        }
        assert!(
            text.contains("✗ ├─ span c2") || text.contains("✗ └─ span c2"),
            "{text}"
        );
        assert_eq!(bar(50.0, 50.0, 100.0, 10), "     █████");
        assert_eq!(bar(0.0, 0.0, 100.0, 10), "█         ");
        assert_eq!(bar(0.0, 0.0, 0.0, 4), "█   ");
    }
}
