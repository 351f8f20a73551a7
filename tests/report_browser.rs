//! `shequ report` writes a self-contained page that headless Chromium renders
//! with every chart. CI installs Chromium and sets SHEQU_REQUIRE_CHROMIUM=1;
//! elsewhere the browser part is skipped when no Chromium is installed.

mod common;

use shequ::cli;
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

#[test]
fn report_renders_all_charts_in_headless_chromium() {
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
    let page = cli::report::report(dir.path(), None).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    let charts = shequ::files::report::FOREST_METRICS.len() + 2 + shequ::files::report::FAN_METRICS.len();
    assert_eq!(html.matches("<svg").count(), charts, "every chart is in the page");
    assert!(!html.contains("<script"), "no scripts");
    assert!(
        !html.contains("src=") && !html.contains("href="),
        "no external resources: the page opens offline"
    );
    assert!(!html.contains("NaN"), "no undefined numbers drawn");

    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("SHEQU_REQUIRE_CHROMIUM").is_none(),
            "Chromium is required but not installed"
        );
        eprintln!("skipped the browser check: no Chromium installed");
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let shot = dir.path().join("report.png");
    let url = format!("file://{}", page.display());
    let common_args = [
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
    let dom = Command::new(&browser)
        .args(common_args)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    assert!(dom.status.success(), "{}", String::from_utf8_lossy(&dom.stderr));
    let rendered = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(
        rendered.matches("<svg").count(),
        charts,
        "the browser's DOM holds every chart"
    );
    assert!(rendered.matches("<circle").count() >= 10, "forest plots have points");
    assert!(rendered.contains("<polygon"), "fan charts have bands");
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(
        !log.contains("Uncaught") && !log.contains(":CONSOLE("),
        "page errors: {log}"
    );
    let out = Command::new(&browser)
        .args(common_args)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--hide-scrollbars", "--window-size=1200,3000"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
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
