//! Top-down tasks, "the government's legs" (spec §4.1, schedule steps 1-2):
//! district departments issue Poisson tasks to each street; the street passes
//! a share of the hours down to its committees, split by population.

use crate::model::params::Params;
use crate::model::reforms::Levers;
use crate::model::rng;
use crate::model::state::World;

/// Expected tasks a month for a street of `pop` residents.
pub fn rate(p: &Params, lv: &Levers, pop: f64) -> f64 {
    let t = &p.tasks;
    f64::from(p.district.departments)
        * lv.task_multiplier
        * (t.tasks_per_department_month + t.tasks_per_department_per_10k_month * pop / 1e4)
}

pub fn issue_and_pass_down(world: &mut World, p: &Params, lv: &Levers) {
    let t = &p.tasks;
    for j in 0..world.jurisdictions.len() {
        if !world.jurisdictions[j].active {
            continue;
        }
        let sampled = world.jurisdiction_persons(j);
        let pop = world.represented(sampled);
        let rate = rate(p, lv, pop);
        let jur = &mut world.jurisdictions[j];
        let tasks = rng::poisson(&mut jur.rng, rate);
        let hours = tasks as f64 * t.hours_per_task;
        let passed = hours * lv.passdown_share;
        jur.passed_task_hours = passed;
        jur.kept_task_hours = hours - passed;
        if sampled == 0 {
            continue;
        }
        // Hours in sampled units: a committee of n sampled residents stands for n / scale.
        let per_sampled_resident = passed / pop;
        for &c in &world.jurisdictions[j].committees {
            let com = &mut world.committees[c];
            com.backlog_hours += per_sampled_resident * com.persons.len() as f64;
        }
    }
}
