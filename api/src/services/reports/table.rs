//! A report as a table: what `GET /exports/<report>.csv` writes. Cells are
//! text already formatted for a person (times in the facility's zone with
//! their offset, shares as decimals); the CSV writer neutralises formulas.

use std::collections::BTreeMap;

/// One report's rows under one header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: Vec<&'static str>) -> Self {
        Table {
            header,
            rows: Vec::new(),
        }
    }

    /// Adds a row; it must have one cell per column.
    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.header.len(), "{:?}", self.header);
        self.rows.push(row);
    }
}

/// The export's query parameters beyond the common filter (`groupBy`, …),
/// by name, as sent.
pub type ExportParams = BTreeMap<String, String>;
