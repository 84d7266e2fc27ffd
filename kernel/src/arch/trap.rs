//! Exception entry: every vector saves the same [`TrapFrame`] and calls [`trap_dispatch`].
//!
//! A fault in ring 3 becomes a signal for the application; a fault in ring 0 is a kernel
//! bug and ends the VM with a report (vector, RIP, CR2, error code, backtrace).

use core::arch::global_asm;
use core::fmt;

use x86_64::registers::control::Cr2;

use crate::task::signal::{self, Signal, SignalCode};

/// Registers saved on entry to the kernel, in the order the entry code pushes them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    /// The interrupt vector, or [`SYSCALL_VECTOR`] for the SYSCALL instruction.
    pub vector: u64,
    /// The exception's error code; for a syscall, its number.
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

/// The pseudo-vector the SYSCALL entry stores in its frame.
pub const SYSCALL_VECTOR: u64 = 0x100;

impl TrapFrame {
    pub fn is_user(&self) -> bool {
        self.cs & 3 == 3
    }

    /// The registers in the order of the crash frame (docs/host-protocol.md).
    pub fn crash_registers(&self) -> [u64; 18] {
        [
            self.rip,
            self.rsp,
            self.rflags,
            self.rax,
            self.rbx,
            self.rcx,
            self.rdx,
            self.rsi,
            self.rdi,
            self.rbp,
            self.r8,
            self.r9,
            self.r10,
            self.r11,
            self.r12,
            self.r13,
            self.r14,
            self.r15,
        ]
    }
}

