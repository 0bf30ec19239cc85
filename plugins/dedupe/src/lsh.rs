//! MinHash permutations and LSH banding parameters.

use textmill_text::hash::hash64_seeded;

/// Seed of the permutation family. Fixed so that signatures made on any
/// machine, in any run, compare equal; changing it invalidates saved indexes.
pub const PERM_SEED: u64 = 0x7465_7874_6d69_6c6c; // "textmill"

/// The `(a, b)` pairs of the hash permutations `h -> a*h + b (mod 2^64)`,
/// whose high 16 bits are the MinHash value (multiply-shift hashing,
/// Dietzfelbinger et al. 1997: 2-universal on the high bits). `a` is odd so
/// each map is a bijection on 64-bit shingle hashes.
pub fn permutations(num_perm: usize) -> Vec<(u64, u64)> {
    (0..num_perm as u64)
        .map(|i| {
            let a = hash64_seeded(&i.to_le_bytes(), PERM_SEED) | 1;
            let b = hash64_seeded(&(i ^ 0x5555_5555).to_le_bytes(), PERM_SEED.rotate_left(17));
            (a, b)
        })
        .collect()
}

/// MinHash signature of a set of shingle hashes (duplicates do not matter).
/// An empty set gives all `u16::MAX`.
///
/// Each value keeps the high 16 bits of the minimum ("b-bit minwise
/// hashing", Li and König 2010): two different minima then agree by chance
/// once in 65,536 positions, which moves a Jaccard estimate by about 1e-5,
/// and the signature takes half the memory of 32-bit values.
pub fn signature(shingles: &[u64], perms: &[(u64, u64)]) -> Vec<u16> {
    let mut min = vec![u64::MAX; perms.len()];
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512dq") {
            // SAFETY: the CPU supports the features the function is compiled for.
            unsafe { min_hashes_avx512(shingles, perms, &mut min) };
            return high_halves(min);
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            unsafe { min_hashes_avx2(shingles, perms, &mut min) };
            return high_halves(min);
        }
    }
    min_hashes(shingles, perms, &mut min);
    high_halves(min)
}

