//! Indicators (schedule step 8): what is recorded each month, and how each
//! per-replication metric is defined from it.
//!
//! A month is recorded as raw sums (`Totals`), one per jurisdiction. A metric
//! is a function of `Totals`, so the same definition gives the monthly time
//! series (one month's totals) and the per-replication outcome (the totals of
//! the final `outcome_window_months` months added up: ratios of sums, not
//! means of ratios). Stocks marked "end" take the window's last month;
//! cumulative accounts run from horizon month 1 to the month's end.

use crate::model::params::Params;
use crate::model::state::{CadreTally, EnforcementTally, World, CARE, GROUPS, NEEDS, WELFARE};

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
    /// A short human label for charts and tables.
    pub label: &'static str,
    pub unit: &'static str,
    pub direction: Direction,
    pub definition: &'static str,
}

impl MetricDef {
    /// Shares, rates and 0..1 indices must lie in [0, 1].
    pub fn is_share(&self) -> bool {
        matches!(self.unit, "share" | "0..1" | "1/month" | "1/year")
    }

    /// A short label for charts and tables.
    pub fn label(&self) -> &'static str {
        self.label
    }
}

macro_rules! metric {
    ($name:literal, $label:literal, $unit:literal, $dir:ident, $def:literal) => {
        MetricDef {
            name: $name,
            label: $label,
            unit: $unit,
            direction: Direction::$dir,
            definition: $def,
        }
    };
}

