//! `shequ report`: one self-contained HTML page (inline SVG, no scripts, no
//! network) from a run's output files: forest plots of each reform's paired
//! difference, fan charts of the monthly series, cost against effect, and the
//! summary, comparison and provenance tables. `read_run` reads the run's
//! folder, `render` is pure (tables in, HTML out) and `write_report` writes
//! report.html.

use crate::files::atomic::write_atomic;
use crate::files::error::{io_err, FileError, InputError};
use crate::model::metrics::METRICS;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// A CSV file as read back: header and string cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Cell `name` of `row` as a number (None when empty or absent).
    pub fn num(&self, row: &[String], name: &str) -> Option<f64> {
        self.col(name).and_then(|c| row.get(c)).and_then(|s| s.parse().ok())
    }

    pub fn text<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.col(name).and_then(|c| row.get(c)).map_or("", |s| s.as_str())
    }
}

/// Metrics drawn as forest plots, in order.
pub const FOREST_METRICS: [&str; 10] = [
    "satisfaction_mean",
    "needs_met_share",
    "elderly_service_coverage",
    "welfare_coverage",
    "committee_admin_share",
    "cadre_turnover_rate",
    "informal_intensity",
    "enforcement_resolution_rate",
    "unemployment_rate",
    "street_cash_balance",
];

/// Metrics drawn as fan charts.
pub const FAN_METRICS: [&str; 4] = [
    "satisfaction_mean",
    "needs_met_share",
    "committee_admin_share",
    "informal_intensity",
];

/// Scenario colours for fan charts.
const PALETTE: [&str; 6] = ["#4c566a", "#d08770", "#5e81ac", "#a3be8c", "#b48ead", "#ebcb8b"];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Four significant digits.
fn fmt(v: f64) -> String {
    crate::files::study_files::sig(v)
}

/// Tick label: as many decimals as the tick step needs; millions as "M".
fn tick_label(v: f64, step: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if step >= 1e6 {
        let d = (-(step / 1e6).log10().floor()).max(0.0) as usize;
        return format!("{:.d$} M", v / 1e6);
    }
    let d = (-step.log10().floor()).max(0.0) as usize;
    format!("{v:.d$}")
}

/// Ticks with their labels.
fn labelled_ticks(lo: f64, hi: f64, n: usize) -> Vec<(f64, String)> {
    let t = ticks(lo, hi, n);
    let step = if t.len() > 1 {
        t[1] - t[0]
    } else {
        (hi - lo).abs().max(1e-12)
    };
    t.into_iter().map(|v| (v, tick_label(v, step))).collect()
}

/// "Nice" tick values covering [lo, hi].
fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if hi <= lo || hi.is_nan() || lo.is_nan() {
        return vec![lo];
    }
    let raw = (hi - lo) / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 {
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    out
}

/// Maps [d0, d1] onto [r0, r1].
fn scale(v: f64, d0: f64, d1: f64, r0: f64, r1: f64) -> f64 {
    if d1 == d0 {
        (r0 + r1) / 2.0
    } else {
        r0 + (v - d0) / (d1 - d0) * (r1 - r0)
    }
}

fn direction(metric: &str) -> &'static str {
    METRICS
        .iter()
        .find(|m| m.name == metric)
        .map_or("neutral", |m| m.direction.as_str())
}

