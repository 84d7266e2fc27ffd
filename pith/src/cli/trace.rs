//! `--trace[=NAMES]`: which system calls the kernel traces, checked against the Linux x86-64
//! syscall table so that a misspelled name is caught on the host rather than silently
//! tracing nothing.

use thiserror::Error;

use super::syscall_names::{syscall_name, SYSCALL_COUNT};

/// How many close matches an error suggests.
const SUGGESTIONS: usize = 4;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TraceFilterError {
    /// An empty name: `--trace=` or a stray comma.
    #[error("name system calls separated by commas, as in --trace=openat,mmap, or give --trace alone to trace them all")]
    EmptyName,
    /// A name that is not in the table.
    #[error("`{name}` is not a Linux x86-64 system call{}", did_you_mean(.suggestions))]
    Unknown {
        name: String,
        suggestions: Vec<&'static str>,
    },
}

fn did_you_mean(suggestions: &[&str]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}

/// Which system calls to trace: the kernel's `trace=` option (docs/host-protocol.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceFilter {
    All,
    /// These names, each a Linux x86-64 system call, in the order given, without repeats.
    Only(Vec<&'static str>),
}

impl TraceFilter {
    /// Parses `all` or a comma-separated list of system call names.
    pub fn parse(text: &str) -> Result<TraceFilter, TraceFilterError> {
        if text == "all" {
            return Ok(TraceFilter::All);
        }
        let mut names = Vec::new();
        for name in text.split(',').map(str::trim) {
            let known = lookup(name)?;
            if !names.contains(&known) {
                names.push(known);
            }
        }
        Ok(TraceFilter::Only(names))
    }

    /// The value of the kernel's `trace=` option.
    pub fn kernel_option(&self) -> String {
        match self {
            TraceFilter::All => "all".to_owned(),
            TraceFilter::Only(names) => names.join(","),
        }
    }
}

/// Every system call name Linux defines for x86-64.
fn all_names() -> impl Iterator<Item = &'static str> {
    (0..SYSCALL_COUNT).filter_map(syscall_name)
}

fn lookup(name: &str) -> Result<&'static str, TraceFilterError> {
    if name.is_empty() {
        return Err(TraceFilterError::EmptyName);
    }
    all_names()
        .find(|known| *known == name)
        .ok_or_else(|| TraceFilterError::Unknown {
            name: name.to_owned(),
            suggestions: close_matches(name),
        })
}

/// Names within a small edit distance of `name` (a typo, a transposition), or that contain it
/// (`stat` for `fstat`), closest first.
fn close_matches(name: &str) -> Vec<&'static str> {
    let limit = (name.chars().count() / 3).max(1);
    let mut matches: Vec<(usize, &'static str)> = all_names()
        .filter_map(|known| {
            let distance = strsim::damerau_levenshtein(name, known);
            let contains = name.len() >= 3 && known.contains(name);
            (distance <= limit || contains).then_some((distance, known))
        })
        .collect();
    matches.sort();
    matches
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, known)| known)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_and_lists() {
        assert_eq!(TraceFilter::parse("all"), Ok(TraceFilter::All));
        let filter = TraceFilter::parse("openat,mmap,openat").unwrap();
        assert_eq!(filter, TraceFilter::Only(vec!["openat", "mmap"]));
        assert_eq!(filter.kernel_option(), "openat,mmap");
        assert_eq!(TraceFilter::All.kernel_option(), "all");
    }

    #[test]
    fn the_whole_table_is_known() {
        for name in ["read", "clone3", "exit_group", "set_mempolicy_home_node"] {
            assert_eq!(TraceFilter::parse(name), Ok(TraceFilter::Only(vec![name])));
        }
        // Numbers 0 to 334 and 424 to 452; 335 to 423 are unused on x86-64.
        assert_eq!(all_names().count(), 364);
    }

    #[test]
    fn misspellings_suggest_close_names() {
        let Err(TraceFilterError::Unknown { name, suggestions }) = TraceFilter::parse("opneat")
        else {
            panic!("opneat is not a syscall");
        };
        assert_eq!(name, "opneat");
        assert_eq!(suggestions[0], "openat");

        let error = TraceFilter::parse("mmap,mmapp").unwrap_err().to_string();
        assert!(
            error.starts_with("`mmapp` is not a Linux x86-64 system call; did you mean mmap"),
            "{error}"
        );
    }

    #[test]
    fn far_names_have_no_suggestion() {
        let error = TraceFilter::parse("xyzzyplugh").unwrap_err().to_string();
        assert_eq!(error, "`xyzzyplugh` is not a Linux x86-64 system call");
    }

    #[test]
    fn empty_names_are_refused() {
        for text in ["", "openat,", ",mmap", "openat,,mmap"] {
            assert_eq!(
                TraceFilter::parse(text),
                Err(TraceFilterError::EmptyName),
                "{text:?}"
            );
        }
    }
}
