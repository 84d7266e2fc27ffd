//! System-wide `/proc` files: CPU, memory, time and kernel identity.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::arch::x86_64::__cpuid;
use core::fmt::Write;

pub fn hostname() -> Vec<u8> {
    b"pith\n".to_vec()
}

pub fn osrelease() -> Vec<u8> {
    b"6.1.0-pith\n".to_vec()
}

pub fn ostype() -> Vec<u8> {
    b"Linux\n".to_vec()
}

pub fn pid_max() -> Vec<u8> {
    b"4194304\n".to_vec()
}

pub fn ngroups_max() -> Vec<u8> {
    b"65536\n".to_vec()
}

pub fn zero() -> Vec<u8> {
    b"0\n".to_vec()
}

pub fn max_map_count() -> Vec<u8> {
    b"65530\n".to_vec()
}

pub fn pipe_max_size() -> Vec<u8> {
    b"1048576\n".to_vec()
}

pub fn nr_open() -> Vec<u8> {
    b"1048576\n".to_vec()
}

pub fn cpu_list() -> Vec<u8> {
    b"0\n".to_vec()
}

pub fn version() -> Vec<u8> {
    b"Linux version 6.1.0-pith (pith) #1 SMP PREEMPT_DYNAMIC pith unikernel\n".to_vec()
}

pub fn filesystems() -> Vec<u8> {
    b"nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\n\tramfs\n".to_vec()
}

pub fn loadavg() -> Vec<u8> {
    b"0.00 0.00 0.00 1/1 1\n".to_vec()
}

fn uptime_centiseconds() -> u64 {
    crate::time::monotonic_ns() / 10_000_000
}

pub fn uptime() -> Vec<u8> {
    let centi = uptime_centiseconds();
    format!("{}.{:02} 0.00\n", centi / 100, centi % 100).into_bytes()
}

pub fn stat() -> Vec<u8> {
    let ticks = uptime_centiseconds();
    let boot = crate::fs::synthetic::boot_time().seconds - (ticks / 100) as i64;
    format!(
        "cpu  {ticks} 0 0 0 0 0 0 0 0 0\ncpu0 {ticks} 0 0 0 0 0 0 0 0 0\nintr 0\nctxt 0\n\
         btime {boot}\nprocesses 1\nprocs_running 1\nprocs_blocked 0\nsoftirq 0\n"
    )
    .into_bytes()
}

pub fn meminfo() -> Vec<u8> {
    let (free, total) = crate::mm::frame::stats();
    let (total, free) = (total * 4, free * 4);
    format!(
        "MemTotal:       {total:8} kB\nMemFree:        {free:8} kB\nMemAvailable:   {free:8} kB\n\
         Buffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\n\
         SwapTotal:             0 kB\nSwapFree:              0 kB\nShmem:                 0 kB\n\
         HugePages_Total:       0\nHugePages_Free:        0\nHugepagesize:       2048 kB\n"
    )
    .into_bytes()
}

/// CPUID flag names by (leaf 1 EDX, leaf 1 ECX, leaf 7 EBX) bit, as /proc/cpuinfo names them.
const EDX_FLAGS: [(u32, &str); 20] = [
    (0, "fpu"),
    (1, "vme"),
    (2, "de"),
    (3, "pse"),
    (4, "tsc"),
    (5, "msr"),
    (6, "pae"),
    (7, "mce"),
    (8, "cx8"),
    (9, "apic"),
    (11, "sep"),
    (12, "mtrr"),
    (13, "pge"),
    (15, "cmov"),
    (16, "pat"),
    (19, "clflush"),
    (23, "mmx"),
    (24, "fxsr"),
    (25, "sse"),
    (26, "sse2"),
];
const ECX_FLAGS: [(u32, &str); 14] = [
    (0, "pni"),
    (1, "pclmulqdq"),
    (9, "ssse3"),
    (12, "fma"),
    (13, "cx16"),
    (19, "sse4_1"),
    (20, "sse4_2"),
    (22, "movbe"),
    (23, "popcnt"),
    (25, "aes"),
    (26, "xsave"),
    (28, "avx"),
    (29, "f16c"),
    (30, "rdrand"),
];
const LEAF7_FLAGS: [(u32, &str); 8] = [
    (3, "bmi1"),
    (5, "avx2"),
    (8, "bmi2"),
    (9, "erms"),
    (16, "avx512f"),
    (18, "rdseed"),
    (19, "adx"),
    (29, "sha_ni"),
];

fn flags() -> String {
    let leaf1 = __cpuid(1);
    let leaf7 = __cpuid(7);
    let mut names: Vec<&str> = Vec::new();
    let mut add = |register: u32, table: &[(u32, &'static str)]| {
        names.extend(
            table
                .iter()
                .filter(|(bit, _)| register & (1 << bit) != 0)
                .map(|(_, name)| *name),
        );
    };
    add(leaf1.edx, &EDX_FLAGS);
    add(leaf1.ecx, &ECX_FLAGS);
    add(leaf7.ebx, &LEAF7_FLAGS);
    names.push("syscall");
    names.push("nx");
    names.push("lm");
    names.join(" ")
}

fn vendor_and_model() -> (String, String) {
    let leaf0 = __cpuid(0);
    let mut vendor = Vec::new();
    for register in [leaf0.ebx, leaf0.edx, leaf0.ecx] {
        vendor.extend_from_slice(&register.to_le_bytes());
    }
    let mut model = Vec::new();
    if __cpuid(0x8000_0000).eax >= 0x8000_0004 {
        for leaf in 0x8000_0002..=0x8000_0004u32 {
            let result = __cpuid(leaf);
            for register in [result.eax, result.ebx, result.ecx, result.edx] {
                model.extend_from_slice(&register.to_le_bytes());
            }
        }
    }
    let text = |bytes: Vec<u8>| {
        let end = bytes
            .iter()
            .position(|&byte| byte == 0)
            .unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).trim().into()
    };
    (text(vendor), text(model))
}

pub fn cpuinfo() -> Vec<u8> {
    let (vendor, model) = vendor_and_model();
    let signature = __cpuid(1).eax;
    let family = (signature >> 8) & 0xf;
    let model_number = ((signature >> 4) & 0xf) | ((signature >> 12) & 0xf0);
    let mhz = crate::time::tsc_hz() / 1_000_000;
    let mut text = String::new();
    let _ = write!(
        text,
        "processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: {model_number}\n\
         model name\t: {model}\nstepping\t: {}\ncpu MHz\t\t: {mhz}.000\ncache size\t: 0 KB\n\
         physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\n\
         fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: {}\nwp\t\t: yes\nflags\t\t: {}\n\
         bogomips\t: {}.00\nclflush size\t: 64\ncache_alignment\t: 64\n\
         address sizes\t: 48 bits physical, 48 bits virtual\npower management:\n\n",
        signature & 0xf,
        __cpuid(0).eax,
        flags(),
        mhz * 2,
    );
    text.into_bytes()
}
