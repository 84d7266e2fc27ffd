//! Values given on the command line that need more checking than clap does: memory sizes and
//! environment variables.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use thiserror::Error;

/// The smallest guest memory the kernel is meant to boot in.
const MIN_MIB: u64 = 8;
/// A sanity bound: far beyond any host this runs on, and well inside QEMU's limits.
const MAX_MIB: u64 = 1 << 20;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MemorySizeError {
    /// The text is not a number with an optional unit.
    #[error("`{0}` is not a memory size: write a number of MiB, or one with a unit, like 64M, 1G or 131072K")]
    Invalid(String),
    /// Not a whole number of MiB, which is what QEMU takes.
    #[error("`{0}` is not a whole number of MiB: round it, e.g. to 64M")]
    NotWholeMib(String),
    /// Below the minimum the kernel needs.
    #[error("`{0}` is too little memory: the VM needs at least {MIN_MIB}M")]
    TooSmall(String),
    /// Above the sanity bound.
    #[error("`{0}` is more memory than pith gives a VM (at most 1T)")]
    TooLarge(String),
}

/// Guest memory, a whole number of MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemorySize {
    mib: u64,
}

impl MemorySize {
    /// Parses `64M`, `1G`, `131072K`, `2T` or a plain number of MiB (`512`); a trailing `B` or
    /// `iB` and lower case are accepted, as all units are binary.
    pub fn parse(text: &str) -> Result<MemorySize, MemorySizeError> {
        let invalid = || MemorySizeError::Invalid(text.to_owned());
        let trimmed = text.trim();
        let digits_end = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (digits, unit) = trimmed.split_at(digits_end);
        let number: u64 = digits.parse().map_err(|_| invalid())?;

        let kib_per_unit: u64 = match unit.to_ascii_lowercase().as_str() {
            "k" | "kb" | "kib" => 1,
            "" | "m" | "mb" | "mib" => 1 << 10,
            "g" | "gb" | "gib" => 1 << 20,
            "t" | "tb" | "tib" => 1 << 30,
            _ => return Err(invalid()),
        };
        let kib = number
            .checked_mul(kib_per_unit)
            .ok_or_else(|| MemorySizeError::TooLarge(text.to_owned()))?;
        if kib % 1024 != 0 {
            return Err(MemorySizeError::NotWholeMib(text.to_owned()));
        }

        let mib = kib / 1024;
        if mib < MIN_MIB {
            return Err(MemorySizeError::TooSmall(text.to_owned()));
        }
        if mib > MAX_MIB {
            return Err(MemorySizeError::TooLarge(text.to_owned()));
        }
        Ok(MemorySize { mib })
    }

    pub fn mib(self) -> u64 {
        self.mib
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum EnvVarError {
    /// No `=` at all.
    #[error("`{0}` is not KEY=VALUE: write -e {0}=value")]
    NoEquals(String),
    /// `=` first, so the name is empty.
    #[error("`{0}` has an empty name: write -e NAME=value")]
    EmptyName(String),
}

/// One `KEY=VALUE` environment variable, as raw bytes (Linux environments need not be UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    bytes: Vec<u8>,
}

impl EnvVar {
    pub fn parse(text: OsString) -> Result<EnvVar, EnvVarError> {
        let bytes = text.into_vec();
        let shown = || String::from_utf8_lossy(&bytes).into_owned();
        match bytes.iter().position(|&byte| byte == b'=') {
            None => Err(EnvVarError::NoEquals(shown())),
            Some(0) => Err(EnvVarError::EmptyName(shown())),
            Some(_) => Ok(EnvVar { bytes }),
        }
    }

