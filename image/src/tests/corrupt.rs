//! Broken images are refused with the right error, and no input makes the reader panic.

use std::vec::Vec;

use super::{sample_image, sample_manifest, RawImage};
use crate::cpio::{S_IFDIR, S_IFLNK, S_IFREG};
use crate::{HeaderProblem, Image, ImageError};

fn manifest_bytes() -> Vec<u8> {
    sample_manifest().encode()
}

fn parse_error(bytes: &[u8]) -> ImageError {
    Image::parse(bytes).err().unwrap()
}

#[test]
fn every_prefix_is_truncated() {
    let bytes = sample_image();
    let len = Image::parse(&bytes).unwrap().len();
    for cut in 0..len {
        match Image::parse(&bytes[..cut]) {
            Err(ImageError::Truncated { .. } | ImageError::MissingTrailer { .. }) => {}
            other => panic!("prefix of {cut} bytes gave {other:?}"),
        }
    }
    assert!(Image::parse(&bytes[..len]).is_ok());
}

#[test]
fn bad_magic() {
    let mut bytes = sample_image();
    bytes[0] = b'1';
    assert_eq!(parse_error(&bytes), ImageError::BadMagic);
    bytes[0] = b'0';
    bytes[5] = b'2'; // The CRC variant of newc.
    assert_eq!(parse_error(&bytes), ImageError::BadMagic);
    assert_eq!(parse_error(b"\x7fELF"), ImageError::BadMagic);
    assert_eq!(parse_error(b""), ImageError::Truncated { offset: 0 });
}

#[test]
fn wrong_version() {
    let mut manifest = manifest_bytes();
    manifest[4] = 7;
    let bytes = RawImage::with_manifest(&manifest).finish();
    assert_eq!(
        parse_error(&bytes),
        ImageError::UnsupportedVersion { version: 7 }
    );
}

#[test]
fn missing_manifest() {
    let other_first = RawImage::new()
        .push(b"etc/passwd", S_IFREG | 0o644, b"root")
        .push(b".pith/manifest", S_IFREG | 0o444, &manifest_bytes())
        .finish();
    let as_directory = RawImage::new()
        .push(b".pith/manifest", S_IFDIR | 0o755, b"")
        .finish();
    let only_trailer = RawImage::new().finish();
    for bytes in [other_first, as_directory, only_trailer] {
        assert_eq!(parse_error(&bytes), ImageError::ManifestMissing);
    }
}

#[test]
fn required_and_optional_tags() {
    let mut optional = manifest_bytes();
    optional.extend_from_slice(&[0x90, 2, 0, 0, 0, b'h', b'i']);
    let bytes = RawImage::with_manifest(&optional).finish();
    assert_eq!(Image::parse(&bytes).unwrap().manifest(), &sample_manifest());

    let mut required = manifest_bytes();
    required.extend_from_slice(&[0x10, 2, 0, 0, 0, b'h', b'i']);
    let bytes = RawImage::with_manifest(&required).finish();
    assert_eq!(
        parse_error(&bytes),
        ImageError::UnknownRequiredTag { tag: 0x10 }
    );
}

#[test]
fn bad_entries_name_their_offset() {
    let base = RawImage::with_manifest(&manifest_bytes()).bytes;
    let offset = base.len();
    let bad = |problem| ImageError::BadHeader { offset, problem };
    let cases: [(&[u8], u32, &[u8], HeaderProblem); 6] = [
        (
            b"dev/null",
            0o020666,
            b"",
            HeaderProblem::UnsupportedType(0o020666),
        ),
        (b"/etc", S_IFDIR | 0o755, b"", HeaderProblem::UnsafeName),
        (
            b"a/../../etc",
            S_IFREG | 0o644,
            b"x",
            HeaderProblem::UnsafeName,
        ),
        (
            b"dir",
            S_IFDIR | 0o755,
            b"data",
            HeaderProblem::DirectoryWithData,
        ),
        (
            b"link",
            S_IFLNK | 0o777,
            b"",
            HeaderProblem::EmptySymlinkTarget,
        ),
        (b"", S_IFREG | 0o644, b"", HeaderProblem::EmptyName),
    ];
    for (name, mode, data, problem) in cases {
        let mut image = RawImage::with_manifest(&manifest_bytes());
        let bytes = image.push(name, mode, data).finish();
        assert_eq!(parse_error(&bytes), bad(problem), "{name:?}");
    }

    let mut bytes = RawImage::with_manifest(&manifest_bytes())
        .push(b"file", S_IFREG | 0o644, b"data")
        .finish();
    bytes[offset + 6 + 8 * 6] = b'z';
    let problem = HeaderProblem::NotHexadecimal("filesize");
    assert_eq!(parse_error(&bytes), bad(problem));
    bytes[offset] = b'1';
    assert_eq!(parse_error(&bytes), bad(HeaderProblem::BadMagic));
}

#[test]
fn missing_trailer() {
    let bytes = RawImage::with_manifest(&manifest_bytes())
        .push(b"file", S_IFREG | 0o644, b"data")
        .bytes
        .clone();
    let offset = bytes.len();
    assert_eq!(parse_error(&bytes), ImageError::MissingTrailer { offset });
}

/// A small deterministic generator (xorshift64), so that failures reproduce.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Parses `bytes` and, if that succeeds, uses everything the image hands out.
fn exercise(bytes: &[u8]) -> bool {
    let Ok(image) = Image::parse(bytes) else {
        return false;
    };
    assert!(image.len() <= bytes.len());
    for entry in image.entries() {
        let found = image.find(entry.path).unwrap();
        assert_eq!(found.path, entry.path);
        assert_eq!(&bytes[entry.data_offset..][..entry.data.len()], entry.data);
    }
    true
}

#[test]
fn mutations_never_panic() {
    // Bytes that keep hex fields plausible, so mutations reach past header decoding.
    const ALPHABET: &[u8] = b"0123456789abcdefABCDEF\0/.!xTR";
    let original = RawImage::with_manifest(&manifest_bytes())
        .push(b"usr", S_IFDIR | 0o755, b"")
        .push(b"usr/a", S_IFREG | 0o644, b"hello")
        .push(b"usr/l", S_IFLNK | 0o777, b"a")
        .finish();
    let mut random = Random(0x5eed_1234_abcd_ef01);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let mut bytes = original.clone();
        for _ in 0..1 + random.below(4) {
            let at = random.below(bytes.len());
            bytes[at] = match random.below(3) {
                0 => random.next() as u8,
                _ => ALPHABET[random.below(ALPHABET.len())],
            };
        }
        let cut = bytes.len() - random.below(8);
        accepted += usize::from(exercise(&bytes[..cut]));
    }
    // Mutations in data and padding are harmless, so some images must still parse.
    assert!(accepted > 0);

    for length in 0..2_000 {
        let mut bytes: Vec<u8> = (0..length).map(|_| random.next() as u8).collect();
        if bytes.len() >= 6 {
            bytes[..6].copy_from_slice(b"070701");
        }
        exercise(&bytes);
    }
}
