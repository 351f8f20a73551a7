//! The state of one replication, every type of it: district, jurisdictions
//! (street offices and the fringe town), residents' committees, cadres and
//! residents, and what the submodels leave in them each month (a committee's
//! `Plan` and residents' `Tally`, the jurisdictions' `CadreTally` and
//! `EnforcementTally`). Submodels compute; the state lives here. Month 0 is
//! built in `init.rs`.
//!
//! Residents are the hot data: stored per committee as struct-of-arrays,
//! 8 bytes each (birth month, 16 flag bits, satisfaction deviation), in
//! buckets by event rates (`population`).

use crate::model::jurisdictions::Kind;
use crate::model::rng::Rng;

pub use crate::model::population::{flag, Persons, BYTES_PER_PERSON};

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
    pub adults: u32,
    pub elderly: u32,
    /// Entitled-group residents who are not low-income (welfare at entitled rates).
    pub entitled_only: u32,
    pub employed: u32,
    pub unemployed: u32,
    pub migrants: u32,
    pub registered: u32,
    pub low_income: u32,
    /// Low-income residents receiving the benefit.
    pub benefit: u32,
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
    /// The committee's own purse this month (operating money and informal fees).
    pub budget: CommitteeBudget,
    /// Intensity of the committee's informal fee-seeking, 0..1.
    pub informal: f64,
    /// This month's capacity and service plan (step 4).
    pub plan: Plan,
    /// What happened to its residents this month (step 5).
    pub tally: Tally,
    pub rng: Rng,
    /// Second stream for the per-resident loop.
    pub rng_residents: Rng,
}

/// Money that entered and left a street's cash this month (yuan, current
/// prices). Sources: the district (`transfer`, `earmarked`), firms
/// (`retained_tax`), service enterprises (`enterprise_fees`) and residents
/// and traders (`informal`). Sinks: street staff, committee cadres
/// (`stipends`, `arrears_repaid`), committees (`operating`, `task_funds`),
/// suppliers and contractors (the rest).
#[derive(Debug, Clone, Copy, Default)]
pub struct Ledger {
    pub transfer: f64,
    pub earmarked: f64,
    pub retained_tax: f64,
    pub enterprise_fees: f64,
    pub informal: f64,
    pub staff: f64,
    pub stipends: f64,
    /// Stipends owed from earlier months, paid back this month.
    pub arrears_repaid: f64,
    /// Operating funds paid to the street's committees.
    pub operating: f64,
    /// Devolved-task funds passed on to the committees that do the tasks.
    pub task_funds: f64,
    pub facilities: f64,
    pub public_services: f64,
    /// Reform programmes the street pays (networks, stations, subsidies, investment attraction).
    pub reform_programmes: f64,
    /// Discretionary community building paid from cash above the reserve.
    pub community_building: f64,
    /// Cash moved in from (positive) or out to (negative) a merged street.
    pub merger: f64,
}

impl Ledger {
    pub fn revenue(&self) -> f64 {
        self.transfer + self.earmarked + self.retained_tax + self.enterprise_fees + self.informal
    }
    pub fn spending(&self) -> f64 {
        self.staff
            + self.stipends
            + self.arrears_repaid
            + self.operating
            + self.task_funds
            + self.facilities
            + self.public_services
            + self.reform_programmes
            + self.community_building
    }
}

