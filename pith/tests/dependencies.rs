//! `pith build --list-files` shows what a dynamically linked program's image holds, found
//! the way the dynamic linker would find it and without running the program: the
//! interpreter and every library with its links, what glibc loads by name, and an
//! interpreter's library tree. A library missing on the host is named with the places
//! searched.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{pith, scratch_dir, Outcome};

fn list(program: &Path) -> Outcome {
    pith([
        "build".as_ref(),
        "--list-files".as_ref(),
        program.as_os_str(),
    ])
    .run()
}

/// The listing of `program`, after checking that it succeeded.
fn listing(program: &Path) -> String {
    let outcome = list(program);
    outcome.assert_status(0);
    outcome.stdout_text()
}

/// Whether `listing` has a line that starts with `start`.
fn has(listing: &str, start: &str) -> bool {
    listing.lines().any(|line| line.starts_with(start))
}

fn assert_has(listing: &str, starts: &[&str]) {
    for start in starts {
        assert!(
            has(listing, start),
            "no line starts with {start:?} in:\n{listing}"
        );
    }
}

/// The interpreter's path, with the link from /lib64 kept on merged-/usr hosts.
fn assert_has_interpreter(listing: &str) {
    let interpreter = Path::new("/lib64/ld-linux-x86-64.so.2");
    let lib64 = fs::symlink_metadata("/lib64").unwrap();
    if lib64.file_type().is_symlink() {
        let target = fs::read_link("/lib64").unwrap();
        assert_has(
            listing,
            &[&format!("link  /lib64 -> {}  ", target.display())],
        );
    }
    let real = fs::canonicalize(interpreter).unwrap();
    assert_has(listing, &[&format!("file  {}  ", real.display())]);
}

fn compile(source: &str, output: &Path, flags: &[&str]) {
    let dir = output.parent().unwrap();
    let source_path = dir.join(format!(
        "{}.c",
        output.file_name().unwrap().to_string_lossy()
    ));
    fs::write(&source_path, source).unwrap();
    let status = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(output)
        .arg(&source_path)
        .args(flags)
        .status()
        .expect("running gcc (scripts/setup installs it)");
    assert!(status.success(), "gcc {flags:?} failed");
}

#[test]
fn ls_brings_its_libraries_and_nss_modules() {
    let listing = listing(Path::new("/bin/ls"));
    assert_has_interpreter(&listing);
    assert_has(
        &listing,
        &[
            "file  /usr/bin/ls  ",
            "file  /usr/lib/x86_64-linux-gnu/libc.so.6  ",
            "file  /usr/lib/x86_64-linux-gnu/libselinux.so.1  ",
            "link  /usr/lib/x86_64-linux-gnu/libpcre2-8.so.0 -> libpcre2-8.so.0.",
            "file  /usr/lib/x86_64-linux-gnu/libnss_files.so.2  ",
            "file  /usr/lib/x86_64-linux-gnu/libresolv.so.2  ",
            "file  /etc/nsswitch.conf  ",
        ],
    );
}

#[test]
fn a_c_program_linked_with_libm() {
    let dir = scratch_dir("a_c_program_linked_with_libm");
    let program = dir.join("cosine");
    let source = "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n\
                  int main(int argc, char **argv) {\n\
                  printf(\"%f\\n\", cos(argc > 1 ? atof(argv[1]) : 0.5));\n\
                  return 0;\n}\n";
    compile(source, &program, &["-lm"]);

    let listing = listing(&program);
    assert_has_interpreter(&listing);
    assert_has(
        &listing,
        &[
            &format!("file  {}  ", fs::canonicalize(&program).unwrap().display()),
            "file  /usr/lib/x86_64-linux-gnu/libm.so.6  ",
            "file  /usr/lib/x86_64-linux-gnu/libc.so.6  ",
        ],
    );
    assert!(
        !has(&listing, "file  /usr/lib/x86_64-linux-gnu/libnss"),
        "no lookups:\n{listing}"
    );

    // Dynamically linked programs are packed only for listing until the kernel loads them.
    let image = dir.join("app.img");
    let outcome = pith([
        "build".as_ref(),
        program.as_os_str(),
        "-o".as_ref(),
        image.as_os_str(),
    ])
    .run();
    if outcome.status != Some(0) {
        outcome
            .assert_status(125)
            .assert_stderr_contains("is dynamically linked");
    }
}

