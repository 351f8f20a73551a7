//! Indicators (spec §6, schedule step 8): what is recorded each month, and
//! how each per-replication metric is defined from it.
//!
//! A month is recorded as raw sums (`Totals`), one per jurisdiction. A metric
//! is a function of `Totals`, so the same definition gives the monthly time
//! series (one month's totals) and the per-replication outcome (the totals of
//! the final `outcome_window_months` months added up: ratios of sums, not
//! means of ratios). Stocks marked "end" take the window's last month.

use crate::model::params::Params;
use crate::model::state::{CadreTally, EnforcementTally, World, CARE, GROUPS, LOW_INCOME};

/// Whether more of a metric is better for residents and the district.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Higher,
    Lower,
    /// Descriptive only (population, structure).
    Neutral,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
            Direction::Neutral => "neutral",
        }
    }
}

/// A metric's name, unit, direction and definition.
#[derive(Debug, Clone, Copy)]
pub struct MetricDef {
    pub name: &'static str,
    pub unit: &'static str,
    pub direction: Direction,
    pub definition: &'static str,
}

impl MetricDef {
    /// Shares, rates and 0..1 indices must lie in [0, 1].
    pub fn is_share(&self) -> bool {
        matches!(self.unit, "share" | "0..1" | "1/month" | "1/year")
    }

    /// A short label for charts and tables (the name when none is given).
    pub fn label(&self) -> &'static str {
        match self.name {
            "satisfaction_mean" => "Residents' satisfaction",
            "elderly_service_coverage" => "Elderly-care needs served",
            "reemployment_rate" => "Re-employment rate",
            "unemployment_rate" => "Unemployment rate",
            "migrant_registration_rate" => "Migrants registered",
            "welfare_coverage" => "Welfare (dibao) needs served",
            "enforcement_resolution_rate" => "Enforcement issues resolved",
            "open_issues_per_10k" => "Open enforcement issues",
            "informal_intensity" => "Informal fee intensity",
            "committee_admin_share" => "Committee time on top-down tasks",
            "cadre_turnover_rate" => "Cadre turnover",
            "vacancy_rate" => "Vacant cadre posts",
            "street_cash_balance" => "Street offices' cash",
            "tax_revenue" => "Local tax revenue",
            "service_jobs" => "Service-enterprise jobs",
            "party_managed_share" => "Party members managed",
            "security_incidents_per_10k" => "Security incidents",
            "reform_cost" => "Reform cost",
            "needs_met_share" => "Residents' needs met",
            "informal_revenue" => "Informal revenue",
            "streets_in_shortfall" => "Streets short of money",
            "cadre_college_share" => "College-educated cadres",
            "elderly_share" => "Residents aged 60+",
            "population" => "Population",
            "district_cash" => "District cash",
            _ => self.name,
        }
    }
}

macro_rules! metric {
    ($name:literal, $unit:literal, $dir:ident, $def:literal) => {
        MetricDef {
            name: $name,
            unit: $unit,
            direction: Direction::$dir,
            definition: $def,
        }
    };
}

