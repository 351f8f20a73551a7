//! Services, committee money and cadre arrears: each link shows its sign
//! under paired seeds (the paired 95% interval excludes zero), the admin
//! share is measured over the cadres' own hours, and metrics the docs call
//! distinct are not copies of one another.

mod common;

use shequ::files::scenario_file;
use shequ::model::scenario::Scenario;
use shequ::study::compare::metric_index;
use shequ::study::runner::{self, RepResult};
use shequ::study::stats;

/// The small baseline with `extra` TOML on top, three years at 5 %.
fn variant(dir: &std::path::Path, name: &str, extra: &str) -> Scenario {
    let text = common::extends_baseline(&format!(
        "name = \"{name}\"\n{extra}\n[simulation]\npopulation_scale = 0.05\nmonths = 36\noutcome_window_months = 12\n"
    ));
    let p = common::write(dir, &format!("{name}.toml"), &text);
    scenario_file::load(&p).unwrap_or_else(|e| panic!("{e}"))
}

fn reps(s: &Scenario, n: u32) -> Vec<RepResult> {
    (0..n).map(|r| runner::replicate(s, 77, r)).collect()
}

fn paired(base: &[RepResult], scen: &[RepResult], metric: &str) -> stats::Summary {
    let k = metric_index(metric).unwrap();
    let b: Vec<f64> = base.iter().map(|r| r.values[k]).collect();
    let s: Vec<f64> = scen.iter().map(|r| r.values[k]).collect();
    stats::summarise(&stats::paired(&b, &s))
}

/// Asserts the paired effect of `scen` over `base` on `metric` has `sign`.
fn assert_sign(base: &[RepResult], scen: &[RepResult], metric: &str, sign: f64, why: &str) {
    let d = paired(base, scen, metric);
    let (lo, hi) = (d.ci95_low.unwrap(), d.ci95_high.unwrap());
    let ok = if sign > 0.0 { lo > 0.0 } else { hi < 0.0 };
    assert!(
        ok,
        "{why}: {metric} diff {} CI [{lo}, {hi}] should be {}",
        d.mean,
        if sign > 0.0 { "> 0" } else { "< 0" }
    );
}

#[test]
fn serving_welfare_needs_enrols_residents_for_the_benefit() {
    let dir = tempfile::tempdir().unwrap();
    let base = reps(&variant(dir.path(), "base", ""), 8);
    // Half the welfare needs reach the committee: fewer are served, fewer enrol.
    let blind = reps(
        &variant(dir.path(), "blind", "[services]\nlow_income_need_monthly = 0.05\n"),
        8,
    );
    assert_sign(&base, &blind, "benefit_receipt_rate", -1.0, "fewer applications");
    // Without volunteers, and with the cadres buried in top-down tasks, the
    // welfare class goes short.
    let busy = reps(
        &variant(
            dir.path(),
            "busy",
            "[tasks]\ntasks_per_department_per_10k_month = 12.0\n[committees]\nvolunteer_organisations = 0.0\n[party]\nvolunteer_hours_per_managed_month = 0.0\n",
        ),
        8,
    );
    assert_sign(&base, &busy, "benefit_receipt_rate", -1.0, "fewer welfare needs served");
    assert_sign(&base, &busy, "welfare_coverage", -1.0, "less capacity");
}

#[test]
fn stipend_arrears_raise_quits() {
    let dir = tempfile::tempdir().unwrap();
    // Thin transfers put streets short, so stipends go unpaid and pile up.
    let short = "[finance]\ntransfer_base_yuan_month = 0.0\ntransfer_per_capita_month = 0.0\n";
    let none = reps(
        &variant(
            dir.path(),
            "none",
            &format!("{short}[cadres]\narrears_quit_gamma = 0.0\n"),
        ),
        10,
    );
    let some = reps(
        &variant(
            dir.path(),
            "some",
            &format!("{short}[cadres]\narrears_quit_gamma = 0.5\n"),
        ),
        10,
    );
    let k = metric_index("stipend_arrears_months").unwrap();
    assert!(none.iter().all(|r| r.values[k] > 0.0), "short streets owe stipends");
    assert_sign(&none, &some, "cadre_turnover_rate", 1.0, "arrears in the quit hazard");
}

#[test]
fn devolved_task_money_reaches_the_committees_as_paid_task_hours() {
    let dir = tempfile::tempdir().unwrap();
    let devolve = "[reforms.devolve_powers]\nenabled = true\nstart_month = 1\n";
    let unfunded = reps(
        &variant(
            dir.path(),
            "unfunded",
            &format!("{devolve}funding_yuan_per_task_hour = 0.0\n"),
        ),
        8,
    );
    let funded = reps(
        &variant(
            dir.path(),
            "funded",
            &format!("{devolve}funding_yuan_per_task_hour = 4.6\n"),
        ),
        8,
    );
    // Paid hours take the tasks before the cadres do.
    assert_sign(&unfunded, &funded, "committee_admin_share", -1.0, "paid task hours");
    assert_sign(
        &unfunded,
        &funded,
        "fiscal_cost_streets",
        1.0,
        "funds passed to committees",
    );
}

