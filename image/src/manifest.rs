//! The manifest (`.pith/manifest`): what to run, with which arguments, environment and
//! working directory. A binary list of tag-length-value records after an 8-byte header; see
//! "The manifest" in `docs/image-format.md`.

use alloc::vec::Vec;
use core::fmt;

use crate::error::ImageError;
use crate::escaped::{Escaped, EscapedList};

/// The manifest format version this build reads and writes.
pub const IMAGE_VERSION: u16 = 1;

/// Name of the manifest entry, which must come first in the image.
pub(crate) const MANIFEST_PATH: &str = ".pith/manifest";

const MAGIC: &[u8; 4] = b"PITH";
const HEADER_LEN: usize = 8;
/// A tag byte and a 4-byte little-endian length.
const RECORD_HEADER_LEN: usize = 5;

const TAG_PROGRAM: u8 = 1;
const TAG_ARGUMENT: u8 = 2;
const TAG_ENVIRONMENT: u8 = 3;
const TAG_WORKDIR: u8 = 4;
/// Optional: the root filesystem is read-only (`EROFS`); the value is empty.
const TAG_READ_ONLY_ROOT: u8 = 0x81;
/// Tags with this bit set may be skipped by readers that do not know them.
const TAG_OPTIONAL: u8 = 0x80;

/// What the kernel runs: all strings are raw bytes, because Linux arguments need not be UTF-8.
#[derive(Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Absolute guest path of the executable.
    pub program: Vec<u8>,
    /// `argv`, `argv[0]` first.
    pub args: Vec<Vec<u8>>,
    /// `envp`, each `KEY=VALUE`.
    pub env: Vec<Vec<u8>>,
    /// Absolute guest path of the initial working directory.
    pub workdir: Vec<u8>,
    /// Whether the application may not change the root filesystem (writes fail with
    /// `EROFS`); by default changes are kept in memory for the run.
    pub read_only_root: bool,
}

impl Default for Manifest {
    /// An empty manifest with the default working directory `/`; it needs a program to be valid.
    fn default() -> Self {
        Manifest {
            program: Vec::new(),
            args: Vec::new(),
            env: Vec::new(),
            workdir: b"/".to_vec(),
            read_only_root: false,
        }
    }
}

impl Manifest {
    /// Parses and validates a manifest. Unknown optional records (tag `0x80` and above) are
    /// skipped; unknown required ones are an error.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ImageError> {
        if bytes.get(..MAGIC.len()) != Some(MAGIC) {
            return Err(ImageError::BadManifestMagic);
        }
        // The reserved field is not checked, so that a later version may give it a meaning.
        let Some(&[_, _, _, _, v0, v1, _, _]) = bytes.get(..HEADER_LEN) else {
            return Err(ImageError::ManifestTruncated { offset: 0 });
        };
        let version = u16::from_le_bytes([v0, v1]);
        if version != IMAGE_VERSION {
            return Err(ImageError::UnsupportedVersion { version });
        }

        let mut program = None;
        let mut workdir = None;
        let mut read_only_root = false;
        let mut args = Vec::new();
        let mut env = Vec::new();
        let mut offset = HEADER_LEN;
        while offset < bytes.len() {
            let (tag, value, next) = read_record(bytes, offset)?;
            match tag {
                TAG_PROGRAM => set_once(&mut program, value, tag)?,
                TAG_ARGUMENT => args.push(value.to_vec()),
                TAG_ENVIRONMENT => env.push(value.to_vec()),
                TAG_WORKDIR => set_once(&mut workdir, value, tag)?,
                TAG_READ_ONLY_ROOT => set_flag(&mut read_only_root, value, tag)?,
                tag if tag & TAG_OPTIONAL != 0 => {}
                tag => return Err(ImageError::UnknownRequiredTag { tag }),
            }
            offset = next;
        }

