//! `pith build` writes an image in the documented format (docs/image-format.md) that
//! standard cpio reads: the manifest first, then the program, byte for byte.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{c_guest, pith, scratch_dir, Toolchain};

/// Manifest record tags (docs/image-format.md).
const TAG_PROGRAM: u8 = 1;
const TAG_ARGUMENT: u8 = 2;
const TAG_ENVIRONMENT: u8 = 3;

fn cpio(image: &Path, args: &[&str], dir: &Path) -> Vec<u8> {
    let output = Command::new("cpio")
        .args(args)
        .current_dir(dir)
        .stdin(std::fs::File::open(image).expect("opening the image"))
        .stderr(Stdio::inherit())
        .output()
        .expect("running cpio (scripts/setup installs it)");
    assert!(
        output.status.success(),
        "cpio {args:?} failed on {}",
        image.display()
    );
    output.stdout
}

/// The manifest's records as (tag, value), after checking its header.
fn manifest_records(manifest: &[u8]) -> Vec<(u8, Vec<u8>)> {
    assert_eq!(&manifest[..4], b"PITH", "manifest magic");
    assert_eq!(
        u16::from_le_bytes([manifest[4], manifest[5]]),
        1,
        "manifest version"
    );

    let mut records = Vec::new();
    let mut rest = &manifest[8..];
    while !rest.is_empty() {
        let length = u32::from_le_bytes(rest[1..5].try_into().unwrap()) as usize;
        records.push((rest[0], rest[5..5 + length].to_vec()));
        rest = &rest[5 + length..];
    }
    records
}

fn values(records: &[(u8, Vec<u8>)], tag: u8) -> Vec<String> {
    records
        .iter()
        .filter(|(record_tag, _)| *record_tag == tag)
        .map(|(_, value)| String::from_utf8_lossy(value).into_owned())
        .collect()
}

#[test]
fn build_writes_a_cpio_image_with_manifest_and_program() {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let dir = scratch_dir("build_writes_a_cpio_image_with_manifest_and_program");
    let image = dir.join("app.img");

    let outcome = pith([
        "build".as_ref(),
        "-e".as_ref(),
        "GREETING=built in".as_ref(),
        "-o".as_ref(),
        image.as_os_str(),
        program.as_os_str(),
        "--".as_ref(),
        "one".as_ref(),
        "two words".as_ref(),
    ])
    .run();
    outcome.assert_status(0);

    let listing = String::from_utf8(cpio(&image, &["-it", "--quiet"], &dir)).unwrap();
    assert_eq!(
        listing.lines().next(),
        Some(".pith/manifest"),
        "first entry:\n{listing}"
    );

    let unpacked = dir.join("root");
    std::fs::create_dir(&unpacked).unwrap();
    cpio(&image, &["-id", "--quiet"], &unpacked);
    let records = manifest_records(&std::fs::read(unpacked.join(".pith/manifest")).unwrap());

    let arguments = values(&records, TAG_ARGUMENT);
    assert_eq!(
        arguments[1..],
        ["one", "two words"],
        "arguments after argv[0]"
    );
    assert!(
        values(&records, TAG_ENVIRONMENT).contains(&"GREETING=built in".to_owned()),
        "environment: {:?}",
        values(&records, TAG_ENVIRONMENT)
    );

    let program_paths = values(&records, TAG_PROGRAM);
    assert_eq!(program_paths.len(), 1, "one program record");
    let guest_path = program_paths[0]
        .strip_prefix('/')
        .expect("absolute guest path");
    assert_eq!(
        std::fs::read(unpacked.join(guest_path)).unwrap(),
        std::fs::read(&program).unwrap(),
        "the image holds the program unchanged"
    );
}
