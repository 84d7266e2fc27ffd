//! The kernel's `log` backend: one line per message on standard error, quiet by default.

use core::fmt::Write;

use log::{Level, LevelFilter, Metadata, Record};

use crate::drivers::console::KernelWriter;

struct Logger;

static LOGGER: Logger = Logger;

impl log::Log for Logger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            Level::Error => "error: ",
            Level::Warn => "warning: ",
            Level::Info => "",
            Level::Debug | Level::Trace => "debug: ",
        };
        let _ = writeln!(KernelWriter, "[pith] {level}{}", record.args());
    }

    fn flush(&self) {}
}

pub fn init(level: LevelFilter) {
    // Only fails if a logger is already set, which would be this one.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}