/// Every metric, in output column order.
pub const METRICS: &[MetricDef] = &[
    metric!(
        "satisfaction_mean",
        "0..1",
        Higher,
        "Mean satisfaction of residents aged 18+"
    ),
    metric!(
        "elderly_service_coverage",
        "share",
        Higher,
        "Elderly-care needs served / arising (elderly and entitled residents)"
    ),
    metric!(
        "reemployment_rate",
        "1/month",
        Higher,
        "Unemployed residents finding work in a month / unemployed at the month's start"
    ),
    metric!(
        "unemployment_rate",
        "share",
        Lower,
        "Unemployed / labour force (end of month)"
    ),
    metric!(
        "migrant_registration_rate",
        "share",
        Higher,
        "Registered migrants / migrants (end of month)"
    ),
    metric!(
        "welfare_coverage",
        "share",
        Higher,
        "Low-income (dibao) assistance needs served / arising"
    ),
    metric!(
        "enforcement_resolution_rate",
        "share",
        Higher,
        "Issues resolved in the month / issues open during it (carried over + new)"
    ),
    metric!(
        "open_issues_per_10k",
        "issues/10k residents",
        Lower,
        "Open sanitation, construction and road-trade issues at month end per 10,000 residents"
    ),
    metric!(
        "informal_intensity",
        "0..1",
        Lower,
        "Population-weighted intensity of informal revenue-seeking (fees, fines, stalls, building)"
    ),
    metric!(
        "committee_admin_share",
        "share",
        Lower,
        "Committee hours spent on top-down tasks / committee capacity (report: 'the government's legs')"
    ),
    metric!(
        "cadre_turnover_rate",
        "1/year",
        Lower,
        "Annual probability a cadre leaves (quits + retirements), 1 − (1 − monthly separations / filled posts)^12"
    ),
    metric!(
        "vacancy_rate",
        "share",
        Lower,
        "Vacant cadre posts / posts (end of month)"
    ),
    metric!(
        "street_cash_balance",
        "yuan",
        Higher,
        "Cash of all street offices at the end of the window"
    ),
    metric!(
        "tax_revenue",
        "yuan/month",
        Higher,
        "Local tax collected in the streets per month (before the district's share)"
    ),
    metric!("service_jobs", "jobs", Higher, "Jobs in community service enterprises"),
    metric!(
        "party_managed_share",
        "share",
        Higher,
        "Managed party members / party members among residents"
    ),
    metric!(
        "security_incidents_per_10k",
        "incidents/10k residents/month",
        Lower,
        "Security incidents per 10,000 residents per month"
    ),
    metric!(
        "reform_cost",
        "yuan",
        Lower,
        "Cumulative reform cost over the whole horizon (district and street budgets, incl. district revenue forgone)"
    ),
    metric!(
        "needs_met_share",
        "share",
        Higher,
        "All residents' needs served / arising (care, low income, re-employment, registration, mediation)"
    ),
    metric!(
        "informal_revenue",
        "yuan/month",
        Lower,
        "Revenue from informal fees, fines, stalls and building per month"
    ),
    metric!(
        "streets_in_shortfall",
        "share",
        Lower,
        "Share of street offices that could not meet mandatory spending in the month"
    ),
    metric!(
        "cadre_college_share",
        "share",
        Higher,
        "College-educated cadres / filled posts (end of month)"
    ),
    metric!(
        "elderly_share",
        "share",
        Neutral,
        "Residents aged 60+ / residents (end of month)"
    ),
    metric!(
        "population",
        "persons",
        Neutral,
        "Residents represented (sampled / population_scale; end of month)"
    ),
    metric!(
        "district_cash",
        "yuan",
        Neutral,
        "District budget balance at the end of the window"
    ),
];

/// Number of metrics.
pub const N_METRICS: usize = METRICS.len();

/// Metrics split by resident group and jurisdiction (compare_by_group).
pub const GROUP_METRICS: [&str; 2] = ["satisfaction_mean", "needs_met_share"];

/// Raw sums of one month (or a window of months) for one jurisdiction or
/// the whole district.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub months: u64,
    /// Residents of the area (home committees), represented at full scale.
    pub population: f64,
    /// Residents of the active street (differs from `population` after a merger).
    pub street_population: f64,
    pub persons: u64,
    pub elderly: u64,
    pub need: [u64; 5],
    pub served: [u64; 5],
    pub unemployed_at_start: u64,
    pub reemployed: u64,
    pub employed: u64,
    pub unemployed: u64,
    pub migrants: u64,
    pub registered: u64,
    pub party: u64,
    pub managed: u64,
    pub resolvable: u64,
    pub resolved: u64,
    pub open_issues: u64,
    pub informal_weighted: f64,
    pub informal_revenue: f64,
    pub capacity: f64,
    pub admin_done: f64,
    pub positions: u64,
    pub filled: u64,
    pub separations: u64,
    pub college: u64,
    pub tax: f64,
    pub jobs: f64,
    pub incidents: u64,
    pub streets: u64,
    pub streets_short: u64,
    pub group_n: [u64; 5],
    pub group_satisfaction: [f64; 5],
    pub group_need: [u64; 5],
    pub group_served: [u64; 5],
    /// End-of-period stocks.
    pub cash: f64,
    pub district_cash: f64,
    pub reform_cost_cumulative: f64,
}

