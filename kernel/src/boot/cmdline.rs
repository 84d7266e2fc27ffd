//! Options `pith` passes on the kernel command line (docs/host-protocol.md).

use log::LevelFilter;

/// Run-time options of the kernel.
pub struct Options<'a> {
    pub log_level: LevelFilter,
    /// The TSC frequency the host measured (`tsc_khz=`), to be checked before use.
    pub tsc_khz: Option<u64>,
    /// Which syscalls to trace (`trace=all` or `trace=openat,mmap`).
    pub trace: Option<&'a str>,
    /// Whether to print the syscall summary at exit (`summary=1`).
    pub summary: bool,
    /// Which of descriptors 0, 1 and 2 are terminals on the host (`tty=012`, `tty=` none).
    pub terminals: Option<u8>,
}

impl<'a> Options<'a> {
    /// Parses space-separated `key=value` words; unknown words are ignored.
    pub fn parse(cmdline: &'a str) -> Options<'a> {
        let mut options = Options {
            log_level: LevelFilter::Warn,
            tsc_khz: None,
            trace: None,
            summary: false,
            terminals: None,
        };
        for word in cmdline.split_ascii_whitespace() {
            let (key, value) = word.split_once('=').unwrap_or((word, ""));
            if key == "tty" {
                let digits = value.bytes().filter(|digit| (b'0'..=b'2').contains(digit));
                options.terminals = Some(digits.fold(0, |mask, digit| mask | 1 << (digit - b'0')));
            } else if key == "trace" {
                options.trace = Some(value);
            } else if key == "summary" {
                options.summary = value == "1";
            } else if key == "tsc_khz" {
                options.tsc_khz = value.parse().ok().filter(|&khz| khz > 0);
            } else if key == "log" {
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
