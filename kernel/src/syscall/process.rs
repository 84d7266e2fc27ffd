//! Process and thread identity, exit, thread registration, `arch_prctl`, affinity, futex.

use x86_64::registers::model_specific::{FsBase, KernelGsBase};
use x86_64::VirtAddr;

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::mm::user::{read_user, write_user};
use crate::mm::USER_END;
use crate::task::{self, PID, THREAD};

pub fn exit(_: &mut TrapFrame, args: Args) -> SysResult {
    // With one thread, `exit` and `exit_group` both end the process.
    task::exit(args[0]);
}

pub fn getpid(_: &mut TrapFrame, _: Args) -> SysResult {
    Ok(PID as usize)
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

pub fn set_tid_address(_: &mut TrapFrame, args: Args) -> SysResult {
    THREAD.lock().clear_child_tid = args[0];
    Ok(PID as usize)
}

/// `struct robust_list_head` is three words.
const ROBUST_LIST_HEAD_SIZE: u64 = 24;

pub fn set_robust_list(_: &mut TrapFrame, args: Args) -> SysResult {
    if args[1] != ROBUST_LIST_HEAD_SIZE {
        return Err(Errno::EINVAL);
    }
    THREAD.lock().robust_list = (args[0], args[1]);
    Ok(0)
}

/// `struct rseq` fields the kernel keeps up to date (include/uapi/linux/rseq.h).
const RSEQ_MIN_SIZE: u64 = 32;
const RSEQ_FLAG_UNREGISTER: u64 = 1;

/// Registers a restartable-sequences area. With one CPU and no preemption yet, the CPU
/// number written here never changes and no critical section can be interrupted.
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
    Ok(0)
}

/// One CPU: the mask has bit 0 set, and Linux returns the size of its mask in bytes.
pub fn sched_getaffinity(_: &mut TrapFrame, args: Args) -> SysResult {
    let [pid, size, mask, ..] = args;
    if pid != 0 && pid != PID {
        return Err(Errno::ESRCH);
    }
    if size < 8 || !size.is_multiple_of(8) {
        return Err(Errno::EINVAL);
    }
    write_user(mask, &1u64)?;
    Ok(8)
}

pub fn getcpu(_: &mut TrapFrame, args: Args) -> SysResult {
    for address in [args[0], args[1]] {
        if address != 0 {
            write_user(address, &0u32)?;
        }
    }
    Ok(0)
}

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// Futexes for a single thread: a wait either fails at once (`EAGAIN`), times out, or
/// would never end; a wake finds nobody.
///
/// TODO: real wait queues arrive with threads and the scheduler.
pub fn futex(_: &mut TrapFrame, args: Args) -> SysResult {
    let [address, op, value, timeout, ..] = args;
    if !address.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    match op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME) {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let current: u32 = read_user(address)?;
            if current != value as u32 {
                return Err(Errno::EAGAIN);
            }
            if timeout == 0 {
                log::error!("the only thread waits on a futex nobody can wake: it hangs");
            }
            super::time::sleep_until_timeout(op, timeout)?;
            Err(Errno::ETIMEDOUT)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => Ok(0),
        other => {
            crate::warn_once!("futex operation {other} is not supported yet: it returns ENOSYS");
            Err(Errno::ENOSYS)
        }
    }
}
