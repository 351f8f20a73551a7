//! Enforcement, "can see it, can't control it" (spec §4.10, schedule step 6),
//! and security incidents (spec §4.5). Issues of three kinds arrive with
//! population and informal intensity; an open issue is resolved in a month
//! with probability r_max × authority × (1 − ω + ω × coordination) × staff
//! factor, where authority and coordination are the street's own (its base
//! moved by the levers).

use crate::model::finance;
use crate::model::jurisdictions::Kind;
use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::rng;
use crate::model::state::{EnforcementTally, World};

/// Share of street staff hours left for enforcement after the kept task
/// hours, clamped to [`enforcement.staff_factor_floor`, 1].
pub fn staff_factor(p: &Params, staff_hours: f64, kept_task_hours: f64) -> f64 {
    let floor = p.enforcement.staff_factor_floor;
    if staff_hours > 0.0 {
        (1.0 - kept_task_hours / staff_hours).clamp(floor, 1.0)
    } else {
        floor
    }
}

/// Monthly probability that an open issue is resolved.
pub fn resolve_probability(p: &Params, authority: f64, coordination: f64, staff_factor: f64) -> f64 {
    let e = &p.enforcement;
    (e.resolution_max * authority * (1.0 - e.coordination_weight + e.coordination_weight * coordination) * staff_factor)
        .clamp(0.0, 1.0)
}

/// Expected new issues of each kind in a month (sanitation, illegal
/// construction, road trade) for `pop` residents at informal intensity `informal`.
pub fn issue_means(p: &Params, pop: f64, informal: f64) -> [f64; 3] {
    let e = &p.enforcement;
    let pressure = 1.0 + e.informal_issue_effect * informal;
    [
        e.sanitation_per_10k_month,
        e.construction_per_10k_month,
        e.road_trade_per_10k_month,
    ]
    .map(|rate| rate * pop / 1e4 * pressure)
}

/// Stationary expectation of the open issues at the end of a month, with
/// λ new issues a month each resolved with probability r: open = (open +
/// λ) × (1 − r) has the fixed point λ × (1 − r) / r (0 when r = 0: issues
/// then pile up without a stationary level), rounded.
pub fn stationary_open_issues(means: [f64; 3], resolve_p: f64) -> [u64; 3] {
    means.map(|lambda| {
        if resolve_p > 0.0 {
            (lambda * (1.0 - resolve_p) / resolve_p).round() as u64
        } else {
            0
        }
    })
}

pub fn month(world: &mut World, p: &Params, lv: &Levers) -> Vec<EnforcementTally> {
    let sec = &p.security;
    let mut out = vec![EnforcementTally::default(); world.jurisdictions.len()];
    for (j, tally) in out.iter_mut().enumerate() {
        if !world.jurisdictions[j].active {
            continue;
        }
        let sampled = world.jurisdiction_persons(j);
        let pop = world.represented(sampled);
        let (migrants, registered) = world.jurisdictions[j]
            .committees
            .iter()
            .fold((0u64, 0u64), |(m, r), &c| {
                let k = &world.committees[c].counts;
                (m + u64::from(k.migrants), r + u64::from(k.registered))
            });
        let unregistered_share = if sampled > 0 {
            (migrants - registered) as f64 / sampled as f64
        } else {
            0.0
        };
        let jur = &mut world.jurisdictions[j];
        let leader = if jur.young_leader {
            1.0 + p.reforms.young_cadres.street_leader_staff_boost
        } else {
            1.0
        };
        let staff_hours = finance::staff(p, pop) * p.finance.staff_hours_month * lv.efficiency_multiplier * leader;
        jur.staff_factor = staff_factor(p, staff_hours, jur.kept_task_hours);
        let coordination = lv.coordination(jur.coordination);
        let resolve_p = resolve_probability(p, lv.authority(jur.authority), coordination, jur.staff_factor);
        for (open, mean) in jur.open_issues.iter_mut().zip(issue_means(p, pop, jur.informal)) {
            *open += rng::poisson(&mut jur.rng, mean);
            let resolved = rng::binomial(&mut jur.rng, *open, resolve_p);
            tally.resolvable += *open;
            tally.resolved += resolved;
            *open -= resolved;
        }
        let fringe = if jur.kind == Kind::Fringe {
            lv.fringe_security_multiplier
        } else {
            1.0
        };
        let incident_rate = sec.incidents_per_10k_month * pop / 1e4
            * (1.0 + sec.unregistered_effect * unregistered_share)
            * fringe
            * (1.0 - sec.coordination_effect * coordination);
        jur.incidents = rng::poisson(&mut jur.rng, incident_rate);
    }
    out
}
