//! The backtrace pith prints after a crash: each address of the crash frame with the
//! function and source line it belongs to, looked up on the host in the program's ELF file
//! (or the kernel's, for a kernel failure).

use std::fmt::Write;
use std::path::PathBuf;

use super::crash::{Crash, CrashKind};
use super::program::ProgramFile;
use super::symbolize::{Place, Symbolizer};

/// The ELF files a crash is symbolized from.
pub struct SymbolFiles {
    pub kernel: PathBuf,
    pub program: ProgramFile,
}

/// Prints the backtrace of `crash` on standard error.
pub fn print(crash: &Crash, files: &SymbolFiles) {
    eprint!("{}", render(crash, files));
}

/// `pith: backtrace:`, then one line per address, innermost first, each followed by the
/// functions inlined at it.
pub fn render(crash: &Crash, files: &SymbolFiles) -> String {
    let (symbolizer, bias) = match crash.kind {
        CrashKind::Program => {
            let symbolizer = files
                .program
                .path()
                .and_then(|path| Ok(Symbolizer::open(path)?));
            (symbolizer, crash.load_bias)
        }
        // The kernel runs at the addresses it is linked for.
        CrashKind::Kernel => (Symbolizer::open(&files.kernel).map_err(Into::into), 0),
    };

    let mut out = String::new();
    if let Err(error) = &symbolizer {
        let _ = writeln!(out, "pith: {error:#}; the backtrace shows addresses only");
    }
    out.push_str("pith: backtrace:\n");
    for (index, address) in crash.backtrace().enumerate() {
        // A return address follows the call instruction, which is what the line should name;
        // the call's last byte is in the same function even if the call ends it.
        let probe = if index == 0 {
            address
        } else {
            address.wrapping_sub(1)
        };
        let place = match &symbolizer {
            Ok(symbolizer) => symbolizer.place(probe.wrapping_sub(bias)),
            Err(_) => Place::Unknown,
        };
        write_frame(&mut out, index, address, &place);
    }
    out
}

fn write_frame(out: &mut String, index: usize, address: u64, place: &Place) {
    let _ = write!(out, "  #{index} {address:#018x} in ");
    match place {
        Place::Source(frames) => {
            let _ = writeln!(out, "{}", frames[0]);
            for caller in &frames[1..] {
                let _ = writeln!(out, "     inlined into {caller}");
            }
        }
        Place::Symbol { name, offset } => {
            let _ = writeln!(out, "{name}+{offset:#x}");
        }
        Place::Unknown => out.push_str("??\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::symbolize::SourceFrame;
    use crate::kernel;
    use object::{Object, ObjectSymbol};
    use std::path::Path;

    fn crash(kind: CrashKind, rip: u64, return_addresses: Vec<u64>) -> Crash {
        let mut registers = [0; 18];
        registers[0] = rip;
        Crash {
            kind,
            signal: 11,
            code: 1,
            address: 0,
            load_bias: 0,
            registers,
            return_addresses,
        }
    }

    #[test]
    fn kernel_failures_are_symbolized_from_the_kernel() {
        let scratch = tempfile::tempdir().unwrap();
        let kernel = kernel::file(scratch.path()).unwrap();
        let bytes = std::fs::read(&kernel).unwrap();
        let elf = object::File::parse(&*bytes).unwrap();
        let function = |name: &str| {
            elf.symbols()
                .find(|symbol| symbol.name().is_ok_and(|symbol| symbol.contains(name)))
                .unwrap_or_else(|| panic!("no {name} in the kernel"))
                .address()
        };
        let failure = crash(
            CrashKind::Kernel,
            function("fatal_kernel_error") + 4,
            vec![function("rust_begin_unwind") + 8, 0x10],
        );
        let files = SymbolFiles {
            kernel,
            program: ProgramFile::host(Path::new("/nonexistent/prog")),
        };

        let report = render(&failure, &files);
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines[0], "pith: backtrace:", "{report}");
        assert!(lines[1].starts_with("  #0 0xffff"), "{report}");
        assert!(report.contains("fatal_kernel_error at "), "{report}");
        assert!(report.contains("src/panic.rs:"), "{report}");
        assert!(report.contains("  #1 0xffff"), "{report}");
        assert!(
            report.ends_with("  #2 0x0000000000000010 in ??\n"),
            "{report}"
        );
    }

    #[test]
    fn unreadable_programs_leave_addresses() {
        let files = SymbolFiles {
            kernel: PathBuf::from("/nonexistent/kernel"),
            program: ProgramFile::host(Path::new("/nonexistent/prog")),
        };
        let report = render(&crash(CrashKind::Program, 0x401000, vec![0x402000]), &files);
        assert_eq!(
            report,
            "pith: cannot resolve /nonexistent/prog: No such file or directory (os error 2); \
             the backtrace shows addresses only
pith: backtrace:
  #0 0x0000000000401000 in ??
  #1 0x0000000000402000 in ??
"
        );
    }

    #[test]
    fn frame_lines() {
        let mut out = String::new();
        let inner = SourceFrame {
            function: Some("lookup".to_owned()),
            file: Some("crash.c".to_owned()),
            line: Some(12),
        };
        let outer = SourceFrame {
            function: Some("main".to_owned()),
            file: Some("crash.c".to_owned()),
            line: Some(30),
        };
        write_frame(&mut out, 0, 0x4016c3, &Place::Source(vec![inner, outer]));
        let symbol = Place::Symbol {
            name: "__libc_start_call_main".to_owned(),
            offset: 0x7a,
        };
        write_frame(&mut out, 1, 0x401f00, &symbol);
        write_frame(&mut out, 2, 0x10, &Place::Unknown);
        assert_eq!(
            out,
            "  #0 0x00000000004016c3 in lookup at crash.c:12
     inlined into main at crash.c:30
  #1 0x0000000000401f00 in __libc_start_call_main+0x7a
  #2 0x0000000000000010 in ??
"
        );
    }
}
