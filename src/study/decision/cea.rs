//! Cost-effectiveness analysis of mutually exclusive strategies, as R's
//! dampack (`calculate_icers`, `ceac`, `calc_evpi`), BCEA and heemod do it.
//!
//! Draw matrices are `cost[strategy][draw]` and `effect[strategy][draw]`,
//! paired across strategies (draw r of every strategy shares its seed and,
//! in probabilistic runs, its parameter draw). A draw is used only if every
//! strategy's cost and effect in it are finite (complete cases).
//! "Effect" is anything more-is-better (QALYs, cases averted, satisfaction
//! points); for a less-is-better outcome pass its negative.

use super::common::{check_rect, complete_columns, DecisionError};
use serde::Serialize;

/// Status of a strategy in the ICER table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CeStatus {
    /// The least costly non-dominated strategy: the frontier's start; no ICER.
    #[serde(rename = "reference")]
    Reference,
    /// On the efficient frontier (dampack "ND").
    #[serde(rename = "ND")]
    NonDominated,
    /// Extendedly (weakly) dominated (dampack "ED").
    #[serde(rename = "ED")]
    ExtendedlyDominated,
    /// Strongly dominated (dampack "D").
    #[serde(rename = "D")]
    Dominated,
    /// Cost or effect not finite: left out of the analysis.
    #[serde(rename = "undefined")]
    Undefined,
}

impl CeStatus {
    /// Output label: `"reference"`, `"ND"`, `"ED"`, `"D"`, `"undefined"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CeStatus::Reference => "reference",
            CeStatus::NonDominated => "ND",
            CeStatus::ExtendedlyDominated => "ED",
            CeStatus::Dominated => "D",
            CeStatus::Undefined => "undefined",
        }
    }

    /// The label dampack prints (it calls the reference "ND" too; NA for
    /// undefined).
    pub fn dampack_code(&self) -> &'static str {
        match self {
            CeStatus::Reference | CeStatus::NonDominated => "ND",
            CeStatus::ExtendedlyDominated => "ED",
            CeStatus::Dominated => "D",
            CeStatus::Undefined => "NA",
        }
    }
}

/// One row of the ICER table. `cost`/`effect` are `None` only for an
/// `Undefined` strategy whose value was not finite. `inc_cost`,
/// `inc_effect` and `icer` are filled for frontier strategies after the
/// reference, against the previous frontier strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IcerRow {
    /// Index of the strategy in the input.
    pub strategy: usize,
    pub cost: Option<f64>,
    pub effect: Option<f64>,
    pub inc_cost: Option<f64>,
    pub inc_effect: Option<f64>,
    pub icer: Option<f64>,
    pub status: CeStatus,
}

