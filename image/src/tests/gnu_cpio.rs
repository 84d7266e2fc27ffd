//! GNU cpio lists and unpacks our images, name padding included, as the spec promises. Skipped
//! (with a note) where `cpio` is not installed.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::string::String;
use std::vec::Vec;
use std::{eprintln, format};

use super::{sample_entries, sample_image};
use crate::EntryKind;

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("pith-image-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn cpio_available() -> bool {
    let found = Command::new("cpio").arg("--version").output().is_ok();
    if !found {
        eprintln!("note: `cpio` is not installed; skipping the GNU cpio compatibility test");
    }
    found
}

/// Runs cpio with the image as standard input, in `dir`, and checks it succeeded silently.
fn run_cpio(args: &[&str], image: &Path, dir: &Path) -> Output {
    let output = Command::new("cpio")
        .args(args)
        .current_dir(dir)
        .stdin(File::open(image).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cpio {args:?} failed: {stderr}");
    assert!(output.stderr.is_empty(), "cpio {args:?} warned: {stderr}");
    output
}

#[test]
fn gnu_cpio_lists_and_unpacks_the_image() {
    if !cpio_available() {
        return;
    }
    let scratch = Scratch::new("gnu-cpio");
    let image_path = scratch.0.join("app.img");
    fs::write(&image_path, sample_image()).unwrap();

    let listing = run_cpio(&["-it", "--quiet"], &image_path, &scratch.0);
    let names: Vec<_> = String::from_utf8(listing.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let mut expected = std::vec![String::from(".pith/manifest")];
    expected.extend(sample_entries().iter().map(|entry| entry.path.into()));
    assert_eq!(names, expected);

    let root = scratch.0.join("root");
    fs::create_dir(&root).unwrap();
    run_cpio(&["-id", "--quiet"], &image_path, &root);
    for entry in sample_entries() {
        let path = root.join(entry.path);
        match entry.kind {
            EntryKind::Directory => assert!(path.is_dir(), "{}", entry.path),
            EntryKind::File => assert_eq!(fs::read(&path).unwrap(), entry.data, "{}", entry.path),
            EntryKind::Symlink => {
                let target = fs::read_link(&path).unwrap();
                assert_eq!(target.as_os_str().as_encoded_bytes(), entry.data);
            }
        }
    }
}
