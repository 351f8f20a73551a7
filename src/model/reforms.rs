//! Reform levers (spec §5): each month the scenario's levers are turned into
//! the effective values the submodels read, and one-off reform events
//! (office upgrades, street mergers, fringe conversion) are carried out.
//!
//! A lever that is off, or not yet started, leaves every value exactly at its
//! baseline parameter, so a scenario with every lever off equals the baseline.

use crate::model::jurisdictions::Kind;
use crate::model::params::{self, Params};
use crate::model::state::World;

/// Phase-in level of a lever in `month`: 0 before `start_month`, then linear
/// up to 1 over `phase_in_months` (immediately 1 when that is 0).
pub fn phase(enabled: bool, start: u32, phase_in: u32, month: u32) -> f64 {
    if !enabled || month < start {
        0.0
    } else if phase_in == 0 {
        1.0
    } else {
        (f64::from(month - start + 1) / f64::from(phase_in)).min(1.0)
    }
}

/// Every lever block has `enabled`, `start_month` and `phase_in_months`.
pub trait Lever {
    /// Phase-in level in `month` (see `phase`).
    fn level(&self, month: u32) -> f64;
}

macro_rules! lever {
    ($($t:ty),*) => {
        $(impl Lever for $t {
            fn level(&self, month: u32) -> f64 {
                phase(self.enabled, self.start_month, self.phase_in_months, month)
            }
        })*
    };
}

lever!(
    params::DevolvePowers,
    params::DualLeadership,
    params::FiscalReform,
    params::ServiceIndustrialisation,
    params::TaxBaseCultivation,
    params::RaiseStipends,
    params::OfficeStandard,
    params::YoungCadres,
    params::PartyBuilding,
    params::Redistricting,
    params::FringeIntegration,
    params::Coordination
);

/// `base` moved a share `level` of the way to `target`; exactly `base` at 0.
fn toward(base: f64, target: f64, level: f64) -> f64 {
    if level == 0.0 {
        base
    } else {
        base + level * (target - base)
    }
}

/// Effective values of everything a lever can move, for one month.
#[derive(Debug, Clone)]
pub struct Levers {
    /// Phase-in level of `devolve_powers` and its authority target; each
    /// street's effective authority is `Levers::authority(its base)`.
    pub authority_level: f64,
    pub authority_target: f64,
    /// Phase-in level of `dual_leadership` and its coordination target;
    /// each street's effective coordination is `Levers::coordination(its base)`.
    pub coordination_level: f64,
    pub coordination_target: f64,
    pub passdown_share: f64,
    pub task_multiplier: f64,
    pub funding_per_task_hour: f64,
    pub retained_tax_share: f64,
    pub compliance: f64,
    /// Investment-attraction spending per firm this month (yuan).
    pub investment_per_firm: f64,
    pub investment_lag: u32,
    pub stipend: f64,
    pub insurance: f64,
    pub local_college_share: f64,
    pub young_recruit_share: f64,
    pub young_extra_pay: f64,
    pub link_monthly: f64,
    pub volunteer_multiplier: f64,
    pub efficiency_multiplier: f64,
    pub fringe_information_factor: f64,
    pub fringe_security_multiplier: f64,
    /// Share of the way fringe committees are converted to the urban model.
    pub fringe_conversion: f64,
    pub enterprise_starts_per_10k: f64,
    pub policy_implementation_rate: f64,
    pub young_leader_level: f64,
    /// Monthly running cost of each phone the office lever installed (district).
    pub phone_running: f64,
    /// Recurring reform spending charged to each active street (yuan/month).
    pub street_recurring: f64,
    /// Recurring reform spending the district pays per active street.
    pub district_recurring: f64,
}

