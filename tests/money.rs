//! Money, checked from the flows' own definitions rather than from the line
//! that sets cash: each yuan a payer books must be booked by its payee, the
//! consolidated public purse (district + streets) must change by exactly the
//! flows that cross its boundary, and reform accounts must net transfers out.
mod common;

use shequ::model::params::Params;
use shequ::model::schedule;
use shequ::model::state::World;
use shequ::study::runner;

/// Relative tolerance for sums of a few hundred terms of up to ~1e9 yuan.
fn close(a: f64, b: f64, what: &str, month: u32) {
    let tol = 1e-9 * a.abs().max(b.abs()).max(1.0);
    assert!((a - b).abs() <= tol, "month {month}: {what}: {a} ≠ {b}");
}

/// A package with every lever that moves money, on a small world.
fn package() -> (Params, Vec<shequ::model::jurisdictions::JurisdictionSpec>) {
    let s = common::load("scenarios/packages/all_levers.toml");
    let mut p = s.params.clone();
    p.simulation.population_scale = 0.05;
    (p, s.jurisdictions)
}

fn public_cash(w: &World) -> f64 {
    w.district.cash + w.jurisdictions.iter().map(|j| j.cash).sum::<f64>()
}

#[test]
fn every_yuan_has_a_payer_and_a_payee_and_the_public_purse_adds_up() {
    let (p, specs) = package();
    let mut w = schedule::spin_up(&p, &specs, 7);
    let start = public_cash(&w);
    let (mut inflow, mut outflow) = (0.0, 0.0);
    // Cash moved by mergers (so the zero-sum check is not vacuous).
    let mut merged_cash = 0.0;
    for _ in 0..p.simulation.months {
        let before = public_cash(&w);
        schedule::step(&mut w, &p);
        let m = w.month;
        let d = &w.district.ledger;
        let active = || w.jurisdictions.iter().filter(|j| j.active);
        let sum = |f: fn(&shequ::model::state::Ledger) -> f64| active().map(|j| f(&j.ledger)).sum::<f64>();
        // Tax is split between exactly two payees: the street and the district.
        let tax: f64 = active().map(|j| j.tax_collected).sum();
        close(
            d.tax_share + sum(|l| l.retained_tax),
            tax,
            "tax = retained + district share",
            m,
        );
        // What the district pays out, the streets receive.
        close(
            d.transfers,
            sum(|l| l.transfer),
            "district transfers = street transfers",
            m,
        );
        close(
            d.earmarked,
            sum(|l| l.earmarked),
            "district earmarked = street earmarked",
            m,
        );
        // What streets pay their committees, the committees receive.
        let coms = || w.committees.iter().filter(|c| w.jurisdictions[c.jurisdiction].active);
        let op: f64 = coms().map(|c| c.budget.operating_received).sum();
        let tf: f64 = coms().map(|c| c.budget.task_funds_received).sum();
        close(
            op,
            sum(|l| l.operating),
            "committee operating money = street operating spending",
            m,
        );
        close(tf, sum(|l| l.task_funds), "committee task funds = street task funds", m);
        // A merger moves cash between streets and creates none.
        let merger: f64 = w.jurisdictions.iter().map(|j| j.ledger.merger).sum();
        let moved: f64 = w.jurisdictions.iter().map(|j| j.ledger.merger.abs()).sum();
        close(merger, 0.0, "merger entries sum to zero", m);
        merged_cash += moved / 2.0;
        // The consolidated purse changes by what crosses its boundary only.
        let ins = d.city_allocation + tax + sum(|l| l.enterprise_fees) + sum(|l| l.informal);
        let outs = d.reform_programmes
            + d.departments
            + sum(|l| l.staff)
            + sum(|l| l.stipends)
            + sum(|l| l.arrears_repaid)
            + sum(|l| l.operating)
            + sum(|l| l.task_funds)
            + sum(|l| l.facilities)
            + sum(|l| l.public_services)
            + sum(|l| l.reform_programmes)
            + sum(|l| l.community_building);
        close(
            public_cash(&w) - before,
            ins - outs,
            "public cash change = inflows − outflows",
            m,
        );
        inflow += ins;
        outflow += outs;
        for j in &w.jurisdictions {
            assert!(j.cash >= -1e-6, "month {m}: {} has negative cash {}", j.name, j.cash);
            assert!(j.arrears >= 0.0 && j.arrears_months >= 0.0);
        }
    }
    close(
        public_cash(&w) - start,
        inflow - outflow,
        "cumulative public cash",
        w.month,
    );
    assert!(merged_cash > 0.0, "the package merges streets, and their cash moves");
}

#[test]
fn reform_accounts_are_zero_in_the_baseline_and_net_out_transfers() {
    let s = common::small();
    let r = runner::replicate(&s, 3, 0);
    for name in [
        "reform_cost_gross",
        "fiscal_cost_district",
        "fiscal_cost_streets",
        "transfers_district_to_streets",
    ] {
        let k = shequ::study::compare::metric_index(name).unwrap();
        assert_eq!(r.values[k], 0.0, "{name} in the baseline");
    }
}

/// The fiscal reform only moves tax from the district to the streets. In a
/// world where no street falls short (firm densities tripled) and informal
/// fee-seeking is off, the ceded tax changes nothing but cash, so the reform
/// induces no revenue: its net fiscal cost must be exactly 0 in every
/// replication, while its gross cost is the tax ceded.
#[test]
fn a_pure_transfer_has_a_net_fiscal_cost_of_exactly_zero() {
    let dir = tempfile::tempdir().unwrap();
    let pure = "[world]\nfirm_density_multiplier = 3.0\n[finance]\ninformal_sensitivity = 0.0\n[committees]\ninformal_sensitivity = 0.0\n";
    let base = common::write(
        dir.path(),
        "base.toml",
        &common::extends_baseline(&format!("name = \"b\"\n{pure}")),
    );
    let reform = common::write(
        dir.path(),
        "reform.toml",
        &common::extends_baseline(&format!(
            "name = \"r\"\n{pure}[reforms.fiscal_reform]\nenabled = true\n[simulation]\npopulation_scale = 0.05\nmonths = 24\n"
        )),
    );
    let base_s = {
        let mut s = shequ::files::scenario_file::load(&base).unwrap();
        s.params.simulation.population_scale = 0.05;
        s.params.simulation.months = 24;
        s
    };
    let reform_s = shequ::files::scenario_file::load(&reform).unwrap();
    let b: Vec<_> = (0..4).map(|r| runner::replicate(&base_s, 11, r)).collect();
    let x: Vec<_> = (0..4).map(|r| runner::replicate(&reform_s, 11, r)).collect();
    let br: Vec<_> = b.iter().collect();
    let xr: Vec<_> = x.iter().collect();
    let gross = shequ::study::compare::metric_index("reform_cost_gross").unwrap();
    for c in shequ::study::compare::net_costs(&br, &xr) {
        assert_eq!(
            c.consolidated, 0.0,
            "replication {}: consolidated outlay",
            c.replication
        );
        assert_eq!(c.revenue_induced, 0.0, "replication {}: induced revenue", c.replication);
        assert_eq!(c.net, 0.0, "replication {}: net fiscal cost", c.replication);
        assert!(c.district > 0.0 && c.transfers == c.district);
        assert!(x[c.replication as usize].values[gross] > 0.0);
    }
}
