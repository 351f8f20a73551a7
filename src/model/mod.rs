//! The simulated world: parameters, state, month 0, the monthly schedule
//! and its submodels, reform levers, metrics and random streams. Nothing
//! here reads or writes a file or prints: a function that needs data takes
//! it as an argument.

pub mod cadres;
pub mod committees;
pub mod economy;
pub mod enforcement;
pub mod finance;
pub mod generator;
pub mod init;
pub mod jurisdictions;
pub mod metrics;
pub mod params;
pub mod population;
pub mod reforms;
pub mod residents;
pub mod rng;
pub mod scenario;
pub mod schedule;
pub mod state;
pub mod tasks;
