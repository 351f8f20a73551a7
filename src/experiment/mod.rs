//! Experiments (`shequ sweep`): uncertain factors and designs over them,
//! every design point run under common random numbers, and the sensitivity
//! indices computed from the runs.

pub mod design;
pub mod fit;
pub mod sensitivity;
pub mod spec;
pub mod sweep;
pub mod uncertainty;
