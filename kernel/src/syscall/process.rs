//! Process identity and per-thread CPU state: ids, `arch_prctl`, `rseq`, affinity.

use x86_64::registers::model_specific::{FsBase, KernelGsBase};
use x86_64::VirtAddr;

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::mm::user::write_user;
use crate::mm::USER_END;
use crate::task::{scheduler, PID};

pub fn getpid(_: &mut TrapFrame, _: Args) -> SysResult {
    Ok(PID as usize)
}

pub fn gettid(_: &mut TrapFrame, _: Args) -> SysResult {
    Ok(scheduler::current_tid() as usize)
}

/// The parent is outside the VM; Linux reports 0 for a process without a visible parent.
pub fn getppid(_: &mut TrapFrame, _: Args) -> SysResult {
    Ok(0)
}

/// `getuid`, `getgid`, `geteuid`, `getegid`: the application runs as root of its own VM.
pub fn getuid(_: &mut TrapFrame, _: Args) -> SysResult {
    Ok(0)
}

/// `getresuid` and `getresgid`: real, effective and saved ids, all 0.
pub fn getresuid(_: &mut TrapFrame, args: Args) -> SysResult {
    for &address in &args[..3] {
        write_user(address, &0u32)?;
    }
    Ok(0)
}

pub fn getgroups(_: &mut TrapFrame, _: Args) -> SysResult {
    Ok(0)
}

/// `struct rseq` is at least 32 bytes (include/uapi/linux/rseq.h).
const RSEQ_MIN_SIZE: u64 = 32;
const RSEQ_FLAG_UNREGISTER: u64 = 1;

/// Registers a restartable-sequences area. There is one CPU, so the CPU number written
/// here never changes.
///
/// TODO: abort a thread's critical section when it is preempted or gets a signal; glibc
/// only reads the CPU number, but other users need the abort.
pub fn rseq(_: &mut TrapFrame, args: Args) -> SysResult {
    let [address, length, flags, ..] = args;
    if flags == RSEQ_FLAG_UNREGISTER {
        return Ok(0);
    }
    if flags != 0 || length < RSEQ_MIN_SIZE || !address.is_multiple_of(32) {
        return Err(Errno::EINVAL);
    }
    // cpu_id_start and cpu_id: CPU 0.
    write_user(address, &[0u32, 0u32])?;
    Ok(0)
}

const ARCH_SET_GS: u64 = 0x1001;
const ARCH_SET_FS: u64 = 0x1002;
const ARCH_GET_FS: u64 = 0x1003;
const ARCH_GET_GS: u64 = 0x1004;

pub fn arch_prctl(_: &mut TrapFrame, args: Args) -> SysResult {
    let [code, address, ..] = args;
    match code {
        ARCH_SET_FS | ARCH_SET_GS if address >= USER_END => Err(Errno::EPERM),
        ARCH_SET_FS => {
            FsBase::write(VirtAddr::new(address));
            scheduler::with_current(|thread| thread.fs_base = address);
            Ok(0)
        }
        // While in the kernel the user's GS base sits in KERNEL_GS_BASE (swapped on entry).
        ARCH_SET_GS => {
            KernelGsBase::write(VirtAddr::new(address));
            Ok(0)
        }
        ARCH_GET_FS => write_user(address, &FsBase::read().as_u64()).map(|_| 0),
        ARCH_GET_GS => write_user(address, &KernelGsBase::read().as_u64()).map(|_| 0),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sched_yield(_: &mut TrapFrame, _: Args) -> SysResult {
    scheduler::yield_now();
    Ok(0)
}

fn check_target(pid: u64) -> Result<(), Errno> {
    if pid == 0 || scheduler::with_thread(pid as u32, |_| ()).is_some() {
        Ok(())
    } else {
        Err(Errno::ESRCH)
    }
}

/// One CPU: the mask has bit 0 set, and Linux returns the size of its mask in bytes.
pub fn sched_getaffinity(_: &mut TrapFrame, args: Args) -> SysResult {
    let [pid, size, mask, ..] = args;
    check_target(pid)?;
    if size < 8 || !size.is_multiple_of(8) {
        return Err(Errno::EINVAL);
    }
    write_user(mask, &1u64)?;
    Ok(8)
}

/// Any mask that includes CPU 0 is accepted; one without it cannot be honoured.
pub fn sched_setaffinity(_: &mut TrapFrame, args: Args) -> SysResult {
    let [pid, size, mask, ..] = args;
    check_target(pid)?;
    if size == 0 {
        return Err(Errno::EINVAL);
    }
    let first: u8 = crate::mm::user::read_user::<[u8; 1]>(mask)?[0];
    if first & 1 == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

pub fn getcpu(_: &mut TrapFrame, args: Args) -> SysResult {
    for address in [args[0], args[1]] {
        if address != 0 {
            write_user(address, &0u32)?;
        }
    }
    Ok(0)
}

/// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit sets per field.
const CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// `capget`: the application is root of its VM and holds every capability.
pub fn capget(_: &mut TrapFrame, args: Args) -> SysResult {
    let [header, data, ..] = args;
    let [version, _pid]: [u32; 2] = crate::mm::user::read_user(header)?;
    if version != CAPABILITY_VERSION_3 {
        write_user(header, &[CAPABILITY_VERSION_3, 0])?;
        return Err(Errno::EINVAL);
    }
    if data != 0 {
        // effective, permitted, inheritable for capabilities 0-31, then 32-63.
        let all = [u32::MAX, u32::MAX, 0, 0x1ff, 0x1ff, 0];
        write_user(data, &all)?;
    }
    Ok(0)
}

/// Memory protection keys need PKU, which the VM does not offer: no key is free.
pub fn pkey_alloc(_: &mut TrapFrame, _: Args) -> SysResult {
    Err(Errno::ENOSPC)
}
