//! Which language's function words judge a line, or none.
//!
//! The classifier's strongest prose signal is function-word density
//! ([`crate::classify`]). Counted with English function words, a Russian or
//! Arabic paragraph scores like a menu and a whole foreign article goes. So
//! each document is split by writing system ([`Script`], the dominant script
//! of a line's letters) and, per script, the language whose function words
//! (NLTK lists from the `stop-words` crate; English keeps
//! `rules/stopwords-en.txt`) are densest in its longer lines is chosen
//! ([`detect`]). Lines of a script whose language is not recognised (Chinese,
//! Japanese and Thai are written without spaces; a language without a list)
//! get [`Choice::Unknown`]: the classifier abstains on them and only rules,
//! the learned layer and page structure can remove them.
//!
//! English documents pay almost nothing: when English function words are
//! dense enough in the Latin lines (counted by the one-pass loop anyway), no
//! other list is consulted.

use crate::classify::Features;
use crate::prepare::Keys;
use std::sync::OnceLock;
use textmill_text::hash::HashMapU64;
use textmill_text::hash::hash64;
use textmill_text::normalize::normalize_for_match;

/// Writing system of a line: the script of most of its letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Script {
    /// No letters (digits, symbols, blank).
    #[default]
    None = 0,
    /// Latin letters (ASCII and accented).
    Latin,
    /// Cyrillic.
    Cyrillic,
    /// Greek.
    Greek,
    /// Arabic (also Persian, Urdu).
    Arabic,
    /// Hebrew.
    Hebrew,
    /// Devanagari (Hindi, Nepali, Marathi).
    Devanagari,
    /// Bengali.
    Bengali,
    /// Tamil.
    Tamil,
    /// Han, kana and hangul: written without spaces between words (Korean
    /// has spaces, but has no list here either).
    Cjk,
    /// Thai, Lao, Khmer, Myanmar: no spaces between words.
    SoutheastAsian,
    /// Any other letters.
    Other,
}

/// Number of [`Script`] values.
pub const SCRIPTS: usize = 12;

impl Script {
    /// The script of a non-ASCII letter (ASCII letters are Latin).
    pub fn of(c: char) -> Script {
        match c as u32 {
            0x00C0..=0x024F | 0x1E00..=0x1EFF => Script::Latin,
            0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
            0x0400..=0x052F => Script::Cyrillic,
            0x0590..=0x05FF => Script::Hebrew,
            0x0600..=0x06FF
            | 0x0750..=0x077F
            | 0x08A0..=0x08FF
            | 0xFB50..=0xFDFF
            | 0xFE70..=0xFEFF => Script::Arabic,
            0x0900..=0x097F => Script::Devanagari,
            0x0980..=0x09FF => Script::Bengali,
            0x0B80..=0x0BFF => Script::Tamil,
            0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF => Script::SoutheastAsian,
            0x1100..=0x11FF
            | 0x3040..=0x30FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xAC00..=0xD7AF
            | 0xF900..=0xFAFF
            | 0x20000..=0x2FFFF => Script::Cjk,
            _ => Script::Other,
        }
    }

    /// Name used in explain output.
    pub fn as_str(self) -> &'static str {
        match self {
            Script::None => "none",
            Script::Latin => "latin",
            Script::Cyrillic => "cyrillic",
            Script::Greek => "greek",
            Script::Arabic => "arabic",
            Script::Hebrew => "hebrew",
            Script::Devanagari => "devanagari",
            Script::Bengali => "bengali",
            Script::Tamil => "tamil",
            Script::Cjk => "cjk",
            Script::SoutheastAsian => "southeast_asian",
            Script::Other => "other",
        }
    }
}

/// Letter counts per script, for a line's dominant script.
#[derive(Debug, Default, Clone, Copy)]
pub struct ScriptCounts([u32; SCRIPTS]);

impl ScriptCounts {
    /// Count one letter of script `s`.
    #[inline]
    pub fn add(&mut self, s: Script, n: u32) {
        self.0[s as usize] += n;
    }

