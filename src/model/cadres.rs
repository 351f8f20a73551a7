//! Committee cadres (spec §4.11, schedule step 7): morale, quits, retirement,
//! vacancies and recruitment, and the stationary state of a post that month
//! 0 is drawn from.
//!
//! Pay ratio r = (stipend + v × insurance) / outside wage. Annual quit
//! probability a = a0 × r^(−β_w) × (1 + γ_load × max(0, load − 1)) × (1 +
//! γ_arrears × months of stipends owed, capped) × (m_early in the first early_tenure_months in
//! post), with a0 higher for young graduate recruits.

use crate::model::params::{Cadres, Params};
use crate::model::reforms::Levers;
use crate::model::rng::{self, Rng};
use crate::model::state::{Cadre, CadreTally, Education, World};
use rand::RngExt as _;

/// Pay ratio: (stipend + v × insurance) / outside wage, v =
/// `cadres.insurance_value_share`.
pub fn pay_ratio(c: &Cadres, stipend: f64, insurance: f64) -> f64 {
    (stipend + c.insurance_value_share * insurance) / c.outside_wage_yuan_month
}

/// Morale target for pay ratio `ratio`, `overload` = max(0, load − 1) and
/// `arrears` months of stipends owed (already capped).
pub fn morale_target(c: &Cadres, ratio: f64, overload: f64, arrears: f64) -> f64 {
    (c.morale_base + c.morale_pay_weight * (ratio - 1.0)
        - c.morale_load_weight * overload
        - c.morale_arrears_weight * arrears)
        .clamp(0.0, 1.0)
}

/// Stress multiplier of the quit hazard: (1 + γ_load × overload) × (1 +
/// γ_arrears × arrears), `arrears` in months of stipends owed (capped).
pub fn stress(c: &Cadres, overload: f64, arrears: f64) -> f64 {
    (1.0 + c.overload_quit_gamma * overload) * (1.0 + c.arrears_quit_gamma * arrears)
}

/// Monthly quit probability of a cadre of channel `young` in the month its
/// tenure reaches `tenure` months: h(min(1, a0 × pay factor × stress ×
/// m_early)), m_early = `cadres.early_tenure_quit_multiplier` while tenure ≤
/// `cadres.early_tenure_months`.
pub fn quit_monthly(c: &Cadres, young: bool, tenure: u32, pay_factor: f64, stress: f64) -> f64 {
    let a0 = if young {
        c.quit_annual_young
    } else {
        c.quit_annual_local
    };
    let early = if tenure <= c.early_tenure_months {
        c.early_tenure_quit_multiplier
    } else {
        1.0
    };
    rng::monthly((a0 * pay_factor * stress * early).min(1.0))
}

fn education(rng: &mut Rng, c: &Cadres, young: bool, local_college: f64) -> Education {
    let u = rng::unit(rng);
    if young {
        if u < c.young_college_share {
            Education::College
        } else {
            Education::Secondary
        }
    } else if u < local_college {
        Education::College
    } else if u < local_college + c.local_secondary_share {
        Education::Secondary
    } else {
        Education::Low
    }
}

/// Recruit ages in months, [lo × 12, hi × 12], of a channel.
fn recruit_ages(c: &Cadres, young: bool) -> (u32, u32) {
    let (lo, hi) = if young {
        (c.young_age_min_years, c.young_age_max_years)
    } else {
        (c.local_age_min_years, c.local_age_max_years)
    };
    (lo * 12, hi * 12)
}

/// Draws a new cadre from the recruitment channels.
pub fn recruit(rng: &mut Rng, p: &Params, young_share: f64, local_college: f64) -> Cadre {
    let c = &p.cadres;
    let young = rng::unit(rng) < young_share;
    let (lo, hi) = recruit_ages(c, young);
    let age_months = (lo + rng.random_range(0..=hi - lo)) as u16;
    let education = education(rng, c, young, local_college);
    Cadre {
        filled: true,
        age_months,
        education,
        young,
        tenure_months: 0,
        morale: c.morale_initial,
    }
}

/// One recruitment channel in the stationary distribution of a post.
#[derive(Debug, Clone)]
struct Channel {
    young: bool,
    /// First recruit age (months); recruit ages are first, first + 1, …
    first_age: u32,
    /// Monthly quit hazards in and after the first `early` months in post.
    h_early: f64,
    h_late: f64,
    /// Cumulative sums over recruit ages of L(age), the expected months
    /// (month ends) in post of a spell that starts at that age.
    cum: Vec<f64>,
    /// Recruit share × mean L: the channel's weight among post states.
    weight: f64,
}

