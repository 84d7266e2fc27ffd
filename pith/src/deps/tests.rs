//! Resolution against this host's own programs and libraries.

use super::*;

fn request(program: &Path) -> Request<'_> {
    Request {
        program,
        libraries: &[],
        runtime: RuntimeChoice::Auto,
        locales: false,
        ld_library_path: None,
        exclude: &[],
    }
}

fn names(closure: &Closure) -> Vec<String> {
    closure
        .libraries
        .iter()
        .filter_map(|path| file_name(path))
        .collect()
}

#[test]
fn ls_needs_libc_selinux_and_nss() {
    let closure = resolve(&request(Path::new("/usr/bin/ls"))).unwrap();
    assert_eq!(
        closure.interpreter.as_deref(),
        Some(Path::new("/lib64/ld-linux-x86-64.so.2"))
    );
    let names = names(&closure);
    for name in [
        "libc.so.6",
        "libselinux.so.1",
        "libnss_files.so.2",
        "libresolv.so.2",
    ] {
        assert!(names.contains(&name.to_owned()), "{name} in {names:?}");
    }
    assert!(
        !names.iter().any(|name| name.starts_with("ld-linux")),
        "loaded once: {names:?}"
    );
    assert_eq!(closure.runtime, None);
    assert!(closure.trees.is_empty());
}

#[test]
fn python_brings_its_standard_library() {
    let python = std::fs::canonicalize("/usr/bin/python3").unwrap();
    let closure = resolve(&request(&python)).unwrap();
    assert_eq!(closure.runtime, Some(Runtime::Python));
    let root = &closure.trees[0].root;
    assert!(root.join("os.py").is_file(), "{}", root.display());
    // lib-dynload's _ssl needs OpenSSL, which python3 itself does not link.
    assert!(
        names(&closure).contains(&"libssl.so.3".to_owned()),
        "{:?}",
        names(&closure)
    );
}

#[test]
fn extra_libraries_are_resolved_and_missing_ones_named() {
    let libraries = [
        "libz.so.1".to_owned(),
        "libpith-nonexistent.so.7".to_owned(),
    ];
    let request = Request {
        libraries: &libraries,
        ..request(Path::new("/usr/bin/true"))
    };
    let error = resolve(&request).unwrap_err().to_string();
    assert!(
        error.starts_with(
            "library libpith-nonexistent.so.7, needed by /usr/bin/true, is not on this host \
             (searched /etc/ld.so.cache (the ld.so cache), "
        ),
        "{error}"
    );
    assert!(
        error.contains("/lib/x86_64-linux-gnu (ld.so.conf)"),
        "{error}"
    );
    assert!(error.ends_with(
        ": install the package that provides it, or name its directory with \
         -e LD_LIBRARY_PATH=DIR"
    ));

    let libraries = ["libz.so.1".to_owned()];
    let request = Request {
        libraries: &libraries,
        ..request
    };
    assert!(names(&resolve(&request).unwrap()).contains(&"libz.so.1".to_owned()));
}

#[test]
fn a_static_program_needs_nothing() {
    let closure = resolve(&request(Path::new("/sbin/ldconfig"))).unwrap();
    assert_eq!(closure.interpreter, None);
    assert!(closure.libraries.is_empty() && closure.trees.is_empty());
}
