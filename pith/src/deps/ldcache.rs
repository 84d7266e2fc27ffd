//! Reads `/etc/ld.so.cache`, the table `ldconfig` writes from library names to paths, in
//! glibc's "glibc-ld.so.cache1.1" format (see ldconfig(8) and glibc's `dl-cache.h`). An old
//! "ld.so-1.7.0" table in front of it is skipped. Only 64-bit x86-64 entries without
//! hardware-capability requirements are kept: the guest CPU is not the host's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where glibc's dynamic linker reads the cache.
pub const HOST_CACHE: &str = "/etc/ld.so.cache";

const OLD_MAGIC: &[u8] = b"ld.so-1.7.0";
const OLD_HEADER_LEN: usize = 16;
const OLD_ENTRY_LEN: usize = 12;
const NEW_MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
/// Magic and version, `nlibs`, `len_strings`, flags, padding, `extension_offset`, unused.
const NEW_HEADER_LEN: usize = 48;
/// `flags`, `key`, `value`, `osversion`, `hwcap`.
const NEW_ENTRY_LEN: usize = 24;
/// The new table starts at the next multiple of its alignment after an old one.
const NEW_ALIGN: usize = 8;
/// `FLAG_ELF_LIBC6 | FLAG_X8664_LIB64`: a glibc library for x86-64.
const X86_64_LIBC6: u32 = 0x0303;

/// Library names (`libm.so.6`) and the paths the cache gives them, first entry first.
#[derive(Debug, Default)]
pub struct LdCache {
    paths: HashMap<String, PathBuf>,
}

impl LdCache {
    /// Reads the cache at `path`. A missing or unreadable cache is empty, as it is to the
    /// dynamic linker, which then searches the default directories.
    pub fn read(path: &Path) -> LdCache {
        match std::fs::read(path) {
            Ok(bytes) => LdCache::parse(&bytes).unwrap_or_else(|| {
                log::warn!(
                    "{} is not a cache pith can read: ignoring it",
                    path.display()
                );
                LdCache::default()
            }),
            Err(error) => {
                log::debug!("no library cache at {}: {error}", path.display());
                LdCache::default()
            }
        }
    }

    /// Parses a cache, or says `None` if it is not in a format this reader knows.
    pub fn parse(bytes: &[u8]) -> Option<LdCache> {
        let table = new_table(bytes)?;
        let count = usize::try_from(read_u32(table, 20)?).ok()?;
        let mut paths = HashMap::new();
        for index in 0..count {
            let start = NEW_HEADER_LEN.checked_add(index.checked_mul(NEW_ENTRY_LEN)?)?;
            let entry = table.get(start..start.checked_add(NEW_ENTRY_LEN)?)?;
            let flags = read_u32(entry, 0)?;
            let hwcap = u64::from_le_bytes(entry.get(16..24)?.try_into().ok()?);
            if flags != X86_64_LIBC6 || hwcap != 0 {
                continue;
            }
            let name = string_at(table, read_u32(entry, 4)?)?;
            let path = string_at(table, read_u32(entry, 8)?)?;
            paths
                .entry(name.to_owned())
                .or_insert_with(|| PathBuf::from(path));
        }
        Some(LdCache { paths })
    }

    /// The path the cache gives library `name`.
    pub fn get(&self, name: &str) -> Option<&Path> {
        self.paths.get(name).map(PathBuf::as_path)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.paths.len()
    }
}

/// The new-format table: the whole file, or what follows an old-format table.
fn new_table(bytes: &[u8]) -> Option<&[u8]> {
    if bytes.starts_with(NEW_MAGIC) {
        return Some(bytes);
    }
    if !bytes.starts_with(OLD_MAGIC) {
        return None;
    }
    let old_count = usize::try_from(read_u32(bytes, OLD_MAGIC.len() + 1)?).ok()?;
    let old_end = OLD_HEADER_LEN.checked_add(old_count.checked_mul(OLD_ENTRY_LEN)?)?;
    let table = bytes.get(old_end.checked_next_multiple_of(NEW_ALIGN)?..)?;
    table.starts_with(NEW_MAGIC).then_some(table)
}

fn read_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    let field = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes(field.try_into().ok()?))
}