/// Efficient frontier and ICERs from (mean) cost and effect per strategy,
/// following dampack's `calculate_icers` step by step.
///
/// Definition:
/// 1. Strategies with a non-finite cost or effect are set aside as
///    `Undefined` (dampack would fail).
/// 2. Sort by cost ascending, ties by effect descending (stable: exact
///    duplicates keep input order).
/// 3. **Strong dominance (D)**: a strategy is dominated if some strategy
///    before it in this order has an effect ≥ its effect (it costs at least
///    as much for no more effect). Consequences for ties: of two strategies
///    with equal cost, the less effective is D; of exact duplicates, all but
///    the first in input order are D. The survivors have strictly increasing
///    cost and effect.
/// 4. **Extended dominance (ED)**, repeated until nothing changes or at most
///    two strategies remain: compute ICERs of the remaining strategies in
///    cost order, ICERₖ = (Cₖ − Cₖ₋₁)/(Eₖ − Eₖ₋₁); every interior strategy k
///    (not the first, not the last) with ICERₖ > ICERₖ₊₁ is ED (all such k in
///    one pass). Equal ICERs (collinear strategies) are kept on the frontier.
/// 5. The remaining strategies are the frontier: the first (least costly) is
///    `Reference`, the others `NonDominated` with `inc_cost`, `inc_effect`
///    and `icer` against the previous frontier strategy.
///
/// Output order (as dampack prints it): frontier strategies by cost, then ED,
/// then D (each by cost ascending, effect descending), then `Undefined` in
/// input order. One strategy: it is the `Reference`. None: empty table.
/// (Increments that overflow f64 — values near f64::MAX — are `None`.)
///
/// Errors: `cost` and `effect` of different lengths.
pub fn calculate_icers(cost: &[f64], effect: &[f64]) -> Result<Vec<IcerRow>, DecisionError> {
    if cost.len() != effect.len() {
        return Err(DecisionError::ShapeMismatch {
            what: "cost and effect must have one entry per strategy",
        });
    }
    let row = |s: usize, status: CeStatus| IcerRow {
        strategy: s,
        cost: cost[s].is_finite().then_some(cost[s]),
        effect: effect[s].is_finite().then_some(effect[s]),
        inc_cost: None,
        inc_effect: None,
        icer: None,
        status,
    };
    let (mut order, undefined): (Vec<usize>, Vec<usize>) =
        (0..cost.len()).partition(|&s| cost[s].is_finite() && effect[s].is_finite());
    order.sort_by(|&a, &b| cost[a].total_cmp(&cost[b]).then(effect[b].total_cmp(&effect[a])));

    // 3. strong dominance
    let mut dominated = vec![false; cost.len()];
    for (k, &j) in order.iter().enumerate() {
        if order[..k].iter().any(|&i| effect[j] <= effect[i]) {
            dominated[j] = true;
        }
    }
    // 4. extended dominance
    let mut extended = vec![false; cost.len()];
    let icers_of = |nd: &[usize]| -> Vec<f64> {
        let mut v = vec![f64::NAN; nd.len()];
        for k in 1..nd.len() {
            v[k] = (cost[nd[k]] - cost[nd[k - 1]]) / (effect[nd[k]] - effect[nd[k - 1]]);
        }
        v
    };
    loop {
        let nd: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&s| !dominated[s] && !extended[s])
            .collect();
        if nd.len() <= 2 {
            break;
        }
        let icer = icers_of(&nd);
        let mut changed = false;
        for k in 1..nd.len() - 1 {
            if icer[k] > icer[k + 1] {
                extended[nd[k]] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // 5. frontier and output
    let frontier: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&s| !dominated[s] && !extended[s])
        .collect();
    let mut out = Vec::with_capacity(cost.len());
    for (k, &s) in frontier.iter().enumerate() {
        if k == 0 {
            out.push(row(s, CeStatus::Reference));
        } else {
            let prev = frontier[k - 1];
            let (dc, de) = (cost[s] - cost[prev], effect[s] - effect[prev]);
            let fin = |v: f64| v.is_finite().then_some(v); // overflow → undefined
            out.push(IcerRow {
                inc_cost: fin(dc),
                inc_effect: fin(de),
                icer: fin(dc / de),
                ..row(s, CeStatus::NonDominated)
            });
        }
    }
    out.extend(
        order
            .iter()
            .filter(|&&s| extended[s])
            .map(|&s| row(s, CeStatus::ExtendedlyDominated)),
    );
    out.extend(
        order
            .iter()
            .filter(|&&s| dominated[s])
            .map(|&s| row(s, CeStatus::Dominated)),
    );
    out.extend(undefined.into_iter().map(|s| row(s, CeStatus::Undefined)));
    Ok(out)
}

/// Mean cost and effect per strategy over the complete draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PsaMeans {
    pub n_draws: usize,
    pub cost: Vec<f64>,
    pub effect: Vec<f64>,
}

/// Validates a pair of draw matrices; returns the complete draws.
fn complete_draws(cost: &[Vec<f64>], effect: &[Vec<f64>]) -> Result<Vec<usize>, DecisionError> {
    let lc = check_rect(cost)?;
    let le = check_rect(effect)?;
    if cost.len() != effect.len() || lc != le {
        return Err(DecisionError::ShapeMismatch {
            what: "cost and effect draw matrices must have the same shape",
        });
    }
    let cols_c = complete_columns(cost, lc);
    Ok(cols_c
        .into_iter()
        .filter(|&r| effect.iter().all(|row| row[r].is_finite()))
        .collect())
}

