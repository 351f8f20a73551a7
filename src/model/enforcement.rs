//! Enforcement, "can see it, can't control it" (spec §4.10, schedule step 6),
//! and security incidents (spec §4.5). Issues of three kinds arrive with
//! population and informal intensity; an open issue is resolved in a month
//! with probability r_max × authority × (1 − ω + ω × coordination) × staff factor.

use crate::model::finance;
use crate::model::jurisdictions::Kind;
use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::rng;
use crate::model::state::{EnforcementTally, World};

pub fn month(world: &mut World, p: &Params, lv: &Levers) -> Vec<EnforcementTally> {
    let e = &p.enforcement;
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
        jur.staff_factor = if staff_hours > 0.0 {
            (1.0 - jur.kept_task_hours / staff_hours).clamp(e.staff_factor_floor, 1.0)
        } else {
            e.staff_factor_floor
        };
        let resolve_p = (e.resolution_max
            * lv.authority
            * (1.0 - e.coordination_weight + e.coordination_weight * lv.coordination)
            * jur.staff_factor)
            .clamp(0.0, 1.0);
        let pressure = 1.0 + e.informal_issue_effect * jur.informal;
        let rates = [
            e.sanitation_per_10k_month,
            e.construction_per_10k_month,
            e.road_trade_per_10k_month,
        ];
        for (open, rate) in jur.open_issues.iter_mut().zip(rates) {
            *open += rng::poisson(&mut jur.rng, rate * pop / 1e4 * pressure);
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
            * (1.0 - sec.coordination_effect * lv.coordination);
        jur.incidents = rng::poisson(&mut jur.rng, incident_rate);
    }
    out
}
