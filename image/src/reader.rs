//! Reading an image in place: [`Image::parse`] checks every header once, so that walking and
//! looking up entries afterwards cannot fail, and no file data is ever copied.

use core::fmt;
use core::iter::FusedIterator;

use crate::cpio::{self, read_entry, TRAILER_NAME};
use crate::entry::{Entry, EntryKind};
use crate::error::ImageError;
use crate::manifest::{Manifest, MANIFEST_PATH};

/// A validated image borrowing its bytes.
#[derive(Clone)]
pub struct Image<'a> {
    bytes: &'a [u8],
    manifest: Manifest,
    /// Offset of the first entry after the manifest.
    entries_start: usize,
    /// Offset of the trailer entry.
    trailer: usize,
    /// Offset just past the trailer and its padding.
    len: usize,
}

impl<'a> Image<'a> {
    /// Checks the magic, that the first entry is a manifest of a supported version, and that
    /// every entry up to the trailer is well formed and lies inside `bytes`. Bytes after the
    /// trailer are ignored.
    pub fn parse(bytes: &'a [u8]) -> Result<Image<'a>, ImageError> {
        if !bytes.starts_with(cpio::MAGIC) {
            // A prefix of the magic is a cut image, not a foreign file.
            let cut = cpio::MAGIC.starts_with(bytes);
            return Err(if cut {
                ImageError::Truncated { offset: 0 }
            } else {
                ImageError::BadMagic
            });
        }

        let first = read_entry(bytes, 0)?;
        let is_file = EntryKind::from_mode(first.header.mode) == Some(EntryKind::File);
        if first.name != MANIFEST_PATH.as_bytes() || !is_file {
            return Err(ImageError::ManifestMissing);
        }
        let manifest = Manifest::parse(first.data)?;

        let (trailer, len) = find_trailer(bytes, first.next)?;
        Ok(Image {
            bytes,
            manifest,
            entries_start: first.next,
            trailer,
            len,
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The entries after the manifest, in image order, without the trailer.
    pub fn entries(&self) -> Entries<'a> {
        Entries {
            bytes: self.bytes,
            offset: self.entries_start,
            end: self.trailer,
        }
    }

    /// Looks up an entry by path, with or without leading `/`; the first match wins if a
    /// path is stored twice. The root directory has no entry. This is a linear scan: callers
    /// that look up many paths should index [`Image::entries`] once.
    pub fn find(&self, path: &[u8]) -> Option<Entry<'a>> {
        let start = path.iter().position(|&byte| byte != b'/')?;
        let path = path.get(start..)?;
        self.entries().find(|entry| entry.path == path)
    }

    /// Length of the image in bytes, up to and including the trailer entry.
    // Not paired with `is_empty`: a parsed image always holds a manifest and a trailer.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.len
    }
}

// By hand, so that logging an image shows its size rather than every byte.
impl fmt::Debug for Image<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image")
            .field("len", &self.len)
            .field("manifest", &self.manifest)
            .finish_non_exhaustive()
    }
}

/// Walks the entries from `offset` and returns where the trailer starts and ends.
fn find_trailer(bytes: &[u8], mut offset: usize) -> Result<(usize, usize), ImageError> {
    loop {
        if offset >= bytes.len() {
            return Err(ImageError::MissingTrailer { offset });
        }
        let raw = read_entry(bytes, offset)?;
        if raw.name == TRAILER_NAME {
            return Ok((offset, raw.next));
        }
        Entry::from_raw(&raw, offset)?;
        // `next` is past the header, so the walk always advances.
        offset = raw.next;
    }
}

/// Iterator over the entries of an [`Image`]; see [`Image::entries`].
#[derive(Clone)]
pub struct Entries<'a> {
    bytes: &'a [u8],
    offset: usize,
    end: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        if self.offset >= self.end {
            return None;
        }
        // `Image::parse` accepted every entry before the trailer, so neither step fails; if
        // one did, ending the walk is the safe answer.
        let read = read_entry(self.bytes, self.offset)
            .and_then(|raw| Ok((Entry::from_raw(&raw, self.offset)?, raw.next)));
        match read {
            Ok((entry, next)) => {
                self.offset = next;
                Some(entry)
            }
            Err(_) => {
                self.offset = self.end;
                None
            }
        }
    }
}

impl FusedIterator for Entries<'_> {}

impl fmt::Debug for Entries<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entries")
            .field("offset", &self.offset)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

/// A cheap check that `bytes` is meant to be a Pith image: it starts with the newc magic and
/// the first entry is named `.pith/manifest`. It does not validate the rest, so a truncated or
/// corrupt image still "looks like" one and [`Image::parse`] can say what is wrong with it.
pub fn looks_like_image(bytes: &[u8]) -> bool {
    bytes.starts_with(cpio::MAGIC)
        && cpio::read_head(bytes, 0).is_ok_and(|head| head.name == MANIFEST_PATH.as_bytes())
}
