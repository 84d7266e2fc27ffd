//! Options `pith` passes on the kernel command line (docs/host-protocol.md).

use log::LevelFilter;

/// Run-time options of the kernel.
pub struct Options {
    pub log_level: LevelFilter,
}

impl Options {
    /// Parses space-separated `key=value` words; unknown words are ignored.
    pub fn parse(cmdline: &str) -> Options {
        let mut options = Options {
            log_level: LevelFilter::Warn,
        };
        for word in cmdline.split_ascii_whitespace() {
            let (key, value) = word.split_once('=').unwrap_or((word, ""));
            if key == "log" {
                options.log_level = match value {
                    "error" => LevelFilter::Error,
                    "info" => LevelFilter::Info,
                    "debug" => LevelFilter::Debug,
                    "trace" => LevelFilter::Trace,
                    _ => LevelFilter::Warn,
                };
            }
        }
        options
    }
}
