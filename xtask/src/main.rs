//! `cargo xtask bench [--reps N] [--rows ID,...] [--smoke]`: builds pith in release mode,
//! then measures it side by side with a Linux VM and prints the table (docs/benchmarks.md).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use xtask::bench::{self, Options};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "Project tasks: cargo xtask bench")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Benchmark Pith against a minimal Linux VM under the same QEMU and accelerator
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// Repetitions of each timed measurement
    #[arg(long, default_value_t = bench::DEFAULT_REPS, value_parser = clap::value_parser!(u32).range(1..))]
    reps: u32,

    /// Only the rows whose id contains one of these (comma separated), e.g. `hello` or
    /// `boot,syscall`
    #[arg(long, value_delimiter = ',', value_name = "FILTER")]
    rows: Vec<String>,

    /// One repetition of the hello rows, as the smoke test runs them
    #[arg(long, conflicts_with_all = ["reps", "rows"])]
    smoke: bool,

    /// Benchmark this pith binary instead of building one
    #[arg(long, value_name = "PATH")]
    pith: Option<PathBuf>,
}

fn main() -> ExitCode {
    let Task::Bench(args) = Cli::parse().task;
    match run_bench(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_bench(args: BenchArgs) -> anyhow::Result<()> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace.join("target"), PathBuf::from);
    let pith = match args.pith {
        Some(pith) => pith,
        None => build_pith(&workspace, &target)?,
    };

    let work_dir = target.join("bench");
    let debian_cache = work_dir.join("debian");
    let options = if args.smoke {
        Options::smoke(pith, work_dir.clone(), debian_cache)
    } else {
        Options {
            reps: args.reps,
            rows: args.rows,
            pith,
            work_dir: work_dir.clone(),
            debian_cache,
        }
    };
    let report = bench::run(&options)?;
    print!("{}", report.table());
    eprintln!("bench: wrote {}", work_dir.join("results.json").display());
    Ok(())
}

/// `cargo build --release -p pith`. `cargo run` holds cargo's lock only while it builds
/// xtask, so this nested build does not wait for it.
fn build_pith(workspace: &Path, target: &Path) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "pith"])
        .current_dir(workspace)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo build --release -p pith failed ({status})");
    }
    Ok(target.join("release").join("pith"))
}