/// A committee's purse this month (yuan, current prices): what the street
/// paid it and what its informal fees raised, all spent on its operating
/// costs and on paid task hours.
#[derive(Debug, Clone, Copy, Default)]
pub struct CommitteeBudget {
    /// Operating money from the street.
    pub operating_received: f64,
    /// Devolved-task funds from the street, spent on paid task hours.
    pub task_funds_received: f64,
    /// Informal fees collected from residents and traders.
    pub informal: f64,
    /// Operating costs the committee would need to cover.
    pub operating_need: f64,
    /// Share of the operating need the street's money left uncovered.
    pub shortfall: f64,
    /// Task hours bought with the task funds (sampled units).
    pub paid_hours: f64,
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
    /// The flows since `earlier` (a copy of the same cumulative counts).
    pub fn since(&self, earlier: &PersonFlows) -> PersonFlows {
        PersonFlows {
            initial: self.initial - earlier.initial,
            births: self.births - earlier.births,
            arrivals: self.arrivals - earlier.arrivals,
            deaths: self.deaths - earlier.deaths,
            departures: self.departures - earlier.departures,
            moved_in: self.moved_in - earlier.moved_in,
            moved_out: self.moved_out - earlier.moved_out,
        }
    }

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
    /// Residents in the data file (orders rules that must not depend on sampling).
    pub population_data: u32,
    /// False once merged into a neighbour by redistricting.
    pub active: bool,
    pub committees: Vec<usize>,
    pub cash: f64,
    pub ledger: Ledger,
    /// Share of mandatory spending left unpaid this month.
    pub shortfall: f64,
    /// Mandatory spending this month (yuan), for reserve and arrears measures.
    pub mandatory: f64,
    /// Stipends owed to the street's cadres from unpaid months (yuan).
    pub arrears: f64,
    /// Arrears in months of the current stipend bill.
    pub arrears_months: f64,
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
    /// Cash; negative when the district has borrowed.
    pub cash: f64,
    /// This month's flows (yuan, current prices).
    pub ledger: DistrictLedger,
    /// Reform accounts by payer, cumulative over the horizon.
    pub accounts: ReformAccounts,
}

/// The district's cash flows of one month (yuan, current prices).
#[derive(Debug, Clone, Copy, Default)]
pub struct DistrictLedger {
    /// From the city: the per-capita allocation.
    pub city_allocation: f64,
    /// The district's share of local tax collected in the streets.
    pub tax_share: f64,
    /// To the streets: base and per-capita transfers.
    pub transfers: f64,
    /// To the streets: reform money earmarked for cadre pay and devolved tasks.
    pub earmarked: f64,
    /// Reform programmes the district pays directly (recurring and one-off).
    pub reform_programmes: f64,
    /// What the district's own departments spend.
    pub departments: f64,
}

impl DistrictLedger {
    pub fn revenue(&self) -> f64 {
        self.city_allocation + self.tax_share
    }
    pub fn spending(&self) -> f64 {
        self.transfers + self.earmarked + self.reform_programmes + self.departments
    }
}

/// Reform money by payer (yuan, current prices, cumulative). With every
/// lever off all are zero. Consolidated public-sector outlays are
/// `district + streets − transfers` (a transfer is an outlay of the district
/// and funds an outlay of a street, so it must not count twice).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReformAccounts {
    /// Everything the district gives up for reforms: its own programmes and
    /// one-offs, earmarked transfers, and local tax it cedes to the streets.
    pub district: f64,
    /// Street reform outlays: programmes, subsidies, investment attraction,
    /// stipend top-ups paid to cadres, devolved-task funds passed to committees.
    pub streets: f64,
    /// Reform money moving from the district to the streets (earmarked
    /// transfers and ceded tax): part of `district`, and it funds `streets`.
    pub transfers: f64,
    /// Gross cost as first defined: district and street reform flows plus
    /// district revenue forgone, without netting transfers.
    pub gross: f64,
    /// Public revenue collected (tax and enterprise fees), reform or not:
    /// its paired difference is the revenue a reform induces.
    pub public_revenue: f64,
}

