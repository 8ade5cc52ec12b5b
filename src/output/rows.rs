//! Query results on stdout: `json` (one array), `jsonl` (one object per line), `csv` (RFC 4180)
//! stream chunk by chunk; `text` collects the first `TABLE_ROWS` rows into a table fitted to the
//! terminal (and says on stderr how to get every row): ids, times, numbers and statuses whole,
//! free text cut first (`fit`), TIMESTAMP cells compact (`times`). Machine formats keep every
//! value exactly as the warehouse sent it.
//!
//! SQL NULL stays distinct from the empty string everywhere: JSON `null` vs `""`; in CSV an
//! empty unquoted field vs `""`; in a table `NULL` vs an empty cell.

use std::sync::Arc;

use anyhow::Result;
use serde_json::Value;

use super::{fit, log, times, write_stdout, OutputFormat};
use crate::api::statements::Column;

pub type Row = Vec<Option<String>>;

/// Where result rows go, in order, one chunk at a time. Streaming sinks hand out a
/// `ChunkEncoder` so chunks are turned into bytes on worker threads, and then only write them.
pub trait RowSink {
    fn begin(&mut self, columns: &[Column]) -> Result<()>;
    /// An encoder for chunks, when this sink streams bytes; `None` when it wants the rows.
    fn encoder(&self) -> Option<ChunkEncoder> {
        None
    }
    fn rows(&mut self, rows: Vec<Row>) -> Result<()>;
    fn encoded(&mut self, bytes: &[u8]) -> Result<()> {
        write_stdout(bytes)
    }
    fn finish(&mut self) -> Result<()>;
}

pub fn sink_for(format: OutputFormat) -> Box<dyn RowSink + Send> {
    match format {
        OutputFormat::Text => Box::new(TableSink::default()),
        streamed => Box::new(StreamSink {
            format: streamed,
            encoder: None,
            wrote_rows: false,
        }),
    }
}

#[cfg(test)]
/// A cell as typed JSON, using the column's SQL type: numbers, booleans, nested JSON for MAP,
/// ARRAY and STRUCT; strings otherwise (and whenever the text does not parse as its type).
pub fn typed_value(type_name: Option<&str>, cell: Option<&str>) -> Value {
    match cell {
        Some(text) => typed(Kind::of(type_name), text),
        None => Value::Null,
    }
}

fn typed(kind: Kind, text: &str) -> Value {
    let parsed = match kind {
        Kind::Integer => text.parse::<i64>().ok().map(Value::from),
        Kind::Number => serde_json::from_str::<serde_json::Number>(text)
            .ok()
            .map(Value::Number),
        Kind::Decimal => serde_json::from_str::<serde_json::Number>(text)
            .ok()
            .filter(|_| decimal_fits_f64(text))
            .map(Value::Number),
        Kind::Boolean => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Kind::Nested => serde_json::from_str::<Value>(text).ok(),
        Kind::Text => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_string()))
}

/// Whether a DECIMAL's text survives the trip through a double: `12.50` does (as 12.5),
/// `12345678901234567890.12` does not and stays a string rather than losing digits.
fn decimal_fits_f64(text: &str) -> bool {
    fn normalized(text: &str) -> Option<String> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if !(int.chars().chain(frac.chars())).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let (int, frac) = (int.trim_start_matches('0'), frac.trim_end_matches('0'));
        let sign = if negative && !(int.is_empty() && frac.is_empty()) {
            "-"
        } else {
            ""
        };
        Some(format!("{sign}{int}.{frac}"))
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => {
            normalized(text).is_some() && normalized(text) == normalized(&f.to_string())
        }
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Integer,
    Number,
    Decimal,
    Boolean,
    Nested,
}

impl Kind {
    fn of(type_name: Option<&str>) -> Kind {
        match type_name.unwrap_or("STRING") {
            "BYTE" | "SHORT" | "INT" | "LONG" | "BIGINT" | "TINYINT" | "SMALLINT" | "INTEGER" => {
                Kind::Integer
            }
            "FLOAT" | "DOUBLE" => Kind::Number,
            "DECIMAL" => Kind::Decimal,
            "BOOLEAN" => Kind::Boolean,
            "MAP" | "ARRAY" | "STRUCT" => Kind::Nested,
            _ => Kind::Text,
        }
    }
}

