//! Residents (schedule step 5): in one pass over a committee's residents,
//! needs arise and are served or not, and residents age, die, lose and find
//! work, leave, get registered, enrol for the minimum-income benefit, are
//! linked to a party organisation and update their satisfaction. Births and
//! migrant arrivals join at the end of the pass.
//!
//! The per-resident loop allocates nothing: all probabilities are turned into
//! u32 thresholds beforehand and every draw is one half of a u64.

use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::rng::{self, threshold, two_u32};
use crate::model::state::{
    flag, Committee, Counts, PersonFlows, Persons, Tally, World, CARE, MEDIATION, REEMPLOYMENT, REGISTRATION, WELFARE,
};
use rand::{Rng as _, RngExt as _};
use rayon::prelude::*;

/// Number of set bits of a 5-bit need mask (no popcnt on baseline x86-64).
const BITS5: [u8; 32] = {
    let mut t = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        t[i] = (i as u32).count_ones() as u8;
        i += 1;
    }
    t
};

/// A pair of thresholds: `u < served` → need served; `u < need` → need unmet.
#[derive(Clone, Copy)]
struct NeedT {
    served: u32,
    need: u32,
}

impl NeedT {
    /// Needs are drawn with 16-bit uniforms (resolution 2^-16 ≈ 1.5e-5):
    /// need probabilities are large enough that this costs no accuracy that
    /// matters, and it saves a draw per resident.
    fn new(p_need: f64, p_served: f64) -> Self {
        let t16 = |p: f64| (p.clamp(0.0, 1.0) * 65_536.0) as u32;
        NeedT {
            served: t16(p_need * p_served),
            need: t16(p_need),
        }
    }
}

/// Everything the loop needs, precomputed per committee and month.
struct Thresholds {
    care: NeedT,
    /// Welfare needs: low-income residents not yet receiving the benefit,
    /// those receiving it, and entitled residents who are not low-income.
    welfare_applicant: NeedT,
    welfare_enrolled: NeedT,
    welfare_entitled: NeedT,
    reemployment: NeedT,
    registration: NeedT,
    mediation: NeedT,
    layoff: u32,
    find: u32,
    find_helped: u32,
    stay_out: u32,
    start_unemployed: u32,
    low_on_layoff: u32,
    low_exit: u32,
    delink: u32,
    departure: u32,
    link: u32,
    join: u32,
    work_min: u16,
    retire: u16,
    elderly: u16,
    adult: u16,
    q_base: f32,
    gain: f32,
    loss: f32,
    alpha: f32,
}

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
    // Committees are independent within the month (own streams, own
    // residents), so they run in parallel; the flows are integer counts,
    // summed in committee order afterwards. Same bytes for any thread count.
    let death = &world.death_threshold;
    let flows: Vec<PersonFlows> = world
        .committees
        .par_iter_mut()
        .map_init(Box::<Scratch>::default, |scratch, com| {
            let mut flows = PersonFlows::default();
            if let Some(st) = streets[com.jurisdiction] {
                let t = thresholds(p, lv, com, st);
                step_committee(com, &t, death, p, &mut flows, scratch);
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
        start_unemployed: (l.initial_unemployment_rate * 65_536.0) as u32,
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
        alpha: p.satisfaction.smoothing as f32,
    }
}

/// Serves one need: returns (arose, served).
#[inline(always)]
fn need(u: u32, t: NeedT) -> (u32, u32) {
    (u32::from(u < t.need), u32::from(u < t.served))
}

/// Bits of the key under which residents are counted (the counted flags).
const KEY_BITS: usize = 9;

/// Per-committee scratch histograms, reused across committees so the
/// resident loop only increments counters.
pub struct Scratch {
    /// Residents by (age class << KEY_BITS | counted flags); age class 0
    /// child, 1 adult, 2 elderly.
    n: [u32; 3 << KEY_BITS],
    /// By group key (elderly, unemployed, migrant, low income bits): adults
    /// and their satisfaction; every member's needs arising and served.
    group_adults: [u32; 16],
    group_satisfaction: [f64; 16],
    group_need: [u32; 16],
    group_served: [u32; 16],
    /// Residents by the bit set of needs that arose / were served.
    arose: [u32; 32],
    served: [u32; 32],
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            n: [0; 3 << KEY_BITS],
            group_adults: [0; 16],
            group_satisfaction: [0.0; 16],
            group_need: [0; 16],
            group_served: [0; 16],
            arose: [0; 32],
            served: [0; 32],
        }
    }
}

