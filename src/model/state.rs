//! The state of one replication, every type of it: district, jurisdictions
//! (street offices and the fringe town), residents' committees, cadres and
//! residents, and what the submodels leave in them each month (a committee's
//! `Plan` and residents' `Tally`, the jurisdictions' `CadreTally` and
//! `EnforcementTally`). Submodels compute; the state lives here. Month 0 is
//! built in `init.rs`.
//!
//! Residents are the hot data: stored per committee as struct-of-arrays,
//! 7 bytes each (age in months, a flag byte, satisfaction).

use crate::model::jurisdictions::Kind;
use crate::model::rng::Rng;

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
    pub plan: Plan,
    /// What happened to its residents this month (step 5).
    pub tally: Tally,
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
    /// Firm entries per 10,000 residents a month before the multipliers
    /// exp(b_inv × investment + b_auth × authority − b_inf × I), derived at
    /// month 0 so that `base_firms_per_10k` is the stationary stock
    /// (`economy::entry_base_per_10k`).
    pub entry_per_10k: f64,
    /// The street's own enforcement authority and agency coordination
    /// (data file, else the `[enforcement]` defaults); the levers move the
    /// effective values from these bases (`reforms::Levers::authority`).
    pub authority: f64,
    pub coordination: f64,
    /// Data-file row of the street it merges into under redistricting, if
    /// the data file names one.
    pub merge_into: Option<usize>,
    /// Service enterprises (0 at baseline).
    pub enterprises: u64,
    /// Open enforcement issues: sanitation, illegal construction, road trade.
    pub open_issues: [u64; 3],
    pub incidents: u64,
    /// Street staff hours left for enforcement after top-down tasks.
    pub staff_factor: f64,
    /// Jobs created and lost this month by firm entries and exits and by
    /// service enterprises (full scale).
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
    /// Committees in upgrade order (smallest office first, ties by index),
    /// fixed when the first office is upgraded.
    pub office_order: Vec<usize>,
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

/// Priority classes: welfare (elderly care, entitled groups and low-income
/// assistance) first, as the report asks; then re-employment help and
/// migrant registration; then dispute mediation.
pub const CLASSES: usize = 3;

/// One committee's month: capacity, admin work and the service shares.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plan {
    /// Hours available (sampled units).
    pub capacity: f64,
    pub admin_demand: f64,
    pub admin_done: f64,
    /// Expected service hours demanded per class.
    pub demand: [f64; CLASSES],
    /// Probability that a need of each class is served.
    pub served: [f64; CLASSES],
    /// Share of newcomers' needs the committee knows of (fringe < 1).
    pub information: f64,
    /// Demanded hours (admin + services) / capacity.
    pub load: f64,
}

/// Resident groups for split outputs.
pub const GROUPS: [&str; 5] = ["everyone", "elderly", "unemployed", "migrants", "low_income"];

/// What happened to a committee's residents this month.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    /// Needs arising and served: elderly care, low-income, re-employment,
    /// registration, mediation.
    pub need: [u64; 5],
    pub served: [u64; 5],
    pub unemployed_at_start: u64,
    pub reemployed: u64,
    pub laid_off: u64,
    /// Adults (18+) per group, their satisfaction sum, needs and needs served.
    pub group_n: [u64; 5],
    pub group_satisfaction: [f64; 5],
    pub group_need: [u64; 5],
    pub group_served: [u64; 5],
    /// 64-bit draws from the committee's two streams in this pass.
    pub draws: u64,
}

/// Need kinds, indexing `Tally::need`.
pub const CARE: usize = 0;
pub const LOW_INCOME: usize = 1;
pub const REEMPLOYMENT: usize = 2;
pub const REGISTRATION: usize = 3;
pub const MEDIATION: usize = 4;

/// Cadre events of one jurisdiction this month.
#[derive(Debug, Clone, Copy, Default)]
pub struct CadreTally {
    pub positions: u64,
    pub filled: u64,
    pub quits: u64,
    pub retirements: u64,
    pub college: u64,
}

/// Resolved issues and the issues that could have been resolved, this month.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnforcementTally {
    pub resolvable: u64,
    pub resolved: u64,
}