#[test]
fn the_admin_share_counts_only_the_cadres_hours() {
    let dir = tempfile::tempdir().unwrap();
    // Enterprises add hours but may not do top-down tasks: the cadres'
    // task share barely moves. Allowed to, they take tasks off the cadres.
    let enterprises = "[reforms.service_industrialisation]\nenabled = true\nstart_month = 1\nphase_in_months = 1\nstarts_per_10k_month = 2.0\n";
    let base = reps(&variant(dir.path(), "base", ""), 8);
    let not_allowed = reps(&variant(dir.path(), "not_allowed", enterprises), 8);
    let allowed = reps(
        &variant(
            dir.path(),
            "allowed",
            &format!("{enterprises}[tasks]\nadmin_by_enterprises = true\n"),
        ),
        8,
    );
    let d_not = paired(&base, &not_allowed, "committee_admin_share").mean;
    let d_allowed = paired(&base, &allowed, "committee_admin_share").mean;
    assert!(
        d_not.abs() < 0.03,
        "enterprises cannot do tasks, admin share moved by {d_not}"
    );
    assert!(d_allowed < d_not - 0.05, "allowed: {d_allowed}, not allowed: {d_not}");
    assert_sign(
        &base,
        &not_allowed,
        "needs_met_share",
        1.0,
        "enterprises serve residents",
    );
}

#[test]
fn committees_short_of_operating_money_raise_informal_fees() {
    let dir = tempfile::tempdir().unwrap();
    let base = reps(&variant(dir.path(), "base", ""), 6);
    let rich = reps(
        &variant(dir.path(), "rich", "[committees]\noperating_fund_yuan_month = 2000.0\n"),
        6,
    );
    let k = metric_index("committees_with_informal_share").unwrap();
    assert!(
        base.iter().all(|r| r.values[k] > 0.0),
        "some committees fall short at baseline"
    );
    assert!(
        rich.iter().all(|r| r.values[k] == 0.0),
        "a generous fund leaves none short"
    );
    assert_sign(&base, &rich, "satisfaction_loss_informal_fees", -1.0, "committee fees");
}

/// Pearson correlation of two samples.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (stats::mean(a), stats::mean(b));
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn an_uncapped_companion_separates_the_largest_packages() {
    let dir = tempfile::tempdir().unwrap();
    let load = |rel: &str| {
        let text = format!(
            "extends = \"{}\"\nname = \"x\"\n[simulation]\npopulation_scale = 0.05\nmonths = 36\noutcome_window_months = 12\n",
            common::root().join(rel).display()
        );
        scenario_file::load(&common::write(dir.path(), "x.toml", &text)).unwrap()
    };
    let full = reps(&load("scenarios/packages/report_full.toml"), 8);
    let all = reps(&load("scenarios/packages/all_levers.toml"), 8);
    // Whether or not needs_met_share sits at its ceiling, spare hours do not.
    let d = paired(&full, &all, "spare_committee_hours_per_1k");
    assert!(
        d.ci95_low.unwrap() > 0.0 || d.ci95_high.unwrap() < 0.0,
        "spare hours: {d:?}"
    );
}

#[test]
fn metrics_the_docs_call_distinct_are_not_copies() {
    // The pairs a reader could mistake for one measure, compared over
    // scenario means of every shipped reform and package.
    let pairs = [
        ("elderly_service_coverage", "welfare_coverage"),
        ("migrant_registration_rate", "registration_flow_rate"),
        ("streets_with_informal_share", "committees_with_informal_share"),
        ("informal_intensity", "committee_informal_intensity"),
        ("welfare_coverage", "benefit_receipt_rate"),
        ("shortfall_population_share", "streets_with_informal_share"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec!["scenarios/baseline.toml".to_string()];
    for d in ["scenarios/reforms", "scenarios/packages"] {
        let mut names: Vec<_> = std::fs::read_dir(common::root().join(d))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|n| format!("{d}/{n}")));
    }
    let means: Vec<Vec<f64>> = files
        .iter()
        .map(|f| {
            let text = format!(
                "extends = \"{}\"\nname = \"x\"\n[simulation]\npopulation_scale = 0.05\nmonths = 36\noutcome_window_months = 12\n",
                common::root().join(f).display()
            );
            let p = common::write(dir.path(), "x.toml", &text);
            let s = scenario_file::load(&p).unwrap();
            let r = reps(&s, 3);
            (0..shequ::model::metrics::N_METRICS)
                .map(|k| stats::mean(&r.iter().map(|x| x.values[k]).collect::<Vec<_>>()))
                .collect()
        })
        .collect();
    for (a, b) in pairs {
        let (ka, kb) = (metric_index(a).unwrap(), metric_index(b).unwrap());
        let xa: Vec<f64> = means.iter().map(|m| m[ka]).collect();
        let xb: Vec<f64> = means.iter().map(|m| m[kb]).collect();
        let r = correlation(&xa, &xb);
        assert!(
            r.abs() < 0.999,
            "{a} and {b} correlate at {r} over {} scenarios",
            files.len()
        );
    }
}
