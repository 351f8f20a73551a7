//! Probabilistic runs: the parameters replication r draws, the same for
//! every scenario (common random numbers extended to parameters).
//!
//! Two sources, usable together (their parameters must differ):
//! - **factors** (`run --uncertainty FILE`, the factor syntax of experiment
//!   files): factor k's unit coordinate in replication r is
//!   `u = rng::unit(stream(replication_seed(seed, r), Uncertainty, k))`,
//!   mapped by the factor's quantile function (`Factor::value`);
//! - **weighted draws** (`run --parameters FILE.csv`, e.g. the posterior
//!   `shequ fit` writes): with the weights normalised to sum 1 and
//!   C_i = w_1 + … + w_i, replication r takes row i with C_{i−1} ≤ u < C_i,
//!   u from `stream(replication_seed(seed, r), ParameterRow, 0)` (the inverse
//!   CDF of the weights, so row i comes with probability w_i; a row of
//!   weight 0 never).
//!
//! The draws are put into each scenario's parameters with
//! `spec::set_params` (range- and cross-checked). They depend on the seed and
//! the replication only, so shards, `--resume`, merges and adaptive batches
//! draw the same values, and a scenario's results are the same whichever
//! other scenarios run beside it.

use crate::experiment::spec::{set_params, Factor};
use crate::model::params::Params;
use crate::model::rng::{self, StreamKind};
use crate::model::scenario::Scenario;
use crate::study::shard::SourceRecord;
use rayon::prelude::*;

/// A table of weighted parameter sets.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedTable {
    /// Parameter paths, one per column.
    pub columns: Vec<String>,
    /// `rows[i][c]`: row i's value of column c.
    pub rows: Vec<Vec<f64>>,
    /// Line of each row in its file (1-based), for error messages.
    pub lines: Vec<usize>,
    /// Cumulative normalised weights C_i; exactly 1 from the last row with a
    /// positive weight on.
    pub cumulative: Vec<f64>,
}

impl WeightedTable {
    /// A table from its columns, rows, lines and non-negative weights (at
    /// least one positive; checked by the reader).
    pub fn new(columns: Vec<String>, rows: Vec<Vec<f64>>, lines: Vec<usize>, weights: &[f64]) -> WeightedTable {
        let total: f64 = weights.iter().sum();
        let last = weights.iter().rposition(|w| *w > 0.0).unwrap_or(0);
        let mut run = 0.0;
        let cumulative = weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                run += w;
                if i >= last {
                    1.0
                } else {
                    run / total
                }
            })
            .collect();
        WeightedTable {
            columns,
            rows,
            lines,
            cumulative,
        }
    }

    /// The row of unit coordinate `u` ∈ [0, 1): the first i with u < C_i.
    pub fn row_at(&self, u: f64) -> usize {
        self.cumulative
            .partition_point(|&c| c <= u)
            .min(self.rows.len().saturating_sub(1))
    }
}

/// Where a draw's problem lies, for a located error.
#[derive(Debug, Clone, PartialEq)]
pub enum At {
    /// Factor k of the `--uncertainty` file.
    Factor(usize),
    /// Column c of row i of the `--parameters` table.
    Cell { row: usize, column: usize },
    /// Neither: a rule between several parameters.
    Params,
}

/// A draw that gives invalid parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawError {
    pub at: At,
    pub scenario: String,
    pub replication: u32,
    pub message: String,
}

/// The uncertain parameters of a probabilistic run.
#[derive(Debug, Clone, Default)]
pub struct Uncertainty {
    /// Name and description of the `--uncertainty` file.
    pub name: String,
    pub description: String,
    pub factors: Vec<Factor>,
    pub table: Option<WeightedTable>,
    pub sources: Vec<SourceRecord>,
}

impl Uncertainty {
    /// Whether anything is drawn.
    pub fn is_empty(&self) -> bool {
        self.factors.is_empty() && self.table.is_none()
    }

    /// Output column names: each factor's name (default its path), then the
    /// table's columns (parameter paths).
    pub fn columns(&self) -> Vec<String> {
        let mut c: Vec<String> = self.factors.iter().map(|f| f.name.clone()).collect();
        if let Some(t) = &self.table {
            c.extend(t.columns.iter().cloned());
        }
        c
    }

    /// Parameter paths in column order.
    pub fn paths(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self.factors.iter().map(|f| f.path.as_str()).collect();
        if let Some(t) = &self.table {
            p.extend(t.columns.iter().map(String::as_str));
        }
        p
    }

    /// The table row replication `r` takes (`None` without a table).
    pub fn row(&self, seed: u64, r: u32) -> Option<usize> {
        let t = self.table.as_ref()?;
        let rep = rng::replication_seed(seed, u64::from(r));
        let u = rng::unit(&mut rng::stream(rep, StreamKind::ParameterRow, 0));
        Some(t.row_at(u))
    }

    /// The values replication `r` draws, in column order.
    pub fn draw(&self, seed: u64, r: u32) -> Vec<f64> {
        let rep = rng::replication_seed(seed, u64::from(r));
        let mut v: Vec<f64> = self
            .factors
            .iter()
            .enumerate()
            .map(|(k, f)| f.value(rng::unit(&mut rng::stream(rep, StreamKind::Uncertainty, k as u64))))
            .collect();
        if let (Some(t), Some(i)) = (&self.table, self.row(seed, r)) {
            v.extend(t.rows[i].iter().copied());
        }
        v
    }