/// Encodes rows of one result in one streaming format. Cheap to clone and `Send`, so each chunk
/// is encoded on the thread that decoded it.
#[derive(Clone)]
pub struct ChunkEncoder {
    format: OutputFormat,
    /// Per column: `"name":` already escaped, and how to type its cells.
    columns: Arc<Vec<(String, Kind)>>,
}

impl ChunkEncoder {
    fn new(format: OutputFormat, columns: &[Column]) -> Self {
        let columns = columns
            .iter()
            .map(|c| {
                let key = serde_json::to_string(&c.name).unwrap_or_else(|_| "\"\"".into());
                (format!("{key}:"), Kind::of(c.type_name.as_deref()))
            })
            .collect();
        ChunkEncoder {
            format,
            columns: Arc::new(columns),
        }
    }

    /// The bytes of these rows; JSON-array rows each start with `,\n  ` (the sink drops the first comma).
    pub fn encode<C: AsRef<str>>(&self, rows: &[Vec<Option<C>>]) -> Vec<u8> {
        let mut out = Vec::with_capacity(rows.len() * 64);
        for row in rows {
            self.encode_row(row, &mut out);
        }
        out
    }

    /// Appends one row's bytes to `out`.
    pub fn encode_row<C: AsRef<str>>(&self, row: &[Option<C>], out: &mut Vec<u8>) {
        match self.format {
            OutputFormat::Csv => {
                for (i, cell) in row.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(csv_field(cell.as_ref().map(AsRef::as_ref)).as_bytes());
                }
                out.extend_from_slice(b"\r\n");
            }
            OutputFormat::Json => {
                out.extend_from_slice(b",\n  ");
                self.object(row, out);
            }
            _ => {
                self.object(row, out);
                out.push(b'\n');
            }
        }
    }

    fn object<C: AsRef<str>>(&self, row: &[Option<C>], out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, (key, kind)) in self.columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(key.as_bytes());
            let cell = row.get(i).and_then(|c| c.as_ref()).map(AsRef::as_ref);
            // Writing into a Vec cannot fail.
            let _ = match (cell, kind) {
                (None, _) => serde_json::to_writer(&mut *out, &Value::Null),
                (Some(text), Kind::Text) => serde_json::to_writer(&mut *out, text),
                (Some(text), kind) => serde_json::to_writer(&mut *out, &typed(*kind, text)),
            };
        }
        out.push(b'}');
    }
}

/// json, jsonl and csv: a header or opening bracket, then chunks as they are encoded.
struct StreamSink {
    format: OutputFormat,
    encoder: Option<ChunkEncoder>,
    wrote_rows: bool,
}

impl RowSink for StreamSink {
    fn begin(&mut self, columns: &[Column]) -> Result<()> {
        self.encoder = Some(ChunkEncoder::new(self.format, columns));
        match self.format {
            OutputFormat::Json => write_stdout(b"["),
            OutputFormat::Csv => {
                let header: Vec<String> =
                    columns.iter().map(|c| csv_field(Some(&c.name))).collect();
                write_stdout(format!("{}\r\n", header.join(",")).as_bytes())
            }
            _ => Ok(()),
        }
    }

    fn encoder(&self) -> Option<ChunkEncoder> {
        self.encoder.clone()
    }

    fn rows(&mut self, rows: Vec<Row>) -> Result<()> {
        let bytes = self
            .encoder
            .as_ref()
            .map(|e| e.encode(&rows))
            .unwrap_or_default();
        self.encoded(&bytes)
    }

    fn encoded(&mut self, bytes: &[u8]) -> Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let bytes = match (self.format, self.wrote_rows) {
            (OutputFormat::Json, false) => &bytes[1..],
            _ => bytes,
        };
        self.wrote_rows = true;
        write_stdout(bytes)
    }

    fn finish(&mut self) -> Result<()> {
        match (self.format, self.wrote_rows) {
            (OutputFormat::Json, false) => write_stdout(b"]\n"),
            (OutputFormat::Json, true) => write_stdout(b"\n]\n"),
            _ => Ok(()),
        }
    }
}

