//! `cargo xtask bench`: Pith side by side with a minimal Linux VM (Debian's kernel, an
//! initramfs with just the program and its libraries) on the same QEMU machine and
//! accelerator. Each group of rows alternates the two sides, repetition by repetition, and
//! the report gives each side's median and spread and their ratio. docs/benchmarks.md
//! says what every row measures.

mod clients;
mod cpio;
mod debian;
mod guests;
mod host;
mod linux;
mod modules;
mod network;
mod pith;
mod process;
mod programs;
pub mod report;
mod rows;
mod stats;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use self::debian::Debian;
use self::guests::Guests;
use self::host::Accel;
use self::linux::LinuxVm;
use self::pith::Pith;
use self::report::Report;

/// Repetitions of each timed measurement by default: a full run stays within ~10 minutes
/// under TCG on a 2-core host, most of it booting the Linux side.
pub const DEFAULT_REPS: u32 = 5;

/// The rows `--smoke` runs: hello's boot, run time and size, which need no bisection.
pub const SMOKE_ROWS: &[&str] = &[
    "boot-host-hello",
    "boot-guest-hello",
    "run-hello",
    "size-hello",
];

/// What to measure and where.
#[derive(Debug, Clone)]
pub struct Options {
    pub reps: u32,
    /// Rows whose id contains any of these are measured; all rows if empty.
    pub rows: Vec<String>,
    /// The `pith` binary under test.
    pub pith: PathBuf,
    /// Where the guests, images, caches and `results.json` go (`target/bench`).
    pub work_dir: PathBuf,
    /// Where Debian's packages are cached; shared between work directories.
    pub debian_cache: PathBuf,
}

impl Options {
    /// One repetition of the hello rows, for the smoke test.
    pub fn smoke(pith: PathBuf, work_dir: PathBuf, debian_cache: PathBuf) -> Options {
        Options {
            reps: 1,
            rows: SMOKE_ROWS.iter().map(|id| id.to_string()).collect(),
            pith,
            work_dir,
            debian_cache,
        }
    }

    pub fn wants(&self, id: &str) -> bool {
        self.rows.is_empty() || self.rows.iter().any(|filter| id.contains(filter.as_str()))
    }
}

/// Everything the row groups share.
pub struct Bench {
    pub options: Options,
    pub accel: Accel,
    pub pith: Pith,
    pub guests: Guests,
    /// The Linux side, or why it cannot run here.
    pub linux: Result<LinuxVm, String>,
    /// The kernel file pith boots.
    pub pith_kernel: PathBuf,
}

impl Bench {
    pub fn dir(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = self.options.work_dir.join(name);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(dir)
    }
}

/// Runs the benchmarks `options` select and writes `results.json` into the work directory.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    let started = Instant::now();
    let bench = prepare(options)?;
    let mut report = Report::default();
    if let Err(reason) = &bench.linux {
        report
            .notes
            .push(format!("the Linux side was skipped: {reason}"));
        report.linux_unavailable = Some(reason.clone());
    }

    rows::measure_all(&bench, &mut report)?;
    report.rows.retain(|row| options.wants(row.id));
    report.notes.push(format!(
        "{} repetition(s); took {:.0} s; spread is half the range of the samples",
        options.reps,
        started.elapsed().as_secs_f64()
    ));

    let json = serde_json::to_string_pretty(&report.to_json())?;
    let path = options.work_dir.join("results.json");
    fs::write(&path, json + "\n").with_context(|| format!("cannot write {}", path.display()))?;
    Ok(report)
}

fn prepare(options: &Options) -> anyhow::Result<Bench> {
    if !options.pith.is_file() {
        anyhow::bail!(
            "{} does not exist: build pith first (`cargo build --release -p pith`)",
            options.pith.display()
        );
    }
    fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("cannot create {}", options.work_dir.display()))?;
    let accel = Accel::detect();
    eprintln!("bench: accelerator {} for both sides", accel.as_str());

    let guests = guests::build(&options.work_dir.join("guests"))?;
    let pith = Pith {
        binary: options.pith.clone(),
        cache_home: options.work_dir.join("cache"),
        accel,
    };
    // This first run also has pith measure and cache the host's TSC frequency.
    let pith_kernel = pith.kernel_file(&guests.hello)?;

    let debian = Debian::new(options.debian_cache.clone());
    let linux = linux_vm(&debian, accel, &pith.cache_dir());
    Ok(Bench {
        options: options.clone(),
        accel,
        pith,
        guests,
        linux,
        pith_kernel,
    })
}

fn linux_vm(debian: &Debian, accel: Accel, pith_cache: &Path) -> Result<LinuxVm, String> {
    eprintln!("bench: fetching Debian's kernel (linux-image-amd64)");
    let kernel = debian.kernel().map_err(|error| format!("{error:#}"))?;
    let qemu = std::env::var_os("PITH_QEMU")
        .filter(|path| !path.is_empty())
        .map_or_else(|| PathBuf::from("qemu-system-x86_64"), PathBuf::from);
    Ok(LinuxVm {
        qemu,
        kernel: kernel.image,
        modules_dir: kernel.modules,
        accel,
        tsc_khz: host::tsc_khz(pith_cache),
    })
}
