//! How one committee's residents are stored: one array of 8-byte residents
//! (birth month, flag bits, satisfaction deviation: a visit or a move
//! touches one cache line), kept in buckets by the state that sets their event rates, so the event-driven
//! resident pass (`residents::events`) can skip through a bucket with
//! geometric gaps at one rate per event kind.
//!
//! - **Birth months, not ages.** `born` is `(month − age) mod 2^16`, so
//!   ageing writes nothing: a resident's age in month `now` is
//!   `now − born` (wrapping u16 arithmetic, exact for ages below 65,536
//!   months).
//! - **Buckets.** Bucket `k` is `res[bounds[k]..bounds[k + 1]]`; the key's
//!   bits are listed in `key`. A resident whose key changes is moved between buckets by
//!   `extract` and `insert`, each a chain of at most one copy per bucket.
//! - **Lazy satisfaction.** Every resident with no event in a month moves
//!   toward the same quality, so satisfaction is stored as a deviation from
//!   a committee-wide filter: `s = level + scale × dev`. A month moves
//!   `level` and shrinks `scale` for all; only residents with an event write
//!   their `dev`. `dev_sum` keeps the deviation sums by satisfaction group
//!   (adult, elderly, unemployed, migrant, low income) incrementally.

/// Bits of a resident's flags.
pub mod flag {
    /// Labour status lives in the two low bits.
    pub const LABOUR_MASK: u16 = 0b11;
    pub const OUT_OF_LABOUR_FORCE: u16 = 0;
    pub const EMPLOYED: u16 = 1;
    pub const UNEMPLOYED: u16 = 2;
    pub const MIGRANT: u16 = 1 << 2;
    pub const REGISTERED: u16 = 1 << 3;
    pub const LOW_INCOME: u16 = 1 << 4;
    /// Entitled group (优抚 youfu): martyrs' families, veterans.
    pub const ENTITLED: u16 = 1 << 5;
    pub const PARTY: u16 = 1 << 6;
    pub const MANAGED: u16 = 1 << 7;
    /// Receives the minimum-income benefit (低保 dibao): set when a low-income
    /// resident's welfare need is served, cleared when they leave low income.
    pub const BENEFIT: u16 = 1 << 8;
    /// Bits that resident counts depend on (the rest are free).
    pub const COUNTED: u16 = (1 << 9) - 1;
}

/// Bits of a bucket key (`key_of`).
pub mod key {
    /// Unemployed (re-employment needs, job finding).
    pub const U: usize = 1;
    /// Party member not linked to a community organisation (linking).
    pub const D: usize = 2;
    /// Low income (minimum-income needs).
    pub const L: usize = 4;
    /// Entitled group and not low income (entitled welfare needs).
    pub const N: usize = 8;
    /// Elderly (care needs, old-age mortality).
    pub const E: usize = 16;
    /// Adult.
    pub const A: usize = 32;
    /// Migrant (registration needs, departures). Highest bit: migrants'
    /// arrivals and departures move only through migrant buckets.
    pub const M: usize = 64;
}

/// Number of bucket keys.
pub const BUCKETS: usize = 128;
/// Number of satisfaction groups (`sum_index`).
pub const SUM_GROUPS: usize = 32;

/// The age thresholds (months) that set a resident's age class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeClasses {
    pub adult: u16,
    pub elderly: u16,
}

/// The bucket of a resident with flags `f` and age `age` (months).
#[inline]
pub fn key_of(f: u16, age: u16, ages: AgeClasses) -> usize {
    let labour = f & flag::LABOUR_MASK;
    let low = f & flag::LOW_INCOME != 0;
    let mut k = 0;
    k |= if labour == flag::UNEMPLOYED { key::U } else { 0 };
    k |= if f & (flag::PARTY | flag::MANAGED) == flag::PARTY {
        key::D
    } else {
        0
    };
    k |= if low { key::L } else { 0 };
    k |= if !low && f & flag::ENTITLED != 0 { key::N } else { 0 };
    k |= if age >= ages.elderly { key::E } else { 0 };
    k |= if age >= ages.adult { key::A } else { 0 };
    k |= if f & flag::MIGRANT != 0 { key::M } else { 0 };
    k
}

/// Satisfaction group of a bucket: its tally key (`group_key`), plus 16
/// for adults.
#[inline]
pub fn sum_index(k: usize) -> usize {
    group_key(k) | if k & key::A != 0 { 16 } else { 0 }
}