/// Every metric, in output column order.
pub const METRICS: &[MetricDef] = &[
    metric!("satisfaction_mean", "Residents' satisfaction", "0..1", Higher, "Mean satisfaction of residents aged 18+"),
    metric!("elderly_service_coverage", "Elderly-care needs served", "share", Higher, "Elderly-care needs (residents 60+) served / arising"),
    metric!("reemployment_rate", "Re-employment rate", "1/month", Higher, "Unemployed residents finding work in a month / unemployed at the month's start"),
    metric!("unemployment_rate", "Unemployment rate", "share", Lower, "Unemployed / labour force (end of month)"),
    metric!("migrant_registration_rate", "Migrants registered", "share", Higher, "Registered migrants / migrants (end of month): a stock"),
    metric!("welfare_coverage", "Welfare needs served", "share", Higher, "Statutory welfare needs (minimum-income assistance and the entitled groups) served / arising"),
    metric!("enforcement_resolution_rate", "Enforcement issues resolved", "share", Higher, "Issues resolved in the month / issues open during it (carried over + new)"),
    metric!("open_issues_per_10k", "Open enforcement issues", "issues/10k residents", Lower, "Open sanitation, construction and road-trade issues at month end per 10,000 residents"),
    metric!("informal_intensity", "Street informal-fee intensity", "0..1", Lower, "Population-weighted intensity of the street offices' informal revenue-seeking (fees, fines, stalls, building)"),
    metric!("committee_admin_share", "Cadre time on top-down tasks", "share", Lower, "Top-down task hours the committee cadres do / the cadres' hours (report: 'the government's legs', 50-80%)"),
    metric!("cadre_turnover_rate", "Cadre turnover", "1/year", Lower, "Annual probability a cadre leaves (quits + retirements), 1 − (1 − monthly separations / filled posts)^12"),
    metric!("vacancy_rate", "Vacant cadre posts", "share", Lower, "Vacant cadre posts / posts (end of month)"),
    metric!("street_cash_balance", "Street offices' cash", "yuan", Higher, "Cash of all street offices at the end of the window (current prices)"),
    metric!("tax_revenue", "Local tax revenue", "yuan/month", Higher, "Local tax collected in the streets per month (before the district's share; current prices)"),
    metric!("service_jobs", "Service-enterprise jobs", "jobs", Higher, "Jobs in community service enterprises"),
    metric!("party_managed_share", "Party members managed", "share", Higher, "Managed party members / party members among residents"),
    metric!("security_incidents_per_10k", "Security incidents", "incidents/10k residents/month", Lower, "Security incidents per 10,000 residents per month"),
    metric!("reform_cost_gross", "Gross reform flows", "yuan", Lower, "Gross reform flows over the horizon: district and street reform spending plus district revenue forgone, transfers counted on both sides (current prices); compare fiscal_cost_net instead"),
    metric!("needs_met_share", "Residents' needs met", "share", Higher, "All residents' needs served / arising (care, welfare, re-employment, registration, mediation)"),
    metric!("informal_revenue", "Informal revenue", "yuan/month", Lower, "Revenue from informal fees, fines, stalls and building per month, streets and committees (current prices)"),
    metric!("shortfall_population_share", "Residents in short streets", "share", Lower, "Residents living in streets that could not meet mandatory spending in the month / residents"),
    metric!("cadre_college_share", "College-educated cadres", "share", Higher, "College-educated cadres / filled posts (end of month)"),
    metric!("elderly_share", "Residents aged 60+", "share", Neutral, "Residents aged 60+ / residents (end of month)"),
    metric!("population", "Population", "persons", Neutral, "Residents represented (sampled / population_scale; end of month)"),
    metric!("district_cash", "District cash", "yuan", Neutral, "District budget balance at the end of the window (current prices; negative = borrowed)"),
    metric!("fiscal_cost_district", "District reform outlays", "yuan", Lower, "District reform outlays over the horizon: its programmes and one-offs, money earmarked to the streets and local tax it cedes to them"),
    metric!("fiscal_cost_streets", "Street reform outlays", "yuan", Lower, "Street reform outlays over the horizon: programmes, subsidies, investment attraction, stipend top-ups paid, devolved-task funds passed to committees"),
    metric!("transfers_district_to_streets", "Reform transfers to streets", "yuan", Neutral, "Reform money moving from the district to the streets over the horizon (earmarked and ceded tax): counted in both costs above"),
    metric!("public_revenue", "Public revenue", "yuan", Higher, "Tax and enterprise fees collected over the horizon (its paired difference is the revenue a reform induces)"),
    metric!("unmet_need_hours_per_1k", "Unmet need hours", "hours/1000 residents/month", Lower, "Service hours of the needs left unserved, per 1,000 residents: the uncapped companion of needs_met_share"),
    metric!("unmet_care_hours_per_1k", "Unmet elderly-care hours", "hours/1000 residents/month", Lower, "Unserved elderly-care hours per 1,000 residents"),
    metric!("unmet_welfare_hours_per_1k", "Unmet welfare hours", "hours/1000 residents/month", Lower, "Unserved statutory-welfare hours per 1,000 residents"),
    metric!("unmet_reemployment_hours_per_1k", "Unmet re-employment hours", "hours/1000 residents/month", Lower, "Unserved re-employment-help hours per 1,000 residents"),
    metric!("unmet_registration_hours_per_1k", "Unmet registration hours", "hours/1000 residents/month", Lower, "Unserved migrant-registration hours per 1,000 residents"),
    metric!("unmet_mediation_hours_per_1k", "Unmet mediation hours", "hours/1000 residents/month", Lower, "Unserved mediation hours per 1,000 residents"),
    metric!("spare_committee_hours_per_1k", "Spare committee hours", "hours/1000 residents/month", Neutral, "Committee hours left after top-down tasks and every service demand, per 1,000 residents"),
    metric!("benefit_receipt_rate", "Low-income residents on the benefit", "share", Higher, "Low-income residents receiving the minimum-income benefit / low-income residents (end of month)"),
    metric!("registration_flow_rate", "Migrants registered per month", "1/month", Higher, "Migrants registered in the month / unregistered migrants at its start: a flow"),
    metric!("satisfaction_gain_needs_met", "Quality from needs met", "quality points", Higher, "Per adult and month: quality gained from needs served (gain_need_met × needs met / adults)"),
    metric!("satisfaction_loss_needs_unmet", "Quality lost to unmet needs", "quality points", Lower, "Per adult and month: quality lost to needs unserved"),
    metric!("satisfaction_loss_open_issues", "Quality lost to open issues", "quality points", Lower, "Per adult and month: quality lost to open enforcement issues"),
    metric!("satisfaction_loss_informal_fees", "Quality lost to informal fees", "quality points", Lower, "Per adult and month: quality lost to street and committee informal fees"),
    metric!("satisfaction_loss_incidents", "Quality lost to incidents", "quality points", Lower, "Per adult and month: quality lost to security incidents"),
    metric!("experienced_quality", "Experienced quality", "0..1", Higher, "Mean of the month's experienced quality over adults, clamped to 0..1 (base + gain − losses); satisfaction follows it with a lag"),
    metric!("streets_with_informal_share", "Streets raising informal fees", "share", Lower, "Street offices whose informal intensity exceeds finance.informal_reporting_threshold / street offices"),
    metric!("committees_with_informal_share", "Committees raising informal fees", "share", Lower, "Committees whose informal-fee intensity exceeds finance.informal_reporting_threshold / committees"),
    metric!("committee_informal_intensity", "Committee informal-fee intensity", "0..1", Lower, "Resident-weighted intensity of the committees' informal fee-seeking"),
    metric!("stipend_arrears_months", "Stipend arrears", "months", Lower, "Stipends owed to cadres, in months of the stipend bill, weighted by posts"),
    metric!("cadre_morale", "Cadre morale", "0..1", Higher, "Mean morale of serving cadres (end of month)"),
    metric!("street_reserve_months", "Street cash reserve", "months", Neutral, "Street cash / the month's mandatory spending (end of window): the money stock relative to its flow"),
    metric!("district_reserve_months", "District cash reserve", "months", Neutral, "District cash / the month's district revenue (end of window)"),
    metric!("district_department_spending", "District departments' spending", "yuan/month", Higher, "Spending of the district's own departments per month (what reforms crowd out; current prices)"),
    metric!("district_debt", "District debt", "yuan", Lower, "District borrowing at the end of the window: max(0, −district_cash)"),
];

