//! Language runtimes whose interpreter loads a tree of library files at run time: the tree
//! to put in the image for each, found from the interpreter's name and install prefix
//! without running it. docs/manifest.md says what each one gets.

use std::path::{Path, PathBuf};

use super::DepsError;
use crate::manifest::RuntimeChoice;

/// The multiarch directory of Debian and Ubuntu.
const MULTIARCH: &str = "lib/x86_64-linux-gnu";

/// Guest paths left out of copied trees, as glob patterns (`*` stays inside one component).
#[derive(Debug, Clone, Copy)]
pub struct Exclude<'a>(pub &'a [glob::Pattern]);

impl Exclude<'_> {
    pub fn matches(&self, guest: &str) -> bool {
        let options = glob::MatchOptions {
            require_literal_separator: true,
            ..glob::MatchOptions::new()
        };
        self.0
            .iter()
            .any(|pattern| pattern.matches_with(guest, options))
    }

    /// Whether `guest` or a directory above it is left out.
    pub fn covers(&self, guest: &str) -> bool {
        Path::new(guest)
            .ancestors()
            .any(|path| self.matches(&path.to_string_lossy()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Python,
    Perl,
    Ruby,
    Lua,
    Node,
}

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Python => "python",
            Runtime::Perl => "perl",
            Runtime::Ruby => "ruby",
            Runtime::Lua => "lua",
            Runtime::Node => "node",
        }
    }
}

/// A host directory to copy whole, less what `exclude` matches.
#[derive(Debug, Clone)]
pub struct RuntimeTree {
    pub root: PathBuf,
    pub exclude: Vec<glob::Pattern>,
}

impl RuntimeTree {
    fn new(root: PathBuf, exclude: &[String]) -> RuntimeTree {
        let exclude = exclude
            .iter()
            .filter_map(|pattern| glob::Pattern::new(pattern).ok())
            .collect();
        RuntimeTree { root, exclude }
    }
}

/// The runtime `program` (a canonical host path) is, by the manifest's choice or its name,
/// with its version if the name says it (`python3.11` says 3.11).
pub fn identify(program: &Path, choice: RuntimeChoice) -> Option<(Runtime, Option<String>)> {
    let name = program.file_name()?.to_str()?;
    let (named, version) = from_name(name).unzip();
    let runtime = match choice {
        RuntimeChoice::Auto => named?,
        RuntimeChoice::None => return None,
        RuntimeChoice::Python => Runtime::Python,
        RuntimeChoice::Perl => Runtime::Perl,
        RuntimeChoice::Ruby => Runtime::Ruby,
        RuntimeChoice::Lua => Runtime::Lua,
        RuntimeChoice::Node => Runtime::Node,
    };
    let version = version.flatten().filter(|_| named == Some(runtime));
    Some((runtime, version))
}

/// `python3.11` is Python 3.11; `perl`, `ruby3.1`, `lua5.4`, `luajit`, `node`, `nodejs`.
fn from_name(name: &str) -> Option<(Runtime, Option<String>)> {
    let prefixes = [
        ("python", Runtime::Python),
        ("perl", Runtime::Perl),
        ("ruby", Runtime::Ruby),
        ("luajit", Runtime::Lua),
        ("lua", Runtime::Lua),
        ("nodejs", Runtime::Node),
        ("node", Runtime::Node),
    ];
    let (runtime, rest) = prefixes
        .iter()
        .find_map(|(prefix, runtime)| Some((*runtime, name.strip_prefix(prefix)?)))?;
    if !rest.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let version = rest.contains('.').then(|| rest.to_owned());
    Some((runtime, version))
}

/// The trees `runtime`, installed as `program`, loads; `needed` are the program's DT_NEEDED
/// names, which may tell the version (`libpython3.11.so.1.0`, `libruby-3.1.so.3.1`).
pub fn trees(
    runtime: Runtime,
    program: &Path,
    version: Option<String>,
    needed: &[String],
) -> Vec<RuntimeTree> {
    // /usr/bin/python3.11 is installed under the prefix /usr.
    let prefix = program
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("/usr"));
    let version = version.or_else(|| version_from_needed(runtime, needed));
    match runtime {
        Runtime::Python => python(prefix, version),
        Runtime::Perl => perl(prefix),
        Runtime::Ruby => ruby(prefix, version),
        Runtime::Lua => lua(prefix, version),
        // Node's built-in modules are compiled into the binary.
        Runtime::Node => Vec::new(),
    }
}

fn version_from_needed(runtime: Runtime, needed: &[String]) -> Option<String> {
    let prefix = match runtime {
        Runtime::Python => "libpython",
        Runtime::Ruby => "libruby-",
        Runtime::Lua => "liblua",
        _ => return None,
    };
    needed.iter().find_map(|name| {
        let version = name.strip_prefix(prefix)?.split(".so").next()?;
        version.contains('.').then(|| version.to_owned())
    })
}

