//! Interpreter start-up: `python3 -c 'print(...)'`, Debian's python3 from the host with its
//! standard library, booted from a ready image on each side (Pith: `pith build`'s image;
//! Linux: an initramfs with the interpreter, its libraries and `/usr/lib/python3.X`).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use super::super::linux::{self, LinuxProgram};
use super::super::pith::RunOptions;
use super::super::report::{Report, Row, Side, Unit};
use super::super::Bench;
use super::wall_time;

const ID: &str = "interp-startup";
const PYTHON: &str = "/usr/bin/python3";
const MARKER: &str = "interpreter-ready";
/// The standard library in memory on the Linux side needs room beyond the interpreter.
const MEMORY_MIB: u32 = 512;
const TIMEOUT: Duration = Duration::from_secs(300);
/// Parts of the standard library that start-up never touches.
const SKIPPED: [&str; 5] = ["test", "idlelib", "tkinter", "lib2to3", "ensurepip"];

pub fn measure(bench: &Bench, report: &mut Report) -> anyhow::Result<()> {
    if !bench.options.wants(ID) {
        return Ok(());
    }
    let mut row = Row::new(
        ID,
        "interpreter startup (python3)",
        Unit::Milliseconds,
        bench.accel.as_str(),
    );
    let args = ["-c", "print('interpreter-ready')"];
    let image = bench.dir("images")?.join("python3.pith");
    let pith_image = bench
        .pith
        .build_with_args(Path::new(PYTHON), &image, &args)
        .map(|()| image);
    let initramfs = linux_initramfs(bench, &args);
    for rep in 1..=bench.options.reps {
        eprintln!(
            "bench: interpreter row, repetition {rep}/{}",
            bench.options.reps
        );
        pith_run(bench, &pith_image, &mut row.pith)?;
        linux_run(bench, &initramfs, &mut row.linux)?;
    }
    report.rows.push(row);
    Ok(())
}

fn pith_run(bench: &Bench, image: &Result<PathBuf, String>, side: &mut Side) -> anyhow::Result<()> {
    let image = match image {
        Ok(image) => image,
        Err(reason) => {
            side.record(Err(format!("pith build: {reason}")));
            return Ok(());
        }
    };
    let options = RunOptions {
        memory_mib: Some(MEMORY_MIB),
        ..RunOptions::default()
    };
    let timed = bench.pith.run(image, &options, MARKER, TIMEOUT)?;
    side.record(wall_time(&timed, "pith run"));
    Ok(())
}

fn linux_run(
    bench: &Bench,
    initramfs: &Result<PathBuf, String>,
    side: &mut Side,
) -> anyhow::Result<()> {
    let (vm, initramfs) = match (&bench.linux, initramfs) {
        (Ok(vm), Ok(initramfs)) => (vm, initramfs),
        (Err(reason), _) | (_, Err(reason)) => {
            side.record(Err(reason.clone()));
            return Ok(());
        }
    };
    let timed = vm.run(initramfs, MEMORY_MIB, MARKER, TIMEOUT)?;
    side.record(wall_time(&timed, "Linux VM"));
    Ok(())
}

fn linux_initramfs(bench: &Bench, args: &[&str]) -> Result<PathBuf, String> {
    bench.linux.as_ref().map_err(Clone::clone)?;
    let build = || -> anyhow::Result<PathBuf> {
        let mut program = LinuxProgram::simple(Path::new(PYTHON), PYTHON, args);
        add_tree(&standard_library()?, &mut program)?;
        let path = bench.dir("images")?.join("python3.cpio");
        linux::write_initramfs(&bench.guests.init, &program, &path)?;
        Ok(path)
    };
    build().map_err(|error| format!("{error:#}"))
}

/// `/usr/lib/python3.X` of the host's interpreter.
fn standard_library() -> anyhow::Result<PathBuf> {
    let target = fs::canonicalize(PYTHON).with_context(|| format!("{PYTHON} is not installed"))?;
    let name = target
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let tree = Path::new("/usr/lib").join(&name);
    anyhow::ensure!(tree.is_dir(), "no standard library at {}", tree.display());
    Ok(tree)
}

/// Puts every file under `tree` into the initramfs at the same path, less `SKIPPED`.
fn add_tree(tree: &Path, program: &mut LinuxProgram) -> anyhow::Result<()> {
    for entry in fs::read_dir(tree).with_context(|| format!("cannot list {}", tree.display()))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if SKIPPED.contains(&name.as_str()) || path.is_symlink() {
            continue;
        }
        if path.is_dir() {
            add_tree(&path, program)?;
        } else {
            let contents =
                fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            program
                .files
                .push((path.to_string_lossy().into_owned(), contents));
        }
    }
    Ok(())
}