/// RFC 4180 field: quoted when it holds a comma, quote, CR or LF, or is the empty string
/// (so that an empty unquoted field can mean NULL).
fn csv_field(cell: Option<&str>) -> String {
    match cell {
        None => String::new(),
        Some(text) if text.is_empty() || text.contains([',', '"', '\r', '\n']) => {
            format!("\"{}\"", text.replace('"', "\"\""))
        }
        Some(text) => text.to_string(),
    }
}

/// The most rows a table holds: a table is for reading, and its widths need every row in memory.
pub const TABLE_ROWS: usize = 1000;

#[derive(Default)]
struct TableSink {
    columns: Vec<Column>,
    rows: Vec<Row>,
    /// Rows past `TABLE_ROWS`, counted and dropped.
    left_out: u64,
}

impl RowSink for TableSink {
    fn begin(&mut self, columns: &[Column]) -> Result<()> {
        self.columns = columns.to_vec();
        Ok(())
    }

    fn rows(&mut self, rows: Vec<Row>) -> Result<()> {
        let room = TABLE_ROWS.saturating_sub(self.rows.len());
        self.left_out += rows.len().saturating_sub(room) as u64;
        self.rows.extend(rows.into_iter().take(room));
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let table = table(&self.columns, &self.rows, fit::terminal_width());
        write_stdout(table.as_bytes())?;
        if self.left_out > 0 {
            log::note(format_args!(
                "the table shows the first {} of {} rows; -o csv or -o jsonl writes every row",
                self.rows.len(),
                self.rows.len() as u64 + self.left_out
            ));
        }
        Ok(())
    }
}

/// How a column reads in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A TIMESTAMP: shown compactly (`2026-11-30 10:00:00.123Z`, or local with `--local`), whole.
    Time,
    /// A number: whole, right-aligned.
    Number,
    /// Other values that lose their meaning when cut (ids, statuses, dates, booleans): whole.
    Whole,
    /// Free text (inputs, outputs, names, JSON): gives way when the terminal is narrow.
    Free,
}

impl Shape {
    fn of(column: &Column) -> Shape {
        let type_name = column.type_name.as_deref().unwrap_or("STRING");
        match (type_name, Kind::of(Some(type_name))) {
            ("TIMESTAMP", _) => Shape::Time,
            (_, Kind::Integer | Kind::Number | Kind::Decimal) => Shape::Number,
            ("TIMESTAMP_NTZ" | "DATE" | "INTERVAL" | "BOOLEAN", _) => Shape::Whole,
            _ if is_id_or_status(&column.name) => Shape::Whole,
            _ => Shape::Free,
        }
    }
}

/// `trace_id`, `span_id`, `parent_span_id`, any `..._id` or `id`, and `status`, `status_code`, ...
fn is_id_or_status(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "id" || name.ends_with("_id") || name.starts_with("status")
}

/// A free-text column narrower than this says too little: rather than such a table, each row
/// is shown as a record.
const READABLE_FREE: usize = 12;

/// The table of `rows` fitted to `width` terminal columns: the whole columns at their full
/// width and the free text sharing the rest; or, when the whole columns alone leave the free
/// text too little room, one record per row (a line per column), where only free text is cut.
fn table(columns: &[Column], rows: &[Row], width: usize) -> String {
    let shapes: Vec<Shape> = columns.iter().map(Shape::of).collect();
    let header: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            shapes
                .iter()
                .enumerate()
                .map(|(i, shape)| shown_cell(*shape, row.get(i).and_then(Option::as_deref)))
                .collect()
        })
        .collect();
    let mut natural: Vec<usize> = header.iter().map(|h| fit::width(h)).collect();
    for row in &body {
        for (i, text) in row.iter().enumerate() {
            natural[i] = natural[i].max(fit::width(text));
        }
    }
    let fixed: Vec<bool> = shapes.iter().map(|s| *s != Shape::Free).collect();
    // Borders: `│ ` before each cell, ` ` after it, and the closing `│`.
    let room = width.saturating_sub(3 * columns.len() + 1);
    let needed: usize = natural
        .iter()
        .zip(&fixed)
        .map(|(&n, &whole)| if whole { n } else { n.min(READABLE_FREE) })
        .sum();
    if needed > room {
        return records(&header, &body, &fixed, width);
    }
    let widths = fit::widths(&natural, &fixed, room);

    let mut builder = tabled::builder::Builder::default();
    builder.push_record(header.iter().zip(&widths).map(|(h, w)| fit::cut(h, *w)));
    for row in &body {
        builder.push_record(row.iter().zip(&widths).map(|(c, w)| fit::cut(c, *w)));
    }
    let mut table = builder.build();
    table.with(tabled::settings::Style::sharp());
    for (i, shape) in shapes.iter().enumerate() {
        if *shape == Shape::Number {
            table.modify(
                tabled::settings::object::Columns::single(i),
                tabled::settings::Alignment::right(),
            );
        }
    }
    format!("{table}\n")
}

