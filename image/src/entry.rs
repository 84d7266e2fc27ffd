//! One file-system entry of an image as its users see it, and the rules a stored name and
//! file type must follow (rule 2 of `docs/image-format.md`).

use core::fmt;

use crate::cpio::{RawEntry, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
use crate::error::{HeaderProblem, ImageError};
use crate::escaped::Escaped;

/// The kinds of entry an image may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Directory,
    File,
    /// A symbolic link; its target is the entry's data.
    Symlink,
}

impl EntryKind {
    /// The kind stored in the file type bits of `mode`, if it is one images may hold.
    pub(crate) fn from_mode(mode: u32) -> Option<EntryKind> {
        match mode & S_IFMT {
            S_IFDIR => Some(EntryKind::Directory),
            S_IFREG => Some(EntryKind::File),
            S_IFLNK => Some(EntryKind::Symlink),
            _ => None,
        }
    }
}

/// An entry of a validated image, borrowing its name and data from the image bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Path relative to the guest's root as stored: no leading `/`, no `.` or `..`.
    pub path: &'a [u8],
    pub kind: EntryKind,
    /// The full `st_mode`: file type and permission bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: u32,
    pub ino: u32,
    /// File contents, or a symbolic link's target; empty for directories.
    pub data: &'a [u8],
    /// Offset of `data` from the start of the image. The writer makes it a multiple of 4096
    /// for regular files of 4096 bytes or more; the reader does not insist, so check it before
    /// mapping pages.
    pub data_offset: usize,
}

impl<'a> Entry<'a> {
    /// Checks what the format allows beyond a well-formed header: the file type, the name,
    /// and data that makes sense for the type.
    pub(crate) fn from_raw(raw: &RawEntry<'a>, offset: usize) -> Result<Entry<'a>, ImageError> {
        let bad = |problem| ImageError::BadHeader { offset, problem };
        let mode = raw.header.mode;
        let kind = EntryKind::from_mode(mode).ok_or(bad(HeaderProblem::UnsupportedType(mode)))?;
        if !is_clean_relative_path(raw.name) {
            return Err(bad(HeaderProblem::UnsafeName));
        }
        match kind {
            EntryKind::Directory if !raw.data.is_empty() => {
                return Err(bad(HeaderProblem::DirectoryWithData))
            }
            EntryKind::Symlink if raw.data.is_empty() => {
                return Err(bad(HeaderProblem::EmptySymlinkTarget))
            }
            _ => {}
        }

        Ok(Entry {
            path: raw.name,
            kind,
            mode,
            uid: raw.header.uid,
            gid: raw.header.gid,
            mtime: raw.header.mtime,
            ino: raw.header.ino,
            data: raw.data,
            data_offset: raw.data_offset,
        })
    }
}

// By hand, so that logging an entry shows its path as text and not every byte of its data.
impl fmt::Debug for Entry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("path", &Escaped(self.path))
            .field("kind", &self.kind)
            .field("mode", &format_args!("{:#o}", self.mode))
            .field("ino", &self.ino)
            .field("data_len", &self.data.len())
            .field("data_offset", &self.data_offset)
            .finish_non_exhaustive()
    }
}

/// Whether `path` is non-empty, has no leading or trailing `/`, and has no empty, `.` or `..`
/// components, so that joining it to the root can never escape or alias another name.
pub(crate) fn is_clean_relative_path(path: &[u8]) -> bool {
    !path.is_empty()
        && path
            .split(|&byte| byte == b'/')
            .all(|component| !matches!(component, b"" | b"." | b".."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_paths() {
        for path in [
            &b"usr"[..],
            b"usr/bin/python3",
            b".pith/manifest",
            b"a/..b/c.",
        ] {
            assert!(is_clean_relative_path(path), "{path:?}");
        }
        for path in [
            &b""[..],
            b"/usr",
            b"usr/",
            b"a//b",
            b"./a",
            b"a/./b",
            b"a/..",
            b"..",
        ] {
            assert!(!is_clean_relative_path(path), "{path:?}");
        }
    }

    #[test]
    fn kinds_come_from_the_type_bits() {
        assert_eq!(EntryKind::from_mode(0o040755), Some(EntryKind::Directory));
        assert_eq!(EntryKind::from_mode(0o100644), Some(EntryKind::File));
        assert_eq!(EntryKind::from_mode(0o120777), Some(EntryKind::Symlink));
        assert_eq!(EntryKind::from_mode(0o020666), None);
        assert_eq!(EntryKind::from_mode(0o000644), None);
    }
}
