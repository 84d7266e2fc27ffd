//! Device drivers.

pub mod console;
pub mod serial;
