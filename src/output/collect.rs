//! A row sink that keeps the rows, for commands that shape them before printing (the trace
//! list, the waterfall).

use super::rows::{Row, RowSink};
use crate::api::statements::Column;

/// A sink that keeps the rows, for commands that shape them before printing.
#[derive(Default)]
pub struct Collected {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Collected {
    /// The cell of `column` in `row` (`None` for SQL NULL or a column the result lacks).
    pub fn cell<'r>(&self, row: &'r Row, column: &str) -> Option<&'r str> {
        let i = self.columns.iter().position(|c| c.name == column)?;
        row.get(i)?.as_deref()
    }
}

impl RowSink for Collected {
    fn begin(&mut self, columns: &[Column]) -> anyhow::Result<()> {
        self.columns = columns.to_vec();
        Ok(())
    }
    fn rows(&mut self, rows: Vec<Row>) -> anyhow::Result<()> {
        self.rows.extend(rows);
        Ok(())
    }
    fn finish(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}
