//! Resident counts and group tallies: what the committees plan the next
//! month from, and the per-group outputs.

use super::rules::Outcome;
use crate::model::population::{flag, AgeClasses, Persons};
use crate::model::state::{Counts, Tally, NEEDS};

/// Adds `n` residents with flags `f` to the counts.
pub fn add_many(c: &mut Counts, n: u32, adult: bool, old: bool, f: u16) {
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

/// Takes one resident with flags `f` out of the counts.
pub fn remove_one(c: &mut Counts, adult: bool, old: bool, f: u16) {
    let mut one = Counts::default();
    add_many(&mut one, 1, adult, old, f);
    c.persons -= one.persons;
    c.adults -= one.adults;
    c.elderly -= one.elderly;
    c.employed -= one.employed;
    c.unemployed -= one.unemployed;
    c.migrants -= one.migrants;
    c.registered -= one.registered;
    c.low_income -= one.low_income;
    c.benefit -= one.benefit;
    c.entitled_only -= one.entitled_only;
    c.party -= one.party;
    c.managed -= one.managed;
}

/// Counts residents by group in month `now` from their ages and flags (month
/// 0, the reference pass, and tests that check the event pass's counts).
pub fn count(persons: &Persons, now: u32, ages: AgeClasses) -> Counts {
    let mut c = Counts::default();
    for (i, r) in persons.res.iter().enumerate() {
        let (age, f) = (persons.age(i, now), r.flags);
        add_many(&mut c, 1, age >= ages.adult, age >= ages.elderly, f);
    }
    c
}

/// Group tallies from per-key sums (key bits: 1 elderly, 2 unemployed, 4
/// migrant, 8 low income) into the five output groups (all, elderly,
/// unemployed, migrant, low income).
pub fn drain_groups(
    tally: &mut Tally,
    adults: &[u64; 16],
    satisfaction: &[f64; 16],
    need: &[u64; 16],
    served: &[u64; 16],
) {
    for g in 0..16 {
        let member = [true, g & 1 != 0, g & 2 != 0, g & 4 != 0, g & 8 != 0];
        for (m, &yes) in member.iter().enumerate() {
            if yes {
                tally.group_adults[m] += adults[g];
                tally.group_satisfaction[m] += satisfaction[g];
                tally.group_need[m] += need[g];
                tally.group_served[m] += served[g];
            }
        }
    }
}

/// Adds a staying resident's month to the tallies: needs arisen and served
/// by kind, registrations, entitled needs unmet, re-employment and lay-offs.
pub fn add_outcome(tally: &mut Tally, out: &Outcome) {
    for kind in 0..NEEDS {
        tally.need[kind] += u64::from(out.arose >> kind & 1);
        tally.served[kind] += u64::from(out.served >> kind & 1);
    }
    tally.registered_new += u64::from(out.registered_new);
    tally.entitled_unmet += u64::from(out.entitled_unmet);
    tally.reemployed += u64::from(out.reemployed);
    tally.laid_off += u64::from(out.laid_off);
}
