//! Walking a frame-pointer chain (System V AMD64 ABI, section 3.4.1): each frame starts
//! with the caller's RBP, followed by the return address. The kernel is built with frame
//! pointers; programs built without them give a short chain.

/// The most return addresses a backtrace keeps.
pub const MAX_FRAMES: usize = 32;

/// Follows the chain from `rbp` into `addresses`, reading each frame's two words with
/// `read_frame` (`None` ends the walk), and returns how many it stored. A chain that does
/// not climb the stack ends too, so a corrupt one cannot loop.
pub fn walk(
    mut rbp: u64,
    read_frame: impl Fn(u64) -> Option<[u64; 2]>,
    addresses: &mut [u64; MAX_FRAMES],
) -> usize {
    let mut count = 0;
    while count < MAX_FRAMES && rbp != 0 && rbp.is_multiple_of(8) {
        let Some([next, return_address]) = read_frame(rbp) else {
            break;
        };
        if return_address == 0 {
            break;
        }
        addresses[count] = return_address;
        count += 1;
        if next <= rbp {
            break;
        }
        rbp = next;
    }
    count
}
