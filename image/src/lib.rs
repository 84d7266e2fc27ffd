//! Reader and writer for Pith images, as specified in `docs/image-format.md`: a cpio "newc"
//! archive whose first entry is a binary manifest and whose large files are page aligned, so
//! the kernel can serve file data straight from the boot module.
//!
//! The reader is `no_std` (it needs only `alloc`, for the manifest) because the kernel uses
//! it; it validates the whole image once in [`Image::parse`] and never copies file data. The
//! writer, [`ImageWriter`], needs the default `std` feature.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod cpio;
mod entry;
mod error;
mod escaped;
mod manifest;
mod reader;
#[cfg(feature = "std")]
mod writer;

#[cfg(all(test, feature = "std"))]
mod tests;

pub use entry::{Entry, EntryKind};
pub use error::{HeaderProblem, ImageError};
pub use manifest::{Manifest, IMAGE_VERSION};
pub use reader::{looks_like_image, Entries, Image};
#[cfg(feature = "std")]
pub use writer::ImageWriter;