/// The tally key of a bucket: bit 0 elderly, 1 unemployed, 2 migrant, 3 low
/// income (`residents` group tallies).
#[inline]
pub fn group_key(k: usize) -> usize {
    usize::from(k & key::E != 0)
        | usize::from(k & key::U != 0) << 1
        | usize::from(k & key::M != 0) << 2
        | usize::from(k & key::L != 0) << 3
}

/// A month's satisfaction filter: residents with no event move from `s` to
/// `s + alpha × (q − s)`, which moves `level` the same way and multiplies the
/// deviations' weight by `1 − alpha` (to `scale`).
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    pub alpha: f64,
    pub q: f64,
    /// Level and weight after the month.
    pub level: f64,
    pub scale: f64,
}

impl Filter {
    /// The new deviation of a resident whose month gave quality `q_i`
    /// (instead of the shared `q`): exact for s + α(q_i − s).
    #[inline]
    pub fn dev_after(&self, dev: f32, q_i: f64) -> f32 {
        (f64::from(dev) + self.alpha * (q_i - self.q) / self.scale) as f32
    }

    /// The deviation that stores satisfaction `s` after the month.
    #[inline]
    pub fn dev_for(&self, s: f64) -> f32 {
        ((s - self.level) / self.scale) as f32
    }
}

/// A resident to move to bucket `to` (or `GONE`) from position `pos` of bucket `from`.
#[derive(Debug, Clone, Copy)]
pub struct Pending {
    pub pos: u32,
    pub from: u8,
    pub to: u8,
}

/// `Pending::to` of a resident who dies or leaves.
pub const GONE: u8 = u8::MAX;

/// One resident's stored state.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[repr(C)]
pub struct Resident {
    pub born: u16,
    pub flags: u16,
    pub dev: f32,
}

/// Residents of one committee.
#[derive(Debug, Clone)]
pub struct Persons {
    /// The residents, bucket by bucket. `dev` is the satisfaction deviation
    /// from the filter, in units of `scale`.
    pub res: Vec<Resident>,
    /// Bucket k is positions `bounds[k]..bounds[k + 1]`.
    pub bounds: [u32; BUCKETS + 1],
    /// Satisfaction of a resident with no event since the filter started.
    pub level: f64,
    /// Weight of a stored deviation: (1 − α)^(months since the last rescale).
    pub scale: f64,
    /// Sums of `dev` by `sum_index`.
    pub dev_sum: [f64; SUM_GROUPS],
    /// Bit k set when bucket k is not empty (moves skip empty buckets).
    occupied: u128,
}

/// Bytes of state per resident (birth month, flags, satisfaction deviation).
pub const BYTES_PER_PERSON: usize = std::mem::size_of::<Resident>();

/// Residents' arrays grow by 1/GROWTH_DIVISOR of their length, at least MIN_GROWTH.
const GROWTH_DIVISOR: usize = 32;
const MIN_GROWTH: usize = 16;

/// Below this weight the deviations are rescaled (`rescale`), so that an f32
/// deviation never needs more than 2^20 of range.
pub const MIN_SCALE: f64 = 1.0 / 1_048_576.0;

impl Default for Persons {
    fn default() -> Self {
        Persons {
            res: Vec::new(),
            bounds: [0; BUCKETS + 1],
            level: 0.0,
            scale: 1.0,
            dev_sum: [0.0; SUM_GROUPS],
            occupied: 0,
        }
    }
}

impl Persons {
    /// An empty committee whose residents, when added, start at satisfaction `initial`.
    pub fn new(initial: f64) -> Self {
        Persons {
            level: initial,
            ..Persons::default()
        }
    }

    /// Residents given as (age in months, flags) in month `now`, all at
    /// satisfaction `s`, sorted into their buckets (input order within each).
    pub fn from_residents(residents: &[(u16, u16)], s: f64, now: u32, ages: AgeClasses) -> Self {
        let mut p = Persons::new(s);
        let mut cursor = [0u32; BUCKETS];
        for &(age, f) in residents {
            cursor[key_of(f, age, ages)] += 1;
        }
        let mut at = 0;
        for (bound, c) in p.bounds.iter_mut().zip(cursor.iter_mut()) {
            *bound = at;
            at += *c;
            *c = *bound;
        }
        p.bounds[BUCKETS] = at;
        p.occupied = (0..BUCKETS)
            .filter(|&k| p.bounds[k] < p.bounds[k + 1])
            .fold(0, |m, k| m | 1 << k);
        p.res = vec![Resident::default(); residents.len()];
        for &(age, f) in residents {
            let k = key_of(f, age, ages);
            let i = cursor[k] as usize;
            cursor[k] += 1;
            p.res[i] = Resident {
                born: (now as u16).wrapping_sub(age),
                flags: f,
                dev: 0.0,
            };
        }
        p
    }