impl Scratch {
    fn clear(&mut self) {
        self.n.fill(0);
        self.group_adults.fill(0);
        self.group_satisfaction.fill(0.0);
        self.group_need.fill(0);
        self.group_served.fill(0);
        self.arose.fill(0);
        self.served.fill(0);
    }

    /// Turns the histograms into resident counts and group tallies.
    fn drain(&self, counts: &mut Counts, tally: &mut Tally) {
        for (key, &n) in self.n.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let f = (key & ((1 << KEY_BITS) - 1)) as u16;
            let class = key >> KEY_BITS;
            add_many(counts, n, class >= 1, class == 2, f);
        }
        for mask in 0..32 {
            for k in 0..5 {
                if mask & (1 << k) != 0 {
                    tally.need[k] += u64::from(self.arose[mask]);
                    tally.served[k] += u64::from(self.served[mask]);
                }
            }
        }
        for key in 0..16 {
            // Key bits: 1 elderly, 2 unemployed, 4 migrant, 8 low income.
            let member = [true, key & 1 != 0, key & 2 != 0, key & 4 != 0, key & 8 != 0];
            for (g, &m) in member.iter().enumerate() {
                if m {
                    tally.group_adults[g] += u64::from(self.group_adults[key]);
                    tally.group_satisfaction[g] += self.group_satisfaction[key];
                    tally.group_need[g] += u64::from(self.group_need[key]);
                    tally.group_served[g] += u64::from(self.group_served[key]);
                }
            }
        }
    }
}

