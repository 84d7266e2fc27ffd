//! `pith run DIR` boots the application a Pith.toml describes (docs/manifest.md), and the
//! command line's options override the manifest's.

mod common;

use std::path::{Path, PathBuf};

use common::{c_guest, pith, scratch_dir, Toolchain};

/// A directory holding the app_info guest, a data file and `manifest` as its Pith.toml.
fn app_dir(test: &str, manifest: &str) -> PathBuf {
    let dir = scratch_dir(test);
    let guest = c_guest("app_info", Toolchain::GlibcStatic);
    std::fs::copy(guest, dir.join("app_info")).expect("copying the guest");
    std::fs::write(dir.join("data.txt"), "some data\n").unwrap();
    std::fs::write(dir.join("Pith.toml"), manifest).unwrap();
    dir
}

const MANIFEST: &str = r#"
program = "app_info"
args = ["one", "two words"]
workdir = "/srv/app"
files = ["data.txt:/srv/app/"]
memory = "48M"

[env]
GREETING = "hello"
LANG = "C.UTF-8"
"#;

#[test]
fn a_directory_with_a_manifest_runs() {
    let dir = app_dir("a_directory_with_a_manifest_runs", MANIFEST);

    pith(["run".as_ref(), dir.as_os_str()])
        .run()
        .assert_status(0)
        .assert_stdout(
            "argv[0]=app_info\n\
             argv[1]=one\n\
             argv[2]=two words\n\
             env GREETING=hello\n\
             env LANG=C.UTF-8\n\
             env PATH=/usr/local/bin:/usr/bin:/bin\n\
             cwd=/srv/app\n",
        );
}

#[test]
fn command_line_options_override_the_manifest() {
    let dir = app_dir("command_line_options_override_the_manifest", MANIFEST);
    let manifest = dir.join("Pith.toml");

    let outcome = pith([
        "-v".as_ref(),
        "run".as_ref(),
        "-w".as_ref(),
        "/srv".as_ref(),
        "-e".as_ref(),
        "LANG=C".as_ref(),
        "-m".as_ref(),
        "40M".as_ref(),
        manifest.as_os_str(),
        "--".as_ref(),
        "three".as_ref(),
    ])
    .run();
    outcome.assert_status(0).assert_stdout(
        "argv[0]=app_info\n\
         argv[1]=three\n\
         env GREETING=hello\n\
         env LANG=C\n\
         env PATH=/usr/local/bin:/usr/bin:/bin\n\
         cwd=/srv\n",
    );
    outcome.assert_stderr_contains(" -m 40M ");
}

#[test]
fn the_manifest_sets_the_memory() {
    let dir = app_dir("the_manifest_sets_the_memory", MANIFEST);
    pith(["-v".as_ref(), "run".as_ref(), dir.as_os_str()])
        .run()
        .assert_status(0)
        .assert_stderr_contains(" -m 48M ");
}

#[test]
fn a_directory_without_a_manifest_is_refused() {
    let dir = scratch_dir("a_directory_without_a_manifest_is_refused");
    let outcome = pith(["run".as_ref(), dir.as_os_str()]).run();
    outcome.assert_status(125).assert_stderr_contains(&format!(
        "pith: {} is a directory without a Pith.toml: add one (docs/manifest.md describes it) \
         or name the program inside the directory\n",
        dir.display()
    ));
    assert!(outcome.stdout.is_empty());
}

#[test]
fn a_built_image_carries_the_manifest() {
    let dir = app_dir("a_built_image_carries_the_manifest", MANIFEST);
    let image = dir.join("app.img");
    pith([
        "build".as_ref(),
        dir.as_os_str(),
        "-o".as_ref(),
        image.as_os_str(),
    ])
    .run()
    .assert_status(0);
    let outcome = pith(["run".as_ref(), image.as_os_str()]).run();
    outcome.assert_status(0);
    assert!(
        outcome.stdout_text().ends_with("cwd=/srv/app\n"),
        "{outcome}"
    );
    assert!(Path::new(&image).exists());
}
