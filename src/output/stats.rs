//! `tracecfg stats`: one table, numbers right-aligned, durations and token counts made short,
//! and with `--by day|hour` a bar per bucket so that a trend is seen. JSON is the whole report
//! (docs/stats.md, "Output"); JSON lines and CSV are its rows, with exact numbers.

use anyhow::Result;

use super::fit::{self, cut, terminal_width};
use super::times::duration;
use super::{write_stdout, OutputFormat};
use crate::stats::{GroupBy, StatsReport, StatsRow, Unit};

const GAP: &str = "  ";
/// The widest trend bar, and the narrowest drawn: its header's width (5 characters, 40 steps).
const MAX_BAR: usize = 30;
const TREND: &str = "TREND";
const MIN_BAR: usize = TREND.len();
/// Eighths of a block, for bars finer than a character.
const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

pub fn print(report: &StatsReport, format: OutputFormat) -> Result<()> {
    let text = match format {
        OutputFormat::Json => {
            let mut t = serde_json::to_string_pretty(report)?;
            t.push('\n');
            t
        }
        OutputFormat::Jsonl => report
            .rows
            .iter()
            .map(|r| serde_json::to_string(r).map(|l| l + "\n"))
            .collect::<Result<String, _>>()?,
        OutputFormat::Csv => csv(&report.rows),
        OutputFormat::Text => table(report, terminal_width()),
    };
    write_stdout(text.as_bytes())
}

/// `1234` as it is, `12.3k`, `4.56M`.
fn short_count(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.2}M", n as f64 / 1e6),
    }
}

fn money(usd: f64) -> String {
    if usd >= 100.0 {
        format!("${usd:.0}")
    } else if usd >= 1.0 {
        format!("${usd:.2}")
    } else {
        format!("${usd:.4}")
    }
}

/// Whether every time bucket is in the same year, so the year can go without ambiguity.
fn one_year(report: &StatsReport) -> bool {
    let year = |g: &str| g.get(..5).map(str::to_string);
    let first = report
        .rows
        .first()
        .and_then(|f| f.group.as_deref())
        .and_then(year);
    report
        .rows
        .iter()
        .all(|x| x.group.as_deref().and_then(year) == first)
}

/// The group as shown: an hour without its year when every bucket is in the same year (and a
/// day too when `short`), so that the table keeps room for its trend bar at 80 columns.
fn group_label(report: &StatsReport, r: &StatsRow, short: bool) -> String {
    let Some(group) = &r.group else {
        return "(none)".into();
    };
    let shortened = match report.by {
        Some(GroupBy::Hour) => true,
        Some(GroupBy::Day) => short,
        _ => false,
    };
    if shortened && one_year(report) {
        group.get(5..).unwrap_or(group).to_string()
    } else {
        group.clone()
    }
}

fn errors_cell(r: &StatsRow) -> String {
    match (r.errors, r.error_rate) {
        // Whole percents from 10% up keep the column narrow; the exact rate is in JSON.
        (Some(e), Some(rate)) if e > 0 && rate >= 0.1 => format!("{e} ({:.0}%)", rate * 100.0),
        (Some(e), Some(rate)) if e > 0 => format!("{e} ({:.1}%)", rate * 100.0),
        (Some(e), _) => e.to_string(),
        (None, _) => "?".into(),
    }
}

/// The table; days lose their year when that is what makes room for the trend bar.
fn table(report: &StatsReport, width: usize) -> String {
    let (text, bars) = table_with(report, width, false);
    let trend = report.by.is_some_and(|b| b.is_time());
    if trend && !bars && one_year(report) {
        table_with(report, width, true).0
    } else {
        text
    }
}