    pub fn key(&self) -> &[u8] {
        let end = self.bytes.iter().position(|&byte| byte == b'=');
        &self.bytes[..end.unwrap_or(self.bytes.len())]
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A host file to put in the image: `HOST:GUEST`, or `HOST` alone for the same absolute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMapping {
    pub host: PathBuf,
    /// Absolute guest path.
    pub guest: String,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum FileMappingError {
    /// The guest path is not absolute.
    #[error("`{0}`: the guest path must be absolute, as in --file ./data.txt:/srv/data.txt")]
    RelativeGuest(String),
    /// The host path is empty.
    #[error("`{0}`: give a host file, as in --file ./data.txt:/srv/data.txt")]
    EmptyHost(String),
}

impl FileMapping {
    /// Parses `HOST:GUEST` (split at the last `:`) or `HOST`; a lone `HOST` keeps its
    /// absolute path in the guest.
    pub fn parse(text: &str) -> Result<FileMapping, FileMappingError> {
        let (host, guest) = match text.rsplit_once(':') {
            Some((host, guest)) => (host, guest.to_owned()),
            None => {
                let absolute = std::path::absolute(text).unwrap_or_else(|_| PathBuf::from(text));
                (text, absolute.to_string_lossy().into_owned())
            }
        };
        if host.is_empty() {
            return Err(FileMappingError::EmptyHost(text.to_owned()));
        }
        if !guest.starts_with('/') {
            return Err(FileMappingError::RelativeGuest(text.to_owned()));
        }
        Ok(FileMapping {
            host: PathBuf::from(host),
            guest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mib(text: &str) -> u64 {
        MemorySize::parse(text).unwrap().mib()
    }

    #[test]
    fn memory_units() {
        assert_eq!(mib("64M"), 64);
        assert_eq!(mib("1G"), 1024);
        assert_eq!(mib("512"), 512);
        assert_eq!(mib("131072K"), 128);
        assert_eq!(mib("2g"), 2048);
        assert_eq!(mib("256MiB"), 256);
        assert_eq!(mib("8M"), 8);
    }

    #[test]
    fn memory_rejects_nonsense() {
        for text in ["", "M", "lots", "64X", "-64M", "1.5G", "64 M B", "0x40M"] {
            assert_eq!(
                MemorySize::parse(text),
                Err(MemorySizeError::Invalid(text.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn memory_bounds() {
        assert_eq!(
            MemorySize::parse("7M"),
            Err(MemorySizeError::TooSmall("7M".into()))
        );
        assert_eq!(
            MemorySize::parse("0"),
            Err(MemorySizeError::TooSmall("0".into()))
        );
        assert_eq!(
            MemorySize::parse("1000K"),
            Err(MemorySizeError::NotWholeMib("1000K".into()))
        );
        assert_eq!(
            MemorySize::parse("2T"),
            Err(MemorySizeError::TooLarge("2T".into()))
        );
        assert_eq!(
            MemorySize::parse("99999999999999999999G"),
            Err(MemorySizeError::Invalid("99999999999999999999G".into()))
        );
        assert_eq!(
            MemorySize::parse("18446744073709551615G"),
            Err(MemorySizeError::TooLarge("18446744073709551615G".into()))
        );
    }

    #[test]
    fn env_var_needs_a_name_and_equals() {
        let var = EnvVar::parse("KEY=a=b".into()).unwrap();
        assert_eq!(var.key(), b"KEY");
        assert_eq!(var.as_bytes(), b"KEY=a=b");
        assert_eq!(EnvVar::parse("EMPTY=".into()).unwrap().key(), b"EMPTY");
        assert_eq!(
            EnvVar::parse("KEY".into()),
            Err(EnvVarError::NoEquals("KEY".into()))
        );
        assert_eq!(
            EnvVar::parse("=v".into()),
            Err(EnvVarError::EmptyName("=v".into()))
        );
    }

    #[test]
    fn file_mappings() {
        let mapping = FileMapping::parse("data/in.txt:/srv/in.txt").unwrap();
        assert_eq!(mapping.host, PathBuf::from("data/in.txt"));
        assert_eq!(mapping.guest, "/srv/in.txt");
        assert_eq!(
            FileMapping::parse("/etc/hosts").unwrap().guest,
            "/etc/hosts"
        );
        assert_eq!(
            FileMapping::parse("a:b"),
            Err(FileMappingError::RelativeGuest("a:b".into()))
        );
        assert_eq!(
            FileMapping::parse(":/b"),
            Err(FileMappingError::EmptyHost(":/b".into()))
        );
    }

    #[test]
    fn env_var_keeps_raw_bytes() {
        use std::os::unix::ffi::OsStringExt;
        let var = EnvVar::parse(OsString::from_vec(b"K=\xff".to_vec())).unwrap();
        assert_eq!(var.as_bytes(), b"K=\xff");
    }
}
