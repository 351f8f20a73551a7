use shequ::{metrics, model, scenario};
fn main() {
    let path = std::env::args().nth(1).unwrap_or("scenarios/baseline.toml".into());
    let s = scenario::load(std::path::Path::new(&path)).unwrap_or_else(|e| panic!("{e}"));
    let t0 = std::time::Instant::now();
    let r = model::run(&s.params, &s.jurisdictions, shequ::rng::replication_seed(1, 0));
    let dt = t0.elapsed().as_secs_f64();
    let v = metrics::values(&r.window);
    for (m, x) in metrics::METRICS.iter().zip(v) {
        println!("{:32} {:>14.4}", m.name, x);
    }
    for (j, t) in r.window_by_jurisdiction.iter().enumerate() {
        let v = metrics::values(t);
        println!(
            "j{j:2} sat {:.3} inf {:.3} short {:.2} cash {:>12.0} admin {:.3} open {:.1}",
            v[0], v[8], v[20], v[12], v[9], v[7]
        );
    }
    let m0 = metrics::values(&r.monthly[0]);
    println!("month1 elderly_share {:.4} admin {:.3}", m0[22], m0[9]);
    for (i, t) in r.monthly.iter().enumerate().step_by(6) {
        let v = metrics::values(t);
        println!(
            "m{i} eld {:.4} pop {:.0} unemp {:.4} admin {:.3} sat {:.3}",
            v[22], v[23], v[3], v[9], v[0]
        );
    }
    println!(
        "{} person-months in {dt:.3}s: {:.2} ns/pm",
        r.person_months,
        dt * 1e9 / r.person_months as f64
    );
}
#[allow(dead_code)]
fn unused() {}
