//! Charts of the decision files for the HTML report: inline SVG (no
//! scripts) built from the CSV text of `ranking.csv` (rank intervals and
//! the probability of being best), `ceac.csv` (the cost-effectiveness
//! acceptability curves with the frontier strategy at each λ), `evpi.csv`
//! and `frontier.csv` (cost against effect with the efficient frontier).
//! Each function takes a file's text and returns an HTML fragment; `section`
//! reads whichever of the files a run's folder has and joins them.

use crate::files::error::{io_err, FileError, InputError};
use std::fmt::Write as _;
use std::path::Path;

const W: f64 = 640.0;
const H: f64 = 300.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 110.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 40.0;
const PALETTE: [&str; 8] = [
    "#4c566a", "#d08770", "#5e81ac", "#a3be8c", "#b48ead", "#ebcb8b", "#88c0d0", "#bf616a",
];

/// A CSV's header and rows.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn parse(text: &str) -> Result<Csv, String> {
        let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let header = r
            .headers()
            .map_err(|e| e.to_string())?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = r
            .records()
            .map(|x| x.map(|rec| rec.iter().map(str::to_string).collect()))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        Ok(Csv { header, rows })
    }

    fn col(&self, name: &str) -> Result<usize, String> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no column `{name}`"))
    }

    fn text<'a>(&self, row: &'a [String], c: usize) -> &'a str {
        row.get(c).map_or("", String::as_str)
    }

    fn num(&self, row: &[String], c: usize) -> Option<f64> {
        row.get(c).and_then(|s| s.parse().ok()).filter(|v: &f64| v.is_finite())
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Three significant digits, for labels.
fn label(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    if v.abs() >= 1e5 || v.abs() < 1e-3 {
        return format!("{v:.2e}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.digits$}")
}

/// Maps [lo, hi] onto [a, b] (the middle when lo = hi).
fn scale(lo: f64, hi: f64, a: f64, b: f64) -> impl Fn(f64) -> f64 {
    move |v| {
        if hi > lo {
            a + (v - lo) / (hi - lo) * (b - a)
        } else {
            (a + b) / 2.0
        }
    }
}

fn svg_open(title: &str, height: f64) -> String {
    format!(
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {height}\" width=\"{W}\" height=\"{height}\" role=\"img\" aria-label=\"{t}\" font-family=\"sans-serif\" font-size=\"11\">",
        t = esc(title)
    )
}

fn svg_close(caption: &str) -> String {
    format!("</svg><figcaption>{}</figcaption></figure>", esc(caption))
}

/// x axis ticks at `n` equal steps of [lo, hi].
fn x_axis(s: &mut String, lo: f64, hi: f64, y: f64, name: &str) {
    let x = scale(lo, hi, LEFT, W - RIGHT);
    let _ = write!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#999\"/>",
        W - RIGHT
    );
    for i in 0..=4 {
        let v = lo + (hi - lo) * f64::from(i) / 4.0;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            x(v),
            y + 14.0,
            label(v)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        (LEFT + W - RIGHT) / 2.0,
        y + 30.0,
        esc(name)
    );
}

/// Rank intervals of one metric: per scenario its mean rank (dot), 95% rank
/// interval (line) and probability of being best, best first.
pub fn rank_chart(ranking_csv: &str, metric: &str) -> Result<String, String> {
    let t = Csv::parse(ranking_csv)?;
    let (cm, cs, cr, cl, ch, cp, cmethod) = (
        t.col("metric")?,
        t.col("scenario")?,
        t.col("mean_rank")?,
        t.col("rank_low")?,
        t.col("rank_high")?,
        t.col("p_best")?,
        t.col("method")?,
    );
    let mut rows: Vec<&Vec<String>> = t.rows.iter().filter(|r| t.text(r, cm) == metric).collect();
    if rows.is_empty() {
        return Err(format!("ranking.csv has no rows for `{metric}`"));
    }
    rows.sort_by(|a, b| {
        let key = |r: &Vec<String>| t.num(r, cr).unwrap_or(f64::INFINITY);
        key(a).total_cmp(&key(b))
    });
    let n = rows.len() as f64;
    let height = TOP + BOTTOM + 24.0 * n;
    let x = scale(1.0, n.max(2.0), LEFT, W - RIGHT);
    let mut s = svg_open(&format!("rank of {metric}"), height);
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + 24.0 * i as f64 + 12.0;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{y:.1}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>",
            LEFT - 8.0,
            esc(t.text(r, cs))
        );
        if let (Some(lo), Some(hi)) = (t.num(r, cl), t.num(r, ch)) {
            let _ = write!(
                s,
                "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#5e81ac\" stroke-width=\"3\"/>",
                x(lo),
                x(hi)
            );
        }
        if let Some(m) = t.num(r, cr) {
            let _ = write!(s, "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"#2e3440\"/>", x(m));
        }
        let p = t.num(r, cp).map_or(String::new(), |p| format!("P(best) {}", label(p)));
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{y:.1}\" dominant-baseline=\"middle\" fill=\"#555\">{p}</text>",
            W - RIGHT + 8.0
        );
    }
    let axis_y = TOP + 24.0 * n + 4.0;
    let _ = write!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{axis_y}\" x2=\"{}\" y2=\"{axis_y}\" stroke=\"#999\"/>",
        W - RIGHT
    );
    for k in 1..=rows.len() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{k}</text>",
            x(k as f64),
            axis_y + 14.0
        );
    }
    let method = t.text(rows[0], cmethod);
    s.push_str(&svg_close(&format!(
        "Rank of {metric} (1 = best): mean rank and 95% rank interval ({}), probability of being best.",
        if method == "by_replication" {
            "over replications, each a parameter draw"
        } else {
            "joint bootstrap over replications"
        }
    )));
    Ok(s)
}

