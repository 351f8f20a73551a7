//! An experiment as plain data: base scenarios, uncertain factors and a
//! design (`Experiment`), and `set_param`, which puts a factor value into a
//! scenario's parameters. Reading experiment files is
//! `files/experiment_file.rs`.
//!
//! A factor's unit-cube coordinate u maps to a value by the factor's
//! quantile function: range min + u(max − min); list values[⌊u·n⌋];
//! normal mean + sd·Φ⁻¹(u) (clamped to min/max when given); lognormal
//! exp(mean + sd·Φ⁻¹(u)) (mean and sd of the logarithm); triangular its
//! inverse CDF. Integer parameters take the nearest integer.

use crate::experiment::design::{self, Design};
use crate::model::params::Params;
use crate::model::rng::{self, StreamKind};
use crate::model::scenario::Scenario;
use serde::Deserialize;
use statrs::distribution::{ContinuousCDF, Normal};
use std::path::PathBuf;

/// Design kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DesignKind {
    Grid,
    Lhs,
    Sobol,
    Morris,
}

impl DesignKind {
    pub fn name(self) -> &'static str {
        match self {
            DesignKind::Grid => "grid",
            DesignKind::Lhs => "lhs",
            DesignKind::Sobol => "sobol",
            DesignKind::Morris => "morris",
        }
    }
}

/// How a factor's unit coordinate becomes a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    Range { min: f64, max: f64 },
    Values(Vec<f64>),
    Normal { mean: f64, sd: f64, min: f64, max: f64 },
    LogNormal { mean: f64, sd: f64 },
    Triangular { min: f64, mode: f64, max: f64 },
}

/// An uncertain parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// Dotted parameter path, e.g. `labour.layoff_annual`.
    pub path: String,
    /// Column name in the outputs (default: the path).
    pub name: String,
    pub form: Form,
}

/// Keeps Φ⁻¹ finite at the ends of the unit interval.
const U_EPS: f64 = 1e-12;

impl Factor {
    /// The factor's value at unit coordinate `u`.
    pub fn value(&self, u: f64) -> f64 {
        let std_normal = || {
            Normal::new(0.0, 1.0)
                .map(|n| n.inverse_cdf(u.clamp(U_EPS, 1.0 - U_EPS)))
                .unwrap_or(0.0)
        };
        match &self.form {
            Form::Range { min, max } => min + u * (max - min),
            Form::Values(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)],
            Form::Normal { mean, sd, min, max } => (mean + sd * std_normal()).clamp(*min, *max),
            Form::LogNormal { mean, sd } => (mean + sd * std_normal()).exp(),
            Form::Triangular { min, mode, max } => {
                let c = if max > min { (mode - min) / (max - min) } else { 0.5 };
                if u < c {
                    min + ((max - min) * (mode - min) * u).sqrt()
                } else {
                    max - ((max - min) * (max - mode) * (1.0 - u)).sqrt()
                }
            }
        }
    }

    /// How many values `grid_levels` gives.
    pub fn grid_levels_count(&self, levels: usize) -> usize {
        match &self.form {
            Form::Values(v) => v.len(),
            _ => levels,
        }
    }

    /// Unit coordinates of the factor's grid levels.
    pub fn grid_levels(&self, levels: usize) -> Vec<f64> {
        match &self.form {
            Form::Values(v) => (0..v.len()).map(|i| (i as f64 + 0.5) / v.len() as f64).collect(),
            Form::Range { .. } if levels > 1 => (0..levels).map(|i| i as f64 / (levels - 1) as f64).collect(),
            _ => (0..levels).map(|i| (i as f64 + 0.5) / levels as f64).collect(),
        }
    }

    /// How the factor is specified, for the manifest.
    pub fn describe(&self) -> String {
        match &self.form {
            Form::Range { min, max } => format!("uniform [{min}, {max}]"),
            Form::Values(v) => format!("values {v:?}"),
            Form::Normal { mean, sd, min, max } => format!("normal(mean {mean}, sd {sd}) clamped to [{min}, {max}]"),
            Form::LogNormal { mean, sd } => format!("lognormal(log-mean {mean}, log-sd {sd})"),
            Form::Triangular { min, mode, max } => format!("triangular({min}, {mode}, {max})"),
        }
    }
}