/// Number of metrics.
pub const N_METRICS: usize = METRICS.len();

/// Metrics split by resident group and jurisdiction (compare_by_group).
pub const GROUP_METRICS: [&str; 2] = ["satisfaction_mean", "needs_met_share"];

/// Raw sums of one month (or a window of months) for one jurisdiction or
/// the whole district. Flows and monthly stocks add over months; the fields
/// after `cash` are end-of-period stocks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub months: u64,
    /// Residents of the area (home committees), represented at full scale.
    pub population: f64,
    /// Residents of the active street (differs from `population` after a merger).
    pub street_population: f64,
    pub persons: u64,
    pub adults: u64,
    pub elderly: u64,
    pub need: [u64; NEEDS],
    pub served: [u64; NEEDS],
    /// Unserved need hours by kind (sampled units).
    pub unmet_hours: [f64; NEEDS],
    pub spare_hours: f64,
    pub unemployed_at_start: u64,
    pub reemployed: u64,
    pub employed: u64,
    pub unemployed: u64,
    pub migrants: u64,
    pub registered: u64,
    pub unregistered_at_start: u64,
    pub registered_new: u64,
    pub low_income: u64,
    pub benefit: u64,
    pub party: u64,
    pub managed: u64,
    pub resolvable: u64,
    pub resolved: u64,
    pub open_issues: u64,
    pub informal_weighted: f64,
    pub informal_revenue: f64,
    pub committee_informal_weighted: f64,
    pub cadre_hours: f64,
    pub admin_by_cadres: f64,
    pub positions: u64,
    pub filled: u64,
    pub separations: u64,
    pub college: u64,
    pub morale: f64,
    pub arrears_weighted: f64,
    pub tax: f64,
    pub jobs: f64,
    pub incidents: u64,
    pub streets: u64,
    pub streets_informal: u64,
    pub committees: u64,
    pub committees_informal: u64,
    pub short_population: f64,
    pub group_adults: [u64; 5],
    pub group_satisfaction: [f64; 5],
    pub group_need: [u64; 5],
    pub group_served: [u64; 5],
    /// Satisfaction terms summed over adult-months.
    pub quality: f64,
    pub gain_met: f64,
    pub loss_unmet: f64,
    pub loss_issues: f64,
    pub loss_fees: f64,
    pub loss_incidents: f64,
    pub department_spending: f64,
    /// End-of-period stocks: streets' cash and mandatory spending of the last month.
    pub cash: f64,
    pub mandatory: f64,
    /// District end-of-period stocks (set on district totals only).
    pub district_cash: f64,
    pub district_revenue: f64,
    pub accounts: ReformTotals,
}

