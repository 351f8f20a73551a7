//! The event-driven resident pass: work only for the residents something
//! happens to this month.
//!
//! 1. **Place events.** Residents are stored in buckets by the state that
//!    sets their event rates (`population::key`). In each bucket every event
//!    kind has one threshold `tmax` (the highest any member can have), and
//!    the members whose uniform falls below it are found by geometric gaps
//!    (a kind's gap runs on across buckets with the same threshold), or, for
//!    rates above `DIRECT`, one 32-bit draw per member. Residents whose age
//!    crosses a threshold this month (working age, adulthood, old age,
//!    retirement, the oldest age) are found by a compare over the birth
//!    months and visited too.
//! 2. **Visit.** Each marked resident runs `rules::step` with `Placed`
//!    draws: a placed uniform is drawn from [0, tmax), an unplaced one from
//!    [tmax, 2^32) only if a threshold above tmax asks for it, so the month
//!    is exactly the reference's in distribution.
//! 3. **Keep.** Counts, need tallies and satisfaction sums change only by
//!    what visited residents did; everyone else's satisfaction moves with
//!    the committee's filter (`population::Filter`). Residents whose bucket
//!    changed, who died or left, move once all visits are done.
//!
//! The pass allocates nothing once its scratch has grown to the largest
//! committee of the thread.

use super::ageing::Month;
use super::counts::{add_many, add_outcome, drain_groups, remove_one};
use super::newcomers::newcomers;
use super::rules::{self, Fate, Kind, Placed, Thresholds, ALL_KINDS, KINDS};
use crate::model::params::Params;
use crate::model::population::{group_key, key, key_of, sum_index, Pending, Persons, Resident, BUCKETS, GONE};
use crate::model::rng::Counted;
use crate::model::state::{flag, Committee, PersonFlows, Tally};

/// Above this probability (of 2^32) a kind is placed by one 32-bit draw per
/// member: cheaper than a logarithm per event once events are this common.
const DIRECT: u32 = 644_245_094; // 0.15

/// Mark bit of a resident whose age crosses a threshold this month.
const CROSSING: u16 = 1 << 15;

/// Per-thread scratch, reused across committees.
#[derive(Default)]
pub struct Scratch {
    marks: Marks,
    /// Bucket k's marked positions are `marks.list[seg[k]..seg[k + 1]]`.
    seg: Vec<u32>,
    pending: Vec<Pending>,
    movers: Vec<(usize, Resident)>,
}

/// The residents marked for a visit, without a branch per mark.
#[derive(Default)]
struct Marks {
    /// Per position: bits of the kinds placed on the resident (and
    /// `CROSSING`). All zero between committees.
    mask: Vec<u16>,
    /// Marked positions in the order first marked; `list[..len]` is valid.
    list: Vec<u32>,
    len: usize,
}

impl Marks {
    /// Ready for a committee of `n` residents.
    fn start(&mut self, n: usize) {
        if self.mask.len() < n {
            self.mask.resize(n, 0);
        }
        // Room for every position once, and the write past the last one.
        if self.list.len() < n + 1 {
            self.list.resize(n + 1, 0);
        }
        self.len = 0;
    }

    /// Sets `bit` on position `i` when `yes`.
    #[inline(always)]
    fn mark_if(&mut self, i: usize, bit: u16, yes: bool) {
        let m = self.mask[i];
        let b = if yes { bit } else { 0 };
        self.mask[i] = m | b;
        self.list[self.len] = i as u32;
        self.len += usize::from((m == 0) & yes);
    }
}

/// The threshold of each kind in bucket `k`: the highest any member that
/// does not cross an age threshold this month can meet.
fn tmax(k: usize, t: &Thresholds, mc: &Month) -> [u32; KINDS] {
    let mut x = [0u32; KINDS];
    let class = if k & key::E != 0 {
        2
    } else if k & key::A != 0 {
        1
    } else {
        0
    };
    x[Kind::Death as usize] = mc.death_max[class];
    x[Kind::Mediation as usize] = t.mediation.need;
    if k & key::M != 0 {
        x[Kind::Departure as usize] = t.departure;
        x[Kind::Registration as usize] = t.registration.need;
    }
    if k & key::E != 0 {
        x[Kind::Care as usize] = t.care.need;
    }
    if k & key::L != 0 {
        x[Kind::Welfare as usize] = t.welfare_applicant.need.max(t.welfare_enrolled.need);
    } else if k & key::N != 0 {
        x[Kind::Welfare as usize] = t.welfare_entitled.need;
    }
    if k & key::U != 0 {
        x[Kind::Reemployment as usize] = t.reemployment.need;
        x[Kind::Find as usize] = t.find.max(t.find_helped);
    } else {
        x[Kind::Layoff as usize] = t.layoff;
    }
    if k & key::A != 0 && k & (key::M | key::D) == 0 {
        x[Kind::Join as usize] = t.join;
    }
    if k & key::D != 0 {
        x[Kind::Link as usize] = t.link;
    }
    x
}

