//! `futex` (futex(2)): the operations C libraries and language runtimes use.

use super::errno::{Errno, SysResult};
use super::time::{now, read_timespec, CLOCK_MONOTONIC, CLOCK_REALTIME};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::mm::user::{read_user, write_user};
use crate::task::futex::{self, BITSET_MATCH_ANY};

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAKE_OP: u64 = 5;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// A timeout as a monotonic deadline: relative for `FUTEX_WAIT`, absolute (on the
/// monotonic clock, or the realtime one if asked) for `FUTEX_WAIT_BITSET`.
fn deadline(timeout: u64, absolute: bool, realtime: bool) -> Result<Option<u64>, Errno> {
    if timeout == 0 {
        return Ok(None);
    }
    let value = read_timespec(timeout)?;
    if !absolute {
        return Ok(Some(now(CLOCK_MONOTONIC)?.saturating_add(value)));
    }
    if realtime {
        let remaining = value.saturating_sub(now(CLOCK_REALTIME)?);
        return Ok(Some(now(CLOCK_MONOTONIC)?.saturating_add(remaining)));
    }
    Ok(Some(value))
}

pub fn futex(_: &mut TrapFrame, args: Args) -> SysResult {
    let [address, op, value, timeout, address2, value3] = args;
    if !address.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    let command = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if realtime && command != FUTEX_WAIT_BITSET && command != FUTEX_WAIT {
        return Err(Errno::ENOSYS);
    }
    match command {
        FUTEX_WAIT => {
            let deadline = deadline(timeout, false, false)?;
            futex::wait(address, value as u32, BITSET_MATCH_ANY, deadline).map(|_| 0)
        }
        FUTEX_WAIT_BITSET => {
            let deadline = deadline(timeout, true, realtime)?;
            futex::wait(address, value as u32, value3 as u32, deadline).map(|_| 0)
        }
        FUTEX_WAKE => Ok(futex::wake(address, value as u32, BITSET_MATCH_ANY)),
        FUTEX_WAKE_BITSET if value3 as u32 == 0 => Err(Errno::EINVAL),
        FUTEX_WAKE_BITSET => Ok(futex::wake(address, value as u32, value3 as u32)),
        // For the requeue operations the fourth argument is a count, not a timeout.
        FUTEX_REQUEUE => Ok(futex::requeue(
            address,
            value as u32,
            address2,
            timeout as u32,
        )),
        FUTEX_CMP_REQUEUE => {
            let current: u32 = read_user(address)?;
            if current != value3 as u32 {
                return Err(Errno::EAGAIN);
            }
            Ok(futex::requeue(
                address,
                value as u32,
                address2,
                timeout as u32,
            ))
        }
        FUTEX_WAKE_OP => wake_op(
            address,
            value as u32,
            address2,
            timeout as u32,
            value3 as u32,
        ),
        other => {
            crate::warn_once!("futex operation {other} is not supported: it returns ENOSYS");
            Err(Errno::ENOSYS)
        }
    }
}

/// `FUTEX_WAKE_OP`: applies the encoded operation to `*address2`, wakes waiters of
/// `address`, and, if the old value of `*address2` passes the encoded comparison, waiters
/// of `address2` too.
fn wake_op(address: u64, count: u32, address2: u64, count2: u32, encoded: u32) -> SysResult {
    if !address2.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    let shift_operand = encoded >> 28 & 8 != 0;
    let operation = encoded >> 28 & 7;
    let comparison = encoded >> 24 & 15;
    let mut operand = encoded >> 12 & 0xfff;
    let compare_to = encoded & 0xfff;
    if shift_operand {
        operand = 1u32.checked_shl(operand).unwrap_or(0);
    }
    let old: u32 = read_user(address2)?;
    let new = match operation {
        0 => operand,
        1 => old.wrapping_add(operand),
        2 => old | operand,
        3 => old & !operand,
        4 => old ^ operand,
        _ => return Err(Errno::ENOSYS),
    };
    write_user(address2, &new)?;
    let (old, compare_to) = (old as i32, compare_to as i32);
    let passes = match comparison {
        0 => old == compare_to,
        1 => old != compare_to,
        2 => old < compare_to,
        3 => old <= compare_to,
        4 => old > compare_to,
        5 => old >= compare_to,
        _ => return Err(Errno::ENOSYS),
    };
    let mut woken = futex::wake(address, count, BITSET_MATCH_ANY);
    if passes {
        woken += futex::wake(address2, count2, BITSET_MATCH_ANY);
    }
    Ok(woken)
}
