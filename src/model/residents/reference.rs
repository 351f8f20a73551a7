//! The reference resident pass: every resident, every month, every uniform
//! drawn fresh, every count recounted. Written for clarity, not speed; it is
//! the oracle `events` is tested against (`tests/resident_oracle.rs`) and
//! runs when `simulation.reference_residents = true`.

use super::ageing::Month;
use super::counts::{add_outcome, count, drain_groups};
use super::newcomers::newcomers;
use super::rules::{self, Fate, Fresh};
use crate::model::params::Params;
use crate::model::population::{key_of, Pending, BUCKETS, GONE};
use crate::model::rng::Counted;
use crate::model::state::{flag, Committee, PersonFlows, Tally};

use super::rules::Thresholds;

pub fn step_committee(com: &mut Committee, t: &Thresholds, mc: &Month, p: &Params, flows: &mut PersonFlows) {
    let mut rng = Counted::new(&mut com.rng);
    let persons = &mut com.persons;
    let q_shared = f64::from(t.q_base).clamp(0.0, 1.0);
    let filter = persons.filter_month(p.satisfaction.smoothing, q_shared);
    let alpha = filter.alpha as f32;
    let mut tally = Tally::default();
    // By group key (bit 0 elderly, 1 unemployed, 2 migrant, 3 low income).
    let mut adults = [0u64; 16];
    let mut satisfaction = [0f64; 16];
    let mut need = [0u64; 16];
    let mut served = [0u64; 16];
    let mut pending = Vec::new();
    for k in 0..BUCKETS {
        for i in persons.bucket(k) {
            let age = persons.age(i, mc.now);
            let f = persons.res[i].flags;
            let out = rules::step(age, f, t, mc.death, &mut Fresh { rng: &mut rng });
            if out.fate != Fate::Stays {
                if out.fate == Fate::Dies {
                    flows.deaths += 1;
                } else {
                    flows.departures += 1;
                }
                pending.push(Pending {
                    pos: i as u32,
                    from: k as u8,
                    to: GONE,
                });
                continue;
            }
            tally.unregistered_at_start += u64::from(f & (flag::MIGRANT | flag::REGISTERED) == flag::MIGRANT);
            tally.unemployed_at_start += u64::from(f & flag::LABOUR_MASK == flag::UNEMPLOYED);
            add_outcome(&mut tally, &out);

            let s_old = persons.satisfaction(i) as f32;
            let s = s_old + alpha * (out.q - s_old);
            persons.res[i].dev = filter.dev_for(f64::from(s));
            persons.res[i].flags = out.flags;

            let g = usize::from(age >= t.elderly)
                | usize::from(out.flags & flag::LABOUR_MASK == flag::UNEMPLOYED) << 1
                | usize::from(out.flags & flag::MIGRANT != 0) << 2
                | usize::from(out.flags & flag::LOW_INCOME != 0) << 3;
            need[g] += u64::from(out.met + out.unmet);
            served[g] += u64::from(out.met);
            if age >= t.adult {
                adults[g] += 1;
                satisfaction[g] += f64::from(s);
                tally.adult_met += u64::from(out.met);
                tally.adult_unmet += u64::from(out.unmet);
                tally.quality += f64::from(out.q);
            }
            let to = key_of(out.flags, age, mc.ages);
            if to != k {
                pending.push(Pending {
                    pos: i as u32,
                    from: k as u8,
                    to: to as u8,
                });
            }
        }
    }
    persons.set_filter(&filter);
    let mut movers = Vec::new();
    persons.relocate(&mut pending, &mut movers);
    persons.recompute_sums();
    drain_groups(&mut tally, &adults, &satisfaction, &need, &served);

    let survivors = persons.len();
    let mut counts = com.counts;
    newcomers(com.fringe, persons, &mut counts, survivors, mc, p, t, &mut rng, flows);
    // Recounted from every resident, not kept: the event pass keeps its
    // counts incrementally and is checked against this.
    com.counts = count(persons, mc.now, mc.ages);
    tally.draws = rng.draws;
    com.tally = tally;
}