/// One block per row, a line per column (as `psql`'s expanded display): the whole values are
/// never cut, free text is cut to the line.
fn records(header: &[String], body: &[Vec<String>], fixed: &[bool], width: usize) -> String {
    let label = header
        .iter()
        .map(|h| fit::width(h))
        .max()
        .unwrap_or(0)
        .min(width / 3);
    let room = width.saturating_sub(label + 2);
    let rule = width.min(60);
    let mut out = String::new();
    for (n, row) in body.iter().enumerate() {
        let title = format!("── row {} ", n + 1);
        let fill = rule.saturating_sub(fit::width(&title));
        out.push_str(&format!("{title}{}\n", "─".repeat(fill)));
        for (i, value) in row.iter().enumerate() {
            let value = if fixed[i] {
                value.clone()
            } else {
                fit::cut(value, room)
            };
            let line = format!("{}  {value}", fit::cell(&header[i], label));
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// A cell as a table shows it: `NULL` for SQL NULL, times compact, on one line.
fn shown_cell(shape: Shape, cell: Option<&str>) -> String {
    match (shape, cell) {
        (_, None) => "NULL".to_string(),
        (Shape::Time, Some(text)) => times::shown(text),
        (_, Some(text)) => text.replace(['\n', '\r', '\t'], " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values() {
        assert_eq!(typed_value(Some("LONG"), Some("42")), Value::from(42));
        assert_eq!(
            typed_value(Some("DOUBLE"), Some("1.5")),
            serde_json::json!(1.5)
        );
        assert_eq!(typed_value(Some("DOUBLE"), Some("NaN")), Value::from("NaN"));
        assert_eq!(
            typed_value(Some("BOOLEAN"), Some("true")),
            Value::Bool(true)
        );
        assert_eq!(
            typed_value(Some("MAP"), Some(r#"{"a":"b"}"#)),
            serde_json::json!({"a":"b"})
        );
        assert_eq!(typed_value(Some("STRING"), Some("")), Value::from(""));
        assert_eq!(typed_value(Some("STRING"), None), Value::Null);
        assert_eq!(typed_value(Some("INT"), Some("x")), Value::from("x"));
        assert_eq!(
            typed_value(Some("DECIMAL"), Some("12.50")),
            serde_json::json!(12.5)
        );
        assert_eq!(
            typed_value(Some("DECIMAL"), Some("-0.10")),
            serde_json::json!(-0.1)
        );
        assert_eq!(
            typed_value(Some("DECIMAL"), Some("100000000000000000000")),
            serde_json::json!(1e20)
        );
        for exact in [
            "12345678901234567890.12",
            "0.12345678901234567891",
            "9007199254740993",
        ] {
            assert_eq!(
                typed_value(Some("DECIMAL"), Some(exact)),
                Value::from(exact)
            );
        }
    }

    #[test]
    fn encoder_writes_typed_json_and_keeps_null_apart() {
        let columns: Vec<Column> = serde_json::from_str(
            r#"[{"name":"a","type_name":"LONG"},{"name":"b\"q","type_name":"STRING"},{"name":"m","type_name":"MAP"}]"#,
        )
        .unwrap();
        let e = ChunkEncoder::new(OutputFormat::Jsonl, &columns);
        let rows: Vec<Row> = vec![
            vec![Some("7".into()), Some("".into()), Some(r#"{"k":1}"#.into())],
            vec![None, None, Some("x".into())],
        ];
        assert_eq!(
            String::from_utf8(e.encode(&rows)).unwrap(),
            "{\"a\":7,\"b\\\"q\":\"\",\"m\":{\"k\":1}}\n{\"a\":null,\"b\\\"q\":null,\"m\":\"x\"}\n"
        );
        let csv = ChunkEncoder::new(OutputFormat::Csv, &columns);
        assert_eq!(
            String::from_utf8(csv.encode(&rows[1..])).unwrap(),
            ",,x\r\n"
        );
    }

    fn spans_columns() -> Vec<Column> {
        serde_json::from_str(
            r#"[{"name":"trace_id","type_name":"STRING"},{"name":"span_id","type_name":"STRING"},
                {"name":"name","type_name":"STRING"},{"name":"start_time","type_name":"TIMESTAMP"},
                {"name":"duration_ms","type_name":"DOUBLE"},{"name":"status_code","type_name":"STRING"},
                {"name":"inputs","type_name":"STRING"},{"name":"outputs","type_name":"STRING"}]"#,
        )
        .unwrap()
    }

    fn span_row(inputs: &str) -> Row {
        [
            "tr-7f3a9c1e5b2d4f60a1b2c3d4e5f60718",
            "a1b2c3d4e5f60718",
            "lookup_order",
            "2026-11-30T10:02:00.25Z",
            "1250.5",
            "OK",
            inputs,
            "{\"answer\": \"refund issued\"}",
        ]
        .map(|c| Some(c.to_string()))
        .to_vec()
    }

    #[test]
    fn columns_are_whole_or_free_by_type_and_name() {
        let shapes: Vec<Shape> = spans_columns().iter().map(Shape::of).collect();
        use Shape::*;
        assert_eq!(
            shapes,
            [Whole, Whole, Free, Time, Number, Whole, Free, Free]
        );
        let column = |name: &str, t: &str| Column {
            name: name.into(),
            type_name: Some(t.into()),
            position: None,
        };
        assert_eq!(Shape::of(&column("parent_span_id", "STRING")), Whole);
        assert_eq!(Shape::of(&column("Request_ID", "STRING")), Whole);
        assert_eq!(Shape::of(&column("day", "DATE")), Whole);
        assert_eq!(Shape::of(&column("at", "TIMESTAMP_NTZ")), Whole);
        assert_eq!(Shape::of(&column("ok", "BOOLEAN")), Whole);
        assert_eq!(Shape::of(&column("n", "DECIMAL")), Number);
        assert_eq!(Shape::of(&column("identity", "STRING")), Free);
    }

    #[test]
    fn narrow_tables_cut_inputs_and_outputs_before_ids_and_times() {
        let columns = spans_columns();
        let rows = vec![span_row(&"the customer asks for a refund ".repeat(10))];
        let (table_at, records_at) = (200, 120);
        let wide = table(&columns, &rows, table_at);
        let narrow = table(&columns, &rows, records_at);
        for (width, shown) in [(table_at, &wide), (records_at, &narrow)] {
            for line in shown.lines() {
                assert!(fit::width(line) <= width, "{width}: {line}\n{shown}");
            }
            assert!(
                shown.contains("tr-7f3a9c1e5b2d4f60a1b2c3d4e5f60718"),
                "{shown}"
            );
            assert!(shown.contains("2026-11-30 10:02:00.250Z"), "{shown}");
            assert!(shown.contains("the customer asks"), "{shown}");
            assert!(shown.contains('…'), "{shown}");
        }
        // Too narrow for the whole columns and readable free text: one record per row.
        assert!(narrow.starts_with("── row 1 ─"), "{narrow}");
        for (shown, part) in [
            (
                &wide,
                "│ tr-7f3a9c1e5b2d4f60a1b2c3d4e5f60718 │ a1b2c3d4e5f60718 │",
            ),
            (&wide, "│ 2026-11-30 10:02:00.250Z │      1250.5 │ OK "),
            (&narrow, "\nstart_time   2026-11-30 10:02:00.250Z\n"),
            (&narrow, "\ninputs       the customer asks"),
        ] {
            assert!(shown.contains(part), "{part:?} in\n{shown}");
        }
        // Wide enough for everything: nothing is cut.
        let short = vec![span_row("{}")];
        let all = table(&columns, &short, 300);
        assert!(!all.contains('…'), "{all}");
        assert!(all.contains("│ {\"answer\": \"refund issued\"} │"), "{all}");
    }

    #[test]
    fn csv_keeps_null_and_empty_apart() {
        assert_eq!(csv_field(None), "");
        assert_eq!(csv_field(Some("")), "\"\"");
        assert_eq!(csv_field(Some("a,\"b\"")), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_field(Some("plain")), "plain");
    }
}
