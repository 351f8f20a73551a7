//! Committee cadres (spec §4.11, schedule step 7): morale, quits, retirement,
//! vacancies and recruitment.
//!
//! Annual quit probability a = a0 × (w / w_out)^(−β_w) × (1 + γ_load ×
//! max(0, load − 1)) × (1 + γ_arrears × months of stipends owed, capped), with a0 higher for
//! young graduate recruits.

use crate::model::init;
use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::rng;
use crate::model::state::{CadreTally, Education, World};

pub fn month(world: &mut World, p: &Params, lv: &Levers) -> Vec<CadreTally> {
    let c = &p.cadres;
    let mut out = vec![CadreTally::default(); world.jurisdictions.len()];
    // Graduate recruits get the district's top-up on the stipend.
    let pay_ratio = [lv.stipend, lv.stipend + lv.young_extra_pay].map(|w| w / c.outside_wage_yuan_month);
    let pay_factor = pay_ratio.map(|r| r.powf(-c.pay_elasticity));
    let retire = (c.retirement_age_years * 12) as u16;
    let fill = c.vacancy_fill_monthly;
    let n = world.jurisdictions.len() as f64;
    for (j, tally) in out.iter_mut().enumerate() {
        let jur = &mut world.jurisdictions[j];
        if !jur.active {
            continue;
        }
        // Stipends owed (months of the stipend bill), capped.
        let arrears = jur.arrears_months.min(c.arrears_cap_months);
        // A young graduate joins each street's leadership as the lever phases in.
        if !jur.young_leader && lv.young_leader_level >= (j as f64 + 1.0) / n {
            jur.young_leader = true;
        }
        let committees = jur.committees.clone();
        for ci in committees {
            let com = &mut world.committees[ci];
            let load = com.plan.load;
            let overload = (load - 1.0).max(0.0);
            let target = pay_ratio.map(|r| {
                (c.morale_base + c.morale_pay_weight * (r - 1.0)
                    - c.morale_load_weight * overload
                    - c.morale_arrears_weight * arrears)
                    .clamp(0.0, 1.0)
            });
            let stress = (1.0 + c.overload_quit_gamma * overload) * (1.0 + c.arrears_quit_gamma * arrears);
            for k in 0..com.cadres.len() {
                tally.positions += 1;
                let cadre = &mut com.cadres[k];
                if cadre.filled {
                    cadre.age_months = cadre.age_months.saturating_add(1);
                    cadre.tenure_months = cadre.tenure_months.saturating_add(1);
                    let y = usize::from(cadre.young);
                    cadre.morale += c.morale_smoothing * (target[y] - cadre.morale);
                    let a0 = if cadre.young {
                        c.quit_annual_young
                    } else {
                        c.quit_annual_local
                    };
                    let quit_p = rng::monthly((a0 * pay_factor[y] * stress).min(1.0));
                    if cadre.age_months >= retire {
                        cadre.filled = false;
                        tally.retirements += 1;
                    } else if rng::unit(&mut com.rng) < quit_p {
                        cadre.filled = false;
                        tally.quits += 1;
                    }
                } else if rng::unit(&mut com.rng) < fill {
                    *cadre = init::recruit(&mut com.rng, p, lv.young_recruit_share, lv.local_college_share);
                }
                let cadre = &com.cadres[k];
                tally.filled += u64::from(cadre.filled);
                tally.college += u64::from(cadre.filled && cadre.education == Education::College);
                if cadre.filled {
                    tally.morale += cadre.morale;
                }
            }
        }
    }
    out
}