fn step_committee(
    com: &mut Committee,
    t: &Thresholds,
    death: &[u32],
    p: &Params,
    flows: &mut PersonFlows,
    scratch: &mut Scratch,
) {
    let mut counted = rng::Counted::new(&mut com.rng);
    let rng = &mut counted;
    // rng_b is drawn exactly once per resident the loop visits.
    let rng_b = &mut com.rng_residents;
    let mut visited = 0u64;
    let persons = &mut com.persons;
    let mut tally = Tally::default();
    scratch.clear();
    let max_age = death.len() - 1;
    let mut quality = 0.0f64;
    let mut i = 0;
    while i < persons.len() {
        visited += 1;
        let age = persons.age_months[i].saturating_add(1);
        persons.age_months[i] = age;
        let mut f = persons.flags[i];
        // A fixed number of draws per resident keeps the loop free of
        // unpredictable branches; rare events branch (and draw) on their own.
        // Two generators alternate so their latencies overlap.
        let (u_death, u_lab) = two_u32(rng);
        let (u_dep, u_ab) = two_u32(rng_b);
        let (u_cd, u_ef) = two_u32(rng);
        let (u_care, u_welf) = (u_ab & 0xffff, u_ab >> 16);
        let (u_reg, u_med) = (u_cd & 0xffff, u_cd >> 16);
        let (u_help, u_entry) = (u_ef & 0xffff, u_ef >> 16);
        let migrant = f & flag::MIGRANT != 0;
        if u_death < death[usize::from(age / 12).min(max_age)] {
            flows.deaths += 1;
            persons.swap_remove(i);
            continue;
        }
        if migrant & (u_dep < t.departure) {
            flows.departures += 1;
            persons.swap_remove(i);
            continue;
        }
        let elderly = age >= t.elderly;
        let labour = f & flag::LABOUR_MASK;
        let unemployed = labour == flag::UNEMPLOYED;
        let wants_registration = u32::from(f & (flag::MIGRANT | flag::REGISTERED) == flag::MIGRANT);
        let low_income = f & flag::LOW_INCOME != 0;
        let entitled_only = !low_income & (f & flag::ENTITLED != 0);
        // Statutory welfare: minimum-income applications and re-certification,
        // and the entitled groups' services.
        let welfare_t = if f & flag::BENEFIT != 0 {
            t.welfare_enrolled
        } else if low_income {
            t.welfare_applicant
        } else {
            t.welfare_entitled
        };
        let welfare_eligible = u32::from(low_income | entitled_only);
        let (a_reg, s_reg) = need(u_reg, t.registration);
        let (a_med, s_med) = need(u_med, t.mediation);
        let (a_care, s_care) = need(u_care, t.care);
        let (a_welf, s_welf) = need(u_welf, welfare_t);
        let (a_re, s_re) = need(u_help, t.reemployment);
        // Bit k of `arose` / `served`: need kind k (CARE … MEDIATION).
        let unemp = u32::from(unemployed);
        let old = u32::from(elderly);
        let arose = (a_care & old) << CARE
            | (a_welf & welfare_eligible) << WELFARE
            | (a_re & unemp) << REEMPLOYMENT
            | (a_reg & wants_registration) << REGISTRATION
            | a_med << MEDIATION;
        let served = (s_care & old) << CARE
            | (s_welf & welfare_eligible) << WELFARE
            | (s_re & unemp) << REEMPLOYMENT
            | (s_reg & wants_registration) << REGISTRATION
            | s_med << MEDIATION;
        scratch.arose[arose as usize] += 1;
        scratch.served[served as usize] += 1;
        tally.unregistered_at_start += u64::from(wants_registration);
        let registered_now = (served >> REGISTRATION) & 1;
        tally.registered_new += u64::from(registered_now);
        f |= flag::REGISTERED * registered_now as u16;
        // A served minimum-income need enrols the resident for the benefit.
        let welfare_served = (served >> WELFARE) & 1 != 0;
        if low_income & welfare_served {
            f |= flag::BENEFIT;
        }
        tally.entitled_unmet += u64::from(entitled_only & ((arose >> WELFARE) & 1 != 0) & !welfare_served);

        tally.unemployed_at_start += u64::from(unemployed);
        let find = if served & (1 << REEMPLOYMENT) != 0 {
            t.find_helped
        } else {
            t.find
        };
        if unemployed & (u_lab < find) {
            tally.reemployed += 1;
            f = (f & !flag::LABOUR_MASK) | flag::EMPLOYED;
            if f & flag::LOW_INCOME != 0 && (rng.next_u64() as u32) < t.low_exit {
                f &= !(flag::LOW_INCOME | flag::BENEFIT);
            }
        } else if (labour == flag::EMPLOYED) & (u_lab < t.layoff) {
            tally.laid_off += 1;
            f = (f & !flag::LABOUR_MASK) | flag::UNEMPLOYED;
            let (u_low, u_del) = two_u32(rng);
            f |= flag::LOW_INCOME * u16::from(u_low < t.low_on_layoff);
            if u_del < t.delink {
                f &= !flag::MANAGED;
            }
        }
        if (age == t.work_min) & (labour == flag::OUT_OF_LABOUR_FORCE) {
            // Entering working age: join the labour force or stay out.
            if u_lab >= t.stay_out {
                let status = if u_entry < t.start_unemployed {
                    flag::UNEMPLOYED
                } else {
                    flag::EMPLOYED
                };
                f = (f & !flag::LABOUR_MASK) | status;
            }
        } else if (age >= t.retire) & (f & flag::LABOUR_MASK != flag::OUT_OF_LABOUR_FORCE) {
            // Retirement leaves the work unit; its party ties may go too.
            f &= !flag::LABOUR_MASK;
            if f & flag::MANAGED != 0 && (rng.next_u64() as u32) < t.delink {
                f &= !flag::MANAGED;
            }
        }
        if f & (flag::PARTY | flag::MANAGED) == flag::PARTY && (rng.next_u64() as u32) < t.link {
            f |= flag::MANAGED;
        }
        // u_dep is unused for non-migrants: it decides joining the party.
        if !migrant & (f & flag::PARTY == 0) & (u_dep < t.join) & (age >= t.adult) & (age < t.retire) {
            let at_work = u16::from(f & flag::LABOUR_MASK == flag::EMPLOYED);
            f |= flag::PARTY | (flag::MANAGED * at_work);
        }
        persons.flags[i] = f;

        let met = u32::from(BITS5[served as usize]);
        let unmet = u32::from(BITS5[arose as usize]) - met;
        let q = (t.q_base + t.gain * met as f32 - t.loss * unmet as f32).clamp(0.0, 1.0);
        let s = persons.satisfaction[i];
        let s = s + t.alpha * (q - s);
        persons.satisfaction[i] = s;

        let adult = age >= t.adult;
        let class = usize::from(adult) + usize::from(elderly);
        scratch.n[(class << KEY_BITS) | usize::from(f & flag::COUNTED)] += 1;
        let key = usize::from(elderly)
            | usize::from(f & flag::LABOUR_MASK == flag::UNEMPLOYED) << 1
            | usize::from(migrant) << 2
            | usize::from(f & flag::LOW_INCOME != 0) << 3;
        scratch.group_need[key] += met + unmet;
        scratch.group_served[key] += met;
        if adult {
            scratch.group_adults[key] += 1;
            scratch.group_satisfaction[key] += f64::from(s);
            tally.adult_met += u64::from(met);
            tally.adult_unmet += u64::from(unmet);
            quality += f64::from(q);
        }
        i += 1;
    }
    let mut counts = Counts::default();
    scratch.drain(&mut counts, &mut tally);
    tally.quality = quality;

    // Births and migrant arrivals join after the pass (they act from next month).
    let n = persons.len() as f64;
    let births = rng::poisson(rng, p.demography.birth_rate_annual / 12.0 * n);
    let initial = p.satisfaction.initial as f32;
    for _ in 0..births {
        persons.push(0, 0, initial);
        add_count(&mut counts, 0, 0, t);
    }
    flows.births += births;
    let m = &p.migration;
    let rate = if com.fringe {
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
        persons.push(age, f, initial);
        add_count(&mut counts, age, f, t);
    }
    flows.arrivals += arrivals;
    tally.draws = counted.draws + visited;
    com.counts = counts;
    com.tally = tally;
}

