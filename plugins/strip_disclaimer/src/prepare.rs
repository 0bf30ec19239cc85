//! One pass over a document's lines: the normalised key of every line, all
//! kept in one buffer (lines joined by a space), which is also the haystack
//! of the phrase automaton.
//!
//! Keys are exactly [`normalize_for_match`]'s output. That function runs NFKC
//! on any non-ASCII line, which dominated this stage's profile (typographic
//! quotes make most news lines non-ASCII). [`push_key`] takes a fast path for
//! lines whose characters are ASCII, whitespace, a few typographic marks and
//! precomposed Latin letters (all of which NFKC leaves alone or maps to a
//! space) and falls back to the shared function for anything else, so the
//! keys cannot differ (a unit test checks the two agree).

use textmill_text::lines::Line;
use textmill_text::normalize::normalize_for_match;

/// Normalised keys of a document's lines.
#[derive(Debug, Default)]
pub struct Keys {
    /// Keys joined by single spaces (a blank line leaves a double space).
    pub joined: String,
    /// Byte span of each line's key in `joined`.
    pub spans: Vec<(usize, usize)>,
}

impl Keys {
    /// Build the keys of `lines`.
    pub fn new(lines: &[Line<'_>], capacity: usize) -> Keys {
        let mut k = Keys {
            joined: String::with_capacity(capacity + lines.len()),
            spans: Vec::with_capacity(lines.len()),
        };
        for l in lines {
            let s = k.joined.len();
            push_key(l.text, &mut k.joined);
            k.spans.push((s, k.joined.len()));
            k.joined.push(' ');
        }
        k
    }

    /// The key of line `i`.
    pub fn key(&self, i: usize) -> &str {
        let (s, e) = self.spans[i];
        &self.joined[s..e]
    }
}

/// What a character does to a key.
enum Role {
    /// Kept, lowercased.
    Alnum,
    /// Becomes a word break.
    Break,
    /// Dropped.
    Vanish,
    /// NFKC might change it: use the shared function.
    Slow,
}

#[inline]
fn role(c: char) -> Role {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Role::Alnum
        } else if c.is_ascii_whitespace()
            || c == '\u{0B}'
            || matches!(
                c,
                '-' | '/'
                    | '\\'
                    | '|'
                    | ','
                    | ';'
                    | ':'
                    | '('
                    | ')'
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '<'
                    | '>'
                    | '_'
            )
        {
            Role::Break
        } else {
            Role::Vanish
        };
    }
    match c {
        // NFKC maps these spaces to U+0020 or keeps them as whitespace.
        c if c.is_whitespace() => Role::Break,
        // Separators that NFKC leaves alone (normalize.rs `is_separator_punct`).
        '–' | '—' | '·' | '•' => Role::Break,
        // Punctuation and symbols without a compatibility decomposition.
        '‘' | '’' | '“' | '”' | '«' | '»' | '£' | '€' | '©' | '®' | '°' | '§' | '¶' | '¢' | '¥'
        | '×' | '÷' | '¡' | '¿' | '¦' | '¬' => Role::Vanish,
        // Precomposed Latin letters without compatibility decompositions
        // (Ĳ ĳ Ŀ ŀ ŉ ſ have them).
        '\u{C0}'..='\u{FF}' | '\u{100}'..='\u{17E}'
            if !matches!(c, '\u{132}' | '\u{133}' | '\u{13F}' | '\u{140}' | '\u{149}') =>
        {
            Role::Alnum
        }
        _ => Role::Slow,
    }
}

/// Byte classes of ASCII: 0 vanish, 1 alphanumeric, 2 break.
const ASCII_CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = if c.is_ascii_alphanumeric() {
            1
        } else if matches!(
            c,
            b' ' | b'\t'
                | b'\n'
                | b'\r'
                | 0x0B
                | 0x0C
                | b'-'
                | b'/'
                | b'\\'
                | b'|'
                | b','
                | b';'
                | b':'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'<'
                | b'>'
                | b'_'
        ) {
            2
        } else {
            0
        };
        i += 1;
    }
    t
};

/// The ASCII fast path of [`push_key`]: a byte loop, no char decoding.
fn push_ascii_key(bytes: &[u8], out: &mut String, start: usize) {
    let mut pending = false;
    for &b in bytes {
        match ASCII_CLASS[(b & 0x7F) as usize] {
            1 => {
                if pending && out.len() > start {
                    out.push(' ');
                }
                pending = false;
                out.push(char::from(b.to_ascii_lowercase()));
            }
            2 => pending = true,
            _ => {}
        }
    }
}

/// Append the normalised key of `text` to `out`; identical to `normalize_for_match(text)`.
pub fn push_key(text: &str, out: &mut String) {
    let start = out.len();
    let mut pending = false;
    if text.is_ascii() {
        // Most lines: a byte loop with no char decoding.
        push_ascii_key(text.as_bytes(), out, start);
        return;
    }
    for c in text.chars() {
        match role(c) {
            Role::Alnum => {
                if pending && out.len() > start {
                    out.push(' ');
                }
                pending = false;
                if c.is_ascii() {
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.extend(c.to_lowercase());
                }
            }
            Role::Break => pending = true,
            Role::Vanish => {}
            Role::Slow => {
                out.truncate(start);
                out.push_str(&normalize_for_match(text));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast(s: &str) -> String {
        let mut o = String::new();
        push_key(s, &mut o);
        o
    }

    #[test]
    fn fast_keys_equal_the_shared_normaliser() {
        let alphabet: Vec<char> =
            "aZ9 \t-/|,.;:'\"()!?_…–—·•‘’“”«»£€©®°×éÉßÿŁłĲŀ™½ﬁ\u{A0}\u{2009}\u{301}Жх中"
                .chars()
                .collect();
        // A fixed pseudo-random walk over the alphabet (no test dependency on a RNG crate).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..5000 {
            let mut s = String::new();
            for _ in 0..(x % 24) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push(alphabet[(x % alphabet.len() as u64) as usize]);
            }
            x = x.wrapping_add(1);
            assert_eq!(fast(&s), normalize_for_match(&s), "input {s:?}");
        }
        let seed = include_str!("../tests_fixtures/menafn-kursk.txt");
        for l in seed.lines() {
            assert_eq!(fast(l), normalize_for_match(l));
        }
    }

    #[test]
    fn keys_are_joined_with_spans() {
        let text = "A b\n\nC-d";
        let ls = textmill_text::lines::lines(text);
        let k = Keys::new(&ls, text.len());
        assert_eq!(k.joined, "a b  c d ");
        assert_eq!((k.key(0), k.key(1), k.key(2)), ("a b", "", "c d"));
    }
}
