//! Births and migrant arrivals: they join after the month's pass and act
//! from the next month.

use super::ageing::Month;
use super::counts::add_many;
use super::rules::Thresholds;
use crate::model::params::Params;
use crate::model::population::{flag, Persons};
use crate::model::rng;
use crate::model::state::{Counts, PersonFlows};
use rand::RngExt as _;

/// Births and migrant arrivals of the month, after the pass: `survivors`
/// residents remain, and the newcomers are added to `persons` and `counts`.
/// Both passes call this with the committee's stream.
#[allow(clippy::too_many_arguments)]
pub fn newcomers<R: rand::Rng>(
    com_fringe: bool,
    persons: &mut Persons,
    counts: &mut Counts,
    survivors: usize,
    mc: &Month,
    p: &Params,
    t: &Thresholds,
    rng: &mut R,
    flows: &mut PersonFlows,
) {
    let n = survivors as f64;
    let births = rng::poisson(rng, p.demography.birth_rate_annual / 12.0 * n);
    let initial = p.satisfaction.initial;
    for _ in 0..births {
        persons.add(0, 0, initial, mc.now, mc.ages);
        add_many(counts, 1, false, false, 0);
    }
    flows.births += births;
    let m = &p.migration;
    let rate = if com_fringe {
        m.arrivals_per_capita_annual_fringe
    } else {
        m.arrivals_per_capita_annual_urban
    };
    let arrivals = rng::poisson(rng, rate / 12.0 * n);
    let age_span = (m.arrival_age_max_years - m.arrival_age_min_years) * 12;
    for _ in 0..arrivals {
        let age = (m.arrival_age_min_years * 12 + rng.random_range(0..=age_span)) as u16;
        let mut f = flag::MIGRANT;
        if age >= t.work_min && age < t.retire {
            f |= if rng::unit(rng) < m.arrival_employed_share {
                flag::EMPLOYED
            } else {
                flag::UNEMPLOYED
            };
        }
        if age >= t.adult && rng::unit(rng) < p.party.arriving_migrant_member_share {
            f |= flag::PARTY;
        }
        persons.add(age, f, initial, mc.now, mc.ages);
        add_many(counts, 1, age >= t.adult, age >= t.elderly, f);
    }
    flows.arrivals += arrivals;
}
