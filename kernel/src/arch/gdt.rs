//! The GDT and the TSS: kernel and user segments in the order SYSCALL/SYSRET require.
//!
//! STAR takes the kernel code selector (kernel data follows it) and the selector 16 below
//! the user code one (user data sits between them), hence the order of the entries.

use spin::Once;
use x86_64::instructions::segmentation::{Segment, CS, DS, ES, SS};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;
use x86_64::{PrivilegeLevel, VirtAddr};

pub const KERNEL_CODE: u16 = 0x08;
pub const KERNEL_DATA: u16 = 0x10;
pub const USER_DATA: u16 = 0x18 | 3;
pub const USER_CODE: u16 = 0x20 | 3;

/// The interrupt stack table slot used for double faults, NMIs and machine checks.
pub const EMERGENCY_IST_INDEX: u16 = 0;

const EMERGENCY_STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct Stack<const N: usize>([u8; N]);

static mut EMERGENCY_STACK: Stack<EMERGENCY_STACK_SIZE> = Stack([0; EMERGENCY_STACK_SIZE]);

/// The TSS; its RSP0 changes with every thread switch.
static mut TSS: TaskStateSegment = TaskStateSegment::new();
static GDT: Once<GlobalDescriptorTable> = Once::new();

fn stack_top<const N: usize>(stack: *const Stack<N>) -> VirtAddr {
    VirtAddr::from_ptr(stack) + N as u64
}

/// Sets the stack the CPU switches to on an interrupt or exception from ring 3.
pub fn set_kernel_stack(top: u64) {
    // SAFETY: one CPU, interrupts off in the kernel: nothing reads the TSS concurrently.
    unsafe { TSS.privilege_stack_table[0] = VirtAddr::new(top) };
}

/// Loads the GDT and the TSS and reloads the segment registers.
pub fn init() {
    let tss = &raw mut TSS;
    // SAFETY: runs once at boot before the TSS is loaded.
    unsafe {
        (*tss).interrupt_stack_table[EMERGENCY_IST_INDEX as usize] =
            stack_top(&raw const EMERGENCY_STACK);
    }
    let gdt = GDT.call_once(|| {
        let mut gdt = GlobalDescriptorTable::new();
        gdt.append(Descriptor::kernel_code_segment());
        gdt.append(Descriptor::kernel_data_segment());
        gdt.append(Descriptor::user_data_segment());
        gdt.append(Descriptor::user_code_segment());
        // SAFETY: TSS is a static that lives for the whole run.
        gdt.append(Descriptor::tss_segment(unsafe { &*tss }));
        gdt
    });
    gdt.load();

    // SAFETY: the selectors name the entries appended above, in that order.
    unsafe {
        CS::set_reg(SegmentSelector::new(1, PrivilegeLevel::Ring0));
        let data = SegmentSelector::new(2, PrivilegeLevel::Ring0);
        DS::set_reg(data);
        ES::set_reg(data);
        SS::set_reg(data);
        load_tss(SegmentSelector::new(5, PrivilegeLevel::Ring0));
    }
}
