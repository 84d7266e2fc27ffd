//! Turns code addresses into function names and source lines, from an ELF file's DWARF
//! line tables where it has them and its symbol table otherwise (the `addr2line` crate).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use object::{Object, ObjectSection, SectionKind};
use thiserror::Error;

#[derive(Debug, Error)]
#[error("cannot read symbols from {}: {reason}", path.display())]
pub struct SymbolError {
    path: PathBuf,
    reason: String,
}

/// One function at an address: the innermost first, then each it was inlined into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFrame {
    pub function: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
}

/// What an ELF file says about one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// From debug information: at least one frame.
    Source(Vec<SourceFrame>),
    /// From the symbol table only: the symbol containing the address and the offset into it.
    Symbol { name: String, offset: u64 },
    /// Neither knows the address.
    Unknown,
}

/// The symbols of one ELF file.
pub struct Symbolizer {
    loader: addr2line::Loader,
    /// The addresses of code. Debug information also describes code the linker dropped, at
    /// made-up addresses near 0, which a damaged backtrace must not be matched with.
    code: Vec<Range<u64>>,
    /// Source paths under this directory are shown relative to it.
    base: Option<PathBuf>,
}

impl Symbolizer {
    pub fn open(path: &Path) -> Result<Symbolizer, SymbolError> {
        let error = |reason: String| SymbolError {
            path: path.to_owned(),
            reason,
        };
        let loader = addr2line::Loader::new(path).map_err(|e| error(e.to_string()))?;
        let bytes = std::fs::read(path).map_err(|e| error(e.to_string()))?;
        let file = object::File::parse(&*bytes).map_err(|e| error(e.to_string()))?;
        let code = file
            .sections()
            .filter(|section| section.kind() == SectionKind::Text)
            .map(|section| section.address()..section.address() + section.size())
            .collect();
        let base = std::env::current_dir().ok();
        Ok(Symbolizer { loader, code, base })
    }

    /// What is at `address` (an address of the ELF file, without any load bias).
    pub fn place(&self, address: u64) -> Place {
        if !self.code.iter().any(|range| range.contains(&address)) {
            return Place::Unknown;
        }
        let frames = self.source_frames(address);
        let symbol = self.loader.find_symbol_info(address);
        match (frames.is_empty(), symbol) {
            (false, symbol) => {
                let mut frames = frames;
                // Code without DWARF function entries (assembly) still has line rows.
                if frames[0].function.is_none() {
                    frames[0].function = symbol.map(|symbol| demangle(symbol.name()));
                }
                Place::Source(frames)
            }
            (true, Some(symbol)) => Place::Symbol {
                name: demangle(symbol.name()),
                offset: address - symbol.address(),
            },
            (true, None) => Place::Unknown,
        }
    }

    fn source_frames(&self, address: u64) -> Vec<SourceFrame> {
        let mut frames = Vec::new();
        let Ok(mut iter) = self.loader.find_frames(address) else {
            return frames;
        };
        while let Ok(Some(frame)) = iter.next() {
            let function = frame
                .function
                .and_then(|name| name.demangle().ok().map(Cow::into_owned));
            let location = frame.location;
            let file = location.as_ref().and_then(|location| location.file);
            frames.push(SourceFrame {
                function,
                file: file.map(|file| self.shown_path(file)),
                line: location.and_then(|location| location.line),
            });
        }
        // A frame that names nothing says nothing.
        frames.retain(|frame| frame.function.is_some() || frame.file.is_some());
        frames
    }

    fn shown_path(&self, file: &str) -> String {
        let relative = self
            .base
            .as_deref()
            .and_then(|base| Path::new(file).strip_prefix(base).ok());
        match relative {
            Some(relative) => relative.display().to_string(),
            None => file.to_owned(),
        }
    }
}

fn demangle(name: &str) -> String {
    addr2line::demangle_auto(Cow::Borrowed(name), None).into_owned()
}

impl fmt::Display for SourceFrame {
    /// `main at tests/guests/signals.c:25`, or as much of it as is known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.function.as_deref().unwrap_or("??"))?;
        if let Some(file) = &self.file {
            write!(f, " at {file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel;
    use object::{Object, ObjectSymbol};

    /// The embedded kernel as a file, and the address of one of its functions.
    fn kernel_and_function(name: &str) -> (tempfile::TempDir, PathBuf, u64) {
        let scratch = tempfile::tempdir().unwrap();
        let path = kernel::file(scratch.path()).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let file = object::File::parse(&*bytes).unwrap();
        let symbol = file
            .symbols()
            .find(|symbol| symbol.name().is_ok_and(|symbol| symbol.contains(name)))
            .unwrap_or_else(|| panic!("the kernel has a symbol containing {name}"));
        (scratch, path, symbol.address())
    }

    #[test]
    fn kernel_addresses_have_functions_and_lines() {
        let (_scratch, path, address) = kernel_and_function("fatal_kernel_error");
        let symbolizer = Symbolizer::open(&path).unwrap();
        let Place::Source(frames) = symbolizer.place(address + 4) else {
            panic!("the kernel is built with line tables");
        };
        let innermost = frames.last().unwrap().to_string();
        assert!(
            innermost.starts_with("pith_kernel::panic::fatal_kernel_error at ")
                && innermost.contains("src/panic.rs:"),
            "{innermost}"
        );
    }

    #[test]
    fn unknown_addresses() {
        let (_scratch, path, _) = kernel_and_function("fatal_kernel_error");
        let symbolizer = Symbolizer::open(&path).unwrap();
        assert_eq!(symbolizer.place(0x10), Place::Unknown);
    }

    #[test]
    fn unreadable_files_are_errors() {
        let error = Symbolizer::open(Path::new("/nonexistent/prog"))
            .err()
            .unwrap();
        assert!(
            error
                .to_string()
                .starts_with("cannot read symbols from /nonexistent/prog: "),
            "{error}"
        );
    }

    #[test]
    fn frames_show_what_is_known() {
        let frame = |function: Option<&str>, file: Option<&str>, line| SourceFrame {
            function: function.map(str::to_owned),
            file: file.map(str::to_owned),
            line,
        };
        assert_eq!(
            frame(Some("main"), Some("a.c"), Some(25)).to_string(),
            "main at a.c:25"
        );
        assert_eq!(frame(Some("main"), None, None).to_string(), "main");
        assert_eq!(frame(None, Some("a.c"), None).to_string(), "?? at a.c");
    }
}
