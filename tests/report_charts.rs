//! The report's charts drawn from the numbers of the files they show: each
//! point, bar and band of report.html's SVG, read back through the chart's
//! own axis (its tick labels and their positions), must sit where the CSV
//! value puts it: forest plots at compare.csv's diff_mean and 95% CI, the
//! cost charts at fiscal_cost_net_mean (log axis) and diff_mean, the fan
//! charts at timeseries.csv's p05/p50/p95 by month, and the effect panels at
//! compare_timeseries.csv's diff_mean and CI. A chart that drew a wrong
//! column, row or scale would be pixels off.

mod common;

use shequ::cli;
use shequ::files::report::{COST_METRICS, FAN_METRICS, FOREST_METRICS};
use std::collections::HashMap;
use std::path::Path;

/// Coordinates are written with one decimal; an axis read from two ticks
/// carries that rounding, so a point may be this far off (pixels).
const PX: f64 = 0.35;

type Row = HashMap<String, String>;

fn read_csv(p: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(p).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn num(r: &Row, k: &str) -> f64 {
    r[k].parse().unwrap_or_else(|_| panic!("{k} = {} in {r:?}", r[k]))
}

/// An element: its attributes and, for text-like elements, its text.
#[derive(Debug)]
struct El {
    attrs: HashMap<String, String>,
    text: String,
}

impl El {
    fn f(&self, k: &str) -> f64 {
        self.attrs[k].parse().unwrap()
    }
    fn is(&self, k: &str, v: &str) -> bool {
        self.attrs.get(k).is_some_and(|x| x == v)
    }
    fn points(&self) -> Vec<(f64, f64)> {
        self.attrs["points"]
            .split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    }
}

/// Every `<name …>` element of `svg`, in order.
fn elements(svg: &str, name: &str) -> Vec<El> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        if !rest.starts_with([' ', '>']) {
            continue; // a longer name: <polyline for <poly…
        }
        let end = rest.find('>').unwrap();
        let head = &rest[..end];
        let mut attrs = HashMap::new();
        let mut h = head;
        while let Some(eq) = h.find("=\"") {
            let key = h[..eq].trim().to_string();
            let v = &h[eq + 2..];
            let close = v.find('"').unwrap();
            attrs.insert(key, v[..close].to_string());
            h = &v[close + 1..];
        }
        let body = &rest[end + 1..];
        let text = if head.ends_with('/') {
            String::new()
        } else {
            body[..body.find('<').unwrap_or(0)].to_string()
        };
        out.push(El { attrs, text });
    }
    out
}

/// The SVG whose aria-label is `label`.
fn chart<'a>(html: &'a str, label: &str) -> &'a str {
    let at = html
        .find(&format!("aria-label=\"{label}\""))
        .unwrap_or_else(|| panic!("no chart `{label}`"));
    let start = html[..at].rfind("<svg").unwrap();
    let end = at + html[at..].find("</svg>").unwrap();
    &html[start..end]
}

/// A tick label's value: `0.02`, `-1`, `1,000`, `5 M` (millions).
fn tick_value(label: &str) -> Option<f64> {
    let t = label.replace(',', "");
    match t.strip_suffix(" M") {
        Some(m) => m.parse::<f64>().ok().map(|v| v * 1e6),
        None => t.parse().ok(),
    }
}

/// The linear map value → pixel through the first and last of `ticks`
/// (value, pixel).
fn axis(ticks: &[(f64, f64)]) -> impl Fn(f64) -> f64 {
    assert!(ticks.len() >= 2, "an axis needs two ticks: {ticks:?}");
    let (v0, p0) = ticks[0];
    let (v1, p1) = ticks[ticks.len() - 1];
    move |v| p0 + (v - v0) / (v1 - v0) * (p1 - p0)
}

fn near(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= PX, "{what}: drawn at {a}, the CSV puts it at {b:.2}");
}

