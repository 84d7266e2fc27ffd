//! Why an image was refused. Each message is one line saying what is wrong, because the
//! kernel prints it verbatim when it stops the boot.

use core::fmt;

/// An image or manifest that does not follow `docs/image-format.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageError {
    /// The image does not start with the newc magic `070701`.
    BadMagic,
    /// An entry (header, name or data) extends past the end of the image.
    Truncated { offset: usize },
    /// The entries end at `offset` without a `TRAILER!!!` entry.
    MissingTrailer { offset: usize },
    /// The entry header at `offset` is malformed.
    BadHeader {
        offset: usize,
        problem: HeaderProblem,
    },
    /// The first entry is not the regular file `.pith/manifest`.
    ManifestMissing,
    /// The manifest does not start with `PITH`.
    BadManifestMagic,
    /// The manifest has a format version this build does not know.
    UnsupportedVersion { version: u16 },
    /// The manifest header or the record at `offset` (within the manifest) is cut short.
    ManifestTruncated { offset: usize },
    /// The manifest has a record this build does not know and must not skip.
    UnknownRequiredTag { tag: u8 },
    /// The manifest has no program record.
    NoProgram,
    /// The manifest repeats a record that may appear at most once.
    DuplicateRecord { tag: u8 },
    /// A manifest path that must be absolute is not.
    NotAbsolute { tag: u8 },
    /// A manifest string contains a NUL byte, which cannot reach the program.
    NulInValue { tag: u8 },
    /// A manifest value does not fit the record's 32-bit length.
    ValueTooLong { tag: u8 },
    /// A manifest flag record, which must be empty, has a value.
    UnexpectedValue { tag: u8 },
}

/// What is wrong with one cpio entry header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderProblem {
    /// The header does not start with `070701`.
    BadMagic,
    /// The named field is not eight hexadecimal digits.
    NotHexadecimal(&'static str),
    /// The name is empty.
    EmptyName,
    /// The name field has no terminating NUL.
    UnterminatedName,
    /// The name is not a clean relative path.
    UnsafeName,
    /// The file type in `mode` is not a directory, regular file or symbolic link.
    UnsupportedType(u32),
    /// A directory entry carries data.
    DirectoryWithData,
    /// A symbolic link has an empty target.
    EmptySymlinkTarget,
}

/// The manifest record a tag stands for, as used in messages.
fn record_name(tag: u8) -> &'static str {
    match tag {
        1 => "program",
        2 => "argument",
        3 => "environment variable",
        4 => "working directory",
        0x81 => "read-only root flag",
        _ => "record",
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BadMagic => write!(f, "not a Pith image (bad magic)"),
            Self::Truncated { offset } => write!(
                f,
                "image is truncated (entry at offset {offset} runs past the end)"
            ),
            Self::MissingTrailer { offset } => write!(
                f,
                "image is truncated (entries end at offset {offset} without a TRAILER!!! entry)"
            ),
            Self::BadHeader { offset, problem } => {
                write!(f, "bad cpio header at offset {offset}: {problem}")
            }
            Self::ManifestMissing => write!(
                f,
                "image manifest is missing (the first entry must be the file .pith/manifest)"
            ),
            Self::BadManifestMagic => write!(f, "image manifest does not start with PITH"),
            Self::UnsupportedVersion { version } => write!(
                f,
                "image version {version} is not supported (this build supports version {})",
                crate::IMAGE_VERSION
            ),
            Self::ManifestTruncated { offset } => write!(
                f,
                "image manifest is truncated (record at offset {offset} runs past the end)"
            ),
            Self::UnknownRequiredTag { tag } => {
                write!(f, "manifest record with unknown required tag {tag}")
            }
            Self::NoProgram => write!(f, "manifest has no program"),
            Self::DuplicateRecord { tag } => {
                write!(f, "manifest has more than one {}", record_name(tag))
            }
            Self::NotAbsolute { tag } => {
                write!(f, "manifest {} is not an absolute path", record_name(tag))
            }
            Self::NulInValue { tag } => {
                write!(f, "manifest {} contains a NUL byte", record_name(tag))
            }
            Self::ValueTooLong { tag } => write!(
                f,
                "manifest {} is longer than a record can hold (4 GiB)",
                record_name(tag)
            ),
            Self::UnexpectedValue { tag } => {
                write!(f, "manifest {} must have an empty value", record_name(tag))
            }
        }
    }
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BadMagic => write!(f, "magic is not 070701"),
            Self::NotHexadecimal(field) => write!(f, "field {field} is not hexadecimal"),
            Self::EmptyName => write!(f, "name is empty"),
            Self::UnterminatedName => write!(f, "name has no terminating NUL"),
            Self::UnsafeName => write!(
                f,
                "name is not a relative path without empty, '.' or '..' components"
            ),
            Self::UnsupportedType(mode) => {
                write!(f, "unsupported file type (mode {mode:#o})")
            }
            Self::DirectoryWithData => write!(f, "directory has data"),
            Self::EmptySymlinkTarget => write!(f, "symbolic link has an empty target"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ImageError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn messages_are_one_line_and_specific() {
        let version = ImageError::UnsupportedVersion { version: 7 }.to_string();
        assert_eq!(
            version,
            "image version 7 is not supported (this build supports version 1)"
        );

        let header = ImageError::BadHeader {
            offset: 112,
            problem: HeaderProblem::NotHexadecimal("mode"),
        };
        assert_eq!(
            header.to_string(),
            "bad cpio header at offset 112: field mode is not hexadecimal"
        );

        let truncated = ImageError::Truncated { offset: 4096 }.to_string();
        assert_eq!(
            truncated,
            "image is truncated (entry at offset 4096 runs past the end)"
        );
        assert!(!truncated.contains('\n'));
    }
}
