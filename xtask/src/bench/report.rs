//! The results: one row per measurement with a Pith side and a Linux side, printed as a
//! table and written as JSON.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::stats::Summary;

/// What a row's numbers count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Milliseconds,
    Mebibytes,
    Bytes,
    Cycles,
    /// A rate, where more is better: the ratio above 1 means Pith is faster.
    RequestsPerSecond,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Milliseconds => "ms",
            Unit::Mebibytes => "MiB",
            Unit::Bytes => "bytes",
            Unit::Cycles => "cycles",
            Unit::RequestsPerSecond => "requests/s",
        }
    }

    /// Whether a larger number is the better one (a rate rather than a cost).
    pub fn higher_is_better(self) -> bool {
        self == Unit::RequestsPerSecond
    }

    /// `value` for the table, with the unit, to a sensible precision.
    fn format(self, value: f64) -> String {
        match self {
            Unit::Milliseconds => format!("{} ms", significant(value, 3)),
            Unit::Mebibytes => format!("{value:.0} MiB"),
            Unit::Bytes if value < 1024.0 * 1024.0 => format!("{:.0} KiB", value / 1024.0),
            Unit::Bytes => format!("{:.2} MiB", value / (1024.0 * 1024.0)),
            Unit::Cycles => format!("{value:.0}"),
            Unit::RequestsPerSecond => format!("{value:.0} req/s"),
        }
    }

    /// The spread after `±`, in the unit the value was printed in, without the unit.
    fn format_spread(self, spread: f64, median: f64) -> String {
        match self {
            Unit::Milliseconds => significant(spread, 2),
            Unit::Mebibytes | Unit::Cycles | Unit::RequestsPerSecond => format!("{spread:.0}"),
            Unit::Bytes if median < 1024.0 * 1024.0 => format!("{:.0}", spread / 1024.0),
            Unit::Bytes => format!("{:.2}", spread / (1024.0 * 1024.0)),
        }
    }
}

/// One side (Pith or Linux) of a row: its samples, or why there are none.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub samples: Vec<f64>,
    /// Why a repetition gave no sample. With no samples at all the side prints as n/a with
    /// the first of these.
    pub failures: Vec<String>,
    /// The value is an upper bound: the true one may be lower (a memory search that
    /// succeeded at the lowest size it may try).
    pub at_most: bool,
}

impl Side {
    /// Adds one repetition's outcome.
    pub fn record(&mut self, outcome: Result<f64, String>) {
        match outcome {
            Ok(value) => self.samples.push(value),
            Err(reason) => self.failures.push(reason),
        }
    }

    /// A side that cannot be measured at all, for `reason`.
    pub fn not_available(reason: impl Into<String>) -> Side {
        Side {
            failures: vec![reason.into()],
            ..Side::default()
        }
    }

    pub fn summary(&self) -> Option<Summary> {
        Summary::of(&self.samples)
    }

    fn cell(&self, unit: Unit) -> String {
        let Some(summary) = self.summary() else {
            let reason = self.failures.first().map_or("no result", String::as_str);
            return format!("n/a ({})", shorten(reason, 50));
        };
        let bound = if self.at_most { "≤ " } else { "" };
        let mut cell = format!("{bound}{}", unit.format(summary.median));
        // One sample (a size, a memory threshold) has no spread to speak of.
        if self.samples.len() > 1 {
            let spread = unit.format_spread(summary.spread, summary.median);
            let _ = write!(cell, " ± {spread}");
        }
        if !self.failures.is_empty() {
            let _ = write!(cell, " ({} failed)", self.failures.len());
        }
        cell
    }

    fn to_json(&self) -> Value {
        let summary = self.summary();
        json!({
            "median": summary.as_ref().map(|s| s.median),
            "spread": summary.as_ref().map(|s| s.spread),
            "min": summary.as_ref().map(|s| s.min),
            "max": summary.as_ref().map(|s| s.max),
            "samples": self.samples,
            "at_most": self.at_most,
            "failures": self.failures,
            "available": summary.is_some(),
        })
    }
}

/// One measurement, both sides.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: &'static str,
    pub title: &'static str,
    pub unit: Unit,
    /// The accelerator both sides ran under, or `-` for what runs no VM (file sizes).
    pub accel: String,
    pub pith: Side,
    pub linux: Side,
}

impl Row {
    pub fn new(id: &'static str, title: &'static str, unit: Unit, accel: &str) -> Row {
        Row {
            id,
            title,
            unit,
            accel: accel.to_owned(),
            pith: Side::default(),
            linux: Side::default(),
        }
    }

    /// Pith's median over Linux's: below 1, Pith is faster, smaller or leaner; for a rate
    /// (`Unit::higher_is_better`), above 1 Pith serves more.
    pub fn ratio(&self) -> Option<f64> {
        let (pith, linux) = (self.pith.summary()?, self.linux.summary()?);
        (linux.median != 0.0).then(|| pith.median / linux.median)
    }
}

