//! The boot image, kept where the hypervisor loaded it; file data is served in place.

use pith_image::{Image, ImageError};
use spin::Once;

use crate::boot::start_info::PhysRange;
use crate::mm::{phys_to_virt, PAGE_SIZE};

struct Loaded {
    range: PhysRange,
    bytes: &'static [u8],
    image: Image<'static>,
}

static IMAGE: Once<Loaded> = Once::new();

/// Checks the image in `range` and keeps it for the rest of the run.
pub fn init(range: PhysRange) -> Result<&'static Image<'static>, ImageError> {
    let length = (range.end - range.start) as usize;
    // SAFETY: the hypervisor loaded the module into RAM at `range`, which the frame allocator
    // never hands out, and the physical window maps it.
    let bytes =
        unsafe { core::slice::from_raw_parts(phys_to_virt(range.start) as *const u8, length) };
    let image = Image::parse(bytes)?;
    Ok(&IMAGE
        .call_once(|| Loaded {
            range,
            bytes,
            image,
        })
        .image)
}

/// The image; only valid after [`init`].
pub fn get() -> &'static Image<'static> {
    &IMAGE.get().expect("the image is checked at boot").image
}

/// Whether the physical frame `phys` belongs to the image (and must never be freed).
pub fn contains_frame(phys: u64) -> bool {
    IMAGE
        .get()
        .is_some_and(|loaded| loaded.range.start <= phys && phys < loaded.range.end)
}

/// The frame holding image bytes `offset..offset + 4096`, if they fill a whole frame.
pub fn frame_at(offset: u64) -> Option<u64> {
    let loaded = IMAGE.get()?;
    let phys = loaded.range.start.checked_add(offset)?;
    (phys.is_multiple_of(PAGE_SIZE) && phys + PAGE_SIZE <= loaded.range.end).then_some(phys)
}

/// Image bytes `offset..offset + length`.
pub fn bytes(offset: u64, length: usize) -> Option<&'static [u8]> {
    let loaded = IMAGE.get()?;
    let start = usize::try_from(offset).ok()?;
    loaded.bytes.get(start..start.checked_add(length)?)
}

/// The offset in the image of `data`, a slice of the image.
pub fn offset_of(data: &[u8]) -> u64 {
    let loaded = IMAGE.get().expect("the image is checked at boot");
    data.as_ptr() as u64 - loaded.bytes.as_ptr() as u64
}
