//! Month 0 of a replication: the world built from the jurisdictions' rows,
//! each committee's residents, office and cadres drawn from its own stream,
//! and the slow state variables set near their stationary values under
//! baseline conditions (every lever off): cadre posts from the stationary
//! distribution of recruitment, quits and retirement, morale where it would
//! have settled, open enforcement issues at their stationary expectation and
//! each street's firm entry rate derived so its data-file firm density is
//! the stationary stock.

use crate::model::cadres::{self, PostDistribution};
use crate::model::jurisdictions::{JurisdictionSpec, Kind};
use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::rng::{self, Rng, StreamKind};
use crate::model::state::{
    flag, Committee, CommitteeBudget, Counts, District, Jurisdiction, Ledger, OneOffs, PersonFlows, Persons, Plan,
    Tally, World,
};
use crate::model::{committees, economy, enforcement, finance, residents, tasks};
use rand::RngExt as _;
use rayon::prelude::*;

fn draw_age_months(rng: &mut Rng, bands: &[f64], max_age_years: u32) -> u16 {
    let u = rng::unit(rng);
    let mut acc = 0.0;
    let mut band = bands.len() - 1;
    for (i, share) in bands.iter().enumerate() {
        acc += share;
        if u < acc {
            band = i;
            break;
        }
    }
    let lo = band as u32 * 120;
    let hi = ((band as u32 + 1) * 120).min(max_age_years * 12);
    (lo + rng.random_range(0..(hi - lo).max(1))) as u16
}

/// Share of residents aged [work_min, retire) months under the age bands
/// (uniform within each 10-year band).
fn working_age_fraction(bands: &[f64], work_min: u32, retire: u32) -> f64 {
    let mut frac = 0.0;
    for (i, share) in bands.iter().enumerate() {
        let lo = i as u32 * 120;
        let hi = lo + 120;
        let overlap = hi.min(retire).saturating_sub(lo.max(work_min));
        frac += share * f64::from(overlap) / 120.0;
    }
    frac.max(1e-9)
}