/// The cumulative reform accounts (see `state::ReformAccounts`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReformTotals {
    pub district: f64,
    pub streets: f64,
    pub transfers: f64,
    pub gross: f64,
    pub public_revenue: f64,
}

macro_rules! totals_fields {
    ($m:ident) => {
        $m!(
            months,
            population,
            street_population,
            persons,
            adults,
            elderly,
            spare_hours,
            unemployed_at_start,
            reemployed,
            employed,
            unemployed,
            migrants,
            registered,
            unregistered_at_start,
            registered_new,
            low_income,
            benefit,
            party,
            managed,
            resolvable,
            resolved,
            open_issues,
            informal_weighted,
            informal_revenue,
            committee_informal_weighted,
            cadre_hours,
            admin_by_cadres,
            positions,
            filled,
            separations,
            college,
            morale,
            arrears_weighted,
            tax,
            jobs,
            incidents,
            streets,
            streets_informal,
            committees,
            committees_informal,
            short_population,
            quality,
            gain_met,
            loss_unmet,
            loss_issues,
            loss_fees,
            loss_incidents,
            department_spending
        )
    };
}

impl Totals {
    fn add_flows(&mut self, o: &Totals) {
        macro_rules! sum {
            ($($f:ident),*) => { $( self.$f += o.$f; )* };
        }
        totals_fields!(sum);
        for k in 0..NEEDS {
            self.need[k] += o.need[k];
            self.served[k] += o.served[k];
            self.unmet_hours[k] += o.unmet_hours[k];
        }
        for g in 0..GROUPS.len() {
            self.group_adults[g] += o.group_adults[g];
            self.group_satisfaction[g] += o.group_satisfaction[g];
            self.group_need[g] += o.group_need[g];
            self.group_served[g] += o.group_served[g];
        }
    }

    /// Adds a later period: flows add, end-of-period stocks take the later value.
    pub fn add(&mut self, o: &Totals) {
        self.add_flows(o);
        self.cash = o.cash;
        self.mandatory = o.mandatory;
        self.district_cash = o.district_cash;
        self.district_revenue = o.district_revenue;
        self.accounts = o.accounts;
    }