/// Σ_{i<n} q^i.
fn geometric(q: f64, n: u32) -> f64 {
    if q == 1.0 {
        f64::from(n)
    } else {
        (1.0 - q.powi(n as i32)) / (1.0 - q)
    }
}

/// The stationary distribution of one cadre post under the recruitment,
/// quit and retirement rules with constant conditions (the pay factors of
/// the two channels and a stress multiplier). A post cycles through a
/// vacancy (1 / f month ends on average, f = `cadres.vacancy_fill_monthly`)
/// and a spell in post. A spell starts at a recruit age a0 (uniform in
/// months over the channel's range), survives month k in post with
/// probability 1 − h_k (h_k = the early-tenure hazard for k ≤
/// early_tenure_months, else the later one) and ends at the latest when the
/// holder reaches the retirement age R: S(s) = Π_{k ≤ s} (1 − h_k) for s ≤
/// R − a0 − 1, else 0. By renewal theory a post is vacant with probability
/// (1 / f) / (E[L] + 1 / f), L = Σ_s S(s), and filled by a holder of channel
/// y, recruit age a0 and time in post s with probability ∝ π_y × S(s | y,
/// a0): time in post follows the backward-recurrence distribution,
/// truncated at retirement.
#[derive(Debug, Clone)]
pub struct PostDistribution {
    vacant: f64,
    channels: [Channel; 2],
    retire: u32,
    early: u32,
}

impl PostDistribution {
    pub fn new(c: &Cadres, young_share: f64, pay_factor: [f64; 2], stress: f64) -> Self {
        let retire = c.retirement_age_years * 12;
        let early = c.early_tenure_months;
        let channel = |young: bool, share: f64| {
            let y = usize::from(young);
            let h_early = quit_monthly(c, young, 1, pay_factor[y], stress);
            let h_late = quit_monthly(c, young, early + 1, pay_factor[y], stress);
            let (x, z) = (1.0 - h_early, 1.0 - h_late);
            let (lo, hi) = recruit_ages(c, young);
            let mut cum = Vec::with_capacity((hi - lo + 1) as usize);
            let mut total = 0.0;
            for a0 in lo..=hi {
                // Last month end in post: s ≤ R − a0 − 1 (at least the recruit month).
                let last = retire.saturating_sub(a0 + 1);
                let l = if last <= early {
                    geometric(x, last + 1)
                } else {
                    geometric(x, early + 1) + x.powi(early as i32) * z * geometric(z, last - early)
                };
                total += l;
                cum.push(total);
            }
            let mean = total / cum.len() as f64;
            Channel {
                young,
                first_age: lo,
                h_early,
                h_late,
                cum,
                weight: share * mean,
            }
        };
        let channels = [channel(false, 1.0 - young_share), channel(true, young_share)];
        let filled: f64 = channels.iter().map(|ch| ch.weight).sum();
        let fill = c.vacancy_fill_monthly;
        let vacant = if fill > 0.0 && filled > 0.0 {
            (1.0 / fill) / (filled + 1.0 / fill)
        } else if fill > 0.0 {
            0.0
        } else {
            1.0
        };
        PostDistribution {
            vacant,
            channels,
            retire,
            early,
        }
    }

    /// Probability that the post is vacant.
    pub fn vacant_share(&self) -> f64 {
        self.vacant
    }

    /// Draws a post: vacant, or a holder with channel, age, tenure and
    /// education (recruits' education shares, `local_college` for locals).
    /// Morale is `cadres.morale_initial`; month 0 sets it afterwards.
    pub fn draw(&self, rng: &mut Rng, c: &Cadres, local_college: f64) -> Cadre {
        let vacant = rng::unit(rng) < self.vacant;
        let u = rng::unit(rng) * (self.channels[0].weight + self.channels[1].weight);
        let ch = if u < self.channels[0].weight || self.channels[1].weight == 0.0 {
            &self.channels[0]
        } else {
            &self.channels[1]
        };
        let total = ch.cum.last().copied().unwrap_or(0.0);
        let t = rng::unit(rng) * total;
        let i = ch.cum.partition_point(|&x| x <= t).min(ch.cum.len() - 1);
        let a0 = ch.first_age + i as u32;
        // Time in post: s with probability S(s) / L(a0).
        let l = ch.cum[i] - if i > 0 { ch.cum[i - 1] } else { 0.0 };
        let last = self.retire.saturating_sub(a0 + 1);
        let target = rng::unit(rng) * l;
        let (mut s, mut surv, mut acc) = (0u32, 1.0, 1.0);
        while acc <= target && s < last {
            s += 1;
            surv *= 1.0 - if s <= self.early { ch.h_early } else { ch.h_late };
            acc += surv;
        }
        let education = education(rng, c, ch.young, local_college);
        Cadre {
            filled: !vacant,
            age_months: (a0 + s).min(u32::from(u16::MAX)) as u16,
            education,
            young: ch.young,
            tenure_months: s.min(u32::from(u16::MAX)) as u16,
            morale: c.morale_initial,
        }
    }
}

