//! What glibc loads by name at run time, beyond DT_NEEDED: NSS modules for name, user and
//! group lookups (nsswitch.conf(5)), gconv modules for iconv(3), and compiled locales
//! (locale(7)). They are added only when the program needs them or the manifest asks.

use std::path::{Path, PathBuf};

/// The NSS modules the generated /etc/nsswitch.conf names (`files`, `dns`), and the resolver
/// library that DNS lookups use.
pub const NSS_LIBRARIES: &[&str] = &["libnss_files.so.2", "libnss_dns.so.2", "libresolv.so.2"];

/// Where glibc keeps compiled locales: `locale-archive` and directories like `C.utf8`.
const LOCALE_DIRECTORY: &str = "/usr/lib/locale";

/// The gconv module directory of the glibc whose `libc.so.6` is in `libc_directory`.
pub fn gconv_directory(libc_directory: &Path) -> Option<PathBuf> {
    let directory = libc_directory.join("gconv");
    if directory.is_dir() {
        return Some(directory);
    }
    log::warn!(
        "the program uses iconv, but {} does not exist: conversions other than UTF-8 and ASCII \
         will fail",
        directory.display()
    );
    None
}

/// The host's compiled locales, when the manifest asks for them.
pub fn locale_directory() -> Option<PathBuf> {
    let directory = PathBuf::from(LOCALE_DIRECTORY);
    if directory.is_dir() {
        return Some(directory);
    }
    log::warn!(
        "locales = true, but the host has no {LOCALE_DIRECTORY}: generate locales with locale-gen"
    );
    None
}