        let manifest = Manifest {
            program: program.ok_or(ImageError::NoProgram)?,
            args,
            env,
            workdir: workdir.unwrap_or_else(|| b"/".to_vec()),
            read_only_root,
        };
        manifest.validate()?;
        Ok(manifest)
    }

    /// Checks what [`Manifest::parse`] checks beyond the encoding: the program and working
    /// directory are absolute, no string has a NUL, and every value fits a record.
    pub fn validate(&self) -> Result<(), ImageError> {
        for (tag, value) in self.records() {
            if value.contains(&0) {
                return Err(ImageError::NulInValue { tag });
            }
            if u32::try_from(value.len()).is_err() {
                return Err(ImageError::ValueTooLong { tag });
            }
        }
        if !self.program.starts_with(b"/") {
            return Err(ImageError::NotAbsolute { tag: TAG_PROGRAM });
        }
        if !self.workdir.starts_with(b"/") {
            return Err(ImageError::NotAbsolute { tag: TAG_WORKDIR });
        }
        Ok(())
    }

    /// Encodes the manifest, always writing the working directory record. The result parses
    /// back to `self` if [`Manifest::validate`] accepts `self`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&IMAGE_VERSION.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        for (tag, value) in self.records() {
            // `validate` refuses values this long; saturating keeps `encode` infallible.
            let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
            out.push(tag);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(value);
        }
        out
    }

    /// The records in the order they are encoded.
    fn records(&self) -> impl Iterator<Item = (u8, &[u8])> {
        let program = core::iter::once((TAG_PROGRAM, self.program.as_slice()));
        let args = self.args.iter().map(|arg| (TAG_ARGUMENT, arg.as_slice()));
        let env = self.env.iter().map(|var| (TAG_ENVIRONMENT, var.as_slice()));
        let workdir = core::iter::once((TAG_WORKDIR, self.workdir.as_slice()));
        let read_only_root = self.read_only_root.then_some((TAG_READ_ONLY_ROOT, &[][..]));
        program
            .chain(args)
            .chain(env)
            .chain(workdir)
            .chain(read_only_root)
    }
}

impl fmt::Debug for Manifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Manifest")
            .field("program", &Escaped(&self.program))
            .field("args", &EscapedList(&self.args))
            .field("env", &EscapedList(&self.env))
            .field("workdir", &Escaped(&self.workdir))
            .field("read_only_root", &self.read_only_root)
            .finish()
    }
}

/// Reads the record at `offset`, returning its tag, its value and the next record's offset.
fn read_record(bytes: &[u8], offset: usize) -> Result<(u8, &[u8], usize), ImageError> {
    let truncated = ImageError::ManifestTruncated { offset };
    let value_start = offset.checked_add(RECORD_HEADER_LEN).ok_or(truncated)?;
    let head = bytes.get(offset..value_start).ok_or(truncated)?;
    let [tag, l0, l1, l2, l3] = <[u8; RECORD_HEADER_LEN]>::try_from(head).map_err(|_| truncated)?;

    let len = u32::from_le_bytes([l0, l1, l2, l3]) as usize;
    let value_end = value_start.checked_add(len).ok_or(truncated)?;
    let value = bytes.get(value_start..value_end).ok_or(truncated)?;
    Ok((tag, value, value_end))
}

fn set_once(slot: &mut Option<Vec<u8>>, value: &[u8], tag: u8) -> Result<(), ImageError> {
    if slot.is_some() {
        return Err(ImageError::DuplicateRecord { tag });
    }
    *slot = Some(value.to_vec());
    Ok(())
}

