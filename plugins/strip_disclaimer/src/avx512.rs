//! AVX-512 forms of [`crate::prepare`]'s byte loops, 64 bytes a step, used
//! when [`textmill_text::avx512::available`] says the CPU has them. Each
//! returns exactly what its portable twin returns (tests compare them).

use crate::prepare::AsciiCounts;

/// [`crate::prepare::ascii_counts`] 64 bytes a step; `None` when the
/// instructions are not available.
pub(crate) fn ascii_counts(bytes: &[u8]) -> Option<AsciiCounts> {
    #[cfg(target_arch = "x86_64")]
    if textmill_text::avx512::available() {
        // SAFETY: `available` checked the CPU features the function enables.
        return Some(unsafe { x86::ascii_counts(bytes) });
    }
    let _ = bytes;
    None
}

/// [`crate::prepare::fold_digit_runs`] 64 bytes a step, into `out`
/// (cleared first); false, with `out` untouched, when the instructions are
/// not available.
pub(crate) fn fold_digit_runs(key: &[u8], out: &mut Vec<u8>) -> bool {
    #[cfg(target_arch = "x86_64")]
    if textmill_text::avx512::available() {
        out.clear();
        out.resize(key.len() + 64, 0);
        // SAFETY: `available` checked the CPU features the function enables.
        let n = unsafe { x86::fold_digit_runs(key, out) };
        out.truncate(n);
        return true;
    }
    let _ = (key, out);
    false
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use crate::prepare::{ASCII_FLAGS, AsciiCounts, R_ALPHA, R_DIGIT, R_PLAIN, R_SPACE, R_UPPER};
    use std::arch::x86_64::*;
    use textmill_text::avx512::low_bits;

    /// Each byte's `ASCII_FLAGS` by a two-register byte permutation (the
    /// index is the byte's low 7 bits, as the portable loop masks it), then
    /// one bit per byte per flag.
    ///
    /// # Safety
    /// The CPU must have the enabled features.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,popcnt")]
    pub(super) unsafe fn ascii_counts(bytes: &[u8]) -> AsciiCounts {
        // SAFETY: ASCII_FLAGS holds 128 bytes, two 64-byte loads.
        let (lo, hi) = unsafe {
            (
                _mm512_loadu_si512(ASCII_FLAGS.as_ptr().cast()),
                _mm512_loadu_si512(ASCII_FLAGS.as_ptr().add(64).cast()),
            )
        };
        let flag = |f: u8| _mm512_set1_epi8(f as i8);
        let mut c = AsciiCounts::default();
        // 1 when the byte before the step is whitespace (or there is none).
        let mut carry = 1u64;
        let mut i = 0;
        while i < bytes.len() {
            let in_text = low_bits(bytes.len() - i);
            // SAFETY: the load reads only the `in_text` bytes, all inside `bytes`.
            let x = unsafe { _mm512_maskz_loadu_epi8(in_text, bytes.as_ptr().add(i).cast()) };
            let f = _mm512_permutex2var_epi8(lo, x, hi);
            let space = _mm512_test_epi8_mask(f, flag(R_SPACE)) & in_text;
            let alpha = _mm512_test_epi8_mask(f, flag(R_ALPHA)) & in_text;
            let upper = _mm512_test_epi8_mask(f, flag(R_UPPER)) & in_text;
            let plain = _mm512_test_epi8_mask(f, flag(R_PLAIN)) & in_text;
            let digit = _mm512_test_epi8_mask(f, flag(R_DIGIT)) & in_text;
            let after_space = (space << 1) | carry;
            c.nonspace += (in_text & !space).count_ones();
            c.latin += alpha.count_ones();
            c.symbols += (in_text & !(space | alpha | plain)).count_ones();
            c.alpha_words += (alpha & after_space).count_ones();
            c.caps += (upper & after_space).count_ones();
            c.digits |= digit != 0;
            carry = space >> 63;
            i += 64;
        }
        c
    }

    /// `key` with each run of ASCII digits as one `0`, written from the
    /// start of `out`, which must hold `key.len() + 64` bytes; returns the
    /// length written. A digit is dropped when the byte before it is a
    /// digit; every kept digit becomes `0`.
    ///
    /// # Safety
    /// The CPU must have the enabled features.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,popcnt")]
    pub(super) unsafe fn fold_digit_runs(key: &[u8], out: &mut [u8]) -> usize {
        assert!(out.len() >= key.len() + 64, "output buffer too short");
        let zero = _mm512_set1_epi8(b'0' as i8);
        let nine = _mm512_set1_epi8(b'9' as i8);
        let mut k = 0usize;
        // 1 when the byte before the step is a digit.
        let mut carry = 0u64;
        let mut i = 0;
        while i < key.len() {
            let in_key = low_bits(key.len() - i);
            // SAFETY: the load reads only the `in_key` bytes, all inside `key`.
            let x = unsafe { _mm512_maskz_loadu_epi8(in_key, key.as_ptr().add(i).cast()) };
            let digit = _mm512_cmpge_epu8_mask(x, zero) & _mm512_cmple_epu8_mask(x, nine) & in_key;
            let keep = in_key & !(digit & ((digit << 1) | carry));
            let packed = _mm512_maskz_compress_epi8(keep, _mm512_mask_blend_epi8(digit, x, zero));
            // SAFETY: k <= i < key.len(), so the 64-byte store ends inside `out`.
            unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(k).cast(), packed) };
            k += keep.count_ones() as usize;
            carry = digit >> 63;
            i += 64;
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare;

    #[test]
    fn counts_and_folds_agree_with_the_portable_loops() {
        if !textmill_text::avx512::available() {
            eprintln!("no AVX-512 on this CPU: only the portable loop runs here");
            return;
        }
        // Every ASCII byte, and the ones that matter (breaks, marks,
        // digits, runs of spaces) many times over, at every length across
        // the 64-byte steps.
        let dense = "aB Z9 ,.'-\t  x\"(#*<=>?!0123456789".repeat(4);
        let alphabet: Vec<char> = (0u8..128).map(char::from).chain(dense.chars()).collect();
        for (round, text) in
            crate::tests::walk_strings(&alphabet, 0x2545_F491_4F6C_DD1D, 200, 100_000)
                .into_iter()
                .enumerate()
        {
            let text = text.into_bytes();
            let mut folded = Vec::new();
            assert!(fold_digit_runs(&text, &mut folded));
            let mut portable = Vec::new();
            prepare::fold_digit_runs_portable(&text, &mut portable);
            assert_eq!(folded, portable, "round {round}");
            assert_eq!(
                ascii_counts(&text),
                Some(prepare::ascii_counts(&text)),
                "round {round}: {:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}