/// Mean cost and mean effect of each strategy over the complete draws (the
/// inputs of an ICER table from a probabilistic run, as dampack
/// `calculate_icers_psa` does). `None` when there is no complete draw or no
/// strategy. Errors: ragged or mismatched matrices.
pub fn psa_means(cost: &[Vec<f64>], effect: &[Vec<f64>]) -> Result<Option<PsaMeans>, DecisionError> {
    let cols = complete_draws(cost, effect)?;
    if cols.is_empty() || cost.is_empty() {
        return Ok(None);
    }
    let n = cols.len() as f64;
    let m = |rows: &[Vec<f64>]| -> Vec<f64> {
        rows.iter()
            .map(|row| cols.iter().map(|&r| row[r]).sum::<f64>() / n)
            .collect()
    };
    Ok(Some(PsaMeans {
        n_draws: cols.len(),
        cost: m(cost),
        effect: m(effect),
    }))
}

/// Net monetary benefit NMB = λ·E − C of one strategy in one draw, with λ the
/// willingness to pay per unit of effect.
pub fn nmb(cost: f64, effect: f64, wtp: f64) -> f64 {
    wtp * effect - cost
}

/// Decision summary at one willingness to pay λ.
///
/// Vectors are indexed by strategy; they are empty (and `best_expected`,
/// `evpi` `None`) when there is no complete draw or no strategy, or when a
/// net benefit overflows f64 at this λ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WtpRow {
    pub wtp: f64,
    pub n_draws: usize,
    /// Mean NMB_s over the draws.
    pub mean_nmb: Vec<f64>,
    /// CEAC: share of draws in which strategy s has the highest NMB (ties split).
    pub p_best: Vec<f64>,
    /// CEAF: strategy with the highest mean NMB (first in input order on ties).
    pub best_expected: Option<usize>,
    /// Expected value of perfect information per unit of population.
    pub evpi: Option<f64>,
}

/// Net-benefit decision summary over a grid of willingness-to-pay values:
/// CEAC, CEAF and EVPI.
///
/// Definitions, at each λ in `wtp`, over the n complete draws r and
/// strategies s, with NMB_{s,r} = λ·E_{s,r} − C_{s,r}:
/// - `mean_nmb[s]` = (1/n) Σ_r NMB_{s,r};
/// - **CEAC** `p_best[s]` = (1/n) Σ_r w_{s,r}, where w_{s,r} = 1/k if s is
///   among the k strategies with the (exactly) highest NMB in draw r and 0
///   otherwise — ties are split (dampack breaks them at random);
///   `Σ_s p_best[s] = 1`;
/// - **CEAF** `best_expected` = `argmax_s mean_nmb[s]` (the strategy a
///   risk-neutral decision maker picks at λ; the first in input order on
///   exact ties, as R `which.max`);
/// - **EVPI**(λ) = `(1/n) Σ_r max_s NMB_{s,r} − max_s mean_nmb[s]`, the
///   expected loss from deciding under current uncertainty; ≥ 0 by Jensen's
///   inequality (clamped at 0 against rounding; it is exactly 0 when one
///   strategy has the highest NMB in every draw). Multiply by the affected
///   population for a population EVPI.
///
/// Errors: ragged or mismatched matrices, or a non-finite λ.
pub fn ceac(cost: &[Vec<f64>], effect: &[Vec<f64>], wtp: &[f64]) -> Result<Vec<WtpRow>, DecisionError> {
    let cols = complete_draws(cost, effect)?;
    if wtp.iter().any(|l| !l.is_finite()) {
        return Err(DecisionError::NonFiniteParameter { name: "wtp" });
    }
    let s_count = cost.len();
    let n = cols.len();
    let mut out = Vec::with_capacity(wtp.len());
    for &lambda in wtp {
        let undefined = WtpRow {
            wtp: lambda,
            n_draws: n,
            mean_nmb: Vec::new(),
            p_best: Vec::new(),
            best_expected: None,
            evpi: None,
        };
        if n == 0 || s_count == 0 {
            out.push(undefined);
            continue;
        }
        let mut sum_nmb = vec![0.0; s_count];
        let mut wins = vec![0.0; s_count];
        let mut sum_max = 0.0;
        let mut draw = vec![0.0; s_count];
        for &r in &cols {
            for (s, v) in draw.iter_mut().enumerate() {
                *v = nmb(cost[s][r], effect[s][r], lambda);
                sum_nmb[s] += *v;
            }
            let max = draw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let k = draw.iter().filter(|&&v| v == max).count() as f64;
            for (w, &v) in wins.iter_mut().zip(&draw) {
                if v == max {
                    *w += 1.0 / k;
                }
            }
            sum_max += max;
        }
        if !sum_max.is_finite() || sum_nmb.iter().any(|v| !v.is_finite()) {
            // NMB overflowed f64 (|λ·E| or |C| near f64::MAX): undefined row
            out.push(undefined);
            continue;
        }
        let nf = n as f64;
        let mean_nmb: Vec<f64> = sum_nmb.iter().map(|v| v / nf).collect();
        let mut best = 0;
        for (s, &m) in mean_nmb.iter().enumerate() {
            if m > mean_nmb[best] {
                best = s;
            }
        }
        let evpi = (sum_max / nf - mean_nmb[best]).max(0.0);
        out.push(WtpRow {
            wtp: lambda,
            n_draws: n,
            p_best: wins.iter().map(|w| w / nf).collect(),
            mean_nmb,
            best_expected: Some(best),
            evpi: Some(evpi),
        });
    }
    Ok(out)
}

