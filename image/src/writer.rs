//! Writing an image: streams entries into any `io::Write`, manifest first, tracking the offset
//! itself so that large files land page aligned (rule 3 of `docs/image-format.md`). After the
//! trailer the image is padded with NULs to a multiple of 4096 bytes.

use std::collections::HashSet;
use std::format;
use std::io::{self, ErrorKind, Read, Write};
use std::string::{String, ToString};

use crate::cpio::{Header, HEADER_LEN, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
use crate::manifest::{Manifest, MANIFEST_PATH};

/// Data of regular files this large or larger starts on a page boundary.
const PAGE_SIZE: u64 = 4096;
/// Permission bits (including set-id and sticky) kept from the caller's `mode`.
const PERMISSION_BITS: u32 = 0o7777;
/// The trailer's name as text; the reader matches it as bytes.
const TRAILER_PATH: &str = "TRAILER!!!";
/// Zeros to copy padding from.
static ZEROS: [u8; PAGE_SIZE as usize] = [0; PAGE_SIZE as usize];

/// Writes a Pith image entry by entry. After any I/O error or a file whose reader yields the
/// wrong length, the output is unusable and every later call fails.
pub struct ImageWriter<W: Write> {
    out: W,
    /// Bytes written so far, which is where the next header starts.
    offset: u64,
    next_ino: u32,
    /// Normalized paths already written, to refuse duplicates.
    paths: HashSet<String>,
    broken: bool,
}

impl<W: Write> ImageWriter<W> {
    /// Starts an image by writing the manifest entry, after checking the manifest as the
    /// kernel will.
    pub fn new(out: W, manifest: &Manifest) -> io::Result<Self> {
        manifest
            .validate()
            .map_err(|error| io::Error::new(ErrorKind::InvalidInput, error))?;

        let mut writer = ImageWriter {
            out,
            offset: 0,
            next_ino: 1,
            paths: HashSet::new(),
            broken: false,
        };
        let encoded = manifest.encode();
        let size = entry_size(MANIFEST_PATH, encoded.len() as u64)?;
        writer.paths.insert(MANIFEST_PATH.to_string());
        writer.guarded(|writer| {
            let header = writer.header(S_IFREG | 0o444, 1, 0, size)?;
            let path = MANIFEST_PATH;
            writer.write_entry(header, path, &mut encoded.as_slice())
        })?;
        Ok(writer)
    }

    /// Adds a directory; `mode` gives its permission bits (any file type bits are ignored).
    pub fn add_directory(&mut self, path: &str, mode: u32, mtime: u32) -> io::Result<()> {
        let path = self.claim(path)?;
        self.guarded(|writer| {
            let header = writer.header(S_IFDIR | (mode & PERMISSION_BITS), 2, mtime, 0)?;
            writer.write_entry(header, &path, &mut io::empty())
        })
    }

    /// Adds a regular file of `size` bytes read from `data`, which must yield exactly `size`
    /// bytes. `mode` gives its permission bits (any file type bits are ignored).
    pub fn add_file(
        &mut self,
        path: &str,
        mode: u32,
        mtime: u32,
        size: u64,
        data: &mut dyn Read,
    ) -> io::Result<()> {
        let size = entry_size(path, size)?;
        let path = self.claim(path)?;
        self.guarded(|writer| {
            let header = writer.header(S_IFREG | (mode & PERMISSION_BITS), 1, mtime, size)?;
            writer.write_entry(header, &path, data)
        })
    }

    /// Adds a symbolic link to `target`, which is stored as given (absolute or relative).
    pub fn add_symlink(&mut self, path: &str, target: &str, mtime: u32) -> io::Result<()> {
        if target.is_empty() || target.contains('\0') {
            let message = format!("symbolic link {path:?} has an empty target or one with NUL");
            return Err(io::Error::new(ErrorKind::InvalidInput, message));
        }
        let size = entry_size(path, target.len() as u64)?;
        let path = self.claim(path)?;
        self.guarded(|writer| {
            let header = writer.header(S_IFLNK | 0o777, 1, mtime, size)?;
            writer.write_entry(header, &path, &mut target.as_bytes())
        })
    }

    /// Writes the trailer and the padding to a multiple of 4096 bytes, flushes, and returns
    /// the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.guarded(|writer| {
            let trailer = Header {
                nlink: 1,
                ..Header::default()
            };
            writer.write_entry(trailer, TRAILER_PATH, &mut io::empty())?;
            let padding = (PAGE_SIZE - writer.offset % PAGE_SIZE) % PAGE_SIZE;
            writer.write_zeros(padding)?;
            writer.out.flush()
        })?;
        Ok(self.out)
    }

    /// Runs one write step, marking the writer broken if it fails partway.
    fn guarded(&mut self, step: impl FnOnce(&mut Self) -> io::Result<()>) -> io::Result<()> {
        if self.broken {
            let message = "image writer is unusable after an earlier error";
            return Err(io::Error::other(message));
        }
        let result = step(self);
        self.broken = result.is_err();
        result
    }

    /// Normalizes `path`, checks it and records it, so that it cannot be written twice.
    fn claim(&mut self, path: &str) -> io::Result<String> {
        let normalized = normalize(path)
            .map_err(|why| io::Error::new(ErrorKind::InvalidInput, format!("{path:?} {why}")))?
            .to_string();
        if !self.paths.insert(normalized.clone()) {
            let message = format!("{path:?} is already in the image");
            return Err(io::Error::new(ErrorKind::InvalidInput, message));
        }
        Ok(normalized)
    }

    /// A header for the next entry, with a fresh inode number and owner root.
    fn header(&mut self, mode: u32, nlink: u32, mtime: u32, filesize: u32) -> io::Result<Header> {
        let ino = self.next_ino;
        self.next_ino = ino
            .checked_add(1)
            .ok_or_else(|| io::Error::other("too many entries for 32-bit inode numbers"))?;
        Ok(Header {
            ino,
            mode,
            uid: 0,
            gid: 0,
            nlink,
            mtime,
            filesize,
            namesize: 0,
        })
    }

    /// Writes the header (with `namesize` filled in), the padded name and the padded data.
    fn write_entry(
        &mut self,
        mut header: Header,
        path: &str,
        data: &mut dyn Read,
    ) -> io::Result<()> {
        let name = path.as_bytes();
        let aligned = header.mode & S_IFMT == S_IFREG && u64::from(header.filesize) >= PAGE_SIZE;
        header.namesize = self.name_size(name.len() as u64, aligned)?;
        let name_padding = u64::from(header.namesize) - name.len() as u64;
        self.write_all(&header.encode())?;
        self.write_all(name)?;
        self.write_zeros(name_padding + pad4(HEADER_LEN as u64 + u64::from(header.namesize)))?;

        self.copy_data(data, u64::from(header.filesize), path)?;
        self.write_zeros(pad4(u64::from(header.filesize)))
    }

    /// The name field size for a name of `len` bytes: just the NUL, or for an aligned file as
    /// many NULs as put the data on the next page boundary.
    fn name_size(&self, len: u64, aligned: bool) -> io::Result<u32> {
        let mut size = len + 1;
        if aligned {
            let data_start = self.offset + HEADER_LEN as u64 + size;
            size += (PAGE_SIZE - data_start % PAGE_SIZE) % PAGE_SIZE;
        }
        u32::try_from(size).map_err(|_| io::Error::new(ErrorKind::InvalidInput, "name too long"))
    }

    /// Copies exactly `size` bytes of file data, failing if `data` has fewer or more.
    fn copy_data(&mut self, data: &mut dyn Read, size: u64, path: &str) -> io::Result<()> {
        let copied = io::copy(&mut data.take(size), &mut self.out)?;
        self.offset += copied;
        if copied < size {
            let message = format!("{path:?} ended after {copied} of its {size} bytes");
            return Err(io::Error::new(ErrorKind::InvalidData, message));
        }
        let mut probe = [0u8; 1];
        let more = loop {
            match data.read(&mut probe) {
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                result => break result? > 0,
            }
        };
        if more {
            let message = format!("{path:?} has more than the {size} bytes declared");
            return Err(io::Error::new(ErrorKind::InvalidData, message));
        }
        Ok(())
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn write_zeros(&mut self, mut count: u64) -> io::Result<()> {
        while count > 0 {
            let chunk = count.min(PAGE_SIZE);
            self.write_all(&ZEROS[..chunk as usize])?;
            count -= chunk;
        }
        Ok(())
    }
}

/// Bytes needed to pad `len` to a multiple of 4.
fn pad4(len: u64) -> u64 {
    (4 - len % 4) % 4
}

/// Checks that a file of `size` bytes fits the 32-bit `filesize` field.
fn entry_size(path: &str, size: u64) -> io::Result<u32> {
    u32::try_from(size).map_err(|_| {
        let message = format!("{path:?} is {size} bytes; an image entry holds at most 4 GiB - 1");
        io::Error::new(ErrorKind::InvalidInput, message)
    })
}

/// Strips one leading `/` and checks the rest is a clean relative path that is not the
/// trailer's name, or says what is wrong with it.
fn normalize(path: &str) -> Result<&str, &'static str> {
    let relative = path.strip_prefix('/').unwrap_or(path);
    if relative.is_empty() {
        return Err("is empty or the root, which needs no entry");
    }
    if relative.contains('\0') {
        return Err("contains a NUL byte");
    }
    if relative == TRAILER_PATH {
        return Err("is the name reserved for the cpio trailer");
    }
    for component in relative.split('/') {
        match component {
            "" => return Err("has an empty component (a doubled or trailing '/')"),
            "." | ".." => return Err("has a '.' or '..' component"),
            _ => {}
        }
    }
    Ok(relative)
}
