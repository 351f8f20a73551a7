//! One replication: build the world, spin it up under baseline rules, then
//! step it month by month through the horizon in the order of spec §3.
//! Reforms act through `reforms::Levers`, computed at the top of each month,
//! and `reforms::one_offs`.
//!
//! A replication is `run_horizon(spin_up(..), p)`. The spin-up (month 0 and
//! `simulation.spinup_months` months under `Params::baseline_rules`) does not
//! depend on the reforms, the horizon's length or the outcome window, so
//! scenarios with the same `spinup_key` can share one spin-up per
//! replication: the world is cloned with its random streams, and each
//! scenario's horizon is byte-identical to a run of its own.

use crate::model::init;
use crate::model::jurisdictions::JurisdictionSpec;
use crate::model::metrics::{self, ReformTotals, Totals};
use crate::model::params::Params;
use crate::model::reforms::{self, Levers};
use crate::model::state::{DistrictLedger, Ledger, PersonFlows, World};
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
    /// Person-months simulated in all, spin-up months included.
    pub simulated_person_months: u64,
    /// The district's resident flows over the horizon.
    pub flows: PersonFlows,
}

/// Advances the world by one month and returns that month's totals per
/// jurisdiction. `world.month` is the horizon month: 0 during the spin-up
/// (`simulation.spinup_months`), then 1, 2, … (reforms' `start_month` counts
/// horizon months).
pub fn step(world: &mut World, p: &Params) -> Vec<Totals> {
    world.stepped_person_months += world.total_persons();
    world.elapsed_months += 1;
    world.month = world.elapsed_months.saturating_sub(p.simulation.spinup_months);
    let month = world.month;
    // Prices grow through the spin-up too: horizon month 1 has index 1.
    let from_start = f64::from(world.elapsed_months) - f64::from(p.simulation.spinup_months) - 1.0;
    world.price_index = finance::price_index(p, from_start);
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

/// Builds month 0 and steps it `simulation.spinup_months` months under
/// baseline rules (every reform off): the world at the start of the horizon.
pub fn spin_up(p: &Params, specs: &[JurisdictionSpec], replication_seed: u64) -> World {
    let base = p.baseline_rules();
    let mut world = init::build(&base, specs, replication_seed);
    for _ in 0..base.simulation.spinup_months {
        step(&mut world, &base);
    }
    world
}

/// Runs the horizon (`simulation.months` months under the scenario's
/// params) from a spun-up world; only these months are recorded.
pub fn run_horizon(mut world: World, p: &Params) -> Replication {
    assert_eq!(
        world.elapsed_months, p.simulation.spinup_months,
        "run_horizon: the world was not spun up for this scenario's simulation.spinup_months"
    );
    let months = p.simulation.months;
    let window_start = months - p.simulation.outcome_window_months;
    let mut monthly = Vec::with_capacity(months as usize);
    let mut window_by_jurisdiction = vec![Totals::default(); world.jurisdictions.len()];
    let mut person_months = 0;
    let mut resident_draws = 0;
    let flows_before = district_flows(&world);
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
        simulated_person_months: world.stepped_person_months,
        flows: district_flows(&world).since(&flows_before),
    }
}

fn district_flows(world: &World) -> PersonFlows {
    let mut f = PersonFlows::default();
    for j in &world.jurisdictions {
        f.add(&j.flows);
    }
    f
}

/// Runs one replication with the given replication seed: its own spin-up,
/// then the horizon.
pub fn run(p: &Params, specs: &[JurisdictionSpec], replication_seed: u64) -> Replication {
    run_horizon(spin_up(p, specs, replication_seed), p)
}

/// What a spin-up depends on, as a 64-bit hash: scenarios with different
/// keys never share a spin-up; scenarios with equal keys share it when
/// `same_spinup` confirms it (an exact comparison, for hash collisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpinupKey(u64);

/// The params a spin-up depends on: the reforms, the horizon
/// (`simulation.months`, `simulation.outcome_window_months`) and the data
/// file's path (`world.jurisdictions_file`; its content is the
/// jurisdictions) cleared.
fn spinup_params(p: &Params) -> Params {
    let mut q = p.baseline_rules();
    q.simulation.months = 0;
    q.simulation.outcome_window_months = 0;
    q.world.jurisdictions_file = String::new();
    q
}

/// Feeds formatted text into a hasher, so a key needs no copy of the text.
struct HashWriter(std::hash::DefaultHasher);

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        std::hash::Hasher::write(&mut self.0, s.as_bytes());
        Ok(())
    }
}

/// The spin-up key of a scenario: a hash of its params with the reforms,
/// the horizon and the data file's path cleared (`spinup_params`), and of
/// its jurisdictions, every float in its exact round-trip form.
pub fn spinup_key(p: &Params, specs: &[JurisdictionSpec]) -> SpinupKey {
    use std::fmt::Write;
    let mut h = HashWriter(std::hash::DefaultHasher::new());
    // Writing into a hasher cannot fail.
    let _ = write!(h, "{:?}\n{specs:?}", spinup_params(p));
    SpinupKey(std::hash::Hasher::finish(&h.0))
}

/// Whether two scenarios' spin-ups are the same simulation: equal params
/// once the reforms, the horizon and the data file's path are cleared, and
/// equal jurisdictions.
pub fn same_spinup(a: (&Params, &[JurisdictionSpec]), b: (&Params, &[JurisdictionSpec])) -> bool {
    a.1 == b.1 && spinup_params(a.0) == spinup_params(b.0)
}
