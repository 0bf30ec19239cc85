//! `textmill_text::normalize`: `normalize_for_match` and
//! `collapse_whitespace` on any UTF-8 text. Keys are trimmed and
//! single-spaced, and the ASCII fast path gives the general path's key;
//! the AVX-512 key builder (where the CPU has it) gives the portable one's.
//!
//! A key's key is not always the key: lower-casing `İ` gives `i` plus a
//! combining dot, which a second pass drops. Nothing normalises a key
//! again, so that is not asserted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use textmill_text::normalize::{
    ascii_key_padded, ascii_key_padded_portable, collapse_whitespace, normalize_for_match,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let key = normalize_for_match(&text);
    assert_eq!(key.trim(), key, "untrimmed key");
    assert!(!key.contains("  "), "double space in {key:?}");
    assert!(
        !key.chars().any(|c| c.is_whitespace() && c != ' '),
        "{key:?}"
    );
    if text.is_ascii() {
        // A right single quote vanishes without a space and is not ASCII, so
        // this is the general (NFKC) path on the same text.
        let general = normalize_for_match(&format!("{text}\u{2019}"));
        assert_eq!(key, general, "ASCII and general paths differ on {text:?}");
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' ')
        );
        let (mut fast, mut portable) = (Vec::new(), Vec::new());
        let k = ascii_key_padded(text.as_bytes(), &mut fast);
        let p = ascii_key_padded_portable(text.as_bytes(), &mut portable);
        assert_eq!(fast[..k], portable[..p], "key builders differ on {text:?}");
    }

    let collapsed = collapse_whitespace(&text);
    assert_eq!(collapsed.trim(), collapsed);
    assert_eq!(collapse_whitespace(&collapsed), collapsed);
});
