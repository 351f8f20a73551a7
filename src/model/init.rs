//! Month 0 of a replication: the world built from the jurisdictions' rows,
//! each committee's residents, office and cadres drawn from its own stream,
//! and the recruitment of a cadre (also used when vacancies are filled).

use crate::model::finance;
use crate::model::jurisdictions::{JurisdictionSpec, Kind};
use crate::model::params::Params;
use crate::model::residents;
use crate::model::rng::{self, Rng, StreamKind};
use crate::model::state::{
    flag, Cadre, Committee, CommitteeBudget, Counts, District, Education, Jurisdiction, Ledger, OneOffs, PersonFlows,
    Persons, Plan, Tally, World,
};
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

/// Draws a new cadre from the recruitment channels.
pub fn recruit(rng: &mut Rng, p: &Params, young_share: f64, local_college: f64) -> Cadre {
    let c = &p.cadres;
    let young = rng::unit(rng) < young_share;
    let (lo, hi) = if young {
        (c.young_age_min_years, c.young_age_max_years)
    } else {
        (c.local_age_min_years, c.local_age_max_years)
    };
    let age_months = (lo * 12 + rng.random_range(0..=(hi - lo) * 12)) as u16;
    let u = rng::unit(rng);
    let education = if young {
        if u < c.young_college_share {
            Education::College
        } else {
            Education::Secondary
        }
    } else if u < local_college {
        Education::College
    } else if u < local_college + c.local_secondary_share {
        Education::Secondary
    } else {
        Education::Low
    };
    Cadre {
        filled: true,
        age_months,
        education,
        young,
        tenure_months: 0,
        morale: c.morale_initial,
    }
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
            init_committee(p, id, j, fringe, size as usize, &mut crng, replication_seed)
        })
        .collect();
    let mut jurisdictions = Vec::with_capacity(specs.len());
    for (j, spec) in specs.iter().enumerate() {
        let jrng = rng::stream(replication_seed, StreamKind::Jurisdiction, j as u64);
        let ids: Vec<usize> = (first[j]..first[j] + spec.committees as usize).collect();
        // Data-file densities are estimates; the multiplier sweeps them together.
        let density = spec.firms_per_10k * p.world.firm_density_multiplier;
        let firms = (f64::from(spec.population) / 1e4 * density).round() as u64;
        jurisdictions.push(Jurisdiction {
            name: spec.name.clone(),
            kind: spec.kind,
            area_km2: spec.area_km2,
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
        scale,
        // Month 0 lies just before the first stepped month.
        price_index: finance::price_index(p, -f64::from(p.simulation.spinup_months) - 1.0),
        district: District::default(),
        jurisdictions,
        committees,
        death_threshold,
        one_offs_done: OneOffs::default(),
    };
    for j in 0..world.jurisdictions.len() {
        let n = world.jurisdiction_persons(j);
        world.jurisdictions[j].flows.initial = n;
        let mandatory = finance::mandatory_estimate(&world, p, j);
        world.jurisdictions[j].cash = p.finance.reserve_months * mandatory;
    }
    world.district.cash = finance::district_reserve_estimate(&world, p);
    world
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
    let mut persons = Persons::default();
    persons.age_months.reserve(size);
    persons.flags.reserve(size);
    persons.satisfaction.reserve(size);
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
        persons.push(age, f, p.satisfaction.initial as f32);
    }
    let c = &p.committees;
    let area = (c.office_area_mean_m2 + c.office_area_sd_m2 * (2.0 * rng::unit(rng) - 1.0) * 3f64.sqrt()).max(1.0);
    let phone = rng::unit(rng) < c.phone_share;
    let cadres = (0..p.cadres.positions_per_committee)
        .map(|_| {
            let mut cadre = recruit(rng, p, p.cadres.initial_young_share, p.cadres.local_college_share);
            // Serving cadres have been in post for a while.
            cadre.tenure_months = rng.random_range(0..p.cadres.initial_tenure_max_months.max(1)) as u16;
            cadre
        })
        .collect();
    let mut committee = Committee {
        id,
        jurisdiction: j,
        home: j,
        fringe,
        persons,
        counts: Counts::default(),
        office_area_m2: area,
        phone,
        cadres,
        backlog_hours: 0.0,
        budget: CommitteeBudget::default(),
        informal: 0.0,
        plan: Plan::default(),
        tally: Tally::default(),
        rng: rng.clone(),
        rng_residents: rng::stream(replication_seed, StreamKind::Residents, id as u64),
    };
    committee.counts = residents::count(&committee.persons, p);
    committee
}