/// A resolved design: kind and its sizes.
#[derive(Debug, Clone)]
pub struct DesignPlan {
    pub kind: DesignKind,
    pub n: usize,
    pub levels: usize,
    pub trajectories: usize,
    pub seed: u64,
    pub bootstrap: usize,
}

/// A loaded, checked experiment.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub name: String,
    pub description: String,
    pub path: PathBuf,
    pub sha256: String,
    pub scenarios: Vec<Scenario>,
    /// Index of the scenario paired effects are measured against.
    pub reference: usize,
    /// Metrics (indices into `METRICS`) reported in sensitivity.csv.
    pub metrics: Vec<usize>,
    pub plan: DesignPlan,
    pub factors: Vec<Factor>,
}

/// Sets `path` to `value` in `params` (through its TOML form) and checks
/// the result's ranges and cross-field rules.
pub fn set_param(params: &Params, path: &str, value: f64) -> Result<Params, String> {
    set_params(params, &[(path, value)]).map_err(|(_, m)| m)
}

/// Sets every `(path, value)` of `values` in `params` in one pass through
/// its TOML form, then checks the result's ranges and cross-field rules
/// once. Errors name the parameter: with the position in `values` of the
/// assignment at fault when there is one (a path that is not a number, a
/// value outside its range), `None` for a rule between several keys.
pub fn set_params(params: &Params, values: &[(&str, f64)]) -> Result<Params, (Option<usize>, String)> {
    let mut v = toml::Value::try_from(params).map_err(|e| (None, e.to_string()))?;
    for (k, &(path, value)) in values.iter().enumerate() {
        put(&mut v, path, value).map_err(|m| (Some(k), m))?;
    }
    let p: Params = v
        .try_into()
        .map_err(|e: toml::de::Error| (None, e.message().to_string()))?;
    if let Some(bad) = p.describe().into_iter().find(|i| !i.valid) {
        let at = values.iter().position(|(path, _)| *path == bad.path);
        return Err((
            at,
            format!(
                "{} = {} is outside its valid range [{}, {}]",
                bad.path, bad.value, bad.min, bad.max
            ),
        ));
    }
    if let Some((key, msg)) = p.cross_checks().into_iter().next() {
        let at = values.iter().position(|(path, _)| *path == key);
        return Err((at, format!("{key}: {msg}")));
    }
    Ok(p)
}

/// Puts `value` at `path` of a TOML tree of `Params`.
fn put(v: &mut toml::Value, path: &str, value: f64) -> Result<(), String> {
    let mut node = v;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let table = node
            .as_table_mut()
            .ok_or_else(|| format!("`{}` is not a section", parts[..i].join(".")))?;
        node = table
            .get_mut(*part)
            .ok_or_else(|| format!("no parameter `{path}` (see `shequ params`)"))?;
    }
    *node = match node {
        toml::Value::Integer(_) => {
            if !(value.is_finite() && value >= 0.0 && value <= i64::MAX as f64) {
                return Err(format!("`{path}` is a whole number ≥ 0; {value} is not"));
            }
            toml::Value::Integer(value.round() as i64)
        }
        toml::Value::Float(_) => toml::Value::Float(value),
        toml::Value::Boolean(_) => toml::Value::Boolean(value >= 0.5),
        _ => return Err(format!("`{path}` is not a number and cannot be a factor")),
    };
    Ok(())
}

/// The most points a design may have (a grid's grows as levels^factors).
pub const MAX_DESIGN_POINTS: u64 = 10_000_000;

impl Experiment {
    /// How many points `design` gives, without laying them out; `None` when
    /// the count does not fit in 64 bits.
    pub fn point_count(&self) -> Option<u64> {
        let k = self.factors.len() as u64;
        let p = &self.plan;
        match p.kind {
            DesignKind::Grid if k == 0 => Some(0),
            DesignKind::Grid => self
                .factors
                .iter()
                .try_fold(1u64, |acc, f| acc.checked_mul(f.grid_levels_count(p.levels) as u64)),
            DesignKind::Lhs => Some(p.n as u64),
            DesignKind::Sobol => (p.n as u64).checked_mul(k + 2),
            DesignKind::Morris => (p.trajectories as u64).checked_mul(k + 1),
        }
    }