/// Every row of one benchmark run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub rows: Vec<Row>,
    /// Said under the table: what was skipped and why.
    pub notes: Vec<String>,
    /// Why the Linux side could not run at all (no Debian kernel to be had), if so.
    pub linux_unavailable: Option<String>,
}

impl Report {
    pub fn row(&self, id: &str) -> Option<&Row> {
        self.rows.iter().find(|row| row.id == id)
    }

    /// The table: row, accelerator, each side's median ± spread, and the ratio.
    pub fn table(&self) -> String {
        let header = ["row", "accel", "pith", "linux", "pith/linux"].map(String::from);
        let mut lines = vec![header];
        for row in &self.rows {
            lines.push([
                row.title.to_owned(),
                row.accel.clone(),
                row.pith.cell(row.unit),
                row.linux.cell(row.unit),
                row.ratio()
                    .map_or("-".to_owned(), |ratio| significant(ratio, 3)),
            ]);
        }

        let mut widths = [0; 5];
        for line in &lines {
            for (width, cell) in widths.iter_mut().zip(line) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut table = String::new();
        for line in &lines {
            let cells: Vec<String> = line
                .iter()
                .zip(widths)
                .map(|(cell, width)| pad(cell, width))
                .collect();
            let _ = writeln!(table, "{}", cells.join("  ").trim_end());
        }
        for note in &self.notes {
            let _ = writeln!(table, "note: {note}");
        }
        table
    }

    /// The machine-readable copy: every sample, the summaries and the ratio of each row.
    pub fn to_json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                json!({
                    "id": row.id,
                    "title": row.title,
                    "unit": row.unit.name(),
                    "higher_is_better": row.unit.higher_is_better(),
                    "accel": row.accel,
                    "pith": row.pith.to_json(),
                    "linux": row.linux.to_json(),
                    "ratio": row.ratio(),
                })
            })
            .collect();
        json!({ "rows": rows, "notes": self.notes })
    }
}

fn pad(cell: &str, width: usize) -> String {
    let missing = width.saturating_sub(cell.chars().count());
    format!("{cell}{}", " ".repeat(missing))
}

/// `value` to `digits` significant digits, without an exponent.
fn significant(value: f64, digits: i32) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    format!("{value:.decimals$}")
}

/// The first line of `text`, cut to `limit` characters.
pub fn shorten(text: &str, limit: usize) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() <= limit {
        return line.to_owned();
    }
    let cut: String = line.chars().take(limit - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pith: &[f64], linux: &[f64]) -> Row {
        let mut row = Row::new("boot", "boot", Unit::Milliseconds, "tcg");
        row.pith.samples = pith.to_vec();
        row.linux.samples = linux.to_vec();
        row
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(1234.5, 3), "1234");
        assert_eq!(significant(12.345, 3), "12.3");
        assert_eq!(significant(0.012345, 2), "0.012");
        assert_eq!(significant(0.0, 3), "0");
    }

    #[test]
    fn ratio_is_pith_over_linux() {
        assert_eq!(row(&[10.0], &[1000.0]).ratio(), Some(0.01));
        assert_eq!(row(&[10.0], &[]).ratio(), None);
    }

    #[test]
    fn table_shows_values_and_reasons() {
        let mut report = Report::default();
        report.rows.push(row(&[10.0, 12.0, 11.0], &[2000.0]));
        let mut missing = row(&[], &[5.0]);
        missing.pith = Side::not_available("threads: pthread_create: Function not implemented");
        report.rows.push(missing);

        let table = report.table();
        assert!(table.contains("11.0 ms ± 1.0"), "{table}");
        assert!(table.contains("2000 ms  "), "{table}");
        assert!(table.contains("0.0055"), "{table}");
        assert!(table.contains("n/a (threads: pthread_create: Function not implemented)"));
    }

    #[test]
    fn rates_show_as_requests_per_second() {
        let mut rate = row(&[1800.0, 2000.0, 1900.0], &[1000.0]);
        rate.unit = Unit::RequestsPerSecond;
        let report = Report {
            rows: vec![rate],
            ..Report::default()
        };
        let table = report.table();
        assert!(table.contains("1900 req/s ± 100"), "{table}");
        assert!(table.contains("1.90"), "{table}");
        assert_eq!(report.to_json()["rows"][0]["higher_is_better"], true);
    }

    #[test]
    fn json_keeps_samples_and_failures() {
        let mut failing = row(&[1.0], &[]);
        failing.linux.record(Err("timed out".into()));
        let report = Report {
            rows: vec![failing],
            ..Report::default()
        };
        let json = report.to_json();
        assert_eq!(json["rows"][0]["pith"]["samples"][0], 1.0);
        assert_eq!(json["rows"][0]["linux"]["available"], false);
        assert_eq!(json["rows"][0]["linux"]["failures"][0], "timed out");
        assert!(json["rows"][0]["ratio"].is_null());
    }

    #[test]
    fn long_reasons_are_cut() {
        assert_eq!(shorten("abcdef\nsecond line", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