/// The table with the group labels `short` or not, and whether it has the trend bar.
fn table_with(report: &StatsReport, width: usize, short: bool) -> (String, bool) {
    if report.rows.is_empty() {
        return (String::new(), false);
    }
    let grouped = report.by.is_some();
    let trend = report.by.is_some_and(|b| b.is_time());
    let cost = report.rows.iter().any(|r| r.cost_usd.is_some());
    let count_header = match report.unit {
        Unit::Traces => "TRACES",
        Unit::Spans => "SPANS",
    };
    let mut headers: Vec<&str> = Vec::new();
    if let Some(by) = report.by {
        headers.push(by.header());
    }
    headers.extend([count_header, "ERRORS", "P50", "P95", "P99", "MAX", "TOKENS"]);
    if cost {
        headers.push("COST");
    }
    let ms = |v: Option<f64>| v.map(duration).unwrap_or_else(|| "-".into());
    let rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|r| {
            let mut cells = Vec::new();
            if grouped {
                cells.push(group_label(report, r, short));
            }
            cells.extend([
                short_count(r.count),
                errors_cell(r),
                ms(r.p50_ms),
                ms(r.p95_ms),
                ms(r.p99_ms),
                ms(r.max_ms),
                r.total_tokens
                    .map(short_count)
                    .unwrap_or_else(|| "-".into()),
            ]);
            if cost {
                cells.push(r.cost_usd.map(money).unwrap_or_else(|| "-".into()));
            }
            cells
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| fit::width(h)).collect();
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(fit::width(c));
        }
    }
    // The group column gives way when the terminal is narrow; the numbers never do.
    let numbers: usize =
        widths.iter().skip(usize::from(grouped)).sum::<usize>() + GAP.len() * (widths.len() - 1);
    if grouped {
        widths[0] = widths[0].min(width.saturating_sub(numbers).max(8));
    }
    let used = widths.iter().sum::<usize>() + GAP.len() * (widths.len() - 1);
    let bar_room = width.saturating_sub(used + GAP.len()).min(MAX_BAR);
    let bars = trend && bar_room >= MIN_BAR;
    let most = report.rows.iter().map(|r| r.count).max().unwrap_or(0);
    let line = |cells: &[String], bar: Option<String>| {
        let mut parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if grouped && i == 0 {
                    let c = cut(c, widths[0]);
                    let pad = widths[0].saturating_sub(fit::width(&c));
                    format!("{c}{}", " ".repeat(pad))
                } else {
                    format!("{}{c}", " ".repeat(widths[i].saturating_sub(fit::width(c))))
                }
            })
            .collect();
        if let Some(bar) = bar {
            parts.push(bar);
        }
        let mut l = parts.join(GAP).trim_end().to_string();
        l.push('\n');
        l
    };
    let header_cells: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let mut out = line(&header_cells, bars.then(|| TREND.to_string()));
    for (row, r) in rows.iter().zip(&report.rows) {
        out.push_str(&line(row, bars.then(|| bar(r.count, most, bar_room))));
    }
    (out, bars)
}

/// A bar of `value` out of `most`, at most `room` characters, in eighths of a character; a
/// bucket with any traces shows at least a sliver.
fn bar(value: u64, most: u64, room: usize) -> String {
    if most == 0 || value == 0 {
        return String::new();
    }
    let eighths = ((value as f64 / most as f64) * (room * 8) as f64).round() as usize;
    let eighths = eighths.max(1);
    let mut s = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        s.push(EIGHTHS[eighths % 8 - 1]);
    }
    s
}

