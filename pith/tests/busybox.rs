//! Debian's static busybox runs unmodified, each applet chosen by `argv[0]` as a shell's
//! symbolic link would give it: `ls`, `cat`, `sha256sum`, `find`, `tar`, `gzip`,
//! `gunzip`, `wc`. Needs `/bin/busybox` (Debian package `busybox-static`).

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{pith, scratch_dir, Outcome};

const BUSYBOX: &str = "/bin/busybox";

/// A symbolic link named `applet` to busybox in `dir`.
fn applet(dir: &Path, applet: &str) -> PathBuf {
    assert!(
        Path::new(BUSYBOX).exists(),
        "{BUSYBOX} is missing: install Debian's busybox-static"
    );
    let link = dir.join(applet);
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(BUSYBOX, &link).unwrap();
    link
}

/// Text with a few lines, and a larger binary file.
fn data_files(dir: &Path) -> (PathBuf, PathBuf) {
    let text = dir.join("lines.txt");
    std::fs::write(&text, "one\ntwo\nthree\n").unwrap();
    let binary = dir.join("data.bin");
    let bytes: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&binary, bytes).unwrap();
    (text, binary)
}

/// `pith run [--file HOST:GUEST]... APPLET -- ARGS`, with `stdin`.
fn run(program: &Path, files: &[(&Path, &str)], args: &[&str], stdin: Vec<u8>) -> Outcome {
    let mut command: Vec<OsString> = vec!["run".into()];
    for (host, guest) in files {
        command.push("--file".into());
        command.push(format!("{}:{guest}", host.display()).into());
    }
    // argv[0] is the program as typed: the applet's name.
    command.push(program.as_os_str().to_owned());
    command.push("--".into());
    command.extend(args.iter().map(OsString::from));
    pith(command).stdin(stdin).run()
}

fn host_output(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn ls_la_lists_the_root() {
    let dir = scratch_dir("ls_la_lists_the_root");
    let outcome = run(&applet(&dir, "ls"), &[], &["-la", "/"], Vec::new());
    outcome.assert_status(0);
    let stdout = outcome.stdout_text();
    for name in ["dev", "proc", "sys", "tmp", ".."] {
        let line = stdout
            .lines()
            .find(|line| line.ends_with(&format!(" {name}")));
        assert!(
            line.is_some_and(|line| line.starts_with('d')),
            "no directory {name}\n{outcome}"
        );
    }
    assert!(
        stdout.contains("drwxrwxrwt"),
        "/tmp is sticky and world-writable\n{outcome}"
    );
}

#[test]
fn cat_prints_an_image_file() {
    let dir = scratch_dir("cat_prints_an_image_file");
    let (text, _) = data_files(&dir);
    run(
        &applet(&dir, "cat"),
        &[(&text, "/srv/lines.txt")],
        &["/srv/lines.txt"],
        Vec::new(),
    )
    .assert_stdout("one\ntwo\nthree\n")
    .assert_status(0);
}

#[test]
fn sha256sum_of_an_image_file_matches_the_host() {
    let dir = scratch_dir("sha256sum_of_an_image_file_matches_the_host");
    let (_, binary) = data_files(&dir);
    let expected = host_output("sha256sum", &[binary.to_str().unwrap()]);
    let digest = expected.split_whitespace().next().unwrap();
    run(
        &applet(&dir, "sha256sum"),
        &[(&binary, "/srv/data.bin")],
        &["/srv/data.bin"],
        Vec::new(),
    )
    .assert_stdout(&format!("{digest}  /srv/data.bin\n"))
    .assert_status(0);
}

#[test]
fn find_by_name_searches_the_whole_tree() {
    let dir = scratch_dir("find_by_name_searches_the_whole_tree");
    let (text, binary) = data_files(&dir);
    let files = [
        (text.as_path(), "/srv/a/lines.txt"),
        (binary.as_path(), "/srv/b/data.bin"),
    ];
    run(
        &applet(&dir, "find"),
        &files,
        &["/", "-name", "lines.txt"],
        Vec::new(),
    )
    .assert_stdout("/srv/a/lines.txt\n")
    .assert_status(0);
}

#[test]
fn wc_counts_lines() {
    let dir = scratch_dir("wc_counts_lines");
    let (text, _) = data_files(&dir);
    run(
        &applet(&dir, "wc"),
        &[(&text, "/srv/lines.txt")],
        &["-l", "/srv/lines.txt"],
        Vec::new(),
    )
    .assert_stdout("3 /srv/lines.txt\n")
    .assert_status(0);
}

#[test]
fn tar_creates_and_extracts_into_tmp() {
    let dir = scratch_dir("tar_creates_and_extracts_into_tmp");
    let (text, binary) = data_files(&dir);
    let tar = applet(&dir, "tar");
    let files = [
        (text.as_path(), "/srv/lines.txt"),
        (binary.as_path(), "/srv/data.bin"),
    ];
    let created = run(
        &tar,
        &files,
        &["c", "-C", "/srv", "lines.txt", "data.bin"],
        Vec::new(),
    );
    created.assert_status(0);

    // The host's tar reads what busybox wrote.
    let archive = dir.join("out.tar");
    std::fs::write(&archive, &created.stdout).unwrap();
    let listing = host_output("tar", &["tf", archive.to_str().unwrap()]);
    assert_eq!(listing, "lines.txt\ndata.bin\n");
    let extracted = dir.join("extracted");
    std::fs::create_dir_all(&extracted).unwrap();
    let status = Command::new("tar")
        .args([
            "xf",
            archive.to_str().unwrap(),
            "-C",
            extracted.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        std::fs::read(extracted.join("data.bin")).unwrap(),
        std::fs::read(&binary).unwrap()
    );

    // And busybox extracts it into /tmp (files, modes, times), reading standard input.
    run(&tar, &[], &["xv", "-C", "/tmp"], created.stdout.clone())
        .assert_stdout("lines.txt\ndata.bin\n")
        .assert_status(0);
}

#[test]
fn gzip_and_gunzip_round_trip() {
    let dir = scratch_dir("gzip_and_gunzip_round_trip");
    let (_, binary) = data_files(&dir);
    let compressed = run(
        &applet(&dir, "gzip"),
        &[(&binary, "/srv/data.bin")],
        &["-c", "/srv/data.bin"],
        Vec::new(),
    );
    compressed.assert_status(0);
    let gz = dir.join("data.bin.gz");
    std::fs::write(&gz, &compressed.stdout).unwrap();
    let host = Command::new("gzip")
        .args(["-dc", gz.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        host.stdout,
        std::fs::read(&binary).unwrap(),
        "the host's gzip reads busybox's"
    );

    let outcome = run(
        &applet(&dir, "gunzip"),
        &[(&gz, "/srv/data.bin.gz")],
        &["-c", "/srv/data.bin.gz"],
        Vec::new(),
    );
    outcome.assert_status(0);
    assert!(
        outcome.stdout == std::fs::read(&binary).unwrap(),
        "gunzip output differs"
    );

    // In place: gunzip replaces the .gz with the original, in the copy-on-write root.
    run(
        &applet(&dir, "gunzip"),
        &[(&gz, "/srv/data.bin.gz")],
        &["-v", "/srv/data.bin.gz"],
        Vec::new(),
    )
    .assert_status(0)
    .assert_stderr_contains("replaced with /srv/data.bin");
}
