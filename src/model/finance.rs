//! Money (schedule step 2): street offices, their committees and the
//! district, "solving our own meals".
//!
//! Every yuan enters an account from a named source and leaves to a named
//! sink: a street's cash moves only through its `Ledger`, the district's
//! through its `DistrictLedger`, and a committee spends exactly what its
//! `CommitteeBudget` receives. Amounts are in current prices: a parameter
//! gives its yuan at horizon-month-1 prices and is multiplied by
//! `World::price_index` (balanced nominal growth), so street revenue grows
//! while every ratio that behaviour depends on stays where it was.
//!
//! A street pays its mandatory items in the same proportion when cash and
//! revenue fall short; the unpaid share is its shortfall, unpaid stipends
//! become arrears, and informal revenue-seeking moves toward κ × shortfall.
//! What is left repays arrears, then funds investment attraction, and a
//! share of the cash above the reserve goes to community building.
//! Committees receive a flat operating fund; where it covers less than
//! their operating need, they raise informal fees. The district runs a
//! balanced budget: its departments spend what transfers and reforms leave,
//! steering its cash toward a reserve; reforms it pays crowd departments out
//! down to a floor, and beyond the floor it borrows.

use crate::model::jurisdictions::Kind;
use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::state::World;

/// What a street must pay this month, item by item (yuan, current prices).
struct Mandatory {
    staff: f64,
    stipends: f64,
    operating: f64,
    task_funds: f64,
    facilities: f64,
    public_services: f64,
    reform_programmes: f64,
    /// The part of `stipends` that reforms add and the district earmarks
    /// (stipend and insurance increases, graduate top-ups).
    topups: f64,
}

impl Mandatory {
    fn total(&self) -> f64 {
        self.staff
            + self.stipends
            + self.operating
            + self.task_funds
            + self.facilities
            + self.public_services
            + self.reform_programmes
    }
}

/// Street office staff for `pop` residents.
pub fn staff(p: &Params, pop: f64) -> f64 {
    p.finance.staff_fixed + p.finance.staff_per_10k * pop / 1e4
}

/// Price index in a month that lies `months_from_start` months after horizon month 1.
pub fn price_index(p: &Params, months_from_start: f64) -> f64 {
    (1.0 + p.finance.growth_annual).powf(months_from_start / 12.0)
}

fn mandatory(world: &World, p: &Params, lv: &Levers, j: usize) -> Mandatory {
    let jur = &world.jurisdictions[j];
    let px = world.price_index;
    let pop = world.represented(world.jurisdiction_persons(j));
    let mut filled = 0.0;
    let mut young = 0.0;
    let mut stations = 0.0;
    let mut converted = 0.0;
    for &c in &jur.committees {
        let com = &world.committees[c];
        for cadre in com.cadres.iter().filter(|c| c.filled) {
            filled += 1.0;
            young += f64::from(u8::from(cadre.young));
        }
        // Service stations stand in urban committees (75 in the report);
        // fringe committees gain theirs as they are converted (a reform cost).
        if com.fringe {
            converted += lv.fringe_conversion;
        } else {
            stations += 1.0;
        }
    }
    let f = &p.finance;
    let centre = if jur.kind == Kind::Urban {
        f.service_centre_cost_month
    } else {
        0.0
    };
    let subsidies = jur.enterprise_starts_last as f64 * p.reforms.service_industrialisation.start_subsidy_yuan;
    let topups = filled * ((lv.stipend - p.cadres.stipend_yuan_month) + (lv.insurance - p.cadres.insurance_yuan_month))
        + young * lv.young_extra_pay;
    Mandatory {
        staff: staff(p, pop) * f.staff_salary_yuan_month * px,
        stipends: (filled * (lv.stipend + lv.insurance) + young * lv.young_extra_pay) * px,
        operating: jur.committees.len() as f64 * p.committees.operating_fund_yuan_month * px,
        task_funds: lv.funding_per_task_hour * jur.passed_task_hours * px,
        facilities: (centre + stations * f.service_station_cost_month) * px,
        public_services: f.public_services_yuan_per_capita_month * pop * px,
        reform_programmes: (lv.street_recurring + subsidies + converted * f.service_station_cost_month) * px,
        topups: topups * px,
    }
}

/// Mandatory spending at baseline levers (the month-0 cash reserve).
pub fn mandatory_estimate(world: &World, p: &Params, j: usize) -> f64 {
    let base = p.baseline_rules();
    mandatory(world, &base, &Levers::at(&base, 0), j).total()
}

