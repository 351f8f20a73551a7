//! Street finance, "solving our own meals" (spec §4.8, schedule step 2).
//!
//! Every yuan enters a street's cash from a named source and leaves to a named
//! sink (`state::Ledger`), so cash(t+1) = cash(t) + revenue − spending exactly.
//! When cash and revenue cannot meet mandatory spending, every item is paid
//! in the same proportion, the unpaid share is the shortfall, and the
//! intensity of informal revenue-seeking moves toward κ × shortfall.

use crate::model::jurisdictions::Kind;
use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::state::World;

/// What a street must pay this month, item by item (yuan).
struct Mandatory {
    staff: f64,
    stipends: f64,
    operating: f64,
    facilities: f64,
    public_services: f64,
    reform_programmes: f64,
    /// Filled cadre posts, and those held by graduate recruits.
    filled: f64,
    young: f64,
}

impl Mandatory {
    fn total(&self) -> f64 {
        self.staff + self.stipends + self.operating + self.facilities + self.public_services + self.reform_programmes
    }
}

pub fn staff(p: &Params, pop: f64) -> f64 {
    p.finance.staff_fixed + p.finance.staff_per_10k * pop / 1e4
}

fn mandatory(world: &World, p: &Params, lv: &Levers, j: usize) -> Mandatory {
    let jur = &world.jurisdictions[j];
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
    Mandatory {
        staff: staff(p, pop) * f.staff_salary_yuan_month,
        stipends: filled * (lv.stipend + lv.insurance) + young * lv.young_extra_pay,
        operating: jur.committees.len() as f64 * p.committees.operating_fund_yuan_month,
        facilities: centre + stations * f.service_station_cost_month,
        public_services: f.public_services_yuan_per_capita_month * pop,
        reform_programmes: lv.street_recurring + subsidies + converted * f.service_station_cost_month,
        filled,
        young,
    }
}

/// Mandatory spending at baseline levers, for the month-0 cash reserve.
pub fn mandatory_estimate(world: &World, p: &Params, j: usize) -> f64 {
    let mut base = p.clone();
    base.reforms = Default::default();
    mandatory(world, &base, &Levers::at(&base, 0), j).total()
}

pub fn street_month(world: &mut World, p: &Params, lv: &Levers) {
    let f = &p.finance;
    let mut district_in = 0.0;
    let mut district_out = 0.0;
    let mut reform_cost = 0.0;
    for j in 0..world.jurisdictions.len() {
        if !world.jurisdictions[j].active {
            continue;
        }
        let pop = world.represented(world.jurisdiction_persons(j));
        let m = mandatory(world, p, lv, j);
        let (filled, young) = (m.filled, m.young);
        let jur = &mut world.jurisdictions[j];
        // Investment attraction is discretionary: paid only from what is left.
        let investment_planned = lv.investment_per_firm * jur.firms as f64;
        let tax = jur.firms as f64 * p.firms.tax_per_firm_month * lv.compliance;
        jur.tax_collected = tax;
        let retained = tax * lv.retained_tax_share;
        // District funds that come with reforms: stipend and insurance top-ups,
        // graduate pay, and money following devolved tasks.
        let earmarked = filled
            * ((lv.stipend - p.cadres.stipend_yuan_month) + (lv.insurance - p.cadres.insurance_yuan_month))
            + young * lv.young_extra_pay
            + lv.funding_per_task_hour * jur.passed_task_hours;
        let l = &mut jur.ledger;
        l.transfer = f.transfer_base_yuan_month + f.transfer_per_capita_month * pop;
        l.earmarked = earmarked;
        l.retained_tax = retained;
        l.enterprise_fees = jur.enterprises as f64 * p.reforms.service_industrialisation.fee_income_yuan_month;
        l.informal = jur.informal * f.informal_yield_per_capita_month * pop;
        let available = jur.cash + l.revenue();
        let total = m.total();
        let paid = if total > 0.0 { (available / total).min(1.0) } else { 1.0 };
        l.staff = m.staff * paid;
        l.stipends = m.stipends * paid;
        l.operating = m.operating * paid;
        l.facilities = m.facilities * paid;
        l.public_services = m.public_services * paid;
        let investment = investment_planned.min((available - total * paid).max(0.0));
        jur.investment_per_firm = if jur.firms > 0 {
            investment / jur.firms as f64
        } else {
            0.0
        };
        l.reform_programmes = m.reform_programmes * paid + investment;
        jur.cash = jur.cash + l.revenue() - l.spending();
        jur.shortfall = 1.0 - paid;
        let target = (f.informal_sensitivity * jur.shortfall).clamp(0.0, 1.0);
        jur.informal += f.informal_adjustment * (target - jur.informal);

        district_in += p.district.city_allocation_yuan_per_capita_month * pop + (tax - retained);
        district_out += l.transfer + l.earmarked + lv.district_recurring;
        let forgone = tax * (lv.retained_tax_share - f.retained_tax_share).max(0.0);
        reform_cost += l.earmarked + lv.district_recurring + l.reform_programmes + forgone;
    }
    let phones = world.one_offs_done.phones_installed as f64 * lv.phone_running;
    district_out += phones;
    reform_cost += phones;
    world.district.cash += district_in - district_out;
    world.district.reform_cost_month += reform_cost;
}
