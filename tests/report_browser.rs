//! `shequ report` writes self-contained pages, of a study and of a sweep,
//! that headless Chromium renders with every chart and without anything
//! wider than the page. Without Chromium the browser part FAILS unless
//! SHEQU_SKIP_BROWSER=1 says to skip it (CI installs Chromium and does not
//! set it).

mod common;

use shequ::cli;
use shequ::files::report::{COST_METRICS, FAN_METRICS, FOREST_METRICS};
use std::path::Path;
use std::process::Command;

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_string)
}

/// The browser, or None when SHEQU_SKIP_BROWSER=1 says to skip (with the
/// reason printed); a missing browser otherwise fails the test.
fn browser_or_skip() -> Option<String> {
    if std::env::var("SHEQU_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("SKIPPED the headless-Chromium checks: SHEQU_SKIP_BROWSER=1");
        return None;
    }
    let found = chromium();
    assert!(
        found.is_some(),
        "Chromium is needed for this test and is not installed: `apt-get install -y chromium` \
         (Debian), or set SHEQU_SKIP_BROWSER=1 to skip the browser checks"
    );
    found
}

const FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
];

/// Marks, in an attribute of <body>, everything wider than the viewport:
/// the document itself, any chart, table or heading whose box passes the
/// right edge, a table that has to scroll, and SVG text that runs out of
/// its chart's drawing area (which the browser would clip).
const OVERFLOW_PROBE: &str = r#"<script>
(function () {
  var vw = document.documentElement.clientWidth, bad = [];
  if (document.documentElement.scrollWidth > vw) bad.push('document ' + document.documentElement.scrollWidth + ' > ' + vw);
  document.querySelectorAll('svg, table, div.table, h1, h2, p, details').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > vw + 0.5) bad.push(e.tagName + '.' + (e.getAttribute('class') || '') + ' ends at ' + Math.round(r.right));
    if (e.tagName === 'DIV' && e.scrollWidth > e.clientWidth + 1) bad.push('a table scrolls: ' + e.scrollWidth + ' > ' + e.clientWidth);
  });
  document.querySelectorAll('svg').forEach(function (svg) {
    var w = svg.viewBox.baseVal.width;
    svg.querySelectorAll('text').forEach(function (t) {
      var b = t.getBBox();
      if (b.x < -0.5 || b.x + b.width > w + 0.5) bad.push('svg text "' + t.textContent.slice(0, 40) + '" spans ' + Math.round(b.x) + '..' + Math.round(b.x + b.width) + ' of ' + w);
    });
  });
  document.body.setAttribute('data-overflow', bad.length ? bad.join(' | ') : 'none');
})();
</script>"#;

/// Renders `page` in headless Chromium at `width` pixels (with the probe,
/// every <details> open) and returns the DOM and what overflows.
fn render(browser: &str, page: &Path, width: u32) -> (String, String) {
    let html = std::fs::read_to_string(page).unwrap();
    let probed = page.with_file_name(format!("probe-{width}.html"));
    std::fs::write(
        &probed,
        html.replace("<details>", "<details open>")
            .replace("</body>", &format!("{OVERFLOW_PROBE}</body>")),
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},2000"))
        .args(["--dump-dom", &format!("file://{}", probed.display())])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        !log.contains("Uncaught") && !log.contains(":CONSOLE("),
        "page errors: {log}"
    );
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let overflow = dom
        .split("data-overflow=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("probe did not run")
        .to_string();
    (dom, overflow)
}

/// A compare_timeseries.csv for a run folder, in the layout the study
/// writes (columns exactly as documented), from its timeseries.csv.
fn write_compare_timeseries(dir: &Path, baseline: &str) {
    let ts = shequ::files::report::read_table(&dir.join("timeseries.csv")).unwrap();
    let key = |r: &[String]| (ts.text(r, "month").to_string(), ts.text(r, "metric").to_string());
    let base: std::collections::HashMap<(String, String), f64> = ts
        .rows
        .iter()
        .filter(|r| ts.text(r, "scenario") == baseline)
        .map(|r| (key(r), ts.num(r, "mean").unwrap()))
        .collect();
    let mut text = String::from(
        "scenario,baseline,month,metric,unit,direction,n,baseline_mean,scenario_mean,diff_mean,diff_sd,diff_se,ci95_low,ci95_high\n",
    );
    for r in ts.rows.iter().filter(|r| ts.text(r, "scenario") != baseline) {
        let metric = ts.text(r, "metric");
        let def = shequ::model::metrics::METRICS
            .iter()
            .find(|m| m.name == metric)
            .unwrap();
        let (b, s) = (base[&key(r)], ts.num(r, "mean").unwrap());
        let d = s - b;
        let se = 0.1 * d.abs() + 1e-4;
        text.push_str(&format!(
            "{},{baseline},{},{metric},{},{},3,{b},{s},{d},{},{se},{},{}\n",
            ts.text(r, "scenario"),
            ts.text(r, "month"),
            def.unit,
            def.direction.as_str(),
            se * 3f64.sqrt(),
            d - 4.3 * se,
            d + 4.3 * se
        ));
    }
    std::fs::write(dir.join("compare_timeseries.csv"), text).unwrap();
}

