//! Images written by the writer read back exactly, with large files page aligned.

use std::format;
use std::vec;
use std::vec::Vec;

use super::{pattern, sample_entries, sample_image, sample_manifest};
use crate::cpio::read_entry;
use crate::{looks_like_image, EntryKind, Image, ImageWriter, Manifest};

#[test]
fn entries_read_back_in_order() {
    let bytes = sample_image();
    let image = Image::parse(&bytes).unwrap();
    assert_eq!(image.manifest(), &sample_manifest());

    let entries: Vec<_> = image.entries().collect();
    let expected = sample_entries();
    assert_eq!(entries.len(), expected.len());
    for (entry, expected) in entries.iter().zip(&expected) {
        assert_eq!(entry.path, expected.path.as_bytes());
        assert_eq!(entry.kind, expected.kind, "{}", expected.path);
        assert_eq!(entry.mode, expected.mode, "{}", expected.path);
        assert_eq!(entry.data, expected.data.as_slice(), "{}", expected.path);
        assert_eq!((entry.uid, entry.gid, entry.mtime), (0, 0, 1_700_000_000));
        let end = entry.data_offset + entry.data.len();
        assert_eq!(&bytes[entry.data_offset..end], entry.data);
    }

    // The manifest took inode 1; every other entry has its own.
    let mut inodes: Vec<u32> = entries.iter().map(|entry| entry.ino).collect();
    inodes.sort_unstable();
    inodes.dedup();
    assert_eq!(inodes, (2..2 + entries.len() as u32).collect::<Vec<_>>());
}

#[test]
fn large_files_are_page_aligned_and_small_ones_packed() {
    let bytes = sample_image();
    let image = Image::parse(&bytes).unwrap();
    let mut previous_end = 0;
    for entry in image.entries() {
        if entry.kind == EntryKind::File && entry.data.len() >= 4096 {
            assert_eq!(entry.data_offset % 4096, 0, "{:?}", entry.path);
        } else if entry.kind == EntryKind::File {
            // Header, name with its NUL, and at most 3 bytes of padding on each side.
            let overhead = entry.data_offset - previous_end;
            assert!(overhead <= 3 + 110 + entry.path.len() + 1 + 3, "{overhead}");
        }
        previous_end = entry.data_offset + entry.data.len();
    }
}

#[test]
fn alignment_holds_after_every_residue() {
    let mut writer = ImageWriter::new(Vec::new(), &sample_manifest()).unwrap();
    for k in 0..80usize {
        let small = pattern(k * 13, k as u8);
        let large = pattern(4096 + k * 7, k as u8 + 1);
        let mut data = small.as_slice();
        let size = small.len() as u64;
        writer
            .add_file(&format!("s{k}"), 0o600, 0, size, &mut data)
            .unwrap();
        let mut data = large.as_slice();
        let size = large.len() as u64;
        writer
            .add_file(&format!("l{k}"), 0o600, 0, size, &mut data)
            .unwrap();
    }
    let bytes = writer.finish().unwrap();

    let image = Image::parse(&bytes).unwrap();
    for k in 0..80usize {
        let large = image.find(format!("l{k}").as_bytes()).unwrap();
        assert_eq!(large.data_offset % 4096, 0);
        assert_eq!(large.data, pattern(4096 + k * 7, k as u8 + 1).as_slice());
        let small = image.find(format!("/s{k}").as_bytes()).unwrap();
        assert_eq!(small.data, pattern(k * 13, k as u8).as_slice());
    }
}

#[test]
fn large_manifest_is_aligned_too() {
    let mut manifest = sample_manifest();
    manifest.env.push(vec![b'X'; 5000]);
    let bytes = ImageWriter::new(Vec::new(), &manifest)
        .unwrap()
        .finish()
        .unwrap();

    let first = read_entry(&bytes, 0).unwrap();
    assert_eq!(first.data_offset % 4096, 0);
    assert_eq!(Image::parse(&bytes).unwrap().manifest(), &manifest);
}

#[test]
fn find_accepts_leading_slash() {
    let bytes = sample_image();
    let image = Image::parse(&bytes).unwrap();
    let app = image.find(b"usr/bin/app").unwrap();
    assert_eq!(image.find(b"/usr/bin/app"), Some(app));
    assert_eq!(app.data.len(), 10000);
    let shown = format!("{app:?}");
    assert!(shown.contains(r#"path: "usr/bin/app""#) && shown.contains("data_len: 10000"));
    assert_eq!(image.find(b"data").unwrap().kind, EntryKind::Directory);
    assert_eq!(image.find(b"bin").unwrap().data, b"usr/bin");

    for missing in [
        &b"usr/bin/ap"[..],
        b"/",
        b"",
        b".pith/manifest",
        b"TRAILER!!!",
    ] {
        assert_eq!(image.find(missing), None, "{missing:?}");
    }
}

#[test]
fn length_covers_the_trailer_and_padding_follows() {
    let mut bytes = sample_image();
    assert_eq!(bytes.len() % 4096, 0);
    let len = Image::parse(&bytes).unwrap().len();
    assert!(len <= bytes.len() && bytes[len..].iter().all(|&byte| byte == 0));
    assert_eq!(&bytes[len - 124 + 110..len - 3], b"TRAILER!!!\0");

    // Whatever follows the trailer is ignored.
    bytes.extend_from_slice(b"garbage that is not an entry");
    let image = Image::parse(&bytes).unwrap();
    assert_eq!(image.len(), len);
    assert_eq!(image.entries().count(), sample_entries().len());
}

#[test]
fn links_and_directories_follow_rule_four() {
    let bytes = sample_image();
    let mut offset = 0;
    loop {
        let raw = read_entry(&bytes, offset).unwrap();
        if raw.name == b"TRAILER!!!" {
            break;
        }
        let kind = EntryKind::from_mode(raw.header.mode);
        let expected = if kind == Some(EntryKind::Directory) {
            2
        } else {
            1
        };
        assert_eq!(raw.header.nlink, expected, "{:?}", raw.name);
        offset = raw.next;
    }
}

#[test]
fn looks_like_image_is_cheap_and_specific() {
    let bytes = sample_image();
    assert!(looks_like_image(&bytes));
    // Truncated after the first name: still an image, so parse can say it is truncated.
    assert!(looks_like_image(&bytes[..128]));
    assert!(!looks_like_image(&bytes[..100]));
    assert!(!looks_like_image(b"\x7fELF\x02\x01\x01"));

    let mut other = ImageWriter::new(Vec::new(), &Manifest::default());
    assert!(other.is_err(), "a manifest without a program is refused");
    let manifest = Manifest {
        program: b"/a".to_vec(),
        ..Manifest::default()
    };
    other = ImageWriter::new(Vec::new(), &manifest);
    let bytes = other.unwrap().finish().unwrap();
    assert!(looks_like_image(&bytes));
    assert_eq!(Image::parse(&bytes).unwrap().entries().count(), 0);
}