    pub fn len(&self) -> usize {
        self.res.len()
    }
    pub fn is_empty(&self) -> bool {
        self.res.is_empty()
    }

    /// Positions of bucket `k`.
    #[inline]
    pub fn bucket(&self, k: usize) -> std::ops::Range<usize> {
        self.bounds[k] as usize..self.bounds[k + 1] as usize
    }

    /// Residents in bucket `k`.
    #[inline]
    pub fn bucket_len(&self, k: usize) -> usize {
        (self.bounds[k + 1] - self.bounds[k]) as usize
    }

    /// The bucket holding position `i`.
    pub fn bucket_of(&self, i: usize) -> usize {
        self.bounds[1..].partition_point(|&b| b as usize <= i)
    }

    /// Age in months of the resident at `i` in month `now`.
    #[inline]
    pub fn age(&self, i: usize, now: u32) -> u16 {
        (now as u16).wrapping_sub(self.res[i].born)
    }

    /// Satisfaction of the resident at `i`.
    #[inline]
    pub fn satisfaction(&self, i: usize) -> f64 {
        self.level + self.scale * f64::from(self.res[i].dev)
    }

    /// The deviation that stores satisfaction `s` under the current filter.
    #[inline]
    pub fn dev_for(&self, s: f64) -> f32 {
        ((s - self.level) / self.scale) as f32
    }

    /// Adds a resident aged `age` months in month `now` with flags `f` and
    /// satisfaction `s` to its bucket.
    pub fn add(&mut self, age: u16, f: u16, s: f64, now: u32, ages: AgeClasses) {
        let r = Resident {
            born: (now as u16).wrapping_sub(age),
            flags: f,
            dev: self.dev_for(s),
        };
        self.insert(key_of(f, age, ages), r);
    }

    fn grow(&mut self) {
        if self.res.len() == self.res.capacity() {
            // Grow by a thirty-second, not the default doubling: a national
            // world holds ~900 M residents (7.2 GB), and doubling (or even an
            // eighth) would add gigabytes of spare room for a few percent of
            // growth; each step copies the array, which is rare and cheap.
            let more = (self.res.len() / GROWTH_DIVISOR).max(MIN_GROWTH);
            self.res.reserve_exact(more);
        }
    }