/// Values of column `c` by λ for each scenario, in file order.
type Curves = Vec<(String, Vec<(f64, f64)>)>;

fn curves(t: &Csv, cw: usize, cs: usize, c: usize) -> Curves {
    let mut out: Curves = Vec::new();
    for r in &t.rows {
        let (Some(w), Some(v)) = (t.num(r, cw), t.num(r, c)) else {
            continue;
        };
        let name = t.text(r, cs);
        match out.iter_mut().find(|(n, _)| n == name) {
            Some((_, pts)) => pts.push((w, v)),
            None => out.push((name.to_string(), vec![(w, v)])),
        }
    }
    out
}

fn polyline(s: &mut String, pts: &[(f64, f64)], x: &dyn Fn(f64) -> f64, y: &dyn Fn(f64) -> f64, colour: &str) {
    let p: Vec<String> = pts.iter().map(|&(a, b)| format!("{:.1},{:.1}", x(a), y(b))).collect();
    let _ = write!(
        s,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
        p.join(" ")
    );
}

fn legend(s: &mut String, names: &[&str]) {
    for (i, n) in names.iter().enumerate() {
        let y = TOP + 14.0 * i as f64 + 6.0;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            W - RIGHT + 8.0,
            y - 8.0,
            PALETTE[i % PALETTE.len()],
            W - RIGHT + 22.0,
            y + 1.0,
            esc(n)
        );
    }
}

/// The acceptability curves: per scenario, the probability that it has the
/// highest net monetary benefit at each willingness to pay λ; the strip above
/// shows the frontier strategy (highest expected NMB) at each λ.
pub fn acceptability_curve(ceac_csv: &str) -> Result<String, String> {
    let t = Csv::parse(ceac_csv)?;
    let (cw, cs, cp, co) = (
        t.col("wtp")?,
        t.col("scenario")?,
        t.col("p_highest_nmb")?,
        t.col("optimal")?,
    );
    let cs_ = curves(&t, cw, cs, cp);
    let lams: Vec<f64> = t.rows.iter().filter_map(|r| t.num(r, cw)).collect();
    let (lo, hi) = (
        lams.iter().copied().fold(f64::INFINITY, f64::min),
        lams.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    if !lo.is_finite() {
        return Err("ceac.csv has no rows".into());
    }
    let x = scale(lo, hi, LEFT, W - RIGHT);
    let y = scale(0.0, 1.0, H - BOTTOM, TOP + 12.0);
    let mut s = svg_open("cost-effectiveness acceptability curves", H);
    let names: Vec<&str> = cs_.iter().map(|(n, _)| n.as_str()).collect();
    // the frontier strategy at each λ, as a coloured strip
    let mut seen = Vec::new();
    for r in &t.rows {
        let Some(w) = t.num(r, cw) else { continue };
        if seen.contains(&w.to_bits()) {
            continue;
        }
        seen.push(w.to_bits());
        if let Some(i) = names.iter().position(|n| *n == t.text(r, co)) {
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{}\"/>",
                x(w),
                TOP + 2.0,
                PALETTE[i % PALETTE.len()]
            );
        }
    }
    for (i, (_, pts)) in cs_.iter().enumerate() {
        polyline(&mut s, pts, &x, &y, PALETTE[i % PALETTE.len()]);
    }
    for v in [0.0, 0.5, 1.0] {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">{v}</text>",
            LEFT - 6.0,
            y(v) + 4.0
        );
    }
    legend(&mut s, &names);
    x_axis(
        &mut s,
        lo,
        hi,
        H - BOTTOM,
        "willingness to pay λ (yuan per unit of effect)",
    );
    s.push_str(&svg_close(
        "Probability of the highest net monetary benefit λ·effect − cost, over replications; dots along the top: the strategy with the highest expected net benefit (the frontier) at each λ.",
    ));
    Ok(s)
}

