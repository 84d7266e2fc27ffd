//! Files: the boot image as the root filesystem, and the application's descriptors.

pub mod console_file;
pub mod fd_table;
pub mod file;
pub mod image;
pub mod missing;
