//! One resident's month, in schedule order: death, departure, needs (and
//! what serving them does), labour, entering and leaving working age, party
//! ties, and the quality the month gave them. Both resident passes run this
//! same function; they differ only in where its random numbers come from
//! (`Draws`): the reference loop draws every one fresh, the event pass
//! answers most from the events it has already placed.

use crate::model::rng::threshold;
use crate::model::state::{flag, CARE, MEDIATION, REEMPLOYMENT, REGISTRATION, WELFARE};

/// Kinds of resident event whose uniform a pass may draw ahead (the event
/// pass places them with geometric gaps). Every other draw is fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Death = 0,
    Departure,
    Care,
    Welfare,
    Reemployment,
    Registration,
    Mediation,
    Find,
    Layoff,
    Join,
    Link,
}

/// Number of `Kind`s.
pub const KINDS: usize = 11;
/// Every kind, in order.
pub const ALL_KINDS: [Kind; KINDS] = [
    Kind::Death,
    Kind::Departure,
    Kind::Care,
    Kind::Welfare,
    Kind::Reemployment,
    Kind::Registration,
    Kind::Mediation,
    Kind::Find,
    Kind::Layoff,
    Kind::Join,
    Kind::Link,
];

/// Where a resident's uniforms come from. A uniform is a u32; an event with
/// threshold `t` happens when its uniform is below `t` (probability t/2^32).
pub trait Draws {
    /// The uniform of kind `k` if it may be below `limit`, else `None`
    /// (then it is certainly ≥ `limit`). Each kind is asked at most once per
    /// resident and month.
    fn uniform(&mut self, k: Kind, limit: u32) -> Option<u32>;
    /// A fresh uniform (draws that depend on this month's other events).
    fn fresh(&mut self) -> u32;

    #[inline]
    fn below(&mut self, k: Kind, t: u32) -> bool {
        self.uniform(k, t).is_some_and(|u| u < t)
    }
    /// A need from one uniform: (arose, served).
    #[inline]
    fn need(&mut self, k: Kind, t: NeedT) -> (u32, u32) {
        match self.uniform(k, t.need) {
            Some(u) => (u32::from(u < t.need), u32::from(u < t.served)),
            None => (0, 0),
        }
    }
}

/// A pair of thresholds on one uniform: below `served` → need served;
/// below `need` → need arose (served or not).
#[derive(Debug, Clone, Copy)]
pub struct NeedT {
    pub served: u32,
    pub need: u32,
}

impl NeedT {
    pub fn new(p_need: f64, p_served: f64) -> Self {
        let p_need = p_need.clamp(0.0, 1.0);
        NeedT {
            served: threshold(p_need * p_served.clamp(0.0, 1.0)),
            need: threshold(p_need),
        }
    }
}

/// Everything `step` needs, per committee and month.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub care: NeedT,
    /// Welfare needs: low-income residents not yet receiving the benefit,
    /// those receiving it, and entitled residents who are not low-income.
    pub welfare_applicant: NeedT,
    pub welfare_enrolled: NeedT,
    pub welfare_entitled: NeedT,
    pub reemployment: NeedT,
    pub registration: NeedT,
    pub mediation: NeedT,
    pub layoff: u32,
    pub find: u32,
    pub find_helped: u32,
    pub stay_out: u32,
    pub start_unemployed: u32,
    pub low_on_layoff: u32,
    pub low_exit: u32,
    pub delink: u32,
    pub departure: u32,
    pub link: u32,
    pub join: u32,
    /// Ages in months.
    pub work_min: u16,
    pub retire: u16,
    pub elderly: u16,
    pub adult: u16,
    /// Quality before this month's needs, and what a need met / unmet adds.
    pub q_base: f32,
    pub gain: f32,
    pub loss: f32,
}

/// What happens to the resident this month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Stays,
    Dies,
    Departs,
}