/// A program that finds its library through DT_RUNPATH `$ORIGIN/../lib`, and the error when
/// the library is gone.
#[test]
fn origin_relative_runpath_and_a_missing_library() {
    let dir =
        fs::canonicalize(scratch_dir("origin_relative_runpath_and_a_missing_library")).unwrap();
    fs::create_dir_all(dir.join("bin")).unwrap();
    fs::create_dir_all(dir.join("lib")).unwrap();
    let library = dir.join("lib/libgreet.so");
    compile(
        "const char *greeting(void) { return \"hi\"; }\n",
        &library,
        &["-shared", "-fPIC"],
    );
    let program = dir.join("bin/greeter");
    let source = "#include <stdio.h>\nconst char *greeting(void);\n\
                  int main(void) { puts(greeting()); return 0; }\n";
    let lib_dir = format!("-L{}", dir.join("lib").display());
    compile(
        source,
        &program,
        &[&lib_dir, "-lgreet", "-Wl,-rpath,$ORIGIN/../lib"],
    );

    let listing = listing(&program);
    assert_has(&listing, &[&format!("file  {}  ", library.display())]);

    fs::remove_file(&library).unwrap();
    let outcome = list(&program);
    outcome.assert_status(125);
    let stderr = outcome.stderr_text();
    let expected = format!(
        "library libgreet.so, needed by {}, is not on this host (searched {}/bin/../lib \
         (DT_RUNPATH), /etc/ld.so.cache (the ld.so cache), ",
        program.display(),
        dir.display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(
        stderr.contains("/usr/lib/x86_64-linux-gnu (ld.so.conf)"),
        "{stderr}"
    );
    assert!(stderr.contains(
        ": install the package that provides it, or name its directory with -e LD_LIBRARY_PATH=DIR"
    ));
    assert!(outcome.stdout.is_empty());
}

#[test]
fn python_brings_its_standard_library() {
    let python = fs::canonicalize("/usr/bin/python3").expect("python3 (scripts/setup)");
    let name = python.file_name().unwrap().to_string_lossy().into_owned();
    let root = PathBuf::from("/usr/lib").join(&name);
    let listing = listing(Path::new("/usr/bin/python3"));

    assert_has_interpreter(&listing);
    let root = root.display();
    assert_has(
        &listing,
        &[
            &format!("file  /usr/bin/{name}  "),
            &format!("file  {root}/os.py  "),
            &format!("file  {root}/encodings/utf_8.py  "),
            &format!("dir   {root}/lib-dynload  "),
            "file  /usr/lib/x86_64-linux-gnu/libssl.so.3  ",
        ],
    );
    assert!(
        has(&listing, &format!("file  {root}/lib-dynload/_ssl.")),
        "{listing}"
    );
    assert!(
        !has(&listing, &format!("dir   {root}/test  ")),
        "the test suite is left out"
    );
}

#[test]
fn perl_brings_its_core_library() {
    let listing = listing(Path::new("/usr/bin/perl"));
    assert_has_interpreter(&listing);
    assert_has(
        &listing,
        &["file  /usr/lib/x86_64-linux-gnu/perl-base/strict.pm  "],
    );
    assert!(has(&listing, "file  /usr/share/perl/5."), "{listing}");
}

/// Debian links Lua itself into the interpreter; readline it loads.
#[test]
fn lua_brings_its_libraries() {
    let lua = Path::new("/usr/bin/lua5.4");
    assert!(lua.exists(), "lua5.4 is missing: run scripts/setup");
    let listing = listing(lua);
    assert_has_interpreter(&listing);
    assert_has(
        &listing,
        &[
            "file  /usr/bin/lua5.4  ",
            "link  /usr/lib/x86_64-linux-gnu/libreadline.so.8 -> ",
            "file  /usr/lib/x86_64-linux-gnu/libm.so.6  ",
        ],
    );
}
