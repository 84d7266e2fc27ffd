//! What a deployment ships: the kernel file plus the image (Pith: the kernel pith boots and
//! `pith build`'s output; Linux: Debian's compressed vmlinuz and an uncompressed cpio
//! initramfs with /init, the program and its libraries).

use std::fs;
use std::path::Path;

use super::super::linux::{self, LinuxProgram};
use super::super::programs;
use super::super::report::{Report, Row, Side, Unit};
use super::super::Bench;

pub fn measure(bench: &Bench, report: &mut Report) -> anyhow::Result<()> {
    if bench.options.wants("size-hello") {
        let mut row = Row::new(
            "size-hello",
            "image size, kernel + image (hello)",
            Unit::Bytes,
            "-",
        );
        row.pith = pith_size(bench, "hello", &bench.guests.hello)?;
        let program = LinuxProgram::simple(&bench.guests.hello, "/bench/hello", &[]);
        row.linux = linux_size(bench, "hello", Ok(program))?;
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
        match program(&bench.debian) {
            Ok(packaged) => {
                row.pith = pith_size(bench, id, &packaged.binary)?;
                row.linux = linux_size(bench, id, Ok(packaged.linux))?;
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

fn pith_size(bench: &Bench, name: &str, program: &Path) -> anyhow::Result<Side> {
    let image = bench.dir("images")?.join(format!("{name}.pith"));
    if let Err(reason) = bench.pith.build(program, &image) {
        return Ok(Side::not_available(format!("pith build: {reason}")));
    }
    let size = file_size(&bench.pith_kernel)? + file_size(&image)?;
    Ok(Side {
        samples: vec![size as f64],
        ..Side::default()
    })
}

fn linux_size(
    bench: &Bench,
    name: &str,
    program: anyhow::Result<LinuxProgram>,
) -> anyhow::Result<Side> {
    let (vm, program) = match (&bench.linux, program) {
        (Err(reason), _) => return Ok(Side::not_available(reason.clone())),
        (_, Err(error)) => return Ok(Side::not_available(format!("{error:#}"))),
        (Ok(vm), Ok(program)) => (vm, program),
    };
    let initramfs = bench.dir("images")?.join(format!("{name}.cpio"));
    let size = match linux::write_initramfs(&bench.guests.init, &program, &initramfs) {
        Ok(size) => size,
        Err(error) => return Ok(Side::not_available(format!("{error:#}"))),
    };
    Ok(Side {
        samples: vec![(file_size(&vm.kernel)? + size) as f64],
        ..Side::default()
    })
}

fn file_size(path: &Path) -> anyhow::Result<u64> {
    Ok(fs::metadata(path)
        .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", path.display()))?
        .len())
}
