//! The local economy (spec §4.9, schedule step 3): firms enter and exit,
//! community service enterprises start, hire and fail.
//!
//! Firm entries ~ Poisson(pop / 10⁴ × ε × exp(b_inv × inv / 1000 + b_auth ×
//! authority − b_inf × I)) and exits ~ Binomial(firms, h(e1) × (1 + c_exit ×
//! I)). Entry comes from the population of potential entrants, not from the
//! firms already there, so the stock reverts to pop / 10⁴ × ε × exp(…) /
//! (h(e1) × (1 + c_exit × I)). ε, the street's entries per 10,000 residents,
//! is derived at month 0 (`entry_base_per_10k`) so that the data file's
//! firms per 10,000 is that stationary stock under month-0 conditions.
//! New firms hire `firms.jobs_per_new_firm` from the street's unemployed and
//! exiting firms lay as many off, through the same channel as service
//! enterprises (`Jurisdiction::new_jobs` / `lost_jobs`).

use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::rng;
use crate::model::state::World;

/// ε: firm entries per 10,000 residents a month (before the multipliers)
/// that make `firms_per_10k` the expected stationary stock with no
/// investment attraction, the street's base `authority` and informal
/// intensity `informal`: entries = exits ⇔ ε × exp(b_auth × A − b_inf × I) =
/// firms_per_10k × h(e1) × (1 + c_exit × I).
pub fn entry_base_per_10k(p: &Params, firms_per_10k: f64, authority: f64, informal: f64) -> f64 {
    let f = &p.firms;
    firms_per_10k
        * rng::monthly(f.exit_annual)
        * (1.0 + f.exit_informal_effect * informal)
        * (f.entry_informal_effect * informal - f.entry_authority_effect * authority).exp()
}

pub fn month(world: &mut World, p: &Params, lv: &Levers) {
    let fp = &p.firms;
    let sp = &p.reforms.service_industrialisation;
    for j in 0..world.jurisdictions.len() {
        if !world.jurisdictions[j].active {
            continue;
        }
        let pop = world.represented(world.jurisdiction_persons(j));
        let jur = &mut world.jurisdictions[j];
        jur.investment_history.push(jur.investment_per_firm);
        let lag = lv.investment_lag as usize;
        let n = jur.investment_history.len();
        let invest = if n > lag {
            jur.investment_history[n - 1 - lag]
        } else {
            0.0
        };
        let entry_rate = pop / 1e4
            * jur.entry_per_10k
            * (fp.entry_investment_effect * invest / 1000.0 + fp.entry_authority_effect * lv.authority(jur.authority)
                - fp.entry_informal_effect * jur.informal)
                .exp();
        let entries = rng::poisson(&mut jur.rng, entry_rate);
        let exit_p = rng::monthly(fp.exit_annual) * (1.0 + fp.exit_informal_effect * jur.informal);
        let exits = rng::binomial(&mut jur.rng, jur.firms, exit_p);
        jur.firms = jur.firms + entries - exits;

        let starts = rng::poisson(
            &mut jur.rng,
            lv.enterprise_starts_per_10k * lv.policy_implementation_rate * pop / 1e4,
        );
        let fail_p =
            rng::monthly(sp.failure_annual) * (1.0 - sp.policy_survival_effect * lv.policy_implementation_rate);
        let fails = rng::binomial(&mut jur.rng, jur.enterprises, fail_p);
        jur.enterprises = jur.enterprises + starts - fails;
        jur.enterprise_starts_last = starts;
        jur.new_jobs = starts as f64 * sp.jobs_per_enterprise + entries as f64 * fp.jobs_per_new_firm;
        jur.lost_jobs = fails as f64 * sp.jobs_per_enterprise + exits as f64 * fp.jobs_per_new_firm;
    }
}