    /// `params` with replication `r`'s draws set.
    pub fn apply(&self, params: &Params, seed: u64, r: u32) -> Result<Params, (At, String)> {
        let values = self.draw(seed, r);
        let paths = self.paths();
        let assign: Vec<(&str, f64)> = paths.iter().copied().zip(values.iter().copied()).collect();
        set_params(params, &assign).map_err(|(k, m)| {
            let at = match k {
                Some(k) if k < self.factors.len() => At::Factor(k),
                Some(k) => At::Cell {
                    row: self.row(seed, r).unwrap_or(0),
                    column: k - self.factors.len(),
                },
                None => At::Params,
            };
            let what = match k {
                Some(k) => format!("`{}` drew {} in replication {r}: {m}", self.columns()[k], values[k]),
                None => format!("the draws of replication {r} break a rule: {m}"),
            };
            (at, what)
        })
    }

    /// Checks that every replication 0 … reps − 1 of every scenario gives
    /// valid parameters; the first failure (lowest replication, then
    /// scenario) otherwise.
    pub fn check(&self, scenarios: &[&Scenario], seed: u64, reps: u32) -> Result<(), DrawError> {
        if self.is_empty() {
            return Ok(());
        }
        let first = (0..reps)
            .into_par_iter()
            .filter_map(|r| {
                scenarios.iter().find_map(|s| {
                    self.apply(&s.params, seed, r).err().map(|(at, message)| DrawError {
                        at,
                        scenario: s.name.clone(),
                        replication: r,
                        message,
                    })
                })
            })
            .min_by_key(|e| e.replication);
        first.map_or(Ok(()), Err)
    }

    /// The drawn values of replications 0 … reps − 1, for runs.csv.
    pub fn table_of(&self, seed: u64, reps: u32) -> DrawTable {
        DrawTable {
            names: self.columns(),
            by_replication: if self.is_empty() {
                Vec::new()
            } else {
                (0..reps).map(|r| self.draw(seed, r)).collect()
            },
        }
    }
}

/// The drawn parameter values by replication (empty for a plain run).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrawTable {
    pub names: Vec<String>,
    pub by_replication: Vec<Vec<f64>>,
}

impl DrawTable {
    /// Replication `r`'s values (empty when nothing is drawn).
    pub fn values(&self, r: u32) -> &[f64] {
        self.by_replication.get(r as usize).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::spec::Form;

    fn table(weights: &[f64]) -> WeightedTable {
        let n = weights.len();
        WeightedTable::new(
            vec!["cadres.pay_elasticity".into()],
            (0..n).map(|i| vec![0.5 + i as f64 * 0.1]).collect(),
            (2..n + 2).collect(),
            weights,
        )
    }

    #[test]
    fn rows_by_inverse_cdf_of_the_weights() {
        let t = table(&[1.0, 0.0, 3.0, 0.0]);
        assert_eq!(t.cumulative, vec![0.25, 0.25, 1.0, 1.0]);
        assert_eq!(t.row_at(0.0), 0);
        assert_eq!(t.row_at(0.2499), 0);
        assert_eq!(t.row_at(0.25), 2); // row 1 has weight 0
        assert_eq!(t.row_at(0.999_999), 2); // row 3 has weight 0
                                            // frequencies follow the weights
        let u = Uncertainty {
            table: Some(table(&[1.0, 3.0])),
            ..Default::default()
        };
        let second = (0..4000).filter(|&r| u.row(7, r) == Some(1)).count();
        assert!((2850..3150).contains(&second), "{second}");
    }

    #[test]
    fn draws_depend_on_seed_and_replication_only() {
        let u = Uncertainty {
            factors: vec![Factor {
                path: "labour.layoff_annual".into(),
                name: "layoffs".into(),
                form: Form::Range { min: 0.03, max: 0.09 },
            }],
            table: Some(table(&[1.0, 1.0, 1.0])),
            ..Default::default()
        };
        assert_eq!(u.columns(), ["layoffs", "cadres.pay_elasticity"]);
        assert_eq!(u.draw(3, 5), u.draw(3, 5));
        assert_ne!(u.draw(3, 5), u.draw(3, 6));
        assert_ne!(u.draw(3, 5), u.draw(4, 5));
        let v = u.draw(3, 5);
        assert!((0.03..0.09).contains(&v[0]));
        let p = u.apply(&Params::default(), 3, 5).unwrap();
        assert_eq!((p.labour.layoff_annual, p.cadres.pay_elasticity), (v[0], v[1]));
    }

    #[test]
    fn a_draw_out_of_range_names_its_factor() {
        let u = Uncertainty {
            factors: vec![Factor {
                path: "labour.layoff_annual".into(),
                name: "layoffs".into(),
                form: Form::Range { min: 5.0, max: 6.0 },
            }],
            ..Default::default()
        };
        let (at, msg) = u.apply(&Params::default(), 1, 0).unwrap_err();
        assert_eq!(at, At::Factor(0));
        assert!(msg.contains("`layoffs` drew") && msg.contains("valid range"), "{msg}");
    }
}