fn csv(rows: &[StatsRow]) -> String {
    let text = |v: Option<&str>| match v {
        None => String::new(),
        Some(t) if t.is_empty() || t.contains([',', '"', '\r', '\n']) => {
            format!("\"{}\"", t.replace('"', "\"\""))
        }
        Some(t) => t.to_string(),
    };
    let num = |v: Option<f64>| v.map(|n| n.to_string()).unwrap_or_default();
    let int = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
    let mut out = String::from("group,count,errors,error_rate,p50_ms,p95_ms,p99_ms,max_ms,input_tokens,output_tokens,total_tokens,cost_usd\r\n");
    for r in rows {
        let cells = [
            text(r.group.as_deref()),
            r.count.to_string(),
            int(r.errors),
            num(r.error_rate),
            num(r.p50_ms),
            num(r.p95_ms),
            num(r.p99_ms),
            num(r.max_ms),
            int(r.input_tokens),
            int(r.output_tokens),
            int(r.total_tokens),
            num(r.cost_usd),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{GroupBy, Percentiles};

    fn row(day: &str, count: u64) -> StatsRow {
        StatsRow {
            group: Some(day.into()),
            count,
            errors: Some(1),
            error_rate: Some(1.0 / count as f64),
            p50_ms: Some(850.0),
            p95_ms: Some(1250.0),
            p99_ms: Some(123_000.0),
            max_ms: Some(130_000.0),
            input_tokens: Some(1000),
            output_tokens: Some(234_567),
            total_tokens: Some(235_567),
            cost_usd: None,
        }
    }

    fn report(rows: Vec<StatsRow>) -> StatsReport {
        StatsReport {
            by: Some(GroupBy::Day),
            unit: Unit::Traces,
            percentiles: Percentiles::Approximate,
            since: None,
            until: None,
            source: "tables",
            aggregated_by: "warehouse",
            complete: true,
            rows,
        }
    }

    #[test]
    fn a_day_table_fits_80_columns_with_a_trend_bar() {
        let text = table(
            &report(vec![row("2026-11-29", 4), row("2026-11-30", 8)]),
            80,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("DAY         TRACES"), "{text}");
        assert!(lines[0].ends_with("TREND"), "{text}");
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{text}");
        assert!(
            lines[1].contains("1 (25%)") && lines[1].contains("850ms"),
            "{text}"
        );
        assert!(
            lines[1].contains("2m03s") && lines[1].contains("235.6k"),
            "{text}"
        );
        // Twice the traces, twice the bar.
        let bar_of = |l: &str| -> usize {
            l.chars()
                .map(|c| EIGHTHS.iter().position(|e| *e == c).map_or(0, |i| i + 1))
                .sum()
        };
        assert_eq!(bar_of(lines[2]), 2 * bar_of(lines[1]), "{text}");
    }

    #[test]
    fn days_lose_their_year_only_when_the_bar_needs_the_room() {
        let mut wide = row("2026-11-29", 400);
        wide.errors = Some(31);
        wide.error_rate = Some(31.0 / 400.0);
        wide.cost_usd = Some(12.5);
        wide.p50_ms = Some(12_340.0);
        wide.p95_ms = Some(15_000.0);
        let r = report(vec![wide, row("2026-11-30", 8)]);
        let text = table(&r, 80);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("DAY    TRACES"), "{text}");
        assert!(lines[0].ends_with("TREND"), "{text}");
        assert!(lines[1].starts_with("11-29 "), "{text}");
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{text}");
        let text = table(&r, 120);
        assert!(
            text.lines().nth(1).unwrap().starts_with("2026-11-29 "),
            "{text}"
        );
    }

    #[test]
    fn bars_and_counts() {
        assert_eq!(bar(0, 10, 8), "");
        assert_eq!(bar(10, 10, 4), "████");
        assert_eq!(bar(1, 1000, 4), "▏");
        assert_eq!(bar(5, 10, 3), "█▌");
        assert_eq!(short_count(9999), "9999");
        assert_eq!(short_count(12_345), "12.3k");
        assert_eq!(short_count(4_560_000), "4.56M");
    }

    #[test]
    fn csv_and_jsonl_keep_exact_numbers() {
        let text = csv(&[row("2026-11-30", 4)]);
        assert!(text.starts_with("group,count,errors,error_rate,"), "{text}");
        assert!(
            text.contains("2026-11-30,4,1,0.25,850,1250,123000,130000,1000,234567,235567,\r\n"),
            "{text}"
        );
    }
}