fn add_count(c: &mut Counts, age: u16, f: u16, t: &Thresholds) {
    add_many(c, 1, age >= t.adult, age >= t.elderly, f);
}

/// Adds `n` residents with flags `f` to the counts.
fn add_many(c: &mut Counts, n: u32, adult: bool, old: bool, f: u16) {
    let has = |mask: u16, value: u16| if f & mask == value { n } else { 0 };
    c.persons += n;
    c.adults += if adult { n } else { 0 };
    c.elderly += if old { n } else { 0 };
    c.employed += has(flag::LABOUR_MASK, flag::EMPLOYED);
    c.unemployed += has(flag::LABOUR_MASK, flag::UNEMPLOYED);
    c.migrants += has(flag::MIGRANT, flag::MIGRANT);
    c.registered += has(flag::MIGRANT | flag::REGISTERED, flag::MIGRANT | flag::REGISTERED);
    c.low_income += has(flag::LOW_INCOME, flag::LOW_INCOME);
    c.benefit += has(flag::LOW_INCOME | flag::BENEFIT, flag::LOW_INCOME | flag::BENEFIT);
    c.entitled_only += has(flag::LOW_INCOME | flag::ENTITLED, flag::ENTITLED);
    c.party += has(flag::PARTY, flag::PARTY);
    c.managed += has(flag::PARTY | flag::MANAGED, flag::PARTY | flag::MANAGED);
}

/// Counts residents by group (month 0).
pub fn count(persons: &Persons, p: &Params) -> Counts {
    let adult = (p.demography.adult_age_years * 12) as u16;
    let elderly = (p.demography.elderly_age_years * 12) as u16;
    let mut c = Counts::default();
    for (&age, &f) in persons.age_months.iter().zip(&persons.flags) {
        add_many(&mut c, 1, age >= adult, age >= elderly, f);
    }
    c
}