impl Totals {
    /// Adds a later period: flows add, end-of-period stocks take the later value.
    pub fn add(&mut self, o: &Totals) {
        macro_rules! sum {
            ($($f:ident),*) => { $( self.$f += o.$f; )* };
        }
        sum!(
            months,
            population,
            street_population,
            persons,
            elderly,
            unemployed_at_start,
            reemployed,
            employed,
            unemployed,
            migrants,
            registered,
            party,
            managed,
            resolvable,
            resolved,
            open_issues,
            informal_weighted,
            informal_revenue,
            capacity,
            admin_done,
            positions,
            filled,
            separations,
            college,
            tax,
            jobs,
            incidents,
            streets,
            streets_short
        );
        for k in 0..5 {
            self.need[k] += o.need[k];
            self.served[k] += o.served[k];
            self.group_n[k] += o.group_n[k];
            self.group_satisfaction[k] += o.group_satisfaction[k];
            self.group_need[k] += o.group_need[k];
            self.group_served[k] += o.group_served[k];
        }
        self.cash = o.cash;
        self.district_cash = o.district_cash;
        self.reform_cost_cumulative = o.reform_cost_cumulative;
    }

    /// Adds another unit of the same month (jurisdictions into the district).
    pub fn merge(&mut self, o: &Totals) {
        let (cash, dc, rc) = (
            self.cash + o.cash,
            self.district_cash + o.district_cash,
            self.reform_cost_cumulative + o.reform_cost_cumulative,
        );
        let months = self.months;
        self.add(o);
        self.months = months.max(o.months);
        self.cash = cash;
        self.district_cash = dc;
        self.reform_cost_cumulative = rc;
    }
}

/// Ratio with a stated value for an empty denominator.
fn ratio(num: f64, den: f64, empty: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else {
        empty
    }
}

/// Metrics of a street office rather than of its residents: undefined (NaN)
/// for an area whose street was merged away, see `values`.
pub const STREET_METRICS: [&str; 13] = [
    "enforcement_resolution_rate",
    "open_issues_per_10k",
    "informal_intensity",
    "cadre_turnover_rate",
    "vacancy_rate",
    "street_cash_balance",
    "tax_revenue",
    "service_jobs",
    "security_incidents_per_10k",
    "informal_revenue",
    "streets_in_shortfall",
    "cadre_college_share",
    "district_cash",
];

/// Every metric of `t`, in `METRICS` order. When `t` covers no active street
/// (an area merged into a neighbour), street metrics are NaN: callers skip
/// them (compare_by_group omits such rows); district totals always have streets.
pub fn values(t: &Totals) -> [f64; N_METRICS] {
    let mut v = raw_values(t);
    if t.streets == 0 {
        for (m, x) in METRICS.iter().zip(v.iter_mut()) {
            if STREET_METRICS.contains(&m.name) {
                *x = f64::NAN;
            }
        }
    }
    v
}

