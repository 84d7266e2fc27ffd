//! The writer refuses what the format cannot hold, and stops after a failed write.

use std::io::{self, ErrorKind};
use std::string::ToString;
use std::vec::Vec;

use super::sample_manifest;
use crate::cpio::{S_IFDIR, S_IFREG};
use crate::{Image, ImageWriter, Manifest};

fn writer() -> ImageWriter<Vec<u8>> {
    ImageWriter::new(Vec::new(), &sample_manifest()).unwrap()
}

fn assert_invalid_input(result: io::Result<()>, path: &str) {
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{path:?}: {error}");
    assert!(
        error.to_string().contains(&std::format!("{path:?}")),
        "{error}"
    );
}

#[test]
fn bad_paths_are_refused_without_breaking_the_writer() {
    let mut writer = writer();
    writer.add_directory("usr", 0o755, 0).unwrap();
    let bad = [
        "",
        "/",
        "..",
        "a/../b",
        "./a",
        "a//b",
        "a/",
        "//a",
        "a\0b",
        "TRAILER!!!",
        "usr",
        "/usr",
        ".pith/manifest",
    ];
    for path in bad {
        assert_invalid_input(writer.add_directory(path, 0o755, 0), path);
        assert_invalid_input(writer.add_symlink(path, "x", 0), path);
        assert_invalid_input(writer.add_file(path, 0o644, 0, 0, &mut io::empty()), path);
    }

    writer.add_directory("usr/lib", 0o700, 0).unwrap();
    let bytes = writer.finish().unwrap();
    let image = Image::parse(&bytes).unwrap();
    assert_eq!(image.entries().count(), 2);
}

#[test]
fn bad_symlink_targets_and_sizes_are_refused() {
    let mut writer = writer();
    assert_invalid_input(writer.add_symlink("a", "", 0), "a");
    assert_invalid_input(writer.add_symlink("b", "x\0y", 0), "b");
    let too_big = u64::from(u32::MAX) + 1;
    assert_invalid_input(
        writer.add_file("c", 0o644, 0, too_big, &mut io::empty()),
        "c",
    );

    // None of the refused paths was taken.
    writer.add_symlink("a", "target", 0).unwrap();
    writer.add_file("c", 0o644, 0, 1, &mut &b"c"[..]).unwrap();
    assert!(Image::parse(&writer.finish().unwrap()).is_ok());
}

#[test]
fn invalid_manifest_is_refused() {
    let manifest = Manifest {
        program: b"usr/bin/app".to_vec(),
        ..Manifest::default()
    };
    let error = ImageWriter::new(Vec::new(), &manifest).err().unwrap();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        error.to_string(),
        "manifest program is not an absolute path"
    );
}

#[test]
fn short_reader_breaks_the_writer() {
    let mut writer = writer();
    let error = writer
        .add_file("short", 0o644, 0, 10, &mut &b"12345"[..])
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidData);
    assert!(error.to_string().contains("ended after 5 of its 10 bytes"));

    assert!(writer.add_directory("later", 0o755, 0).is_err());
    assert!(writer.finish().is_err());
}

#[test]
fn long_reader_is_an_error() {
    let mut writer = writer();
    let error = writer
        .add_file("long", 0o644, 0, 3, &mut &b"12345"[..])
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidData);
    assert!(error.to_string().contains("more than the 3 bytes declared"));
}

#[test]
fn mode_keeps_only_permission_bits() {
    let mut writer = writer();
    writer
        .add_file("f", 0o104755, 0, 0, &mut io::empty())
        .unwrap();
    writer.add_directory("d", 0o041777, 0).unwrap();
    let bytes = writer.finish().unwrap();

    let image = Image::parse(&bytes).unwrap();
    assert_eq!(image.find(b"f").unwrap().mode, S_IFREG | 0o4755);
    assert_eq!(image.find(b"d").unwrap().mode, S_IFDIR | 0o1777);
}

#[test]
fn write_errors_are_reported() {
    struct Full;
    impl io::Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(ErrorKind::StorageFull, "disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let error = ImageWriter::new(Full, &sample_manifest()).err().unwrap();
    assert_eq!(error.kind(), ErrorKind::StorageFull);
}
