//! Eight bytes at a time in one `u64` (SIMD within a register): a
//! little-endian load, and per-byte comparisons that leave the high bit of
//! each matching byte set and no other bit. The key builders, the line
//! feature counts and the phrase search of the stages read text this way.

/// Every byte 0x01.
pub const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
pub const HIGH: u64 = 0x8080_8080_8080_8080;

/// The first eight bytes of `b` as a little-endian integer.
///
/// # Panics
/// If `b` is shorter than eight bytes (callers load only where eight bytes are).
#[inline]
pub fn load8(b: &[u8]) -> u64 {
    load8_at(b, 0)
}

/// The eight bytes of `b` from `at` as a little-endian integer (one bounds
/// check, where `load8(&b[at..])` makes two).
///
/// # Panics
/// If fewer than eight bytes follow `at`.
#[inline]
pub fn load8_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// High bit of each byte of `v` that is at least `lo` (at most 0x80).
/// Exact when every byte of `v` is ASCII: adding less than 0x80 to a byte
/// below 0x80 never carries into the next.
#[inline]
pub fn at_least(v: u64, lo: u8) -> u64 {
    v.wrapping_add(ONES * u64::from(0x80 - lo)) & HIGH
}

/// High bit of each byte of `v` that equals `b`, for any bytes (the exact
/// form of the zero-byte test, with no false positives).
#[inline]
pub fn equal_to(v: u64, b: u8) -> u64 {
    let t = v ^ (ONES * u64::from(b));
    !((t & !HIGH).wrapping_add(!HIGH) | t | !HIGH)
}

/// Index of the first byte of `bytes` that is not ASCII, eight bytes at a time.
#[inline]
pub fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let high = load8(c) & HIGH;
        if high != 0 {
            return Some(at + high.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| !b.is_ascii())
        .map(|i| at + i)
}

/// Bit `i` set where byte `i` of a 64-byte block is `a` or `b` (pass the
/// same byte twice for one). A loop over the set bits then visits them in
/// order, with one mispredicted exit per block rather than one per match.
#[inline]
pub fn block_bits(block: &[u8; 64], a: u8, b: u8) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SSE2 is part of x86-64 itself: no CPU check is needed.
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8,
        };
        let mut bits = 0u64;
        // SAFETY: SSE2 is always present on x86-64, and each load reads 16
        // of the block's 64 bytes.
        unsafe {
            let (va, vb) = (_mm_set1_epi8(a as i8), _mm_set1_epi8(b as i8));
            for i in 0..4 {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * i).cast::<__m128i>());
                let m = _mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb));
                bits |= u64::from(_mm_movemask_epi8(m) as u16) << (16 * i);
            }
        }
        bits
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        block_bits_portable(block, a, b)
    }
}

/// [`block_bits`] eight bytes at a time with [`equal_to`], on any CPU: the
/// form used off x86-64, compiled and tested everywhere.
#[inline]
pub fn block_bits_portable(block: &[u8; 64], a: u8, b: u8) -> u64 {
    let mut bits = 0u64;
    for (i, c) in block.chunks_exact(8).enumerate() {
        // One bit per byte (the high bit, moved to the low one), gathered
        // into the top byte by the multiply, then put in place.
        let w = load8(c);
        let m = (equal_to(w, a) | equal_to(w, b)) >> 7;
        bits |= (m.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * i);
    }
    bits
}

/// Call `f(block_start, bits)` for each 64-byte block of `bytes` with its
/// [`block_bits`] for `a` and `b`; the last part block is padded with zero
/// bytes, which are never marked (`a` and `b` must not be zero).
#[inline]
pub fn for_each_block(bytes: &[u8], a: u8, b: u8, mut f: impl FnMut(usize, u64)) {
    let (blocks, rest) = bytes.as_chunks::<64>();
    for (k, block) in blocks.iter().enumerate() {
        f(64 * k, block_bits(block, a, b));
    }
    if !rest.is_empty() {
        let mut padded = [0u8; 64];
        padded[..rest.len()].copy_from_slice(rest);
        f(64 * blocks.len(), block_bits(&padded, a, b));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The masks byte by byte, as a plain loop would compute them.
    fn by_bytes(v: u64, f: impl Fn(u8) -> bool) -> u64 {
        let mut m = 0;
        for (i, b) in v.to_le_bytes().into_iter().enumerate() {
            if f(b) {
                m |= 0x80 << (8 * i);
            }
        }
        m
    }

    #[test]
    fn the_first_non_ascii_byte_is_found_at_every_offset() {
        for len in 0..40 {
            let ascii = vec![b'a'; len];
            assert_eq!(first_non_ascii(&ascii), None);
            for at in 0..len {
                for b in [0x80u8, 0xC3, 0xFF] {
                    let mut v = ascii.clone();
                    v[at] = b;
                    // A later non-ASCII byte does not move the answer.
                    if at + 1 < len {
                        v[len - 1] = 0xE2;
                    }
                    assert_eq!(first_non_ascii(&v), Some(at), "{v:?}");
                }
            }
        }
    }

    #[test]
    fn masks_agree_with_byte_comparisons() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ascii = x & !HIGH;
            for probe in [0u8, b'\t', b' ', b'0', b'a', b'z' + 1, 0x7f, 0x80] {
                assert_eq!(at_least(ascii, probe), by_bytes(ascii, |b| b >= probe));
                assert_eq!(equal_to(x, probe), by_bytes(x, |b| b == probe));
                assert_eq!(equal_to(ascii, probe), by_bytes(ascii, |b| b == probe));
            }
        }
        assert_eq!(load8(b"abcdefghi"), u64::from_le_bytes(*b"abcdefgh"));
        assert_eq!(load8_at(b"abcdefghi", 1), u64::from_le_bytes(*b"bcdefghi"));
    }

    #[test]
    fn block_bits_mark_the_bytes_in_order_on_every_path() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..5_000 {
            let mut block = [0u8; 64];
            for byte in &mut block {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Dense in the probed bytes, with high bytes too.
                *byte = [b'\n', b'\r', b' ', 0x8a, 0xff][(x % 5) as usize]
                    ^ u8::from((x >> 8).is_multiple_of(3));
            }
            for (a, b) in [(b'\n', b'\r'), (b' ', b' '), (0x8a, 0xff)] {
                let expected = (0..64)
                    .filter(|&i| block[i] == a || block[i] == b)
                    .fold(0u64, |m, i| m | 1 << i);
                assert_eq!(block_bits(&block, a, b), expected);
                assert_eq!(block_bits_portable(&block, a, b), expected);
            }
        }
    }
}
