//! Launching the VM: which accelerator to use, and the QEMU process itself.

pub mod accel;
pub mod qemu;
pub mod tsc;
