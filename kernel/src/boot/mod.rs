//! Boot: the PVH entry point, the start info and the kernel command line.

pub mod cmdline;
mod entry;
pub mod start_info;
