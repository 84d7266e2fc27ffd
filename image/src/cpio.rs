//! The SVR4 "newc" cpio entry (magic `070701`, see cpio(5), "New ASCII Format"): decoding one
//! entry of an image with every bound checked, and encoding the 110-byte header for the writer.

use crate::error::{HeaderProblem, ImageError};

/// Magic at the start of every newc header (the `070702` CRC variant is not used).
pub(crate) const MAGIC: &[u8; 6] = b"070701";
/// Length of a header: the magic and thirteen 8-digit hexadecimal fields.
pub(crate) const HEADER_LEN: usize = 110;
/// Name of the entry that ends the archive.
pub(crate) const TRAILER_NAME: &[u8] = b"TRAILER!!!";

/// File type bits of `mode`, as in inode(7).
pub(crate) const S_IFMT: u32 = 0o170000;
pub(crate) const S_IFDIR: u32 = 0o040000;
pub(crate) const S_IFREG: u32 = 0o100000;
pub(crate) const S_IFLNK: u32 = 0o120000;

/// The header fields in the order they are stored.
const FIELD_NAMES: [&str; 13] = [
    "ino",
    "mode",
    "uid",
    "gid",
    "nlink",
    "mtime",
    "filesize",
    "devmajor",
    "devminor",
    "rdevmajor",
    "rdevminor",
    "namesize",
    "check",
];

/// The header fields Pith uses; device numbers and `check` are written as 0 and ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) ino: u32,
    pub(crate) mode: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) nlink: u32,
    pub(crate) mtime: u32,
    pub(crate) filesize: u32,
    pub(crate) namesize: u32,
}

impl Header {
    /// Decodes a header, accepting upper- and lower-case hexadecimal digits.
    pub(crate) fn decode(raw: &[u8; HEADER_LEN]) -> Result<Header, HeaderProblem> {
        if &raw[..MAGIC.len()] != MAGIC {
            return Err(HeaderProblem::BadMagic);
        }

        let mut fields = [0u32; FIELD_NAMES.len()];
        let digits = raw[MAGIC.len()..].chunks_exact(8);
        for ((field, digits), name) in fields.iter_mut().zip(digits).zip(FIELD_NAMES) {
            *field = parse_hex(digits).ok_or(HeaderProblem::NotHexadecimal(name))?;
        }

        let [ino, mode, uid, gid, nlink, mtime, filesize, _, _, _, _, namesize, _] = fields;
        Ok(Header {
            ino,
            mode,
            uid,
            gid,
            nlink,
            mtime,
            filesize,
            namesize,
        })
    }

    /// Encodes the header with upper-case digits, as the Linux kernel's `gen_init_cpio` does.
    // Only the writer and tests encode; the kernel's `no_std` build does not need it.
    #[cfg(any(feature = "std", test))]
    pub(crate) fn encode(&self) -> [u8; HEADER_LEN] {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let fields = [
            self.ino,
            self.mode,
            self.uid,
            self.gid,
            self.nlink,
            self.mtime,
            self.filesize,
            0,
            0,
            0,
            0,
            self.namesize,
            0,
        ];

        let mut raw = [0u8; HEADER_LEN];
        raw[..MAGIC.len()].copy_from_slice(MAGIC);
        for (digits, value) in raw[MAGIC.len()..].chunks_exact_mut(8).zip(fields) {
            for (digit, shift) in digits.iter_mut().zip((0..8).rev()) {
                *digit = HEX[(value >> (shift * 4)) as usize & 0xf];
            }
        }
        raw
    }
}

fn parse_hex(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &digit| {
        let nibble = char::from(digit).to_digit(16)?;
        Some(value.checked_mul(16)? | nibble)
    })
}

/// Rounds up to the 4-byte alignment newc uses after names and data.
pub(crate) fn align4(len: usize) -> Option<usize> {
    Some(len.checked_add(3)? & !3)
}

/// A header and its name, without looking at the data.
pub(crate) struct Head<'a> {
    pub(crate) header: Header,
    /// The name up to its first NUL.
    pub(crate) name: &'a [u8],
    /// Where the data starts: after the name field and its padding.
    pub(crate) data_offset: usize,
}

/// One entry whose header, name and data all lie inside the image.
pub(crate) struct RawEntry<'a> {
    pub(crate) header: Header,
    pub(crate) name: &'a [u8],
    pub(crate) data: &'a [u8],
    pub(crate) data_offset: usize,
    /// Where the next header starts: after the data and its padding.
    pub(crate) next: usize,
}

