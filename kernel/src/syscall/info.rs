//! What the application learns about its system: `uname`, resource limits, `getrandom`.

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::mm::user::{copy_to_user, read_user, write_user};
use crate::task::PID;

const UTS_FIELD: usize = 65;

/// Fields of `struct utsname`, in order.
const UTSNAME: [&[u8]; 6] = [
    b"Linux",
    b"pith",
    b"6.1.0-pith",
    b"#1 SMP PREEMPT_DYNAMIC pith unikernel",
    b"x86_64",
    b"(none)",
];

pub fn uname(_: &mut TrapFrame, args: Args) -> SysResult {
    let mut buffer = [0u8; UTS_FIELD * 6];
    for (index, field) in UTSNAME.iter().enumerate() {
        buffer[index * UTS_FIELD..index * UTS_FIELD + field.len()].copy_from_slice(field);
    }
    copy_to_user(args[0], &buffer)?;
    Ok(0)
}

const RLIM_INFINITY: u64 = u64::MAX;
const RLIMIT_STACK: u64 = 3;
const RLIMIT_NOFILE: u64 = 7;
const RLIMIT_COUNT: u64 = 16;

/// Soft and hard limit of `resource`, as a fresh Linux process would see them.
pub fn limit(resource: u64) -> [u64; 2] {
    match resource {
        RLIMIT_STACK => [crate::loader::STACK_SIZE, RLIM_INFINITY],
        RLIMIT_NOFILE => [crate::fs::fd_table::MAX_DESCRIPTORS as u64; 2],
        _ => [RLIM_INFINITY; 2],
    }
}

pub fn getrlimit(_: &mut TrapFrame, args: Args) -> SysResult {
    if args[0] >= RLIMIT_COUNT {
        return Err(Errno::EINVAL);
    }
    write_user(args[1], &limit(args[0]))?;
    Ok(0)
}

/// Reports the limits; setting them is accepted and ignored.
///
/// TODO: enforce the limits an application lowers for itself (RLIMIT_NOFILE, RLIMIT_AS).
pub fn prlimit64(_: &mut TrapFrame, args: Args) -> SysResult {
    let [pid, resource, new_limit, old_limit, ..] = args;
    if pid != 0 && pid != PID {
        return Err(Errno::ESRCH);
    }
    if resource >= RLIMIT_COUNT {
        return Err(Errno::EINVAL);
    }
    if new_limit != 0 {
        let [soft, hard]: [u64; 2] = read_user(new_limit)?;
        if soft > hard {
            return Err(Errno::EINVAL);
        }
    }
    if old_limit != 0 {
        write_user(old_limit, &limit(resource))?;
    }
    Ok(0)
}

const GRND_NONBLOCK: u64 = 1;
const GRND_RANDOM: u64 = 2;
const GRND_INSECURE: u64 = 4;

pub fn getrandom(_: &mut TrapFrame, args: Args) -> SysResult {
    let [address, length, flags, ..] = args;
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == (GRND_RANDOM | GRND_INSECURE)
    {
        return Err(Errno::EINVAL);
    }
    // Linux caps one call at 32 MiB - 1; so does this.
    let length = length.min((32 << 20) - 1) as usize;
    let mut chunk = [0u8; 256];
    let mut done = 0;
    while done < length {
        let piece = (length - done).min(chunk.len());
        crate::random::fill(&mut chunk[..piece]);
        copy_to_user(address + done as u64, &chunk[..piece])?;
        done += piece;
    }
    Ok(length)
}

/// `struct sysinfo` (sysinfo(2)): uptime, loads, memory in units of `mem_unit` bytes, and
/// the number of processes (threads on Linux count as processes here too).
pub fn sysinfo(_: &mut TrapFrame, args: Args) -> SysResult {
    let (free, total) = crate::mm::frame::stats();
    let uptime = crate::time::monotonic_ns() / crate::time::NANOS_PER_SECOND;
    let mut fields = [0u64; 14];
    fields[0] = uptime;
    fields[4] = total * 4096;
    fields[5] = free * 4096;
    // procs (u16) at offset 80, then padding; mem_unit (u32) at offset 104.
    fields[10] = crate::task::scheduler::live_threads() as u64;
    fields[13] = 1;
    write_user(args[0], &fields)?;
    Ok(0)
}
