//! Rows that wait for Pith features: they are listed so that the table shows the gap, and
//! are measured once the feature lands.

use super::super::report::{Report, Row, Side, Unit};
use super::super::Bench;

pub fn measure(bench: &Bench, report: &mut Report) {
    let pending = [("net-throughput", "network throughput", "networking")];
    for (id, title, feature) in pending {
        if bench.options.wants(id) {
            let mut row = Row::new(id, title, Unit::Milliseconds, bench.accel.as_str());
            row.pith = Side::not_available(format!("Pith has no {feature} yet"));
            row.linux = Side::not_available(format!("not measured until Pith has {feature}"));
            report.rows.push(row);
        }
    }
}