    /// Adds another unit of the same month (jurisdictions into the district):
    /// flows and the streets' stocks add; `months` does not.
    pub fn merge(&mut self, o: &Totals) {
        let months = self.months.max(o.months);
        self.add_flows(o);
        self.months = months;
        self.cash += o.cash;
        self.mandatory += o.mandatory;
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

/// Metrics of a street office or the district rather than of residents:
/// undefined (NaN) for an area whose street was merged away, see `values`.
pub const STREET_METRICS: [&str; 27] = [
    "enforcement_resolution_rate",
    "open_issues_per_10k",
    "informal_intensity",
    "cadre_turnover_rate",
    "vacancy_rate",
    "street_cash_balance",
    "tax_revenue",
    "service_jobs",
    "security_incidents_per_10k",
    "reform_cost_gross",
    "shortfall_population_share",
    "cadre_college_share",
    "district_cash",
    "fiscal_cost_district",
    "fiscal_cost_streets",
    "transfers_district_to_streets",
    "public_revenue",
    "satisfaction_loss_open_issues",
    "satisfaction_loss_incidents",
    "streets_with_informal_share",
    "stipend_arrears_months",
    "cadre_morale",
    "street_reserve_months",
    "district_reserve_months",
    "district_department_spending",
    "district_debt",
    "informal_revenue",
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
    let per_1k = |hours: f64| ratio(hours * 1e3, t.persons as f64, 0.0);
    let adults = t.adults as f64;
    let a = &t.accounts;
    [
        ratio(t.group_satisfaction[0], t.group_adults[0] as f64, 0.0),
        ratio(t.served[CARE] as f64, t.need[CARE] as f64, 1.0),
        ratio(t.reemployed as f64, t.unemployed_at_start as f64, 0.0),
        ratio(t.unemployed as f64, (t.employed + t.unemployed) as f64, 0.0),
        ratio(t.registered as f64, t.migrants as f64, 1.0),
        ratio(t.served[WELFARE] as f64, t.need[WELFARE] as f64, 1.0),
        ratio(t.resolved as f64, t.resolvable as f64, 1.0),
        ratio(t.open_issues as f64 * 1e4, t.street_population, 0.0),
        ratio(t.informal_weighted, t.street_population, 0.0),
        ratio(t.admin_by_cadres, t.cadre_hours, 0.0),
        1.0 - (1.0 - monthly_sep).powi(12),
        1.0 - ratio(t.filled as f64, t.positions as f64, 1.0),
        t.cash,
        t.tax / months,
        t.jobs / months,
        ratio(t.managed as f64, t.party as f64, 1.0),
        ratio(t.incidents as f64 * 1e4, t.street_population, 0.0),
        a.gross,
        ratio(served as f64, need as f64, 1.0),
        t.informal_revenue / months,
        ratio(t.short_population, t.street_population, 0.0),
        ratio(t.college as f64, t.filled as f64, 0.0),
        ratio(t.elderly as f64, t.persons as f64, 0.0),
        t.population / months,
        t.district_cash,
        a.district,
        a.streets,
        a.transfers,
        a.public_revenue,
        per_1k(t.unmet_hours.iter().sum()),
        per_1k(t.unmet_hours[0]),
        per_1k(t.unmet_hours[1]),
        per_1k(t.unmet_hours[2]),
        per_1k(t.unmet_hours[3]),
        per_1k(t.unmet_hours[4]),
        per_1k(t.spare_hours),
        ratio(t.benefit as f64, t.low_income as f64, 1.0),
        ratio(t.registered_new as f64, t.unregistered_at_start as f64, 0.0),
        ratio(t.gain_met, adults, 0.0),
        ratio(t.loss_unmet, adults, 0.0),
        ratio(t.loss_issues, adults, 0.0),
        ratio(t.loss_fees, adults, 0.0),
        ratio(t.loss_incidents, adults, 0.0),
        ratio(t.quality, adults, 0.0),
        ratio(t.streets_informal as f64, t.streets as f64, 0.0),
        ratio(t.committees_informal as f64, t.committees as f64, 0.0),
        ratio(t.committee_informal_weighted, t.population, 0.0),
        ratio(t.arrears_weighted, t.positions as f64, 0.0),
        ratio(t.morale, t.filled as f64, 0.0),
        ratio(t.cash, t.mandatory, 0.0),
        ratio(t.district_cash, t.district_revenue, 0.0),
        t.department_spending / months,
        (-t.district_cash).max(0.0),
    ]
}

/// Group metrics of `t`: satisfaction (adults) and needs met (all members)
/// per resident group; the `all_residents` row equals the district metrics.
pub fn group_values(t: &Totals) -> [[f64; 2]; GROUPS.len()] {
    let mut out = [[0.0; 2]; GROUPS.len()];
    for (g, row) in out.iter_mut().enumerate() {
        row[0] = ratio(t.group_satisfaction[g], t.group_adults[g] as f64, 0.0);
        row[1] = ratio(t.group_served[g] as f64, t.group_need[g] as f64, 1.0);
    }
    out
}

/// Records this month per jurisdiction (index = data-file row). Resident
/// outcomes go to the committee's home area; street finance, enforcement and
/// cadre figures to the street that is active now.
pub fn record(world: &World, p: &Params, enforcement: &[EnforcementTally], cadres: &[CadreTally]) -> Vec<Totals> {
    let s = &p.services;
    let sat = &p.satisfaction;
    let threshold = p.finance.informal_reporting_threshold;
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
        t.adults += u64::from(k.adults);
        t.elderly += u64::from(k.elderly);
        t.employed += u64::from(k.employed);
        t.unemployed += u64::from(k.unemployed);
        t.migrants += u64::from(k.migrants);
        t.registered += u64::from(k.registered);
        t.low_income += u64::from(k.low_income);
        t.benefit += u64::from(k.benefit);
        t.party += u64::from(k.party);
        t.managed += u64::from(k.managed);
        t.unemployed_at_start += y.unemployed_at_start;
        t.reemployed += y.reemployed;
        t.unregistered_at_start += y.unregistered_at_start;
        t.registered_new += y.registered_new;
        for i in 0..NEEDS {
            t.need[i] += y.need[i];
            t.served[i] += y.served[i];
        }
        let unmet = |i: usize| (y.need[i] - y.served[i]) as f64;
        let unmet_entitled = y.entitled_unmet as f64;
        t.unmet_hours[CARE] += unmet(CARE) * s.elderly_care_hours;
        t.unmet_hours[WELFARE] +=
            (unmet(WELFARE) - unmet_entitled) * s.low_income_hours + unmet_entitled * s.entitled_hours;
        t.unmet_hours[2] += unmet(2) * s.reemployment_hours;
        t.unmet_hours[3] += unmet(3) * s.registration_hours;
        t.unmet_hours[4] += unmet(4) * s.mediation_hours;
        t.spare_hours += com.plan.spare;
        for g in 0..GROUPS.len() {
            t.group_adults[g] += y.group_adults[g];
            t.group_satisfaction[g] += y.group_satisfaction[g];
            t.group_need[g] += y.group_need[g];
            t.group_served[g] += y.group_served[g];
        }
        t.quality += y.quality;
        t.gain_met += sat.gain_need_met * y.adult_met as f64;
        t.loss_unmet += sat.loss_need_unmet * y.adult_unmet as f64;
        t.loss_issues += y.loss_issues;
        t.loss_fees += y.loss_fees;
        t.loss_incidents += y.loss_incidents;
        t.cadre_hours += com.plan.cadre_hours;
        t.admin_by_cadres += com.plan.admin_by_cadres;
        t.committees += 1;
        t.committees_informal += u64::from(com.informal > threshold);
        t.committee_informal_weighted += com.informal * world.represented(u64::from(k.persons));
        t.informal_revenue += com.budget.informal;
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
        t.informal_revenue += jur.ledger.informal;
        t.positions = cadres[j].positions;
        t.filled = cadres[j].filled;
        t.separations = cadres[j].quits + cadres[j].retirements;
        t.college = cadres[j].college;
        t.morale = cadres[j].morale;
        t.arrears_weighted = jur.arrears_months * cadres[j].positions as f64;
        t.tax = jur.tax_collected;
        t.jobs = jur.enterprises as f64 * p.reforms.service_industrialisation.jobs_per_enterprise;
        t.incidents = jur.incidents;
        t.streets = 1;
        t.streets_informal = u64::from(jur.informal > threshold);
        t.short_population = if jur.shortfall > 0.0 { pop } else { 0.0 };
        t.cash = jur.cash;
        t.mandatory = jur.mandatory;
    }
    out
}