/// A kind's geometric sequence, carried from bucket to bucket while the
/// threshold stays the same (gaps are memoryless).
#[derive(Clone, Copy)]
struct Gap {
    tmax: u32,
    /// 1 / ln(1 − p).
    inv_log: f64,
    /// Members still to skip before the next event.
    left: u64,
}

impl Gap {
    const NONE: Gap = Gap {
        tmax: 0,
        inv_log: 0.0,
        left: 0,
    };
}

/// Members skipped before the next event: ⌊ln U / ln(1 − p)⌋, U in (0, 1].
#[inline]
fn geometric<R: rand::Rng>(rng: &mut R, inv_log: f64) -> u64 {
    let u = ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / 9_007_199_254_740_992.0);
    (u.ln() * inv_log) as u64
}

/// Marks the residents of `range` whose uniform of kind `kind` falls below `tm`.
fn place<R: rand::Rng>(
    range: std::ops::Range<usize>,
    tm: u32,
    bit: u16,
    gap: &mut Gap,
    rng: &mut R,
    marks: &mut Marks,
) {
    if tm >= DIRECT {
        let mut i = range.start;
        while i + 1 < range.end {
            let x = rng.next_u64();
            marks.mark_if(i, bit, (x as u32) < tm);
            marks.mark_if(i + 1, bit, ((x >> 32) as u32) < tm);
            i += 2;
        }
        if i < range.end {
            let x = rng.next_u64();
            marks.mark_if(i, bit, (x as u32) < tm);
        }
        return;
    }
    if gap.tmax != tm {
        let p = f64::from(tm) / 4_294_967_296.0;
        let inv_log = 1.0 / (-p).ln_1p();
        *gap = Gap {
            tmax: tm,
            inv_log,
            left: geometric(rng, inv_log),
        };
    }
    let n = (range.end - range.start) as u64;
    let mut at = gap.left;
    while at < n {
        marks.mark_if(range.start + at as usize, bit, true);
        at = at.saturating_add(1).saturating_add(geometric(rng, gap.inv_log));
    }
    gap.left = at - n;
}

/// Marks the residents of `range` whose age crosses a threshold this month.
fn crossings(persons: &Persons, range: std::ops::Range<usize>, mc: &Month, marks: &mut Marks) {
    let now = mc.now as u16;
    let [a, b, c, d] = mc.crossings;
    let res = &persons.res[range.clone()];
    // Chunks of 32: a branch-free compare, and a closer look only at the
    // rare chunk with a crossing.
    for (ci, chunk) in res.chunks(32).enumerate() {
        let mut any = 0u16;
        for r in chunk {
            let age = now.wrapping_sub(r.born);
            any |= u16::from(age == a)
                | u16::from(age == b)
                | u16::from(age == c)
                | u16::from(age == d)
                | u16::from(age >= mc.max_age);
        }
        if any != 0 {
            for (j, r) in chunk.iter().enumerate() {
                let age = now.wrapping_sub(r.born);
                if age == a || age == b || age == c || age == d || age >= mc.max_age {
                    marks.mark_if(range.start + ci * 32 + j, CROSSING, true);
                }
            }
        }
    }
}

