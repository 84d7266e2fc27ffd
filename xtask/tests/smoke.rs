//! The benchmark suite must not rot: one repetition of the hello rows, through the same
//! library function `cargo xtask bench --smoke` calls, checking that Pith's side has
//! numbers (and Linux's too, unless Debian's kernel cannot be fetched on this host).

use std::path::PathBuf;
use std::time::SystemTime;

use xtask::bench::{self, Options, SMOKE_ROWS};

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    )
}

/// The most recently built pith, release or debug. Building it here would need cargo's
/// lock, which the running `cargo test` holds.
fn pith_binary(target: &std::path::Path) -> PathBuf {
    let built = |profile: &str| {
        let path = target.join(profile).join("pith");
        let modified = path
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()?;
        Some((modified, path))
    };
    let newest = [built("release"), built("debug")]
        .into_iter()
        .flatten()
        .max_by_key(|(modified, _): &(SystemTime, PathBuf)| *modified);
    match newest {
        Some((_, path)) => path,
        None => panic!(
            "no pith binary in {}/{{release,debug}}: build it first with `cargo build -p pith` \
             (`cargo test --workspace` does)",
            target.display()
        ),
    }
}

#[test]
fn hello_rows_have_numbers() {
    let target = target_dir();
    let options = Options::smoke(
        pith_binary(&target),
        target.join("bench").join("smoke"),
        target.join("bench").join("debian"),
    );
    let report = bench::run(&options).expect("the smoke benchmark runs");
    let table = report.table();
    println!("{table}");

    for id in SMOKE_ROWS {
        let row = report
            .row(id)
            .unwrap_or_else(|| panic!("no row {id} in\n{table}"));
        let pith = row
            .pith
            .summary()
            .unwrap_or_else(|| panic!("no Pith number for {id}:\n{table}"));
        assert!(pith.median > 0.0, "{id}: {table}");
        match &report.linux_unavailable {
            Some(reason) => println!("note: the Linux side was skipped: {reason}"),
            None => assert!(
                row.linux.summary().is_some(),
                "no Linux number for {id}:\n{table}"
            ),
        }
    }
    assert!(options.work_dir.join("results.json").is_file());
}
