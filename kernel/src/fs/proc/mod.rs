//! `/proc` (proc(5)): the process as `/proc/self` (also `/proc/1`), and the system files
//! programs commonly read. `/sys` holds the few CPU files C libraries look at (sysfs(5)).

mod fd;
mod process;
mod system;

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use super::inode::{FileSystem, Inode};
use super::synthetic::SynNode;

/// `PROC_SUPER_MAGIC` and `SYSFS_MAGIC`.
static PROC_FS: FileSystem = FileSystem {
    device: 0x05,
    magic: 0x9fa0,
    read_only: false,
};
static SYS_FS: FileSystem = FileSystem {
    device: 0x06,
    magic: 0x6265_6572,
    read_only: true,
};

/// The root of `/proc`.
pub fn build() -> Arc<dyn Inode> {
    let fs = &PROC_FS;
    let text = |generate| -> Arc<dyn Inode> { SynNode::text(fs, generate) };
    let kernel: Vec<(&'static [u8], Arc<dyn Inode>)> = vec![
        (b"hostname", text(system::hostname)),
        (b"osrelease", text(system::osrelease)),
        (b"ostype", text(system::ostype)),
        (b"pid_max", text(system::pid_max)),
        (b"ngroups_max", text(system::ngroups_max)),
    ];
    let vm: Vec<(&'static [u8], Arc<dyn Inode>)> = vec![
        (b"overcommit_memory", text(system::zero)),
        (b"max_map_count", text(system::max_map_count)),
    ];
    let fs_dir: Vec<(&'static [u8], Arc<dyn Inode>)> = vec![
        (b"pipe-max-size", text(system::pipe_max_size)),
        (b"nr_open", text(system::nr_open)),
    ];
    let sys: Vec<(&'static [u8], Arc<dyn Inode>)> = vec![
        (b"kernel", SynNode::directory(fs, kernel)),
        (b"vm", SynNode::directory(fs, vm)),
        (b"fs", SynNode::directory(fs, fs_dir)),
    ];
    let process = process::build(fs);
    let children: Vec<(&'static [u8], Arc<dyn Inode>)> = vec![
        (b"1", process),
        (b"self", SynNode::link(fs, || b"1".to_vec())),
        (b"thread-self", SynNode::link(fs, || b"1/task/1".to_vec())),
        (b"cpuinfo", text(system::cpuinfo)),
        (b"meminfo", text(system::meminfo)),
        (b"stat", text(system::stat)),
        (b"uptime", text(system::uptime)),
        (b"loadavg", text(system::loadavg)),
        (b"version", text(system::version)),
        (b"filesystems", text(system::filesystems)),
        (b"mounts", SynNode::link(fs, || b"self/mounts".to_vec())),
        (b"sys", SynNode::directory(fs, sys)),
    ];
    SynNode::directory(fs, children)
}

/// The root of `/sys`.
pub fn build_sys() -> Arc<dyn Inode> {
    let fs = &SYS_FS;
    let cpu: Vec<(&'static [u8], Arc<dyn Inode>)> = vec![
        (b"online", SynNode::text(fs, system::cpu_list)),
        (b"possible", SynNode::text(fs, system::cpu_list)),
        (b"present", SynNode::text(fs, system::cpu_list)),
    ];
    let system_dir = vec![(&b"cpu"[..], SynNode::directory(fs, cpu) as Arc<dyn Inode>)];
    let devices = vec![(
        &b"system"[..],
        SynNode::directory(fs, system_dir) as Arc<dyn Inode>,
    )];
    let root = vec![(
        &b"devices"[..],
        SynNode::directory(fs, devices) as Arc<dyn Inode>,
    )];
    SynNode::directory(fs, root)
}
