//! Reform levers: with every lever off a reform scenario equals the baseline
//! exactly, and each lever moves its target metric in the documented
//! direction under paired seeds (the paired 95% CI excludes zero).

mod common;

use shequ::files::scenario_file;
use shequ::model::scenario::Scenario;
use shequ::study::compare::metric_index;
use shequ::study::runner::{self, RepResult};
use shequ::study::stats;
use std::path::Path;

const LEVERS: [&str; 12] = [
    "devolve_powers",
    "dual_leadership",
    "fiscal_reform",
    "service_industrialisation",
    "tax_base_cultivation",
    "raise_stipends",
    "office_standard",
    "young_cadres",
    "party_building",
    "redistricting",
    "fringe_integration",
    "coordination",
];

/// A small, three-year version of a shipped scenario file.
fn small(dir: &Path, rel: &str) -> Scenario {
    let target = common::root().join(rel);
    let name = rel.replace(['/', '.'], "_");
    let text = format!(
        "extends = \"{}\"\nname = \"{name}\"\n[simulation]\npopulation_scale = 0.05\nmonths = 36\noutcome_window_months = 12\n",
        target.display()
    );
    let p = common::write(dir, &format!("{name}.toml"), &text);
    scenario_file::load(&p).unwrap_or_else(|e| panic!("{e}"))
}

fn reps(s: &Scenario, n: u32) -> Vec<RepResult> {
    (0..n).map(|r| runner::replicate(s, 2024, r)).collect()
}

fn paired(base: &[RepResult], scen: &[RepResult], metric: &str) -> stats::Summary {
    let k = metric_index(metric).unwrap();
    let b: Vec<f64> = base.iter().map(|r| r.values[k]).collect();
    let s: Vec<f64> = scen.iter().map(|r| r.values[k]).collect();
    stats::summarise(&stats::paired(&b, &s))
}

#[test]
fn every_lever_off_equals_the_baseline_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let base = small(dir.path(), "scenarios/baseline.toml");
    let base_reps = reps(&base, 2);
    for lever in LEVERS {
        let on = small(dir.path(), &format!("scenarios/reforms/{lever}.toml"));
        assert!(on.params != base.params, "{lever} changes nothing");
        let text = format!(
            "extends = \"{}\"\n[reforms.{lever}]\nenabled = false\n",
            dir.path()
                .join(format!("scenarios_reforms_{lever}_toml.toml"))
                .display()
        );
        let p = common::write(dir.path(), &format!("off_{lever}.toml"), &text);
        let off = scenario_file::load(&p).unwrap();
        for (a, b) in base_reps.iter().zip(reps(&off, 2)) {
            assert_eq!(a.values, b.values, "{lever} off differs from baseline");
            assert_eq!(a.monthly, b.monthly, "{lever} off: time series differ");
            assert_eq!(a.by_jurisdiction, b.by_jurisdiction);
            assert_eq!(a.groups, b.groups);
        }
    }
}

