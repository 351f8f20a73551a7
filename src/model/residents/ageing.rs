//! Ages and the month's age-dependent constants. Ages are not stored:
//! a resident's age is the month code minus its birth month
//! (`population`), so ageing writes nothing, and the residents reaching an
//! age threshold this month are found by comparing birth months.

use crate::model::params::Params;
use crate::model::population::AgeClasses;

/// Month-wide constants of the resident passes.
pub struct Month<'a> {
    /// Month code for birth months (`World::elapsed_months`).
    pub now: u32,
    pub ages: AgeClasses,
    /// Monthly death thresholds by age in years.
    pub death: &'a [u32],
    /// Highest death threshold of each age class (child, adult, elderly),
    /// over the years a resident can have without crossing into the next
    /// class this month; the oldest year is left out (reaching it is found
    /// as an age crossing).
    pub death_max: [u32; 3],
    /// Ages (months) at which something happens to everyone reaching them.
    pub crossings: [u16; 4],
    /// The oldest age (months): everyone at or above it is visited.
    pub max_age: u16,
}

impl<'a> Month<'a> {
    /// The constants of month `now` (`World::elapsed_months`) with death thresholds `death`.
    pub fn new(now: u32, death: &'a [u32], p: &Params) -> Self {
        let d = &p.demography;
        let (adult_y, elderly_y) = (d.adult_age_years as usize, d.elderly_age_years as usize);
        let last = death.len() - 1;
        let max_over = |lo: usize, hi: usize| {
            death[lo.min(last)..hi.clamp(lo.min(last), last)]
                .iter()
                .copied()
                .max()
                .unwrap_or(0)
        };
        let l = &p.labour;
        Month {
            now,
            ages: age_classes(p),
            death,
            death_max: [
                max_over(0, adult_y),
                max_over(adult_y, elderly_y),
                max_over(elderly_y, last),
            ],
            crossings: [
                (l.working_age_min_years * 12) as u16,
                (d.adult_age_years * 12) as u16,
                (d.elderly_age_years * 12) as u16,
                (l.retirement_age_years * 12) as u16,
            ],
            max_age: (last * 12) as u16,
        }
    }
}

/// The age classes of the params.
pub fn age_classes(p: &Params) -> AgeClasses {
    AgeClasses {
        adult: (p.demography.adult_age_years * 12) as u16,
        elderly: (p.demography.elderly_age_years * 12) as u16,
    }
}
