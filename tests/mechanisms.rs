//! Mechanism links and explicit orders: each link moves its outcome in the
//! documented direction under paired seeds (common random numbers), the
//! one-off reforms act in their documented order, and month 0 starts near
//! the stationary state. Worlds are small (reduced population_scale) so the
//! tests stay fast.

mod common;

use shequ::files::scenario_file;
use shequ::model::metrics::{self, Totals};
use shequ::model::reforms::{self, Levers};
use shequ::model::scenario::Scenario;
use shequ::model::state::World;
use shequ::model::{cadres, init, rng, schedule};
use shequ::study::compare::metric_index;
use shequ::study::stats::{self, Summary};
use std::path::Path;

const SEED: u64 = 2000;

/// A scenario extending `base` (a path under the crate root) with `extra`.
fn scenario(dir: &Path, name: &str, base: &str, extra: &str) -> Scenario {
    let text = format!(
        "extends = \"{}\"\nname = \"{name}\"\n{extra}",
        common::root().join(base).display()
    );
    let p = common::write(dir, &format!("{name}.toml"), &text);
    scenario_file::load(&p).unwrap_or_else(|e| panic!("{e}"))
}

fn sim(scale: f64, months: u32) -> String {
    format!("[simulation]\npopulation_scale = {scale}\nmonths = {months}\noutcome_window_months = 12\n")
}

/// Runs replication `r`'s horizon month by month after its spin-up, calling
/// `each` after every step.
fn run_world(s: &Scenario, r: u64, mut each: impl FnMut(&World, &[Totals])) {
    let mut w = schedule::spin_up(&s.params, &s.jurisdictions, rng::replication_seed(SEED, r));
    for _ in 0..s.params.simulation.months {
        let t = schedule::step(&mut w, &s.params);
        each(&w, &t);
    }
}

/// Outcome-window metrics and mean district firms over the window, per replication.
fn window_and_firms(s: &Scenario, reps: u64) -> Vec<([f64; metrics::N_METRICS], f64)> {
    let p = &s.params.simulation;
    let start = p.months - p.outcome_window_months;
    (0..reps)
        .map(|r| {
            let mut window = Totals::default();
            let mut firms = 0.0;
            run_world(s, r, |w, by_j| {
                if w.month > start {
                    let mut t = Totals::default();
                    for x in by_j {
                        t.merge(x);
                    }
                    t.months = 1;
                    window.add(&t);
                    firms += w.jurisdictions.iter().map(|j| j.firms as f64).sum::<f64>();
                }
            });
            (metrics::values(&window), firms / f64::from(p.outcome_window_months))
        })
        .collect()
}

fn metric(rows: &[([f64; metrics::N_METRICS], f64)], name: &str) -> Vec<f64> {
    let k = metric_index(name).unwrap();
    rows.iter().map(|(v, _)| v[k]).collect()
}

fn firms(rows: &[([f64; metrics::N_METRICS], f64)]) -> Vec<f64> {
    rows.iter().map(|(_, f)| *f).collect()
}

/// Paired difference scenario − baseline.
fn diff(base: &[f64], scen: &[f64]) -> Summary {
    stats::summarise(&stats::paired(base, scen))
}

fn assert_up(d: &Summary, what: &str) {
    assert!(d.ci95_low.unwrap() > 0.0, "{what} should rise: {d:?}");
}

fn assert_down(d: &Summary, what: &str) {
    assert!(d.ci95_high.unwrap() < 0.0, "{what} should fall: {d:?}");
}

