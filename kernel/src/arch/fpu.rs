//! Each thread's x87/SSE/AVX register state, saved with XSAVE (FXSAVE on CPUs without
//! it) when the thread stops running and restored when it runs again (Intel SDM vol. 1,
//! chapter 13).

use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use core::arch::x86_64::__cpuid_count;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static USE_XSAVE: AtomicBool = AtomicBool::new(false);
static AREA_SIZE: AtomicUsize = AtomicUsize::new(512);

/// Offsets in the save area.
const MXCSR_OFFSET: usize = 24;
const HEADER_OFFSET: usize = 512;
const DEFAULT_CONTROL_WORD: u16 = 0x037f;
const DEFAULT_MXCSR: u32 = 0x1f80;

/// Picks the save instruction and the area size once the CPU's features are enabled.
pub fn init(xsave: bool) {
    USE_XSAVE.store(xsave, Ordering::Relaxed);
    if xsave {
        // EBX: the size needed for the features enabled in XCR0.
        let size = __cpuid_count(0xd, 0).ebx as usize;
        AREA_SIZE.store(size.max(HEADER_OFFSET + 64), Ordering::Relaxed);
    }
}

/// The size of a save area, which is also what a signal frame reserves for it.
pub fn area_size() -> usize {
    AREA_SIZE.load(Ordering::Relaxed)
}

/// The XSAVE features the area covers (XCR0), for signal frames.
pub fn enabled_features() -> u64 {
    if USE_XSAVE.load(Ordering::Relaxed) {
        x86_64::registers::xcontrol::XCr0::read_raw()
    } else {
        0b11
    }
}

/// One thread's saved register state, 64-byte aligned as XSAVE requires.
pub struct FpuState {
    area: *mut u8,
}

// SAFETY: the area is owned by one thread's state and only touched by the kernel.
unsafe impl Send for FpuState {}
// SAFETY: as above; shared references only read it.
unsafe impl Sync for FpuState {}

fn layout() -> Layout {
    Layout::from_size_align(area_size(), 64).expect("the save area size is small")
}

impl FpuState {
    /// The state a new program starts with: x87 and SSE defaults, everything else clear.
    pub fn new() -> FpuState {
        // SAFETY: the layout has a non-zero size.
        let area = unsafe { alloc_zeroed(layout()) };
        if area.is_null() {
            alloc::alloc::handle_alloc_error(layout());
        }
        let mut state = FpuState { area };
        let bytes = state.bytes_mut();
        bytes[0..2].copy_from_slice(&DEFAULT_CONTROL_WORD.to_le_bytes());
        bytes[MXCSR_OFFSET..MXCSR_OFFSET + 4].copy_from_slice(&DEFAULT_MXCSR.to_le_bytes());
        state
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `area` points to `area_size()` bytes owned by this value.
        unsafe { core::slice::from_raw_parts(self.area, area_size()) }
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, and `&mut self` makes this view the only one.
        unsafe { core::slice::from_raw_parts_mut(self.area, area_size()) }
    }

    /// Stores the CPU's current state here.
    pub fn save(&self) {
        // SAFETY: the area is large enough and 64-byte aligned; all components are saved.
        unsafe {
            if USE_XSAVE.load(Ordering::Relaxed) {
                core::arch::asm!("xsave64 [{}]", in(reg) self.area, in("eax") u32::MAX, in("edx") u32::MAX);
            } else {
                core::arch::asm!("fxsave64 [{}]", in(reg) self.area);
            }
        }
    }

    /// Loads this state into the CPU.
    pub fn restore(&self) {
        // SAFETY: the area holds a state saved by `save` or checked by `check_user_area`.
        unsafe {
            if USE_XSAVE.load(Ordering::Relaxed) {
                core::arch::asm!("xrstor64 [{}]", in(reg) self.area, in("eax") u32::MAX, in("edx") u32::MAX);
            } else {
                core::arch::asm!("fxrstor64 [{}]", in(reg) self.area);
            }
        }
    }

    /// Copies another state into this one.
    pub fn copy_from(&mut self, other: &FpuState) {
        self.bytes_mut().copy_from_slice(other.bytes());
    }
}

impl Default for FpuState {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for FpuState {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with the same layout.
        unsafe { dealloc(self.area, layout()) };
    }
}

/// Whether `bytes`, from the application (a signal frame), can be loaded without the CPU
/// faulting: MXCSR reserved bits clear, and an XSAVE header in standard form naming only
/// enabled features.
pub fn check_user_area(bytes: &[u8]) -> bool {
    let word =
        |offset: usize| u64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap_or([0; 8]));
    let mxcsr = u32::from_le_bytes(
        bytes[MXCSR_OFFSET..MXCSR_OFFSET + 4]
            .try_into()
            .unwrap_or([0; 4]),
    );
    if mxcsr & 0xffff_0000 != 0 {
        return false;
    }
    if !USE_XSAVE.load(Ordering::Relaxed) {
        return true;
    }
    let features = word(HEADER_OFFSET);
    let compacted = word(HEADER_OFFSET + 8);
    let reserved_clear = bytes[HEADER_OFFSET + 16..HEADER_OFFSET + 64]
        .iter()
        .all(|&byte| byte == 0);
    features & !enabled_features() == 0 && compacted == 0 && reserved_clear
}
