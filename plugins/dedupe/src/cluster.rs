//! Deciding duplicates from the merged records: exact hashes, MinHash LSH
//! candidates and shared-sentence candidates, confirmed pair by pair, then
//! clustered with union-find.

use crate::config::Config;
use crate::features::sentence_words;
use crate::lsh::estimate_jaccard;
use crate::state::Corpus;
use std::collections::HashMap;
use textmill_text::hash::hash64_seeded;

/// How many earlier members of an LSH bucket a document is compared with.
/// Buckets larger than this are almost always one cluster already (each
/// member was joined to the first ones), so the cap bounds work on huge
/// clusters without losing pairs that matter.
const BUCKET_COMPARE: usize = 16;

/// Most words one sentence counts for. News sentences run 20-25 words
/// (p95 near 40); a far longer "sentence" is a list or table the splitter
/// could not cut (an awards list, a results table), and one such block shared
/// by two pages must not outweigh the rest of their text.
const MAX_SENTENCE_WEIGHT: u64 = 40;

/// Weight of a packed sentence entry.
fn weight_of(entry: u64) -> u64 {
    sentence_words(entry).min(MAX_SENTENCE_WEIGHT)
}

/// How many of its rarest common sentences a document looks up (see `cluster`).
const ANCHORS: usize = 3;

/// Of a document's anchor sentences, how many another document must hold to
/// be compared with it (all of them when it has fewer). A copy holds its
/// original's rarest sentences; a page that shares a common sentence or two
/// by chance rarely holds all three. Without this the comparisons grow with
/// the square of the corpus (the boilerplate cut, and so an anchor's
/// document count, grows with it). A truncated copy that lacks some of the
/// longer document's anchors is found from its own side: the longer one
/// holds all of its. On the 1 GB benchmark corpus, against comparing with
/// every holder: duplicate precision 0.9841 -> 0.9933, recall 0.9998 ->
/// 0.9974 (2 of 3 anchors: 0.9886 / 0.9998).
const ANCHORS_SHARED: usize = 3;

/// Documents whose anchor pairs are gathered and checked together.
const ANCHOR_BLOCK: usize = 4096;

/// What happens to one document.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Kept; `duplicates` other copies were removed in its favour.
    Survivor {
        /// Number of removed copies.
        duplicates: u64,
        /// The lines within-document dedupe removes from it (line numbers, ascending).
        removed_lines: Box<[u32]>,
    },
    /// Removed as a copy of `of`.
    Duplicate {
        /// The surviving id.
        of: String,
        /// MinHash estimate of Jaccard similarity with the survivor.
        similarity: f64,
        /// Share of the smaller document's sentence text found in the other, in order.
        containment: f64,
        /// Same normalised text as the survivor.
        exact: bool,
    },
}

/// One cluster of two or more documents.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClusterReport {
    /// Cluster number, in order of the survivor's position.
    pub cluster: usize,
    /// Surviving id.
    pub survivor: String,
    /// Whether the survivor comes from `index_in`.
    pub survivor_from_index: bool,
    /// Number of documents, survivor included.
    pub size: usize,
    /// The removed members.
    pub removed: Vec<ReportMember>,
}

/// A removed member in a [`ClusterReport`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportMember {
    /// Its id.
    pub id: String,
    /// MinHash Jaccard estimate with the survivor.
    pub similarity: f64,
    /// Sentence containment with the survivor.
    pub containment: f64,
}

/// The outcome of clustering.
#[derive(Debug, Default)]
pub struct Clustering {
    /// Decision per current-run ordinal (documents from `index_in` are not here).
    pub decisions: HashMap<u64, Decision>,
    /// Every cluster of two or more.
    pub clusters: Vec<ClusterReport>,
    /// Pairs confirmed (exact, LSH, containment) and LSH candidates rejected.
    pub counts: PairCounts,
}

/// Pair counters, for stats and tuning.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct PairCounts {
    /// Exact-hash matches.
    pub exact: u64,
    /// LSH candidates checked.
    pub lsh_candidates: u64,
    /// LSH candidates confirmed by estimated Jaccard.
    pub lsh_confirmed: u64,
    /// Shared-sentence candidates checked.
    pub sentence_candidates: u64,
    /// Confirmed by containment.
    pub containment_confirmed: u64,
}

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let parent = self.0[x as usize];
            self.0[x as usize] = self.0[parent as usize];
            x = parent;
        }
        x
    }
    /// Join two sets; the smaller index becomes the root, so roots are the
    /// first member in order.
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi as usize] = lo;
        }
    }
}

