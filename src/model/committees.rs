//! Committee capacity and its allocation (schedule step 4): capacity =
//! cadres' hours × efficiency × office factor, plus hours paid from devolved
//! task funds, volunteers, managed party members, service enterprises and
//! service stations. Top-down tasks take the paid task hours first, then the
//! cadres' hours, shared in proportion with any other source that
//! `tasks.admin_by_*` allows;
//! what is left serves residents by priority class, with proportional
//! rationing inside a class.
//!
//! Demand per class is the expectation from the committee's resident counts
//! (need probability × hours), so one pass over residents suffices.

use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::state::{Education, Plan, World, CLASSES};

/// Office factor: min(1, area / standard)^θ × (phone ? 1 : φ).
pub fn office_factor(p: &Params, area_m2: f64, phone: bool) -> f64 {
    let c = &p.committees;
    (area_m2 / c.office_standard_m2).min(1.0).powf(c.office_area_elasticity)
        * if phone { 1.0 } else { c.no_phone_factor }
}

pub fn education_efficiency(p: &Params, e: Education) -> f64 {
    match e {
        Education::Low => p.committees.efficiency_low_education,
        Education::Secondary => p.committees.efficiency_secondary_education,
        Education::College => p.committees.efficiency_college_education,
    }
}

pub fn plan_month(world: &mut World, p: &Params, lv: &Levers) {
    let c = &p.committees;
    let s = &p.services;
    let scale = world.scale;
    let total_sampled = world.total_persons().max(1) as f64;
    // Organisations' hours are spread over committees by population, in sampled units.
    let org_hours_per_sampled =
        c.volunteer_organisations * c.volunteer_hours_per_organisation_month * scale / total_sampled;
    for j in 0..world.jurisdictions.len() {
        let jur = &world.jurisdictions[j];
        if !jur.active {
            continue;
        }
        let jur_sampled = world.jurisdiction_persons(j).max(1) as f64;
        let enterprise_hours =
            jur.enterprises as f64 * p.reforms.service_industrialisation.service_hours_per_enterprise_month;
        for &ci in &jur.committees {
            let com = &mut world.committees[ci];
            let n = com.persons.len() as f64;
            let morale_floor = c.morale_efficiency_floor;
            let cadre_hours: f64 = com
                .cadres
                .iter()
                .filter(|k| k.filled)
                .map(|k| {
                    c.cadre_hours_month
                        * education_efficiency(p, k.education)
                        * (morale_floor + (1.0 - morale_floor) * k.morale)
                })
                .sum();
            let counts = com.counts;
            // Hours by source (sampled units). Converted fringe committees gain
            // an urban-model service station.
            let cadres =
                cadre_hours * office_factor(p, com.office_area_m2, com.phone) * lv.efficiency_multiplier * scale;
            let paid = com.budget.paid_hours;
            let volunteers = org_hours_per_sampled * n;
            let party = f64::from(counts.managed) * p.party.volunteer_hours_per_managed_month * lv.volunteer_multiplier;
            let enterprises = enterprise_hours * scale * n / jur_sampled;
            let stations = if com.fringe {
                lv.fringe_conversion * p.reforms.fringe_integration.station_hours_month * scale
            } else {
                0.0
            };
            let capacity = paid + cadres + volunteers + party + enterprises + stations;
            // Top-down tasks take the hours bought for them first, then the
            // cadres' own and other sources' only where the schema allows.
            let t = &p.tasks;
            let others = [
                (t.admin_by_volunteers, volunteers),
                (t.admin_by_party_members, party),
                (t.admin_by_enterprises, enterprises),
                (t.admin_by_stations, stations),
            ];
            // What the paid hours leave is shared by the admin-capable sources
            // in proportion to their hours.
            let admin_demand = com.backlog_hours;
            let by_paid = admin_demand.min(paid);
            let pool = cadres + others.iter().filter(|o| o.0).map(|o| o.1).sum::<f64>();
            let by_pool = (admin_demand - by_paid).min(pool);
            let by_cadres = if pool > 0.0 {
                (by_pool * cadres / pool).min(cadres)
            } else {
                0.0
            };
            let admin_done = by_paid + by_pool;
            com.backlog_hours = (admin_demand - admin_done).min(t.backlog_cap_months * (paid + pool));
            let information = if com.fringe { lv.fringe_information_factor } else { 1.0 };
            let unregistered = f64::from(counts.migrants - counts.registered);
            let applicants = f64::from(counts.low_income - counts.benefit);
            let demand = [
                information
                    * ((applicants * s.low_income_need_monthly
                        + f64::from(counts.benefit) * s.low_income_need_monthly_enrolled)
                        * s.low_income_hours
                        + f64::from(counts.entitled_only) * s.entitled_need_monthly * s.entitled_hours),
                f64::from(counts.elderly) * s.elderly_care_need_monthly * s.elderly_care_hours,
                f64::from(counts.unemployed) * s.reemployment_need_monthly * s.reemployment_hours
                    + information * unregistered * s.registration_need_monthly * s.registration_hours,
                f64::from(counts.persons) * s.mediation_need_monthly * s.mediation_hours,
            ];
            let mut left = capacity - admin_done;
            let mut served = [0.0; CLASSES];
            for k in 0..CLASSES {
                served[k] = if demand[k] > 0.0 {
                    (left / demand[k]).min(1.0)
                } else {
                    1.0
                };
                left = (left - served[k] * demand[k]).max(0.0);
            }
            let demanded = admin_demand + demand.iter().sum::<f64>();
            com.plan = Plan {
                capacity,
                cadre_hours: cadres,
                admin_demand,
                admin_done,
                admin_by_cadres: by_cadres,
                spare: left,
                demand,
                served,
                information,
                load: if capacity > 0.0 {
                    (demanded / capacity).min(c.max_load)
                } else if demanded > 0.0 {
                    c.max_load
                } else {
                    0.0
                },
            };
        }
    }
}