/// Forest plot of every scenario's paired difference on `metric`.
pub fn forest(compare: &Table, metric: &str) -> Option<String> {
    let rows: Vec<(&str, f64, f64, f64)> = compare
        .rows
        .iter()
        .filter(|r| compare.text(r, "metric") == metric)
        .filter_map(|r| {
            let d = compare.num(r, "diff_mean")?;
            Some((
                compare.text(r, "scenario"),
                d,
                compare.num(r, "ci95_low").unwrap_or(d),
                compare.num(r, "ci95_high").unwrap_or(d),
            ))
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let (w, row_h, left, right, top) = (900.0, 22.0, 210.0, 30.0, 30.0);
    let h = top + row_h * rows.len() as f64 + 40.0;
    let lo = rows.iter().map(|r| r.2).fold(0.0f64, f64::min);
    let hi = rows.iter().map(|r| r.3).fold(0.0f64, f64::max);
    let (lo, hi) = padded(lo, hi, 0.05);
    let x = |v: f64| scale(v, lo, hi, left, w - right);
    let dir = direction(metric);
    let mut s = svg_open(
        "forest",
        w,
        h,
        &format!("Forest plot: {metric}"),
        left,
        &format!("Δ {} vs baseline (mean, 95% CI; {} is better)", metric, dir),
    );
    let bottom = top + row_h * rows.len() as f64;
    for (t, label) in labelled_ticks(lo, hi, 6) {
        let tx = x(t);
        let _ = write!(
            s,
            r##"<line x1="{tx:.1}" y1="{top}" x2="{tx:.1}" y2="{bottom}" stroke="#e5e9f0"/>"##
        );
        let _ = write!(
            s,
            r#"<text x="{tx:.1}" y="{:.1}" class="tick" text-anchor="middle">{label}</text>"#,
            bottom + 16.0
        );
    }
    let zx = x(0.0);
    let _ = write!(
        s,
        r##"<line x1="{zx:.1}" y1="{top}" x2="{zx:.1}" y2="{bottom}" stroke="#2e3440" stroke-dasharray="4 3"/>"##
    );
    for (i, (name, d, l, u)) in rows.iter().enumerate() {
        let y = top + row_h * (i as f64 + 0.5);
        let better = match dir {
            "higher" => *l > 0.0,
            "lower" => *u < 0.0,
            _ => false,
        };
        let worse = match dir {
            "higher" => *u < 0.0,
            "lower" => *l > 0.0,
            _ => false,
        };
        let colour = if better {
            "#2e7d32"
        } else if worse {
            "#c62828"
        } else {
            "#616161"
        };
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="end">{}</text>"#,
            left - 8.0,
            y + 4.0,
            esc(name)
        );
        let _ = write!(
            s,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="2"/><circle cx="{:.1}" cy="{y:.1}" r="4" fill="{colour}"><title>{}: {} [{}, {}]</title></circle>"#,
            x(*l),
            x(*u),
            x(*d),
            esc(name),
            fmt(*d),
            fmt(*l),
            fmt(*u)
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// One month of a fan chart: (month, p05, p50, p95).
type Band = (f64, f64, f64, f64);

/// Opens an SVG chart and writes its title.
fn svg_open(class: &str, w: f64, h: f64, label: &str, left: f64, title: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart {class}" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{}">"#,
        esc(label)
    );
    let _ = write!(s, r#"<text x="{left}" y="18" class="title">{}</text>"#, esc(title));
    s
}

/// [lo, hi] widened by `frac` of its width on each side.
fn padded(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    let pad = (hi - lo).max(1e-12) * frac;
    (lo - pad, hi + pad)
}

/// Horizontal grid lines with labels on the left, from `left` to `right_x`.
fn y_grid(s: &mut String, lo: f64, hi: f64, y: impl Fn(f64) -> f64, left: f64, right_x: f64) {
    for (t, label) in labelled_ticks(lo, hi, 5) {
        let ty = y(t);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{ty:.1}" x2="{right_x:.1}" y2="{ty:.1}" stroke="#e5e9f0"/><text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{label}</text>"##,
            left - 6.0,
            ty + 4.0
        );
    }
}

/// Labels under the x axis at height `label_y`.
fn x_labels(s: &mut String, lo: f64, hi: f64, x: impl Fn(f64) -> f64, label_y: f64) {
    for (t, label) in labelled_ticks(lo, hi, 6) {
        let tx = x(t);
        let _ = write!(
            s,
            r#"<text x="{tx:.1}" y="{label_y:.1}" class="tick" text-anchor="middle">{label}</text>"#
        );
    }
}

/// Fan chart of `metric` over months: median line and 5–95% band per scenario.
pub fn fan(timeseries: &Table, metric: &str, scenarios: &[&str]) -> Option<String> {
    let series: Vec<(&str, Vec<Band>)> = scenarios
        .iter()
        .map(|sc| {
            let pts = timeseries
                .rows
                .iter()
                .filter(|r| timeseries.text(r, "scenario") == *sc && timeseries.text(r, "metric") == metric)
                .filter_map(|r| {
                    Some((
                        timeseries.num(r, "month")?,
                        timeseries.num(r, "p05")?,
                        timeseries.num(r, "p50")?,
                        timeseries.num(r, "p95")?,
                    ))
                })
                .collect();
            (*sc, pts)
        })
        .filter(|(_, p): &(&str, Vec<_>)| !p.is_empty())
        .collect();
    if series.is_empty() {
        return None;
    }
    let (w, h, left, right, top, bottom) = (760.0, 300.0, 70.0, 170.0, 30.0, 40.0);
    let all = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(m, a, _, b) in all {
        x0 = x0.min(m);
        x1 = x1.max(m);
        y0 = y0.min(a);
        y1 = y1.max(b);
    }
    let (y0, y1) = padded(y0, y1, 0.05);
    let x = |v: f64| scale(v, x0, x1, left, w - right);
    let y = |v: f64| scale(v, y0, y1, h - bottom, top);
    let mut s = svg_open(
        "fan",
        w,
        h,
        &format!("Fan chart: {metric}"),
        left,
        &format!("{} by month (median, 5–95% of replications)", metric),
    );
    y_grid(&mut s, y0, y1, y, left, w - right);
    x_labels(&mut s, x0, x1, x, h - bottom + 16.0);
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">month</text>"#,
        (left + w - right) / 2.0,
        h - 6.0
    );
    for (i, (name, pts)) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let mut band = String::new();
        for &(m, a, _, _) in pts {
            let _ = write!(band, "{:.1},{:.1} ", x(m), y(a));
        }
        for &(m, _, _, b) in pts.iter().rev() {
            let _ = write!(band, "{:.1},{:.1} ", x(m), y(b));
        }
        let line: String = pts
            .iter()
            .map(|&(m, _, med, _)| format!("{:.1},{:.1} ", x(m), y(med)))
            .collect();
        let _ = write!(
            s,
            r#"<polygon points="{band}" fill="{colour}" fill-opacity="0.18" stroke="none"/><polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>"#
        );
        let ly = top + 18.0 * i as f64 + 10.0;
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="12" height="12" fill="{colour}"/><text x="{:.1}" y="{:.1}" class="label">{}</text>"#,
            w - right + 12.0,
            ly - 10.0,
            w - right + 30.0,
            ly,
            esc(name)
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// Each reform's mean cost against its effect on `metric` (with 95% CI).
pub fn cost_effect(compare: &Table, metric: &str) -> Option<String> {
    let pts: Vec<(&str, f64, f64, f64, f64)> = compare
        .rows
        .iter()
        .filter(|r| compare.text(r, "metric") == metric)
        .filter_map(|r| {
            let d = compare.num(r, "diff_mean")?;
            Some((
                compare.text(r, "scenario"),
                compare.num(r, "fiscal_cost_net_mean")? / 1e6,
                d,
                compare.num(r, "ci95_low").unwrap_or(d),
                compare.num(r, "ci95_high").unwrap_or(d),
            ))
        })
        .collect();
    if pts.is_empty() {
        return None;
    }
    let (w, h, left, right, top, bottom) = (760.0, 380.0, 70.0, 30.0, 30.0, 44.0);
    let x1 = pts.iter().map(|p| p.1).fold(0.0f64, f64::max) * 1.08 + 1e-9;
    let y0 = pts.iter().map(|p| p.3).fold(0.0f64, f64::min);
    let y1 = pts.iter().map(|p| p.4).fold(0.0f64, f64::max);
    let (y0, y1) = padded(y0, y1, 0.08);
    let x = |v: f64| scale(v, 0.0, x1, left, w - right);
    let y = |v: f64| scale(v, y0, y1, h - bottom, top);
    let mut s = svg_open(
        "cost",
        w,
        h,
        &format!("Cost and effect: {metric}"),
        left,
        &format!("Reform cost (million yuan over the horizon) against Δ {}", metric),
    );
    y_grid(&mut s, y0, y1, y, left, w - right);
    x_labels(&mut s, 0.0, x1, x, h - bottom + 16.0);
    let zy = y(0.0);
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{zy:.1}" x2="{:.1}" y2="{zy:.1}" stroke="#2e3440" stroke-dasharray="4 3"/>"##,
        w - right
    );
    for (name, c, d, l, u) in &pts {
        let (px, py) = (x(*c), y(*d));
        let _ = write!(
            s,
            r##"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#5e81ac"/><circle cx="{px:.1}" cy="{py:.1}" r="4" fill="#5e81ac"><title>{}: cost {} M yuan, Δ {} [{}, {}]</title></circle><text x="{:.1}" y="{:.1}" class="small">{}</text>"##,
            y(*l),
            y(*u),
            esc(name),
            fmt(*c),
            fmt(*d),
            fmt(*l),
            fmt(*u),
            px + 6.0,
            py - 6.0,
            esc(name)
        );
    }
    s.push_str("</svg>");
    Some(s)
}

fn html_table(t: &Table, keep: impl Fn(&[String]) -> bool) -> String {
    let mut s = String::from("<table><thead><tr>");
    for h in &t.header {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr></thead><tbody>");
    for r in t.rows.iter().filter(|r| keep(r)) {
        s.push_str("<tr>");
        for c in r {
            let cell = c.parse::<f64>().map(fmt).unwrap_or_else(|_| esc(c));
            let _ = write!(s, "<td>{cell}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

/// Everything the page is built from.
pub struct Inputs<'a> {
    pub manifest_json: &'a str,
    pub summary: &'a Table,
    pub compare: Option<&'a Table>,
    pub timeseries: Option<&'a Table>,
    /// Scenarios shown in fan charts (baseline first).
    pub fan_scenarios: Vec<String>,
}

/// The whole page.
pub fn render(inp: &Inputs) -> String {
    let manifest: serde_json::Value = serde_json::from_str(inp.manifest_json).unwrap_or(serde_json::Value::Null);
    let baseline = manifest.get("baseline").and_then(|v| v.as_str()).unwrap_or("baseline");
    let reps = manifest.get("replications").and_then(|v| v.as_u64()).unwrap_or(0);
    let mut s = String::new();
    s.push_str(r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>shequ report</title><style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#2e3440;padding:0 1rem}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d8dee9}
.chart{display:block;margin:1rem 0;background:#fff}.title{font-size:14px;font-weight:600}.tick{font-size:11px;fill:#4c566a}
.label{font-size:12px}.small{font-size:10px;fill:#4c566a}table{border-collapse:collapse;font-size:12px;margin:1rem 0}
td,th{border:1px solid #d8dee9;padding:2px 6px;text-align:right}th{background:#eceff4}td:first-child,td:nth-child(2){text-align:left}
.note{color:#4c566a;font-size:14px}details{margin:1rem 0}pre{background:#eceff4;padding:1rem;overflow-x:auto;font-size:12px}
</style></head><body>"#);
    let _ = write!(
        s,
        "<h1>shequ report</h1><p class=\"note\">Each reform compared with <b>{}</b> over {} replications under common random numbers: replication r of every scenario uses the same seed, so differences are paired. Intervals are 95% Student-t intervals of the paired differences; green means the interval lies wholly on the better side, red wholly on the worse side.</p>",
        esc(baseline),
        reps
    );
    if let Some(c) = inp.compare {
        s.push_str("<h2>What each reform does</h2>");
        for m in FOREST_METRICS {
            if let Some(svg) = forest(c, m) {
                s.push_str(&svg);
            }
        }
        s.push_str("<h2>Cost against effect</h2>");
        for m in ["satisfaction_mean", "needs_met_share"] {
            if let Some(svg) = cost_effect(c, m) {
                s.push_str(&svg);
            }
        }
    }
    if let Some(ts) = inp.timeseries {
        s.push_str("<h2>Over time</h2>");
        let names: Vec<&str> = inp.fan_scenarios.iter().map(String::as_str).collect();
        for m in FAN_METRICS {
            if let Some(svg) = fan(ts, m, &names) {
                s.push_str(&svg);
            }
        }
    }
    if let Some(c) = inp.compare {
        s.push_str("<h2>Comparison table (compare.csv)</h2>");
        s.push_str(&html_table(c, |_| true));
    }
    s.push_str("<h2>Summary table (summary.csv)</h2>");
    s.push_str(&html_table(inp.summary, |_| true));
    s.push_str("<h2>Provenance (manifest.json)</h2><details open><summary>manifest</summary><pre>");
    s.push_str(&esc(&serde_json::to_string_pretty(&manifest).unwrap_or_default()));
    s.push_str("</pre></details></body></html>\n");
    s
}

/// Reads a CSV file as a `Table`.
pub fn read_table(path: &Path) -> Result<Table, FileError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| InputError::new(path, format!("not a CSV file: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            InputError::new(path, format!("bad row: {e}")).at(line, 1)
        })?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok(Table { header, rows })
}

/// A run's output folder, as the report reads it.
pub struct RunFolder {
    pub manifest_json: String,
    pub summary: Table,
    pub compare: Option<Table>,
    pub timeseries: Option<Table>,
}

/// Reads manifest.json and summary.csv of the run in `dir`, and compare.csv
/// and timeseries.csv where they exist.
pub fn read_run(dir: &Path) -> Result<RunFolder, FileError> {
    let manifest_path = dir.join("manifest.json");
    let manifest_json = std::fs::read_to_string(&manifest_path).map_err(io_err(&manifest_path))?;
    let summary = read_table(&dir.join("summary.csv"))?;
    let optional = |name: &str| {
        let p = dir.join(name);
        if p.exists() {
            read_table(&p).map(Some)
        } else {
            Ok(None)
        }
    };
    let compare = optional("compare.csv")?;
    let timeseries = optional("timeseries.csv")?;
    Ok(RunFolder {
        manifest_json,
        summary,
        compare,
        timeseries,
    })
}

/// Writes `report.html` in `dir`; returns its path.
pub fn write_report(dir: &Path, html: &str) -> io::Result<PathBuf> {
    write_atomic(dir, "report.html", |w| w.write_all(html.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_range_with_round_steps() {
        let t = ticks(-0.013, 0.087, 5);
        assert!(t.first().is_some_and(|v| *v >= -0.013) && t.last().is_some_and(|v| *v <= 0.087));
        assert!(t.contains(&0.0));
        assert!(t.len() >= 4);
    }

    #[test]
    fn forest_marks_better_and_worse() {
        let c = Table {
            header: ["scenario", "metric", "diff_mean", "ci95_low", "ci95_high"]
                .map(String::from)
                .to_vec(),
            rows: vec![
                ["a", "satisfaction_mean", "0.1", "0.05", "0.15"]
                    .map(String::from)
                    .to_vec(),
                ["b", "satisfaction_mean", "-0.1", "-0.15", "-0.05"]
                    .map(String::from)
                    .to_vec(),
            ],
        };
        let svg = forest(&c, "satisfaction_mean").unwrap();
        assert!(svg.contains("#2e7d32") && svg.contains("#c62828"));
        assert!(forest(&c, "nothing").is_none());
    }
}