    /// The script with most letters (None without letters; ties go to the
    /// earlier script, so Latin wins a tie).
    pub fn dominant(&self) -> Script {
        let mut best = Script::None;
        let mut most = 0;
        for (i, &n) in self.0.iter().enumerate() {
            if n > most {
                most = n;
                best = ALL_SCRIPTS[i];
            }
        }
        best
    }
}

/// Every [`Script`], in discriminant order.
const ALL_SCRIPTS: [Script; SCRIPTS] = [
    Script::None,
    Script::Latin,
    Script::Cyrillic,
    Script::Greek,
    Script::Arabic,
    Script::Hebrew,
    Script::Devanagari,
    Script::Bengali,
    Script::Tamil,
    Script::Cjk,
    Script::SoutheastAsian,
    Script::Other,
];

/// A language the classifier can judge.
#[derive(Debug)]
pub struct Language {
    /// ISO 639-1 code (the `language` parameter's value).
    pub code: &'static str,
    /// Script it is written in.
    pub script: Script,
    /// Function-word density that earns full credit in the classifier score,
    /// the counterpart of English's 0.4. Languages that attach articles,
    /// prepositions and conjunctions to words (Arabic, Hebrew) or have few
    /// articles and rich case endings (Russian and its neighbours) write
    /// fewer free function words: their news prose runs at roughly half to
    /// two thirds of the English density (measured on the paragraphs in
    /// this module's tests), so their full credit is lower.
    pub full_credit: f32,
}

const fn lang(code: &'static str, script: Script, full_credit: f32) -> Language {
    Language {
        code,
        script,
        full_credit,
    }
}

/// The languages detected, English first (index 0, its own list). All have
/// NLTK lists in the `stop-words` crate; `stop-words`' ISO lists for other
/// languages run to hundreds of content words and would make menus look like
/// prose.
pub const LANGUAGES: &[Language] = &[
    lang("en", Script::Latin, 0.4),
    lang("de", Script::Latin, 0.4),
    lang("fr", Script::Latin, 0.4),
    lang("es", Script::Latin, 0.4),
    lang("it", Script::Latin, 0.4),
    lang("pt", Script::Latin, 0.4),
    lang("nl", Script::Latin, 0.4),
    lang("sv", Script::Latin, 0.4),
    lang("da", Script::Latin, 0.4),
    lang("no", Script::Latin, 0.4),
    lang("fi", Script::Latin, 0.3),
    lang("ro", Script::Latin, 0.35),
    lang("ca", Script::Latin, 0.4),
    lang("hu", Script::Latin, 0.3),
    lang("tr", Script::Latin, 0.25),
    lang("id", Script::Latin, 0.3),
    lang("sl", Script::Latin, 0.3),
    lang("sq", Script::Latin, 0.35),
    lang("az", Script::Latin, 0.25),
    lang("eu", Script::Latin, 0.25),
    lang("uz", Script::Latin, 0.25),
    lang("ru", Script::Cyrillic, 0.25),
    lang("be", Script::Cyrillic, 0.25),
    lang("kk", Script::Cyrillic, 0.25),
    lang("tg", Script::Cyrillic, 0.25),
    lang("el", Script::Greek, 0.35),
    lang("ar", Script::Arabic, 0.2),
    lang("he", Script::Hebrew, 0.2),
    lang("ne", Script::Devanagari, 0.25),
    lang("bn", Script::Bengali, 0.25),
    lang("ta", Script::Tamil, 0.2),
];

/// Index of a language code in [`LANGUAGES`].
pub fn index_of(code: &str) -> Option<usize> {
    LANGUAGES.iter().position(|l| l.code == code)
}

/// Index of English in [`LANGUAGES`].
const EN: usize = 0;

