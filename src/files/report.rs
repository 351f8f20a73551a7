//! `shequ report`: one self-contained HTML page (inline SVG, no scripts, no
//! network) from an output folder. For a study (run or merge): a summary
//! paragraph, forest plots of each reform's paired difference, cost against
//! effect on a log axis, fan charts of the monthly series and, when
//! `compare_timeseries.csv` is there, each reform's effect over time; then
//! the headline, comparison and summary tables and the provenance. For a
//! sweep: the design, the sensitivity indices drawn as bars with their
//! intervals (Sobol S1/ST or Morris μ*/σ) and their table.
//! `read_folder` reads the folder, `render` and `render_sweep` are pure
//! (tables in, HTML out) and `write_report` writes report.html.

use crate::files::atomic::write_atomic;
use crate::files::error::{io_err, FileError, InputError};
use crate::model::metrics::{MetricDef, METRICS};
use std::collections::BTreeMap;
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

    /// Distinct values of column `name`, in order of appearance.
    fn distinct(&self, name: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.rows {
            let v = self.text(r, name);
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
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

/// Metrics drawn as fan charts and, from compare_timeseries.csv, as effects
/// over time.
pub const FAN_METRICS: [&str; 4] = [
    "satisfaction_mean",
    "needs_met_share",
    "committee_admin_share",
    "informal_intensity",
];

/// Metrics of the headline table (then the cost).
pub const HEADLINE_METRICS: [&str; 6] = [
    "satisfaction_mean",
    "needs_met_share",
    "committee_admin_share",
    "cadre_turnover_rate",
    "informal_intensity",
    "enforcement_resolution_rate",
];

/// Metrics drawn against reform cost.
pub const COST_METRICS: [&str; 2] = ["satisfaction_mean", "needs_met_share"];

/// Scenario colours for fan charts.
const PALETTE: [&str; 6] = ["#4c566a", "#d08770", "#5e81ac", "#a3be8c", "#b48ead", "#ebcb8b"];
const GOOD: &str = "#2e7d32";
const BAD: &str = "#c62828";
const GREY: &str = "#616161";

/// Width of every chart's coordinate system; charts scale to the page.
const W: f64 = 1000.0;

/// Escaped, with line-break opportunities after `_` and `.` (long scenario,
/// factor and column names in narrow table columns).
fn breakable(s: &str) -> String {
    esc(s).replace('_', "_<wbr>").replace('.', ".<wbr>")
}

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

/// A signed number for effects: `+0.0255`, `-0.174`.
fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", fmt(v))
    } else {
        fmt(v)
    }
}

/// An integer with thousands separators.
fn thousands(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 && digits.chars().any(|c| c != '0') {
        out.insert(0, '-');
    }
    out
}

/// A value in its unit for eyes: money in millions (`12.3 M`) or with
/// thousands separators, counts of persons and jobs as integers, the rest
/// to four significant digits.
pub fn fmt_value(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let money = unit.starts_with("yuan");
    if money && v.abs() >= 1e6 {
        return format!("{} M", fmt(v / 1e6));
    }
    if (money || matches!(unit, "persons" | "jobs")) && v.abs() >= 1000.0 {
        return thousands(v);
    }
    fmt(v)
}

/// Formats a group of values (a chart, a table column or row) alike, with
/// the decimals that show the largest of them to four significant digits;
/// money above a million in millions, money, persons and jobs above a
/// thousand as integers with separators.
#[derive(Debug, Clone, Copy)]
struct Col {
    millions: bool,
    decimals: usize,
}

impl Col {
    fn new(unit: &str, values: impl IntoIterator<Item = f64>) -> Col {
        let max = values
            .into_iter()
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let money = unit.starts_with("yuan");
        let millions = money && max >= 1e6;
        let counted = (money || matches!(unit, "persons" | "jobs")) && max >= 1000.0;
        let shown = if millions { max / 1e6 } else { max };
        let decimals = if counted && !millions {
            0
        } else if shown > 0.0 {
            (3.0 - shown.log10().floor()).clamp(0.0, 9.0) as usize
        } else {
            0
        };
        Col { millions, decimals }
    }

    fn value(&self, v: f64) -> String {
        if !v.is_finite() {
            return String::new();
        }
        let x = if self.millions { v / 1e6 } else { v };
        let d = self.decimals;
        let mut t = if d == 0 { thousands(x) } else { format!("{x:.d$}") };
        if t.starts_with('-') && t[1..].chars().all(|c| c == '0' || c == '.' || c == ',') {
            t.remove(0);
        }
        if self.millions {
            t.push_str("\u{a0}M"); // no break between the number and its M
        }
        t
    }

    /// Signed, for effects.
    fn effect(&self, v: f64) -> String {
        let t = self.value(v);
        if v > 0.0 && t.chars().any(|c| c.is_ascii_digit() && c != '0') {
            format!("+{t}")
        } else {
            t
        }
    }

    fn interval(&self, lo: Option<f64>, hi: Option<f64>) -> String {
        match (lo, hi) {
            (Some(l), Some(h)) => format!("[{}, {}]", self.value(l), self.value(h)),
            _ => String::new(),
        }
    }
}

fn metric_def(name: &str) -> Option<&'static MetricDef> {
    METRICS.iter().find(|m| m.name == name)
}

fn unit_of(metric: &str) -> &'static str {
    metric_def(metric).map_or("", |m| m.unit)
}

/// A unit in words.
fn unit_words(unit: &str) -> &str {
    match unit {
        "0..1" => "index 0–1",
        "1/year" => "per year",
        "1/month" => "per month",
        other => other,
    }
}

/// "Residents' satisfaction (index 0–1)".
pub fn metric_label(metric: &str) -> String {
    match metric_def(metric) {
        Some(m) => format!("{} ({})", m.label(), unit_words(m.unit)),
        None => metric.to_string(),
    }
}

/// "Residents' satisfaction" (no unit).
fn short_label(metric: &str) -> &str {
    metric_def(metric).map_or(metric, |m| m.label())
}

fn direction(metric: &str) -> &'static str {
    metric_def(metric).map_or("neutral", |m| m.direction.as_str())
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
    if step >= 1000.0 {
        return thousands(v);
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

/// Green when the interval lies wholly on the better side, red when wholly
/// on the worse side, grey otherwise.
fn verdict_colour(dir: &str, lo: f64, hi: f64) -> &'static str {
    match dir {
        "higher" if lo > 0.0 => GOOD,
        "higher" if hi < 0.0 => BAD,
        "lower" if hi < 0.0 => GOOD,
        "lower" if lo > 0.0 => BAD,
        _ => GREY,
    }
}

