//! The Linux x86-64 system call ABI: number in `rax`, arguments in `rdi`, `rsi`, `rdx`,
//! `r10`, `r8`, `r9`, result (or `-errno`) in `rax`. One file per family of calls.

mod attr;
mod dir;
mod epoll;
pub mod errno;
mod eventfd;
mod fd;
mod futex;
mod info;
mod io;
mod link;
mod memfd;
mod memory;
pub mod names;
pub mod open;
mod path;
mod pipe;
mod poll;
mod process;
mod signal;
mod signalfd;
mod socket;
mod stat;
pub mod summary;
mod sync;
mod thread;
mod time;
mod timer;
mod timerfd;
pub mod trace;
mod transfer;
mod xattr;

pub use info::limit;

use core::sync::atomic::{AtomicU64, Ordering};

use errno::{Errno, SysResult};
use names::{syscall_name, SYSCALL_COUNT};

use crate::arch::trap::TrapFrame;

/// The six argument registers, in order.
pub type Args = [u64; 6];

type Handler = fn(&mut TrapFrame, Args) -> SysResult;

/// Implemented syscalls by number.
static TABLE: [Option<Handler>; SYSCALL_COUNT] = {
    let mut table: [Option<Handler>; SYSCALL_COUNT] = [None; SYSCALL_COUNT];
    macro_rules! calls {
        ($($number:literal => $handler:path,)*) => {
            $(table[$number] = Some($handler);)*
        };
    }
    calls! {
        0 => io::read,
        1 => io::write,
        2 => open::open,
        3 => fd::close,
        4 => stat::stat,
        5 => stat::fstat,
        6 => stat::lstat,
        7 => poll::poll,
        8 => io::lseek,
        9 => memory::mmap,
        10 => memory::mprotect,
        11 => memory::munmap,
        12 => memory::brk,
        13 => signal::rt_sigaction,
        14 => signal::rt_sigprocmask,
        15 => signal::rt_sigreturn,
        16 => fd::ioctl,
        17 => io::pread64,
        18 => io::pwrite64,
        19 => io::readv,
        20 => io::writev,
        21 => attr::access,
        22 => pipe::pipe,
        23 => poll::select,
        24 => process::sched_yield,
        25 => memory::mremap,
        26 => memory::msync,
        27 => memory::mincore,
        28 => memory::madvise,
        32 => fd::dup,
        33 => fd::dup2,
        35 => time::nanosleep,
        36 => timer::getitimer,
        37 => timer::alarm,
        38 => timer::setitimer,
        39 => process::getpid,
        40 => transfer::sendfile,
        41 => socket::socket,
        42 => socket::connect,
        43 => socket::accept,
        44 => socket::sendto,
        45 => socket::recvfrom,
        46 => socket::sendmsg,
        47 => socket::recvmsg,
        48 => socket::shutdown,
        49 => socket::bind,
        50 => socket::listen,
        51 => socket::getsockname,
        52 => socket::getpeername,
        53 => socket::socketpair,
        54 => socket::setsockopt,
        55 => socket::getsockopt,
        56 => thread::clone,
        57 => thread::fork,
        58 => thread::vfork,
        59 => thread::execve,
        60 => thread::exit,
        62 => signal::kill,
        63 => info::uname,
        72 => fd::fcntl,
        73 => fd::flock,
        74 => sync::fsync,
        75 => sync::fsync,
        76 => attr::truncate,
        77 => attr::ftruncate,
        78 => dir::getdents,
        79 => dir::getcwd,
        80 => dir::chdir,
        81 => dir::fchdir,
        82 => link::rename,
        83 => dir::mkdir,
        84 => dir::rmdir,
        85 => open::creat,
        86 => link::link,
        87 => link::unlink,
        88 => link::symlink,
        89 => link::readlink,
        90 => attr::chmod,
        91 => attr::fchmod,
        92 => attr::chown,
        93 => attr::fchown,
        94 => attr::lchown,
        95 => attr::umask,
        96 => time::gettimeofday,
        97 => info::getrlimit,
        98 => timer::getrusage,
        99 => info::sysinfo,
        100 => timer::times,
        102 => process::getuid,
        104 => process::getuid,
        107 => process::getuid,
        108 => process::getuid,
        110 => process::getppid,
        115 => process::getgroups,
        118 => process::getresuid,
        120 => process::getresuid,
        125 => process::capget,
        127 => signal::rt_sigpending,
        128 => signal::rt_sigtimedwait,
        129 => signal::rt_sigqueueinfo,
        130 => signal::rt_sigsuspend,
        131 => signal::sigaltstack,
        132 => attr::utime,
        137 => stat::statfs,
        138 => stat::fstatfs,
        158 => process::arch_prctl,
        162 => sync::sync,
        186 => process::gettid,
        187 => sync::readahead,
        188 => xattr::unsupported,
        189 => xattr::unsupported,
        190 => xattr::unsupported,
        191 => xattr::getxattr,
        192 => xattr::lgetxattr,
        193 => xattr::fgetxattr,
        194 => xattr::listxattr,
        195 => xattr::llistxattr,
        196 => xattr::flistxattr,
        197 => xattr::unsupported,
        198 => xattr::unsupported,
        199 => xattr::unsupported,
        200 => signal::tkill,
        201 => time::time,
        202 => futex::futex,
        203 => process::sched_setaffinity,
        204 => process::sched_getaffinity,
        213 => epoll::epoll_create,
        217 => dir::getdents64,
        218 => thread::set_tid_address,
        221 => sync::fadvise64,
        222 => timer::timer_create,
        223 => timer::timer_settime,
        224 => timer::timer_gettime,
        225 => timer::timer_getoverrun,
        226 => timer::timer_delete,
        228 => time::clock_gettime,
        229 => time::clock_getres,
        230 => time::clock_nanosleep,
        231 => thread::exit_group,
        232 => epoll::epoll_wait,
        233 => epoll::epoll_ctl,
        234 => signal::tgkill,
        235 => attr::utimes,
        257 => open::openat,
        258 => dir::mkdirat,
        260 => attr::fchownat,
        261 => attr::futimesat,
        262 => stat::newfstatat,
        263 => link::unlinkat,
        264 => link::renameat,
        265 => link::linkat,
        266 => link::symlinkat,
        267 => link::readlinkat,
        268 => attr::fchmodat,
        269 => attr::faccessat,
        270 => poll::pselect6,
        271 => poll::ppoll,
        273 => thread::set_robust_list,
        275 => transfer::splice,
        277 => sync::sync_file_range,
        280 => attr::utimensat,
        281 => epoll::epoll_pwait,
        282 => signalfd::signalfd,
        283 => timerfd::timerfd_create,
        284 => eventfd::eventfd,
        285 => attr::fallocate,
        286 => timerfd::timerfd_settime,
        287 => timerfd::timerfd_gettime,
        288 => socket::accept4,
        289 => signalfd::signalfd4,
        290 => eventfd::eventfd2,
        291 => epoll::epoll_create1,
        292 => fd::dup3,
        293 => pipe::pipe2,
        295 => io::preadv,
        296 => io::pwritev,
        297 => signal::rt_tgsigqueueinfo,
        299 => socket::recvmmsg,
        302 => info::prlimit64,
        306 => sync::syncfs,
        307 => socket::sendmmsg,
        309 => process::getcpu,
        316 => link::renameat2,
        318 => info::getrandom,
        319 => memfd::memfd_create,
        322 => thread::execve,
        326 => transfer::copy_file_range,
        327 => io::preadv2,
        328 => io::pwritev2,
        330 => process::pkey_alloc,
        332 => stat::statx,
        334 => process::rseq,
        435 => thread::clone3,
        436 => fd::close_range,
        437 => open::openat2,
        439 => attr::faccessat2,
        441 => epoll::epoll_pwait2,
        452 => attr::fchmodat2,
    }
    table
};