/// Builds month 0 of replication with seed `replication_seed`.
pub fn build(p: &Params, specs: &[JurisdictionSpec], replication_seed: u64) -> World {
    let scale = p.simulation.population_scale;
    let death_threshold = (0..=p.demography.max_age_years)
        .map(|age| {
            if age >= p.demography.max_age_years {
                u32::MAX
            } else {
                let annual = (p.demography.mortality_gompertz_a
                    * (p.demography.mortality_gompertz_b * f64::from(age)).exp())
                .min(1.0);
                rng::threshold(rng::monthly(annual))
            }
        })
        .collect();
    // Committees are built in parallel: each draws only from its own stream,
    // so the world is the same for any thread count.
    let mut plan = Vec::new();
    let mut first = Vec::with_capacity(specs.len());
    for (j, spec) in specs.iter().enumerate() {
        let n_comm = u64::from(spec.committees);
        let sampled_total = ((f64::from(spec.population) * scale).round() as u64).max(n_comm);
        first.push(plan.len());
        for k in 0..n_comm {
            let even = sampled_total / n_comm + u64::from(k < sampled_total % n_comm);
            plan.push((j, spec.kind == Kind::Fringe, even));
        }
    }
    // Month-0 state is the stationary state under baseline conditions: the
    // scenario's parameters with every lever off, so every scenario starts
    // from the same world (common random numbers).
    let mut base = p.clone();
    base.reforms = Default::default();
    let lv0 = Levers::at(&base, 0);
    let pay_factor = pay_factors(&base, &lv0);
    // First draw of the posts, with no overload (refined in `settle_cadres`).
    let posts = PostDistribution::new(&base.cadres, lv0.young_recruit_share, pay_factor, 1.0);
    let committees: Vec<Committee> = plan
        .par_iter()
        .enumerate()
        .map(|(id, &(j, fringe, even))| {
            let mut crng = rng::stream(replication_seed, StreamKind::Committee, id as u64);
            let spread = p.world.committee_size_spread;
            let size = if spread > 0.0 {
                let f = 1.0 + spread * (2.0 * rng::unit(&mut crng) - 1.0);
                ((even as f64 * f).round() as u64).max(1)
            } else {
                even
            };
            let mut com = init_committee(p, id, j, fringe, size as usize, &mut crng, replication_seed);
            com.cadres = (0..p.cadres.positions_per_committee)
                .map(|_| posts.draw(&mut com.rng, &p.cadres, p.cadres.local_college_share))
                .collect();
            com
        })
        .collect();
    let mut jurisdictions = Vec::with_capacity(specs.len());
    for (j, spec) in specs.iter().enumerate() {
        let jrng = rng::stream(replication_seed, StreamKind::Jurisdiction, j as u64);
        let ids: Vec<usize> = (first[j]..first[j] + spec.committees as usize).collect();
        // Data-file densities are estimates; the multiplier sweeps them together.
        let density = spec.firms_per_10k * p.world.firm_density_multiplier;
        let firms = (f64::from(spec.population) / 1e4 * density).round() as u64;
        let authority = spec.authority.unwrap_or(p.enforcement.authority);
        let coordination = spec.coordination.unwrap_or(p.enforcement.coordination);
        // Set again at the street's stationary informal intensity below.
        let entry_per_10k = economy::entry_base_per_10k(&base, density, authority, 0.0);
        let merge_into = spec
            .merge_into
            .as_ref()
            .and_then(|name| specs.iter().position(|s| s.name == *name));
        jurisdictions.push(Jurisdiction {
            name: spec.name.clone(),
            kind: spec.kind,
            area_km2: spec.area_km2,
            population_data: spec.population,
            active: true,
            committees: ids,
            cash: 0.0,
            ledger: Ledger::default(),
            shortfall: 0.0,
            mandatory: 0.0,
            arrears: 0.0,
            arrears_months: 0.0,
            informal: 0.0,
            firms,
            base_firms_per_10k: density,
            entry_per_10k,
            authority,
            coordination,
            merge_into,
            enterprises: 0,
            open_issues: [0; 3],
            incidents: 0,
            staff_factor: 1.0,
            new_jobs: 0.0,
            lost_jobs: 0.0,
            young_leader: false,
            investment_per_firm: 0.0,
            investment_history: Vec::new(),
            flows: PersonFlows::default(),
            kept_task_hours: 0.0,
            passed_task_hours: 0.0,
            tax_collected: 0.0,
            enterprise_starts_last: 0,
            rng: jrng,
        });
    }
    let mut world = World {
        month: 0,
        elapsed_months: 0,
        stepped_person_months: 0,
        scale,
        // Month 0 lies just before the first stepped month.
        price_index: finance::price_index(p, -f64::from(p.simulation.spinup_months) - 1.0),
        district: District::default(),
        jurisdictions,
        committees,
        death_threshold,
        one_offs_done: OneOffs::default(),
    };
    settle_cadres(&mut world, &base, &lv0);
    for j in 0..world.jurisdictions.len() {
        let n = world.jurisdiction_persons(j);
        world.jurisdictions[j].flows.initial = n;
        settle_finances(&mut world, &base, j);
        world.jurisdictions[j].open_issues = stationary_open_issues(&world, &base, &lv0, j);
    }
    world.district.cash = finance::district_reserve_estimate(&world, p);
    world
}

/// A street's money at its stationary state under baseline rules (see
/// `finance::stationary_street`): a street that covers its spending holds its
/// reserve; one that falls short has spent it, owes the stipend arrears its
/// unpaid share leaves at the write-off rate, and seeks informal revenue at
/// the intensity that closes the loop, as do its committees. Firm entry is
/// derived at that intensity, so the data-file density is the stationary stock.
fn settle_finances(world: &mut World, p: &Params, j: usize) {
    let (informal, paid) = finance::stationary_street(world, p, j);
    let mandatory = finance::mandatory_estimate(world, p, j);
    let px = world.price_index;
    let filled: usize = world.jurisdictions[j]
        .committees
        .iter()
        .map(|&c| world.committees[c].cadres.iter().filter(|k| k.filled).count())
        .sum();
    let c = &p.cadres;
    let stipend_bill = filled as f64 * (c.stipend_yuan_month + c.insurance_yuan_month) * px;
    let scale = world.scale;
    let jur = &mut world.jurisdictions[j];
    jur.informal = informal;
    jur.cash = if paid < 1.0 {
        0.0
    } else {
        p.finance.reserve_months * mandatory
    };
    if p.finance.arrears_writeoff_monthly > 0.0 {
        jur.arrears_months = (1.0 - paid) / p.finance.arrears_writeoff_monthly;
        jur.arrears = jur.arrears_months * stipend_bill;
    }
    jur.entry_per_10k = economy::entry_base_per_10k(p, jur.base_firms_per_10k, jur.authority, informal);
    let committees = jur.committees.clone();
    for c in committees {
        let com = &mut world.committees[c];
        com.informal = finance::stationary_committee(p, com.persons.len() as f64 / scale, px, paid);
    }
}

