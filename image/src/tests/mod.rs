//! Tests that need both halves of the crate: images written by [`ImageWriter`] and read back by
//! [`Image`], hand-made broken images, and GNU cpio's view of our output.

mod corrupt;
mod gnu_cpio;
mod round_trip;
mod writer_input;

use std::vec;
use std::vec::Vec;

use crate::cpio::{Header, S_IFDIR, S_IFLNK, S_IFREG};
use crate::{EntryKind, ImageWriter, Manifest};

/// Deterministic file contents that differ between files, so misplaced data is noticed.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn sample_manifest() -> Manifest {
    Manifest {
        program: b"/usr/bin/app".to_vec(),
        args: vec![
            b"app".to_vec(),
            b"--name=two words".to_vec(),
            vec![b'x', 0xff, 0x80, b' '],
        ],
        env: vec![b"PATH=/usr/bin".to_vec(), b"HOME=/root".to_vec()],
        workdir: b"/data".to_vec(),
        read_only_root: true,
    }
}

/// What an entry of the sample image should read back as.
struct Expected {
    path: &'static str,
    kind: EntryKind,
    mode: u32,
    data: Vec<u8>,
}

/// The sample image's entries after the manifest, in order. Files of 4096 bytes and more follow
/// odd-sized ones so that their alignment needs name padding of varied length.
fn sample_entries() -> Vec<Expected> {
    let dir = |path| Expected {
        path,
        kind: EntryKind::Directory,
        mode: S_IFDIR | 0o755,
        data: Vec::new(),
    };
    let file = |path, size, seed| Expected {
        path,
        kind: EntryKind::File,
        mode: S_IFREG | 0o644,
        data: pattern(size, seed),
    };
    let link = |path, target: &str| Expected {
        path,
        kind: EntryKind::Symlink,
        mode: S_IFLNK | 0o777,
        data: target.as_bytes().to_vec(),
    };
    vec![
        dir("usr"),
        dir("usr/bin"),
        file("usr/bin/app", 10000, 1),
        file("empty", 0, 2),
        file("one", 1, 3),
        file("page-minus-one", 4095, 4),
        file("page", 4096, 5),
        dir("data"),
        file("data/odd name with spaces", 7, 6),
        file("data/page-again", 4096, 7),
        link("bin", "usr/bin"),
        link("data/app-link", "/usr/bin/app"),
    ]
}

/// Writes the sample image, giving the paths of even entries a leading `/`.
fn sample_image() -> Vec<u8> {
    let mut writer = ImageWriter::new(Vec::new(), &sample_manifest()).unwrap();
    for (index, entry) in sample_entries().iter().enumerate() {
        let path = if index % 2 == 0 {
            std::format!("/{}", entry.path)
        } else {
            entry.path.into()
        };
        let permissions = entry.mode & 0o7777;
        let result = match entry.kind {
            EntryKind::Directory => writer.add_directory(&path, permissions, 1_700_000_000),
            EntryKind::File => {
                let size = entry.data.len() as u64;
                let mut data = entry.data.as_slice();
                writer.add_file(&path, permissions, 1_700_000_000, size, &mut data)
            }
            EntryKind::Symlink => {
                let target = std::str::from_utf8(&entry.data).unwrap();
                writer.add_symlink(&path, target, 1_700_000_000)
            }
        };
        result.unwrap();
    }
    writer.finish().unwrap()
}

/// Builds images byte by byte, to produce what [`ImageWriter`] refuses to.
struct RawImage {
    bytes: Vec<u8>,
}

impl RawImage {
    fn new() -> Self {
        RawImage { bytes: Vec::new() }
    }

    /// Starts with a valid manifest entry holding `manifest` bytes.
    fn with_manifest(manifest: &[u8]) -> Self {
        let mut image = RawImage::new();
        image.push(b".pith/manifest", S_IFREG | 0o444, manifest);
        image
    }

    fn push(&mut self, name: &[u8], mode: u32, data: &[u8]) -> &mut Self {
        let header = Header {
            ino: 1,
            mode,
            nlink: 1,
            filesize: data.len() as u32,
            namesize: name.len() as u32 + 1,
            ..Header::default()
        };
        self.bytes.extend_from_slice(&header.encode());
        self.bytes.extend_from_slice(name);
        self.bytes.push(0);
        self.pad();
        self.bytes.extend_from_slice(data);
        self.pad();
        self
    }

    fn finish(&mut self) -> Vec<u8> {
        self.push(b"TRAILER!!!", 0, b"");
        self.bytes.clone()
    }

    fn pad(&mut self) {
        while !self.bytes.len().is_multiple_of(4) {
            self.bytes.push(0);
        }
    }
}
