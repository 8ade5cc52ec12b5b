//! A row sink that keeps the rows, for commands that shape them before printing (the trace
//! list, the waterfall).

use std::sync::{Arc, Mutex};

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

impl Collected {
    /// A sink that fills `into` (the sink runs on the writer thread; the caller keeps `into`).
    pub fn sink(into: &Arc<Mutex<Collected>>) -> Box<dyn RowSink + Send> {
        Box::new(CollectInto(Arc::clone(into)))
    }

    /// What [`Collected::sink`] gathered.
    pub fn take(from: &Arc<Mutex<Collected>>) -> Collected {
        std::mem::take(&mut *from.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

struct CollectInto(Arc<Mutex<Collected>>);

impl CollectInto {
    fn with<T>(&self, f: impl FnOnce(&mut Collected) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl RowSink for CollectInto {
    fn begin(&mut self, columns: &[Column]) -> anyhow::Result<()> {
        self.with(|c| c.columns = columns.to_vec());
        Ok(())
    }
    fn rows(&mut self, rows: Vec<Row>) -> anyhow::Result<()> {
        self.with(|c| c.rows.extend(rows));
        Ok(())
    }
    fn finish(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}