impl fmt::Display for TrapFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = [
            [
                ("rip", self.rip),
                ("rsp", self.rsp),
                ("rflags", self.rflags),
            ],
            [("rax", self.rax), ("rbx", self.rbx), ("rcx", self.rcx)],
            [("rdx", self.rdx), ("rsi", self.rsi), ("rdi", self.rdi)],
            [("rbp", self.rbp), ("r8", self.r8), ("r9", self.r9)],
            [("r10", self.r10), ("r11", self.r11), ("r12", self.r12)],
            [("r13", self.r13), ("r14", self.r14), ("r15", self.r15)],
        ];
        for row in rows {
            for (name, value) in row {
                write!(f, "  {name:>6} {value:#018x}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

// Vectors whose exceptions push an error code (Intel SDM vol. 3, table 6-1).
global_asm!(
    r#"
    .macro TRAP_STUB vector, has_error
    .balign 16
trap_stub_\vector:
    .if \has_error == 0
    push 0
    .endif
    push \vector
    jmp trap_common
    .endm

    .text
    .irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
    TRAP_STUB \v, 0
    .endr
    .irp v, 8,10,11,12,13,14,17,21,29,30
    TRAP_STUB \v, 1
    .endr
    .irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100,101,102,103,104,105,106,107,108,109,110,111,112,113,114,115,116,117,118,119,120,121,122,123,124,125,126,127,128,129,130,131,132,133,134,135,136,137,138,139,140,141,142,143,144,145,146,147,148,149,150,151,152,153,154,155,156,157,158,159,160,161,162,163,164,165,166,167,168,169,170,171,172,173,174,175,176,177,178,179,180,181,182,183,184,185,186,187,188,189,190,191,192,193,194,195,196,197,198,199,200,201,202,203,204,205,206,207,208,209,210,211,212,213,214,215,216,217,218,219,220,221,222,223,224,225,226,227,228,229,230,231,232,233,234,235,236,237,238,239,240,241,242,243,244,245,246,247,248,249,250,251,252,253,254,255
    TRAP_STUB \v, 0
    .endr

trap_common:
    test qword ptr [rsp + 24], 3
    jz 1f
    swapgs
1:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp
    cld
    call trap_dispatch
    .global trap_return
trap_return:
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    test qword ptr [rsp + 24], 3
    jz 2f
    swapgs
2:
    add rsp, 16
    iretq

    .section .rodata
    .balign 8
    .global trap_stub_table
trap_stub_table:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad trap_stub_\v
    .endr
    .irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100,101,102,103,104,105,106,107,108,109,110,111,112,113,114,115,116,117,118,119,120,121,122,123,124,125,126,127,128,129,130,131,132,133,134,135,136,137,138,139,140,141,142,143,144,145,146,147,148,149,150,151,152,153,154,155,156,157,158,159,160,161,162,163,164,165,166,167,168,169,170,171,172,173,174,175,176,177,178,179,180,181,182,183,184,185,186,187,188,189,190,191,192,193,194,195,196,197,198,199,200,201,202,203,204,205,206,207,208,209,210,211,212,213,214,215,216,217,218,219,220,221,222,223,224,225,226,227,228,229,230,231,232,233,234,235,236,237,238,239,240,241,242,243,244,245,246,247,248,249,250,251,252,253,254,255
    .quad trap_stub_\v
    .endr
    .text
"#
);

extern "C" {
    /// Addresses of the 256 entry stubs, by vector.
    pub static trap_stub_table: [u64; 256];
}

const PAGE_FAULT: u64 = 14;

/// Called by the entry code for every exception and interrupt.
#[no_mangle]
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    match frame.vector {
        PAGE_FAULT => page_fault(frame),
        0..=31 if frame.is_user() => {
            let (signal, code) = user_exception_signal(frame.vector);
            signal::raise_fault(signal, code, frame.rip);
        }
        0..=31 => kernel_fault(frame, None),
        vector => super::interrupts::handle(vector as u8),
    }
    if frame.is_user() {
        crate::task::return_to_user(frame);
    }
}

fn page_fault(frame: &mut TrapFrame) {
    let address = Cr2::read_raw();
    if !frame.is_user() {
        kernel_fault(frame, Some(address));
    }
    let access = crate::mm::fault::Access::from_error_code(frame.error_code);
    if let Err(code) = crate::mm::fault::handle_user_fault(address, access) {
        signal::raise_fault(Signal::SIGSEGV, code, address);
    }
}

/// The signal Linux sends for an exception raised by user code.
fn user_exception_signal(vector: u64) -> (Signal, SignalCode) {
    match vector {
        0 => (Signal::SIGFPE, SignalCode::FPE_INTDIV),
        1 | 3 => (Signal::SIGTRAP, SignalCode::SI_KERNEL),
        6 => (Signal::SIGILL, SignalCode::ILL_ILLOPN),
        16 | 19 => (Signal::SIGFPE, SignalCode::SI_KERNEL),
        17 => (Signal::SIGBUS, SignalCode::BUS_ADRALN),
        _ => (Signal::SIGSEGV, SignalCode::SI_KERNEL),
    }
}

fn kernel_fault(frame: &TrapFrame, cr2: Option<u64>) -> ! {
    let name = EXCEPTION_NAMES
        .get(frame.vector as usize)
        .copied()
        .unwrap_or("unknown exception");
    let cr2 = cr2.unwrap_or_else(Cr2::read_raw);
    crate::panic::fatal_kernel_error(
        format_args!(
            "{name} (vector {}) in the kernel at rip {:#x}, cr2 {cr2:#x}, error code {:#x}\n{frame}",
            frame.vector, frame.rip, frame.error_code
        ),
        frame.rbp,
        Some((frame, cr2)),
    );
}

const EXCEPTION_NAMES: [&str; 32] = [
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range exceeded",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor segment overrun",
    "invalid TSS",
    "segment not present",
    "stack-segment fault",
    "general protection fault",
    "page fault",
    "reserved",
    "x87 floating-point error",
    "alignment check",
    "machine check",
    "SIMD floating-point error",
    "virtualization exception",
    "control protection exception",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "hypervisor injection",
    "VMM communication",
    "security exception",
    "reserved",
];
