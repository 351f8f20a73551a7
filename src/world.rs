//! World state: district, jurisdictions (street offices and the fringe town),
//! residents' committees, cadres and residents, and how month 0 is built.
//!
//! Residents are the hot data: stored per committee as struct-of-arrays,
//! 7 bytes each (age in months, a flag byte, satisfaction).

use crate::params::Params;
use crate::rng::{self, Rng, StreamKind};
use crate::scenario::{JurisdictionSpec, Kind};
use rand::RngExt as _;
use rayon::prelude::*;

/// Bits of a resident's flag byte.
pub mod flag {
    /// Labour status lives in the two low bits.
    pub const LABOUR_MASK: u8 = 0b11;
    pub const OUT_OF_LABOUR_FORCE: u8 = 0;
    pub const EMPLOYED: u8 = 1;
    pub const UNEMPLOYED: u8 = 2;
    pub const MIGRANT: u8 = 1 << 2;
    pub const REGISTERED: u8 = 1 << 3;
    pub const LOW_INCOME: u8 = 1 << 4;
    /// Entitled group (优抚 youfu): martyrs' families, veterans.
    pub const ENTITLED: u8 = 1 << 5;
    pub const PARTY: u8 = 1 << 6;
    pub const MANAGED: u8 = 1 << 7;
}

/// Residents of one committee, struct-of-arrays.
#[derive(Debug, Clone, Default)]
pub struct Persons {
    pub age_months: Vec<u16>,
    pub flags: Vec<u8>,
    pub satisfaction: Vec<f32>,
}

/// Bytes of state per resident (age, flags, satisfaction).
pub const BYTES_PER_PERSON: usize = std::mem::size_of::<u16>() + std::mem::size_of::<u8>() + std::mem::size_of::<f32>();

/// Residents' arrays grow by 1/GROWTH_DIVISOR of their length, at least MIN_GROWTH.
const GROWTH_DIVISOR: usize = 8;
const MIN_GROWTH: usize = 16;

impl Persons {
    pub fn len(&self) -> usize {
        self.flags.len()
    }
    pub fn is_empty(&self) -> bool {
        self.flags.is_empty()
    }
    pub fn push(&mut self, age_months: u16, flags: u8, satisfaction: f32) {
        if self.flags.len() == self.flags.capacity() {
            // Grow by an eighth, not the default doubling: a national world
            // holds ~900 M residents, and doubling would nearly double the
            // peak memory for a few percent of growth.
            let more = (self.flags.len() / GROWTH_DIVISOR).max(MIN_GROWTH);
            self.age_months.reserve_exact(more);
            self.flags.reserve_exact(more);
            self.satisfaction.reserve_exact(more);
        }
        self.age_months.push(age_months);
        self.flags.push(flags);
        self.satisfaction.push(satisfaction);
    }
    #[inline]
    pub fn swap_remove(&mut self, i: usize) {
        self.age_months.swap_remove(i);
        self.flags.swap_remove(i);
        self.satisfaction.swap_remove(i);
    }
}

/// Education of a cadre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Education {
    Low,
    Secondary,
    College,
}

/// One cadre post and, when filled, its holder.
#[derive(Debug, Clone, Copy)]
pub struct Cadre {
    pub filled: bool,
    pub age_months: u16,
    pub education: Education,
    /// Recruited through the young-graduate channels (higher base quit rate).
    pub young: bool,
    pub tenure_months: u16,
    pub morale: f64,
}

/// Resident counts a committee keeps from its last pass over residents; the
/// next month's service demand is computed from them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub persons: u32,
    pub elderly: u32,
    pub care_eligible: u32,
    pub employed: u32,
    pub unemployed: u32,
    pub migrants: u32,
    pub registered: u32,
    pub low_income: u32,
    pub party: u32,
    pub managed: u32,
}

/// A residents' committee.
#[derive(Debug, Clone)]
pub struct Committee {
    /// Row-order index in the data file: names the committee's random stream.
    pub id: usize,
    pub jurisdiction: usize,
    /// The jurisdiction the committee belonged to at month 0 (data-file row);
    /// per-area outputs follow residents through redistricting.
    pub home: usize,
    /// Run as a village (fringe) rather than on the urban model.
    pub fringe: bool,
    pub persons: Persons,
    pub counts: Counts,
    pub office_area_m2: f64,
    pub phone: bool,
    pub cadres: Vec<Cadre>,
    /// Top-down task hours not yet done (sampled units).
    pub backlog_hours: f64,
    /// This month's capacity and service plan (step 4).
    pub plan: crate::committees::Plan,
    /// What happened to its residents this month (step 5).
    pub tally: crate::residents::Tally,
    pub rng: Rng,
    /// Second stream for the per-resident loop.
    pub rng_residents: Rng,
}

/// Money that entered and left a street's cash this month (yuan).
#[derive(Debug, Clone, Copy, Default)]
pub struct Ledger {
    pub transfer: f64,
    pub earmarked: f64,
    pub retained_tax: f64,
    pub enterprise_fees: f64,
    pub informal: f64,
    pub staff: f64,
    pub stipends: f64,
    pub operating: f64,
    pub facilities: f64,
    pub public_services: f64,
    pub reform_programmes: f64,
    /// Cash moved in from (positive) or out to (negative) a merged street.
    pub merger: f64,
}