/// Vacant share of a street's posts.
fn vacancy_rate(world: &World, j: usize) -> f64 {
    let (mut posts, mut vacant) = (0usize, 0usize);
    for &ci in &world.jurisdictions[j].committees {
        let cadres = &world.committees[ci].cadres;
        posts += cadres.len();
        vacant += cadres.iter().filter(|k| !k.filled).count();
    }
    if posts > 0 {
        vacant as f64 / posts as f64
    } else {
        0.0
    }
}

/// Under `young_cadres`, a young graduate joins a street's leadership as
/// the lever phases in: once the level reaches i / n (n = all streets),
/// i streets have one. They go to the active streets without one that have
/// the highest vacancy rate at the start of the month (ties: data-file row).
fn assign_young_leaders(world: &mut World, level: f64) {
    let n = world.jurisdictions.len();
    let due = (0..n).filter(|&i| level >= (i as f64 + 1.0) / n as f64).count();
    let have = world.jurisdictions.iter().filter(|j| j.young_leader).count();
    if have >= due {
        return;
    }
    let mut candidates: Vec<(f64, usize)> = (0..n)
        .filter(|&j| world.jurisdictions[j].active && !world.jurisdictions[j].young_leader)
        .map(|j| (vacancy_rate(world, j), j))
        .collect();
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, j) in candidates.into_iter().take(due - have) {
        world.jurisdictions[j].young_leader = true;
    }
}

pub fn month(world: &mut World, p: &Params, lv: &Levers) -> Vec<CadreTally> {
    let c = &p.cadres;
    let mut out = vec![CadreTally::default(); world.jurisdictions.len()];
    // Graduate recruits get the district's top-up on the stipend.
    let ratio = [lv.stipend, lv.stipend + lv.young_extra_pay].map(|w| pay_ratio(c, w, lv.insurance));
    let pay_factor = ratio.map(|r| r.powf(-c.pay_elasticity));
    let retire = (c.retirement_age_years * 12) as u16;
    let fill = c.vacancy_fill_monthly;
    assign_young_leaders(world, lv.young_leader_level);
    for (j, tally) in out.iter_mut().enumerate() {
        let jur = &world.jurisdictions[j];
        if !jur.active {
            continue;
        }
        // Stipends owed (months of the stipend bill), capped.
        let arrears = jur.arrears_months.min(c.arrears_cap_months);
        let committees = jur.committees.clone();
        for ci in committees {
            let com = &mut world.committees[ci];
            let overload = (com.plan.load - 1.0).max(0.0);
            let target = ratio.map(|r| morale_target(c, r, overload, arrears));
            let stress = stress(c, overload, arrears);
            for k in 0..com.cadres.len() {
                tally.positions += 1;
                let cadre = &mut com.cadres[k];
                if cadre.filled {
                    cadre.age_months = cadre.age_months.saturating_add(1);
                    cadre.tenure_months = cadre.tenure_months.saturating_add(1);
                    let y = usize::from(cadre.young);
                    cadre.morale += c.morale_smoothing * (target[y] - cadre.morale);
                    let quit_p = quit_monthly(c, cadre.young, u32::from(cadre.tenure_months), pay_factor[y], stress);
                    if cadre.age_months >= retire {
                        cadre.filled = false;
                        tally.retirements += 1;
                    } else if rng::unit(&mut com.rng) < quit_p {
                        cadre.filled = false;
                        tally.quits += 1;
                    }
                } else if rng::unit(&mut com.rng) < fill {
                    *cadre = recruit(&mut com.rng, p, lv.young_recruit_share, lv.local_college_share);
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
