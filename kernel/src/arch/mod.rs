//! x86-64 specifics: CPU features, descriptor tables, traps and the SYSCALL entry.

pub mod apic;
pub mod backtrace;
pub mod context;
pub mod cpu;
pub mod fpu;
pub mod gdt;
pub mod idt;
pub mod interrupts;
pub mod ioapic;
pub mod percpu;
pub mod pic;
pub mod syscall_entry;
pub mod trap;
pub mod user_entry;
