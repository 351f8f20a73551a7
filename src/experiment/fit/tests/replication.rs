//! The replication study behind the Monte Carlo allowances in the module
//! docs. Ignored by default (≈ 15 s); run it with
//! `cargo test --release replication -- --ignored --nocapture`.

use super::*;
use crate::experiment::fit::rejection::{rejection_abc, RejectionConfig};

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (
        m,
        (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt(),
    )
}

/// 200 independent runs of problem 1 (N = 500, ε = 0.5) with ABC-SMC and
/// with rejection ABC. Reports the spread of the estimates against the naive
/// ESS-based standard errors, and the average bias. Both estimators' means
/// must be unbiased within 4 standard errors of the 200-run average, and the
/// SMC variance within 4 SE plus the 10/N finite-population allowance.
#[test]
#[ignore]
fn replication_study_of_problem_1() {
    let p = &NORMAL_MEAN;
    let (n, runs) = (500, 200u64);
    let (m_abc, v_abc) = p.abc_posterior(0.5);
    let (mut sm, mut sv, mut ess, mut rm, mut rv) = (vec![], vec![], vec![], vec![], vec![]);
    for seed in 0..runs {
        let config = SmcConfig {
            seed: 5000 + seed,
            particles: n,
            target_epsilon: 0.5,
            min_acceptance_rate: 0.0,
            ..SmcConfig::default()
        };
        let r = fit(config, p.prior(), p.targets(), |t, s| p.simulate(t, s));
        sm.push(r.population.mean(0).expect("mean"));
        sv.push(r.population.variance(0).expect("var"));
        ess.push(r.population.ess());
        let rc = RejectionConfig {
            seed: 9000 + seed,
            particles: n,
            epsilon: 0.5,
            ..RejectionConfig::default()
        };
        let rej = rejection_abc(&rc, &p.prior(), &p.targets(), |t, s| p.simulate(t, s), 2).expect("run");
        rm.push(rej.population.mean(0).expect("mean"));
        rv.push(rej.population.variance(0).expect("var"));
    }
    let ess = ess.iter().sum::<f64>() / ess.len() as f64;
    let k = (runs as f64).sqrt();
    let ((sm_m, sm_s), (sv_m, sv_s)) = (mean_sd(&sm), mean_sd(&sv));
    let ((rm_m, rm_s), (rv_m, rv_s)) = (mean_sd(&rm), mean_sd(&rv));
    println!("ABC target: mean {m_abc:.5}, var {v_abc:.6}; SMC mean ESS {ess:.0}");
    println!(
        "SMC: mean {sm_m:.5} ± {:.5} (spread {sm_s:.5} = {:.2} × naive), var {sv_m:.6} ± {:.6} \
         (spread {sv_s:.6} = {:.2} × naive), var bias {:+.2} %",
        sm_s / k,
        sm_s / (v_abc / ess).sqrt(),
        sv_s / k,
        sv_s / (v_abc * (2.0 / ess).sqrt()),
        100.0 * (sv_m / v_abc - 1.0)
    );
    println!(
        "rejection: mean {rm_m:.5} ± {:.5} (spread {rm_s:.5}), var {rv_m:.6} ± {:.6} (spread {rv_s:.6}), var bias {:+.2} %",
        rm_s / k,
        rv_s / k,
        100.0 * (rv_m / v_abc - 1.0)
    );
    assert!((sm_m - m_abc).abs() < 4.0 * sm_s / k);
    assert!((rm_m - m_abc).abs() < 4.0 * rm_s / k);
    assert!((sv_m - v_abc).abs() < 4.0 * sv_s / k + finite_n_var_bias(v_abc, n));
    assert!((rv_m - v_abc).abs() < 4.0 * rv_s / k + v_abc / n as f64);
}
