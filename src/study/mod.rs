//! Many replications of scenarios: scheduling them on threads in a fixed
//! order, their statistics and reform − baseline comparisons, the journal
//! line format, shards, and the machine's roofline. Nothing here touches the
//! file system.

pub mod adaptive;
pub mod checksum;
pub mod compare;
pub mod decide;
pub mod decision;
pub mod identity;
pub mod roofline;
pub mod runner;
pub mod shard;
pub mod stats;
pub mod store;