fn raw_values(t: &Totals) -> [f64; N_METRICS] {
    let months = t.months.max(1) as f64;
    let need: u64 = t.need.iter().sum();
    let served: u64 = t.served.iter().sum();
    let monthly_sep = ratio(t.separations as f64, t.filled as f64 + t.separations as f64, 0.0);
    [
        ratio(t.group_satisfaction[0], t.group_n[0] as f64, 0.0),
        ratio(t.served[CARE] as f64, t.need[CARE] as f64, 1.0),
        ratio(t.reemployed as f64, t.unemployed_at_start as f64, 0.0),
        ratio(t.unemployed as f64, (t.employed + t.unemployed) as f64, 0.0),
        ratio(t.registered as f64, t.migrants as f64, 1.0),
        ratio(t.served[LOW_INCOME] as f64, t.need[LOW_INCOME] as f64, 1.0),
        ratio(t.resolved as f64, t.resolvable as f64, 1.0),
        ratio(t.open_issues as f64 * 1e4, t.street_population, 0.0),
        ratio(t.informal_weighted, t.street_population, 0.0),
        ratio(t.admin_done, t.capacity, 0.0),
        1.0 - (1.0 - monthly_sep).powi(12),
        1.0 - ratio(t.filled as f64, t.positions as f64, 1.0),
        t.cash,
        t.tax / months,
        t.jobs / months,
        ratio(t.managed as f64, t.party as f64, 1.0),
        ratio(t.incidents as f64 * 1e4, t.street_population, 0.0),
        t.reform_cost_cumulative,
        ratio(served as f64, need as f64, 1.0),
        t.informal_revenue / months,
        ratio(t.streets_short as f64, t.streets as f64, 0.0),
        ratio(t.college as f64, t.filled as f64, 0.0),
        ratio(t.elderly as f64, t.persons as f64, 0.0),
        t.population / months,
        t.district_cash,
    ]
}

/// Group metrics of `t`: satisfaction and needs met per resident group.
pub fn group_values(t: &Totals) -> [[f64; 2]; GROUPS.len()] {
    let mut out = [[0.0; 2]; GROUPS.len()];
    for (g, row) in out.iter_mut().enumerate() {
        row[0] = ratio(t.group_satisfaction[g], t.group_n[g] as f64, 0.0);
        row[1] = ratio(t.group_served[g] as f64, t.group_need[g] as f64, 1.0);
    }
    out
}

/// Records this month per jurisdiction (index = data-file row). Resident
/// outcomes go to the committee's home area; street finance, enforcement and
/// cadre figures to the street that is active now.
pub fn record(world: &World, p: &Params, enforcement: &[EnforcementTally], cadres: &[CadreTally]) -> Vec<Totals> {
    let mut out = vec![
        Totals {
            months: 1,
            ..Totals::default()
        };
        world.jurisdictions.len()
    ];
    for com in &world.committees {
        let t = &mut out[com.home];
        let k = &com.counts;
        let y = &com.tally;
        t.persons += u64::from(k.persons);
        t.elderly += u64::from(k.elderly);
        t.employed += u64::from(k.employed);
        t.unemployed += u64::from(k.unemployed);
        t.migrants += u64::from(k.migrants);
        t.registered += u64::from(k.registered);
        t.party += u64::from(k.party);
        t.managed += u64::from(k.managed);
        t.unemployed_at_start += y.unemployed_at_start;
        t.reemployed += y.reemployed;
        for i in 0..5 {
            t.need[i] += y.need[i];
            t.served[i] += y.served[i];
            t.group_n[i] += y.group_n[i];
            t.group_satisfaction[i] += y.group_satisfaction[i];
            t.group_need[i] += y.group_need[i];
            t.group_served[i] += y.group_served[i];
        }
        t.capacity += com.plan.capacity;
        t.admin_done += com.plan.admin_done;
    }
    for (j, jur) in world.jurisdictions.iter().enumerate() {
        let t = &mut out[j];
        t.population = world.represented(t.persons);
        if !jur.active {
            continue;
        }
        let pop = world.represented(world.jurisdiction_persons(j));
        t.street_population = pop;
        t.resolvable = enforcement[j].resolvable;
        t.resolved = enforcement[j].resolved;
        t.open_issues = jur.open_issues.iter().sum();
        t.informal_weighted = jur.informal * pop;
        t.informal_revenue = jur.ledger.informal;
        t.positions = cadres[j].positions;
        t.filled = cadres[j].filled;
        t.separations = cadres[j].quits + cadres[j].retirements;
        t.college = cadres[j].college;
        t.tax = jur.tax_collected;
        t.jobs = jur.enterprises as f64 * p.reforms.service_industrialisation.jobs_per_enterprise;
        t.incidents = jur.incidents;
        t.streets = 1;
        t.streets_short = u64::from(jur.shortfall > 0.0);
        t.cash = jur.cash;
    }
    out
}
