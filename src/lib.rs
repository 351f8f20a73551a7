//! shequ (社区): an agent-based simulator of urban community governance and
//! its reforms, after a district government's report on Tianqiao District,
//! Jinan (c. 2000). See `ARCHITECTURE.md` for the map of modules.
//!
//! The model (`world`, the submodels, `model`) and the statistics do no I/O
//! and never print; reading scenarios (`scenario`) and writing results
//! (`output`) live at the edge.

pub mod app;
pub mod cadres;
pub mod calibrate;
pub mod committees;
pub mod compare;
pub mod design;
pub mod economy;
pub mod enforcement;
pub mod error;
pub mod experiment;
pub mod finance;
pub mod generator;
pub mod metrics;
pub mod model;
pub mod output;
pub mod params;
pub mod reforms;
pub mod report;
pub mod residents;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod sensitivity;
pub mod shard;
pub mod stats;
pub mod store;
pub mod sweep;
pub mod tasks;
pub mod world;
