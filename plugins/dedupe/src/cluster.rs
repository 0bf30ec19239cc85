//! Deciding duplicates from the merged records: exact hashes, MinHash LSH
//! candidates and shared-sentence candidates, confirmed pair by pair, then
//! clustered with union-find.

use crate::config::Config;
use crate::features::{DocRecord, sentence_words};
use crate::lsh::estimate_jaccard;
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

/// What happens to one document.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Kept; `duplicates` other copies were removed in its favour.
    Survivor {
        /// Number of removed copies.
        duplicates: u64,
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
    df: HashMap<u64, u32>,
    cut: usize,
}

impl Evidence {
    fn counts(&self, s: u64) -> bool {
        // Sentences of exact copies were not counted; they have the
        // representative's, which is in the map.
        self.df.get(&s).is_some_and(|&d| d as usize <= self.cut)
    }

    /// Non-boilerplate sentence weight (words) of a record.
    fn weight(&self, r: &DocRecord) -> u64 {
        r.sentences
            .iter()
            .filter(|&&s| self.counts(s))
            .map(|&s| weight_of(s))
            .sum()
    }

    /// Weight of the heaviest run of non-boilerplate sentences the two
    /// records share in the same order (a weighted longest common
    /// subsequence). A syndicated copy keeps the story's order, with a
    /// sentence added, dropped or cut off at the end; a page assembled from
    /// the same sources in another order shares sentences but not their order.
    fn ordered_shared(&self, a: &DocRecord, b: &DocRecord) -> u64 {
        let mut pos_b: Vec<(u64, u32)> = b
            .sentences
            .iter()
            .enumerate()
            .map(|(j, &s)| (s, j as u32))
            .collect();
        pos_b.sort_unstable();
        // Sentences are distinct within a record, so each sentence of `a`
        // matches at most one of `b`: the LCS is the heaviest increasing
        // subsequence of matched positions in `b`.
        let matches: Vec<(u32, u64)> = a
            .sentences
            .iter()
            .filter(|&&s| self.counts(s))
            .filter_map(|&s| {
                let k = pos_b.binary_search_by_key(&s, |p| p.0).ok()?;
                Some((pos_b[k].1, weight_of(s)))
            })
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
    fn contained(&self, a: &DocRecord, b: &DocRecord, wa: u64, wb: u64, config: &Config) -> bool {
        let smaller = wa.min(wb);
        smaller > 0
            && self.ordered_shared(a, b) as f64 >= config.containment * smaller as f64
            && estimate_jaccard(&a.sig, &b.sig) >= config.containment_min_jaccard
    }
}

/// Cluster `records`: `records[..prior]` come from an earlier index and
/// precede everything; the rest are this run's, sorted by ordinal.
pub fn cluster(records: &[DocRecord], prior: usize, config: &Config) -> Clustering {
    let n = records.len();
    let mut uf = UnionFind((0..n as u32).collect());
    let mut counts = PairCounts::default();

    // Exact copies join the first document with the same hash; only that
    // representative goes on to the near-duplicate stages.
    let mut first_of: HashMap<u64, u32> = HashMap::with_capacity(n);
    let mut reps: Vec<u32> = Vec::with_capacity(n);
    for (i, r) in records.iter().enumerate() {
        match first_of.get(&r.exact) {
            Some(&f) => {
                uf.union(f, i as u32);
                counts.exact += 1;
            }
            None => {
                first_of.insert(r.exact, i as u32);
                reps.push(i as u32);
            }
        }
    }
    drop(first_of);

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
        .flat_map(|&i| records[i as usize].sentences.iter().map(move |&s| (s, i)))
        .collect();
    postings.sort_unstable();
    let mut df: HashMap<u64, u32> = HashMap::new();
    let mut candidates: Vec<(u32, u32)> = Vec::new();
    for group in postings.chunk_by(|a, b| a.0 == b.0) {
        df.insert(group[0].0, group.len() as u32);
        // Candidate pairs come only from rarer sentences, which bounds the
        // pairs per sentence; the similarity itself counts every
        // non-boilerplate sentence.
        if group.len() <= config.max_sentence_df {
            for (k, &(_, i)) in group.iter().enumerate() {
                for &(_, j) in &group[..k] {
                    candidates.push((j, i));
                }
            }
        }
    }
    drop(postings);
    candidates.sort_unstable();
    candidates.dedup();
    let evidence = Evidence {
        df,
        cut: boilerplate_cut,
    };
    let weight: Vec<u64> = records.iter().map(|r| evidence.weight(r)).collect();

    // Containment: a truncated or lightly edited copy keeps most of its
    // sentences; a document that merely quotes a few sentences of another does not.
    for &(a, b) in &candidates {
        counts.sentence_candidates += 1;
        let (ra, rb) = (&records[a as usize], &records[b as usize]);
        if evidence.contained(ra, rb, weight[a as usize], weight[b as usize], config) {
            counts.containment_confirmed += 1;
            uf.union(a, b);
        }
    }
    drop(candidates);

    // MinHash LSH, band by band to keep one band's keys in memory at a time.
    let (bands, rows) = (config.bands, config.rows);
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(reps.len());
    for band in 0..bands {
        keys.clear();
        for &i in &reps {
            let r = &records[i as usize];
            if r.shingles == 0 {
                continue;
            }
            let slice = &r.sig[band * rows..(band + 1) * rows];
            let bytes: Vec<u8> = slice.iter().flat_map(|v| v.to_le_bytes()).collect();
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
                    let est = estimate_jaccard(&records[i as usize].sig, &records[j as usize].sig);
                    if est >= config.threshold {
                        counts.lsh_confirmed += 1;
                        uf.union(i, j);
                    }
                    // Truncated copies may share a band without reaching the
                    // Jaccard threshold; containment decides those.
                    let (ri, rj) = (&records[i as usize], &records[j as usize]);
                    if est < config.threshold
                        && evidence.contained(
                            ri,
                            rj,
                            weight[i as usize],
                            weight[j as usize],
                            config,
                        )
                    {
                        counts.containment_confirmed += 1;
                        uf.union(i, j);
                    }
                }
            }
        }
    }
    drop(keys);

    // Clusters, survivors and decisions.
    let mut members: HashMap<u32, Vec<u32>> = HashMap::new();
    for i in 0..n as u32 {
        let root = uf.find(i);
        members.entry(root).or_default().push(i);
    }
    let mut roots: Vec<u32> = members.keys().copied().collect();
    roots.sort_unstable();
    let mut out = Clustering {
        counts,
        ..Clustering::default()
    };
    for root in roots {
        let group = &members[&root];
        let survivor = if (group[0] as usize) < prior {
            // An earlier corpus's copy is already published: it always wins.
            group[0]
        } else {
            // Highest keep key; ties to the first in order (strict `>`).
            let mut best = group[0];
            for &m in &group[1..] {
                if records[m as usize].keep_key > records[best as usize].keep_key {
                    best = m;
                }
            }
            best
        };
        let s = &records[survivor as usize];
        let mut removed = Vec::new();
        for &m in group {
            if m == survivor {
                continue;
            }
            let r = &records[m as usize];
            let exact = r.exact == s.exact;
            let similarity = if exact {
                1.0
            } else {
                estimate_jaccard(&r.sig, &s.sig)
            };
            let containment = if exact {
                1.0
            } else {
                let w = evidence.ordered_shared(r, s);
                let smaller = weight[m as usize].min(weight[survivor as usize]);
                if smaller == 0 {
                    0.0
                } else {
                    w as f64 / smaller as f64
                }
            };
            let round = |v: f64| (v * 1000.0).round() / 1000.0;
            if (m as usize) >= prior {
                out.decisions.insert(
                    r.ordinal,
                    Decision::Duplicate {
                        of: s.id.clone(),
                        similarity: round(similarity),
                        containment: round(containment),
                        exact,
                    },
                );
            }
            removed.push(ReportMember {
                id: r.id.clone(),
                similarity: round(similarity),
                containment: round(containment),
            });
        }
        if (survivor as usize) >= prior {
            out.decisions.insert(
                s.ordinal,
                Decision::Survivor {
                    duplicates: removed.len() as u64,
                },
            );
        }
        if !removed.is_empty() {
            out.clusters.push(ClusterReport {
                cluster: out.clusters.len(),
                survivor: s.id.clone(),
                survivor_from_index: (survivor as usize) < prior,
                size: group.len(),
                removed,
            });
        }
    }
    out
}