/// A street's finances in their stationary state under baseline rules with
/// its month-0 firms: where revenue R0 falls short of mandatory spending M,
/// cash has run down to zero, the street pays the share (R0 + I·Y)/M, and
/// informal intensity I sits at its target κ × shortfall, so I = κ(1 − R0/M
/// − I·Y/M), i.e. I = κ(1 − R0/M) / (1 + κY/M), clamped to [0, 1] (Y: the
/// informal yield at I = 1). Returns (I, paid share); (0, 1) for a street
/// that covers its spending.
pub fn stationary_street(world: &World, p: &Params, j: usize) -> (f64, f64) {
    let f = &p.finance;
    let px = world.price_index;
    let jur = &world.jurisdictions[j];
    let pop = world.represented(world.jurisdiction_persons(j));
    let m = mandatory_estimate(world, p, j);
    let r0 = (f.transfer_base_yuan_month + f.transfer_per_capita_month * pop) * px
        + jur.firms as f64 * p.firms.tax_per_firm_month * p.firms.compliance * f.retained_tax_share * px;
    if m <= 0.0 || r0 >= m {
        return (0.0, 1.0);
    }
    let y = f.informal_yield_per_capita_month * pop * px;
    let k = f.informal_sensitivity;
    let informal = (k * (1.0 - r0 / m) / (1.0 + k * y / m)).clamp(0.0, 1.0);
    (informal, ((r0 + informal * y) / m).min(1.0))
}

/// A committee's stationary informal intensity when its street pays the
/// share `paid` of the operating fund: κ_c × its operating shortfall.
pub fn stationary_committee(p: &Params, residents: f64, price_index: f64, paid: f64) -> f64 {
    let c = &p.committees;
    let need = c.operating_need_yuan_per_1k_month * price_index * residents / 1e3;
    if need <= 0.0 {
        return 0.0;
    }
    let shortfall = (1.0 - c.operating_fund_yuan_month * price_index * paid / need).max(0.0);
    (c.informal_sensitivity * shortfall).clamp(0.0, 1.0)
}

/// District revenue at the baseline tax share (the month-0 reserve and the
/// departments' no-reform spending level).
fn district_revenue_at_baseline_share(world: &World, p: &Params, tax_collected: f64) -> f64 {
    let pop = world.represented(world.total_persons());
    p.district.city_allocation_yuan_per_capita_month * pop * world.price_index
        + tax_collected * (1.0 - p.finance.retained_tax_share)
}

/// The district's cash reserve target at month 0, from the month-0 tax base.
pub fn district_reserve_estimate(world: &World, p: &Params) -> f64 {
    let tax: f64 = world
        .jurisdictions
        .iter()
        .map(|j| j.firms as f64 * p.firms.tax_per_firm_month * p.firms.compliance * world.price_index)
        .sum();
    p.district.reserve_months * district_revenue_at_baseline_share(world, p, tax)
}

/// Step 2: the streets' and committees' month, then the district's.
pub fn month(world: &mut World, p: &Params, lv: &Levers) {
    let f = &p.finance;
    let px = world.price_index;
    let in_horizon = world.month > 0;
    let mut tax_total = 0.0;
    let mut forgone = 0.0;
    let mut street_reform = 0.0;
    let mut gross = 0.0;
    let mut public_revenue = 0.0;
    for j in 0..world.jurisdictions.len() {
        if !world.jurisdictions[j].active {
            continue;
        }
        let pop = world.represented(world.jurisdiction_persons(j));
        let m = mandatory(world, p, lv, j);
        let jur = &mut world.jurisdictions[j];
        let tax = jur.firms as f64 * p.firms.tax_per_firm_month * lv.compliance * px;
        jur.tax_collected = tax;
        tax_total += tax;
        let retained = tax * lv.retained_tax_share;
        forgone += tax * (lv.retained_tax_share - f.retained_tax_share).max(0.0);
        let l = &mut jur.ledger;
        l.transfer = (f.transfer_base_yuan_month + f.transfer_per_capita_month * pop) * px;
        // District money that comes with reforms: pay top-ups and the funds
        // that follow devolved tasks.
        l.earmarked = m.topups + m.task_funds;
        l.retained_tax = retained;
        l.enterprise_fees = jur.enterprises as f64 * p.reforms.service_industrialisation.fee_income_yuan_month * px;
        l.informal = jur.informal * f.informal_yield_per_capita_month * pop * px;
        let available = jur.cash + l.revenue();
        let total = m.total();
        let paid = if total > 0.0 { (available / total).min(1.0) } else { 1.0 };
        l.staff = m.staff * paid;
        l.stipends = m.stipends * paid;
        l.operating = m.operating * paid;
        l.task_funds = m.task_funds * paid;
        l.facilities = m.facilities * paid;
        l.public_services = m.public_services * paid;
        l.reform_programmes = m.reform_programmes * paid;
        // Unpaid stipends are owed; old claims lapse as cadres leave.
        jur.arrears = jur.arrears * (1.0 - f.arrears_writeoff_monthly) + m.stipends * (1.0 - paid);
        let mut left = available - total * paid;
        l.arrears_repaid = left.min(jur.arrears);
        jur.arrears -= l.arrears_repaid;
        left -= l.arrears_repaid;
        // Investment attraction is discretionary: paid only from what is left.
        let investment = (lv.investment_per_firm * px * jur.firms as f64).min(left);
        left -= investment;
        l.reform_programmes += investment;
        jur.investment_per_firm = if jur.firms > 0 {
            investment / jur.firms as f64 / px
        } else {
            0.0
        };
        l.community_building = f.community_building_rate * (left - f.reserve_months * total).max(0.0);
        jur.cash = jur.cash + l.revenue() - l.spending();
        jur.mandatory = total;
        jur.arrears_months = if m.stipends > 0.0 {
            jur.arrears / m.stipends
        } else {
            0.0
        };
        jur.shortfall = 1.0 - paid;
        let target = (f.informal_sensitivity * jur.shortfall).clamp(0.0, 1.0);
        jur.informal += f.informal_adjustment * (target - jur.informal);

        street_reform += m.topups * paid + l.task_funds + l.reform_programmes;
        gross += l.earmarked + l.reform_programmes;
        public_revenue += tax + l.enterprise_fees;
        committees_month(world, p, j, paid);
    }
    district_month(world, p, lv, tax_total, forgone);
    if in_horizon {
        let d = &mut world.district;
        let programmes = d.ledger.reform_programmes;
        let acc = &mut d.accounts;
        acc.district += d.ledger.earmarked + programmes + forgone;
        acc.transfers += d.ledger.earmarked + forgone;
        acc.streets += street_reform;
        acc.gross += gross + programmes + forgone;
        acc.public_revenue += public_revenue;
    }
}