/// One resident's month.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub fate: Fate,
    /// Flags at the end of the month.
    pub flags: u16,
    /// Bit k: need kind k (`CARE` … `MEDIATION`) arose / was served.
    pub arose: u32,
    pub served: u32,
    /// Needs met and unmet, and the month's experienced quality (0..1).
    pub met: u32,
    pub unmet: u32,
    pub q: f32,
    pub registered_new: bool,
    pub entitled_unmet: bool,
    pub reemployed: bool,
    pub laid_off: bool,
}

impl Outcome {
    fn gone(fate: Fate, flags: u16) -> Self {
        Outcome {
            fate,
            flags,
            arose: 0,
            served: 0,
            met: 0,
            unmet: 0,
            q: 0.0,
            registered_new: false,
            entitled_unmet: false,
            reemployed: false,
            laid_off: false,
        }
    }
}

/// The month of a resident aged `age` months (this month's age) with flags
/// `f` at the start of the month. `death` holds the monthly death
/// thresholds by age in years (the last entry for every older age).
#[inline]
pub fn step<D: Draws>(age: u16, mut f: u16, t: &Thresholds, death: &[u32], d: &mut D) -> Outcome {
    let migrant = f & flag::MIGRANT != 0;
    let max_year = death.len() - 1;
    if d.below(Kind::Death, death[usize::from(age / 12).min(max_year)]) {
        return Outcome::gone(Fate::Dies, f);
    }
    if migrant && d.below(Kind::Departure, t.departure) {
        return Outcome::gone(Fate::Departs, f);
    }
    let elderly = age >= t.elderly;
    let labour = f & flag::LABOUR_MASK;
    let unemployed = labour == flag::UNEMPLOYED;
    let low_income = f & flag::LOW_INCOME != 0;
    let entitled_only = !low_income && f & flag::ENTITLED != 0;
    let wants_registration = f & (flag::MIGRANT | flag::REGISTERED) == flag::MIGRANT;

    // Needs of the groups each kind belongs to. Statutory welfare covers
    // minimum-income applications and re-certification and the entitled
    // groups' services.
    let (a_care, s_care) = if elderly { d.need(Kind::Care, t.care) } else { (0, 0) };
    let (a_welf, s_welf) = if low_income {
        let wt = if f & flag::BENEFIT != 0 {
            t.welfare_enrolled
        } else {
            t.welfare_applicant
        };
        d.need(Kind::Welfare, wt)
    } else if entitled_only {
        d.need(Kind::Welfare, t.welfare_entitled)
    } else {
        (0, 0)
    };
    let (a_re, s_re) = if unemployed {
        d.need(Kind::Reemployment, t.reemployment)
    } else {
        (0, 0)
    };
    let (a_reg, s_reg) = if wants_registration {
        d.need(Kind::Registration, t.registration)
    } else {
        (0, 0)
    };
    let (a_med, s_med) = d.need(Kind::Mediation, t.mediation);
    let arose = a_care << CARE | a_welf << WELFARE | a_re << REEMPLOYMENT | a_reg << REGISTRATION | a_med << MEDIATION;
    let served = s_care << CARE | s_welf << WELFARE | s_re << REEMPLOYMENT | s_reg << REGISTRATION | s_med << MEDIATION;
    let registered_new = s_reg != 0;
    if registered_new {
        f |= flag::REGISTERED;
    }
    // A served minimum-income need enrols the resident for the benefit.
    if low_income && s_welf != 0 {
        f |= flag::BENEFIT;
    }
    let entitled_unmet = entitled_only && a_welf != 0 && s_welf == 0;

    // Labour: the unemployed find work (faster when helped), the employed
    // may be laid off.
    let mut reemployed = false;
    let mut laid_off = false;
    if unemployed {
        let find = if s_re != 0 { t.find_helped } else { t.find };
        if d.below(Kind::Find, find) {
            reemployed = true;
            f = (f & !flag::LABOUR_MASK) | flag::EMPLOYED;
            if f & flag::LOW_INCOME != 0 && d.fresh() < t.low_exit {
                f &= !(flag::LOW_INCOME | flag::BENEFIT);
            }
        }
    } else if labour == flag::EMPLOYED && d.below(Kind::Layoff, t.layoff) {
        laid_off = true;
        f = (f & !flag::LABOUR_MASK) | flag::UNEMPLOYED;
        if d.fresh() < t.low_on_layoff {
            f |= flag::LOW_INCOME;
        }
        if d.fresh() < t.delink {
            f &= !flag::MANAGED;
        }
    }
    if age == t.work_min && labour == flag::OUT_OF_LABOUR_FORCE {
        // Entering working age: join the labour force or stay out.
        if d.fresh() >= t.stay_out {
            let status = if d.fresh() < t.start_unemployed {
                flag::UNEMPLOYED
            } else {
                flag::EMPLOYED
            };
            f = (f & !flag::LABOUR_MASK) | status;
        }
    } else if age >= t.retire && f & flag::LABOUR_MASK != flag::OUT_OF_LABOUR_FORCE {
        // Retirement leaves the work unit; its party ties may go too.
        f &= !flag::LABOUR_MASK;
        if f & flag::MANAGED != 0 && d.fresh() < t.delink {
            f &= !flag::MANAGED;
        }
    }
    if f & (flag::PARTY | flag::MANAGED) == flag::PARTY && d.below(Kind::Link, t.link) {
        f |= flag::MANAGED;
    }
    if !migrant && f & flag::PARTY == 0 && age >= t.adult && age < t.retire && d.below(Kind::Join, t.join) {
        let at_work = u16::from(f & flag::LABOUR_MASK == flag::EMPLOYED);
        f |= flag::PARTY | (flag::MANAGED * at_work);
    }

    let met = served.count_ones();
    let unmet = arose.count_ones() - met;
    let q = (t.q_base + t.gain * met as f32 - t.loss * unmet as f32).clamp(0.0, 1.0);
    Outcome {
        fate: Fate::Stays,
        flags: f,
        arose,
        served,
        met,
        unmet,
        q,
        registered_new,
        entitled_unmet,
        reemployed,
        laid_off,
    }
}

