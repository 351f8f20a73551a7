//! The baseline reproduces the report's structure and calibration targets.

mod common;

use shequ::model::jurisdictions::Kind;
use shequ::model::metrics::{self, METRICS};
use shequ::model::{init, rng, schedule};

#[test]
fn baseline_structure_equals_the_report() {
    let s = common::load("scenarios/baseline.toml");
    let urban: Vec<_> = s.jurisdictions.iter().filter(|j| j.kind == Kind::Urban).collect();
    let fringe: Vec<_> = s.jurisdictions.iter().filter(|j| j.kind == Kind::Fringe).collect();
    assert_eq!(urban.len(), 12, "12 urban street offices");
    assert_eq!(
        urban.iter().map(|j| j.committees).sum::<u32>(),
        75,
        "75 urban committees"
    );
    assert_eq!(fringe.len(), 1, "one fringe town (Beiyuan)");
    assert_eq!(fringe[0].committees, 13, "13 village-style committees");
    let liu = s
        .jurisdictions
        .iter()
        .find(|j| j.name == "Liujiazhuang")
        .expect("Liujiazhuang");
    assert_eq!(liu.area_km2, 0.24);
    assert!((7_500..=8_500).contains(&liu.population));
    let smallest = s.jurisdictions.iter().map(|j| j.area_km2).fold(f64::INFINITY, f64::min);
    assert_eq!(smallest, liu.area_km2, "Liujiazhuang is the smallest street office");
    let p = &s.params;
    assert!(p.district.departments >= 50);
    assert_eq!(p.committees.office_area_mean_m2, 15.0);
    assert_eq!(p.committees.phone_share, 0.3);
    assert!((400.0..=500.0).contains(&p.cadres.stipend_yuan_month));
    assert_eq!(p.committees.volunteer_organisations, 53.0);
    for j in &s.jurisdictions {
        assert!(!j.provenance.is_empty(), "{} has a provenance", j.name);
    }
    let w = init::build(p, &s.jurisdictions, 1);
    let stations = w.committees.iter().filter(|c| !c.fringe).count();
    assert_eq!(stations, 75, "one service station per urban committee (75)");
    let pop = w.total_persons() as f64;
    assert!((400_000.0..=520_000.0).contains(&pop), "district population {pop}");
    let phones = w.committees.iter().filter(|c| c.phone).count() as f64 / w.committees.len() as f64;
    assert!(
        (0.1..=0.5).contains(&phones),
        "about 30% of committees have a phone: {phones}"
    );
}

#[test]
fn committees_drown_in_top_down_tasks_and_short_streets_raise_informal_revenue() {
    let s = common::small();
    let p = &s.params;
    let mut w = schedule::spin_up(p, &s.jurisdictions, rng::replication_seed(11, 0));
    let mut totals = Vec::new();
    let mut ever_short = vec![false; w.jurisdictions.len()];
    for _ in 0..p.simulation.months {
        let by_j = schedule::step(&mut w, p);
        for (j, jur) in w.jurisdictions.iter().enumerate() {
            if jur.shortfall > 0.0 {
                ever_short[j] = true;
                assert!(
                    jur.informal > 0.0,
                    "{} is short of money but raises no informal revenue",
                    jur.name
                );
            }
        }
        totals.push(by_j);
    }
    assert!(
        ever_short.iter().any(|&x| x),
        "some street cannot meet mandatory spending at baseline"
    );
    assert!(!ever_short.iter().all(|&x| x), "not every street is short");
    let r = schedule::run(p, &s.jurisdictions, rng::replication_seed(11, 1));
    let k = METRICS.iter().position(|m| m.name == "committee_admin_share").unwrap();
    let share = metrics::values(&r.window)[k];
    assert!(
        (0.5..=0.8).contains(&share),
        "committee_admin_share {share} outside 0.5-0.8"
    );
    let t = METRICS.iter().position(|m| m.name == "cadre_turnover_rate").unwrap();
    let turnover = metrics::values(&r.window)[t];
    assert!(
        (0.1..=0.35).contains(&turnover),
        "cadre turnover {turnover}: about 20% a year"
    );
}
