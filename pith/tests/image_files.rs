//! `pith build` puts the user's files in the image (`--file`, `--dir`, `files` in Pith.toml)
//! and generates the /etc files the application did not bring; standard cpio lists and
//! unpacks the result.

mod common;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use common::{c_guest, pith, scratch_dir, Toolchain};

/// Runs cpio with `args` on `image` in `dir` and returns its standard output.
fn cpio(image: &Path, args: &[&str], dir: &Path) -> String {
    let output = Command::new("cpio")
        .args(args)
        .current_dir(dir)
        .stdin(fs::File::open(image).expect("opening the image"))
        .stderr(Stdio::inherit())
        .output()
        .expect("running cpio (scripts/setup installs it)");
    assert!(output.status.success(), "cpio {args:?} failed");
    String::from_utf8(output.stdout).unwrap()
}

fn build(args: &[&std::ffi::OsStr]) -> common::Outcome {
    pith(std::iter::once("build".as_ref()).chain(args.iter().copied())).run()
}

/// A host directory with a script (mode 750, an old mtime), a subdirectory and a link.
fn tree(dir: &Path) -> (PathBuf, SystemTime) {
    let tree = dir.join("tree");
    fs::create_dir_all(tree.join("sub")).unwrap();
    fs::write(tree.join("run.sh"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(tree.join("run.sh"), fs::Permissions::from_mode(0o750)).unwrap();
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
    fs::File::options()
        .write(true)
        .open(tree.join("run.sh"))
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    fs::write(tree.join("sub/notes.txt"), "notes\n").unwrap();
    symlink("../run.sh", tree.join("sub/run")).unwrap();
    (tree, mtime)
}

#[test]
fn files_directories_and_generated_etc_are_in_the_image() {
    let dir = scratch_dir("files_directories_and_generated_etc_are_in_the_image");
    let program = c_guest("hello", Toolchain::GlibcStatic);
    fs::write(dir.join("data.txt"), "data\n").unwrap();
    fs::write(dir.join("same-path.txt"), "same\n").unwrap();
    let (tree, mtime) = tree(&dir);
    let image = dir.join("app.img");

    let data = format!("{}:/srv/data.txt", dir.join("data.txt").display());
    let tree_arg = format!("{}:/srv/tree", tree.display());
    build(&[
        "--file".as_ref(),
        data.as_ref(),
        "--file".as_ref(),
        dir.join("same-path.txt").as_os_str(),
        "--dir".as_ref(),
        tree_arg.as_ref(),
        "-o".as_ref(),
        image.as_os_str(),
        program.as_os_str(),
    ])
    .assert_status(0);

    let listing = cpio(&image, &["-it", "--quiet"], &dir);
    let names: Vec<&str> = listing.lines().collect();
    assert_eq!(names[0], ".pith/manifest", "{listing}");
    let same_path = dir.join("same-path.txt").display().to_string();
    for expected in [
        "srv/data.txt",
        "srv/tree/run.sh",
        "srv/tree/sub/notes.txt",
        "srv/tree/sub/run",
        same_path.trim_start_matches('/'),
        "etc/hosts",
        "etc/resolv.conf",
        "etc/passwd",
        "etc/group",
        "etc/nsswitch.conf",
        "etc/localtime",
        "etc/ssl/certs/ca-certificates.crt",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from:\n{listing}"
        );
    }

    let root = dir.join("root");
    fs::create_dir(&root).unwrap();
    cpio(&image, &["-idm", "--quiet"], &root);
    assert_eq!(
        fs::read_to_string(root.join("srv/data.txt")).unwrap(),
        "data\n"
    );
    assert_eq!(
        fs::read_link(root.join("srv/tree/sub/run")).unwrap(),
        Path::new("../run.sh")
    );
    let script = fs::metadata(root.join("srv/tree/run.sh")).unwrap();
    assert_eq!(script.permissions().mode() & 0o7777, 0o750);
    assert_eq!(script.modified().unwrap(), mtime);

    let passwd = fs::read_to_string(root.join("etc/passwd")).unwrap();
    let shell = passwd.lines().next().unwrap().rsplit(':').next().unwrap();
    assert!(passwd.starts_with("root:x:0:0:"), "{passwd}");
    assert!(
        !root.join(shell.trim_start_matches('/')).exists(),
        "the shell {shell} is absent"
    );
    assert_eq!(
        fs::read(root.join("etc/ssl/certs/ca-certificates.crt")).unwrap(),
        fs::read("/etc/ssl/certs/ca-certificates.crt").unwrap()
    );
}

#[test]
fn the_applications_own_etc_files_win() {
    let dir = scratch_dir("the_applications_own_etc_files_win");
    let program = c_guest("hello", Toolchain::GlibcStatic);
    fs::write(dir.join("hosts"), "10.1.2.3 database\n").unwrap();
    let image = dir.join("app.img");
    let hosts = format!("{}:/etc/hosts", dir.join("hosts").display());
    build(&[
        "--file".as_ref(),
        hosts.as_ref(),
        "-o".as_ref(),
        image.as_os_str(),
        program.as_os_str(),
    ])
    .assert_status(0);

    let root = dir.join("root");
    fs::create_dir(&root).unwrap();
    cpio(&image, &["-id", "--quiet"], &root);
    assert_eq!(
        fs::read_to_string(root.join("etc/hosts")).unwrap(),
        "10.1.2.3 database\n"
    );
    assert!(
        root.join("etc/resolv.conf").exists(),
        "the others are still generated"
    );
}

#[test]
fn manifest_globs_and_exclusions() {
    let dir = scratch_dir("manifest_globs_and_exclusions");
    fs::copy(c_guest("hello", Toolchain::GlibcStatic), dir.join("hello")).unwrap();
    for name in [
        "static/site.css",
        "static/theme/dark.css",
        "static/app.js",
        "static/old/x.css",
    ] {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, name).unwrap();
    }
    fs::write(
        dir.join("Pith.toml"),
        "program = \"hello\"\n\
         files = [\"static/**/*.css:/srv/www\"]\n\
         exclude = [\"/srv/www/old\"]\n",
    )
    .unwrap();
    let image = dir.join("app.img");
    build(&[dir.as_os_str(), "-o".as_ref(), image.as_os_str()]).assert_status(0);

    let listing = cpio(&image, &["-it", "--quiet"], &dir);
    let www: Vec<&str> = listing
        .lines()
        .filter(|name| name.starts_with("srv/www/"))
        .collect();
    assert_eq!(
        www,
        [
            "srv/www/site.css",
            "srv/www/theme",
            "srv/www/theme/dark.css"
        ]
    );
}

#[test]
fn file_and_dir_refuse_the_other_kind() {
    let dir = scratch_dir("file_and_dir_refuse_the_other_kind");
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let image = dir.join("app.img");

    let outcome = build(&[
        "--file".as_ref(),
        dir.as_os_str(),
        "-o".as_ref(),
        image.as_os_str(),
        program.as_os_str(),
    ]);
    outcome.assert_status(125).assert_stderr_contains(&format!(
        "{} is a directory: give directories with --dir HOST:GUEST",
        dir.display()
    ));
    let outcome = build(&[
        "--dir".as_ref(),
        program.as_os_str(),
        "-o".as_ref(),
        image.as_os_str(),
        program.as_os_str(),
    ]);
    outcome.assert_status(125).assert_stderr_contains(&format!(
        "{} is not a directory: give files with --file HOST:GUEST",
        program.display()
    ));
    assert!(!image.exists());
}
