//! `fit.html`: the page of a finished fit, self-contained (inline SVG and
//! CSS, no scripts). Each parameter's posterior (weighted histogram and
//! weighted Gaussian kernel density) against its prior density; the
//! pairwise scatter of the posterior particles; the posterior predictive
//! check of every target against its fact; the tolerance schedule; and the
//! targets with their sources.

use crate::experiment::fit::simulator::PredictiveDraw;
use crate::experiment::fit::spec::{fact, Fit};
use crate::experiment::fit::summary::{ParamSummary, PredictiveRow};
use crate::experiment::fit::SmcResult;
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number for a table: 4 significant digits, or empty for NaN.
fn sig(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else if v.is_infinite() {
        if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        }
    } else if v == 0.0 {
        "0".into()
    } else {
        let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 8) as usize;
        format!("{v:.digits$}")
    }
}

/// Maps [lo, hi] to pixels [a, b] (a degenerate range to the middle).
fn scale(lo: f64, hi: f64, a: f64, b: f64) -> impl Fn(f64) -> f64 {
    move |x| {
        if hi > lo {
            a + (x - lo) / (hi - lo) * (b - a)
        } else {
            0.5 * (a + b)
        }
    }
}

/// The range a parameter's plots cover: the prior's 0.5–99.5% quantiles
/// widened to every particle.
fn plot_range(fit: &Fit, i: usize, values: &[f64]) -> (f64, f64) {
    let p = &fit.params[i];
    let (mut lo, mut hi) = match &p.values {
        Some(v) => (
            v.iter().copied().fold(f64::INFINITY, f64::min),
            v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ),
        None => (p.marginal.quantile(0.005), p.marginal.quantile(0.995)),
    };
    for &x in values {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let pad = 0.02 * (hi - lo);
    (lo - pad, hi + pad)
}

/// One parameter's marginal: weighted histogram, weighted KDE and prior density.
fn marginal_svg(fit: &Fit, i: usize, values: &[f64], w: &[f64], s: &ParamSummary) -> String {
    let (width, height, left, right, top, bottom) = (340.0, 190.0, 40.0, 330.0, 24.0, 160.0);
    let (lo, hi) = plot_range(fit, i, values);
    let x = scale(lo, hi, left, right);
    let bins = 24usize;
    let bw = (hi - lo) / bins as f64;
    let mut hist = vec![0.0; bins];
    for (&v, &wi) in values.iter().zip(w) {
        let b = (((v - lo) / bw) as usize).min(bins - 1);
        hist[b] += wi / bw;
    }
    // Weighted Gaussian KDE, Silverman's bandwidth with the effective sample size.
    let total: f64 = w.iter().sum();
    let ess = if total > 0.0 {
        total * total / w.iter().map(|v| v * v).sum::<f64>()
    } else {
        1.0
    };
    let sd = s.sd.max(1e-12 * (hi - lo).abs().max(1e-300));
    let h = 1.06 * sd * ess.powf(-0.2);
    let grid: Vec<f64> = (0..=120).map(|k| lo + (hi - lo) * k as f64 / 120.0).collect();
    let kde: Vec<f64> = grid
        .iter()
        .map(|&g| {
            values
                .iter()
                .zip(w)
                .map(|(&v, &wi)| wi * (-0.5 * ((g - v) / h).powi(2)).exp())
                .sum::<f64>()
                / (total * h * (2.0 * std::f64::consts::PI).sqrt())
        })
        .collect();
    let p = &fit.params[i];
    let prior: Vec<f64> = match &p.values {
        // A list prior: mass 1/n at each value, drawn as that mass per bin width.
        Some(_) => Vec::new(),
        None => grid.iter().map(|&g| p.marginal.pdf(g)).collect(),
    };
    let ymax = hist
        .iter()
        .chain(&kde)
        .chain(&prior)
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-300);
    let y = scale(0.0, ymax * 1.08, bottom, top);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img"><text x="{left}" y="14" class="title">{}</text>"#,
        esc(&p.path)
    );
    for (b, &hv) in hist.iter().enumerate() {
        let (x0, x1) = (x(lo + b as f64 * bw), x(lo + (b + 1) as f64 * bw));
        let _ = write!(
            out,
            r##"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#88c0d0" opacity="0.6"/>"##,
            y(hv),
            (x1 - x0 - 0.5).max(0.5),
            bottom - y(hv)
        );
    }
    let path = |ys: &[f64]| -> String {
        grid.iter()
            .zip(ys)
            .enumerate()
            .map(|(k, (&g, &v))| {
                format!(
                    "{}{:.1},{:.1}",
                    if k == 0 { "M" } else { "L" },
                    x(g),
                    y(v.min(ymax * 1.08))
                )
            })
            .collect()
    };
    let _ = write!(
        out,
        r##"<path d="{}" fill="none" stroke="#5e81ac" stroke-width="2"/>"##,
        path(&kde)
    );
    if !prior.is_empty() {
        let _ = write!(
            out,
            r##"<path d="{}" fill="none" stroke="#bf616a" stroke-width="1.5" stroke-dasharray="5,3"/>"##,
            path(&prior)
        );
    }
    // The 90% credible interval and the median.
    let _ = write!(
        out,
        r##"<line x1="{:.1}" x2="{:.1}" y1="{b:.1}" y2="{b:.1}" stroke="#2e3440" stroke-width="3"/><circle cx="{:.1}" cy="{b:.1}" r="3.5" fill="#2e3440"/>"##,
        x(s.q05),
        x(s.q95),
        x(s.median),
        b = bottom + 6.0
    );
    for k in 0..=4 {
        let v = lo + (hi - lo) * k as f64 / 4.0;
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">{}</text>"#,
            x(v),
            bottom + 22.0,
            sig(v)
        );
    }
    let _ = write!(
        out,
        r##"<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#4c566a"/></svg>"##
    );
    out
}