/// Runs the syscall the application asked for and stores its result in the frame.
pub fn dispatch(frame: &mut TrapFrame) {
    let number = frame.rax;
    let args = [
        frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9,
    ];
    let handler = usize::try_from(number)
        .ok()
        .and_then(|index| TABLE.get(index).copied().flatten());
    let traced = trace::wanted(number);
    if traced && !trace::returns(number) {
        trace::print(number, &args, None);
    }
    // Only a summary needs the time: no TSC reads on the hot path otherwise.
    let start = summary::enabled().then(crate::arch::cpu::rdtsc);
    let result = match handler {
        Some(handler) => handler(frame, args),
        None => {
            warn_unimplemented(number);
            Err(Errno::ENOSYS)
        }
    };
    if let Some(start) = start {
        summary::record(number, result, crate::arch::cpu::rdtsc() - start);
    }
    if traced {
        trace::print(number, &args, Some(result));
    }
    frame.rax = match result {
        Ok(value) => value as u64,
        Err(errno) => (-(errno.0 as i64)) as u64,
    };
    crate::task::return_to_user(frame);
}

/// One bit per syscall number already reported, so each is named once.
static REPORTED: [AtomicU64; SYSCALL_COUNT.div_ceil(64) + 1] =
    [const { AtomicU64::new(0) }; SYSCALL_COUNT.div_ceil(64) + 1];

fn warn_unimplemented(number: u64) {
    // Numbers Linux does not have share the last bit.
    let index = (number as usize).min(SYSCALL_COUNT);
    let bit = 1u64 << (index % 64);
    if REPORTED[index / 64].fetch_or(bit, Ordering::Relaxed) & bit != 0 {
        return;
    }
    match syscall_name(number as usize) {
        Some(name) => log::warn!("syscall {name} ({number}) is not implemented: it returns ENOSYS"),
        None => log::warn!("syscall {number} does not exist on Linux x86-64: it returns ENOSYS"),
    }
}

/// Logs once per call site that a flag or mode is not supported.
#[macro_export]
macro_rules! warn_once {
    ($($arg:tt)*) => {{
        static WARNED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
        if !WARNED.swap(true, core::sync::atomic::Ordering::Relaxed) {
            log::warn!($($arg)*);
        }
    }};
}
