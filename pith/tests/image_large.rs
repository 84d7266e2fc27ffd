//! Packing a directory of 10,000 small files, like a language's standard library: it works
//! and every file is in the image. The time and size are printed (`--nocapture` shows them)
//! but not asserted: the machine's load decides them.

mod common;

use std::fs;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{c_guest, pith, scratch_dir, Toolchain};

const DIRECTORIES: usize = 100;
const FILES_PER_DIRECTORY: usize = 100;

#[test]
fn ten_thousand_small_files() {
    let dir = scratch_dir("ten_thousand_small_files");
    let tree = dir.join("lib");
    for d in 0..DIRECTORIES {
        let sub = tree.join(format!("package{d:03}"));
        fs::create_dir_all(&sub).unwrap();
        for f in 0..FILES_PER_DIRECTORY {
            fs::write(
                sub.join(format!("module{f:03}.py")),
                format!("VALUE = {d} * {f}\n"),
            )
            .unwrap();
        }
    }
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let image = dir.join("app.img");
    let mapping = format!("{}:/usr/lib/app", tree.display());

    let started = Instant::now();
    let outcome = pith([
        "build".as_ref(),
        "--dir".as_ref(),
        mapping.as_ref(),
        "-o".as_ref(),
        image.as_os_str(),
        program.as_os_str(),
    ])
    .run();
    let elapsed = started.elapsed();
    outcome.assert_status(0);
    let size = fs::metadata(&image).unwrap().len();
    eprintln!(
        "packed {} files in {elapsed:.2?}: an image of {size} bytes",
        DIRECTORIES * FILES_PER_DIRECTORY
    );

    let listing = Command::new("cpio")
        .args(["-it", "--quiet"])
        .stdin(fs::File::open(&image).unwrap())
        .stderr(Stdio::inherit())
        .output()
        .expect("running cpio (scripts/setup installs it)");
    assert!(listing.status.success());
    let listing = String::from_utf8(listing.stdout).unwrap();
    let modules = listing
        .lines()
        .filter(|name| name.starts_with("usr/lib/app/package") && name.ends_with(".py"))
        .count();
    let packages = listing
        .lines()
        .filter(|name| name.starts_with("usr/lib/app/package") && !name.ends_with(".py"))
        .count();
    assert_eq!(modules, DIRECTORIES * FILES_PER_DIRECTORY);
    assert_eq!(packages, DIRECTORIES);
    // Ten thousand files left behind would slow the next run's clean-up of stale scratch.
    fs::remove_dir_all(&dir).unwrap();
}