/// The expected value of perfect information at each λ.
pub fn evpi_chart(evpi_csv: &str) -> Result<String, String> {
    let t = Csv::parse(evpi_csv)?;
    let (cw, ce) = (t.col("wtp")?, t.col("evpi")?);
    let pts: Vec<(f64, f64)> = t
        .rows
        .iter()
        .filter_map(|r| Some((t.num(r, cw)?, t.num(r, ce)?)))
        .collect();
    if pts.is_empty() {
        return Err("evpi.csv has no defined rows".into());
    }
    let (lo, hi) = (pts[0].0, pts[pts.len() - 1].0);
    let top = pts.iter().map(|p| p.1).fold(0.0, f64::max);
    let x = scale(lo, hi, LEFT, W - RIGHT);
    let y = scale(0.0, if top > 0.0 { top } else { 1.0 }, H - BOTTOM, TOP);
    let mut s = svg_open("expected value of perfect information", H);
    polyline(&mut s, &pts, &x, &y, PALETTE[2]);
    for v in [0.0, top] {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            LEFT - 6.0,
            y(v) + 4.0,
            label(v)
        );
    }
    x_axis(
        &mut s,
        lo,
        hi,
        H - BOTTOM,
        "willingness to pay λ (yuan per unit of effect)",
    );
    s.push_str(&svg_close(
        "EVPI (yuan): the expected net benefit lost by deciding under the current uncertainty.",
    ));
    Ok(s)
}

/// Mean cost against mean effect of every scenario, the efficient frontier
/// drawn through the reference and the non-dominated strategies.
pub fn frontier_chart(frontier_csv: &str) -> Result<String, String> {
    let t = Csv::parse(frontier_csv)?;
    let (cs, cc, ce, cst, cm) = (
        t.col("scenario")?,
        t.col("cost_mean")?,
        t.col("effect_mean")?,
        t.col("status")?,
        t.col("effect_metric")?,
    );
    let pts: Vec<(&str, f64, f64, &str)> = t
        .rows
        .iter()
        .filter_map(|r| Some((t.text(r, cs), t.num(r, ce)?, t.num(r, cc)?, t.text(r, cst))))
        .collect();
    if pts.is_empty() {
        return Err("frontier.csv has no defined rows".into());
    }
    let span = |v: Vec<f64>| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pad = if hi > lo { (hi - lo) * 0.08 } else { 1.0 };
        (lo - pad, hi + pad)
    };
    let (elo, ehi) = span(pts.iter().map(|p| p.1).collect());
    let (clo, chi) = span(pts.iter().map(|p| p.2).collect());
    let x = scale(elo, ehi, LEFT, W - RIGHT);
    let y = scale(clo, chi, H - BOTTOM, TOP);
    let mut s = svg_open("cost-effectiveness frontier", H);
    let frontier: Vec<(f64, f64)> = pts
        .iter()
        .filter(|p| p.3 == "reference" || p.3 == "ND")
        .map(|p| (p.1, p.2))
        .collect();
    polyline(&mut s, &frontier, &x, &y, "#a3be8c");
    for (name, e, c, status) in &pts {
        let fill = match *status {
            "reference" | "ND" => "#2e3440",
            _ => "#bbb",
        };
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{fill}\"/><text x=\"{:.1}\" y=\"{:.1}\">{} ({})</text>",
            x(*e),
            y(*c),
            x(*e) + 6.0,
            y(*c) - 6.0,
            esc(name),
            esc(status)
        );
    }
    for v in [clo, chi] {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            LEFT - 6.0,
            y(v) + 4.0,
            label(v)
        );
    }
    let metric = pts
        .first()
        .and_then(|_| t.rows.first())
        .map_or("", |r| t.text(r, cm))
        .to_string();
    x_axis(&mut s, elo, ehi, H - BOTTOM, &format!("mean effect ({metric})"));
    s.push_str(&svg_close(
        "Mean net fiscal cost (yuan, against the baseline) against mean effect; the line is the efficient frontier; D: dominated, ED: extendedly dominated.",
    ));
    Ok(s)
}