/// Function word (hash of its normalised key) → bit set of the languages
/// listing it.
fn table() -> &'static HashMapU64<u64> {
    static TABLE: OnceLock<HashMapU64<u64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = HashMapU64::default();
        let mut add = |w: &str, i: usize| {
            let k = normalize_for_match(w);
            // Lists carry a few elided forms ("l'", "qu'") and multiword
            // entries; a key holds single words only.
            if !k.is_empty() && !k.contains(' ') {
                *t.entry(hash64(k.as_bytes())).or_insert(0) |= 1u64 << i;
            }
        };
        for w in crate::classify::stopword_list() {
            add(w, EN);
        }
        for (i, l) in LANGUAGES.iter().enumerate().skip(1) {
            for w in stop_words::lookup(l.code).unwrap_or(&[]) {
                add(w, i);
            }
        }
        t
    })
}

/// Function words of language `lang` in a key.
pub fn stop_hits(key: &str, lang: usize) -> usize {
    let t = table();
    key.split(' ')
        .filter(|w| {
            !w.is_empty()
                && t.get(&hash64(w.as_bytes()))
                    .is_some_and(|m| m >> lang & 1 == 1)
        })
        .count()
}

/// The language judging the lines of one script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// A language of [`LANGUAGES`].
    Lang(usize),
    /// Not recognised: the classifier abstains.
    Unknown,
}

/// The `language` parameter: detect per document, or one language forced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Setting {
    /// Detect (the default).
    #[default]
    Auto,
    /// Always judge lines of this language's script with its function words.
    Fixed(usize),
}

/// The language chosen for each script of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocLangs(pub [Choice; SCRIPTS], pub [bool; SCRIPTS]);

impl DocLangs {
    /// `{script: language code or "unknown"}` for the scripts the document
    /// has words in (explain output).
    pub fn to_json(&self) -> textmill_plugin_sdk::serde_json::Value {
        let mut m = textmill_plugin_sdk::serde_json::Map::new();
        for (i, script) in ALL_SCRIPTS.iter().enumerate().skip(1) {
            if self.1[i] {
                let v = match self.0[i] {
                    Choice::Lang(l) => LANGUAGES[l].code,
                    Choice::Unknown => "unknown",
                };
                m.insert(script.as_str().into(), v.into());
            }
        }
        m.into()
    }

    /// The choice for lines of script `s`.
    pub fn of(&self, s: Script) -> Choice {
        self.0[s as usize]
    }

    /// True when every line is judged as before: English (or no letters).
    pub fn all_english(&self) -> bool {
        self.0.iter().all(|&c| c == Choice::Lang(EN))
    }
}

/// Lines with at least this many words probe a document's language: long
/// lines are where stories are, and where a wrong language costs most.
const PROBE_WORDS: usize = 8;
/// English wins the Latin script outright when its function words make this
/// share of the probe words. English news prose runs at 0.4–0.5; German,
/// French or Spanish prose reaches about 0.05–0.1 with English words ("in",
/// "a", "an", "so", "die"); an English page of headlines and tags sits near
/// 0.1–0.2, which is why the bar is not higher.
const ENGLISH_SURE: f32 = 0.2;
/// A language is recognised when its function words reach this share of its
/// full credit in the probe words (prose reaches about one).
const RECOGNISED: f32 = 0.3;