/// The shipped data file with `edit` applied to every row (cells by column name).
fn data_with(edit: impl Fn(&mut [String], &dyn Fn(&str) -> usize)) -> String {
    let text = std::fs::read_to_string(common::root().join("scenarios/data/tianqiao_jurisdictions.csv")).unwrap();
    let mut header: Vec<String> = Vec::new();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if header.is_empty() {
            header = line.split(',').map(String::from).collect();
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        edit(&mut cells, &col);
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

// 1. Firm entry from the population of potential entrants has a stationary level.

#[test]
fn firm_stock_reverts_to_the_data_file_density() {
    let dir = tempfile::tempdir().unwrap();
    let months = 240;
    // Month-0 conditions throughout (no informal fees), and the baseline itself.
    let calm = scenario(
        dir.path(),
        "calm",
        "scenarios/baseline.toml",
        &format!("{}[finance]\ninformal_sensitivity = 0.0\n", sim(0.1, months)),
    );
    let base = scenario(dir.path(), "base20", "scenarios/baseline.toml", &sim(0.1, months));
    let p = &calm.params;
    let h = rng::monthly(p.firms.exit_annual);
    let data: Vec<f64> = calm
        .jurisdictions
        .iter()
        .map(|j| (f64::from(j.population) / 1e4 * j.firms_per_10k).round())
        .collect();
    // (scenario, replications, only replications in which the street never levied informal fees)
    for (s, reps, calm_only) in [(&calm, 12u64, false), (&base, 6, true)] {
        let n = s.jurisdictions.len();
        let mut sum = vec![0.0; n];
        let mut used = vec![0u64; n];
        let mut checked = 0;
        for r in 0..reps {
            let mut rep_sum = vec![0.0; n];
            let mut quiet = vec![true; n];
            run_world(s, r, |w, _| {
                for (j, jur) in w.jurisdictions.iter().enumerate() {
                    rep_sum[j] += jur.firms as f64;
                    quiet[j] &= jur.informal == 0.0;
                }
            });
            for j in 0..n {
                if quiet[j] || !calm_only {
                    sum[j] += rep_sum[j];
                    used[j] += 1;
                }
            }
        }
        for j in 0..n {
            if used[j] == 0 {
                continue;
            }
            checked += 1;
            let mean = sum[j] / (f64::from(months) * used[j] as f64);
            // The stationary stock is Poisson(F) with autocorrelation (1 − h)^k:
            // a T-month mean has variance at most 2F / (hT). Allow 4 standard
            // errors, plus 3% for the population's own drift (≈ +2% in 20 years),
            // which entry follows.
            let se = (2.0 * data[j] / (h * f64::from(months) * used[j] as f64)).sqrt() / data[j];
            let tol = 4.0 * se + 0.03;
            let rel = mean / data[j] - 1.0;
            assert!(
                rel.abs() <= tol,
                "{} ({}): mean firms {mean:.1} vs data {} ({:+.1}%, tolerance {:.1}%)",
                s.jurisdictions[j].name,
                s.name,
                data[j],
                100.0 * rel,
                100.0 * tol
            );
        }
        assert!(checked >= n / 2, "{}: only {checked} streets checked", s.name);
    }
}

#[test]
fn investment_attraction_raises_firms_and_lowers_unemployment() {
    let dir = tempfile::tempdir().unwrap();
    // Eight years and 16 paired replications: the firms that investment
    // attraction adds accumulate, and their jobs are a small share of the
    // labour force (about 0.3 points of unemployment after five years).
    let base = scenario(dir.path(), "base", "scenarios/baseline.toml", &sim(0.05, 96));
    let tb = scenario(
        dir.path(),
        "tb",
        "scenarios/reforms/tax_base_cultivation.toml",
        &sim(0.05, 96),
    );
    let b = window_and_firms(&base, 16);
    let t = window_and_firms(&tb, 16);
    assert_up(&diff(&firms(&b), &firms(&t)), "firms under tax_base_cultivation");
    assert_down(
        &diff(&metric(&b, "unemployment_rate"), &metric(&t, "unemployment_rate")),
        "unemployment under tax_base_cultivation (new firms hire the unemployed)",
    );
}

// 2. Jobs from new firms, lay-offs from exiting ones.

#[test]
fn lower_informal_fees_bring_firms_back_and_lower_unemployment() {
    let dir = tempfile::tempdir().unwrap();
    // Firm entry is derived so that the data-file densities are the
    // stationary stock at each street's stationary fee intensity, so a
    // parameter alone does not move firms; a reform does. The fiscal reform
    // relieves the short streets, their fees fade, firms come back and their
    // new jobs take on the unemployed.
    let months = 96;
    let base = scenario(dir.path(), "base", "scenarios/baseline.toml", &sim(0.05, months));
    let relief = scenario(
        dir.path(),
        "relief",
        "scenarios/reforms/fiscal_reform.toml",
        &format!("{}[reforms.fiscal_reform]\nstart_month = 1\n", sim(0.05, months)),
    );
    let b = window_and_firms(&base, 16);
    let r = window_and_firms(&relief, 16);
    assert_down(
        &diff(&metric(&b, "informal_intensity"), &metric(&r, "informal_intensity")),
        "fees",
    );
    assert_up(&diff(&firms(&b), &firms(&r)), "firms where fees fade");
    let d = diff(&metric(&b, "unemployment_rate"), &metric(&r, "unemployment_rate"));
    assert_down(&d, "unemployment where firms come back");
}

// 3. Insurance and tenure in the quit hazard.

#[test]
fn insurance_alone_lowers_turnover() {
    let dir = tempfile::tempdir().unwrap();
    let base = scenario(dir.path(), "base", "scenarios/baseline.toml", &sim(0.05, 36));
    // raise_stipends with the stipend and recruits' education unchanged: only insurance moves.
    let ins = scenario(
        dir.path(),
        "insurance",
        "scenarios/reforms/raise_stipends.toml",
        &format!(
            "{}[reforms.raise_stipends]\nstipend_yuan_month = 450.0\ninsurance_yuan_month = 150.0\nlocal_college_share = 0.05\n",
            sim(0.05, 36)
        ),
    );
    assert_eq!(
        ins.params.reforms.raise_stipends.stipend_yuan_month,
        base.params.cadres.stipend_yuan_month
    );
    let b = window_and_firms(&base, 16);
    let i = window_and_firms(&ins, 16);
    assert_down(
        &diff(&metric(&b, "cadre_turnover_rate"), &metric(&i, "cadre_turnover_rate")),
        "turnover with insurance alone",
    );
}

#[test]
fn a_stronger_early_tenure_effect_raises_turnover() {
    let dir = tempfile::tempdir().unwrap();
    let flat = scenario(
        dir.path(),
        "flat",
        "scenarios/baseline.toml",
        &format!("{}[cadres]\nearly_tenure_quit_multiplier = 1.0\n", sim(0.05, 36)),
    );
    let steep = scenario(
        dir.path(),
        "steep",
        "scenarios/baseline.toml",
        &format!("{}[cadres]\nearly_tenure_quit_multiplier = 3.0\n", sim(0.05, 36)),
    );
    let f = window_and_firms(&flat, 12);
    let s = window_and_firms(&steep, 12);
    assert_up(
        &diff(&metric(&f, "cadre_turnover_rate"), &metric(&s, "cadre_turnover_rate")),
        "turnover with a higher early-tenure quit multiplier",
    );
}

#[test]
fn quit_hazard_counts_insurance_at_its_value_share_and_early_tenure() {
    let p = shequ::model::params::Params::default();
    let c = &p.cadres;
    let r = cadres::pay_ratio(c, 450.0, 150.0);
    assert!((r - (450.0 + c.insurance_value_share * 150.0) / c.outside_wage_yuan_month).abs() < 1e-12);
    let early = cadres::quit_monthly(c, false, 1, 1.0, 1.0);
    let late = cadres::quit_monthly(c, false, c.early_tenure_months + 1, 1.0, 1.0);
    assert_eq!(
        early,
        rng::monthly(c.quit_annual_local * c.early_tenure_quit_multiplier)
    );
    assert_eq!(late, rng::monthly(c.quit_annual_local));
}

// 4. Per-street authority and coordination.

#[test]
fn levers_move_each_street_from_its_own_base() {
    let mut p = shequ::model::params::Params::default();
    let off = Levers::at(&p, 1);
    assert_eq!(off.authority(0.17), 0.17, "off means exactly the base");
    assert_eq!(off.coordination(0.42), 0.42);
    p.reforms.devolve_powers.enabled = true;
    p.reforms.devolve_powers.start_month = 1;
    p.reforms.devolve_powers.phase_in_months = 2;
    let half = Levers::at(&p, 1);
    let target = p.reforms.devolve_powers.authority;
    assert!((half.authority(0.2) - (0.2 + 0.5 * (target - 0.2))).abs() < 1e-12);
    assert!((half.authority(0.4) - (0.4 + 0.5 * (target - 0.4))).abs() < 1e-12);
    assert_eq!(Levers::at(&p, 2).authority(0.2), target);
}

#[test]
fn a_street_with_more_authority_resolves_more_issues() {
    let dir = tempfile::tempdir().unwrap();
    let csv = data_with(|cells, col| {
        if cells[col("name")] == "Beicun" {
            cells[col("authority")] = "0.6".into();
        }
    });
    common::write(dir.path(), "strong.csv", &csv);
    let base = scenario(dir.path(), "base", "scenarios/baseline.toml", &sim(0.05, 36));
    let strong = scenario(
        dir.path(),
        "strong",
        "scenarios/baseline.toml",
        &format!("{}[world]\njurisdictions_file = \"strong.csv\"\n", sim(0.05, 36)),
    );
    let j = base.jurisdictions.iter().position(|j| j.name == "Beicun").unwrap();
    assert_eq!(strong.jurisdictions[j].authority, Some(0.6));
    let k = metric_index("enforcement_resolution_rate").unwrap();
    let rate = |s: &Scenario| -> Vec<f64> {
        (0..8)
            .map(|r| shequ::study::runner::replicate(s, SEED, r).by_jurisdiction[j][k])
            .collect()
    };
    assert_up(
        &diff(&rate(&base), &rate(&strong)),
        "Beicun's resolution rate with authority 0.6",
    );
    // An empty cell takes the scenario's enforcement.authority.
    let csv = data_with(|cells, col| cells[col("authority")] = String::new());
    common::write(dir.path(), "empty.csv", &csv);
    let empty = scenario(
        dir.path(),
        "empty",
        "scenarios/baseline.toml",
        "[simulation]\npopulation_scale = 0.01\n[world]\njurisdictions_file = \"empty.csv\"\n[enforcement]\nauthority = 0.45\n",
    );
    let w = init::build(&empty.params, &empty.jurisdictions, 1);
    assert!(w
        .jurisdictions
        .iter()
        .all(|j| j.authority == 0.45 && j.coordination == 0.3));
}

// 5. Explicit orders of the one-off reforms.

fn names_of_targets(s: &Scenario) -> Vec<(String, String)> {
    let w = init::build(&s.params, &s.jurisdictions, 1);
    let targets = reforms::merge_targets(&w, &s.params);
    let mut out: Vec<(String, String)> = targets
        .iter()
        .enumerate()
        .filter_map(|(j, t)| t.map(|k| (w.jurisdictions[j].name.clone(), w.jurisdictions[k].name.clone())))
        .collect();
    out.sort();
    out
}

#[test]
fn redistricting_merges_by_data_file_column_or_order_free_rule() {
    let dir = tempfile::tempdir().unwrap();
    let small = "[simulation]\npopulation_scale = 0.01\n";
    let shipped = scenario(dir.path(), "shipped", "scenarios/baseline.toml", small);
    let pair = |a: &str, b: &str| vec![(a.to_string(), b.to_string())];
    assert_eq!(names_of_targets(&shipped), pair("Liujiazhuang", "Tianqiaodongjie"));

    // An empty merge_into falls back to the rule: the smallest urban street
    // not itself below the thresholds, whatever the row order.
    let blank = data_with(|cells, col| cells[col("merge_into")] = String::new());
    let mut rows: Vec<&str> = blank.lines().collect();
    let header = rows.remove(0);
    rows.reverse();
    let reversed = format!("{header}\n{}\n", rows.join("\n"));
    common::write(dir.path(), "blank.csv", &blank);
    common::write(dir.path(), "reversed.csv", &reversed);
    for file in ["blank.csv", "reversed.csv"] {
        let s = scenario(
            dir.path(),
            &file.replace('.', "_"),
            "scenarios/baseline.toml",
            &format!("{small}[world]\njurisdictions_file = \"{file}\"\ncommittee_size_spread = 0.0\n"),
        );
        assert_eq!(names_of_targets(&s), pair("Liujiazhuang", "Tianqiaodongjie"), "{file}");
    }
    // With the population threshold just under 30,000, Tianqiaodongjie
    // (26,000) and Baohuajie (28,000) merge too; the rule's street is then
    // Beitan (30,000).
    let wide = scenario(
        dir.path(),
        "wide",
        "scenarios/baseline.toml",
        &format!("{small}[world]\njurisdictions_file = \"reversed.csv\"\ncommittee_size_spread = 0.0\n[reforms.redistricting]\npopulation_threshold = 29999.0\n"),
    );
    let expect: Vec<(String, String)> = ["Baohuajie", "Liujiazhuang", "Tianqiaodongjie"]
        .iter()
        .map(|a| (a.to_string(), "Beitan".to_string()))
        .collect();
    assert_eq!(names_of_targets(&wide), expect);
    // A named street is honoured, and followed on when it merges itself.
    let named = data_with(|cells, col| {
        if cells[col("name")] == "Liujiazhuang" {
            cells[col("merge_into")] = "Tianqiaodongjie".into();
        }
        if cells[col("name")] == "Tianqiaodongjie" {
            cells[col("merge_into")] = "Wuyingshan".into();
        }
    });
    common::write(dir.path(), "named.csv", &named);
    let chain = scenario(
        dir.path(),
        "chain",
        "scenarios/baseline.toml",
        &format!("{small}[world]\njurisdictions_file = \"named.csv\"\n[reforms.redistricting]\npopulation_threshold = 27000.0\n"),
    );
    assert_eq!(
        names_of_targets(&chain),
        vec![
            ("Liujiazhuang".to_string(), "Wuyingshan".to_string()),
            ("Tianqiaodongjie".to_string(), "Wuyingshan".to_string())
        ]
    );
    // And the merge itself moves the committees there.
    let mut s = scenario(
        dir.path(),
        "merge",
        "scenarios/reforms/redistricting.toml",
        &format!("{}[world]\njurisdictions_file = \"reversed.csv\"\n", sim(0.01, 14)),
    );
    s.params.reforms.redistricting.start_month = 2;
    let mut w = schedule::spin_up(&s.params, &s.jurisdictions, 1);
    for _ in 0..3 {
        schedule::step(&mut w, &s.params);
    }
    let liu = w.jurisdictions.iter().position(|j| j.name == "Liujiazhuang").unwrap();
    let tqd = w
        .jurisdictions
        .iter()
        .position(|j| j.name == "Tianqiaodongjie")
        .unwrap();
    assert!(!w.jurisdictions[liu].active);
    assert!(w
        .committees
        .iter()
        .filter(|c| c.home == liu)
        .all(|c| c.jurisdiction == tqd));
}

#[test]
fn offices_are_upgraded_smallest_first() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "offices",
        "scenarios/reforms/office_standard.toml",
        &format!(
            "{}[reforms.office_standard]\nstart_month = 1\nphase_in_months = 10\n",
            sim(0.01, 12)
        ),
    );
    let mut w = schedule::spin_up(&s.params, &s.jurisdictions, 3);
    let before: Vec<f64> = w.committees.iter().map(|c| c.office_area_m2).collect();
    let mut order: Vec<usize> = (0..before.len()).collect();
    order.sort_by(|&a, &b| before[a].total_cmp(&before[b]).then(a.cmp(&b)));
    let target = s.params.reforms.office_standard.area_m2;
    for month in 1..=3 {
        schedule::step(&mut w, &s.params);
        let due = (f64::from(month) / 10.0 * before.len() as f64).ceil() as usize;
        for (rank, &ci) in order.iter().enumerate() {
            let upgraded = w.committees[ci].office_area_m2 == target && w.committees[ci].phone;
            if rank < due {
                assert!(upgraded, "month {month}: committee {ci} (rank {rank}) not upgraded");
            } else {
                assert_eq!(
                    w.committees[ci].office_area_m2, before[ci],
                    "month {month}: rank {rank} upgraded early"
                );
            }
        }
    }
}