/// Fresh draws for every uniform: the reference pass.
pub struct Fresh<'a, R: rand::Rng> {
    pub rng: &'a mut R,
}

impl<R: rand::Rng> Draws for Fresh<'_, R> {
    #[inline]
    fn uniform(&mut self, _k: Kind, _limit: u32) -> Option<u32> {
        Some(self.rng.next_u32())
    }
    #[inline]
    fn fresh(&mut self) -> u32 {
        self.rng.next_u32()
    }
}

/// Uniforms placed ahead by the event pass. For each kind the pass decided,
/// over the resident's bucket, whether the uniform fell below `tmax[k]`
/// (bit k of `fired`). Given that, the uniform is uniform on [0, tmax) or
/// on [tmax, 2^32), and it is drawn from that range only when a comparison
/// needs it: exact for any threshold, and no draw at all for the many
/// residents whose uniforms are all above every threshold they meet.
pub struct Placed<'a, R: rand::Rng> {
    pub fired: u16,
    pub tmax: &'a [u32; KINDS],
    pub rng: &'a mut R,
}

impl<R: rand::Rng> Draws for Placed<'_, R> {
    #[inline]
    fn uniform(&mut self, k: Kind, limit: u32) -> Option<u32> {
        use rand::RngExt as _;
        let tmax = self.tmax[k as usize];
        if self.fired & (1 << k as u16) != 0 {
            Some(self.rng.random_range(0..tmax))
        } else if limit <= tmax {
            None
        } else {
            // The uniform is ≥ tmax; is it below `limit`?
            let u = self.rng.random_range(tmax..=u32::MAX);
            (u < limit).then_some(u)
        }
    }
    #[inline]
    fn fresh(&mut self) -> u32 {
        self.rng.next_u32()
    }
}
