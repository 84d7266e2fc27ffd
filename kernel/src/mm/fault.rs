//! Demand paging: the first touch of a page of an area gives it a frame, filled from the
//! area's backing. Pages of read-only image-backed areas map the image's own frames.

use super::address_space::{current, Backing, Vma};
use super::{frame, page_align_down, paging, phys_to_virt, PAGE_SIZE, USER_END};
use crate::task::signal::SignalCode;

/// What the faulting access tried to do (page-fault error code, Intel SDM vol. 3, 4.7).
#[derive(Clone, Copy, Debug)]
pub struct Access {
    pub write: bool,
    pub execute: bool,
}

impl Access {
    pub fn from_error_code(code: u64) -> Access {
        Access {
            write: code & 2 != 0,
            execute: code & 16 != 0,
        }
    }
}

/// Resolves a fault of the application at `address`, or says which `SIGSEGV` it earns.
pub fn handle_user_fault(address: u64, access: Access) -> Result<(), SignalCode> {
    if address >= USER_END {
        return Err(SignalCode::SEGV_MAPERR);
    }
    let space = current();
    let vma = space.find(address).ok_or(SignalCode::SEGV_MAPERR)?.clone();
    drop(space);

    let allowed = if access.write {
        vma.prot.write
    } else if access.execute {
        vma.prot.execute
    } else {
        vma.prot.read || vma.prot.write || vma.prot.execute
    };
    if !allowed {
        return Err(SignalCode::SEGV_ACCERR);
    }

    let page = page_align_down(address);
    log::trace!(
        "fault at {address:#x} {access:?} in {vma:?}: {:?}",
        paging::translate_user(page)
    );
    match paging::translate_user(page) {
        None => populate(&vma, page),
        Some(mapping) if access.write && crate::fs::image::contains_frame(mapping.phys) => {
            copy_on_write(&vma, page, mapping.phys)
        }
        // Another path (a racing fault, or a page the kernel touched) mapped it already.
        Some(_) => Ok(()),
    }
}

fn out_of_memory() -> SignalCode {
    log::error!("out of memory: the application touched a page and no frame is left");
    SignalCode::SEGV_MAPERR
}

/// Gives `page` of `vma` its first frame.
fn populate(vma: &Vma, page: u64) -> Result<(), SignalCode> {
    if let Backing::File { .. } = vma.backing {
        return populate_from_file(vma, page);
    }
    if let Some(phys) = shareable_image_frame(vma, page) {
        return paging::map_user(page, phys, vma.prot.rights()).map_err(|_| out_of_memory());
    }
    let phys = frame::alloc_zeroed().ok_or_else(out_of_memory)?;
    fill_from_backing(vma, page, phys);
    let mapped = paging::map_user(page, phys, vma.prot.rights());
    if mapped.is_err() {
        frame::free(phys);
        return Err(out_of_memory());
    }
    Ok(())
}

/// Maps the file's own frame (shared areas) or a copy of it (private ones). A page past the
/// end of the file faults.
///
/// TODO: Linux raises `SIGBUS` for pages wholly past the end of the file; this gives
/// `SIGSEGV` until fault handlers can choose the signal.
fn populate_from_file(vma: &Vma, page: u64) -> Result<(), SignalCode> {
    let Backing::File {
        source,
        first_page,
        shared,
    } = &vma.backing
    else {
        return Err(SignalCode::SEGV_MAPERR);
    };
    let index = first_page + (page - vma.start) / PAGE_SIZE;
    let file_frame = source.frame(index).ok_or(SignalCode::SEGV_MAPERR)?;
    if *shared {
        return paging::map_user(page, file_frame, vma.prot.rights()).map_err(|_| out_of_memory());
    }
    let phys = frame::alloc().ok_or_else(out_of_memory)?;
    // SAFETY: both frames are reached through the physical window; the new one is ours and
    // the file keeps its frame alive meanwhile.
    unsafe {
        core::ptr::copy_nonoverlapping(
            phys_to_virt(file_frame) as *const u8,
            phys_to_virt(phys) as *mut u8,
            PAGE_SIZE as usize,
        )
    };
    if paging::map_user(page, phys, vma.prot.rights()).is_err() {
        frame::free(phys);
        return Err(out_of_memory());
    }
    Ok(())
}

/// The image frame that can back `page` as is: read-only area, whole page of file data,
/// page aligned in the image.
fn shareable_image_frame(vma: &Vma, page: u64) -> Option<u64> {
    let Backing::Image { offset, file_end } = vma.backing else {
        return None;
    };
    if vma.prot.write || page + PAGE_SIZE > file_end {
        return None;
    }
    let image_offset = offset + (page - vma.start);
    crate::fs::image::frame_at(image_offset)
}

/// Copies the image bytes that `page` shows into `phys` (already zeroed).
fn fill_from_backing(vma: &Vma, page: u64, phys: u64) {
    let Backing::Image { offset, file_end } = vma.backing else {
        return;
    };
    if page >= file_end {
        return;
    }
    let length = (file_end - page).min(PAGE_SIZE) as usize;
    let image_offset = offset + (page - vma.start);
    if let Some(bytes) = crate::fs::image::bytes(image_offset, length) {
        // SAFETY: `phys` is a frame this fault just allocated, reached through the
        // physical window, and `length` is at most a page.
        let target =
            unsafe { core::slice::from_raw_parts_mut(phys_to_virt(phys) as *mut u8, length) };
        target.copy_from_slice(bytes);
    }
}

/// First write to a page that still shows an image frame: give it a private copy.
fn copy_on_write(vma: &Vma, page: u64, shared: u64) -> Result<(), SignalCode> {
    let phys = frame::alloc().ok_or_else(out_of_memory)?;
    // SAFETY: both frames are reached through the physical window; the new one is ours.
    unsafe {
        core::ptr::copy_nonoverlapping(
            phys_to_virt(shared) as *const u8,
            phys_to_virt(phys) as *mut u8,
            PAGE_SIZE as usize,
        )
    };
    paging::unmap_user(page);
    paging::map_user(page, phys, vma.prot.rights()).map_err(|_| out_of_memory())
}