/// The committees of street `j`: operating money and task funds from the
/// street (paid in the street's proportion `paid`), paid task hours, and
/// informal fees where the operating money falls short of the need.
fn committees_month(world: &mut World, p: &Params, j: usize, paid: f64) {
    let c = &p.committees;
    let px = world.price_index;
    let scale = world.scale;
    let street_sampled = world.jurisdiction_persons(j).max(1) as f64;
    let task_funds = world.jurisdictions[j].ledger.task_funds;
    let rho = p.finance.informal_adjustment;
    for &ci in &world.jurisdictions[j].committees {
        let com = &mut world.committees[ci];
        let sampled = com.persons.len() as f64;
        let residents = sampled / scale;
        let b = &mut com.budget;
        b.operating_received = c.operating_fund_yuan_month * px * paid;
        // Task hours are passed down by population, and so are their funds.
        b.task_funds_received = task_funds * sampled / street_sampled;
        b.paid_hours = if c.paid_hour_cost_yuan > 0.0 {
            b.task_funds_received / (c.paid_hour_cost_yuan * px) * scale
        } else {
            0.0
        };
        b.operating_need = c.operating_need_yuan_per_1k_month * px * residents / 1e3;
        b.shortfall = if b.operating_need > 0.0 {
            (1.0 - b.operating_received / b.operating_need).max(0.0)
        } else {
            0.0
        };
        b.informal = com.informal * c.informal_yield_per_capita_month * px * residents;
        let target = (c.informal_sensitivity * b.shortfall).clamp(0.0, 1.0);
        com.informal += rho * (target - com.informal);
    }
}

/// The district's month: revenue from the city and its share of tax, the
/// streets' transfers and earmarked money, reform programmes (one-offs were
/// booked by `reforms::one_offs` earlier this month), and departments'
/// spending by the balanced-budget rule.
fn district_month(world: &mut World, p: &Params, lv: &Levers, tax_total: f64, forgone: f64) {
    let d = &p.district;
    let px = world.price_index;
    let pop = world.represented(world.total_persons());
    let active = world.jurisdictions.iter().filter(|j| j.active).count() as f64;
    let (transfers, earmarked) = world
        .jurisdictions
        .iter()
        .filter(|j| j.active)
        .fold((0.0, 0.0), |(t, e), j| (t + j.ledger.transfer, e + j.ledger.earmarked));
    let norm_revenue = district_revenue_at_baseline_share(world, p, tax_total);
    let phones = world.one_offs_done.phones_installed as f64 * lv.phone_running * px;
    let cash = world.district.cash;
    let l = &mut world.district.ledger;
    l.city_allocation = d.city_allocation_yuan_per_capita_month * pop * px;
    l.tax_share = tax_total * (1.0 - lv.retained_tax_share);
    l.transfers = transfers;
    l.earmarked = earmarked;
    l.reform_programmes += (lv.district_recurring * active) * px + phones;
    // Departments spend what the no-reform budget leaves, closing the gap to
    // the reserve over `reserve_adjustment_months`; reforms (earmarked money,
    // programmes and ceded tax) come out of that, down to the floor.
    let reserve = d.reserve_months * norm_revenue;
    let no_reform = norm_revenue - transfers + (cash - reserve) / d.reserve_adjustment_months;
    let burden = earmarked + l.reform_programmes + forgone;
    l.departments = (d.department_floor_share * no_reform).max(no_reform - burden).max(0.0);
    world.district.cash = cash + l.revenue() - l.spending();
}
