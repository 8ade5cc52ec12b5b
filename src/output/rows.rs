//! Query results on stdout: `json` (one array), `jsonl` (one object per line), `csv` (RFC 4180)
//! stream chunk by chunk; `text` collects the rows into a table fitted to the terminal.
//!
//! SQL NULL stays distinct from the empty string everywhere: JSON `null` vs `""`; in CSV an
//! empty unquoted field vs `""`; in a table `NULL` vs an empty cell.

use anyhow::Result;
use serde_json::Value;

use super::{write_stdout, OutputFormat};
use crate::api::statements::Column;

pub type Row = Vec<Option<String>>;

/// Where result rows go, in order, one chunk at a time.
pub trait RowSink {
    fn begin(&mut self, columns: &[Column]) -> Result<()>;
    fn rows(&mut self, rows: &[Row]) -> Result<()>;
    fn finish(&mut self) -> Result<()>;
}

pub fn sink_for(format: OutputFormat) -> Box<dyn RowSink> {
    match format {
        OutputFormat::Json => Box::new(JsonArraySink::default()),
        OutputFormat::Jsonl => Box::new(JsonLinesSink::default()),
        OutputFormat::Csv => Box::new(CsvSink),
        OutputFormat::Text => Box::new(TableSink::default()),
    }
}

/// A cell as typed JSON, using the column's SQL type: numbers, booleans, nested JSON for MAP,
/// ARRAY and STRUCT; strings otherwise (and whenever the text does not parse as its type, or is
/// a DECIMAL that a JSON number, a double, cannot hold exactly).
pub fn typed_value(type_name: Option<&str>, cell: Option<&str>) -> Value {
    let Some(text) = cell else {
        return Value::Null;
    };
    let parsed = match type_name.unwrap_or("STRING") {
        "BYTE" | "SHORT" | "INT" | "LONG" | "BIGINT" | "TINYINT" | "SMALLINT" | "INTEGER" => {
            text.parse::<i64>().ok().map(Value::from)
        }
        "FLOAT" | "DOUBLE" => serde_json::from_str::<serde_json::Number>(text)
            .ok()
            .map(Value::Number),
        "DECIMAL" => serde_json::from_str::<serde_json::Number>(text)
            .ok()
            .filter(|_| decimal_fits_f64(text))
            .map(Value::Number),
        "BOOLEAN" => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        "MAP" | "ARRAY" | "STRUCT" => serde_json::from_str::<Value>(text).ok(),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_string()))
}

/// One row as a JSON object, its keys in the order of the result's columns (a `Map` would sort
/// them by name).
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

fn object(columns: &[Column], row: &Row) -> Result<String> {
    let mut out = String::from("{");
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cell = row.get(i).and_then(|c| c.as_deref());
        out.push_str(&serde_json::to_string(&column.name)?);
        out.push(':');
        out.push_str(&serde_json::to_string(&typed_value(
            column.type_name.as_deref(),
            cell,
        ))?);
    }
    out.push('}');
    Ok(out)
}

#[derive(Default)]
struct JsonArraySink {
    columns: Vec<Column>,
    written: usize,
}

impl RowSink for JsonArraySink {
    fn begin(&mut self, columns: &[Column]) -> Result<()> {
        self.columns = columns.to_vec();
        write_stdout(b"[")
    }

    fn rows(&mut self, rows: &[Row]) -> Result<()> {
        let mut out = String::new();
        for row in rows {
            out.push_str(if self.written == 0 { "\n  " } else { ",\n  " });
            out.push_str(&object(&self.columns, row)?);
            self.written += 1;
        }
        write_stdout(out.as_bytes())
    }

    fn finish(&mut self) -> Result<()> {
        write_stdout(if self.written == 0 { b"]\n" } else { b"\n]\n" })
    }
}

#[derive(Default)]
struct JsonLinesSink {
    columns: Vec<Column>,
}

impl RowSink for JsonLinesSink {
    fn begin(&mut self, columns: &[Column]) -> Result<()> {
        self.columns = columns.to_vec();
        Ok(())
    }

    fn rows(&mut self, rows: &[Row]) -> Result<()> {
        let mut out = String::new();
        for row in rows {
            out.push_str(&object(&self.columns, row)?);
            out.push('\n');
        }
        write_stdout(out.as_bytes())
    }

    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

struct CsvSink;

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

impl RowSink for CsvSink {
    fn begin(&mut self, columns: &[Column]) -> Result<()> {
        let header: Vec<String> = columns.iter().map(|c| csv_field(Some(&c.name))).collect();
        write_stdout(format!("{}\r\n", header.join(",")).as_bytes())
    }

    fn rows(&mut self, rows: &[Row]) -> Result<()> {
        let mut out = String::new();
        for row in rows {
            let fields: Vec<String> = row.iter().map(|c| csv_field(c.as_deref())).collect();
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
        write_stdout(out.as_bytes())
    }

    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

#[derive(Default)]
struct TableSink {
    columns: Vec<Column>,
    rows: Vec<Row>,
}

impl RowSink for TableSink {
    fn begin(&mut self, columns: &[Column]) -> Result<()> {
        self.columns = columns.to_vec();
        Ok(())
    }

    fn rows(&mut self, rows: &[Row]) -> Result<()> {
        self.rows.extend_from_slice(rows);
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut builder = tabled::builder::Builder::default();
        builder.push_record(self.columns.iter().map(|c| c.name.clone()));
        for row in &self.rows {
            builder.push_record(row.iter().map(|c| match c {
                None => "NULL".to_string(),
                Some(text) => text.replace(['\n', '\r', '\t'], " "),
            }));
        }
        let mut table = builder.build();
        table.with(tabled::settings::Style::sharp()).with(
            tabled::settings::Width::truncate(terminal_width())
                .suffix("…")
                .priority(tabled::settings::peaker::Priority::max(true)),
        );
        write_stdout(format!("{table}\n").as_bytes())
    }
}

fn terminal_width() -> usize {
    terminal_size::terminal_size()
        .map(|(w, _)| w.0 as usize)
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()))
        .unwrap_or(120)
        .max(40)
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
    fn csv_keeps_null_and_empty_apart() {
        assert_eq!(csv_field(None), "");
        assert_eq!(csv_field(Some("")), "\"\"");
        assert_eq!(csv_field(Some("a,\"b\"")), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_field(Some("plain")), "plain");
    }
}