/// Choose a language for each script of a document (see the module docs).
pub fn detect(setting: Setting, keys: &Keys) -> DocLangs {
    let feats = &keys.feats;
    let mut out = [Choice::Lang(EN); SCRIPTS];
    // Words per script in probe lines, and in all lines (a page without a
    // long line is probed with all its lines).
    let mut probe_words = [0usize; SCRIPTS];
    let mut all_words = [0usize; SCRIPTS];
    let mut en_hits = 0f32;
    for f in feats {
        let s = f.script as usize;
        all_words[s] += f.words;
        if f.words >= PROBE_WORDS {
            probe_words[s] += f.words;
            if f.script == Script::Latin {
                en_hits += f.stop_density * f.words as f32;
            }
        }
    }
    let fixed = match setting {
        Setting::Fixed(l) => Some(l),
        Setting::Auto => None,
    };
    for s in 1..SCRIPTS {
        if all_words[s] == 0 {
            continue;
        }
        if let Some(l) = fixed.filter(|&l| LANGUAGES[l].script as usize == s) {
            out[s] = Choice::Lang(l);
            continue;
        }
        // The common case costs nothing more: English dense in Latin lines.
        if s == Script::Latin as usize
            && probe_words[s] > 0
            && en_hits / probe_words[s] as f32 >= ENGLISH_SURE
        {
            continue;
        }
        let use_probe = probe_words[s] > 0;
        let mut hits = [0usize; 64];
        let mut total = 0usize;
        let t = table();
        for (i, f) in feats.iter().enumerate() {
            if f.script as usize != s || (use_probe && f.words < PROBE_WORDS) {
                continue;
            }
            for w in keys.key(i).split(' ').filter(|w| !w.is_empty()) {
                total += 1;
                if let Some(&m) = t.get(&hash64(w.as_bytes())) {
                    let mut m = m;
                    while m != 0 {
                        hits[m.trailing_zeros() as usize] += 1;
                        m &= m - 1;
                    }
                }
            }
        }
        // Best language of this script by share of its full credit. English,
        // when recognised at all, keeps the page: short English words ("in",
        // "a", "on") are function words in several lists, and a language
        // with a lower full credit would otherwise outscore it on them.
        let mut best = None;
        let mut best_score = 0f32;
        for (i, l) in LANGUAGES.iter().enumerate() {
            if l.script as usize != s || total == 0 {
                continue;
            }
            if best == Some(EN) && best_score >= RECOGNISED {
                break;
            }
            let score = hits[i] as f32 / total as f32 / l.full_credit;
            if score > best_score {
                best_score = score;
                best = Some(i);
            }
        }
        let latin = s == Script::Latin as usize;
        let english =
            total > 0 && hits[EN] as f32 / total as f32 / LANGUAGES[EN].full_credit >= RECOGNISED;
        out[s] = match best {
            // On an English page of lists (names, archives, a Bible's
            // language menu) English words are sparse and "de", "a" or "la"
            // may outnumber them; another language takes a Latin page from
            // English only with twice its function words.
            Some(i)
                if best_score >= RECOGNISED && !(latin && i != EN && hits[i] < 2 * hits[EN]) =>
            {
                Choice::Lang(i)
            }
            _ if latin && english => Choice::Lang(EN),
            // A Latin page read by no list (Polish, Czech, Vietnamese) is a
            // language we cannot read only when its long lines are
            // sentences; lists, menus and headlines are judged as English,
            // as before.
            _ if latin && !(use_probe && mostly_sentences(feats, Script::Latin)) => {
                Choice::Lang(EN)
            }
            _ => Choice::Unknown,
        };
    }
    DocLangs(out, all_words.map(|w| w > 0))
}

/// True when most probe words of `script` are in lines ending like a
/// sentence: prose, whatever the language, rather than a list.
fn mostly_sentences(feats: &[Features], script: Script) -> bool {
    let (mut terminal, mut all) = (0, 0);
    for f in feats {
        if f.script == script && f.words >= PROBE_WORDS {
            all += f.words;
            if f.terminal {
                terminal += f.words;
            }
        }
    }
    2 * terminal > all
}

/// Letters of each script in a text.
pub fn letters_by_script(text: &str) -> [usize; SCRIPTS] {
    let mut n = [0usize; SCRIPTS];
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            n[Script::Latin as usize] += 1;
        } else if !c.is_ascii() && c.is_alphabetic() {
            n[Script::of(c) as usize] += 1;
        }
    }
    n
}

/// Letters that make a line of a script without word spaces (Chinese,
/// Japanese, Thai) as long as a [`crate::classify::SHORT_WORDS`]-word line:
/// a Chinese word averages under two characters, so fifteen characters are
/// a clause, while menu entries and section names run to two to six.
const UNSPACED_LONG_LETTERS: usize = 15;

