//! Threads: `clone`, `clone3`, `exit`, `exit_group`, thread registration. A unikernel runs
//! one program: requests for a new process (`fork`, `vfork`, `execve`, `clone` without
//! `CLONE_VM`) fail with `ENOSYS`.

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::mm::user::{read_user, write_user};
use crate::task::{self, scheduler};

const CLONE_VM: u64 = 0x100;
const CLONE_FS: u64 = 0x200;
const CLONE_FILES: u64 = 0x400;
const CLONE_SIGHAND: u64 = 0x800;
const CLONE_PIDFD: u64 = 0x1000;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_THREAD: u64 = 0x10000;
const CLONE_SYSVSEM: u64 = 0x40000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_PARENT_SETTID: u64 = 0x100000;
const CLONE_CHILD_CLEARTID: u64 = 0x200000;
const CLONE_DETACHED: u64 = 0x400000;
const CLONE_CHILD_SETTID: u64 = 0x1000000;

const THREAD_FLAGS: u64 = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
const SUPPORTED: u64 = CLONE_VM
    | CLONE_FS
    | CLONE_FILES
    | CLONE_SIGHAND
    | CLONE_THREAD
    | CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_DETACHED
    | CLONE_CHILD_SETTID
    | 0xff; // The exit signal, meaningless for threads.

/// What the two clone calls ask for.
struct CloneRequest {
    flags: u64,
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
}

fn no_new_process(call: &str) -> Errno {
    crate::warn_once!("{call}: a unikernel runs one program, so new processes fail with ENOSYS");
    Errno::ENOSYS
}

fn clone_thread(frame: &TrapFrame, request: CloneRequest) -> SysResult {
    let flags = request.flags;
    if flags & THREAD_FLAGS != THREAD_FLAGS || flags & (CLONE_VFORK | CLONE_PIDFD) != 0 {
        return Err(no_new_process("clone without CLONE_VM|CLONE_THREAD"));
    }
    if flags & !SUPPORTED != 0 {
        crate::warn_once!(
            "clone: unsupported flags {:#x}: it returns EINVAL",
            flags & !SUPPORTED
        );
        return Err(Errno::EINVAL);
    }

    let mut child = *frame;
    child.rax = 0;
    if request.stack != 0 {
        child.rsp = request.stack;
    }
    let tls = (flags & CLONE_SETTLS != 0).then_some(request.tls);
    let clear_tid = if flags & CLONE_CHILD_CLEARTID != 0 {
        request.child_tid
    } else {
        0
    };
    let tid = task::spawn_thread(&child, tls, clear_tid)?;
    if flags & CLONE_PARENT_SETTID != 0 {
        write_user(request.parent_tid, &(tid as u32))?;
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        write_user(request.child_tid, &(tid as u32))?;
    }
    Ok(tid as usize)
}

/// x86-64 argument order: flags, stack, parent_tid, child_tid, tls.
pub fn clone(frame: &mut TrapFrame, args: Args) -> SysResult {
    let [flags, stack, parent_tid, child_tid, tls, _] = args;
    clone_thread(
        frame,
        CloneRequest {
            flags,
            stack,
            parent_tid,
            child_tid,
            tls,
        },
    )
}

/// `struct clone_args` (include/uapi/linux/sched.h), of which the first 64 bytes matter.
pub fn clone3(frame: &mut TrapFrame, args: Args) -> SysResult {
    let [address, size, ..] = args;
    if size < 64 {
        return Err(Errno::EINVAL);
    }
    let fields: [u64; 8] = read_user(address)?;
    let [flags, _pidfd, child_tid, parent_tid, _exit_signal, stack, stack_size, tls] = fields;
    let stack = if stack != 0 {
        stack.checked_add(stack_size).ok_or(Errno::EINVAL)?
    } else {
        0
    };
    clone_thread(
        frame,
        CloneRequest {
            flags,
            stack,
            parent_tid,
            child_tid,
            tls,
        },
    )
}

pub fn fork(_: &mut TrapFrame, _: Args) -> SysResult {
    Err(no_new_process("fork"))
}

pub fn vfork(_: &mut TrapFrame, _: Args) -> SysResult {
    Err(no_new_process("vfork"))
}

pub fn execve(_: &mut TrapFrame, _: Args) -> SysResult {
    Err(no_new_process("execve"))
}

pub fn exit(_: &mut TrapFrame, args: Args) -> SysResult {
    task::exit_thread(args[0]);
}

pub fn exit_group(_: &mut TrapFrame, args: Args) -> SysResult {
    task::exit_process(args[0]);
}

pub fn set_tid_address(_: &mut TrapFrame, args: Args) -> SysResult {
    scheduler::with_current(|thread| {
        thread.clear_child_tid = args[0];
        Ok(thread.tid as usize)
    })
}

/// `struct robust_list_head` is three words.
const ROBUST_LIST_HEAD_SIZE: u64 = 24;

pub fn set_robust_list(_: &mut TrapFrame, args: Args) -> SysResult {
    if args[1] != ROBUST_LIST_HEAD_SIZE {
        return Err(Errno::EINVAL);
    }
    scheduler::with_current(|thread| thread.robust_list = args[0]);
    Ok(0)
}