#[test]
fn each_lever_moves_its_target_in_the_documented_direction() {
    // (scenario, metric, +1 for up / −1 for down)
    let expectations: &[(&str, &str, f64)] = &[
        (
            "scenarios/reforms/devolve_powers.toml",
            "enforcement_resolution_rate",
            1.0,
        ),
        ("scenarios/reforms/devolve_powers.toml", "committee_admin_share", -1.0),
        (
            "scenarios/reforms/dual_leadership.toml",
            "enforcement_resolution_rate",
            1.0,
        ),
        (
            "scenarios/reforms/dual_leadership.toml",
            "security_incidents_per_10k",
            -1.0,
        ),
        ("scenarios/reforms/fiscal_reform.toml", "street_cash_balance", 1.0),
        ("scenarios/reforms/fiscal_reform.toml", "informal_intensity", -1.0),
        ("scenarios/reforms/service_industrialisation.toml", "service_jobs", 1.0),
        (
            "scenarios/reforms/service_industrialisation.toml",
            "elderly_service_coverage",
            1.0,
        ),
        ("scenarios/reforms/tax_base_cultivation.toml", "tax_revenue", 1.0),
        ("scenarios/reforms/raise_stipends.toml", "cadre_turnover_rate", -1.0),
        ("scenarios/reforms/office_standard.toml", "needs_met_share", 1.0),
        ("scenarios/reforms/young_cadres.toml", "cadre_college_share", 1.0),
        ("scenarios/reforms/party_building.toml", "party_managed_share", 1.0),
        ("scenarios/reforms/redistricting.toml", "informal_intensity", -1.0),
        (
            "scenarios/reforms/fringe_integration.toml",
            "security_incidents_per_10k",
            -1.0,
        ),
        ("scenarios/reforms/coordination.toml", "committee_admin_share", -1.0),
        ("scenarios/packages/zhoushan.toml", "cadre_turnover_rate", -1.0),
        ("scenarios/packages/zhoushan.toml", "cadre_college_share", 1.0),
        ("scenarios/packages/report_full.toml", "satisfaction_mean", 1.0),
    ];
    let dir = tempfile::tempdir().unwrap();
    let n = 12;
    let base = reps(&small(dir.path(), "scenarios/baseline.toml"), n);
    let mut failures = Vec::new();
    let mut cache: Vec<(&str, Vec<RepResult>)> = Vec::new();
    for &(file, metric, sign) in expectations {
        if !cache.iter().any(|(f, _)| *f == file) {
            cache.push((file, reps(&small(dir.path(), file), n)));
        }
        let scen = &cache.iter().find(|(f, _)| *f == file).unwrap().1;
        let d = paired(&base, scen, metric);
        let (lo, hi) = (d.ci95_low.unwrap(), d.ci95_high.unwrap());
        let ok = if sign > 0.0 { lo > 0.0 } else { hi < 0.0 };
        if !ok {
            failures.push(format!("{file}: {metric} diff {} CI [{lo}, {hi}]", d.mean));
        }
        let cost = paired(&base, scen, "reform_cost_gross");
        assert!(cost.mean > 0.0, "{file} costs nothing");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn devolution_with_dual_leadership_raises_enforcement_resolution() {
    let dir = tempfile::tempdir().unwrap();
    let both = common::write(
        dir.path(),
        "both.toml",
        &format!(
            "extends = [\"{}\", \"{}\"]\n",
            common::root().join("scenarios/reforms/devolve_powers.toml").display(),
            common::root().join("scenarios/reforms/dual_leadership.toml").display()
        ),
    );
    let rel = both
        .strip_prefix(common::root())
        .map(|p| p.to_path_buf())
        .unwrap_or(both.clone());
    let s = small(dir.path(), rel.to_str().unwrap());
    let base = reps(&small(dir.path(), "scenarios/baseline.toml"), 8);
    let d = paired(&base, &reps(&s, 8), "enforcement_resolution_rate");
    assert!(d.ci95_low.unwrap() > 0.0, "{d:?}");
}

#[test]
fn reform_packages_resolve_without_conflicts() {
    for f in ["report_full", "all_levers", "fiscal", "people", "zhoushan"] {
        let s = common::load(&format!("scenarios/packages/{f}.toml"));
        let on = [
            s.params.reforms.devolve_powers.enabled,
            s.params.reforms.raise_stipends.enabled,
            s.params.reforms.fringe_integration.enabled,
        ];
        assert!(on.iter().any(|&x| x), "{f} switches no lever on");
    }
    let full = common::load("scenarios/packages/report_full.toml");
    let r = &full.params.reforms;
    assert!(r.devolve_powers.enabled && r.coordination.enabled && r.redistricting.enabled);
    assert!(!r.fringe_integration.enabled, "not one of the report's seven measures");
}

#[test]
fn merged_streets_have_no_street_metrics_in_group_comparisons() {
    let dir = tempfile::tempdir().unwrap();
    let base = small(dir.path(), "scenarios/baseline.toml");
    let merged = small(dir.path(), "scenarios/reforms/redistricting.toml");
    let b = reps(&base, 3);
    let m = reps(&merged, 3);
    let names: Vec<String> = base.jurisdictions.iter().map(|j| j.name.clone()).collect();
    let rows = shequ::study::compare::compare_by_group(&base.name, &b, &merged.name, &m, &names);
    for r in &rows {
        assert!(r.diff.mean.is_finite(), "{} {} {}", r.unit, r.metric, r.diff.mean);
    }
    let liu: Vec<_> = rows
        .iter()
        .filter(|r| r.unit == "Liujiazhuang")
        .map(|r| r.metric)
        .collect();
    assert!(
        liu.contains(&"satisfaction_mean"),
        "residents of a merged street are still followed"
    );
    assert!(
        !liu.contains(&"enforcement_resolution_rate"),
        "a merged street has no enforcement record"
    );
}

/// `reforms::phase` at chosen months, by its definition (0 before
/// `start_month`, then (month − start + 1) / phase_in_months up to 1;
/// 1 from the start month when phase_in_months is 0; 0 when off), and the
/// effective values a lever gives at those months: raise_stipends starting
/// in month 5 over 4 months moves the stipend a quarter of the way to its
/// target each month, and every other value stays at the baseline's.
#[test]
fn phase_in_levels_and_effective_values_at_chosen_months() {
    use shequ::model::reforms::{phase, Levers};
    for (month, level) in [
        (0, 0.0),
        (4, 0.0),
        (5, 0.25),
        (6, 0.5),
        (7, 0.75),
        (8, 1.0),
        (9, 1.0),
        (60, 1.0),
    ] {
        assert_eq!(phase(true, 5, 4, month), level, "start 5, over 4, month {month}");
        assert_eq!(phase(false, 5, 4, month), 0.0, "off, month {month}");
    }
    assert_eq!(phase(true, 3, 0, 2), 0.0);
    assert_eq!(phase(true, 3, 0, 3), 1.0);
    assert_eq!(phase(true, 0, 3, 0), 1.0 / 3.0);
    assert_eq!(phase(true, 1, 10, 3), 0.3);
    let base = common::small().params;
    let mut p = base.clone();
    let rs = &mut p.reforms.raise_stipends;
    rs.enabled = true;
    rs.start_month = 5;
    rs.phase_in_months = 4;
    rs.stipend_yuan_month = base.cadres.stipend_yuan_month + 400.0;
    for (month, level) in [(4, 0.0), (5, 0.25), (6, 0.5), (8, 1.0), (30, 1.0)] {
        let l = Levers::at(&p, month);
        let expected = base.cadres.stipend_yuan_month + 400.0 * level;
        assert!(
            (l.stipend - expected).abs() < 1e-9,
            "month {month}: stipend {} ≠ {expected}",
            l.stipend
        );
        let b = Levers::at(&base, month);
        assert_eq!(
            (l.passdown_share, l.retained_tax_share, l.compliance, l.link_monthly),
            (b.passdown_share, b.retained_tax_share, b.compliance, b.link_monthly),
            "month {month}: raise_stipends moves only its own values"
        );
        if level == 0.0 {
            assert_eq!(
                l.stipend, base.cadres.stipend_yuan_month,
                "exactly the baseline before the start"
            );
            assert_eq!(l.insurance, b.insurance);
        }
    }
}