/// A line of an unrecognised language long enough to be judged prose
/// without reading it: [`crate::classify::SHORT_WORDS`] words, or for a
/// script written without spaces, [`UNSPACED_LONG_LETTERS`] letters.
pub fn is_long(f: &Features, raw: &str) -> bool {
    if f.words >= crate::classify::SHORT_WORDS {
        return true;
    }
    matches!(f.script, Script::Cjk | Script::SoutheastAsian)
        && raw.chars().filter(|c| c.is_alphabetic()).count() >= UNSPACED_LONG_LETTERS
}

/// Features of line `i` as the document's language judges them: the stop
/// density rescaled to English's scale (so the classifier's formula and
/// thresholds stay as they are), or None when the classifier must abstain.
pub fn judge(langs: &DocLangs, f: &Features, key: &str) -> Option<Features> {
    match langs.of(f.script) {
        Choice::Lang(EN) => Some(*f),
        Choice::Lang(l) => {
            let d = if f.words == 0 {
                0.0
            } else {
                stop_hits(key, l) as f32 / f.words as f32
            };
            Some(Features {
                stop_density: (d * LANGUAGES[EN].full_credit / LANGUAGES[l].full_credit).min(1.0),
                ..*f
            })
        }
        Choice::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use textmill_text::lines::lines;

    fn langs_of(text: &str) -> (DocLangs, Keys) {
        let ls = lines(text);
        let k = Keys::new(&ls, text.len());
        (detect(Setting::Auto, &k), k)
    }

    #[test]
    fn every_listed_language_has_function_words() {
        for (i, l) in LANGUAGES.iter().enumerate() {
            assert!(
                table().values().any(|m| m >> i & 1 == 1),
                "no function words for {}",
                l.code
            );
        }
        assert!(LANGUAGES.len() <= 64);
    }

    #[test]
    fn scripts_of_letters() {
        assert_eq!(Script::of('ж'), Script::Cyrillic);
        assert_eq!(Script::of('ع'), Script::Arabic);
        assert_eq!(Script::of('ש'), Script::Hebrew);
        assert_eq!(Script::of('中'), Script::Cjk);
        assert_eq!(Script::of('é'), Script::Latin);
        assert_eq!(Script::of('ก'), Script::SoutheastAsian);
    }

    #[test]
    fn news_prose_is_recognised_by_its_function_words() {
        let cases = [
            (
                "The ceasefire talks continued on Sunday, and the spokesperson said that both sides had agreed to meet again.",
                Script::Latin,
                "en",
            ),
            (
                "Die Gespräche über eine Waffenruhe wurden am Sonntag fortgesetzt, sagte ein Sprecher des Außenministeriums.",
                Script::Latin,
                "de",
            ),
            (
                "Les négociations sur le cessez-le-feu se sont poursuivies dimanche, a déclaré le porte-parole du ministère.",
                Script::Latin,
                "fr",
            ),
            (
                "Las conversaciones sobre el alto el fuego continuaron el domingo, según dijo el portavoz del ministerio a los periodistas.",
                Script::Latin,
                "es",
            ),
            (
                "По его словам, стороны обсудили вопросы обмена пленными и гуманитарных коридоров, однако договорённости пока не достигнуты.",
                Script::Cyrillic,
                "ru",
            ),
            (
                "واستمرت محادثات وقف إطلاق النار يوم الأحد في الرياض، بحسب ما قاله المتحدث باسم الوزارة للصحفيين.",
                Script::Arabic,
                "ar",
            ),
        ];
        for (text, script, code) in cases {
            let (l, _) = langs_of(text);
            assert_eq!(
                l.of(script),
                Choice::Lang(index_of(code).unwrap_or(99)),
                "{text}"
            );
        }
    }

    #[test]
    fn chinese_is_unknown_and_english_pages_stay_english() {
        let (l, _) = langs_of(
            "新华社北京3月2日电 国务院总理在人民大会堂会见了来访的外国代表团，双方就经贸合作交换了意见。\n",
        );
        assert_eq!(l.of(Script::Cjk), Choice::Unknown);
        let (l, _) = langs_of("Home | World | Business | Sport\nSign in\n");
        assert!(l.all_english());
    }
}