/// The decision charts of the run in `dir`: the rank chart of `metric`, the
/// frontier, the acceptability curves and the EVPI, for the files that exist.
pub fn section(dir: &Path, metric: &str) -> Result<String, FileError> {
    let read = |name: &str| -> Result<Option<(std::path::PathBuf, String)>, FileError> {
        let p = dir.join(name);
        if !p.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&p).map_err(io_err(&p))?;
        Ok(Some((p, text)))
    };
    let mut html = String::new();
    let bad = |p: &Path, e: String| FileError::from(InputError::new(p, e));
    if let Some((p, t)) = read("ranking.csv")? {
        html.push_str("<h2>Ranking</h2>");
        html.push_str(&rank_chart(&t, metric).map_err(|e| bad(&p, e))?);
    }
    if let Some((p, t)) = read("frontier.csv")? {
        html.push_str("<h2>Cost-effectiveness frontier</h2>");
        html.push_str(&frontier_chart(&t).map_err(|e| bad(&p, e))?);
    }
    if let Some((p, t)) = read("ceac.csv")? {
        html.push_str("<h2>Acceptability curves</h2>");
        html.push_str(&acceptability_curve(&t).map_err(|e| bad(&p, e))?);
    }
    if let Some((p, t)) = read("evpi.csv")? {
        html.push_str("<h2>Value of information</h2>");
        html.push_str(&evpi_chart(&t).map_err(|e| bad(&p, e))?);
    }
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANKING: &str = "metric,direction,method,scenario,n,draws,rank,mean_rank,rank_low,rank_high,p_best\n\
        satisfaction_mean,higher,bootstrap,base,8,2000,2,1.9,1,2,0.1\n\
        satisfaction_mean,higher,bootstrap,reform<&>,8,2000,1,1.1,1,2,0.9\n";
    const CEAC: &str = "wtp,scenario,n,p_highest_nmb,mean_nmb,optimal\n\
        0,base,8,1,0,base\n0,reform,8,0,-5,base\n10,base,8,0.25,0,reform\n10,reform,8,0.75,3,reform\n";
    const FRONTIER: &str =
        "scenario,effect_metric,effect_sign,n,cost_mean,effect_mean,inc_cost,inc_effect,icer,status\n\
        base,satisfaction_mean,1,8,0,0.5,,,,reference\n\
        reform,satisfaction_mean,1,8,5,0.6,5,0.1,50,ND\n\
        other,satisfaction_mean,1,8,9,0.55,,,,D\n";

    #[test]
    fn charts_are_svg_with_every_scenario() {
        let r = rank_chart(RANKING, "satisfaction_mean").unwrap();
        assert!(r.starts_with("<figure><svg") && r.ends_with("</figure>"));
        assert!(r.contains("reform&lt;&amp;&gt;") && r.contains("P(best) 0.900"));
        assert!(r.contains("joint bootstrap"));
        assert!(rank_chart(RANKING, "nope").is_err());
        let c = acceptability_curve(CEAC).unwrap();
        assert_eq!(c.matches("<polyline").count(), 2);
        let f = frontier_chart(FRONTIER).unwrap();
        assert!(f.contains("other (D)") && f.contains("reform (ND)"));
        let e = evpi_chart("wtp,n,evpi,optimal\n0,8,0,base\n10,8,2.5,reform\n").unwrap();
        assert!(e.contains("<polyline"));
        assert!(acceptability_curve("wtp,scenario\n").is_err());
    }
}
