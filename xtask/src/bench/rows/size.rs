//! What a deployment ships: the kernel file plus the image (Pith: the kernel pith boots and
//! `pith build`'s output; Linux: Debian's compressed vmlinuz and an uncompressed cpio
//! initramfs with /init, the program, its libraries and its files, and for a server the
//! kernel modules of its network, which Pith's kernel has built in).

use std::fs;
use std::path::{Path, PathBuf};

use super::super::linux::{self, LinuxProgram};
use super::super::programs;
use super::super::report::{Report, Row, Side, Unit};
use super::super::Bench;
use super::server;

pub fn measure(bench: &Bench, report: &mut Report) -> anyhow::Result<()> {
    if bench.options.wants("size-hello") {
        let mut row = Row::new(
            "size-hello",
            "image size, kernel + image (hello)",
            Unit::Bytes,
            "-",
        );
        let image = bench.dir("images")?.join("hello.pith");
        let built = bench.pith.build(&bench.guests.hello, &image);
        let image = built
            .map(|()| image)
            .map_err(|reason| format!("pith build: {reason}"));
        row.pith = sized(image, &bench.pith_kernel)?;
        row.linux = linux_sized(bench, hello_initramfs(bench))?;
        report.rows.push(row);
    }

    let others: [(&str, &str, programs::Source); 3] = [
        (
            "size-redis",
            "image size, kernel + image (redis-server)",
            programs::redis,
        ),
        (
            "size-nginx",
            "image size, kernel + image (nginx)",
            programs::nginx,
        ),
        (
            "size-python3",
            "image size, kernel + image (python3)",
            programs::python3,
        ),
    ];
    for (id, title, program) in others {
        if !bench.options.wants(id) {
            continue;
        }
        let mut row = Row::new(id, title, Unit::Bytes, "-");
        match program() {
            Ok(program) => {
                row.pith = sized(server::pith_image(bench, id, &program), &bench.pith_kernel)?;
                row.linux = linux_sized(bench, server::linux_initramfs(bench, id, &program))?;
            }
            Err(error) => {
                row.pith = Side::not_available(format!("{error:#}"));
                row.linux = Side::not_available(format!("{error:#}"));
            }
        }
        report.rows.push(row);
    }
    Ok(())
}

fn hello_initramfs(bench: &Bench) -> Result<PathBuf, String> {
    let write = || -> anyhow::Result<PathBuf> {
        let path = bench.dir("images")?.join("size-hello.cpio");
        let program = LinuxProgram::simple(&bench.guests.hello, "/bench/hello", &[]);
        linux::write_initramfs(&bench.guests.init, &program, &path)?;
        Ok(path)
    };
    write().map_err(|error| format!("{error:#}"))
}

/// Debian's kernel plus `initramfs`, when there is a Linux side.
fn linux_sized(bench: &Bench, initramfs: Result<PathBuf, String>) -> anyhow::Result<Side> {
    match &bench.linux {
        Ok(vm) => sized(initramfs, &vm.kernel),
        Err(reason) => Ok(Side::not_available(reason.clone())),
    }
}

/// The size of `image` plus `kernel`, or why there is no image.
fn sized(image: Result<PathBuf, String>, kernel: &Path) -> anyhow::Result<Side> {
    Ok(match image {
        Ok(image) => Side {
            samples: vec![(file_size(kernel)? + file_size(&image)?) as f64],
            ..Side::default()
        },
        Err(reason) => Side::not_available(reason),
    })
}

fn file_size(path: &Path) -> anyhow::Result<u64> {
    Ok(fs::metadata(path)
        .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", path.display()))?
        .len())
}
