//! The file system as programs see it: `tests/guests/files.c` and `tests/guests/epoll.c`
//! check the file syscalls with exact results and errno values against the image, tmpfs
//! and the special files, and a read-only root refuses changes with `EROFS`.

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use common::{c_guest, pith, scratch_dir, Outcome, Toolchain};
use pith_image::{ImageWriter, Manifest};

/// Size of `big.bin`, chosen to span several pages and end inside one.
const BIG_SIZE: usize = 12388;

/// Writes the data files files.c expects into `dir`.
fn data_files(dir: &Path) -> (PathBuf, PathBuf) {
    let small = dir.join("small.txt");
    let big = dir.join("big.bin");
    std::fs::write(&small, b"hello, image\n").unwrap();
    let bytes: Vec<u8> = (0..BIG_SIZE).map(|i| ((i * 7 + 3) & 0xff) as u8).collect();
    std::fs::write(&big, bytes).unwrap();
    (small, big)
}

/// Asserts that a guest test passed: status 0 and its summary line with no failure.
fn assert_all_passed(outcome: &Outcome, suite: &str) {
    let stdout = outcome.stdout_text();
    let failures: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("FAIL"))
        .collect();
    assert!(
        failures.is_empty(),
        "failed checks:\n{}\n{outcome}",
        failures.join("\n")
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with(&format!("{suite}: ")) && summary.ends_with(" 0 failed"),
        "no passing summary line\n{outcome}"
    );
    outcome.assert_status(0);
}

#[test]
fn file_syscalls_on_image_tmpfs_and_special_files() {
    let program = c_guest("files", Toolchain::GlibcStatic);
    let dir = scratch_dir("file_syscalls_on_image_tmpfs_and_special_files");
    let (small, big) = data_files(&dir);
    let small = format!("{}:/data/small.txt", small.display());
    let big = format!("{}:/data/big.bin", big.display());

    let args: Vec<OsString> = vec![
        "run".into(),
        "--file".into(),
        small.into(),
        "--file".into(),
        big.into(),
        program.into(),
        "--".into(),
        "/data".into(),
    ];
    let outcome = pith(args).run();
    assert_all_passed(&outcome, "files");
    // Enough checks ran that a section silently skipped would show.
    assert!(outcome.stdout_text().lines().count() > 300, "{outcome}");
}

#[test]
fn read_only_root_refuses_changes_with_erofs() {
    let program = c_guest("files", Toolchain::GlibcStatic);
    let dir = scratch_dir("read_only_root_refuses_changes_with_erofs");
    data_files(&dir);
    let image = dir.join("ro.img");
    write_read_only_image(&program, &dir, &image);

    let outcome = pith([OsString::from("run"), image.into()]).run();
    assert_all_passed(&outcome, "files (read-only root)");
}

/// An image of `program` at `/files` with the data files in `/data` and a read-only root.
fn write_read_only_image(program: &Path, data: &Path, image: &Path) {
    let manifest = Manifest {
        program: b"/files".to_vec(),
        args: vec![b"files".to_vec(), b"/data".to_vec(), b"readonly".to_vec()],
        env: Vec::new(),
        workdir: b"/".to_vec(),
        read_only_root: true,
    };
    let mut writer = ImageWriter::new(Vec::new(), &manifest).unwrap();
    let mut add = |guest: &str, host: &Path, mode: u32| {
        let bytes = std::fs::read(host).unwrap();
        let length = bytes.len() as u64;
        writer
            .add_file(guest, mode, 0, length, &mut bytes.as_slice())
            .unwrap();
    };
    add("files", program, 0o755);
    add("data/small.txt", &data.join("small.txt"), 0o644);
    add("data/big.bin", &data.join("big.bin"), 0o644);
    std::fs::write(image, writer.finish().unwrap()).unwrap();
}

#[test]
fn epoll_with_pipes_eventfd_and_timerfd() {
    let program = c_guest("epoll", Toolchain::GlibcStatic);
    let outcome = pith([OsString::from("run"), program.into()]).run();
    assert_all_passed(&outcome, "epoll");
}
