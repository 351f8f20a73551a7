//! Files at the edge: everything that reads or writes a file. Scenario,
//! data and experiment files in; a study's and a sweep's outputs, their
//! manifests, the journals of a running study and sweep and the HTML report out.

pub mod atomic;
pub mod decision_files;
pub mod error;
pub mod experiment_file;
pub mod fit_file;
pub mod fit_files;
pub mod fit_report;
pub mod input_kind;
pub mod journal;
pub mod jurisdictions_file;
pub mod machine;
pub mod manifest;
pub mod out_dir;
pub mod report;
pub mod report_decision;
pub mod scenario_file;
pub mod study_files;
pub mod sweep_files;
pub mod sweep_journal;
pub mod uncertainty_file;
