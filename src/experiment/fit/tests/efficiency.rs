//! ABC-SMC against plain rejection ABC on problem 1.

use super::*;
use crate::experiment::fit::rejection::{rejection_abc, RejectionConfig};
use crate::experiment::fit::smc::StopReason;

/// Both samplers target the same ABC posterior (ε = 0.5, i.e. |x̄_sim − x̄| ≤
/// 0.025) with N = 1000. Rejection accepts a prior draw with probability
/// ≈ 2h · N(1.3; 0, 4.05) ≈ 0.008, so it needs ≈ 125 000 simulations; SMC
/// proposes from ever better populations. SMC's count includes every
/// generation and every discarded batch surplus; rejection is credited only
/// with the simulations up to its N-th acceptance.
#[test]
fn smc_needs_fewer_simulations_than_rejection() {
    let p = &NORMAL_MEAN;
    let config = SmcConfig {
        seed: 21,
        particles: 1000,
        target_epsilon: 0.5,
        min_acceptance_rate: 0.0,
        ..SmcConfig::default()
    };
    let smc = fit(config, p.prior(), p.targets(), |t, s| p.simulate(t, s));
    assert_eq!(smc.stop, Some(StopReason::TargetReached));
    let rej_config = RejectionConfig {
        seed: 21,
        particles: 1000,
        epsilon: 0.5,
        ..RejectionConfig::default()
    };
    let rej = rejection_abc(&rej_config, &p.prior(), &p.targets(), |t, s| p.simulate(t, s), 2).expect("run");
    let needed = rej.needed.expect("rejection reached N");
    println!(
        "eps 0.5, N 1000: ABC-SMC {} simulations in {} generations; rejection {} needed ({} simulated)",
        smc.simulations,
        smc.generations.len(),
        needed,
        rej.simulated
    );
    let (m_abc, v_abc) = p.abc_posterior(0.5);
    println!(
        "  posterior mean/var: SMC {:.4}/{:.5}, rejection {:.4}/{:.5}, exact ABC {m_abc:.4}/{v_abc:.5}",
        smc.population.mean(0).unwrap_or(f64::NAN),
        smc.population.variance(0).unwrap_or(f64::NAN),
        rej.population.mean(0).unwrap_or(f64::NAN),
        rej.population.variance(0).unwrap_or(f64::NAN),
    );
    assert!(rej.population.particles.iter().all(|q| q.distance <= 0.5));
    // Both must still estimate the same posterior (allowances as in closed_form).
    let ess = smc.population.ess();
    close(
        "SMC mean",
        smc.population.mean(0).unwrap_or(f64::NAN),
        m_abc,
        se_mean(v_abc, ess),
        0.0,
    );
    let smc_var = smc.population.variance(0).unwrap_or(f64::NAN);
    close(
        "SMC var",
        smc_var,
        v_abc,
        se_var(v_abc, ess, 3.0),
        finite_n_var_bias(v_abc, 1000),
    );
    let rej_var = rej.population.variance(0).unwrap_or(f64::NAN);
    close(
        "rejection mean",
        rej.population.mean(0).unwrap_or(f64::NAN),
        m_abc,
        (v_abc / 1000.0).sqrt(),
        0.0,
    );
    close("rejection var", rej_var, v_abc, v_abc * (2.0f64 / 1000.0).sqrt(), 0.0);
    assert!(
        smc.simulations < needed,
        "SMC {} vs rejection {needed}",
        smc.simulations
    );
}