impl Levers {
    pub fn at(p: &Params, month: u32) -> Levers {
        let r = &p.reforms;
        let dv = r.devolve_powers.level(month);
        let dl = r.dual_leadership.level(month);
        let fr = r.fiscal_reform.level(month);
        let si = r.service_industrialisation.level(month);
        let tb = r.tax_base_cultivation.level(month);
        let rs = r.raise_stipends.level(month);
        let yc = r.young_cadres.level(month);
        let pb = r.party_building.level(month);
        let fi = r.fringe_integration.level(month);
        let co = r.coordination.level(month);
        Levers {
            authority_level: dv,
            authority_target: r.devolve_powers.authority,
            coordination_level: dl,
            coordination_target: r.dual_leadership.coordination,
            passdown_share: p.tasks.passdown_share * toward(1.0, r.devolve_powers.passdown_multiplier, dv),
            task_multiplier: toward(1.0, r.coordination.task_multiplier, co),
            funding_per_task_hour: dv * r.devolve_powers.funding_yuan_per_task_hour,
            retained_tax_share: toward(p.finance.retained_tax_share, r.fiscal_reform.retained_tax_share, fr),
            compliance: toward(p.firms.compliance, r.tax_base_cultivation.compliance, tb),
            investment_per_firm: tb * r.tax_base_cultivation.investment_yuan_per_firm_month,
            investment_lag: r.tax_base_cultivation.entry_lag_months,
            stipend: toward(p.cadres.stipend_yuan_month, r.raise_stipends.stipend_yuan_month, rs),
            insurance: toward(p.cadres.insurance_yuan_month, r.raise_stipends.insurance_yuan_month, rs),
            local_college_share: toward(p.cadres.local_college_share, r.raise_stipends.local_college_share, rs),
            young_recruit_share: toward(p.cadres.young_recruit_share, r.young_cadres.young_recruit_share, yc),
            young_extra_pay: if yc > 0.0 {
                r.young_cadres.extra_pay_yuan_month
            } else {
                0.0
            },
            link_monthly: toward(p.party.link_monthly, r.party_building.link_monthly, pb),
            volunteer_multiplier: toward(1.0, r.party_building.volunteer_hours_multiplier, pb),
            efficiency_multiplier: toward(1.0, r.coordination.efficiency_multiplier, co),
            fringe_information_factor: toward(
                p.migration.fringe_information_factor,
                r.fringe_integration.information_factor,
                fi,
            ),
            fringe_security_multiplier: toward(
                p.security.fringe_multiplier,
                r.fringe_integration.security_multiplier,
                fi,
            ),
            fringe_conversion: fi,
            enterprise_starts_per_10k: si * r.service_industrialisation.starts_per_10k_month,
            policy_implementation_rate: toward(
                p.district.policy_implementation_rate,
                r.service_industrialisation.policy_implementation_rate,
                si,
            ),
            young_leader_level: yc,
            phone_running: r.office_standard.phone_yuan_month,
            street_recurring: tb * r.tax_base_cultivation.network_yuan_per_jurisdiction_month
                + pb * r.party_building.recurring_yuan_per_jurisdiction_month
                + co * r.coordination.recurring_yuan_per_jurisdiction_month,
            district_recurring: dl * r.dual_leadership.recurring_yuan_per_jurisdiction_month,
        }
    }
}

impl Levers {
    /// A street's effective authority: its base moved toward the
    /// `devolve_powers` target; exactly the base while the lever is off.
    pub fn authority(&self, base: f64) -> f64 {
        toward(base, self.authority_target, self.authority_level)
    }

    /// A street's effective coordination: its base moved toward the
    /// `dual_leadership` target; exactly the base while the lever is off.
    pub fn coordination(&self, base: f64) -> f64 {
        toward(base, self.coordination_target, self.coordination_level)
    }
}

/// One-off reform events due this month; their costs are charged to the
/// district budget and counted in the reform cost.
pub fn one_offs(world: &mut World, p: &Params) {
    let month = world.month;
    let r = &p.reforms;
    let mut cost = 0.0;

    if r.devolve_powers.enabled && month >= r.devolve_powers.start_month && !world.one_offs_done.devolve_powers {
        world.one_offs_done.devolve_powers = true;
        cost += r.devolve_powers.one_off_yuan;
    }

    // Offices are upgraded as the lever phases in, the smallest first (ties
    // by committee index); the order is fixed at the first upgrade.
    let os = &r.office_standard;
    let level = os.level(month);
    let due = (level * world.committees.len() as f64).ceil() as usize;
    if due > 0 && world.one_offs_done.office_order.is_empty() {
        world.one_offs_done.office_order = office_order(world);
    }
    while world.one_offs_done.offices_upgraded < due.min(world.committees.len()) {
        let ci = world.one_offs_done.office_order[world.one_offs_done.offices_upgraded];
        let c = &mut world.committees[ci];
        if c.office_area_m2 < os.area_m2 {
            cost += (os.area_m2 - c.office_area_m2) * os.build_cost_yuan_per_m2;
            c.office_area_m2 = os.area_m2;
        }
        if !c.phone {
            cost += os.phone_install_yuan;
            c.phone = true;
            world.one_offs_done.phones_installed += 1;
        }
        world.one_offs_done.offices_upgraded += 1;
    }

    // Fringe committees are converted as the lever phases in.
    let fi = &r.fringe_integration;
    let level = fi.level(month);
    let fringe_committees = world.committees.iter().filter(|c| c.fringe).count();
    let due = (level * fringe_committees as f64).ceil() as usize;
    if due > world.one_offs_done.fringe_integration_committees {
        let newly = due - world.one_offs_done.fringe_integration_committees;
        cost += newly as f64 * fi.one_off_yuan_per_committee;
        world.one_offs_done.fringe_integration_committees = due;
    }

    let rd = &r.redistricting;
    if rd.enabled && month >= rd.start_month && !world.one_offs_done.redistricting {
        world.one_offs_done.redistricting = true;
        cost += merge_small_streets(world, p) as f64 * rd.one_off_yuan;
    }

    // Paid by the district in this month's prices (its cash moves in the
    // finance step, where the ledger is settled).
    world.district.ledger.reform_programmes += cost * world.price_index;
}

