//! Interpreters are recognized by name; their trees are found under their prefix.

use super::*;

#[test]
fn interpreters_are_recognized_by_name() {
    let version = |text: &str| Some(text.to_owned());
    assert_eq!(
        from_name("python3.11"),
        Some((Runtime::Python, version("3.11")))
    );
    assert_eq!(from_name("python3"), Some((Runtime::Python, None)));
    assert_eq!(from_name("perl"), Some((Runtime::Perl, None)));
    assert_eq!(
        from_name("perl5.36.0"),
        Some((Runtime::Perl, version("5.36.0")))
    );
    assert_eq!(from_name("ruby3.1"), Some((Runtime::Ruby, version("3.1"))));
    assert_eq!(from_name("lua5.4"), Some((Runtime::Lua, version("5.4"))));
    assert_eq!(from_name("luajit"), Some((Runtime::Lua, None)));
    assert_eq!(from_name("nodejs"), Some((Runtime::Node, None)));
    assert_eq!(from_name("python3-config"), None);
    assert_eq!(from_name("server"), None);
}

#[test]
fn the_manifest_choice_wins() {
    let python = Path::new("/usr/bin/python3.11");
    assert_eq!(identify(python, RuntimeChoice::None), None);
    assert_eq!(
        identify(python, RuntimeChoice::Auto),
        Some((Runtime::Python, Some("3.11".into())))
    );
    assert_eq!(identify(Path::new("/opt/app"), RuntimeChoice::Auto), None);
    assert_eq!(
        identify(Path::new("/opt/app"), RuntimeChoice::Perl),
        Some((Runtime::Perl, None))
    );
    assert_eq!(
        identify(python, RuntimeChoice::Ruby),
        Some((Runtime::Ruby, None))
    );
}

#[test]
fn versions_come_from_needed_libraries() {
    let needed = ["libc.so.6".to_owned(), "libpython3.12.so.1.0".to_owned()];
    assert_eq!(
        version_from_needed(Runtime::Python, &needed),
        Some("3.12".into())
    );
    let needed = ["libruby-3.1.so.3.1".to_owned()];
    assert_eq!(
        version_from_needed(Runtime::Ruby, &needed),
        Some("3.1".into())
    );
    assert_eq!(version_from_needed(Runtime::Perl, &needed), None);
}

#[test]
fn python_tree_leaves_out_what_only_developers_use() {
    let trees = python(Path::new("/usr"), Some("3.11".into()));
    assert_eq!(trees[0].root, Path::new("/usr/lib/python3.11"));
    let excluded = Exclude(&trees[0].exclude);
    assert!(excluded.matches("/usr/lib/python3.11/test"));
    assert!(excluded.matches("/usr/lib/python3.11/config-3.11-x86_64-linux-gnu"));
    assert!(!excluded.matches("/usr/lib/python3.11/lib-dynload"));
}

#[test]
fn perl_tree_is_the_split_core_library() {
    let trees = perl(Path::new("/usr"));
    let roots: Vec<&Path> = trees.iter().map(|tree| tree.root.as_path()).collect();
    assert!(
        roots.contains(&Path::new("/usr/lib/x86_64-linux-gnu/perl-base")),
        "{roots:?}"
    );
    assert!(
        roots
            .iter()
            .any(|root| root.starts_with("/usr/share/perl/")),
        "{roots:?}"
    );
    let excluded = Exclude(&trees[0].exclude);
    assert!(excluded.matches("/usr/lib/x86_64-linux-gnu/perl/5.36.0/CORE"));
}

#[test]
fn exclusion_globs_stay_inside_one_component() {
    let patterns = [
        glob::Pattern::new("/a/*").unwrap(),
        glob::Pattern::new("/b/**/c").unwrap(),
    ];
    let exclude = Exclude(&patterns);
    assert!(exclude.matches("/a/x"));
    assert!(!exclude.matches("/a/x/y"));
    assert!(exclude.matches("/b/x/y/c"));
}

#[test]
fn shared_objects_are_found_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("ext/skip")).unwrap();
    for name in [
        "ext/_a.cpython-311-x86_64-linux-gnu.so",
        "ext/libb.so.1",
        "ext/c.py",
        "ext/skip/d.so",
    ] {
        std::fs::write(dir.path().join(name), b"").unwrap();
    }
    let pattern = format!("{}/ext/skip", dir.path().display());
    let patterns = [glob::Pattern::new(&pattern).unwrap()];
    let found = shared_objects(dir.path(), Exclude(&patterns)).unwrap();
    let names: Vec<String> = found
        .iter()
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["_a.cpython-311-x86_64-linux-gnu.so", "libb.so.1"]);
}
