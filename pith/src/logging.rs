//! pith's own messages on standard error, each prefixed `pith: `: warnings always, and with
//! `--verbose` what pith decided (accelerator, image, QEMU command line).

use log::{Level, LevelFilter, Log, Metadata, Record};

struct StderrLogger;

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        match record.level() {
            Level::Error | Level::Warn => eprintln!("pith: warning: {}", record.args()),
            _ => eprintln!("pith: {}", record.args()),
        }
    }

    fn flush(&self) {}
}

/// Sends `log` records to standard error; `verbose` shows `info` and `debug` ones too.
pub fn init(verbose: bool) {
    static LOGGER: StderrLogger = StderrLogger;
    // Only fails if a logger is already set, which would then keep working.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(if verbose {
        LevelFilter::Debug
    } else {
        LevelFilter::Warn
    });
}