    /// The design's points in the unit cube.
    pub fn design(&self) -> Design {
        let k = self.factors.len();
        let p = &self.plan;
        let mut r = rng::stream(p.seed, StreamKind::Committee, 0);
        match p.kind {
            DesignKind::Grid => design::grid(&self.factors.iter().map(|f| f.grid_levels(p.levels)).collect::<Vec<_>>()),
            DesignKind::Lhs => design::lhs(p.n, k, &mut r),
            DesignKind::Sobol => design::saltelli(p.n, k, p.seed as u32),
            DesignKind::Morris => design::morris(p.trajectories, k, p.levels, &mut r),
        }
    }

    /// Factor values at a unit-cube point.
    pub fn values(&self, point: &[f64]) -> Vec<f64> {
        self.factors.iter().zip(point).map(|(f, &u)| f.value(u)).collect()
    }

    /// The experiment's scenarios with the factors set to `values`.
    pub fn scenarios_at(&self, values: &[f64]) -> Result<Vec<Scenario>, String> {
        self.scenarios
            .iter()
            .map(|s| {
                let mut p = s.params.clone();
                for (f, &v) in self.factors.iter().zip(values) {
                    p = set_param(&p, &f.path, v).map_err(|m| format!("scenario `{}`: {m}", s.name))?;
                }
                let mut out = s.clone();
                out.params = p;
                Ok(out)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(form: Form) -> Factor {
        Factor {
            path: "x".into(),
            name: "x".into(),
            form,
        }
    }

    #[test]
    fn quantile_functions() {
        let r = f(Form::Range { min: 2.0, max: 4.0 });
        assert_eq!(r.value(0.25), 2.5);
        let v = f(Form::Values(vec![1.0, 2.0, 3.0]));
        assert_eq!(v.value(0.0), 1.0);
        assert_eq!(v.value(0.5), 2.0);
        assert_eq!(v.value(0.999), 3.0);
        assert_eq!(v.value(1.0), 3.0);
        let n = f(Form::Normal {
            mean: 1.0,
            sd: 2.0,
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        });
        assert!((n.value(0.5) - 1.0).abs() < 1e-12);
        assert!((n.value(0.975) - (1.0 + 2.0 * 1.959_963_984_540_054)).abs() < 1e-6);
        let t = f(Form::Triangular {
            min: 0.0,
            mode: 1.0,
            max: 2.0,
        });
        assert!((t.value(0.5) - 1.0).abs() < 1e-12);
        assert_eq!(t.value(0.0), 0.0);
        assert_eq!(t.value(1.0), 2.0);
        let l = f(Form::LogNormal { mean: 0.0, sd: 1.0 });
        assert!((l.value(0.5) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn setting_a_parameter_checks_its_range() {
        let p = Params::default();
        let q = set_param(&p, "labour.layoff_annual", 0.05).unwrap();
        assert_eq!(q.labour.layoff_annual, 0.05);
        assert!(set_param(&p, "labour.layoff_annual", 7.0)
            .unwrap_err()
            .contains("valid range"));
        assert!(set_param(&p, "labour.no_such", 1.0)
            .unwrap_err()
            .contains("no parameter"));
        let m = set_param(&p, "simulation.months", 30.4).unwrap();
        assert_eq!(m.simulation.months, 30);
        let q = set_params(&p, &[("labour.layoff_annual", 0.05), ("cadres.pay_elasticity", 1.2)]).unwrap();
        assert_eq!((q.labour.layoff_annual, q.cadres.pay_elasticity), (0.05, 1.2));
        let e = set_params(&p, &[("cadres.pay_elasticity", 1.2), ("labour.layoff_annual", 7.0)]).unwrap_err();
        assert_eq!(e.0, Some(1));
        assert_eq!(set_params(&p, &[("labour.nope", 1.0)]).unwrap_err().0, Some(0));
    }
}