/// Sentence evidence: document frequencies and the boilerplate cut.
struct Evidence {
    /// `(sentence, document frequency)`, sorted: half the memory of a hash
    /// map at ten million documents, and lookups are rare enough.
    df: Vec<(u64, u32)>,
    cut: usize,
}

impl Evidence {
    /// Document frequency of a sentence, if it is in the table. Sentences of
    /// exact copies were not counted; they have the representative's, which is.
    fn frequency(&self, s: u64) -> Option<usize> {
        let k = self.df.binary_search_by_key(&s, |e| e.0).ok()?;
        Some(self.df[k].1 as usize)
    }

    /// Whether a sentence counts as shared text (it is not boilerplate).
    fn counts(&self, s: u64) -> bool {
        self.frequency(s).is_some_and(|d| d <= self.cut)
    }

    /// Non-boilerplate sentence weight (words) of a document, and the part
    /// of it in sentences found in at most `rare_df` documents.
    fn weights(&self, sentences: &[u64], rare_df: usize) -> (u64, u64) {
        let (mut all, mut rare) = (0, 0);
        for &s in sentences {
            match self.frequency(s) {
                Some(df) if df <= self.cut => {
                    all += weight_of(s);
                    if df <= rare_df {
                        rare += weight_of(s);
                    }
                }
                _ => {}
            }
        }
        (all, rare)
    }

    /// Weight of the heaviest run of non-boilerplate sentences the two
    /// documents share in the same order (a weighted longest common
    /// subsequence). A syndicated copy keeps the story's order, with a
    /// sentence added, dropped or cut off at the end; a page assembled from
    /// the same sources in another order shares sentences but not their order.
    fn ordered_shared(&self, a: &[u64], b: &[u64]) -> u64 {
        let mut pos_b: Vec<(u64, u32)> =
            b.iter().enumerate().map(|(j, &s)| (s, j as u32)).collect();
        pos_b.sort_unstable();
        // Sentences are distinct within a document, so each sentence of `a`
        // matches at most one of `b`: the LCS is the heaviest increasing
        // subsequence of matched positions in `b`.
        let matches: Vec<(u32, u64)> = a
            .iter()
            .filter_map(|&s| {
                let k = pos_b.binary_search_by_key(&s, |p| p.0).ok()?;
                Some((pos_b[k].1, s))
            })
            .filter(|&(_, s)| self.counts(s))
            .map(|(j, s)| (j, weight_of(s)))
            .collect();
        let mut best: Vec<u64> = Vec::with_capacity(matches.len());
        let mut top = 0;
        for (k, &(j, w)) in matches.iter().enumerate() {
            let prev = matches[..k]
                .iter()
                .zip(&best)
                .filter(|((pj, _), _)| *pj < j)
                .map(|(_, &b)| b)
                .max()
                .unwrap_or(0);
            best.push(prev + w);
            top = top.max(prev + w);
        }
        top
    }

    /// Whether most of the smaller document's text is in the other, in the
    /// same order, with some overall shingle overlap as well.
    fn contained(&self, c: &Corpus, a: usize, b: usize, weight: &[u64], config: &Config) -> bool {
        let smaller = weight[a].min(weight[b]);
        smaller > 0
            && estimate_jaccard(c.sig(a), c.sig(b)) >= config.containment_min_jaccard
            && self.ordered_shared(c.sentences(a), c.sentences(b)) as f64
                >= config.containment * smaller as f64
    }
}