/// EVPI at each λ of `wtp`; the `evpi` column of [`ceac`] (same definition
/// and errors).
pub fn evpi(cost: &[Vec<f64>], effect: &[Vec<f64>], wtp: &[f64]) -> Result<Vec<Option<f64>>, DecisionError> {
    Ok(ceac(cost, effect, wtp)?.into_iter().map(|r| r.evpi).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use CeStatus::*;

    fn statuses(rows: &[IcerRow]) -> Vec<(usize, CeStatus)> {
        rows.iter().map(|r| (r.strategy, r.status)).collect()
    }

    fn close(a: Option<f64>, b: f64, rel: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= rel * b.abs().max(1e-300))
    }

    #[test]
    fn hand_computed_frontier_with_d_and_ed() {
        // strategy: (cost, effect)
        //   0 A (0, 0)   1 B (100, 1)   2 C (300, 1.5)   3 D (350, 2.5)   4 E (400, 2)   5 F (600, 3)
        // sorted by cost: A B C D E F.
        // D: E (cost 400, effect 2) comes after D (effect 2.5 ≥ 2) → E strongly dominated.
        // ED pass 1 on A B C D F: ICERs B 100/1 = 100, C 200/0.5 = 400, D 50/1 = 50,
        //   F 250/0.5 = 500 → C (400 > 50) is ED.
        // ED pass 2 on A B D F: B 100, D 250/1.5 = 166.67, F 500 → increasing, done.
        let cost = [0.0, 100.0, 300.0, 350.0, 400.0, 600.0];
        let effect = [0.0, 1.0, 1.5, 2.5, 2.0, 3.0];
        let rows = calculate_icers(&cost, &effect).unwrap();
        assert_eq!(
            statuses(&rows),
            vec![
                (0, Reference),
                (1, NonDominated),
                (3, NonDominated),
                (5, NonDominated),
                (2, ExtendedlyDominated),
                (4, Dominated)
            ]
        );
        assert_eq!((rows[0].icer, rows[0].inc_cost), (None, None));
        assert_eq!(
            (rows[1].inc_cost, rows[1].inc_effect, rows[1].icer),
            (Some(100.0), Some(1.0), Some(100.0))
        );
        assert_eq!((rows[2].inc_cost, rows[2].inc_effect), (Some(250.0), Some(1.5)));
        assert!(close(rows[2].icer, 250.0 / 1.5, 1e-15));
        assert_eq!(rows[3].icer, Some(500.0));
        assert!(rows[4..].iter().all(|r| r.icer.is_none()));
    }

    #[test]
    fn extended_dominance_needs_two_passes() {
        // P0 (0,0) P1 (10,1) P2 (25,2) P3 (45,3) P4 (50,4)
        // pass 1 ICERs: 10, 15, 20, 5 → P3 ED (20 > 5)
        // pass 2 on P0 P1 P2 P4: 10, 15, 25/2 = 12.5 → P2 ED (15 > 12.5)
        // pass 3 on P0 P1 P4: 10, 40/3 → done
        let rows = calculate_icers(&[0.0, 10.0, 25.0, 45.0, 50.0], &[0.0, 1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(
            statuses(&rows),
            vec![
                (0, Reference),
                (1, NonDominated),
                (4, NonDominated),
                (2, ExtendedlyDominated),
                (3, ExtendedlyDominated)
            ]
        );
        assert!(close(rows[2].icer, 40.0 / 3.0, 1e-15));
    }

    #[test]
    fn dampack_test_suite_herc_example() {
        // dampack tests/testthat/test_calculate_icers.R (example from the VA HERC
        // cost-effectiveness guide): expected Strategy UC, B, D, E, C, A with
        // Inc_Cost NA, 5000, 25000, 20000; Inc_Effect NA, 1, 2, 1;
        // ICER NA, 5000, 12500, 20000; Status ND ND ND ND ED D.
        let cost = [55000.0, 35000.0, 25000.0, 10000.0, 12000.0, 5000.0];
        let effect = [5.0, 4.0, 3.0, 2.0, 1.5, 1.0];
        // input order: 0 E, 1 D, 2 C, 3 B, 4 A, 5 UC
        let rows = calculate_icers(&cost, &effect).unwrap();
        assert_eq!(
            statuses(&rows),
            vec![
                (5, Reference),
                (3, NonDominated),
                (1, NonDominated),
                (0, NonDominated),
                (2, ExtendedlyDominated),
                (4, Dominated)
            ]
        );
        let codes: Vec<&str> = rows.iter().map(|r| r.status.dampack_code()).collect();
        assert_eq!(codes, ["ND", "ND", "ND", "ND", "ED", "D"]);
        let icers: Vec<Option<f64>> = rows.iter().map(|r| r.icer).collect();
        assert_eq!(
            icers,
            vec![None, Some(5000.0), Some(12500.0), Some(20000.0), None, None]
        );
        let inc: Vec<Option<f64>> = rows.iter().map(|r| r.inc_effect).collect();
        assert_eq!(inc, vec![None, Some(1.0), Some(2.0), Some(1.0), None, None]);
    }

    #[test]
    fn dampack_vignette_cdiff_example() {
        // dampack vignettes/cdiff_icers.csv: calculate_icers on the mean cost and
        // effect of the C. difficile PSA (Rajasingham et al. 2020, 11 strategies),
        // printed to ~15 significant digits. Input order below = the csv's rows.
        let names = [
            "s3", "s27", "s33", "s31", "s43", "s44", "s39", "s4", "s13", "s37", "s20",
        ];
        let cost = [
            57336.0059896538,
            57541.2526373815,
            57642.2587507842,
            57934.0743411241,
            58072.1137208494,
            58665.7823044647,
            57814.6470919581,
            57887.481549326,
            58018.6252420203,
            58081.7947984323,
            58634.2026441398,
        ];
        let effect = [
            12.9399639202408,
            13.0140640696275,
            13.0389116321918,
            13.0966257932217,
            13.11285766912,
            13.1283328397025,
            13.0462790163185,
            12.9970657153765,
            13.0650412387992,
            13.1029711156978,
            13.1100568867995,
        ];
        // csv Status and ICER columns
        let want_status = ["ND", "ND", "ND", "ND", "ND", "ND", "ED", "D", "D", "D", "D"];
        let want_icer = [
            None,
            Some(2769.85470915263),
            Some(4065.03105249231),
            Some(5056.2216470406),
            Some(8504.2160616553),
            Some(38362.6519947134),
        ];
        let want_inc_cost = [
            205.246647727639,
            101.006113402713,
            291.815590339931,
            138.039379725262,
            593.668583615326,
        ];
        // shuffle the input to check that the order is recomputed
        let perm = [10, 3, 7, 0, 5, 9, 1, 8, 2, 6, 4];
        let c: Vec<f64> = perm.iter().map(|&i| cost[i]).collect();
        let e: Vec<f64> = perm.iter().map(|&i| effect[i]).collect();
        let rows = calculate_icers(&c, &e).unwrap();
        let got_names: Vec<&str> = rows.iter().map(|r| names[perm[r.strategy]]).collect();
        assert_eq!(got_names, names);
        let got_status: Vec<&str> = rows.iter().map(|r| r.status.dampack_code()).collect();
        assert_eq!(got_status, want_status);
        assert_eq!(rows[0].status, Reference);
        for (r, w) in rows.iter().zip(want_icer) {
            match w {
                None => assert_eq!(r.icer, None),
                Some(w) => assert!(close(r.icer, w, 1e-11), "{r:?} vs {w}"),
            }
        }
        for (r, w) in rows[1..6].iter().zip(want_inc_cost) {
            assert!(close(r.inc_cost, w, 1e-11));
        }
    }

    #[test]
    fn dampack_vignette_hiv_example() {
        // dampack vignettes/basic_cea.Rmd, example 1 (Paltiel et al. 2006, Table 4):
        // costs 26000, 27000, 28020, 28440, 29440; QALYs (277.25, 277.57, 277.78,
        // 277.83, 277.76) / 12. By hand: "annual" (effect 277.76 < 277.83 of the
        // cheaper 3yr) is D; ICERs one time 1000/(0.32/12) = 37500,
        // 5yr 1020/(0.21/12) = 58285.71, 3yr 420/(0.05/12) = 100800: increasing, no ED.
        let cost = [26000.0, 27000.0, 28020.0, 28440.0, 29440.0];
        let effect = [277.25, 277.57, 277.78, 277.83, 277.76].map(|q: f64| q / 12.0);
        let rows = calculate_icers(&cost, &effect).unwrap();
        assert_eq!(
            statuses(&rows),
            vec![
                (0, Reference),
                (1, NonDominated),
                (2, NonDominated),
                (3, NonDominated),
                (4, Dominated)
            ]
        );
        assert!(close(rows[1].icer, 37500.0, 1e-9));
        assert!(close(rows[2].icer, 1020.0 * 12.0 / 0.21, 1e-9));
        assert!(close(rows[3].icer, 100800.0, 1e-9));
    }

    #[test]
    fn ties_in_cost_or_effect() {
        // dampack test "default reference strategy": Test & treat (cheapest, tied best
        // effect) is the reference; Treat all (same effect, more cost) is D.
        let rows = calculate_icers(&[163771.0, 164848.7, 163765.1], &[6.48273, 6.52861, 6.52861]).unwrap();
        assert_eq!(statuses(&rows), vec![(2, Reference), (0, Dominated), (1, Dominated)]);
        // same cost, different effect: the less effective is D
        let rows = calculate_icers(&[100.0, 100.0, 0.0], &[1.0, 2.0, 0.0]).unwrap();
        assert_eq!(statuses(&rows), vec![(2, Reference), (1, NonDominated), (0, Dominated)]);
        // exact duplicates: the first in input order stays, the other is D
        let rows = calculate_icers(&[0.0, 50.0, 50.0], &[0.0, 1.0, 1.0]).unwrap();
        assert_eq!(statuses(&rows), vec![(0, Reference), (1, NonDominated), (2, Dominated)]);
        // collinear (equal ICERs) strategies stay on the frontier
        let rows = calculate_icers(&[0.0, 10.0, 20.0], &[0.0, 1.0, 2.0]).unwrap();
        assert_eq!(
            statuses(&rows),
            vec![(0, Reference), (1, NonDominated), (2, NonDominated)]
        );
        // the cheapest is the reference even when it is the least effective
        let rows = calculate_icers(&[5.0, 1.0], &[10.0, 0.0]).unwrap();
        assert_eq!(statuses(&rows), vec![(1, Reference), (0, NonDominated)]);
        assert_eq!(rows[1].icer, Some(0.4));
        // cheaper and better dominates everything after it
        let rows = calculate_icers(&[1.0, 5.0, 9.0], &[10.0, 3.0, 10.0]).unwrap();
        assert_eq!(statuses(&rows), vec![(0, Reference), (1, Dominated), (2, Dominated)]);
    }

    #[test]
    fn icer_edge_cases() {
        assert!(calculate_icers(&[], &[]).unwrap().is_empty());
        assert!(calculate_icers(&[1.0], &[]).is_err());
        let one = calculate_icers(&[3.0], &[1.0]).unwrap();
        assert_eq!(statuses(&one), vec![(0, Reference)]);
        assert_eq!(one[0].icer, None);
        let rows = calculate_icers(&[f64::NAN, 0.0, 10.0, 5.0], &[1.0, 0.0, 1.0, f64::INFINITY]).unwrap();
        assert_eq!(
            statuses(&rows),
            vec![(1, Reference), (2, NonDominated), (0, Undefined), (3, Undefined)]
        );
        assert_eq!((rows[2].cost, rows[2].effect), (None, Some(1.0)));
        assert_eq!((rows[3].cost, rows[3].effect), (Some(5.0), None));
        // two strategies left after D: no ED step
        let rows = calculate_icers(&[0.0, 1.0, 2.0], &[0.0, 5.0, 1.0]).unwrap();
        assert_eq!(statuses(&rows), vec![(0, Reference), (1, NonDominated), (2, Dominated)]);
    }

    // Three strategies × four draws (hand example below).
    fn psa() -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let cost = vec![
            vec![0.0, 0.0, 0.0, 0.0],
            vec![100.0, 200.0, 150.0, 50.0],
            vec![300.0, 250.0, 400.0, 350.0],
        ];
        let effect = vec![vec![0.0; 4], vec![1.0, 1.5, 0.5, 1.0], vec![2.0, 2.5, 1.0, 3.0]];
        (cost, effect)
    }

    #[test]
    fn ceac_and_evpi_hand_computed() {
        // λ = 0: NMB = −C; S0 (cost 0) is best in every draw → CEAC S0 = 1, EVPI = 0.
        // λ = 100: NMB1 = [0, −50, −100, 50], NMB2 = [−100, 0, −300, −50], NMB0 = 0.
        //   draw 1: S0 and S1 tie at 0 (½ each); draw 2: S0 and S2 tie at 0 (½ each);
        //   draw 3: S0; draw 4: S1.  CEAC = [2/4, 1.5/4, 0.5/4] = [0.5, 0.375, 0.125].
        //   mean NMB = [0, −25, −112.5] → CEAF S0; EVPI = (0+0+0+50)/4 − 0 = 12.5.
        // λ = 200: NMB1 = [100, 100, −50, 150], NMB2 = [100, 250, −200, 250].
        //   draw 1: S1 = S2 = 100 (½ each); draw 2: S2; draw 3: S0; draw 4: S2.
        //   CEAC = [0.25, 0.125, 0.625]; mean NMB = [0, 75, 100] → CEAF S2;
        //   EVPI = (100+250+0+250)/4 − 100 = 50.
        let (c, e) = psa();
        let rows = ceac(&c, &e, &[0.0, 100.0, 200.0]).unwrap();
        assert_eq!(rows[0].p_best, vec![1.0, 0.0, 0.0]);
        assert_eq!((rows[0].best_expected, rows[0].evpi), (Some(0), Some(0.0)));
        assert_eq!(rows[1].p_best, vec![0.5, 0.375, 0.125]);
        assert_eq!(rows[1].mean_nmb, vec![0.0, -25.0, -112.5]);
        assert_eq!((rows[1].best_expected, rows[1].evpi), (Some(0), Some(12.5)));
        assert_eq!(rows[2].p_best, vec![0.25, 0.125, 0.625]);
        assert_eq!(rows[2].mean_nmb, vec![0.0, 75.0, 100.0]);
        assert_eq!((rows[2].best_expected, rows[2].evpi), (Some(2), Some(50.0)));
        assert_eq!(evpi(&c, &e, &[100.0, 200.0]).unwrap(), vec![Some(12.5), Some(50.0)]);
        assert_eq!(nmb(150.0, 1.5, 200.0), 150.0);
    }

    #[test]
    fn evpi_zero_when_one_strategy_wins_every_draw() {
        // S1 = S0 shifted: cheaper by 1..5 and more effective in every draw,
        // so it has the highest NMB in every draw at every λ ≥ 0.
        let c0 = vec![103.7, 98.2, 111.9, 87.4, 120.05];
        let e0 = vec![2.31, 1.97, 2.64, 1.72, 2.88];
        let c1: Vec<f64> = c0.iter().enumerate().map(|(r, c)| c - 1.0 - r as f64).collect();
        let e1: Vec<f64> = e0.iter().map(|e| e + 0.013).collect();
        let c2: Vec<f64> = c0.iter().map(|c| c + 40.0).collect();
        let e2: Vec<f64> = e0.iter().map(|e| e - 0.2).collect();
        let rows = ceac(&[c0, c1, c2], &[e0, e1, e2], &[0.0, 1e3, 3.7e4, 1e6]).unwrap();
        for r in rows {
            assert_eq!(r.evpi, Some(0.0), "{r:?}");
            assert_eq!(r.p_best, vec![0.0, 1.0, 0.0]);
            assert_eq!(r.best_expected, Some(1));
        }
    }

    #[test]
    fn ceac_edge_cases() {
        let (c, e) = psa();
        // shapes and parameters
        assert!(ceac(&c, &e[..2], &[1.0]).is_err());
        assert!(ceac(&[vec![1.0], vec![1.0, 2.0]], &[vec![1.0], vec![1.0, 2.0]], &[1.0]).is_err());
        assert!(ceac(&c, &e, &[f64::NAN]).is_err());
        // empty grid, empty strategies, no complete draw
        assert!(ceac(&c, &e, &[]).unwrap().is_empty());
        let r = ceac(&[], &[], &[1.0]).unwrap();
        assert_eq!((r[0].n_draws, r[0].evpi, r[0].p_best.len()), (0, None, 0));
        let r = ceac(&[vec![f64::NAN]], &[vec![1.0]], &[1.0]).unwrap();
        assert_eq!((r[0].n_draws, r[0].best_expected), (0, None));
        // one strategy: always best, EVPI 0
        let r = ceac(&c[1..2], &e[1..2], &[100.0]).unwrap();
        assert_eq!((r[0].p_best.clone(), r[0].evpi), (vec![1.0], Some(0.0)));
        // a NaN in one draw drops that draw for every strategy
        let (mut c, e) = psa();
        c[2][3] = f64::NAN; // drops draw 4
        let r = ceac(&c, &e, &[100.0]).unwrap();
        assert_eq!(r[0].n_draws, 3);
        // draws 1–3 at λ = 100: S0 gets ½ + ½ + 1 = 2, S1 ½, S2 ½ → [2/3, 1/6, 1/6]
        assert!((r[0].p_best[0] - 2.0 / 3.0).abs() < 1e-15 && (r[0].p_best[1] - 1.0 / 6.0).abs() < 1e-15);
        assert_eq!(r[0].evpi, Some(0.0)); // max per draw is 0 in draws 1–3
    }

    #[test]
    fn psa_means_feed_icers() {
        let (c, e) = psa();
        let m = psa_means(&c, &e).unwrap().unwrap();
        assert_eq!(m.n_draws, 4);
        assert_eq!(m.cost, vec![0.0, 125.0, 325.0]);
        assert_eq!(m.effect, vec![0.0, 1.0, 2.125]);
        // ICERs: S1 125/1 = 125, S2 200/1.125 = 177.78 → both on the frontier
        let rows = calculate_icers(&m.cost, &m.effect).unwrap();
        assert_eq!(
            statuses(&rows),
            vec![(0, Reference), (1, NonDominated), (2, NonDominated)]
        );
        assert_eq!(psa_means(&[], &[]).unwrap(), None);
        assert_eq!(psa_means(&[vec![f64::NAN]], &[vec![0.0]]).unwrap(), None);
        assert!(psa_means(&[vec![1.0]], &[vec![1.0, 2.0]]).is_err());
    }

    #[test]
    fn labels() {
        let all = [Reference, NonDominated, ExtendedlyDominated, Dominated, Undefined];
        let s: Vec<&str> = all.iter().map(CeStatus::as_str).collect();
        assert_eq!(s, ["reference", "ND", "ED", "D", "undefined"]);
    }
}