#[test]
fn young_street_leaders_go_to_the_streets_with_most_vacancies_first() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "leaders",
        "scenarios/reforms/young_cadres.toml",
        &format!(
            "{}[reforms.young_cadres]\nstart_month = 1\nphase_in_months = 13\n",
            sim(0.01, 12)
        ),
    );
    assert_eq!(s.jurisdictions.len(), 13);
    let mut w = schedule::spin_up(&s.params, &s.jurisdictions, 5);
    for month in 1..=6 {
        let vacancy: Vec<f64> = (0..w.jurisdictions.len())
            .map(|j| {
                let posts: Vec<_> = w.jurisdictions[j]
                    .committees
                    .iter()
                    .flat_map(|&c| w.committees[c].cadres.iter())
                    .collect();
                posts.iter().filter(|k| !k.filled).count() as f64 / posts.len() as f64
            })
            .collect();
        let had: Vec<bool> = w.jurisdictions.iter().map(|j| j.young_leader).collect();
        let expected = (0..w.jurisdictions.len())
            .filter(|&j| !had[j])
            .min_by(|&a, &b| vacancy[b].total_cmp(&vacancy[a]).then(a.cmp(&b)))
            .unwrap();
        schedule::step(&mut w, &s.params);
        let gained: Vec<usize> = (0..w.jurisdictions.len())
            .filter(|&j| w.jurisdictions[j].young_leader && !had[j])
            .collect();
        assert_eq!(gained, vec![expected], "month {month}: vacancy rates {vacancy:?}");
    }
}