/// The whole simulated world of one replication.
#[derive(Debug, Clone)]
pub struct World {
    /// Month of the horizon: 0 at month 0 and during the spin-up, then 1 …
    /// `simulation.months` (see `schedule::step`).
    pub month: u32,
    /// Months stepped since the world was built (spin-up and horizon).
    pub elapsed_months: u32,
    /// Person-months stepped since the world was built (residents at the
    /// start of each month stepped).
    pub stepped_person_months: u64,
    pub scale: f64,
    /// Price and wage level relative to horizon month 1 (balanced nominal growth).
    pub price_index: f64,
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

/// Priority classes: statutory welfare (minimum-income assistance and the
/// entitled groups) first, then elderly care, then re-employment help and
/// migrant registration, then dispute mediation.
pub const CLASSES: usize = 4;

/// One committee's month: capacity, admin work and the service shares.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plan {
    /// Hours available from every source (sampled units).
    pub capacity: f64,
    /// Hours of the committee's own cadres (sampled units).
    pub cadre_hours: f64,
    pub admin_demand: f64,
    pub admin_done: f64,
    /// Top-down task hours done by the cadres themselves.
    pub admin_by_cadres: f64,
    /// Hours left after admin and services (sampled units).
    pub spare: f64,
    /// Expected service hours demanded per class.
    pub demand: [f64; CLASSES],
    /// Probability that a need of each class is served.
    pub served: [f64; CLASSES],
    /// Share of newcomers' needs the committee knows of (fringe < 1).
    pub information: f64,
    /// Demanded hours (admin + services) / capacity.
    pub load: f64,
}

/// Resident groups for split outputs. `all_residents` is the whole
/// population and equals the district metrics; satisfaction counts adults
/// (18+) in every group, needs count every member.
pub const GROUPS: [&str; 5] = ["all_residents", "elderly", "unemployed", "migrants", "low_income"];

/// What happened to a committee's residents this month.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    /// Needs arising and served, by kind (`CARE` … `MEDIATION`).
    pub need: [u64; NEEDS],
    pub served: [u64; NEEDS],
    pub unemployed_at_start: u64,
    pub reemployed: u64,
    pub laid_off: u64,
    /// Unregistered migrants at the start of the month, and those registered in it.
    pub unregistered_at_start: u64,
    pub registered_new: u64,
    /// Per group: adults, their satisfaction sum; members' needs and needs served.
    pub group_adults: [u64; 5],
    pub group_satisfaction: [f64; 5],
    pub group_need: [u64; 5],
    pub group_served: [u64; 5],
    /// Sum over adults of this month's experienced quality (clamped to 0..1).
    pub quality: f64,
    /// Needs met and unmet by adults (satisfaction's need terms).
    pub adult_met: u64,
    pub adult_unmet: u64,
    /// Sums over adults of the month's shared quality losses: open issues,
    /// informal fees (street and committee) and incidents.
    pub loss_issues: f64,
    pub loss_fees: f64,
    pub loss_incidents: f64,
    /// Welfare needs of entitled residents left unmet (their hours differ).
    pub entitled_unmet: u64,
    /// 64-bit draws from the committee's two streams in this pass, and of
    /// them from the residents' stream (`Committee::rng_residents`).
    pub draws: u64,
    pub draws_residents: u64,
}

/// Need kinds, indexing `Tally::need`.
pub const NEEDS: usize = 5;
/// Elderly care (residents aged 60+).
pub const CARE: usize = 0;
/// Statutory welfare: minimum-income assistance (低保) and the entitled groups (优抚).
pub const WELFARE: usize = 1;
pub const REEMPLOYMENT: usize = 2;
pub const REGISTRATION: usize = 3;
pub const MEDIATION: usize = 4;
/// Names of the need kinds, in `CARE` … `MEDIATION` order.
pub const NEED_NAMES: [&str; NEEDS] = ["care", "welfare", "reemployment", "registration", "mediation"];

/// Cadre events of one jurisdiction this month.
#[derive(Debug, Clone, Copy, Default)]
pub struct CadreTally {
    pub positions: u64,
    pub filled: u64,
    pub quits: u64,
    pub retirements: u64,
    pub college: u64,
    /// Sum of filled posts' morale (end of month).
    pub morale: f64,
}

/// Resolved issues and the issues that could have been resolved, this month.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnforcementTally {
    pub resolvable: u64,
    pub resolved: u64,
}