    /// The resident at `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Resident {
        self.res[i]
    }

    /// Puts `r` into bucket `k`: each non-empty bucket above moves its
    /// first resident to its end, so the hole walks down to the end of
    /// bucket `k`.
    pub fn insert(&mut self, k: usize, r: Resident) {
        self.grow();
        let mut hole = self.res.len();
        self.res.push(r);
        let mut above = self.occupied & !((2u128 << k) - 1);
        while above != 0 {
            let c = 127 - above.leading_zeros() as usize;
            above &= !(1u128 << c);
            let first = self.bounds[c] as usize;
            self.res[hole] = self.res[first];
            hole = first;
        }
        for b in &mut self.bounds[k + 1..] {
            *b += 1;
        }
        self.occupied |= 1u128 << k;
        self.res[hole] = r;
        self.dev_sum[sum_index(k)] += f64::from(r.dev);
    }

    /// Takes the resident at `i` (in bucket `k`) out: each non-empty bucket
    /// from `k` up moves its last resident into the hole, so the hole walks
    /// to the end. Positions below `i` are untouched.
    pub fn extract(&mut self, i: usize, k: usize) -> Resident {
        debug_assert!(self.bucket(k).contains(&i));
        let r = self.get(i);
        self.dev_sum[sum_index(k)] -= f64::from(r.dev);
        let mut hole = i;
        let mut from_k = self.occupied >> k << k;
        while from_k != 0 {
            let c = from_k.trailing_zeros() as usize;
            from_k &= from_k - 1;
            let last = self.bounds[c + 1] as usize - 1;
            if last != hole {
                self.res[hole] = self.res[last];
            }
            hole = last;
        }
        for b in &mut self.bounds[k + 1..] {
            *b -= 1;
        }
        if self.bounds[k] == self.bounds[k + 1] {
            self.occupied &= !(1u128 << k);
        }
        self.res.pop();
        r
    }

    /// Starts a month's satisfaction filter with smoothing `alpha` toward
    /// quality `q`: rescales when the weight would fall below `MIN_SCALE`,
    /// and returns the filter after the month. The memory kept, 1 − α, is
    /// at least `MIN_SCALE` (α within 2^-20 of 1 acts as 1 − 2^-20).
    pub fn filter_month(&mut self, alpha: f64, q: f64) -> Filter {
        let keep = (1.0 - alpha).max(MIN_SCALE);
        if self.scale * keep < MIN_SCALE {
            self.rescale();
        }
        let alpha = 1.0 - keep;
        Filter {
            alpha,
            q,
            level: self.level + alpha * (q - self.level),
            scale: self.scale * keep,
        }
    }

    /// Ends the month's filter (after every deviation of the month is written).
    pub fn set_filter(&mut self, f: &Filter) {
        self.level = f.level;
        self.scale = f.scale;
    }

    /// Moves the residents listed in `pending` (sorted here, highest position
    /// first, so each extraction leaves the lower positions in place) to their
    /// new buckets, or out of the committee (`GONE`). `movers` is scratch.
    pub fn relocate(&mut self, pending: &mut Vec<Pending>, movers: &mut Vec<(usize, Resident)>) {
        pending.sort_unstable_by_key(|m| std::cmp::Reverse(m.pos));
        movers.clear();
        for m in pending.iter() {
            let r = self.extract(m.pos as usize, usize::from(m.from));
            if m.to != GONE {
                movers.push((usize::from(m.to), r));
            }
        }
        for &(k, r) in movers.iter() {
            self.insert(k, r);
        }
        pending.clear();
    }

    /// Folds the weight into every deviation (scale back to 1) and
    /// recomputes the sums: once every log(MIN_SCALE)/log(1 − α) months.
    pub fn rescale(&mut self) {
        let g = self.scale;
        for r in &mut self.res {
            r.dev = (f64::from(r.dev) * g) as f32;
        }
        self.scale = 1.0;
        self.recompute_sums();
    }

    /// Recomputes `dev_sum` from the residents.
    pub fn recompute_sums(&mut self) {
        self.dev_sum = [0.0; SUM_GROUPS];
        for k in 0..BUCKETS {
            let r = self.bucket(k);
            let s: f64 = self.res[r].iter().map(|x| f64::from(x.dev)).sum();
            self.dev_sum[sum_index(k)] += s;
        }
    }

    /// Checks the storage invariants in month `now`: every resident sits in
    /// the bucket of its flags and age, and the deviation sums match a
    /// recount (to `1e-9` relative). For tests.
    pub fn check(&self, now: u32, ages: AgeClasses) -> Result<(), String> {
        if self.bounds[0] != 0 || self.bounds[BUCKETS] as usize != self.len() {
            return Err(format!(
                "bounds {:?} do not span {} residents",
                (self.bounds[0], self.bounds[BUCKETS]),
                self.len()
            ));
        }
        let mut sums = [0.0f64; SUM_GROUPS];
        let mut abs = [0.0f64; SUM_GROUPS];
        for k in 0..BUCKETS {
            if self.bounds[k] > self.bounds[k + 1] {
                return Err(format!("bucket {k} has negative length"));
            }
            if (self.occupied >> k & 1 == 1) != (self.bounds[k] < self.bounds[k + 1]) {
                return Err(format!("bucket {k}: occupancy bit disagrees with its length"));
            }
            for i in self.bucket(k) {
                let r = self.res[i];
                let want = key_of(r.flags, self.age(i, now), ages);
                if want != k {
                    return Err(format!(
                        "resident {i} (flags {:#x}, age {}) in bucket {k}, belongs in {want}",
                        r.flags,
                        self.age(i, now)
                    ));
                }
                sums[sum_index(k)] += f64::from(r.dev);
                abs[sum_index(k)] += f64::from(r.dev).abs();
            }
        }
        for g in 0..SUM_GROUPS {
            if (sums[g] - self.dev_sum[g]).abs() > 1e-9 * abs[g].max(1.0) {
                return Err(format!(
                    "deviation sum of group {g}: kept {}, recounted {}",
                    self.dev_sum[g], sums[g]
                ));
            }
        }
        Ok(())
    }
}
