//! `/proc/self`: what the process is (exe, cmdline, environ, auxv, status, stat), where it
//! is (cwd, root), what it holds (fd, maps, limits, mounts).

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::fs::inode::{FileSystem, Inode};
use crate::fs::synthetic::SynNode;
use crate::mm::address_space::Backing;
use crate::task::PID;

pub fn build(fs: &'static FileSystem) -> Arc<dyn Inode> {
    let text = |generate| -> Arc<dyn Inode> { SynNode::text(fs, generate) };
    let children: Vec<(&'static [u8], Arc<dyn Inode>)> = vec![
        (b"exe", SynNode::link(fs, exe)),
        (
            b"cwd",
            SynNode::link(fs, || crate::fs::context::cwd().path.to_vec()),
        ),
        (b"root", SynNode::link(fs, || b"/".to_vec())),
        (b"fd", super::fd::directory(fs)),
        (b"cmdline", text(cmdline)),
        (b"environ", text(environ)),
        (b"auxv", text(auxv)),
        (b"comm", text(comm_line)),
        (b"status", text(status)),
        (b"stat", text(stat)),
        (b"statm", text(statm)),
        (b"maps", text(maps)),
        (b"limits", text(limits)),
        (b"mounts", text(mounts)),
    ];
    SynNode::directory(fs, children)
}

fn manifest() -> &'static pith_image::Manifest {
    crate::fs::image::get().manifest()
}

fn exe() -> Vec<u8> {
    manifest().program.clone()
}

/// The strings, each followed by a NUL.
fn nul_separated(strings: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for string in strings {
        bytes.extend_from_slice(string);
        bytes.push(0);
    }
    bytes
}

fn cmdline() -> Vec<u8> {
    nul_separated(&manifest().args)
}

fn environ() -> Vec<u8> {
    nul_separated(&manifest().env)
}

fn auxv() -> Vec<u8> {
    crate::loader::auxiliary_vector()
}

/// The command name: the program's file name, cut to 15 bytes as Linux keeps it.
fn comm() -> String {
    let program = &manifest().program;
    let name = program
        .rsplit(|&byte| byte == b'/')
        .next()
        .unwrap_or(program);
    String::from_utf8_lossy(&name[..name.len().min(15)]).into_owned()
}

fn comm_line() -> Vec<u8> {
    format!("{}\n", comm()).into_bytes()
}

/// Mapped and resident size in KiB: (size of all areas, resident pages).
fn memory_kib() -> (u64, u64) {
    let space = crate::mm::address_space::current();
    let size: u64 = space.areas().map(|vma| vma.end - vma.start).sum();
    let (free, total) = crate::mm::frame::stats();
    (size >> 10, (total - free) * 4)
}

fn status() -> Vec<u8> {
    let (size, resident) = memory_kib();
    let blocked = crate::task::scheduler::with_current(|thread| thread.signal_mask);
    let threads = crate::task::scheduler::live_threads();
    let descriptors = crate::fs::fd_table::MAX_DESCRIPTORS;
    format!(
        "Name:\t{}\nUmask:\t{:04o}\nState:\tR (running)\nTgid:\t{PID}\nNgid:\t0\nPid:\t{PID}\n\
         PPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t{descriptors}\n\
         Groups:\t\nVmPeak:\t{size:8} kB\nVmSize:\t{size:8} kB\nVmHWM:\t{resident:8} kB\n\
         VmRSS:\t{resident:8} kB\nThreads:\t{threads}\nSigQ:\t0/0\nSigPnd:\t0000000000000000\n\
         ShdPnd:\t0000000000000000\nSigBlk:\t{blocked:016x}\nSigIgn:\t0000000000000000\n\
         SigCgt:\t0000000000000000\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n\
         CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n\
         NoNewPrivs:\t0\nSeccomp:\t0\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n\
         Mems_allowed:\t1\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\n\
         nonvoluntary_ctxt_switches:\t0\n",
        comm(),
        crate::fs::context::umask(),
    )
    .into_bytes()
}

fn stat() -> Vec<u8> {
    let (size, resident) = memory_kib();
    let ticks = crate::time::monotonic_ns() / 10_000_000;
    let space = crate::mm::address_space::current();
    let (brk_start, brk) = (space.brk_start, space.brk);
    drop(space);
    format!(
        "{PID} ({}) R 0 {PID} {PID} 0 -1 4194560 0 0 0 0 {ticks} 0 0 0 20 0 1 0 0 {} {} \
         18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 {brk_start} {brk} 0 0 0 0 0\n",
        comm(),
        size << 10,
        resident / 4,
    )
    .into_bytes()
}

fn statm() -> Vec<u8> {
    let (size, resident) = memory_kib();
    format!("{} {} 0 0 0 0 0\n", size / 4, resident / 4).into_bytes()
}

fn maps() -> Vec<u8> {
    let space = crate::mm::address_space::current();
    let mut text = String::new();
    for vma in space.areas() {
        let rights = [
            if vma.prot.read { 'r' } else { '-' },
            if vma.prot.write { 'w' } else { '-' },
            if vma.prot.execute { 'x' } else { '-' },
            if matches!(vma.backing, Backing::File { shared: true, .. }) {
                's'
            } else {
                'p'
            },
        ];
        let name =
            if space.brk > space.brk_start && vma.start >= space.brk_start && vma.start < space.brk
            {
                "[heap]"
            } else if vma.end == crate::loader::STACK_TOP {
                "[stack]"
            } else {
                ""
            };
        let rights: String = rights.iter().collect();
        let _ = writeln!(
            text,
            "{:08x}-{:08x} {rights} 00000000 00:00 0 {name}",
            vma.start, vma.end
        );
    }
    text.into_bytes()
}

fn limits() -> Vec<u8> {
    const NAMES: [(&str, &str); 16] = [
        ("Max cpu time", "seconds"),
        ("Max file size", "bytes"),
        ("Max data size", "bytes"),
        ("Max stack size", "bytes"),
        ("Max core file size", "bytes"),
        ("Max resident set", "bytes"),
        ("Max processes", "processes"),
        ("Max open files", "files"),
        ("Max locked memory", "bytes"),
        ("Max address space", "bytes"),
        ("Max file locks", "locks"),
        ("Max pending signals", "signals"),
        ("Max msgqueue size", "bytes"),
        ("Max nice priority", ""),
        ("Max realtime priority", ""),
        ("Max realtime timeout", "us"),
    ];
    let mut text = format!(
        "{:<26}{:<21}{:<21}{:<10}\n",
        "Limit", "Soft Limit", "Hard Limit", "Units"
    );
    for (resource, (name, unit)) in NAMES.iter().enumerate() {
        let [soft, hard] = crate::syscall::limit(resource as u64);
        let show = |value: u64| {
            if value == u64::MAX {
                String::from("unlimited")
            } else {
                format!("{value}")
            }
        };
        let _ = writeln!(
            text,
            "{name:<26}{:<21}{:<21}{unit:<10}",
            show(soft),
            show(hard)
        );
    }
    text.into_bytes()
}

fn mounts() -> Vec<u8> {
    let root_mode = if crate::fs::image::get().manifest().read_only_root {
        "ro"
    } else {
        "rw"
    };
    format!(
        "rootfs / rootfs {root_mode} 0 0\ntmpfs /tmp tmpfs rw,nosuid,nodev 0 0\n\
         devtmpfs /dev devtmpfs rw,nosuid 0 0\ntmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0\n\
         proc /proc proc rw,nosuid,nodev,noexec 0 0\nsysfs /sys sysfs ro,nosuid,nodev,noexec 0 0\n"
    )
    .into_bytes()
}