impl Ledger {
    pub fn revenue(&self) -> f64 {
        self.transfer + self.earmarked + self.retained_tax + self.enterprise_fees + self.informal
    }
    pub fn spending(&self) -> f64 {
        self.staff + self.stipends + self.operating + self.facilities + self.public_services + self.reform_programmes
    }
}

/// Cumulative resident flows of a jurisdiction (persons conservation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PersonFlows {
    pub initial: u64,
    pub births: u64,
    pub arrivals: u64,
    pub deaths: u64,
    pub departures: u64,
    pub moved_in: u64,
    pub moved_out: u64,
}

impl PersonFlows {
    /// Adds another's counts (all fields).
    pub fn add(&mut self, o: &PersonFlows) {
        self.initial += o.initial;
        self.births += o.births;
        self.arrivals += o.arrivals;
        self.deaths += o.deaths;
        self.departures += o.departures;
        self.moved_in += o.moved_in;
        self.moved_out += o.moved_out;
    }
}

/// A street office or the fringe town.
#[derive(Debug, Clone)]
pub struct Jurisdiction {
    pub name: String,
    pub kind: Kind,
    pub area_km2: f64,
    /// False once merged into a neighbour by redistricting.
    pub active: bool,
    pub committees: Vec<usize>,
    pub cash: f64,
    pub ledger: Ledger,
    /// Share of mandatory spending left unpaid this month.
    pub shortfall: f64,
    pub informal: f64,
    pub firms: u64,
    pub base_firms_per_10k: f64,
    /// Service enterprises (0 at baseline).
    pub enterprises: u64,
    /// Open enforcement issues: sanitation, illegal construction, road trade.
    pub open_issues: [u64; 3],
    pub incidents: u64,
    /// Street staff hours left for enforcement after top-down tasks.
    pub staff_factor: f64,
    /// Jobs created and lost this month by service enterprises (full scale).
    pub new_jobs: f64,
    pub lost_jobs: f64,
    /// A young graduate sits in the street leadership.
    pub young_leader: bool,
    /// Investment-attraction spending per firm paid this month, and by month
    /// (for the entry lag).
    pub investment_per_firm: f64,
    pub investment_history: Vec<f64>,
    pub flows: PersonFlows,
    /// This month's top-down task hours kept by the street and passed down.
    pub kept_task_hours: f64,
    pub passed_task_hours: f64,
    /// Local tax collected this month (yuan, before the district's share).
    pub tax_collected: f64,
    pub enterprise_starts_last: u64,
    pub rng: Rng,
}

/// District-level state.
#[derive(Debug, Clone, Default)]
pub struct District {
    pub cash: f64,
    /// Reform cost paid by anyone so far (yuan).
    pub reform_cost: f64,
    pub reform_cost_month: f64,
}

/// The whole simulated world of one replication.
#[derive(Debug, Clone)]
pub struct World {
    pub month: u32,
    pub scale: f64,
    pub district: District,
    pub jurisdictions: Vec<Jurisdiction>,
    pub committees: Vec<Committee>,
    /// Monthly death thresholds by age in years.
    pub death_threshold: Vec<u32>,
    /// Office upgrades and other one-off reform events already done.
    pub one_offs_done: OneOffs,
}

/// One-off reform events, so each is charged once.
#[derive(Debug, Clone, Default)]
pub struct OneOffs {
    pub devolve_powers: bool,
    pub redistricting: bool,
    pub fringe_integration_committees: usize,
    pub offices_upgraded: usize,
    /// Phones installed by the office-standard lever (running cost is recurring).
    pub phones_installed: usize,
}

impl World {
    /// Residents represented at full scale.
    pub fn represented(&self, sampled: u64) -> f64 {
        sampled as f64 / self.scale
    }

    pub fn jurisdiction_persons(&self, j: usize) -> u64 {
        self.jurisdictions[j]
            .committees
            .iter()
            .map(|&c| self.committees[c].persons.len() as u64)
            .sum()
    }

    pub fn total_persons(&self) -> u64 {
        self.committees.iter().map(|c| c.persons.len() as u64).sum()
    }
}

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
        let firms = (f64::from(spec.population) / 1e4 * spec.firms_per_10k).round() as u64;
        jurisdictions.push(Jurisdiction {
            name: spec.name.clone(),
            kind: spec.kind,
            area_km2: spec.area_km2,
            active: true,
            committees: ids,
            cash: 0.0,
            ledger: Ledger::default(),
            shortfall: 0.0,
            informal: 0.0,
            firms,
            base_firms_per_10k: spec.firms_per_10k,
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
        scale,
        district: District {
            cash: p.district.initial_cash_yuan,
            reform_cost: 0.0,
            reform_cost_month: 0.0,
        },
        jurisdictions,
        committees,
        death_threshold,
        one_offs_done: OneOffs::default(),
    };
    for j in 0..world.jurisdictions.len() {
        let n = world.jurisdiction_persons(j);
        world.jurisdictions[j].flows.initial = n;
        let mandatory = crate::finance::mandatory_estimate(&world, p, j);
        world.jurisdictions[j].cash = p.finance.initial_cash_months * mandatory;
    }
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
        let mut f = 0u8;
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
        plan: crate::committees::Plan::default(),
        tally: crate::residents::Tally::default(),
        rng: rng.clone(),
        rng_residents: rng::stream(replication_seed, StreamKind::Residents, id as u64),
    };
    committee.counts = crate::residents::count(&committee.persons, p);
    committee
}