/// Quit-hazard pay factors r^(−β_w) of local and graduate-channel cadres.
fn pay_factors(p: &Params, lv: &Levers) -> [f64; 2] {
    let c = &p.cadres;
    [lv.stipend, lv.stipend + lv.young_extra_pay].map(|w| cadres::pay_ratio(c, w, lv.insurance).powf(-c.pay_elasticity))
}

/// Expected task hours a street passes down to its committees and keeps in
/// a month (tasks × hours per task).
fn expected_task_hours(world: &World, p: &Params, lv: &Levers, j: usize) -> (f64, f64) {
    let pop = world.represented(world.jurisdiction_persons(j));
    let hours = tasks::rate(p, lv, pop) * p.tasks.hours_per_task;
    let passed = hours * lv.passdown_share;
    (passed, hours - passed)
}

/// Open issues of each kind at their stationary expectation (see
/// `enforcement::stationary_open_issues`): new issues at the street's
/// stationary informal intensity, resolved with the street's base authority and coordination and the
/// staff factor of the expected kept task hours.
fn stationary_open_issues(world: &World, p: &Params, lv: &Levers, j: usize) -> [u64; 3] {
    let jur = &world.jurisdictions[j];
    let pop = world.represented(world.jurisdiction_persons(j));
    let (_, kept) = expected_task_hours(world, p, lv, j);
    let staff_hours = finance::staff(p, pop) * p.finance.staff_hours_month * lv.efficiency_multiplier;
    let staff = enforcement::staff_factor(p, staff_hours, kept);
    let resolve =
        enforcement::resolve_probability(p, lv.authority(jur.authority), lv.coordination(jur.coordination), staff);
    enforcement::stationary_open_issues(enforcement::issue_means(p, pop, jur.informal), resolve)
}

/// Most rounds of the morale fixed point (it converges in a few dozen).
const MORALE_ROUNDS: usize = 200;
/// The fixed point stops when no cadre's morale moves by more than this.
const MORALE_TOLERANCE: f64 = 1e-9;

/// Sets every cadre's morale where it would have settled under month-0
/// conditions and returns each committee's load. A cadre s months in post
/// has morale T + (m0 − T) × (1 − α)^s: recruits start at m0 =
/// `cadres.morale_initial` and move a share α = `cadres.morale_smoothing` a
/// month toward the target T (pay ratio, the committee's load, no arrears).
/// The load is the committee's plan (`committees::plan_month`) with its
/// expected passed-down task hours as backlog, and depends on morale through
/// capacity, so T is found by iteration from the target at no overload; the
/// sequence falls monotonically to the fixed point.
fn settle_morale(world: &mut World, p: &Params, lv: &Levers, passed: &[f64]) -> Vec<f64> {
    let c = &p.cadres;
    let ratio = [lv.stipend, lv.stipend + lv.young_extra_pay].map(|w| cadres::pay_ratio(c, w, lv.insurance));
    let decay = 1.0 - c.morale_smoothing;
    let mut overload = vec![0.0; world.committees.len()];
    let mut load = vec![0.0; world.committees.len()];
    for round in 0..MORALE_ROUNDS {
        let mut change: f64 = 0.0;
        for (com, &over) in world.committees.iter_mut().zip(&overload) {
            let target = ratio.map(|r| cadres::morale_target(c, r, over, 0.0));
            for k in com.cadres.iter_mut() {
                let t = target[usize::from(k.young)];
                let m = t + (c.morale_initial - t) * decay.powi(i32::from(k.tenure_months));
                change = change.max((m - k.morale).abs());
                k.morale = m;
            }
        }
        // The first round always plans, so the load is never left unset.
        if round > 0 && change <= MORALE_TOLERANCE {
            break;
        }
        for (com, &h) in world.committees.iter_mut().zip(passed) {
            com.backlog_hours = h;
        }
        committees::plan_month(world, p, lv);
        for (i, com) in world.committees.iter().enumerate() {
            load[i] = com.plan.load;
            overload[i] = (com.plan.load - 1.0).max(0.0);
        }
    }
    for com in &mut world.committees {
        com.backlog_hours = 0.0;
        com.plan = Plan::default();
    }
    load
}