#[test]
fn every_chart_is_drawn_at_the_values_of_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let root = common::root();
    let office = common::write(
        dir.path(),
        "small_office.toml",
        &format!(
            "extends = [\"{}\", \"{}\"]\nname = \"small_office\"\n[simulation]\npopulation_scale = 0.05\nmonths = 24\noutcome_window_months = 12\n",
            root.join("tests/data/small.toml").display(),
            root.join("scenarios/reforms/office_standard.toml").display()
        ),
    );
    let out = dir.path().join("out");
    let mut opts = common::options(
        &["tests/data/small.toml", "tests/data/small_stipends.toml"],
        4,
        8,
        &out,
        2,
    );
    opts.scenarios.push(office);
    let loaded = cli::load_scenarios(&opts.scenarios).unwrap();
    cli::run::run(&opts, &loaded, &|| {}).unwrap();
    let page = cli::report::report(&out, None).unwrap();
    let html = std::fs::read_to_string(page).unwrap();
    let compare = read_csv(&out.join("compare.csv"));
    let mut checked = 0;

    // Forest plots: a row per scenario, in compare.csv's order.
    for metric in FOREST_METRICS {
        let svg = chart(&html, &format!("Forest plot: {metric}"));
        let ticks: Vec<(f64, f64)> = elements(svg, "text")
            .iter()
            .filter(|t| t.is(k_class(), "tick"))
            .filter_map(|t| Some((tick_value(&t.text)?, t.f("x"))))
            .collect();
        let x = axis(&ticks);
        let rows: Vec<&Row> = compare.iter().filter(|r| r["metric"] == metric).collect();
        let circles = elements(svg, "circle");
        let bars: Vec<El> = elements(svg, "line")
            .into_iter()
            .filter(|l| l.is("stroke-width", "2"))
            .collect();
        assert_eq!(circles.len(), rows.len(), "{metric}: one point per scenario");
        for ((c, bar), r) in circles.iter().zip(&bars).zip(&rows) {
            let what = format!("forest {metric} {}", r["scenario"]);
            near(c.f("cx"), x(num(r, "diff_mean")), &what);
            near(bar.f("x1"), x(num(r, "ci95_low")), &format!("{what} low"));
            near(bar.f("x2"), x(num(r, "ci95_high")), &format!("{what} high"));
            checked += 1;
        }
        // Scenario names by row, from the labels.
        let labels: Vec<String> = elements(svg, "text")
            .into_iter()
            .filter(|t| t.is(k_class(), "label"))
            .map(|t| t.text)
            .collect();
        let names: Vec<String> = rows.iter().map(|r| r["scenario"].clone()).collect();
        assert_eq!(labels, names, "{metric}: rows in compare.csv's order");
    }

    // Cost against effect: log10 of the net cost (millions) across, the
    // effect up.
    for metric in COST_METRICS {
        let svg = chart(&html, &format!("Cost and effect: {metric}"));
        let texts = elements(svg, "text");
        let ticks = |anchor: &str| -> Vec<(f64, f64)> {
            texts
                .iter()
                .filter(|t| t.is(k_class(), "tick") && t.is("text-anchor", anchor))
                .filter_map(|t| {
                    let v = tick_value(&t.text)?;
                    Some(if anchor == "end" {
                        (v, t.f("y") - 4.0)
                    } else {
                        (v, t.f("x"))
                    })
                })
                .collect()
        };
        // Cost labels are "10 M": back to millions, then log10.
        let across: Vec<(f64, f64)> = ticks("middle").iter().map(|(v, p)| ((v / 1e6).log10(), *p)).collect();
        let (x, y) = (axis(&across), axis(&ticks("end")));
        let rows: Vec<&Row> = compare
            .iter()
            .filter(|r| r["metric"] == metric && num(r, "fiscal_cost_net_mean") > 0.0)
            .collect();
        assert!(!rows.is_empty(), "{metric}: a costed reform");
        let circles = elements(svg, "circle");
        assert_eq!(circles.len(), rows.len());
        // The points are drawn in order of their height: match by name.
        let titles = elements(svg, "title");
        for r in rows {
            let i = titles
                .iter()
                .position(|t| t.text.starts_with(&format!("{}: ", r["scenario"])))
                .unwrap();
            let what = format!("cost {metric} {}", r["scenario"]);
            near(
                circles[i].f("cx"),
                x((num(r, "fiscal_cost_net_mean") / 1e6).log10()),
                &what,
            );
            near(circles[i].f("cy"), y(num(r, "diff_mean")), &what);
            checked += 1;
        }
    }

    // Fan charts: per scenario, the median line and the 5–95% band.
    let ts = read_csv(&out.join("timeseries.csv"));
    for metric in FAN_METRICS {
        let svg = chart(&html, &format!("Fan chart: {metric}"));
        let texts = elements(svg, "text");
        let y_ticks: Vec<(f64, f64)> = texts
            .iter()
            .filter(|t| t.is(k_class(), "tick") && t.is("text-anchor", "end"))
            .filter_map(|t| Some((tick_value(&t.text)?, t.f("y") - 4.0)))
            .collect();
        let x_ticks: Vec<(f64, f64)> = texts
            .iter()
            .filter(|t| t.is(k_class(), "tick") && t.is("text-anchor", "middle"))
            .filter_map(|t| Some((tick_value(&t.text)?, t.f("x"))))
            .collect();
        let (x, y) = (axis(&x_ticks), axis(&y_ticks));
        let names: Vec<String> = texts
            .iter()
            .filter(|t| t.is(k_class(), "label"))
            .map(|t| t.text.clone())
            .collect();
        assert_eq!(names.len(), 3, "{metric}: every scenario in the fan chart");
        let lines = elements(svg, "polyline");
        let bands = elements(svg, "polygon");
        for ((name, line), band) in names.iter().zip(&lines).zip(&bands) {
            let rows: Vec<&Row> = ts
                .iter()
                .filter(|r| &r["scenario"] == name && r["metric"] == metric)
                .collect();
            let (line, band) = (line.points(), band.points());
            assert_eq!(
                (line.len(), band.len()),
                (rows.len(), 2 * rows.len()),
                "{metric} {name}"
            );
            for (i, r) in rows.iter().enumerate() {
                let what = format!("fan {metric} {name} month {}", r["month"]);
                let xm = x(num(r, "month"));
                near(line[i].0, xm, &what);
                near(line[i].1, y(num(r, "p50")), &format!("{what} p50"));
                near(band[i].1, y(num(r, "p05")), &format!("{what} p05"));
                near(band[2 * rows.len() - 1 - i].1, y(num(r, "p95")), &format!("{what} p95"));
                checked += 1;
            }
        }
    }

    // Effect panels: one per scenario, across from the first month to the
    // last inside the panel's frame, on a y axis shared by the row.
    let cts = read_csv(&out.join("compare_timeseries.csv"));
    for metric in FAN_METRICS {
        let svg = chart(&html, &format!("Effect over time: {metric}"));
        let y_ticks: Vec<(f64, f64)> = elements(svg, "text")
            .iter()
            .filter(|t| t.is(k_class(), "tick") && t.is("text-anchor", "end"))
            .filter_map(|t| Some((tick_value(&t.text)?, t.f("y") - 4.0)))
            .collect();
        let frames = elements(svg, "rect");
        // With fewer than two labelled ticks, the axis is the frame: its
        // bottom and top are the range of every interval and 0, widened
        // by 5% each side (the chart's stated domain), from the CSV.
        let y_ticks = if y_ticks.len() >= 2 {
            y_ticks
        } else {
            let rows = cts.iter().filter(|r| r["metric"] == metric);
            let (lo, hi) = rows.fold((0.0f64, 0.0f64), |(l, h), r| {
                (l.min(num(r, "ci95_low")), h.max(num(r, "ci95_high")))
            });
            let pad = (hi - lo).max(1e-12) * 0.05;
            let (top, height) = (frames[0].f("y"), frames[0].f("height"));
            vec![(lo - pad, top + height), (hi + pad, top)]
        };
        let y = axis(&y_ticks);
        let lines = elements(svg, "polyline");
        let bands = elements(svg, "polygon");
        let scenarios = ["small_stipends", "small_office"];
        assert_eq!(frames.len(), scenarios.len(), "{metric}: a panel per reform");
        for (k, name) in scenarios.iter().enumerate() {
            let rows: Vec<&Row> = cts
                .iter()
                .filter(|r| &r["scenario"] == name && r["metric"] == metric)
                .collect();
            let (x0, w) = (frames[k].f("x"), frames[k].f("width"));
            let (line, band) = (lines[k].points(), bands[k].points());
            let months = rows.len();
            assert_eq!((line.len(), band.len()), (months, 2 * months), "{metric} {name}");
            for (i, r) in rows.iter().enumerate() {
                let what = format!("effect {metric} {name} month {}", r["month"]);
                near(line[i].0, x0 + w * i as f64 / (months - 1) as f64, &what);
                near(line[i].1, y(num(r, "diff_mean")), &what);
                near(band[i].1, y(num(r, "ci95_low")), &format!("{what} low"));
                near(
                    band[2 * months - 1 - i].1,
                    y(num(r, "ci95_high")),
                    &format!("{what} high"),
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "{checked} points checked");
}

fn k_class() -> &'static str {
    "class"
}