/// The minimum of each permutation over the shingles. The same integer
/// arithmetic is compiled again below for wider vector units, so every
/// machine computes identical signatures.
#[inline(always)]
fn min_hashes(shingles: &[u64], perms: &[(u64, u64)], min: &mut [u64]) {
    // Take the minimum over full 64-bit values and keep the high half at the
    // end: the high half of the minimum is the minimum of the high halves
    // (ties below the high half do not matter), and the loop stays branch-free.
    // Permutations go in blocks whose minima, factors and offsets fit in
    // vector registers for the whole pass over the shingles.
    const BLOCK: usize = 32;
    let mut blocks = min.chunks_exact_mut(BLOCK).zip(perms.chunks_exact(BLOCK));
    for (mins, block) in &mut blocks {
        let mut m = [u64::MAX; BLOCK];
        let a: [u64; BLOCK] = std::array::from_fn(|j| block[j].0);
        let b: [u64; BLOCK] = std::array::from_fn(|j| block[j].1);
        for &h in shingles {
            for j in 0..BLOCK {
                m[j] = m[j].min(a[j].wrapping_mul(h).wrapping_add(b[j]));
            }
        }
        mins.copy_from_slice(&m);
    }
    let done = min.len() / BLOCK * BLOCK;
    for &h in shingles {
        for (m, &(a, b)) in min[done..].iter_mut().zip(&perms[done..]) {
            *m = (*m).min(a.wrapping_mul(h).wrapping_add(b));
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
unsafe fn min_hashes_avx512(shingles: &[u64], perms: &[(u64, u64)], min: &mut [u64]) {
    min_hashes(shingles, perms, min)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn min_hashes_avx2(shingles: &[u64], perms: &[(u64, u64)], min: &mut [u64]) {
    min_hashes(shingles, perms, min)
}

fn high_halves(min: Vec<u64>) -> Vec<u16> {
    min.into_iter().map(|m| (m >> 48) as u16).collect()
}

/// Estimated Jaccard similarity: the share of equal signature positions.
pub fn estimate_jaccard(a: &[u16], b: &[u16]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    // Summing 0/1 (rather than filtering and counting) lets the compiler
    // compare whole vectors of positions at once: this runs for every
    // candidate pair when clustering.
    let eq: u32 = a.iter().zip(b).map(|(x, y)| u32::from(x == y)).sum();
    f64::from(eq) / a.len() as f64
}

/// Probability that a pair at Jaccard `s` shares at least one band.
pub fn candidate_probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

/// Weight of false candidates (pairs below the threshold that share a band)
/// when choosing bands and rows: every candidate is confirmed against its
/// signature, so a false one costs one comparison, never a wrong removal.
const FALSE_CANDIDATE_WEIGHT: f64 = 0.1;
/// Weight of missed pairs (above the threshold, no band shared): each is a
/// duplicate left in the output.
const MISSED_PAIR_WEIGHT: f64 = 0.9;

/// Bands and rows for a target Jaccard `threshold` with at most `num_perm`
/// hashes: the `(b, r)` with `b * r <= num_perm` that minimises the weighted
/// area of false candidates below the threshold plus missed pairs above it
/// under the S-curve `1 - (1 - s^r)^b`. This is datasketch's `MinHashLSH`
/// rule (`_optimal_param`) with weights 0.1 / 0.9 instead of 0.5 / 0.5,
/// because candidates are confirmed (see [`FALSE_CANDIDATE_WEIGHT`]). For
/// 0.8 and 128 hashes it gives 14 bands of 9 rows: a pair at Jaccard 0.8 is
/// a candidate with probability 0.87, at 0.9 with 0.999, at 0.5 with 0.03.
/// Ties go to the smaller `b`, then smaller `r`.
pub fn bands_rows_for(threshold: f64, num_perm: usize) -> (usize, usize) {
    let integrate = |f: &dyn Fn(f64) -> f64, lo: f64, hi: f64| -> f64 {
        // Midpoint rule; the curves are smooth and 200 steps are plenty.
        let steps = 200;
        let w = (hi - lo) / steps as f64;
        (0..steps)
            .map(|i| f(lo + (i as f64 + 0.5) * w))
            .sum::<f64>()
            * w
    };
    let mut best = (f64::INFINITY, 1, 1);
    for b in 1..=num_perm {
        for r in 1..=num_perm / b {
            let fp = integrate(&|s| candidate_probability(s, b, r), 0.0, threshold);
            let fneg = integrate(&|s| 1.0 - candidate_probability(s, b, r), threshold, 1.0);
            let err = FALSE_CANDIDATE_WEIGHT * fp + MISSED_PAIR_WEIGHT * fneg;
            if err < best.0 - 1e-12 {
                best = (err, b, r);
            }
        }
    }
    (best.1, best.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_fixed_and_odd() {
        let p = permutations(4);
        assert_eq!(p, permutations(4));
        assert!(p.iter().all(|(a, _)| a % 2 == 1));
        assert_ne!(p[0], p[1]);
    }

    /// The one-at-a-time definition the blocked and vector paths must equal.
    fn reference_signature(shingles: &[u64], perms: &[(u64, u64)]) -> Vec<u16> {
        perms
            .iter()
            .map(|&(a, b)| {
                let m = shingles
                    .iter()
                    .map(|&h| a.wrapping_mul(h).wrapping_add(b))
                    .min()
                    .unwrap_or(u64::MAX);
                (m >> 48) as u16
            })
            .collect()
    }

    #[test]
    fn every_code_path_gives_the_reference_signature() {
        // 128 is whole blocks; 70 leaves a remainder; 5 is remainder only.
        let shingles: Vec<u64> = (0..300u64)
            .map(|i| hash64_seeded(&i.to_le_bytes(), 3))
            .collect();
        for n in [128, 70, 5] {
            let perms = permutations(n);
            let expected = reference_signature(&shingles, &perms);
            assert_eq!(
                signature(&shingles, &perms),
                expected,
                "dispatched, {n} perms"
            );
            let mut min = vec![u64::MAX; n];
            min_hashes(&shingles, &perms, &mut min);
            assert_eq!(high_halves(min), expected, "portable, {n} perms");
        }
        assert_eq!(signature(&[], &permutations(40)), vec![u16::MAX; 40]);
    }

    #[test]
    fn identical_sets_have_identical_signatures() {
        let perms = permutations(64);
        let a = signature(&[1, 2, 3, 4], &perms);
        let b = signature(&[4, 3, 2, 1, 1], &perms);
        assert_eq!(estimate_jaccard(&a, &b), 1.0);
        let c = signature(&[10, 11, 12, 13], &perms);
        assert!(estimate_jaccard(&a, &c) < 0.2);
    }

    #[test]
    fn estimate_tracks_true_jaccard() {
        // 600 shared of 1000 total: J = 0.6.
        let perms = permutations(256);
        let a: Vec<u64> = (0..800).collect();
        let b: Vec<u64> = (200..1000).collect();
        let j = estimate_jaccard(&signature(&a, &perms), &signature(&b, &perms));
        assert!((j - 0.6).abs() < 0.08, "estimate {j}");
    }

    #[test]
    fn default_banding_is_14_by_9() {
        assert_eq!(bands_rows_for(0.8, 128), (14, 9));
        assert!(candidate_probability(0.8, 14, 9) > 0.85);
        assert!(candidate_probability(0.5, 14, 9) < 0.05);
    }

    #[test]
    fn banding_puts_the_s_curve_at_the_threshold() {
        for (t, n) in [(0.8, 128), (0.7, 112), (0.5, 128)] {
            let (b, r) = bands_rows_for(t, n);
            assert!(b * r <= n);
            let mid = (1.0 / b as f64).powf(1.0 / r as f64);
            assert!((mid - t).abs() < 0.1, "t={t}: b={b} r={r} mid={mid}");
            let p = candidate_probability(t + 0.15, b, r);
            assert!(p > 0.9, "t={t}: b={b} r={r} p={p}");
        }
    }
}
