//! Random numbers for the application (`getrandom`, `AT_RANDOM`): RDSEED or RDRAND where
//! the CPU has them, otherwise a xoshiro256** generator seeded from the TSC and the RTC.

use spin::Mutex;

use crate::arch::cpu::{self, Features};

static FEATURES: spin::Once<Features> = spin::Once::new();
static FALLBACK: Mutex<[u64; 4]> = Mutex::new([0; 4]);

/// Seeds the fallback generator; call once at boot.
pub fn init(features: Features, seed: u64) {
    FEATURES.call_once(|| features);
    let mut state = FALLBACK.lock();
    let mut mix = seed ^ cpu::rdtsc();
    for word in state.iter_mut() {
        mix = splitmix64(&mut mix);
        *word = mix;
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn xoshiro_next(s: &mut [u64; 4]) -> u64 {
    let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
    let t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3].rotate_left(45);
    result
}

/// One random 64-bit value.
pub fn next_u64() -> u64 {
    let features = FEATURES.get().copied().unwrap_or_default();
    cpu::hardware_random(&features).unwrap_or_else(|| xoshiro_next(&mut FALLBACK.lock()))
}

/// Fills `buffer` with random bytes.
pub fn fill(buffer: &mut [u8]) {
    for chunk in buffer.chunks_mut(8) {
        let value = next_u64().to_le_bytes();
        chunk.copy_from_slice(&value[..chunk.len()]);
    }
}

/// `N` random bytes.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut buffer = [0u8; N];
    fill(&mut buffer);
    buffer
}
