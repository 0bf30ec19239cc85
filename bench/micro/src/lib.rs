//! Criterion micro-benchmarks of textmill's hot paths live in `benches/`.
