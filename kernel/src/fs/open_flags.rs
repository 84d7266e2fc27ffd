//! The `O_*` flags of `open(2)` (include/uapi/asm-generic/fcntl.h, x86-64 values).

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenFlags(pub u32);

impl OpenFlags {
    pub const O_RDONLY: u32 = 0;
    pub const O_WRONLY: u32 = 0o1;
    pub const O_RDWR: u32 = 0o2;
    pub const O_ACCMODE: u32 = 0o3;
    pub const O_CREAT: u32 = 0o100;
    pub const O_EXCL: u32 = 0o200;
    pub const O_TRUNC: u32 = 0o1000;
    pub const O_APPEND: u32 = 0o2000;
    pub const O_NONBLOCK: u32 = 0o4000;
    pub const O_DSYNC: u32 = 0o10000;
    pub const O_ASYNC: u32 = 0o20000;
    pub const O_DIRECT: u32 = 0o40000;
    pub const O_LARGEFILE: u32 = 0o100000;
    pub const O_DIRECTORY: u32 = 0o200000;
    pub const O_NOFOLLOW: u32 = 0o400000;
    pub const O_NOATIME: u32 = 0o1000000;
    pub const O_CLOEXEC: u32 = 0o2000000;
    pub const O_SYNC: u32 = 0o4010000;
    pub const O_PATH: u32 = 0o10000000;
    /// `__O_TMPFILE`; `O_TMPFILE` is this with `O_DIRECTORY`.
    pub const O_TMPFILE_BIT: u32 = 0o20000000;
    pub const O_TMPFILE: u32 = Self::O_TMPFILE_BIT | Self::O_DIRECTORY;

    /// Flags `fcntl(F_SETFL)` may change.
    pub const SETTABLE: u32 =
        Self::O_APPEND | Self::O_ASYNC | Self::O_DIRECT | Self::O_NOATIME | Self::O_NONBLOCK;
    /// Flags an open file description keeps (what `F_GETFL` can report).
    pub const KEPT: u32 = Self::O_ACCMODE
        | Self::SETTABLE
        | Self::O_LARGEFILE
        | Self::O_SYNC
        | Self::O_PATH
        | Self::O_DSYNC;

    pub fn has(self, flag: u32) -> bool {
        self.0 & flag == flag
    }

    pub fn readable(self) -> bool {
        let mode = self.0 & Self::O_ACCMODE;
        !self.has(Self::O_PATH) && (mode == Self::O_RDONLY || mode == Self::O_RDWR)
    }

    pub fn writable(self) -> bool {
        let mode = self.0 & Self::O_ACCMODE;
        !self.has(Self::O_PATH) && (mode == Self::O_WRONLY || mode == Self::O_RDWR)
    }

    pub fn nonblocking(self) -> bool {
        self.has(Self::O_NONBLOCK)
    }
}