/// The NUL-terminated UTF-8 string at `offset` of the table.
fn string_at(table: &[u8], offset: u32) -> Option<&str> {
    let rest = table.get(usize::try_from(offset).ok()?..)?;
    let end = rest.iter().position(|&byte| byte == 0)?;
    std::str::from_utf8(&rest[..end]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// The cache on this machine agrees with `ldconfig -p`, which prints it.
    #[test]
    fn reads_the_hosts_cache_like_ldconfig() {
        let Ok(bytes) = std::fs::read(HOST_CACHE) else {
            panic!("{HOST_CACHE} is missing: this test needs a glibc host");
        };
        let cache = LdCache::parse(&bytes).expect("the host's cache parses");
        let printed = Command::new("ldconfig")
            .arg("-p")
            .output()
            .expect("running ldconfig -p");
        let printed = String::from_utf8_lossy(&printed.stdout).into_owned();

        let mut expected = HashMap::new();
        for line in printed.lines().skip(1) {
            let Some((left, path)) = line.trim().split_once(" => ") else {
                continue;
            };
            let Some((name, kind)) = left.split_once(" (") else {
                continue;
            };
            if kind == "libc6,x86-64)" {
                expected
                    .entry(name.to_owned())
                    .or_insert_with(|| PathBuf::from(path));
            }
        }
        assert!(
            expected.len() > 10,
            "ldconfig -p printed too little:\n{printed}"
        );
        assert_eq!(cache.paths, expected);
        assert!(cache.get("libc.so.6").is_some());
    }

    fn entry(flags: u32, key: u32, value: u32, hwcap: u64) -> Vec<u8> {
        let mut out = Vec::new();
        for field in [flags, key, value, 0] {
            out.extend_from_slice(&field.to_le_bytes());
        }
        out.extend_from_slice(&hwcap.to_le_bytes());
        out
    }

    /// A new-format table with the given entries and strings.
    fn table(entries: &[(u32, &str, &str, u64)]) -> Vec<u8> {
        let strings_start = NEW_HEADER_LEN + entries.len() * NEW_ENTRY_LEN;
        let mut strings = Vec::new();
        let mut out = NEW_MAGIC.to_vec();
        out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        out.resize(NEW_HEADER_LEN, 0);
        for (flags, name, path, hwcap) in entries {
            let key = (strings_start + strings.len()) as u32;
            strings.extend_from_slice(name.as_bytes());
            strings.push(0);
            let value = (strings_start + strings.len()) as u32;
            strings.extend_from_slice(path.as_bytes());
            strings.push(0);
            out.extend(entry(*flags, key, value, *hwcap));
        }
        out.extend(strings);
        out
    }

    #[test]
    fn keeps_only_plain_x86_64_entries() {
        let bytes = table(&[
            (X86_64_LIBC6, "libz.so.1", "/v3/libz.so.1", 1 << 62),
            (X86_64_LIBC6, "libz.so.1", "/lib/libz.so.1", 0),
            (0x0003, "libi386.so", "/lib32/libi386.so", 0),
            (X86_64_LIBC6, "libz.so.1", "/later/libz.so.1", 0),
        ]);
        let cache = LdCache::parse(&bytes).unwrap();
        assert_eq!(cache.get("libz.so.1"), Some(Path::new("/lib/libz.so.1")));
        assert_eq!(cache.get("libi386.so"), None);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn skips_an_old_table_in_front() {
        let mut bytes = OLD_MAGIC.to_vec();
        bytes.push(0);
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&[0; OLD_ENTRY_LEN]);
        bytes.resize(bytes.len().next_multiple_of(NEW_ALIGN), 0);
        bytes.extend(table(&[(X86_64_LIBC6, "libm.so.6", "/lib/libm.so.6", 0)]));
        let cache = LdCache::parse(&bytes).unwrap();
        assert_eq!(cache.get("libm.so.6"), Some(Path::new("/lib/libm.so.6")));
    }

    #[test]
    fn damaged_caches_are_refused_without_panicking() {
        let bytes = table(&[(X86_64_LIBC6, "libm.so.6", "/lib/libm.so.6", 0)]);
        for len in 0..bytes.len() {
            let _ = LdCache::parse(&bytes[..len]);
        }
        assert!(LdCache::parse(b"not a cache").is_none());
        let mut huge = bytes.clone();
        huge[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(LdCache::parse(&huge).is_none());
    }
}