/// Threads for the pure checks of [`cluster`]: `TEXTMILL_THREADS` when the
/// host sets it (the CLI does for `--threads`), else every CPU the process
/// may use. The pipeline's workers wait while a corpus stage finishes.
fn check_threads() -> usize {
    std::env::var("TEXTMILL_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&t| t > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |t| t.get()))
}

/// `(0..len).map(f)` on up to `threads` threads, in order. Which pairs are
/// joined does not depend on the order they are checked in (the clusters are
/// the connected components of the confirmed pairs), so the checks are
/// computed apart from the union-find and applied in order afterwards.
fn parallel_map<R: Send>(len: usize, threads: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    if threads <= 1 || len < 4096 {
        return (0..len).map(f).collect();
    }
    let f = &f;
    let part = len.div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..len)
            .step_by(part)
            .map(|start| {
                let end = (start + part).min(len);
                scope.spawn(move || (start..end).map(f).collect::<Vec<R>>())
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// The documents (other than `me`) found in at least `need` of the holder
/// lists, each sorted: a merge of the lists, in document order.
fn shared_holders(lists: &[&[u32]], need: usize, me: u32) -> Vec<u32> {
    if need >= lists.len() {
        return common_holders(lists, me);
    }
    let mut at = vec![0usize; lists.len()];
    let mut out = Vec::new();
    loop {
        let Some(next) = lists
            .iter()
            .zip(&at)
            .filter_map(|(l, &k)| l.get(k).copied())
            .min()
        else {
            return out;
        };
        let mut held = 0;
        for (l, k) in lists.iter().zip(at.iter_mut()) {
            if l.get(*k) == Some(&next) {
                held += 1;
                *k += 1;
            }
        }
        if held >= need.max(1) && next != me {
            out.push(next);
        }
    }
}

/// The documents (other than `me`) in every holder list: each document of
/// the shortest list looked up in the others, shortest first, by galloping
/// search. Anchor lists grow with the corpus (a sentence's holders do), and
/// every holder intersects them, so walking every list whole grew with the
/// square of the corpus; this grows with the shortest list and the log of
/// the others.
fn common_holders(lists: &[&[u32]], me: u32) -> Vec<u32> {
    let mut by_length: Vec<&[u32]> = lists.to_vec();
    by_length.sort_by_key(|l| l.len());
    let Some((shortest, others)) = by_length.split_first() else {
        return Vec::new();
    };
    let mut at = vec![0usize; others.len()];
    let mut out = Vec::new();
    'docs: for &doc in shortest.iter() {
        for (l, k) in others.iter().zip(at.iter_mut()) {
            let rest = &l[*k..];
            // Double the step until it passes `doc`, then bisect that span.
            let mut step = 1;
            while step < rest.len() && rest[step] < doc {
                step *= 2;
            }
            *k += rest[..(step + 1).min(rest.len())].partition_point(|&d| d < doc);
            if l.get(*k) != Some(&doc) {
                continue 'docs;
            }
        }
        if doc != me {
            out.push(doc);
        }
    }
    out
}

/// How many pairs ahead the containment checks ask for signatures: a check
/// is a few dozen instructions, a signature read from memory hundreds of
/// cycles.
const PREFETCH_AHEAD: usize = 8;

/// Ask the CPU to start loading `bytes` into its cache. The documents of a
/// pair are far apart in the corpus, so their signatures are rarely cached,
/// and most checks fail on the signatures alone.
fn prefetch<T>(bytes: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start = bytes.as_ptr() as *const i8;
        let len = std::mem::size_of_val(bytes);
        for line in (0..len).step_by(64) {
            // SAFETY: a prefetch is a hint; it never faults, even past the end.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(line)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

/// Check `pairs` for containment on `threads` threads, then join the
/// confirmed ones in order, skipping and counting as a one-pair-at-a-time
/// loop would.
fn join_contained(
    uf: &mut UnionFind,
    counts: &mut PairCounts,
    len: usize,
    ends: impl Fn(usize) -> (u32, u32),
    threads: usize,
    contained: impl Fn(usize) -> bool + Sync,
) {
    let confirmed = parallel_map(len, threads, contained);
    for (k, &yes) in confirmed.iter().enumerate() {
        let (a, b) = ends(k);
        if uf.find(a) == uf.find(b) {
            continue;
        }
        counts.sentence_candidates += 1;
        if yes {
            counts.containment_confirmed += 1;
            uf.union(a, b);
        }
    }
}

/// Cluster a corpus: documents `..prior` come from an earlier index and
/// precede everything; the rest are this run's, sorted by ordinal.
pub fn cluster(c: &Corpus, prior: usize, config: &Config) -> Clustering {
    let n = c.len();
    let mut uf = UnionFind((0..n as u32).collect());
    let mut counts = PairCounts::default();

    // Exact copies join the first document with the same hash; only that
    // representative goes on to the near-duplicate stages.
    // A document without a single word (empty, or only symbols) has nothing
    // to compare: it is never anyone's duplicate; filters judge it.
    let mut by_exact: Vec<(u64, u32)> = (0..n)
        .filter(|&i| c.shingles[i] > 0)
        .map(|i| (c.exact[i], i as u32))
        .collect();
    by_exact.sort_unstable();
    let mut is_rep = vec![false; n];
    for group in by_exact.chunk_by(|a, b| a.0 == b.0) {
        is_rep[group[0].1 as usize] = true;
        for &(_, i) in &group[1..] {
            uf.union(group[0].1, i);
            counts.exact += 1;
        }
    }
    drop(by_exact);
    let reps: Vec<u32> = (0..n as u32).filter(|&i| is_rep[i as usize]).collect();
    drop(is_rep);

    // Sentence document frequency over representatives. A sentence in more
    // than `boilerplate_cut` documents is boilerplate (a site's disclaimer,
    // a cookie banner): it is neither shared text nor part of a document's
    // length. The cut grows with the corpus because a real sentence quoted
    // by many pages recurs more often in a bigger crawl too.
    let boilerplate_cut = config
        .max_sentence_df
        .max((config.boilerplate_df_fraction * reps.len() as f64).ceil() as usize);
    let mut postings: Vec<(u64, u32)> = reps
        .iter()
        .flat_map(|&i| c.sentences(i as usize).iter().map(move |&s| (s, i)))
        .collect();
    postings.sort_unstable();
    // Candidate pairs come only from rarer sentences, which bounds the pairs
    // per sentence; the similarity itself counts every non-boilerplate
    // sentence. Each pair is listed under its later document (a counting
    // sort: one pass counts, one places), so no sort of every pair is needed.
    let rare_groups = || {
        postings
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|g| g.len() <= config.max_sentence_df)
    };
    let mut starts = vec![0usize; n + 1];
    for group in rare_groups() {
        for (k, &(_, i)) in group.iter().enumerate() {
            starts[i as usize + 1] += k;
        }
    }
    for i in 0..n {
        starts[i + 1] += starts[i];
    }
    let mut partners = vec![0u32; starts[n]];
    let mut filled = starts.clone();
    for group in rare_groups() {
        for (k, &(_, i)) in group.iter().enumerate() {
            let at = filled[i as usize];
            for (slot, &(_, j)) in partners[at..at + k].iter_mut().zip(&group[..k]) {
                *slot = j;
            }
            filled[i as usize] += k;
        }
    }
    drop(filled);
    // Each pair once, with how many rare sentences it shares (a document's
    // sentences are distinct, so each counts once): the earlier documents
    // are compacted in place, `owner` holds the later one.
    let mut rare_shared: Vec<u8> = Vec::new();
    let mut unique = 0;
    for i in 0..n {
        let (from, to) = (starts[i], starts[i + 1]);
        partners[from..to].sort_unstable();
        starts[i] = unique;
        let mut k = from;
        while k < to {
            let run = partners[k..to]
                .iter()
                .take_while(|&&j| j == partners[k])
                .count();
            partners[unique] = partners[k];
            rare_shared.push(run.min(usize::from(u8::MAX)) as u8);
            unique += 1;
            k += run;
        }
    }
    starts[n] = unique;
    partners.truncate(unique);
    partners.shrink_to_fit();
    rare_shared.shrink_to_fit();
    let mut owner: Vec<u32> = Vec::with_capacity(unique);
    for i in 0..n {
        owner.extend(std::iter::repeat_n(i as u32, starts[i + 1] - starts[i]));
    }
    drop(starts);
    let df: Vec<(u64, u32)> = postings
        .chunk_by(|a, b| a.0 == b.0)
        .map(|g| (g[0].0, g.len() as u32))
        .collect();
    let ends = |k: usize| (partners[k], owner[k]);
    let evidence = Evidence {
        df,
        cut: boilerplate_cut,
    };
    let threads = check_threads();
    let weights: Vec<(u64, u64)> = parallel_map(n, threads, |i| {
        evidence.weights(c.sentences(i), config.max_sentence_df)
    });
    let weight: Vec<u64> = weights.iter().map(|w| w.0).collect();
    // Weight of each document's counted sentences too common to make pairs.
    let common: Vec<u64> = weights.iter().map(|w| w.0 - w.1).collect();
    drop(weights);

    // Containment: a truncated or lightly edited copy keeps most of its
    // sentences; a document that merely quotes a few sentences of another does not.
    let contained = |a: u32, b: u32| evidence.contained(c, a as usize, b as usize, &weight, config);
    // What two documents share is at most their shared rare sentences (each
    // weighs at most MAX_SENTENCE_WEIGHT; a capped count only loosens this)
    // plus the lesser of their common ones. Most pairs (two pages of one
    // site sharing a sentence of its boilerplate) fail that bound and are
    // settled without touching their signatures or sentence lists.
    let sentence_candidate = |k: usize| {
        let (a, b) = ends(k);
        let rare = if rare_shared[k] == u8::MAX {
            u64::MAX / 2
        } else {
            u64::from(rare_shared[k]) * MAX_SENTENCE_WEIGHT
        };
        let bound = rare + common[a as usize].min(common[b as usize]);
        (bound as f64) >= config.containment * weight[a as usize].min(weight[b as usize]) as f64
            && contained(a, b)
    };
    join_contained(
        &mut uf,
        &mut counts,
        owner.len(),
        ends,
        threads,
        sentence_candidate,
    );
    drop(partners);
    drop(owner);
    drop(rare_shared);

    // Sentences too common to enumerate every pair (in more than
    // `max_sentence_df` documents, but not boilerplate) still find copies:
    // each document looks up its ANCHORS rarest such sentences and is
    // compared with every document holding ANCHORS_SHARED of them. In a big
    // crawl a story's sentences recur in many pages, and its copies share
    // the rarest of them.
    //
    // Each document's anchors as (document frequency, where the sentence's
    // holders start in `postings`), rarest first, ties by sentence hash (the
    // order of `postings`): kept three at a time per document, so this
    // table grows with the documents, not with their sentences.
    const NO_ANCHOR: (u32, usize) = (u32::MAX, usize::MAX);
    let mut anchors_of: Vec<[(u32, usize); ANCHORS]> = vec![[NO_ANCHOR; ANCHORS]; n];
    let mut at = 0;
    for group in postings.chunk_by(|a, b| a.0 == b.0) {
        let d = group.len();
        if d > config.max_sentence_df && d <= boilerplate_cut {
            for &(_, i) in group {
                let mine = &mut anchors_of[i as usize];
                let entry = (d as u32, at);
                if entry < mine[ANCHORS - 1] {
                    mine[ANCHORS - 1] = entry;
                    mine.sort_unstable();
                }
            }
        }
        at += d;
    }
    // Only the holders are read from here on: a quarter of the bytes.
    let holders: Vec<u32> = postings.iter().map(|p| p.1).collect();
    drop(postings);
    // Pairs are gathered and checked a block of documents at a time, so
    // memory stays bounded whatever the corpus size.
    let anchor_partners = |i: u32| -> Vec<u32> {
        let lists: Vec<&[u32]> = anchors_of[i as usize]
            .iter()
            .filter(|&&e| e != NO_ANCHOR)
            .map(|&(d, start)| &holders[start..start + d as usize])
            .collect();
        shared_holders(&lists, ANCHORS_SHARED.min(lists.len()), i)
    };
    let mut anchor_pairs: Vec<(u32, u32)> = Vec::new();
    for block in reps.chunks(ANCHOR_BLOCK) {
        anchor_pairs.clear();
        let partners = parallel_map(block.len(), threads, |k| anchor_partners(block[k]));
        for (&i, js) in block.iter().zip(&partners) {
            for &j in js {
                if uf.find(i) != uf.find(j) {
                    anchor_pairs.push((i, j));
                }
            }
        }
        join_contained(
            &mut uf,
            &mut counts,
            anchor_pairs.len(),
            |k| anchor_pairs[k],
            threads,
            |k| {
                if let Some(&(a, b)) = anchor_pairs.get(k + PREFETCH_AHEAD) {
                    prefetch(c.sig(a as usize));
                    prefetch(c.sig(b as usize));
                }
                contained(anchor_pairs[k].0, anchor_pairs[k].1)
            },
        );
    }
    drop(anchor_pairs);
    drop(anchors_of);
    drop(holders);

    // MinHash LSH, band by band to keep one band's keys in memory at a time.
    let (bands, rows) = (config.bands, config.rows);
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(reps.len());
    let mut bytes: Vec<u8> = Vec::with_capacity(rows * 2);
    for band in 0..bands {
        keys.clear();
        for &i in &reps {
            if c.shingles[i as usize] == 0 {
                continue;
            }
            bytes.clear();
            for v in &c.sig(i as usize)[band * rows..(band + 1) * rows] {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            keys.push((hash64_seeded(&bytes, band as u64), i));
        }
        keys.sort_unstable();
        for group in keys.chunk_by(|a, b| a.0 == b.0) {
            for (k, &(_, i)) in group.iter().enumerate().skip(1) {
                for &(_, j) in &group[..k.min(BUCKET_COMPARE)] {
                    if uf.find(i) == uf.find(j) {
                        continue;
                    }
                    counts.lsh_candidates += 1;
                    let est = estimate_jaccard(c.sig(i as usize), c.sig(j as usize));
                    if est >= config.threshold {
                        counts.lsh_confirmed += 1;
                        uf.union(i, j);
                    } else if evidence.contained(c, i as usize, j as usize, &weight, config) {
                        // Truncated copies may share a band without reaching
                        // the Jaccard threshold; containment decides those.
                        counts.containment_confirmed += 1;
                        uf.union(i, j);
                    }
                }
            }
        }
    }
    drop(keys);

    // Clusters (members in order), survivors and decisions.
    let mut by_root: Vec<(u32, u32)> = (0..n as u32).map(|i| (uf.find(i), i)).collect();
    by_root.sort_unstable();
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    let mut out = Clustering {
        counts,
        ..Clustering::default()
    };
    for group in by_root.chunk_by(|a, b| a.0 == b.0) {
        let members: Vec<usize> = group.iter().map(|&(_, i)| i as usize).collect();
        let survivor = if members[0] < prior {
            // An earlier corpus's copy is already published: it always wins.
            members[0]
        } else {
            // Highest keep key; ties to the first in order (strict `>`).
            let mut best = members[0];
            for &m in &members[1..] {
                if c.keep_key[m] > c.keep_key[best] {
                    best = m;
                }
            }
            best
        };
        let mut removed = Vec::new();
        for &m in &members {
            if m == survivor {
                continue;
            }
            let exact = c.exact[m] == c.exact[survivor];
            let (similarity, containment) = if exact {
                (1.0, 1.0)
            } else {
                let w = evidence.ordered_shared(c.sentences(m), c.sentences(survivor));
                let smaller = weight[m].min(weight[survivor]);
                let cont = if smaller == 0 {
                    0.0
                } else {
                    w as f64 / smaller as f64
                };
                (estimate_jaccard(c.sig(m), c.sig(survivor)), cont)
            };
            if m >= prior {
                out.decisions.insert(
                    c.ordinals[m],
                    Decision::Duplicate {
                        of: c.id(survivor).to_string(),
                        similarity: round(similarity),
                        containment: round(containment),
                        exact,
                    },
                );
            }
            removed.push(ReportMember {
                id: c.id(m).to_string(),
                similarity: round(similarity),
                containment: round(containment),
            });
        }
        if survivor >= prior {
            out.decisions.insert(
                c.ordinals[survivor],
                Decision::Survivor {
                    duplicates: removed.len() as u64,
                    removed_lines: c.removed_lines(survivor).into(),
                },
            );
        }
        if !removed.is_empty() {
            out.clusters.push(ClusterReport {
                cluster: 0,
                survivor: c.id(survivor).to_string(),
                survivor_from_index: survivor < prior,
                size: members.len(),
                removed,
            });
        }
    }
    // Number clusters in the order of their first member (roots are the
    // smallest index of each set, so `by_root` is already in that order).
    for (k, cl) in out.clusters.iter_mut().enumerate() {
        cl.cluster = k;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_holders_counts_each_document_across_the_lists() {
        let (a, b, c) = ([1, 3, 5, 9], [3, 4, 9], [0, 3, 5]);
        let lists: [&[u32]; 3] = [&a, &b, &c];
        assert_eq!(shared_holders(&lists, 2, 100), [3, 5, 9]);
        assert_eq!(shared_holders(&lists, 3, 100), [3]);
        // A document never pairs with itself; one list means every holder.
        assert_eq!(shared_holders(&lists, 2, 3), [5, 9]);
        assert_eq!(shared_holders(&lists[..1], 1, 5), [1, 3, 9]);
        assert!(shared_holders(&[], 2, 0).is_empty());
    }

    #[test]
    fn common_holders_equal_the_merge_on_random_lists() {
        // The merge with `need` above the list count would be the reference,
        // but it takes the fast path; count holders directly instead.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        for _ in 0..2000 {
            let lists: Vec<Vec<u32>> = (0..1 + next(4))
                .map(|_| {
                    let mut docs: Vec<u32> = (0..next(60)).map(|_| next(80) as u32).collect();
                    docs.sort_unstable();
                    docs.dedup();
                    docs
                })
                .collect();
            let views: Vec<&[u32]> = lists.iter().map(Vec::as_slice).collect();
            let me = next(80) as u32;
            let expected: Vec<u32> = (0..80u32)
                .filter(|&d| d != me && views.iter().all(|l| l.contains(&d)))
                .collect();
            assert_eq!(common_holders(&views, me), expected, "{lists:?}");
            assert_eq!(shared_holders(&views, views.len(), me), expected);
        }
    }
}
