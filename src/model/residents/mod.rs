//! Residents (schedule step 5): needs arise and are served or not, and
//! residents age, die, lose and find work, leave, get registered, enrol for
//! the minimum-income benefit, are linked to a party organisation and update
//! their satisfaction. Births and migrant arrivals join at the end of the
//! pass (they act from next month).
//!
//! One resident's month is `rules::step`. Two passes run it over a
//! committee: `events` (the default) does work only for residents something
//! happens to, placing each event kind with geometric gaps through the
//! buckets of `population`; `reference` is the plain loop over every
//! resident with fresh draws, kept as the oracle the event pass is tested
//! against (`simulation.reference_residents = true` selects it).

pub mod ageing;
pub mod counts;
pub mod events;
pub mod newcomers;
pub mod reference;
pub mod rules;

use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::rng::{self, threshold};
use crate::model::state::{Committee, PersonFlows, World};
use rayon::prelude::*;
use rules::{NeedT, Thresholds};

pub use ageing::age_classes;
pub use counts::count;

/// What a committee pass needs from its jurisdiction this month: the
/// quality terms every resident shares and the street's job flows.
#[derive(Clone, Copy)]
struct Street {
    loss_issues: f64,
    loss_fees: f64,
    loss_incidents: f64,
    job_boost: f64,
    job_loss: f64,
}

pub fn month(world: &mut World, p: &Params, lv: &Levers) {
    let streets: Vec<Option<Street>> = (0..world.jurisdictions.len())
        .map(|j| world.jurisdictions[j].active.then(|| street(world, p, j)))
        .collect();
    let mc = ageing::Month::new(world.elapsed_months, &world.death_threshold, p);
    let reference = p.simulation.reference_residents;
    // Committees are independent within the month (own streams, own
    // residents), so they run in parallel; the flows are integer counts,
    // summed in committee order afterwards. Same bytes for any thread count.
    let flows: Vec<PersonFlows> = world
        .committees
        .par_iter_mut()
        .map_init(Box::<events::Scratch>::default, |scratch, com| {
            let mut flows = PersonFlows::default();
            if let Some(st) = streets[com.jurisdiction] {
                let t = thresholds(p, lv, com, st);
                if reference {
                    reference::step_committee(com, &t, &mc, p, &mut flows);
                } else {
                    events::step_committee(com, &t, &mc, p, &mut flows, scratch);
                }
                // The month's shared quality terms, summed over adults (the
                // satisfaction breakdown; needs are tallied in the pass).
                let adults = com.tally.group_adults[0] as f64;
                let fee_c = p.satisfaction.loss_committee_fees * com.informal;
                com.tally.loss_issues = st.loss_issues * adults;
                com.tally.loss_fees = (st.loss_fees + fee_c) * adults;
                com.tally.loss_incidents = st.loss_incidents * adults;
            }
            flows
        })
        .collect();
    for (com, f) in world.committees.iter().zip(&flows) {
        world.jurisdictions[com.jurisdiction].flows.add(f);
    }
}

fn street(world: &World, p: &Params, j: usize) -> Street {
    let scale = world.scale;
    let jur = &world.jurisdictions[j];
    let sampled: u64 = jur
        .committees
        .iter()
        .map(|&c| world.committees[c].persons.len() as u64)
        .sum();
    let pop = sampled as f64 / scale;
    let per_10k = if pop > 0.0 { 1e4 / pop } else { 0.0 };
    let open: u64 = jur.open_issues.iter().sum();
    let sat = &p.satisfaction;
    let unemployed: u64 = jur
        .committees
        .iter()
        .map(|&c| u64::from(world.committees[c].counts.unemployed))
        .sum();
    let employed: u64 = jur
        .committees
        .iter()
        .map(|&c| u64::from(world.committees[c].counts.employed))
        .sum();
    // New firms and service enterprises hire from the local unemployed and,
    // when they close, lay their workers off (full-scale jobs, sampled residents).
    let job_boost = if unemployed > 0 {
        jur.new_jobs * scale / unemployed as f64
    } else {
        0.0
    };
    let job_loss = if employed > 0 {
        jur.lost_jobs * scale / employed as f64
    } else {
        0.0
    };
    Street {
        loss_issues: sat.loss_per_open_issue_per_10k * open as f64 * per_10k,
        loss_fees: sat.loss_informal_fees * jur.informal,
        loss_incidents: sat.loss_per_incident_per_10k * jur.incidents as f64 * per_10k,
        job_boost,
        job_loss,
    }
}

fn thresholds(p: &Params, lv: &Levers, com: &Committee, st: Street) -> Thresholds {
    let s = &p.services;
    let l = &p.labour;
    let plan = &com.plan;
    let info = plan.information;
    let find = rng::monthly(l.job_finding_annual);
    let welfare = plan.served[0] * info;
    let q_base = p.satisfaction.base_quality
        - st.loss_issues
        - st.loss_fees
        - p.satisfaction.loss_committee_fees * com.informal
        - st.loss_incidents;
    Thresholds {
        care: NeedT::new(s.elderly_care_need_monthly, plan.served[1]),
        welfare_applicant: NeedT::new(s.low_income_need_monthly, welfare),
        welfare_enrolled: NeedT::new(s.low_income_need_monthly_enrolled, welfare),
        welfare_entitled: NeedT::new(s.entitled_need_monthly, welfare),
        reemployment: NeedT::new(s.reemployment_need_monthly, plan.served[2]),
        registration: NeedT::new(s.registration_need_monthly, plan.served[2] * info),
        mediation: NeedT::new(s.mediation_need_monthly, plan.served[3]),
        layoff: threshold(rng::monthly(l.layoff_annual) + st.job_loss),
        find: threshold(find + st.job_boost),
        find_helped: threshold(find * l.help_finding_multiplier + st.job_boost),
        stay_out: threshold(l.out_of_labour_force_share),
        start_unemployed: threshold(l.initial_unemployment_rate),
        low_on_layoff: threshold(l.low_income_on_layoff),
        low_exit: threshold(l.low_income_exit_on_reemployment),
        delink: threshold(p.party.delink_on_layoff),
        departure: threshold(rng::monthly(p.migration.departure_annual)),
        link: threshold(lv.link_monthly),
        join: threshold(rng::monthly(p.party.join_annual)),
        work_min: (l.working_age_min_years * 12) as u16,
        retire: (l.retirement_age_years * 12) as u16,
        elderly: (p.demography.elderly_age_years * 12) as u16,
        adult: (p.demography.adult_age_years * 12) as u16,
        q_base: q_base as f32,
        gain: p.satisfaction.gain_need_met as f32,
        loss: p.satisfaction.loss_need_unmet as f32,
    }
}
