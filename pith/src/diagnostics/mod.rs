//! What pith reports when asked why a program fails: symbolized crash backtraces and the
//! gdb command for `--gdb`. Syscall traces, summaries and missing files are printed by the
//! kernel itself; pith only asks for them on the kernel command line.

pub mod backtrace;
pub mod crash;
pub mod gdb;
pub mod program;
pub mod symbolize;
