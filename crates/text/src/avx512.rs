//! AVX-512 forms of the hottest byte loops, chosen at run time: 64 bytes a
//! step where [`crate::swar`] takes 8, with one bit per byte in a `u64`
//! mask instead of one byte per byte. Each function here returns exactly
//! what its portable twin returns (tests compare them on random and real
//! text); callers take the portable loop when [`available`] is false (other
//! CPUs and architectures).
//!
//! Why it pays: a news line's key is mostly letters and single spaces, but a
//! comma or a quote every few words sent the portable loop down its slow
//! branch; here a break, a dropped byte and a letter cost the same, and the
//! kept bytes are packed by one instruction (`vpcompressb`).

use std::sync::atomic::{AtomicU8, Ordering};

/// 0 not yet checked, 1 absent, 2 present.
static PRESENT: AtomicU8 = AtomicU8::new(0);

/// True when this CPU has the instructions the functions here need
/// (AVX-512 F, BW, VBMI, VBMI2, and BMI2), checked once per process. The
/// environment variable `TEXTMILL_NO_AVX512` (any value) turns them off, to
/// compare or to test the portable loops on the same machine.
pub fn available() -> bool {
    match PRESENT.load(Ordering::Relaxed) {
        2 => true,
        1 => false,
        _ => {
            let here = detect() && std::env::var_os("TEXTMILL_NO_AVX512").is_none();
            PRESENT.store(if here { 2 } else { 1 }, Ordering::Relaxed);
            here
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn detect() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vbmi")
        && std::is_x86_feature_detected!("avx512vbmi2")
        && std::is_x86_feature_detected!("bmi2")
        && std::is_x86_feature_detected!("popcnt")
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> bool {
    false
}

/// [`crate::normalize::ascii_key_padded`] 64 bytes a step: the same key
/// written to `out` with 64 or more bytes of slack after it, and its
/// length; `None` when [`available`] is false.
pub fn ascii_key_padded(bytes: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if available() {
        let start = out.len();
        out.resize(start + bytes.len() + 64, 0);
        // SAFETY: `available` checked the CPU features the function enables.
        return Some(unsafe { x86::ascii_key(bytes, &mut out[start..]) });
    }
    let _ = (bytes, out);
    None
}

/// The mask of the `n` lowest bits (all 64 from `n = 64` up): the bytes
/// of a 64-byte step that lie inside a text `n` bytes from its end.
#[inline]
pub fn low_bits(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::low_bits;
    use crate::normalize::{BREAK, ascii_class};
    use std::arch::x86_64::*;

    /// [`ascii_class`] of every byte value below 128, with a word break as
    /// a space: the key byte each byte stands for (0: dropped). 128 entries,
    /// the two halves of one two-register byte permutation.
    static KEY_BYTE: [u8; 128] = {
        let mut t = [0u8; 128];
        let mut i = 0;
        while i < 128 {
            let c = ascii_class(i as u8);
            t[i] = if c == BREAK { b' ' } else { c };
            i += 1;
        }
        t
    };

    /// The key of `bytes` written from the start of `key`, which must hold
    /// `bytes.len() + 64` bytes; returns its length.
    ///
    /// Per 64 bytes: each byte's key byte by table (a letter lowercased, a
    /// digit, a space for a break, 0 dropped), then which to keep: every
    /// letter and digit, and a break only when the last byte before it that
    /// was not dropped is a letter or digit (so runs of breaks give one
    /// space and the key never starts with one). That rule looks past the
    /// dropped bytes, so it is applied with the dropped bytes squeezed out
    /// (`pext`) and spread back (`pdep`). A trailing space is taken back at
    /// the end, as the portable loop does.
    ///
    /// # Safety
    /// The CPU must have the enabled features.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    pub(super) unsafe fn ascii_key(bytes: &[u8], key: &mut [u8]) -> usize {
        let n = bytes.len();
        assert!(key.len() >= n + 64, "key buffer too short");
        // SAFETY: KEY_BYTE holds 128 bytes, two 64-byte loads.
        let (lo, hi) = unsafe {
            (
                _mm512_loadu_si512(KEY_BYTE.as_ptr().cast()),
                _mm512_loadu_si512(KEY_BYTE.as_ptr().add(64).cast()),
            )
        };
        let space = _mm512_set1_epi8(b' ' as i8);
        let mut k = 0usize;
        // 1 when the last byte kept or broken on so far is a letter or digit.
        let mut after_word = 0u64;
        let mut i = 0;
        while i < n {
            let in_text = low_bits(n - i);
            // SAFETY: the load reads only the `in_text` bytes, all inside `bytes`.
            let x = unsafe { _mm512_maskz_loadu_epi8(in_text, bytes.as_ptr().add(i).cast()) };
            // The table index is the byte's low 7 bits, as `ascii_class` masks it.
            let m = _mm512_permutex2var_epi8(lo, x, hi);
            let counted = _mm512_test_epi8_mask(m, m) & in_text;
            let breaks = _mm512_cmpeq_epi8_mask(m, space) & counted;
            let words = counted & !breaks;
            let c = counted.count_ones();
            let words_squeezed = _pext_u64(words, counted);
            let breaks_squeezed = !words_squeezed & low_bits(c as usize);
            let spaces = breaks_squeezed & ((words_squeezed << 1) | after_word);
            let keep = words | _pdep_u64(spaces, counted);
            let packed = _mm512_maskz_compress_epi8(keep, m);
            // SAFETY: k <= i < n (the key never outruns the text), so the
            // 64-byte store ends inside `key`, which holds n + 64 bytes.
            unsafe { _mm512_storeu_si512(key.as_mut_ptr().add(k).cast(), packed) };
            k += keep.count_ones() as usize;
            if c > 0 {
                after_word = (words_squeezed >> (c - 1)) & 1;
            }
            i += 64;
        }
        if after_word == 0 && k > 0 {
            k -= 1;
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize;

    /// The portable key of `bytes`.
    fn portable_key(bytes: &[u8]) -> Vec<u8> {
        let mut out = b"prefix".to_vec();
        let k = normalize::ascii_key_padded_portable(bytes, &mut out);
        out[6..6 + k].to_vec()
    }

    #[test]
    fn keys_agree_with_the_portable_loop() {
        if !available() {
            eprintln!("no AVX-512 on this CPU: only the portable loop runs here");
            return;
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Texts dense in the bytes that matter (breaks, dropped marks, runs
        // of spaces), with every ASCII byte now and then, of every length
        // across the 64-byte steps.
        let pool = b"ab Z9 ,.'-\t  x\"(";
        for round in 0..100_000 {
            let len = (next() % 200) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 6 == 0 {
                        (r >> 20) as u8 & 0x7f
                    } else {
                        pool[(r >> 8) as usize % pool.len()]
                    }
                })
                .collect();
            let mut out = b"prefix".to_vec();
            let k = ascii_key_padded(&text, &mut out).expect("available");
            assert!(out.len() >= 6 + k + 64, "slack after the key");
            assert_eq!(
                out[6..6 + k],
                portable_key(&text)[..],
                "round {round}: {:?}",
                String::from_utf8_lossy(&text)
            );
        }
        for text in [
            "",
            " ",
            "   , ,  ",
            "Hello,   WORLD! ",
            "'quoted' -- (aside) end.",
            "U.S. don't 1,000",
        ] {
            let mut out = Vec::new();
            let k = ascii_key_padded(text.as_bytes(), &mut out).expect("available");
            assert_eq!(out[..k], portable_key(text.as_bytes())[..], "{text:?}");
        }
    }
}