/// Reads the header and name of the entry at `offset`.
pub(crate) fn read_head(image: &[u8], offset: usize) -> Result<Head<'_>, ImageError> {
    let truncated = ImageError::Truncated { offset };
    let bad = |problem| ImageError::BadHeader { offset, problem };

    let header_end = offset.checked_add(HEADER_LEN).ok_or(truncated)?;
    let raw = image.get(offset..header_end).ok_or(truncated)?;
    let raw: &[u8; HEADER_LEN] = raw.try_into().map_err(|_| truncated)?;
    let header = Header::decode(raw).map_err(bad)?;

    // Widening u32 to usize is lossless on every target Pith supports (32 and 64 bits).
    let namesize = header.namesize as usize;
    let name_end = header_end.checked_add(namesize).ok_or(truncated)?;
    let field = image.get(header_end..name_end).ok_or(truncated)?;
    let unterminated = bad(HeaderProblem::UnterminatedName);
    let nul = field
        .iter()
        .position(|&byte| byte == 0)
        .ok_or(unterminated)?;
    let name = field.get(..nul).ok_or(unterminated)?;
    if name.is_empty() {
        return Err(bad(HeaderProblem::EmptyName));
    }

    // The padding is counted from the header's start; `name_end` lies after `offset`.
    let padded = align4(name_end - offset).ok_or(truncated)?;
    let data_offset = offset.checked_add(padded).ok_or(truncated)?;
    Ok(Head {
        header,
        name,
        data_offset,
    })
}

/// Reads the whole entry at `offset`, checking that it and its padding lie inside `image`.
pub(crate) fn read_entry(image: &[u8], offset: usize) -> Result<RawEntry<'_>, ImageError> {
    let truncated = ImageError::Truncated { offset };
    let head = read_head(image, offset)?;

    let data_end = head.data_offset.checked_add(head.header.filesize as usize);
    let data_end = data_end.ok_or(truncated)?;
    let data = image.get(head.data_offset..data_end).ok_or(truncated)?;

    // `data_end` lies after `offset`, so the subtraction cannot wrap.
    let padded = align4(data_end - offset).ok_or(truncated)?;
    let next = offset.checked_add(padded).ok_or(truncated)?;
    if next > image.len() {
        return Err(truncated);
    }
    Ok(RawEntry {
        header: head.header,
        name: head.name,
        data,
        data_offset: head.data_offset,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Header {
        Header {
            ino: 7,
            mode: S_IFREG | 0o755,
            uid: 0,
            gid: 0,
            nlink: 1,
            mtime: 0x6543_21ab,
            filesize: 0xdead_beef,
            namesize: 15,
        }
    }

    #[test]
    fn header_round_trips() {
        let raw = sample().encode();
        assert_eq!(&raw[..14], b"07070100000007");
        assert_eq!(Header::decode(&raw), Ok(sample()));
    }

    #[test]
    fn lower_case_hex_is_accepted() {
        let mut raw = sample().encode();
        raw.make_ascii_lowercase();
        assert_eq!(Header::decode(&raw), Ok(sample()));
    }

    #[test]
    fn bad_digit_names_the_field() {
        let mut raw = sample().encode();
        raw[6 + 8 * 11 + 3] = b'g';
        assert_eq!(
            Header::decode(&raw),
            Err(HeaderProblem::NotHexadecimal("namesize"))
        );

        let mut raw = sample().encode();
        raw[6 + 8] = b' ';
        assert_eq!(
            Header::decode(&raw),
            Err(HeaderProblem::NotHexadecimal("mode"))
        );
    }

    #[test]
    fn crc_variant_is_refused() {
        let mut raw = sample().encode();
        raw[5] = b'2';
        assert_eq!(Header::decode(&raw), Err(HeaderProblem::BadMagic));
    }

    #[test]
    fn name_without_nul_is_refused() {
        let mut header = sample();
        header.namesize = 3;
        header.filesize = 0;
        let mut image = header.encode().to_vec();
        image.extend_from_slice(b"abc\0\0\0");
        assert_eq!(
            read_head(&image, 0).err(),
            Some(ImageError::BadHeader {
                offset: 0,
                problem: HeaderProblem::UnterminatedName
            })
        );
    }

    #[test]
    fn huge_sizes_do_not_overflow() {
        let mut header = sample();
        header.namesize = u32::MAX;
        let image = header.encode();
        assert_eq!(
            read_head(&image, 0).err(),
            Some(ImageError::Truncated { offset: 0 })
        );
        assert!(read_entry(&image, usize::MAX - 10).is_err());
    }
}
