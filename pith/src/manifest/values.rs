//! Values of `Pith.toml` that need more than serde's derive: entries of `files`, the
//! runtime, and checked strings. Their errors carry the value's line, like any other.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::cli::MemorySize;

/// One entry of `files`: `"HOST"`, `"HOST:GUEST"` or `{ host = "HOST", guest = "GUEST" }`.
/// HOST is a file, a directory or a glob; without GUEST it keeps its absolute host path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub host: String,
    pub guest: Option<String>,
}

/// The table form of a [`FileEntry`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTable {
    host: String,
    /// Checked here, so that an error points at the value rather than the whole table.
    #[serde(default, deserialize_with = "absolute_path")]
    guest: Option<String>,
}

impl FileEntry {
    /// Splits `HOST:GUEST` at the last `:` when what follows is an absolute path.
    pub fn parse(text: &str) -> Result<FileEntry, String> {
        let (host, guest) = match text.rsplit_once(':') {
            Some((host, guest)) if guest.starts_with('/') => (host, Some(guest.to_owned())),
            _ => (text, None),
        };
        FileEntry::new(host.to_owned(), guest)
    }

    fn new(host: String, guest: Option<String>) -> Result<FileEntry, String> {
        if host.is_empty() {
            return Err("the host path is empty: write \"HOST\" or \"HOST:/GUEST\"".to_owned());
        }
        if let Some(guest) = &guest {
            check_absolute(guest)?;
        }
        Ok(FileEntry { host, guest })
    }
}

impl<'de> Deserialize<'de> for FileEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FileEntryVisitor)
    }
}

struct FileEntryVisitor;

impl<'de> Visitor<'de> for FileEntryVisitor {
    type Value = FileEntry;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string \"HOST:GUEST\" or a table { host = ..., guest = ... }")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<FileEntry, E> {
        FileEntry::parse(text).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FileEntry, A::Error> {
        let table = FileTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
        FileEntry::new(table.host, table.guest).map_err(de::Error::custom)
    }
}

/// Which language runtime's library tree goes into the image (docs/manifest.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuntimeChoice {
    /// The tree of the interpreter the program is, recognized by its name.
    #[default]
    Auto,
    /// No runtime tree.
    None,
    Python,
    Perl,
    Ruby,
    Lua,
    Node,
}

fn check_absolute(path: &str) -> Result<(), String> {
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(format!(
            "`{path}` is not an absolute guest path: start it with /"
        ))
    }
}

/// An absolute guest path.
pub fn absolute_path<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let path = String::deserialize(deserializer)?;
    check_absolute(&path).map_err(de::Error::custom)?;
    Ok(Some(path))
}

/// Environment variables: names that are not empty and have no `=` or NUL.
pub fn environment<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let env = BTreeMap::<String, String>::deserialize(deserializer)?;
    for (name, value) in &env {
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(de::Error::custom(format!(
                "`{name}` is not an environment variable name: it must not be empty or hold \
                 = or NUL"
            )));
        }
        if value.contains('\0') {
            return Err(de::Error::custom(format!(
                "the value of `{name}` holds a NUL"
            )));
        }
    }
    Ok(env)
}

/// Guest path globs, as the `glob` crate reads them.
pub fn patterns<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<glob::Pattern>, D::Error> {
    Vec::<String>::deserialize(deserializer)?
        .iter()
        .map(|text| {
            check_absolute(text).map_err(de::Error::custom)?;
            glob::Pattern::new(text)
                .map_err(|error| de::Error::custom(format!("`{text}` is not a glob: {error}")))
        })
        .collect()
}

/// Memory as `-m` takes it: `"256M"`, `"1G"`, or a number of MiB.
pub fn memory<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<MemorySize>, D::Error> {
    deserializer.deserialize_any(MemoryVisitor).map(Some)
}

struct MemoryVisitor;

impl Visitor<'_> for MemoryVisitor {
    type Value = MemorySize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a size such as \"256M\" or \"1G\", or a number of MiB")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<MemorySize, E> {
        MemorySize::parse(text).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, mib: i64) -> Result<MemorySize, E> {
        MemorySize::parse(&mib.to_string()).map_err(E::custom)
    }
}
