//! Bulk generator for benchmarks.