// 6. Month 0 near the stationary state.

/// Per year of a 36-month run, pooled over replications: retirements,
/// filled post-months and the sums of morale and of morale − its current
/// target over filled posts; and the posts.
struct CadreYears {
    retirements: [f64; 3],
    posts: f64,
    filled: [f64; 3],
    morale: [f64; 3],
    gap: [f64; 3],
}

fn cadre_years(s: &Scenario, reps: u64) -> CadreYears {
    let p = &s.params;
    let c = &p.cadres;
    let retire = (c.retirement_age_years * 12) as u16;
    let ratio = cadres::pay_ratio(c, c.stipend_yuan_month, c.insurance_yuan_month);
    let mut out = CadreYears {
        retirements: [0.0; 3],
        posts: 0.0,
        filled: [0.0; 3],
        morale: [0.0; 3],
        gap: [0.0; 3],
    };
    for r in 0..reps {
        let mut w = init::build(p, &s.jurisdictions, rng::replication_seed(SEED, r));
        out.posts += w.committees.iter().map(|c| c.cadres.len()).sum::<usize>() as f64;
        for m in 0..36 {
            let y = m / 12;
            // Holders who reach the retirement age in this step retire in it.
            out.retirements[y] += w
                .committees
                .iter()
                .flat_map(|c| c.cadres.iter())
                .filter(|k| k.filled && k.age_months + 1 >= retire)
                .count() as f64;
            schedule::step(&mut w, p);
            for com in &w.committees {
                let unpaid = w.jurisdictions[com.jurisdiction].shortfall;
                let target = cadres::morale_target(c, ratio, (com.plan.load - 1.0).max(0.0), unpaid);
                for k in com.cadres.iter().filter(|k| k.filled) {
                    out.morale[y] += k.morale;
                    out.gap[y] += k.morale - target;
                    out.filled[y] += 1.0;
                }
            }
        }
    }
    out
}