/// The standard library, `lib-dynload` included, less what only developers use.
fn python(prefix: &Path, version: Option<String>) -> Vec<RuntimeTree> {
    let lib = prefix.join("lib");
    let root = match version {
        Some(version) => lib.join(format!("python{version}")),
        None => match newest(&lib, "python3.") {
            Some(root) => root,
            None => return Vec::new(),
        },
    };
    let root_text = root.to_string_lossy().into_owned();
    let exclude = ["test", "idlelib", "tkinter", "turtledemo", "config-*"]
        .map(|name| format!("{root_text}/{name}"));
    vec![RuntimeTree::new(root, &exclude)]
}

/// Debian's split core library (perl-base, then the full core of the `perl` package), or a
/// plain `lib/perl5` under the prefix.
fn perl(prefix: &Path) -> Vec<RuntimeTree> {
    let mut roots = vec![prefix.join(MULTIARCH).join("perl-base")];
    roots.extend(short_versions(&prefix.join("share/perl"), "5."));
    roots.extend(short_versions(&prefix.join(MULTIARCH).join("perl"), "5."));
    roots.push(prefix.join("lib/perl5"));
    let prefix_text = prefix.to_string_lossy().into_owned();
    let exclude = [
        format!("{prefix_text}/{MULTIARCH}/perl/5.*/CORE"),
        format!("{prefix_text}/share/perl/5.*/pod"),
    ];
    existing(roots, &exclude)
}

/// The standard library, its compiled extensions, the default gems RubyGems loads at start-up,
/// and Debian's vendor directory.
fn ruby(prefix: &Path, version: Option<String>) -> Vec<RuntimeTree> {
    let start = version.map_or("".to_owned(), |version| format!("{version}."));
    let lib = prefix.join("lib/ruby");
    let mut roots = versions(&lib, &start);
    roots.extend(versions(&prefix.join(MULTIARCH).join("ruby"), &start));
    roots.extend(versions(&lib.join("gems"), &start));
    roots.push(lib.join("vendor_ruby"));
    existing(roots, &[])
}

/// Lua's standard library is in the interpreter; modules installed for it are here.
fn lua(prefix: &Path, version: Option<String>) -> Vec<RuntimeTree> {
    let Some(version) = version else {
        return Vec::new();
    };
    let roots = [prefix, Path::new("/usr/local")]
        .iter()
        .flat_map(|prefix| {
            [
                prefix.join("share/lua").join(&version),
                prefix.join("lib/lua").join(&version),
                prefix.join(MULTIARCH).join("lua").join(&version),
            ]
        })
        .collect();
    existing(roots, &[])
}

fn existing(roots: Vec<PathBuf>, exclude: &[String]) -> Vec<RuntimeTree> {
    let mut trees: Vec<RuntimeTree> = Vec::new();
    for root in roots.into_iter().filter(|root| root.is_dir()) {
        if !trees.iter().any(|tree| tree.root == root) {
            trees.push(RuntimeTree::new(root, exclude));
        }
    }
    trees
}

/// Entries of `dir` named `start` then a version (digits and dots), sorted.
fn versions(dir: &Path, start: &str) -> Vec<PathBuf> {
    let is_version = |name: &str| {
        name.strip_prefix(start).is_some_and(|rest| {
            rest.starts_with(|c: char| c.is_ascii_digit())
                && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        })
    };
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| is_version(&entry.file_name().to_string_lossy()))
        .map(|entry| entry.path())
        .collect();
    found.sort();
    found
}

/// Of `5.36` and `5.36.0` (Debian links the first to the second), the two-part names that
/// @INC uses; all of them if there are none.
fn short_versions(dir: &Path, start: &str) -> Vec<PathBuf> {
    let all = versions(dir, start);
    let short: Vec<PathBuf> = all
        .iter()
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().matches('.').count() == 1)
        })
        .cloned()
        .collect();
    if short.is_empty() {
        all
    } else {
        short
    }
}

/// The highest version among entries of `dir` named `start` and a number.
fn newest(dir: &Path, start: &str) -> Option<PathBuf> {
    versions(dir, start).into_iter().max_by_key(|path| {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        let minor = name
            .as_deref()
            .and_then(|name| name.strip_prefix(start)?.parse::<u32>().ok());
        minor.unwrap_or(0)
    })
}

/// The regular files under `root` (not following links) that look like shared objects,
/// skipping what `exclude` matches.
pub fn shared_objects(root: &Path, exclude: Exclude) -> Result<Vec<PathBuf>, DepsError> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| DepsError::Read {
            path: dir.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if exclude.matches(&path.to_string_lossy()) {
                continue;
            }
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if file_type.is_dir() {
                pending.push(path);
            } else if file_type.is_file() && (name.ends_with(".so") || name.contains(".so.")) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests;
