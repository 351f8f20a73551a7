//! One replication: build the world, then step it month by month in the
//! order of spec §3. Reforms act through `reforms::Levers`, computed at the
//! top of each month, and `reforms::one_offs`.

use crate::model::init;
use crate::model::jurisdictions::JurisdictionSpec;
use crate::model::metrics::{self, ReformTotals, Totals};
use crate::model::params::Params;
use crate::model::reforms::{self, Levers};
use crate::model::state::{DistrictLedger, Ledger, World};
use crate::model::{cadres, committees, economy, enforcement, finance, residents, tasks};

/// What one replication produced.
#[derive(Debug, Clone)]
pub struct Replication {
    /// District totals per month (index 0 = month 1).
    pub monthly: Vec<Totals>,
    /// Per jurisdiction, totals over the outcome window.
    pub window_by_jurisdiction: Vec<Totals>,
    /// District totals over the outcome window.
    pub window: Totals,
    /// Person-months simulated (sampled residents × months).
    pub person_months: u64,
    /// 64-bit random draws of the resident passes (nearly all draws).
    pub resident_draws: u64,
}

/// Advances the world by one month and returns that month's totals per
/// jurisdiction.
pub fn step(world: &mut World, p: &Params) -> Vec<Totals> {
    world.month += 1;
    let month = world.month;
    world.price_index = finance::price_index(p, f64::from(month) - 1.0);
    let lv = Levers::at(p, month);
    for j in &mut world.jurisdictions {
        j.ledger = Ledger::default();
    }
    world.district.ledger = DistrictLedger::default();
    reforms::one_offs(world, p);

    // 1-2. District tasks and transfers; streets pass tasks down, collect
    // taxes, pay salaries, stipends and committees' funds; committees and
    // streets update informal revenue-seeking; the district's budget closes.
    tasks::issue_and_pass_down(world, p, &lv);
    finance::month(world, p, &lv);
    // 3. Economy: firms, service enterprises.
    economy::month(world, p, &lv);
    // 4. Committees: capacity, admin first, then services by priority.
    committees::plan_month(world, p, &lv);
    // 5. Residents: needs, labour, migration, ageing, party, satisfaction.
    residents::month(world, p, &lv);
    // 6. Enforcement and security.
    let enf = enforcement::month(world, p, &lv);
    // 7. Cadres: quits, retirements, vacancies, recruitment.
    let cad = cadres::month(world, p, &lv);
    // 8. Record.
    metrics::record(world, p, &enf, &cad)
}

fn district_total(by_jurisdiction: &[Totals], world: &World) -> Totals {
    let mut t = Totals::default();
    for j in by_jurisdiction {
        t.merge(j);
    }
    t.months = 1;
    let d = &world.district;
    t.district_cash = d.cash;
    t.district_revenue = d.ledger.revenue();
    t.department_spending = d.ledger.departments;
    let a = &d.accounts;
    t.accounts = ReformTotals {
        district: a.district,
        streets: a.streets,
        transfers: a.transfers,
        gross: a.gross,
        public_revenue: a.public_revenue,
    };
    t
}

/// Runs one replication with the given replication seed.
pub fn run(p: &Params, specs: &[JurisdictionSpec], replication_seed: u64) -> Replication {
    let mut world = init::build(p, specs, replication_seed);
    let months = p.simulation.months;
    let window_start = months - p.simulation.outcome_window_months;
    let mut monthly = Vec::with_capacity(months as usize);
    let mut window_by_jurisdiction = vec![Totals::default(); specs.len()];
    let mut person_months = 0;
    let mut resident_draws = 0;
    for _ in 0..months {
        person_months += world.total_persons();
        let by_j = step(&mut world, p);
        resident_draws += world.committees.iter().map(|c| c.tally.draws).sum::<u64>();
        let total = district_total(&by_j, &world);
        if world.month > window_start {
            for (w, t) in window_by_jurisdiction.iter_mut().zip(&by_j) {
                w.add(t);
            }
        }
        monthly.push(total);
    }
    let mut window = Totals::default();
    for t in &monthly[window_start as usize..] {
        window.add(t);
    }
    Replication {
        monthly,
        window_by_jurisdiction,
        window,
        person_months,
        resident_draws,
    }
}