#[test]
fn retirements_and_morale_start_stationary() {
    let dir = tempfile::tempdir().unwrap();
    let base = scenario(dir.path(), "stationary", "scenarios/baseline.toml", &sim(0.01, 36));
    let b = cadre_years(&base, 100);
    // Retirements are counts of rare events, Poisson, so the difference of
    // two years has standard deviation √(n1 + n3); allow 3.5 of them (±10%
    // here). The old month 0 had no retirement at all before month 36.
    let (n1, n3) = (b.retirements[0], b.retirements[2]);
    let tol = 3.5 * (n1 + n3).sqrt();
    assert!(n1 > 0.0, "retirements from month 1");
    assert!(
        (n3 - n1).abs() <= tol,
        "retirements per post: year 1 {:.4}, year 3 {:.4} (tolerance ±{:.4})",
        n1 / b.posts,
        n3 / b.posts,
        tol / b.posts
    );
    // Morale against its current target. The baseline's target falls as
    // demand grows with ageing and falling registration (≈ 0.001 a month,
    // not an initial value), and morale lags a target falling at v a month
    // by v / α ≈ 0.01; so the distance may grow by up to 0.02 from year 1 to
    // year 3. (The old month 0, morale 0.6 for everyone, shrank it by ≈ 0.07.)
    let gap = [b.gap[0] / b.filled[0], b.gap[2] / b.filled[2]];
    assert!(
        (gap[1] - gap[0]).abs() < 0.02,
        "morale − target: year 1 {:.4}, year 3 {:.4}",
        gap[0],
        gap[1]
    );
    // With a target that cannot move (no load or arrears terms) mean morale
    // itself must be flat. Its standard error over 100 replications is
    // ≈ 0.0002; allow 0.005 for the slow shift of the tenure mix as quits
    // follow the load.
    let fixed = scenario(
        dir.path(),
        "fixed_target",
        "scenarios/baseline.toml",
        &format!(
            "{}[cadres]\nmorale_load_weight = 0.0\nmorale_arrears_weight = 0.0\n",
            sim(0.01, 36)
        ),
    );
    let f = cadre_years(&fixed, 100);
    let m = [f.morale[0] / f.filled[0], f.morale[2] / f.filled[2]];
    assert!(
        (m[1] - m[0]).abs() < 0.005,
        "mean morale at a fixed target: year 1 {:.4}, year 3 {:.4}",
        m[0],
        m[1]
    );
}

#[test]
fn open_issues_start_at_their_stationary_expectation() {
    let s = common::small();
    let p = &s.params;
    let w = init::build(p, &s.jurisdictions, 1);
    let lv = Levers::at(p, 0);
    for (j, jur) in w.jurisdictions.iter().enumerate() {
        assert!(
            jur.open_issues.iter().sum::<u64>() > 0,
            "{} starts with no issues",
            jur.name
        );
        let pop = w.represented(w.jurisdiction_persons(j));
        let means = shequ::model::enforcement::issue_means(p, pop, 0.0);
        // λ(1 − r)/r with r ≤ r_max × authority × (1 − ω + ω × coordination): a lower bound.
        let e = &p.enforcement;
        let r_max = e.resolution_max
            * lv.authority(jur.authority)
            * (1.0 - e.coordination_weight + e.coordination_weight * lv.coordination(jur.coordination));
        for (open, lambda) in jur.open_issues.iter().zip(means) {
            assert!(*open as f64 >= (lambda * (1.0 - r_max) / r_max).floor(), "{}", jur.name);
        }
    }
}
