//! `shequ metrics`: every metric with unit, direction and definition.

use crate::cli::cell;
use crate::model::metrics::METRICS;

/// The metric table (name, unit, direction, definition) as markdown.
pub fn metrics_markdown() -> String {
    let mut out = String::from("| metric | unit | direction | definition |\n|---|---|---|---|\n");
    for m in METRICS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            m.name,
            cell(m.unit),
            m.direction.as_str(),
            cell(m.definition)
        ));
    }
    out
}

/// `shequ metrics` as typed.
pub fn command() {
    print!("{}", metrics_markdown());
}