#[test]
fn study_and_sweep_reports_render_whole_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let opts = common::options(
        &[
            "tests/data/small.toml",
            "scenarios/reforms/raise_stipends.toml",
            "scenarios/reforms/party_building.toml",
        ],
        3,
        5,
        dir.path(),
        0,
    );
    let mut loaded = cli::load_scenarios(&opts.scenarios).unwrap();
    let sim = loaded[0].params.simulation.clone();
    for s in &mut loaded[1..] {
        s.params.simulation = sim.clone();
    }
    cli::run::run(&opts, &loaded, &|| {}).unwrap();

    // Without compare_timeseries.csv (an older run's folder) the effect
    // panels are left out silently.
    std::fs::remove_file(dir.path().join("compare_timeseries.csv")).unwrap();
    let page = cli::report::report(dir.path(), None).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    let charts = FOREST_METRICS.len() + COST_METRICS.len() + FAN_METRICS.len();
    assert_eq!(html.matches("<svg").count(), charts, "every chart is in the page");
    assert!(!html.contains("Effects over time"));
    // With it, one chart of panels per headline metric.
    write_compare_timeseries(dir.path(), "small");
    let page = cli::report::report(dir.path(), None).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    let charts = charts + FAN_METRICS.len();
    assert_eq!(html.matches("<svg").count(), charts, "effect panels added");
    assert!(html.contains("Effects over time") && html.contains("class=\"chart effect\""));
    assert!(!html.contains("<script"), "no scripts");
    assert!(
        !html.contains("src=") && !html.contains("href="),
        "no external resources: the page opens offline"
    );
    assert!(!html.contains("NaN"), "no undefined numbers drawn");
    assert!(html.contains("This study compares 2 scenarios with the baseline <b>small</b> over 3 replications"));
    assert!(
        html.contains("Residents&#39; satisfaction (index 0–1)")
            || html.contains("Residents' satisfaction (index 0–1)")
    );
    assert!(html.contains("log scale"), "cost on a log axis");

    // A small Sobol sweep, reported as a sweep.
    let sweep_dir = dir.path().join("sweep");
    let exp = common::write(
        dir.path(),
        "exp.toml",
        &format!(
            "scenarios = [\"{}\"]\npopulation_scale = 0.01\nmetrics = [\"satisfaction_mean\", \"needs_met_share\"]\n[design]\nkind = \"sobol\"\nn = 4\nbootstrap = 20\n[[factors]]\npath = \"cadres.pay_elasticity\"\nmin = 0.5\nmax = 1.5\n[[factors]]\npath = \"labour.layoff_annual\"\nmin = 0.02\nmax = 0.06\n",
            common::root().join("tests/data/small.toml").display()
        ),
    );
    let e = cli::sweep::load_experiment(&exp).unwrap();
    let sopts = cli::sweep::SweepOptions {
        reps: 1,
        seed: 1,
        out: sweep_dir.clone(),
        threads: 0,
        command_line: vec![],
        shard: None,
        force: false,
        resume: false,
        parameters: None,
    };
    cli::sweep::sweep(&e, &sopts, &|| {}).unwrap();
    let sweep_page = cli::report::report(&sweep_dir, None).unwrap();
    let sweep_html = std::fs::read_to_string(&sweep_page).unwrap();
    assert!(sweep_html.contains("shequ sweep report") && sweep_html.contains("Sobol sensitivity indices"));
    assert!(!sweep_html.contains("each reform compared"), "not a study's page");
    assert_eq!(sweep_html.matches("<svg").count(), 2, "one chart per target × metric");
    assert!(!sweep_html.contains("<script") && !sweep_html.contains("NaN"));

    let Some(browser) = browser_or_skip() else {
        return;
    };
    for width in [1200, 900] {
        let (dom, overflow) = render(&browser, &page, width);
        assert_eq!(
            dom.matches("<svg").count(),
            charts,
            "the browser's DOM holds every chart"
        );
        assert!(dom.matches("<circle").count() >= 10, "forest plots have points");
        assert!(dom.contains("<polygon"), "fan charts have bands");
        assert_eq!(overflow, "none", "the study page at {width} px: wider than the page");
        let (_, overflow) = render(&browser, &sweep_page, width);
        assert_eq!(overflow, "none", "the sweep page at {width} px: wider than the page");
    }
    let profile = tempfile::tempdir().unwrap();
    let shot = dir.path().join("report.png");
    let out = Command::new(&browser)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--hide-scrollbars", "--window-size=1200,3000"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real screenshot ({} bytes)",
        png.len()
    );
}