/// A flag record: present means set, and its value must be empty.
fn set_flag(flag: &mut bool, value: &[u8], tag: u8) -> Result<(), ImageError> {
    if *flag {
        return Err(ImageError::DuplicateRecord { tag });
    }
    if !value.is_empty() {
        return Err(ImageError::UnexpectedValue { tag });
    }
    *flag = true;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn sample() -> Manifest {
        Manifest {
            program: b"/usr/bin/python3".to_vec(),
            args: vec![
                b"python3".to_vec(),
                b"a b".to_vec(),
                vec![0xff, 0xfe],
                Vec::new(),
            ],
            env: vec![b"PATH=/usr/bin".to_vec(), b"LANG=C.UTF-8".to_vec()],
            workdir: b"/srv".to_vec(),
            read_only_root: false,
        }
    }

    fn record(tag: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
        out
    }

    fn with_records(records: &[Vec<u8>]) -> Vec<u8> {
        let mut out = b"PITH\x01\x00\x00\x00".to_vec();
        records
            .iter()
            .for_each(|record| out.extend_from_slice(record));
        out
    }

    #[test]
    fn round_trips() {
        let bytes = sample().encode();
        assert_eq!(&bytes[..8], b"PITH\x01\x00\x00\x00");
        assert_eq!(Manifest::parse(&bytes), Ok(sample()));
    }

    #[test]
    fn read_only_root_round_trips_as_an_empty_optional_record() {
        let manifest = Manifest {
            read_only_root: true,
            ..sample()
        };
        let bytes = manifest.encode();
        assert!(bytes.ends_with(&[0x81, 0, 0, 0, 0]));
        assert_eq!(Manifest::parse(&bytes), Ok(manifest));
        assert!(!sample().encode().contains(&0x81));
    }

    #[test]
    fn read_only_root_must_be_empty_and_single() {
        let with_value = with_records(&[record(1, b"/a"), record(0x81, b"yes")]);
        assert_eq!(
            Manifest::parse(&with_value),
            Err(ImageError::UnexpectedValue { tag: 0x81 })
        );
        let twice = with_records(&[record(0x81, b""), record(1, b"/a"), record(0x81, b"")]);
        assert_eq!(
            Manifest::parse(&twice),
            Err(ImageError::DuplicateRecord { tag: 0x81 })
        );
        let flag = with_records(&[record(0x81, b""), record(1, b"/a")]);
        assert!(Manifest::parse(&flag).unwrap().read_only_root);
    }

    #[test]
    fn workdir_defaults_to_root() {
        let bytes = with_records(&[record(1, b"/bin/true")]);
        let manifest = Manifest::parse(&bytes).unwrap();
        assert_eq!(manifest.workdir, b"/");
        assert!(manifest.args.is_empty());
        assert!(!manifest.read_only_root);
    }

    #[test]
    fn optional_tags_are_skipped_and_required_ones_refused() {
        let optional = with_records(&[record(0x85, b"future"), record(1, b"/bin/true")]);
        assert_eq!(Manifest::parse(&optional).unwrap().program, b"/bin/true");

        let required = with_records(&[record(1, b"/bin/true"), record(5, b"future")]);
        assert_eq!(
            Manifest::parse(&required),
            Err(ImageError::UnknownRequiredTag { tag: 5 })
        );
    }

    #[test]
    fn header_errors() {
        assert_eq!(Manifest::parse(b""), Err(ImageError::BadManifestMagic));
        assert_eq!(
            Manifest::parse(b"PITX\x01\x00\x00\x00"),
            Err(ImageError::BadManifestMagic)
        );
        assert_eq!(
            Manifest::parse(b"PITH\x07\x00\x00\x00"),
            Err(ImageError::UnsupportedVersion { version: 7 })
        );
        assert_eq!(
            Manifest::parse(b"PITH\x01\x00"),
            Err(ImageError::ManifestTruncated { offset: 0 })
        );
    }

    #[test]
    fn record_errors() {
        let cases = [
            (with_records(&[]), ImageError::NoProgram),
            (
                with_records(&[record(1, b"/a"), record(1, b"/b")]),
                ImageError::DuplicateRecord { tag: 1 },
            ),
            (
                with_records(&[record(1, b"/a"), record(4, b"/"), record(4, b"/")]),
                ImageError::DuplicateRecord { tag: 4 },
            ),
            (
                with_records(&[record(1, b"bin/a")]),
                ImageError::NotAbsolute { tag: 1 },
            ),
            (
                with_records(&[record(1, b"/a"), record(4, b"")]),
                ImageError::NotAbsolute { tag: 4 },
            ),
            (
                with_records(&[record(1, b"/a"), record(2, b"x\0y")]),
                ImageError::NulInValue { tag: 2 },
            ),
        ];
        for (bytes, error) in cases {
            assert_eq!(Manifest::parse(&bytes), Err(error));
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        // A cut exactly between records leaves a valid, shorter manifest (the image's cpio
        // header is what records the manifest's length); every other cut is reported.
        let bytes = sample().encode();
        let mut boundaries = vec![HEADER_LEN];
        while let Ok((_, _, next)) = read_record(&bytes, *boundaries.last().unwrap()) {
            boundaries.push(next);
        }
        for len in 0..bytes.len() {
            let result = Manifest::parse(&bytes[..len]);
            assert!(
                result.is_err() || boundaries.contains(&len),
                "prefix of {len} bytes parsed as {result:?}"
            );
        }

        let cut = with_records(&[record(1, b"/bin/true")]);
        assert_eq!(
            Manifest::parse(&cut[..cut.len() - 1]),
            Err(ImageError::ManifestTruncated { offset: 8 })
        );
        let huge_length = with_records(&[vec![1, 0xff, 0xff, 0xff, 0xff]]);
        assert_eq!(
            Manifest::parse(&huge_length),
            Err(ImageError::ManifestTruncated { offset: 8 })
        );
    }
}