/// Committee indices, smallest office area first, ties by index.
fn office_order(world: &World) -> Vec<usize> {
    let mut order: Vec<usize> = (0..world.committees.len()).collect();
    order.sort_by(|&a, &b| {
        world.committees[a]
            .office_area_m2
            .total_cmp(&world.committees[b].office_area_m2)
            .then(a.cmp(&b))
    });
    order
}

/// Where each urban street merges under redistricting, by data-file row
/// (`None`: it does not merge). A street merges when it is active and
/// urban and its area is below `area_threshold_km2` or its population below
/// `population_threshold`. Its destination is the street its data-file
/// `merge_into` names, followed on while that street merges itself; when no
/// name is given, the name is not an active urban street, or the names run
/// in a circle, it is the rule's street: the active urban street with the
/// fewest residents that does not itself merge (ties: smaller area, then
/// name). None of this depends on the order of the data file's rows. When
/// every urban street is below the thresholds, nothing merges.
pub fn merge_targets(world: &World, p: &Params) -> Vec<Option<usize>> {
    let rd = &p.reforms.redistricting;
    let n = world.jurisdictions.len();
    let urban = |k: usize| world.jurisdictions[k].kind == Kind::Urban && world.jurisdictions[k].active;
    let pop: Vec<f64> = (0..n)
        .map(|k| world.represented(world.jurisdiction_persons(k)))
        .collect();
    let small: Vec<bool> = (0..n)
        .map(|k| {
            urban(k) && (world.jurisdictions[k].area_km2 < rd.area_threshold_km2 || pop[k] < rd.population_threshold)
        })
        .collect();
    // The rule ranks streets by their data-file population, not the
    // simulated one, so sampling noise cannot reorder near-equal streets.
    let rule = (0..n).filter(|&k| urban(k) && !small[k]).min_by(|&a, &b| {
        let (ja, jb) = (&world.jurisdictions[a], &world.jurisdictions[b]);
        ja.population_data
            .cmp(&jb.population_data)
            .then(ja.area_km2.total_cmp(&jb.area_km2))
            .then(ja.name.cmp(&jb.name))
    });
    (0..n)
        .map(|j| {
            if !small[j] {
                return None;
            }
            let mut seen = vec![j];
            let mut k = j;
            loop {
                match world.jurisdictions[k].merge_into {
                    Some(t) if urban(t) && !small[t] => return Some(t),
                    Some(t) if urban(t) && !seen.contains(&t) => {
                        seen.push(t);
                        k = t;
                    }
                    _ => return rule,
                }
            }
        })
        .collect()
}

/// Merges every urban street below the area or population threshold into
/// its destination (`merge_targets`); returns the number of merges.
fn merge_small_streets(world: &mut World, p: &Params) -> usize {
    let targets = merge_targets(world, p);
    let mut pop: Vec<f64> = (0..world.jurisdictions.len())
        .map(|k| world.represented(world.jurisdiction_persons(k)))
        .collect();
    let mut merges = 0;
    for (j, target) in targets.into_iter().enumerate() {
        let Some(k) = target else { continue };
        let moved = world.jurisdiction_persons(j);
        let src = std::mem::take(&mut world.jurisdictions[j].committees);
        for &c in &src {
            world.committees[c].jurisdiction = k;
        }
        let (cash, firms, ent, issues, area, entry) = {
            let s = &mut world.jurisdictions[j];
            s.active = false;
            s.flows.moved_out += moved;
            s.ledger.merger -= s.cash;
            let out = (
                s.cash,
                s.firms,
                s.enterprises,
                s.open_issues,
                s.area_km2,
                s.entry_per_10k,
            );
            s.cash = 0.0;
            s.firms = 0;
            s.enterprises = 0;
            s.open_issues = [0; 3];
            out
        };
        let t = &mut world.jurisdictions[k];
        t.committees.extend(src);
        t.flows.moved_in += moved;
        t.cash += cash;
        t.ledger.merger += cash;
        t.firms += firms;
        t.enterprises += ent;
        for (a, b) in t.open_issues.iter_mut().zip(issues) {
            *a += b;
        }
        t.area_km2 += area;
        // Firm entry per resident becomes the population-weighted mean, so
        // the two stationary stocks add up (at the destination's authority).
        let both = pop[k] + pop[j];
        if both > 0.0 {
            t.entry_per_10k = (t.entry_per_10k * pop[k] + entry * pop[j]) / both;
        }
        pop[k] = both;
        pop[j] = 0.0;
        merges += 1;
    }
    merges
}