/// Cadre posts and morale at month 0. The posts drawn in `init_committee`
/// assumed no overload; the committee's settled load then sets the stress
/// of its quit hazard, its posts are drawn again from the stationary
/// distribution with that stress (from its own stream), and morale is
/// settled once more.
fn settle_cadres(world: &mut World, p: &Params, lv: &Levers) {
    let c = &p.cadres;
    let mut passed = vec![0.0; world.committees.len()];
    for j in 0..world.jurisdictions.len() {
        let pop = world.represented(world.jurisdiction_persons(j));
        let (street_passed, _) = expected_task_hours(world, p, lv, j);
        if pop > 0.0 {
            for &ci in &world.jurisdictions[j].committees {
                passed[ci] = street_passed / pop * world.committees[ci].persons.len() as f64;
            }
        }
    }
    let load = settle_morale(world, p, lv, &passed);
    let pay_factor = pay_factors(p, lv);
    world.committees.par_iter_mut().zip(load).for_each(|(com, load)| {
        let stress = cadres::stress(c, (load - 1.0).max(0.0), 0.0);
        let posts = PostDistribution::new(c, lv.young_recruit_share, pay_factor, stress);
        for k in com.cadres.iter_mut() {
            *k = posts.draw(&mut com.rng, c, lv.local_college_share);
        }
    });
    settle_morale(world, p, lv, &passed);
}

fn init_committee(
    p: &Params,
    id: usize,
    j: usize,
    fringe: bool,
    size: usize,
    rng: &mut Rng,
    replication_seed: u64,
) -> Committee {
    let d = &p.demography;
    let l = &p.labour;
    let m = &p.migration;
    let mut residents = Vec::with_capacity(size);
    let work_min = l.working_age_min_years * 12;
    let retire = l.retirement_age_years * 12;
    // Migrants come to work: the share of all residents is drawn among the
    // working-age, so their departures do not thin out the elderly.
    let share = if fringe {
        m.initial_share_fringe
    } else {
        m.initial_share_urban
    };
    let migrant_share = (share / working_age_fraction(&d.age_band_shares, work_min, retire)).min(1.0);
    let elderly = d.elderly_age_years * 12;
    for _ in 0..size {
        let age = draw_age_months(rng, &d.age_band_shares, d.max_age_years);
        let a = u32::from(age);
        let mut f = 0u16;
        let migrant = a >= work_min && a < retire && rng::unit(rng) < migrant_share;
        if migrant {
            f |= flag::MIGRANT;
            if rng::unit(rng) < m.initial_registered_share {
                f |= flag::REGISTERED;
            }
        }
        if a >= work_min && a < retire && rng::unit(rng) >= l.out_of_labour_force_share {
            f |= if rng::unit(rng) < l.initial_unemployment_rate {
                flag::UNEMPLOYED
            } else {
                flag::EMPLOYED
            };
        }
        let low_income_p = if f & flag::LABOUR_MASK == flag::UNEMPLOYED {
            l.low_income_share_unemployed
        } else if a >= elderly {
            l.low_income_share_elderly
        } else {
            l.low_income_share_other
        };
        if rng::unit(rng) < low_income_p {
            f |= flag::LOW_INCOME;
        }
        if a >= elderly && rng::unit(rng) < p.services.entitled_share_elderly {
            f |= flag::ENTITLED;
        }
        if a >= d.adult_age_years * 12 && rng::unit(rng) < p.party.member_share_adults {
            f |= flag::PARTY;
            // Members with a work unit are managed there; the retired, laid-off
            // and migrants are managed only in part (report, problem 6).
            let attached = f & flag::LABOUR_MASK == flag::EMPLOYED && !migrant;
            if attached || rng::unit(rng) < p.party.initial_managed_share_unattached {
                f |= flag::MANAGED;
            }
        }
        residents.push((age, f));
    }
    let persons = Persons::from_residents(&residents, p.satisfaction.initial, 0, residents::age_classes(p));
    drop(residents);
    let c = &p.committees;
    let area = (c.office_area_mean_m2 + c.office_area_sd_m2 * (2.0 * rng::unit(rng) - 1.0) * 3f64.sqrt()).max(1.0);
    let phone = rng::unit(rng) < c.phone_share;
    let mut committee = Committee {
        id,
        jurisdiction: j,
        home: j,
        fringe,
        persons,
        counts: Counts::default(),
        office_area_m2: area,
        phone,
        // Drawn by the caller from the committee's stream (`build`).
        cadres: Vec::new(),
        backlog_hours: 0.0,
        budget: CommitteeBudget::default(),
        informal: 0.0,
        plan: Plan::default(),
        tally: Tally::default(),
        rng: rng.clone(),
        rng_residents: rng::stream(replication_seed, StreamKind::Residents, id as u64),
    };
    committee.counts = residents::count(&committee.persons, 0, residents::age_classes(p));
    committee
}