pub fn step_committee(
    com: &mut Committee,
    t: &Thresholds,
    mc: &Month,
    p: &Params,
    flows: &mut PersonFlows,
    scratch: &mut Scratch,
) {
    // Local copies, so the generators' state stays in registers.
    let (mut rng_c, mut rng_r) = (com.rng.clone(), com.rng_residents.clone());
    let mut rng = Counted::new(&mut rng_c);
    let mut rng_place = Counted::new(&mut rng_r);
    let persons = &mut com.persons;
    let start = com.counts;
    let mut counts = com.counts;
    let q_shared = f64::from(t.q_base).clamp(0.0, 1.0);
    let filter = persons.filter_month(p.satisfaction.smoothing, q_shared);

    // 1. Place events and find the crossings, bucket by bucket.
    let Scratch {
        marks,
        seg,
        pending,
        movers,
    } = scratch;
    marks.start(persons.len());
    seg.clear();
    let mut gaps = [Gap::NONE; KINDS];
    for k in 0..BUCKETS {
        seg.push(marks.len as u32);
        let range = persons.bucket(k);
        if range.is_empty() {
            continue;
        }
        crossings(persons, range.clone(), mc, marks);
        let tm = tmax(k, t, mc);
        for kind in ALL_KINDS {
            let x = tm[kind as usize];
            if x > 0 {
                place(
                    range.clone(),
                    x,
                    1 << kind as u16,
                    &mut gaps[kind as usize],
                    &mut rng_place,
                    marks,
                );
            }
        }
    }
    seg.push(marks.len as u32);

    // 2. Visit the marked residents.
    let mut tally = Tally::default();
    let mut need = [0u64; 16];
    let mut served = [0u64; 16];
    let mut quality_delta = 0.0f64;
    let (mut gone_unregistered, mut gone_unemployed) = (0u64, 0u64);
    for k in 0..BUCKETS {
        let (lo, hi) = (seg[k] as usize, seg[k + 1] as usize);
        if lo == hi {
            continue;
        }
        let tm = tmax(k, t, mc);
        let (adult_before, elderly_before) = (k & key::A != 0, k & key::E != 0);
        for &pos in &marks.list[lo..hi] {
            let i = pos as usize;
            let fired = marks.mask[i] & !CROSSING;
            marks.mask[i] = 0;
            let r = persons.res[i];
            let age = (mc.now as u16).wrapping_sub(r.born);
            let f = r.flags;
            let mut draws = Placed {
                fired,
                tmax: &tm,
                rng: &mut rng,
            };
            let out = rules::step(age, f, t, mc.death, &mut draws);
            let adult = age >= t.adult;
            let elderly = age >= t.elderly;
            let same = out.fate == Fate::Stays && out.flags == f && adult == adult_before && elderly == elderly_before;
            if !same {
                remove_one(&mut counts, adult_before, elderly_before, f);
            }
            if out.fate != Fate::Stays {
                if out.fate == Fate::Dies {
                    flows.deaths += 1;
                } else {
                    flows.departures += 1;
                }
                gone_unregistered += u64::from(f & (flag::MIGRANT | flag::REGISTERED) == flag::MIGRANT);
                gone_unemployed += u64::from(f & flag::LABOUR_MASK == flag::UNEMPLOYED);
                pending.push(Pending {
                    pos,
                    from: k as u8,
                    to: GONE,
                });
                continue;
            }
            add_outcome(&mut tally, &out);
            let to = if same {
                k
            } else {
                add_many(&mut counts, 1, adult, elderly, out.flags);
                key_of(out.flags, age, mc.ages)
            };
            let g = group_key(to);
            need[g] += u64::from(out.met + out.unmet);
            served[g] += u64::from(out.met);
            if adult {
                tally.adult_met += u64::from(out.met);
                tally.adult_unmet += u64::from(out.unmet);
                quality_delta += f64::from(out.q) - q_shared;
            }
            let mut dev = r.dev;
            if f64::from(out.q) != q_shared {
                dev = filter.dev_after(r.dev, f64::from(out.q));
                persons.dev_sum[sum_index(k)] += f64::from(dev) - f64::from(r.dev);
            }
            persons.res[i] = Resident {
                born: r.born,
                flags: out.flags,
                dev,
            };
            if to != k {
                pending.push(Pending {
                    pos,
                    from: k as u8,
                    to: to as u8,
                });
            }
        }
    }
    persons.set_filter(&filter);

    // 3. Move residents to their new buckets, tally the groups from the
    //    buckets, and add the newcomers.
    persons.relocate(pending, movers);
    tally.unregistered_at_start = u64::from(start.migrants - start.registered) - gone_unregistered;
    tally.unemployed_at_start = u64::from(start.unemployed) - gone_unemployed;
    let mut adults = [0u64; 16];
    let mut satisfaction = [0f64; 16];
    for k in (0..BUCKETS).filter(|k| k & key::A != 0) {
        adults[group_key(k)] += persons.bucket_len(k) as u64;
    }
    for (g, s) in satisfaction.iter_mut().enumerate() {
        *s = adults[g] as f64 * filter.level + filter.scale * persons.dev_sum[g | 16];
    }
    let all_adults: u64 = adults.iter().sum();
    tally.quality = all_adults as f64 * q_shared + quality_delta;
    drain_groups(&mut tally, &adults, &satisfaction, &need, &served);

    let survivors = persons.len();
    newcomers(com.fringe, persons, &mut counts, survivors, mc, p, t, &mut rng, flows);
    com.counts = counts;
    tally.draws = rng.draws + rng_place.draws;
    tally.draws_residents = rng_place.draws;
    com.tally = tally;
    com.rng = rng_c;
    com.rng_residents = rng_r;
}
