//! shequ (社区): an agent-based simulator of urban community governance and
//! its reforms, after a district government's report on Tianqiao District,
//! Jinan (c. 2000). See `ARCHITECTURE.md` for the map of modules.
//!
//! Layers, each using only those after it: `cli` (the commands) → `files`
//! (everything that reads or writes a file) → `experiment` (designs and
//! sensitivity) → `study` (many replications, statistics) → `model` (the
//! simulated world). Only `main.rs` and `cli` print, and only `files` reads
//! or writes files; `tests/architecture.rs` checks the layering and that no
//! two files depend on each other in a cycle.

pub mod cli;
pub mod experiment;
pub mod files;
pub mod model;
pub mod study;
