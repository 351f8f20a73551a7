//! The national synthetic scenario (generator) at 0.1 % of residents, and
//! the draw count that `shequ calibrate` relies on.

mod common;

use shequ::model::metrics::{self, METRICS};
use shequ::model::reforms::Levers;
use shequ::model::{init, residents, rng, schedule, state};

#[test]
fn national_small_builds_the_country_and_conserves_persons() {
    let mut s = common::load("tests/data/national_small.toml");
    s.params.simulation.months = 12;
    s.params.simulation.outcome_window_months = 6;
    assert_eq!(s.jurisdictions.len(), 9_000);
    let mut w = init::build(&s.params, &s.jurisdictions, rng::replication_seed(1, 0));
    assert_eq!(w.committees.len(), 112_000);
    let start = w.total_persons();
    assert!(
        (start as f64 - 902_000.0).abs() < 112_000.0,
        "sampled residents {start}"
    );
    for _ in 0..s.params.simulation.months {
        let by_j = schedule::step(&mut w, &s.params);
        for t in &by_j {
            for (m, x) in METRICS.iter().zip(metrics::values(t)) {
                assert!(!x.is_infinite(), "{} is {x}", m.name);
            }
        }
    }
    let mut flows = state::PersonFlows::default();
    for j in &w.jurisdictions {
        flows.add(&j.flows);
    }
    let expected = flows.initial + flows.births + flows.arrivals + flows.moved_in
        - flows.deaths
        - flows.departures
        - flows.moved_out;
    assert_eq!(expected, w.total_persons());
    assert!(flows.deaths > 0 && flows.births > 0);
}

#[test]
fn resident_draws_are_counted_exactly() {
    // The residents stream places the events, the committee stream draws
    // the rest: advancing copies of both streams by the counted draws must
    // land exactly where the pass left them.
    let s = common::small();
    let mut w = init::build(&s.params, &s.jurisdictions, rng::replication_seed(5, 0));
    for _ in 0..3 {
        schedule::step(&mut w, &s.params);
    }
    w.month += 1;
    let before: Vec<(rng::Rng, rng::Rng, u64)> = w
        .committees
        .iter()
        .map(|c| (c.rng.clone(), c.rng_residents.clone(), c.persons.len() as u64))
        .collect();
    let lv = Levers::at(&s.params, w.month);
    residents::month(&mut w, &s.params, &lv);
    for (c, (mut a, mut b, residents)) in w.committees.iter().zip(before) {
        let (draws, placing) = (c.tally.draws, c.tally.draws_residents);
        assert!(
            placing > 0 && draws > placing,
            "both streams drawn ({residents} residents)"
        );
        b.advance(u128::from(placing));
        a.advance(u128::from(draws - placing));
        assert!(a == c.rng, "committee {}: committee stream count is off", c.id);
        assert!(
            b == c.rng_residents,
            "committee {}: residents stream count is off",
            c.id
        );
    }
}