/// The pairwise scatter matrix of the posterior particles (lower triangle;
/// opacity ∝ weight), with each parameter's name on the diagonal.
fn pairs_svg(fit: &Fit, values: &[Vec<f64>], w: &[f64]) -> String {
    let d = fit.params.len();
    let cell = if d <= 4 { 160.0 } else { (900.0 / d as f64).max(70.0) };
    let size = cell * d as f64 + 20.0;
    let wmax = w.iter().copied().fold(0.0, f64::max).max(1e-300);
    let ranges: Vec<(f64, f64)> = (0..d).map(|i| plot_range(fit, i, &values[i])).collect();
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" width="{size}" height="{size}" viewBox="0 0 {size} {size}" role="img">"#
    );
    for r in 0..d {
        for c in 0..d {
            let (x0, y0) = (10.0 + c as f64 * cell, 10.0 + r as f64 * cell);
            let _ = write!(
                out,
                r##"<rect x="{x0:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#d8dee9"/>"##,
                cell - 4.0,
                cell - 4.0
            );
            if r == c {
                let name = &fit.params[r].path;
                let (section, key) = name.split_once('.').unwrap_or(("", name));
                let _ = write!(
                    out,
                    r#"<text x="{:.1}" y="{:.1}" class="small" text-anchor="middle">{}</text><text x="{:.1}" y="{:.1}" class="small" text-anchor="middle">{}</text>"#,
                    x0 + cell / 2.0 - 2.0,
                    y0 + cell / 2.0 - 6.0,
                    esc(section),
                    x0 + cell / 2.0 - 2.0,
                    y0 + cell / 2.0 + 8.0,
                    esc(key)
                );
                continue;
            }
            if c > r {
                continue;
            }
            let sx = scale(ranges[c].0, ranges[c].1, x0 + 3.0, x0 + cell - 7.0);
            let sy = scale(ranges[r].0, ranges[r].1, y0 + cell - 7.0, y0 + 3.0);
            for (k, &wk) in w.iter().enumerate() {
                let _ = write!(
                    out,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="1.6" fill="#5e81ac" fill-opacity="{:.2}"/>"##,
                    sx(values[c][k]),
                    sy(values[r][k]),
                    (0.15 + 0.85 * wk / wmax).min(1.0)
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

/// One target's predictive check: the draws as ticks, their 90% interval
/// and median, against the fact (a band for an interval, a point ± tolerance).
fn predictive_svg(fit: &Fit, i: usize, row: &PredictiveRow, draws: &[PredictiveDraw]) -> String {
    let t = &fit.targets[i].target;
    let (kind, observed, lo, hi, tol) = fact(t);
    let (flo, fhi) = if kind == "interval" {
        (lo, hi)
    } else {
        (observed - tol, observed + tol)
    };
    let vals: Vec<f64> = draws
        .iter()
        .filter_map(|d| d.outcome.as_ref().ok().map(|s| s[i]))
        .collect();
    let mut a = flo.min(row.q05);
    let mut b = fhi.max(row.q95);
    for &v in &vals {
        a = a.min(v);
        b = b.max(v);
    }
    if !(a.is_finite() && b.is_finite()) || b <= a {
        a = flo - 1.0;
        b = fhi + 1.0;
    }
    let pad = 0.05 * (b - a);
    let (width, left, right) = (720.0, 220.0, 700.0);
    let x = scale(a - pad, b + pad, left, right);
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg class="chart" width="{width}" height="56" viewBox="0 0 {width} 56" role="img"><text x="4" y="22" class="label">{}</text><text x="4" y="38" class="small">{} {}</text><rect x="{:.1}" y="8" width="{:.1}" height="30" fill="#a3be8c" opacity="0.35"/>"##,
        esc(&t.name),
        esc(fit.targets[i].statistic.name()),
        esc(&fit.targets[i].statistic.months()),
        x(flo),
        (x(fhi) - x(flo)).max(1.5)
    );
    if kind == "point" {
        let _ = write!(
            out,
            r##"<line x1="{o:.1}" x2="{o:.1}" y1="6" y2="40" stroke="#a3be8c" stroke-width="2"/>"##,
            o = x(observed)
        );
    }
    for v in &vals {
        let _ = write!(
            out,
            r##"<line x1="{p:.1}" x2="{p:.1}" y1="16" y2="30" stroke="#5e81ac" stroke-opacity="0.35"/>"##,
            p = x(*v)
        );
    }
    if row.q05.is_finite() && row.q95.is_finite() {
        let _ = write!(
            out,
            r##"<line x1="{:.1}" x2="{:.1}" y1="23" y2="23" stroke="#2e3440" stroke-width="3"/><circle cx="{:.1}" cy="23" r="4" fill="#2e3440"/>"##,
            x(row.q05),
            x(row.q95),
            x(row.median)
        );
    }
    for k in 0..=4 {
        let v = a - pad + (b - a + 2.0 * pad) * k as f64 / 4.0;
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="52" class="tick" text-anchor="middle">{}</text>"#,
            x(v),
            sig(v)
        );
    }
    out.push_str("</svg>");
    out
}

/// The whole page.
pub fn page(
    fit: &Fit,
    result: &SmcResult,
    posterior: &[ParamSummary],
    predictive: &[PredictiveRow],
    draws: &[PredictiveDraw],
) -> String {
    let mut s = String::new();
    s.push_str(r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>shequ fit</title><style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#2e3440;padding:0 1rem}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d8dee9}
.chart{display:inline-block;margin:.5rem .5rem .5rem 0;background:#fff;max-width:100%;height:auto}.title{font-size:13px;font-weight:600}.tick{font-size:10px;fill:#4c566a}
.label{font-size:12px}.small{font-size:10px;fill:#4c566a}table{border-collapse:collapse;font-size:12px;margin:1rem 0}
td,th{border:1px solid #d8dee9;padding:2px 6px;text-align:right}th{background:#eceff4}td:first-child,td:nth-child(2){text-align:left}
td.text{text-align:left;max-width:420px}.note{color:#4c566a;font-size:14px}.key span{display:inline-block;width:22px;height:4px;margin:0 4px 3px 12px;vertical-align:middle}
</style></head><body>"#);
    let pop = &result.population;
    let w = pop.weights();
    let _ = write!(
        s,
        "<h1>shequ fit: {}</h1><p class=\"note\">{}</p><p class=\"note\">ABC-SMC calibration of {} parameter(s) of scenario <b>{}</b> (population scale {}, {} months) to {} target(s). {} particles; {} generation(s), {} simulations in all; stopped: {}; final tolerance ε = {} (combined distance: weighted root-mean-square of the targets' distances, 1 = every target off by one tolerance); effective sample size {:.1}.</p>",
        esc(&fit.name),
        esc(&fit.description),
        fit.params.len(),
        esc(&fit.scenario.name),
        fit.scenario.params.simulation.population_scale,
        fit.scenario.params.simulation.months,
        fit.targets.len(),
        pop.len(),
        result.generations.len(),
        result.simulations,
        result.stop.map_or_else(|| "running".to_string(), |r| format!("{r:?}")),
        sig(result.epsilon()),
        pop.ess()
    );

    s.push_str("<h2>Posterior and prior</h2><table><tr><th>parameter</th><th>prior</th><th>prior 5%</th><th>prior 95%</th><th>posterior mean</th><th>sd</th><th>5%</th><th>median</th><th>95%</th></tr>");
    for p in posterior {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.path),
            esc(&p.prior),
            sig(p.prior_q05),
            sig(p.prior_q95),
            sig(p.mean),
            sig(p.sd),
            sig(p.q05),
            sig(p.median),
            sig(p.q95)
        );
    }
    s.push_str("</table><p class=\"note key\">Bars: weighted histogram of the posterior particles<span style=\"background:#5e81ac\"></span>weighted kernel density<span style=\"background:#bf616a\"></span>prior density (dashed; list priors have none drawn). Black: posterior median and 90% credible interval.</p>");
    let values: Vec<Vec<f64>> = (0..fit.params.len())
        .map(|i| pop.particles.iter().map(|q| fit.params[i].value(q.theta[i])).collect())
        .collect();
    for (i, p) in posterior.iter().enumerate() {
        s.push_str(&marginal_svg(fit, i, &values[i], &w, p));
    }
    if fit.params.len() > 1 {
        s.push_str("<h2>Pairs</h2><p class=\"note\">Each posterior particle; darker = more weight. Axes span the prior's central 99% (widened to every particle).</p>");
        s.push_str(&pairs_svg(fit, &values, &w));
    }

    let _ = write!(
        s,
        "<h2>Posterior predictive check</h2><p class=\"note\">{} particles drawn by weight, each simulated with a fresh seed. Green: the fact (an interval, or the observed value ± its tolerance); ticks: the draws; black: their median and 90% interval.</p>",
        draws.len()
    );
    for (i, row) in predictive.iter().enumerate() {
        s.push_str(&predictive_svg(fit, i, row, draws));
    }
    s.push_str("<table><tr><th>target</th><th>metric</th><th>fact</th><th>median</th><th>5%</th><th>95%</th><th>consistent</th><th>covered</th><th>failed</th></tr>");
    for (t, r) in fit.targets.iter().zip(predictive) {
        let (kind, observed, lo, hi, tol) = fact(&t.target);
        let f = if kind == "interval" {
            format!("[{}, {}]", sig(lo), sig(hi))
        } else {
            format!("{} ± {}", sig(observed), sig(tol))
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&t.target.name),
            esc(t.metric_name()),
            f,
            sig(r.median),
            sig(r.q05),
            sig(r.q95),
            sig(r.share_consistent),
            if r.covered { "yes" } else { "no" },
            r.failed
        );
    }
    s.push_str("</table>");

    s.push_str("<h2>Tolerance schedule</h2><table><tr><th>generation</th><th>ε</th><th>accepted</th><th>simulated</th><th>acceptance</th><th>ESS</th></tr>");
    for g in &result.generations {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            g.generation,
            sig(g.epsilon),
            g.accepted,
            g.simulated,
            sig(g.acceptance_rate),
            sig(g.ess)
        );
    }
    s.push_str("</table>");

    s.push_str("<h2>Targets and their sources</h2><table><tr><th>target</th><th>statistic</th><th>fact</th><th>weight</th><th>provenance</th><th>source</th></tr>");
    for t in &fit.targets {
        let (kind, observed, lo, hi, tol) = fact(&t.target);
        let f = if kind == "interval" {
            format!("[{}, {}]", sig(lo), sig(hi))
        } else {
            format!("{} ± {}", sig(observed), sig(tol))
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{} {} ({})</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
            esc(&t.target.name),
            esc(t.statistic.name()),
            esc(t.metric_name()),
            esc(&t.statistic.months()),
            f,
            sig(t.target.weight),
            esc(&t.provenance),
            esc(&t.source)
        );
    }
    s.push_str("</table>");
    let _ = writeln!(
        s,
        "<p class=\"note\">Fit file {} (SHA-256 {}).</p></body></html>",
        esc(&fit
            .path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())),
        esc(&fit.sha256)
    );
    s
}