/// Opens an SVG chart (it scales to the page width) and writes its title.
fn svg_open(class: &str, w: f64, h: f64, label: &str, left: f64, title: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart {class}" xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {w} {h}" preserveAspectRatio="xMinYMin meet" role="img" aria-label="{}">"#,
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
fn y_grid(s: &mut String, lo: f64, hi: f64, y: impl Fn(f64) -> f64, left: f64, right_x: f64, n: usize) {
    for (t, label) in labelled_ticks(lo, hi, n) {
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
fn x_labels(s: &mut String, lo: f64, hi: f64, x: impl Fn(f64) -> f64, label_y: f64, n: usize) {
    for (t, label) in labelled_ticks(lo, hi, n) {
        let tx = x(t);
        let _ = write!(
            s,
            r#"<text x="{tx:.1}" y="{label_y:.1}" class="tick" text-anchor="middle">{label}</text>"#
        );
    }
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
    let (row_h, left, right, top) = (22.0, 210.0, 230.0, 30.0);
    let h = top + row_h * rows.len() as f64 + 40.0;
    let lo = rows.iter().map(|r| r.2).fold(0.0f64, f64::min);
    let hi = rows.iter().map(|r| r.3).fold(0.0f64, f64::max);
    let (lo, hi) = padded(lo, hi, 0.05);
    let x = |v: f64| scale(v, lo, hi, left, W - right);
    let dir = direction(metric);
    let better = match dir {
        "higher" => "; higher is better",
        "lower" => "; lower is better",
        _ => "",
    };
    let mut s = svg_open(
        "forest",
        W,
        h,
        &format!("Forest plot: {metric}"),
        10.0,
        &format!(
            "{}: change against the baseline (mean, 95% CI{better})",
            metric_label(metric)
        ),
    );
    let bottom = top + row_h * rows.len() as f64;
    for (t, label) in labelled_ticks(lo, hi, 6) {
        let tx = x(t);
        let _ = write!(
            s,
            r##"<line x1="{tx:.1}" y1="{top}" x2="{tx:.1}" y2="{bottom}" stroke="#e5e9f0"/><text x="{tx:.1}" y="{:.1}" class="tick" text-anchor="middle">{label}</text>"##,
            bottom + 16.0
        );
    }
    let zx = x(0.0);
    let _ = write!(
        s,
        r##"<line x1="{zx:.1}" y1="{top}" x2="{zx:.1}" y2="{bottom}" stroke="#2e3440" stroke-dasharray="4 3"/>"##
    );
    let col = Col::new(unit_of(metric), rows.iter().flat_map(|r| [r.1, r.2, r.3]));
    for (i, (name, d, l, u)) in rows.iter().enumerate() {
        let y = top + row_h * (i as f64 + 0.5);
        let colour = verdict_colour(dir, *l, *u);
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="end">{}</text>"#,
            left - 8.0,
            y + 4.0,
            esc(name)
        );
        let _ = write!(
            s,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="2"/><circle cx="{:.1}" cy="{y:.1}" r="4" fill="{colour}"><title>{}: {} [{}, {}]</title></circle><text x="{:.1}" y="{:.1}" class="small">{} [{}, {}]</text>"#,
            x(*l),
            x(*u),
            x(*d),
            esc(name),
            fmt(*d),
            fmt(*l),
            fmt(*u),
            W - right + 12.0,
            y + 4.0,
            esc(&col.effect(*d)),
            esc(&col.value(*l)),
            esc(&col.value(*u)),
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// One month of a fan chart: (month, p05, p50, p95).
type Band = (f64, f64, f64, f64);

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
    let (h, left, right, top, bottom) = (320.0, 80.0, 230.0, 30.0, 40.0);
    let all = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(m, a, _, b) in all {
        x0 = x0.min(m);
        x1 = x1.max(m);
        y0 = y0.min(a);
        y1 = y1.max(b);
    }
    let (y0, y1) = padded(y0, y1, 0.05);
    let x = |v: f64| scale(v, x0, x1, left, W - right);
    let y = |v: f64| scale(v, y0, y1, h - bottom, top);
    let mut s = svg_open(
        "fan",
        W,
        h,
        &format!("Fan chart: {metric}"),
        left,
        &format!("{} by month (median and 5–95% of replications)", metric_label(metric)),
    );
    y_grid(&mut s, y0, y1, y, left, W - right, 5);
    x_labels(&mut s, x0, x1, x, h - bottom + 16.0, 6);
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">month</text>"#,
        (left + W - right) / 2.0,
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
            W - right + 12.0,
            ly - 10.0,
            W - right + 30.0,
            ly,
            esc(name)
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// Spreads label positions (sorted by their wanted y) at least `gap` apart
/// within [lo, hi], as close to where they are wanted as that allows.
fn spread(wanted: &[f64], gap: f64, lo: f64, hi: f64) -> Vec<f64> {
    let mut y: Vec<f64> = Vec::with_capacity(wanted.len());
    for (i, &w) in wanted.iter().enumerate() {
        let prev = if i == 0 { lo } else { y[i - 1] + gap };
        y.push(w.max(prev));
    }
    let mut limit = hi;
    for v in y.iter_mut().rev() {
        *v = v.min(limit);
        limit = *v - gap;
    }
    y
}

/// Each reform's mean cost (log axis) against its effect on `metric`, with
/// 95% CIs; names in a column on the right, joined to their points, so no
/// two overlap whatever the spread of costs.
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
    type Point<'a> = (&'a str, f64, f64, f64, f64);
    let (costed, free): (Vec<&Point>, Vec<&Point>) = pts.iter().partition(|p| p.1 > 0.0);
    if costed.is_empty() {
        return None;
    }
    let (h, left, top, bottom) = (440.0, 80.0, 30.0, 58.0);
    let plot_right = W - 260.0;
    let label_x = plot_right + 40.0;
    let cmin = costed.iter().map(|p| p.1).fold(f64::MAX, f64::min);
    let cmax = costed.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    let d0 = (cmin / 1.5).log10().floor();
    let d1 = (cmax * 1.5).log10().ceil().max(d0 + 1.0);
    let x = |c: f64| scale(c.log10(), d0, d1, left, plot_right);
    let y0 = costed.iter().map(|p| p.3).fold(0.0f64, f64::min);
    let y1 = costed.iter().map(|p| p.4).fold(0.0f64, f64::max);
    let (y0, y1) = padded(y0, y1, 0.08);
    let y = |v: f64| scale(v, y0, y1, h - bottom, top);
    let mut s = svg_open(
        "cost",
        W,
        h,
        &format!("Cost and effect: {metric}"),
        left,
        &format!(
            "{}: change against reform cost (million yuan over the horizon, log scale)",
            metric_label(metric)
        ),
    );
    y_grid(&mut s, y0, y1, y, left, plot_right, 5);
    let mut decade = d0;
    while decade <= d1 + 1e-9 {
        for m in [1.0, 2.0, 5.0] {
            let c = m * 10f64.powf(decade);
            if c.log10() > d1 + 1e-9 {
                break;
            }
            let cx = x(c);
            let (stroke, label) = if m == 1.0 {
                ("#d8dee9", format!("{} M", fmt_log_tick(c)))
            } else {
                ("#eceff4", String::new())
            };
            let _ = write!(
                s,
                r#"<line x1="{cx:.1}" y1="{top}" x2="{cx:.1}" y2="{:.1}" stroke="{stroke}"/>"#,
                h - bottom
            );
            if !label.is_empty() {
                let _ = write!(
                    s,
                    r#"<text x="{cx:.1}" y="{:.1}" class="tick" text-anchor="middle">{label}</text>"#,
                    h - bottom + 16.0
                );
            }
        }
        decade += 1.0;
    }
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">reform cost, million yuan (log scale)</text>"#,
        (left + plot_right) / 2.0,
        h - bottom + 34.0
    );
    let zy = y(0.0);
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{zy:.1}" x2="{plot_right:.1}" y2="{zy:.1}" stroke="#2e3440" stroke-dasharray="4 3"/>"##
    );
    let dir = direction(metric);
    let mut order: Vec<usize> = (0..costed.len()).collect();
    order.sort_by(|&a, &b| y(costed[a].2).total_cmp(&y(costed[b].2)));
    let wanted: Vec<f64> = order.iter().map(|&i| y(costed[i].2)).collect();
    let placed = spread(&wanted, 14.0, top + 4.0, h - bottom);
    for (k, &i) in order.iter().enumerate() {
        let (name, c, d, l, u) = costed[i];
        let (px, py) = (x(*c), y(*d));
        let colour = verdict_colour(dir, *l, *u);
        let ly = placed[k];
        let _ = write!(
            s,
            r##"<line x1="{:.1}" y1="{py:.1}" x2="{:.1}" y2="{ly:.1}" stroke="#d8dee9"/><line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="{colour}"/><circle cx="{px:.1}" cy="{py:.1}" r="4" fill="{colour}"><title>{}: cost {} M yuan, Δ {} [{}, {}]</title></circle><text x="{label_x:.1}" y="{:.1}" class="small">{} ({} M)</text>"##,
            px + 5.0,
            label_x - 4.0,
            y(*l),
            y(*u),
            esc(name),
            fmt(*c),
            fmt(*d),
            fmt(*l),
            fmt(*u),
            ly + 3.5,
            esc(name),
            compact(*c)
        );
    }
    if !free.is_empty() {
        let names: Vec<&str> = free.iter().map(|p| p.0).collect();
        let _ = write!(
            s,
            r#"<text x="{left}" y="{:.1}" class="small">No extra cost (not on the log axis): {}</text>"#,
            h - 6.0,
            esc(&names.join(", "))
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// Three significant digits, no trailing zeros: 287, 12.3, 1.25, 0.3.
fn compact(v: f64) -> String {
    let d = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else if v.abs() >= 1.0 {
        2
    } else {
        3
    };
    let t = format!("{v:.d$}");
    if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        t
    }
}

fn fmt_log_tick(c: f64) -> String {
    if c >= 1.0 {
        thousands(c)
    } else {
        format!("{c}")
    }
}

/// One month of an effect: (month, diff_mean, ci95_low, ci95_high).
type Effect = (f64, f64, f64, f64);

/// Each scenario's effect on `metric` month by month (paired mean difference
/// with its 95% band), one small panel per scenario on a shared y axis,
/// from compare_timeseries.csv.
pub fn effect_panels(cts: &Table, metric: &str) -> Option<String> {
    let series: Vec<(&str, Vec<Effect>)> = cts
        .distinct("scenario")
        .into_iter()
        .map(|sc| {
            let pts: Vec<Effect> = cts
                .rows
                .iter()
                .filter(|r| cts.text(r, "scenario") == sc && cts.text(r, "metric") == metric)
                .filter_map(|r| {
                    let d = cts.num(r, "diff_mean")?;
                    Some((
                        cts.num(r, "month")?,
                        d,
                        cts.num(r, "ci95_low").unwrap_or(d),
                        cts.num(r, "ci95_high").unwrap_or(d),
                    ))
                })
                .collect();
            (sc, pts)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    if series.is_empty() {
        return None;
    }
    let cols = series.len().min(4);
    let rows = series.len().div_ceil(cols);
    let (left, top, gap_x, gap_y, panel_h) = (70.0, 34.0, 16.0, 46.0, 110.0);
    let panel_w = (W - left - 10.0 - gap_x * (cols as f64 - 1.0)) / cols as f64;
    let h = top + rows as f64 * (panel_h + gap_y) + 10.0;
    let all = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, 0.0f64, 0.0f64);
    for &(m, _, l, u) in all {
        x0 = x0.min(m);
        x1 = x1.max(m);
        y0 = y0.min(l);
        y1 = y1.max(u);
    }
    let (y0, y1) = padded(y0, y1, 0.05);
    let mut s = svg_open(
        "effect",
        W,
        h,
        &format!("Effect over time: {metric}"),
        left,
        &format!(
            "{}: change against the baseline by month (mean and 95% CI)",
            metric_label(metric)
        ),
    );
    let dir = direction(metric);
    for (i, (name, pts)) in series.iter().enumerate() {
        let (c, r) = ((i % cols) as f64, (i / cols) as f64);
        let px0 = left + c * (panel_w + gap_x);
        let px1 = px0 + panel_w;
        let py0 = top + r * (panel_h + gap_y) + 16.0;
        let py1 = py0 + panel_h - 16.0;
        let x = |v: f64| scale(v, x0, x1, px0, px1);
        let y = |v: f64| scale(v, y0, y1, py1, py0);
        let _ = write!(
            s,
            r##"<rect x="{px0:.1}" y="{py0:.1}" width="{panel_w:.1}" height="{:.1}" fill="none" stroke="#e5e9f0"/><text x="{px0:.1}" y="{:.1}" class="label">{}</text>"##,
            py1 - py0,
            py0 - 4.0,
            esc(name)
        );
        if c == 0.0 {
            for (t, label) in labelled_ticks(y0, y1, 3) {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{label}</text>"#,
                    px0 - 4.0,
                    y(t) + 4.0
                );
            }
        }
        for (t, label) in labelled_ticks(x0, x1, 4) {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">{label}</text>"#,
                x(t),
                py1 + 13.0
            );
        }
        let zy = y(0.0);
        let _ = write!(
            s,
            r##"<line x1="{px0:.1}" y1="{zy:.1}" x2="{px1:.1}" y2="{zy:.1}" stroke="#2e3440" stroke-dasharray="3 3"/>"##
        );
        let last = pts.last().copied().unwrap_or((0.0, 0.0, 0.0, 0.0));
        let colour = verdict_colour(dir, last.2, last.3);
        let mut band = String::new();
        for &(m, _, l, _) in pts {
            let _ = write!(band, "{:.1},{:.1} ", x(m), y(l));
        }
        for &(m, _, _, u) in pts.iter().rev() {
            let _ = write!(band, "{:.1},{:.1} ", x(m), y(u));
        }
        let line: String = pts
            .iter()
            .map(|&(m, d, _, _)| format!("{:.1},{:.1} ", x(m), y(d)))
            .collect();
        let _ = write!(
            s,
            r#"<polygon points="{band}" fill="{colour}" fill-opacity="0.2" stroke="none"/><polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.5"><title>{}: month {}, Δ {} [{}, {}]</title></polyline>"#,
            esc(name),
            last.0,
            fmt(last.1),
            fmt(last.2),
            fmt(last.3)
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// A table of cells already formatted (escaped here); `numeric` columns are
/// right-aligned.
fn table(header: &[String], rows: &[Vec<String>], numeric: &[bool]) -> String {
    let mut s = String::from(r#"<div class="table"><table>"#);
    if header.iter().any(|h| !h.is_empty()) {
        s.push_str("<thead><tr>");
        for (i, h) in header.iter().enumerate() {
            let class = if numeric.get(i).copied().unwrap_or(false) {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(s, "<th{class}>{}</th>", breakable(h));
        }
        s.push_str("</tr></thead>");
    }
    s.push_str("<tbody>");
    for r in rows {
        s.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let class = if numeric.get(i).copied().unwrap_or(false) {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(s, "<td{class}>{c}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    s
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// An interval `[lo, hi]` in the metric's unit.
fn interval(lo: Option<f64>, hi: Option<f64>, unit: &str) -> String {
    match (lo, hi) {
        (Some(l), Some(h)) => format!("[{}, {}]", fmt_value(l, unit), fmt_value(h, unit)),
        _ => String::new(),
    }
}

/// The headline table: each scenario's change in the headline metrics,
/// mean over its interval, coloured by verdict.
fn headline_html(compare: &Table) -> String {
    let metrics = HEADLINE_METRICS;
    let mut header = vec!["scenario".to_string()];
    header.extend(metrics.iter().map(|m| format!("Δ {}", metric_label(m))));
    header.push("reform cost (yuan)".into());
    let mut rows = Vec::new();
    let cols: Vec<Col> = metrics
        .iter()
        .map(|m| {
            let values = compare
                .rows
                .iter()
                .filter(|r| compare.text(r, "metric") == *m)
                .flat_map(|r| ["diff_mean", "ci95_low", "ci95_high"].map(|k| compare.num(r, k).unwrap_or(0.0)));
            Col::new(unit_of(m), values)
        })
        .collect();
    let costs = Col::new(
        "yuan",
        compare
            .rows
            .iter()
            .filter_map(|r| compare.num(r, "fiscal_cost_net_mean")),
    );
    for sc in compare.distinct("scenario") {
        let mut row = vec![breakable(sc)];
        for (m, col) in metrics.iter().zip(&cols) {
            let cell = compare
                .rows
                .iter()
                .find(|r| compare.text(r, "scenario") == sc && compare.text(r, "metric") == *m)
                .map(|r| {
                    let d = compare.num(r, "diff_mean").unwrap_or(f64::NAN);
                    let (lo, hi) = (compare.num(r, "ci95_low"), compare.num(r, "ci95_high"));
                    let class = match verdict_colour(direction(m), lo.unwrap_or(d), hi.unwrap_or(d)) {
                        GOOD => "good",
                        BAD => "bad",
                        _ => "",
                    };
                    format!(
                        r#"<span class="{class}">{}</span><br><span class="ci">{}</span>"#,
                        esc(&col.effect(d)),
                        esc(&col.interval(lo, hi))
                    )
                })
                .unwrap_or_default();
            row.push(cell);
        }
        let cost = compare
            .rows
            .iter()
            .find(|r| compare.text(r, "scenario") == sc)
            .and_then(|r| compare.num(r, "fiscal_cost_net_mean"))
            .map(|v| costs.value(v))
            .unwrap_or_default();
        row.push(esc(&cost));
        rows.push(row);
    }
    let mut numeric = vec![false];
    numeric.extend(metrics.iter().map(|_| true));
    numeric.push(true);
    table(&header, &rows, &numeric)
}

/// compare.csv as a table for eyes.
fn compare_html(compare: &Table) -> String {
    let header = strings(&[
        "scenario",
        "metric",
        "n",
        "baseline",
        "scenario mean",
        "Δ mean",
        "95% CI",
        "relative",
        "share better",
        "cost",
        "Δ per M yuan",
    ]);
    let rows: Vec<Vec<String>> = compare
        .rows
        .iter()
        .map(|r| {
            let m = compare.text(r, "metric");
            let unit = unit_of(m);
            let n = |k: &str| compare.num(r, k);
            let level = Col::new(unit, [n("baseline_mean"), n("scenario_mean")].into_iter().flatten());
            let diff = Col::new(
                unit,
                [n("diff_mean"), n("ci95_low"), n("ci95_high")].into_iter().flatten(),
            );
            vec![
                breakable(compare.text(r, "scenario")),
                esc(&metric_label(m)),
                esc(compare.text(r, "n")),
                n("baseline_mean").map(|v| level.value(v)).unwrap_or_default(),
                n("scenario_mean").map(|v| level.value(v)).unwrap_or_default(),
                n("diff_mean").map(|v| diff.effect(v)).unwrap_or_default(),
                diff.interval(n("ci95_low"), n("ci95_high")),
                n("rel_change")
                    .map(|v| format!("{}%", signed(100.0 * v)))
                    .unwrap_or_default(),
                n("share_better")
                    .map(|v| format!("{:.0}%", 100.0 * v))
                    .unwrap_or_default(),
                n("fiscal_cost_net_mean")
                    .map(|v| fmt_value(v, "yuan"))
                    .unwrap_or_default(),
                n("diff_per_million_yuan")
                    .map(|v| Col::new("", [v]).value(v))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let numeric = [false, false, true, true, true, true, true, true, true, true, true];
    table(&header, &rows, &numeric)
}

/// summary.csv as a table for eyes.
fn summary_html(summary: &Table) -> String {
    let header = strings(&[
        "scenario", "metric", "n", "failed", "mean", "sd", "95% CI", "p05", "p50", "p95",
    ]);
    let rows: Vec<Vec<String>> = summary
        .rows
        .iter()
        .map(|r| {
            let m = summary.text(r, "metric");
            let unit = unit_of(m);
            let col = Col::new(
                unit,
                ["mean", "sd", "p05", "p50", "p95"]
                    .iter()
                    .filter_map(|k| summary.num(r, k)),
            );
            let v = |k: &str| summary.num(r, k).map(|x| col.value(x)).unwrap_or_default();
            vec![
                breakable(summary.text(r, "scenario")),
                esc(&metric_label(m)),
                esc(summary.text(r, "n")),
                esc(summary.text(r, "failed")),
                v("mean"),
                v("sd"),
                col.interval(summary.num(r, "ci95_low"), summary.num(r, "ci95_high")),
                v("p05"),
                v("p50"),
                v("p95"),
            ]
        })
        .collect();
    let numeric = [false, false, true, true, true, true, true, true, true, true];
    table(&header, &rows, &numeric)
}

fn json_str<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v.get(key).and_then(|x| x.as_str()).unwrap_or("")
}

fn json_u64(v: &serde_json::Value, key: &str) -> u64 {
    v.get(key).and_then(|x| x.as_u64()).unwrap_or(0)
}

/// The longest common folder of some paths (for shorter file names).
fn common_folder(paths: &[&str]) -> String {
    let Some(first) = paths.first() else {
        return String::new();
    };
    let mut prefix: Vec<&str> = first.split('/').collect();
    prefix.pop();
    for p in &paths[1..] {
        let parts: Vec<&str> = p.split('/').collect();
        let same = prefix.iter().zip(&parts).take_while(|(a, b)| a == b).count();
        prefix.truncate(same.min(parts.len().saturating_sub(1)));
    }
    prefix.join("/")
}

/// Run facts and every input file with its SHA-256, each once.
fn provenance_html(manifest: &serde_json::Value) -> String {
    let mut s = String::new();
    let mut facts: Vec<Vec<String>> = Vec::new();
    for (label, key) in [
        ("tool version", "version"),
        ("git commit", "git_commit"),
        ("started (UTC)", "start_time_utc"),
        ("finished (UTC)", "end_time_utc"),
        ("seed derivation", "seed_derivation"),
    ] {
        let v = json_str(manifest, key);
        if !v.is_empty() {
            facts.push(vec![label.to_string(), format!("<code>{}</code>", esc(v))]);
        }
    }
    for (label, key) in [
        ("master seed", "seed"),
        ("replications per scenario", "replications"),
        ("failed replications", "failed_replications"),
        ("threads", "threads"),
        ("person-months", "person_months"),
    ] {
        if let Some(v) = manifest.get(key).and_then(|x| x.as_u64()) {
            facts.push(vec![label.to_string(), thousands(v as f64)]);
        }
    }
    if let Some(w) = manifest.get("wall_seconds").and_then(|x| x.as_f64()) {
        facts.push(vec!["wall time".into(), format!("{} s", fmt(w))]);
    }
    if let Some(cmd) = manifest.get("command_line").and_then(|x| x.as_array()) {
        let words: Vec<&str> = cmd.iter().filter_map(|w| w.as_str()).collect();
        facts.push(vec![
            "command".into(),
            format!("<code class=\"wrap\">{}</code>", esc(&words.join(" "))),
        ]);
    }
    s.push_str(&table(&strings(&["", ""]), &facts, &[false, false]));
    // Each file once, with the scenarios that use it.
    let mut files: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for sc in manifest
        .get("scenarios")
        .and_then(|x| x.as_array())
        .into_iter()
        .flatten()
    {
        let name = json_str(sc, "name").to_string();
        for src in sc.get("sources").and_then(|x| x.as_array()).into_iter().flatten() {
            let path = json_str(src, "path").to_string();
            let entry = files.entry(path.clone()).or_insert_with(|| {
                order.push(path.clone());
                (json_str(src, "sha256").to_string(), Vec::new())
            });
            if !entry.1.contains(&name) {
                entry.1.push(name.clone());
            }
        }
    }
    if !order.is_empty() {
        let paths: Vec<&str> = order.iter().map(String::as_str).collect();
        let base = common_folder(&paths);
        let _ = write!(
            s,
            "<p class=\"note\">Input files (paths below <code>{}</code>), each with its SHA-256 and the scenarios that read it:</p>",
            esc(if base.is_empty() { "/" } else { &base })
        );
        let rows: Vec<Vec<String>> = order
            .iter()
            .map(|p| {
                let (sha, users) = &files[p];
                let short = p.strip_prefix(&base).map_or(p.as_str(), |r| r.trim_start_matches('/'));
                let used = if users.len() > 4 {
                    format!("{} scenarios", users.len())
                } else {
                    users.join(", ")
                };
                vec![
                    format!("<code>{}</code>", esc(short)),
                    format!("<code class=\"hash\">{}</code>", esc(sha)),
                    esc(&used),
                ]
            })
            .collect();
        s.push_str(&table(
            &strings(&["file", "SHA-256", "read by"]),
            &rows,
            &[false, false, false],
        ));
    }
    s
}

const STYLE: &str = r#"<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#2e3440;padding:0 1rem;line-height:1.4}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d8dee9}
.chart{display:block;width:100%;height:auto;margin:1rem 0;background:#fff}.title{font-size:15px;font-weight:600}.tick{font-size:11px;fill:#4c566a}
.label{font-size:12px}.small{font-size:11px;fill:#4c566a}
.table{max-width:100%;overflow-x:auto}table{border-collapse:collapse;font-size:12px;margin:1rem 0;width:100%}details table{font-size:11px}
td,th{border:1px solid #d8dee9;padding:2px 5px;text-align:left;vertical-align:top}th{background:#eceff4}
td.n,th.n{text-align:right}.ci{color:#4c566a;font-size:10px}.good{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
code{font-size:11px}code.hash{word-break:break-all}code.wrap{word-break:break-word}
.note{color:#4c566a;font-size:14px}.summary{font-size:15px}details{margin:1rem 0}summary{cursor:pointer;font-weight:600}
</style>"#;

fn page_open(title: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title>{STYLE}</head><body>"#,
        esc(title)
    )
}

/// Everything the page of a study is built from.
pub struct Inputs<'a> {
    pub manifest_json: &'a str,
    pub summary: &'a Table,
    pub compare: Option<&'a Table>,
    pub timeseries: Option<&'a Table>,
    /// compare_timeseries.csv, when the run wrote one.
    pub compare_timeseries: Option<&'a Table>,
    /// Scenarios shown in fan charts (baseline first).
    pub fan_scenarios: Vec<String>,
}

/// A scenario's effect on `metric`: (scenario, diff, low, high).
fn effects<'a>(compare: &'a Table, metric: &str) -> Vec<(&'a str, f64, f64, f64)> {
    compare
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
        .collect()
}

/// The paragraph at the top: what was compared, how, and the largest effects.
fn summary_paragraph(manifest: &serde_json::Value, compare: Option<&Table>, summary: &Table) -> String {
    let baseline = json_str(manifest, "baseline");
    let reps = json_u64(manifest, "replications");
    let scenarios: Vec<&serde_json::Value> = manifest
        .get("scenarios")
        .and_then(|x| x.as_array())
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let base = scenarios
        .iter()
        .find(|s| json_str(s, "name") == baseline)
        .or(scenarios.first());
    let months = base.map_or(0, |b| json_u64(b, "months"));
    let persons = base.map_or(0, |b| json_u64(b, "persons_initial"));
    let scale = base
        .and_then(|b| b.get("population_scale"))
        .and_then(|x| x.as_f64())
        .unwrap_or(1.0);
    let mut p = String::from("<p class=\"summary\">");
    let sim = if scale < 1.0 {
        format!(
            "{} residents simulated at {}% scale",
            thousands(persons as f64),
            fmt(100.0 * scale)
        )
    } else {
        format!("{} residents", thousands(persons as f64))
    };
    match compare {
        Some(c) if !c.rows.is_empty() => {
            let others = scenarios.len().saturating_sub(1);
            let _ = write!(
                p,
                "This study compares {others} scenario{} with the baseline <b>{}</b> over {reps} replications each ({months} months, {sim}), paired under common random numbers: replication r of every scenario uses the same seed. ",
                if others == 1 { "" } else { "s" },
                esc(baseline)
            );
            for m in COST_METRICS {
                let mut e = effects(c, m);
                if e.is_empty() {
                    continue;
                }
                let dir = direction(m);
                let better: Vec<&(&str, f64, f64, f64)> =
                    e.iter().filter(|x| verdict_colour(dir, x.2, x.3) == GOOD).collect();
                let worse = e.iter().filter(|x| verdict_colour(dir, x.2, x.3) == BAD).count();
                let _ = write!(
                    p,
                    "{} of {} improve {} (the 95% interval wholly on the better side){}; ",
                    better.len(),
                    e.len(),
                    esc(&short_label(m).to_lowercase()),
                    if worse > 0 {
                        format!(", {worse} worsen it")
                    } else {
                        String::new()
                    }
                );
                e.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
                let unit = unit_of(m);
                e.truncate(3);
                let col = Col::new(unit, e.iter().flat_map(|x| [x.1, x.2, x.3]));
                let top: Vec<String> = e
                    .iter()
                    .map(|(n, d, l, u)| {
                        format!(
                            "<b>{}</b> {} [{}, {}]",
                            esc(n),
                            esc(&col.effect(*d)),
                            esc(&col.value(*l)),
                            esc(&col.value(*u))
                        )
                    })
                    .collect();
                let _ = write!(
                    p,
                    "the largest changes in {} ({}): {}. ",
                    esc(&short_label(m).to_lowercase()),
                    esc(unit_words(unit)),
                    top.join(", ")
                );
            }
            let costs: Vec<(&str, f64)> = c
                .rows
                .iter()
                .filter(|r| c.text(r, "metric") == "satisfaction_mean")
                .filter_map(|r| Some((c.text(r, "scenario"), c.num(r, "fiscal_cost_net_mean")?)))
                .filter(|(_, v)| *v > 0.0)
                .collect();
            if let (Some(lo), Some(hi)) = (
                costs.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
                costs.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
            ) {
                let _ = write!(
                    p,
                    "Reform costs over the horizon range from {} yuan ({}) to {} yuan ({}).",
                    esc(&fmt_value(lo.1, "yuan")),
                    esc(lo.0),
                    esc(&fmt_value(hi.1, "yuan")),
                    esc(hi.0)
                );
            }
        }
        _ => {
            let _ = write!(
                p,
                "One scenario, <b>{}</b>, over {reps} replications ({months} months, {sim}). ",
                esc(base.map_or("", |b| json_str(b, "name")))
            );
            let facts: Vec<String> = COST_METRICS
                .iter()
                .filter_map(|m| {
                    let r = summary.rows.iter().find(|r| summary.text(r, "metric") == *m)?;
                    let unit = unit_of(m);
                    Some(format!(
                        "{} {} {}",
                        esc(short_label(m)),
                        esc(&fmt_value(summary.num(r, "mean")?, unit)),
                        esc(&interval(summary.num(r, "ci95_low"), summary.num(r, "ci95_high"), unit))
                    ))
                })
                .collect();
            if !facts.is_empty() {
                let _ = write!(p, "Means with 95% intervals: {}.", facts.join("; "));
            }
        }
    }
    p.push_str("</p>");
    p
}

/// The whole page of a study.
pub fn render(inp: &Inputs) -> String {
    let manifest: serde_json::Value = serde_json::from_str(inp.manifest_json).unwrap_or(serde_json::Value::Null);
    let baseline = json_str(&manifest, "baseline");
    let mut s = page_open("shequ report");
    let title = match inp.compare {
        Some(_) => format!("shequ report: reforms compared with {baseline}"),
        None => format!("shequ report: {baseline}"),
    };
    let _ = write!(s, "<h1>{}</h1>", esc(&title));
    s.push_str(&summary_paragraph(&manifest, inp.compare, inp.summary));
    if let Some(c) = inp.compare {
        s.push_str("<p class=\"note\">Intervals are 95% Student-t intervals of the paired differences; green means the interval lies wholly on the better side, red wholly on the worse side, grey that it includes no change.</p>");
        s.push_str("<h2>Headline effects</h2>");
        s.push_str(&headline_html(c));
        s.push_str("<h2>What each reform does</h2>");
        for m in FOREST_METRICS {
            if let Some(svg) = forest(c, m) {
                s.push_str(&svg);
            }
        }
        s.push_str("<h2>Cost against effect</h2>");
        for m in COST_METRICS {
            if let Some(svg) = cost_effect(c, m) {
                s.push_str(&svg);
            }
        }
    }
    if let Some(cts) = inp.compare_timeseries {
        let charts: Vec<String> = FAN_METRICS.iter().filter_map(|m| effect_panels(cts, m)).collect();
        if !charts.is_empty() {
            s.push_str("<h2>Effects over time</h2>");
            for c in charts {
                s.push_str(&c);
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
        s.push_str("<h2>Comparison table</h2><details><summary>Every scenario and metric against the baseline (compare.csv)</summary>");
        s.push_str(&compare_html(c));
        s.push_str("</details>");
    }
    s.push_str(
        "<h2>Summary table</h2><details><summary>Every scenario and metric over replications (summary.csv)</summary>",
    );
    s.push_str(&summary_html(inp.summary));
    s.push_str("</details>");
    s.push_str("<h2>Provenance</h2>");
    s.push_str(&provenance_html(&manifest));
    s.push_str("</body></html>\n");
    s
}

/// A factor and two indices, each with its interval where there is one.
type IndexRow = (String, [(f64, Option<(f64, f64)>); 2]);

/// Bars of two indices per factor with their intervals, sorted by the
/// second (the total effect), e.g. Sobol S1 and ST or Morris μ* and σ.
fn index_bars(title: &str, legend: [&str; 2], rows: &[IndexRow], domain: (f64, f64)) -> String {
    let (left, right, top, bar, row_h) = (230.0, 40.0, 46.0, 10.0, 30.0);
    let h = top + row_h * rows.len() as f64 + 36.0;
    let (lo, hi) = domain;
    let x = |v: f64| scale(v.clamp(lo, hi), lo, hi, left, W - right);
    let mut s = svg_open("index", W, h, title, 10.0, title);
    let colours = ["#5e81ac", "#d08770"];
    let mut lx = left;
    for (k, name) in legend.iter().enumerate() {
        if k > 0 {
            // After the first entry's text (about 6.5 units a character at this size).
            lx += 16.0 + 6.5 * legend[k - 1].chars().count() as f64 + 24.0;
        }
        let _ = write!(
            s,
            r#"<rect x="{lx:.1}" y="26" width="12" height="10" fill="{}"/><text x="{:.1}" y="35" class="small">{}</text>"#,
            colours[k],
            lx + 16.0,
            esc(name)
        );
    }
    let bottom = top + row_h * rows.len() as f64;
    for (t, label) in labelled_ticks(lo, hi, 6) {
        let tx = x(t);
        let _ = write!(
            s,
            r##"<line x1="{tx:.1}" y1="{top}" x2="{tx:.1}" y2="{bottom}" stroke="#e5e9f0"/><text x="{tx:.1}" y="{:.1}" class="tick" text-anchor="middle">{label}</text>"##,
            bottom + 16.0
        );
    }
    let zx = x(0.0);
    for (i, (factor, vals)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64 + 4.0;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="end">{}</text>"#,
            left - 8.0,
            y + bar + 4.0,
            esc(factor)
        );
        for (k, (v, ci)) in vals.iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            let by = y + bar * k as f64 + 1.0;
            let (x0, x1) = (zx.min(x(*v)), zx.max(x(*v)));
            let tip = match ci {
                Some((l, u)) => format!("{}: {} [{}, {}]", legend[k], fmt(*v), fmt(*l), fmt(*u)),
                None => format!("{}: {}", legend[k], fmt(*v)),
            };
            let _ = write!(
                s,
                r#"<rect x="{x0:.1}" y="{by:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}</title></rect>"#,
                (x1 - x0).max(0.5),
                bar - 2.0,
                colours[k],
                esc(&tip)
            );
            if let Some((l, u)) = ci {
                let cy = by + (bar - 2.0) / 2.0;
                let _ = write!(
                    s,
                    r##"<line x1="{:.1}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}" stroke="#2e3440"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#2e3440"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#2e3440"/>"##,
                    x(*l),
                    x(*u),
                    x(*l),
                    cy - 3.0,
                    x(*l),
                    cy + 3.0,
                    x(*u),
                    cy - 3.0,
                    x(*u),
                    cy + 3.0
                );
            }
        }
    }
    let _ = write!(
        s,
        r##"<line x1="{zx:.1}" y1="{top}" x2="{zx:.1}" y2="{bottom}" stroke="#2e3440"/>"##
    );
    s.push_str("</svg>");
    s
}

/// Sensitivity bar charts, one per target × metric, from sensitivity.csv.
pub fn sensitivity_charts(sens: &Table) -> Vec<String> {
    let method = sens.rows.first().map_or("", |r| sens.text(r, "method"));
    let mut out = Vec::new();
    for target in sens.distinct("target") {
        for metric in sens.distinct("metric") {
            let rows: Vec<&Vec<String>> = sens
                .rows
                .iter()
                .filter(|r| sens.text(r, "target") == target && sens.text(r, "metric") == metric)
                .collect();
            if rows.is_empty() {
                continue;
            }
            let get = |r: &[String], k: &str| sens.num(r, k).unwrap_or(f64::NAN);
            let ci = |r: &[String], lo: &str, hi: &str| Some((sens.num(r, lo)?, sens.num(r, hi)?));
            let (legend, mut bars, domain): ([&str; 2], Vec<IndexRow>, (f64, f64)) = if method == "morris" {
                let bars: Vec<_> = rows
                    .iter()
                    .map(|r| {
                        (
                            sens.text(r, "factor").to_string(),
                            [
                                (get(r, "mu_star"), ci(r, "mu_star_ci95_low", "mu_star_ci95_high")),
                                (get(r, "sigma"), None),
                            ],
                        )
                    })
                    .collect();
                let hi = bars
                    .iter()
                    .flat_map(|(_, v)| [v[0].1.map_or(v[0].0, |c| c.1), v[1].0])
                    .filter(|x| x.is_finite())
                    .fold(0.0f64, f64::max);
                (
                    ["μ* (mean |elementary effect|, 95% CI)", "σ (spread of the effects)"],
                    bars,
                    (0.0, if hi > 0.0 { hi * 1.05 } else { 1.0 }),
                )
            } else {
                let bars: Vec<_> = rows
                    .iter()
                    .map(|r| {
                        (
                            sens.text(r, "factor").to_string(),
                            [
                                (
                                    get(r, "first_order"),
                                    ci(r, "first_order_ci95_low", "first_order_ci95_high"),
                                ),
                                (
                                    get(r, "total_order"),
                                    ci(r, "total_order_ci95_low", "total_order_ci95_high"),
                                ),
                            ],
                        )
                    })
                    .collect();
                let lo = bars
                    .iter()
                    .flat_map(|(_, v)| v.iter().map(|(x, c)| c.map_or(*x, |c| c.0)))
                    .filter(|x| x.is_finite())
                    .fold(0.0f64, f64::min)
                    .max(-0.5);
                let hi = bars
                    .iter()
                    .flat_map(|(_, v)| v.iter().map(|(x, c)| c.map_or(*x, |c| c.1)))
                    .filter(|x| x.is_finite())
                    .fold(1.0f64, f64::max)
                    .min(1.5);
                (
                    [
                        "S1: first-order index (alone), 95% CI",
                        "ST: total index (with interactions), 95% CI",
                    ],
                    bars,
                    (lo, hi),
                )
            };
            // Rank by ST (Sobol) or μ* (Morris).
            let key = usize::from(method != "morris");
            bars.sort_by(|a, b| b.1[key].0.total_cmp(&a.1[key].0));
            let what = if method == "morris" {
                "Morris screening"
            } else {
                "Sobol indices"
            };
            let title = format!("{what} of {} for {target}", metric_label(metric));
            out.push(index_bars(&title, legend, &bars, domain));
        }
    }
    out
}

/// sensitivity.csv as a table for eyes: the indices with their intervals.
fn sensitivity_html(sens: &Table) -> String {
    let morris = sens.rows.first().is_some_and(|r| sens.text(r, "method") == "morris");
    let cols: &[(&str, Option<(&str, &str)>)] = if morris {
        &[
            ("μ", None),
            ("μ*", Some(("mu_star_ci95_low", "mu_star_ci95_high"))),
            ("σ", None),
        ]
    } else {
        &[
            ("S1", Some(("first_order_ci95_low", "first_order_ci95_high"))),
            ("ST", Some(("total_order_ci95_low", "total_order_ci95_high"))),
        ]
    };
    let value_col = |name: &str| match name {
        "μ" => "mu",
        "μ*" => "mu_star",
        "σ" => "sigma",
        "S1" => "first_order",
        _ => "total_order",
    };
    let mut header = strings(&["target", "metric", "factor"]);
    let mut numeric = vec![false, false, false];
    for (name, ci) in cols {
        header.push(name.to_string());
        numeric.push(true);
        if ci.is_some() {
            header.push(format!("{name} 95% CI"));
            numeric.push(true);
        }
    }
    header.push("n".into());
    numeric.push(true);
    let rows: Vec<Vec<String>> = sens
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                breakable(sens.text(r, "target")),
                esc(&metric_label(sens.text(r, "metric"))),
                breakable(sens.text(r, "factor")),
            ];
            for (name, ci) in cols {
                let v = sens.num(r, value_col(name));
                let c = Col::new(
                    "",
                    [v, ci.and_then(|c| sens.num(r, c.0)), ci.and_then(|c| sens.num(r, c.1))]
                        .into_iter()
                        .flatten(),
                );
                row.push(v.map(|x| c.value(x)).unwrap_or_default());
                if let Some((lo, hi)) = ci {
                    row.push(c.interval(sens.num(r, lo), sens.num(r, hi)));
                }
            }
            row.push(esc(sens.text(r, "n")));
            row
        })
        .collect();
    table(&header, &rows, &numeric)
}

/// Everything the page of a sweep is built from.
pub struct SweepInputs<'a> {
    pub manifest_json: &'a str,
    pub sensitivity: Option<&'a Table>,
    pub design: Option<&'a Table>,
    pub summary: Option<&'a Table>,
}

/// Design points with factor values and each scenario's headline means
/// (grid and LHS designs, which have no sensitivity indices).
fn design_points_html(design: &Table, summary: Option<&Table>, factors: &[String], scenarios: &[String]) -> String {
    const SHOWN: usize = 200;
    let metrics = ["satisfaction_mean", "needs_met_share"];
    let mut means: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    if let Some(sm) = summary {
        for r in &sm.rows {
            if let Some(v) = sm.num(r, "mean") {
                means.insert(
                    (
                        sm.text(r, "point").to_string(),
                        sm.text(r, "scenario").to_string(),
                        sm.text(r, "metric").to_string(),
                    ),
                    v,
                );
            }
        }
    }
    let mut header = vec!["point".to_string()];
    header.extend(factors.iter().cloned());
    if summary.is_some() {
        for sc in scenarios {
            for m in metrics {
                header.push(format!("{sc}: {}", short_label(m)));
            }
        }
    }
    let rows: Vec<Vec<String>> = design
        .rows
        .iter()
        .take(SHOWN)
        .map(|r| {
            let point = design.text(r, "point").to_string();
            let mut row = vec![esc(&point)];
            row.extend(factors.iter().map(|f| design.num(r, f).map(fmt).unwrap_or_default()));
            if summary.is_some() {
                for sc in scenarios {
                    for m in metrics {
                        row.push(
                            means
                                .get(&(point.clone(), sc.clone(), m.to_string()))
                                .map(|v| fmt(*v))
                                .unwrap_or_default(),
                        );
                    }
                }
            }
            row
        })
        .collect();
    let numeric = vec![true; header.len()];
    let mut s = table(&header, &rows, &numeric);
    if design.rows.len() > SHOWN {
        let _ = write!(
            s,
            "<p class=\"note\">The first {SHOWN} of {} points; design.csv has them all.</p>",
            design.rows.len()
        );
    }
    s
}

/// The whole page of a sweep.
pub fn render_sweep(inp: &SweepInputs) -> String {
    let m: serde_json::Value = serde_json::from_str(inp.manifest_json).unwrap_or(serde_json::Value::Null);
    let name = json_str(&m, "experiment");
    let design = json_str(&m, "design");
    let mut s = page_open("shequ sweep report");
    let method = match design {
        "sobol" => "Sobol sensitivity analysis",
        "morris" => "Morris screening",
        "lhs" => "Latin hypercube sweep",
        "grid" => "grid sweep",
        other => other,
    };
    let _ = write!(s, "<h1>shequ sweep report: {}</h1>", esc(name));
    let factors: Vec<&serde_json::Value> = m
        .get("factors")
        .and_then(|x| x.as_array())
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let scenarios: Vec<String> = m
        .get("scenarios")
        .and_then(|x| x.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let factor_names: Vec<String> = factors.iter().map(|f| json_str(f, "name").to_string()).collect();
    let _ = write!(
        s,
        "<p class=\"summary\">A {method} of {} factor{} ({}) over {} design points, with {} scenario{} ({}; paired effects against <b>{}</b>) at every point and {} replications per scenario and point (master seed {}, the same replication seeds at every point). ",
        factors.len(),
        if factors.len() == 1 { "" } else { "s" },
        esc(&factor_names.join(", ")),
        thousands(json_u64(&m, "points") as f64),
        scenarios.len(),
        if scenarios.len() == 1 { "" } else { "s" },
        esc(&scenarios.join(", ")),
        esc(json_str(&m, "reference")),
        json_u64(&m, "replications"),
        json_u64(&m, "seed"),
    );
    if let Some(sens) = inp.sensitivity {
        let targets = sens.distinct("target");
        let metrics = sens.distinct("metric");
        let _ = write!(
            s,
            "Indices below for {} target{} × {} metric{}: each chart ranks the factors by {}.",
            targets.len(),
            if targets.len() == 1 { "" } else { "s" },
            metrics.len(),
            if metrics.len() == 1 { "" } else { "s" },
            if design == "morris" {
                "μ*, with σ beside it (μ* large: the factor matters; σ large too: through interactions or non-linearly)"
            } else {
                "its total index ST (its share of the output variance including interactions), with the first-order S1 beside it"
            }
        );
    }
    s.push_str("</p>");
    s.push_str("<h2>Factors</h2>");
    let rows: Vec<Vec<String>> = factors
        .iter()
        .map(|f| {
            vec![
                breakable(json_str(f, "name")),
                format!("<code>{}</code>", breakable(json_str(f, "path"))),
                esc(json_str(f, "form")),
            ]
        })
        .collect();
    s.push_str(&table(
        &strings(&["factor", "parameter", "values"]),
        &rows,
        &[false, false, false],
    ));
    match inp.sensitivity {
        Some(sens) => {
            s.push_str(if design == "morris" {
                "<h2>Morris elementary effects</h2>"
            } else {
                "<h2>Sobol sensitivity indices</h2>"
            });
            for c in sensitivity_charts(sens) {
                s.push_str(&c);
            }
            s.push_str("<h2>Sensitivity table</h2><details><summary>sensitivity.csv</summary>");
            s.push_str(&sensitivity_html(sens));
            s.push_str("</details>");
        }
        None => {
            if let Some(d) = inp.design {
                s.push_str("<h2>Design points</h2>");
                s.push_str(&design_points_html(d, inp.summary, &factor_names, &scenarios));
            }
        }
    }
    s.push_str("<h2>Provenance</h2>");
    let mut facts: Vec<Vec<String>> = Vec::new();
    for (label, key) in [
        ("experiment file", "experiment_path"),
        ("its SHA-256", "experiment_sha256"),
        ("tool version", "version"),
        ("git commit", "git_commit"),
        ("started (UTC)", "start_time_utc"),
        ("finished (UTC)", "end_time_utc"),
    ] {
        let v = json_str(&m, key);
        if !v.is_empty() {
            facts.push(vec![
                label.to_string(),
                format!("<code class=\"hash\">{}</code>", esc(v)),
            ]);
        }
    }
    for (label, key) in [
        ("design seed", "design_seed"),
        ("bootstrap resamples", "bootstrap_resamples"),
        ("person-months", "person_months"),
    ] {
        if let Some(v) = m.get(key).and_then(|x| x.as_u64()) {
            facts.push(vec![label.to_string(), thousands(v as f64)]);
        }
    }
    s.push_str(&table(&strings(&["", ""]), &facts, &[false, false]));
    s.push_str("</body></html>\n");
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
    pub compare_timeseries: Option<Table>,
}

/// A sweep's output folder, as the report reads it.
pub struct SweepFolder {
    pub manifest_json: String,
    pub sensitivity: Option<Table>,
    pub design: Option<Table>,
    pub summary: Option<Table>,
}

/// What an output folder holds.
pub enum Folder {
    Run(RunFolder),
    Sweep(SweepFolder),
}

fn optional(dir: &Path, name: &str) -> Result<Option<Table>, FileError> {
    let p = dir.join(name);
    if p.exists() {
        read_table(&p).map(Some)
    } else {
        Ok(None)
    }
}

/// Reads the output folder `dir`: a sweep's (its manifest names a design)
/// or a study's (manifest.json, summary.csv, and compare.csv,
/// timeseries.csv and compare_timeseries.csv where they exist).
pub fn read_folder(dir: &Path) -> Result<Folder, FileError> {
    let manifest_path = dir.join("manifest.json");
    let manifest_json = std::fs::read_to_string(&manifest_path).map_err(io_err(&manifest_path))?;
    let manifest: serde_json::Value = serde_json::from_str(&manifest_json)
        .map_err(|e| InputError::new(&manifest_path, format!("not a manifest: {e}")).at(e.line(), e.column()))?;
    if manifest.get("design").is_some() {
        return Ok(Folder::Sweep(SweepFolder {
            manifest_json,
            sensitivity: optional(dir, "sensitivity.csv")?,
            design: optional(dir, "design.csv")?,
            summary: optional(dir, "summary.csv")?,
        }));
    }
    Ok(Folder::Run(RunFolder {
        manifest_json,
        summary: read_table(&dir.join("summary.csv"))?,
        compare: optional(dir, "compare.csv")?,
        timeseries: optional(dir, "timeseries.csv")?,
        compare_timeseries: optional(dir, "compare_timeseries.csv")?,
    }))
}

/// Writes `report.html` in `dir`; returns its path.
pub fn write_report(dir: &Path, html: &str) -> io::Result<PathBuf> {
    write_atomic(dir, "report.html", |w| w.write_all(html.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(header: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            header: strings(header),
            rows: rows.iter().map(|r| strings(r)).collect(),
        }
    }

    #[test]
    fn ticks_cover_the_range_with_round_steps() {
        let t = ticks(-0.013, 0.087, 5);
        assert!(t.first().is_some_and(|v| *v >= -0.013) && t.last().is_some_and(|v| *v <= 0.087));
        assert!(t.contains(&0.0));
        assert!(t.len() >= 4);
    }

    #[test]
    fn forest_marks_better_and_worse() {
        let c = t(
            &["scenario", "metric", "diff_mean", "ci95_low", "ci95_high"],
            &[
                &["a", "satisfaction_mean", "0.1", "0.05", "0.15"],
                &["b", "satisfaction_mean", "-0.1", "-0.15", "-0.05"],
            ],
        );
        let svg = forest(&c, "satisfaction_mean").unwrap();
        assert!(svg.contains(GOOD) && svg.contains(BAD));
        assert!(svg.contains("Residents&#39;") || svg.contains("Residents'"));
        assert!(forest(&c, "nothing").is_none());
    }

    #[test]
    fn values_are_formatted_for_their_unit() {
        assert_eq!(fmt_value(286_400_000.0, "yuan"), "286.4 M");
        assert_eq!(fmt_value(-1_250_000.0, "yuan"), "-1.250 M");
        assert_eq!(fmt_value(52_345.6, "yuan/month"), "52,346");
        assert_eq!(fmt_value(450_000.0, "persons"), "450,000");
        assert_eq!(fmt_value(0.02554, "0..1"), "0.02554");
        assert_eq!(thousands(-1234.0), "-1,234");
        assert_eq!(thousands(999.0), "999");
    }

    #[test]
    fn labels_are_spread_apart_and_kept_in_bounds() {
        let y = spread(&[10.0, 11.0, 12.0, 100.0, 199.0, 199.5], 14.0, 0.0, 200.0);
        for w in y.windows(2) {
            assert!(w[1] - w[0] >= 14.0 - 1e-9, "{y:?}");
        }
        assert!(y[0] >= 0.0 && *y.last().unwrap() <= 200.0, "{y:?}");
    }

    #[test]
    fn cost_axis_is_logarithmic_and_labels_do_not_overlap() {
        let mut rows: Vec<Vec<String>> = Vec::new();
        for (i, cost) in [0.3e6, 1.0e6, 1.2e6, 1.25e6, 1.8e6, 2.0e6, 14e6, 150e6, 287e6, 0.0]
            .iter()
            .enumerate()
        {
            rows.push(strings(&[
                &format!("s{i}"),
                "satisfaction_mean",
                "0.02",
                "0.01",
                "0.03",
                &cost.to_string(),
            ]));
        }
        let c = Table {
            header: strings(&[
                "scenario",
                "metric",
                "diff_mean",
                "ci95_low",
                "ci95_high",
                "fiscal_cost_net_mean",
            ]),
            rows,
        };
        let svg = cost_effect(&c, "satisfaction_mean").unwrap();
        for tick in ["0.1 M", "1 M", "10 M", "100 M", "1,000 M"] {
            assert!(svg.contains(&format!(">{tick}<")), "{tick}: {svg}");
        }
        assert!(svg.contains("No extra cost") && svg.contains("s9"));
        // Label baselines at least 14 units apart.
        let mut ys: Vec<f64> = svg
            .match_indices(r#"" class="small">s"#)
            .filter_map(|(i, _)| svg[..i].rsplit("y=\"").next()?.parse::<f64>().ok())
            .collect();
        ys.sort_by(f64::total_cmp);
        assert_eq!(ys.len(), 9, "{svg}");
        for w in ys.windows(2) {
            assert!(w[1] - w[0] >= 14.0 - 1e-6, "{ys:?}");
        }
    }

    #[test]
    fn effect_panels_draw_one_panel_per_scenario() {
        let mut rows: Vec<Vec<String>> = Vec::new();
        for sc in ["a", "b", "c"] {
            for month in 1..=6 {
                rows.push(strings(&[
                    sc,
                    &month.to_string(),
                    "satisfaction_mean",
                    "0.01",
                    "0.005",
                    "0.015",
                ]));
            }
        }
        let c = Table {
            header: strings(&["scenario", "month", "metric", "diff_mean", "ci95_low", "ci95_high"]),
            rows,
        };
        let svg = effect_panels(&c, "satisfaction_mean").unwrap();
        assert_eq!(svg.matches("<polygon").count(), 3);
        assert!(effect_panels(&c, "needs_met_share").is_none());
    }

    #[test]
    fn sobol_and_morris_indices_are_drawn() {
        let sobol = t(
            &[
                "method",
                "target",
                "metric",
                "factor",
                "first_order",
                "first_order_ci95_low",
                "first_order_ci95_high",
                "total_order",
                "total_order_ci95_low",
                "total_order_ci95_high",
                "n",
            ],
            &[
                &[
                    "sobol",
                    "baseline",
                    "satisfaction_mean",
                    "x",
                    "0.6",
                    "0.4",
                    "0.8",
                    "0.7",
                    "0.5",
                    "0.9",
                    "8",
                ],
                &[
                    "sobol",
                    "baseline",
                    "satisfaction_mean",
                    "y",
                    "0.1",
                    "0.0",
                    "0.2",
                    "0.2",
                    "0.1",
                    "0.3",
                    "8",
                ],
            ],
        );
        let charts = sensitivity_charts(&sobol);
        assert_eq!(charts.len(), 1);
        assert!(charts[0].contains("Sobol indices") && charts[0].contains("S1") && charts[0].contains("ST"));
        assert_eq!(charts[0].matches("<rect").count(), 2 + 4, "legend + 2 bars per factor");
        let morris = t(
            &[
                "method",
                "target",
                "metric",
                "factor",
                "mu",
                "mu_star",
                "mu_star_ci95_low",
                "mu_star_ci95_high",
                "sigma",
                "n",
            ],
            &[&[
                "morris",
                "baseline",
                "needs_met_share",
                "x",
                "0.1",
                "0.2",
                "0.1",
                "0.3",
                "0.05",
                "4",
            ]],
        );
        let charts = sensitivity_charts(&morris);
        assert!(charts[0].contains("Morris screening") && charts[0].contains("μ*"));
    }
}
