//! Project tasks run with `cargo xtask`. The only one so far is `bench`, the benchmark suite
//! that measures Pith side by side with a minimal Linux VM (docs/benchmarks.md).

pub mod bench;
