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
const KERNEL_STACK_SIZE: usize = 64 * 1024;

#[repr(C, align(16))]
struct Stack<const N: usize>([u8; N]);

static mut EMERGENCY_STACK: Stack<EMERGENCY_STACK_SIZE> = Stack([0; EMERGENCY_STACK_SIZE]);
/// The stack the CPU switches to on a syscall or a trap from ring 3.
static mut KERNEL_STACK: Stack<KERNEL_STACK_SIZE> = Stack([0; KERNEL_STACK_SIZE]);

static TSS: Once<TaskStateSegment> = Once::new();
static GDT: Once<GlobalDescriptorTable> = Once::new();

fn stack_top<const N: usize>(stack: *const Stack<N>) -> VirtAddr {
    VirtAddr::from_ptr(stack) + N as u64
}

/// The top of the stack used on entry from user mode.
pub fn kernel_stack_top() -> u64 {
    stack_top(&raw const KERNEL_STACK).as_u64()
}

/// Loads the GDT and the TSS and reloads the segment registers.
pub fn init() {
    let tss = TSS.call_once(|| {
        let mut tss = TaskStateSegment::new();
        tss.privilege_stack_table[0] = stack_top(&raw const KERNEL_STACK);
        tss.interrupt_stack_table[EMERGENCY_IST_INDEX as usize] =
            stack_top(&raw const EMERGENCY_STACK);
        tss
    });
    let gdt = GDT.call_once(|| {
        let mut gdt = GlobalDescriptorTable::new();
        gdt.append(Descriptor::kernel_code_segment());
        gdt.append(Descriptor::kernel_data_segment());
        gdt.append(Descriptor::user_data_segment());
        gdt.append(Descriptor::user_code_segment());
        gdt.append(Descriptor::tss_segment(tss));
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
