//! The local economy (spec §4.9, schedule step 3): firms enter and exit,
//! community service enterprises start, hire and fail.

use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::rng;
use crate::model::state::World;

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
        let firms = jur.firms as f64;
        let entry_rate = fp.entry_monthly
            * (fp.entry_investment_effect * invest / 1000.0 + fp.entry_authority_effect * lv.authority
                - fp.entry_informal_effect * jur.informal)
                .exp();
        let entries = rng::poisson(&mut jur.rng, entry_rate * firms);
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
        jur.new_jobs = starts as f64 * sp.jobs_per_enterprise;
        jur.lost_jobs = fails as f64 * sp.jobs_per_enterprise;
    }
}
