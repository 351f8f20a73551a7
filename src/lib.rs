//! shequ (社区): an agent-based simulator of urban community governance and
//! its reforms, after a district government's report on Tianqiao District,
//! Jinan (c. 2000). See `ARCHITECTURE.md` for the map of modules.
//!
//! The model (`model`) and the statistics do no I/O and never print;
//! reading scenarios (`scenario`) and writing results (`output`) live at the
//! edge.

pub mod cli;
pub mod experiment;
pub mod files;
pub mod model;
pub mod study;
