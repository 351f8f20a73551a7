//! Experiment files (`shequ sweep`): base scenarios, uncertain factors and a
//! design. Example (see `scenarios/experiments/`):
//!
//! ```toml
//! name = "baseline_sobol"
//! scenarios = ["../baseline.toml", "../packages/report_full.toml"]
//! reference = "baseline"          # paired effects are against it (default: first)
//! metrics = ["satisfaction_mean"] # for sensitivity.csv (default: all)
//! population_scale = 0.1          # optional override for every scenario
//!
//! [design]
//! kind = "sobol"                  # grid | lhs | sobol | morris
//! n = 64                          # lhs points / sobol base samples
//! seed = 1                        # LHS, scramble and Morris draws, bootstrap
//! bootstrap = 1000                # resamples for the 95% intervals
//!
//! [[factors]]
//! path = "labour.layoff_annual"   # any numeric parameter outside world/generator
//! min = 0.03                      # uniform range; or values = [..];
//! max = 0.09                      # or distribution = "normal" | "lognormal" | "triangular"
//! ```
//!
//! A factor's unit-cube coordinate u maps to a value by the factor's
//! quantile function: range min + u(max − min); list values[⌊u·n⌋];
//! normal mean + sd·Φ⁻¹(u) (clamped to min/max when given); lognormal
//! exp(mean + sd·Φ⁻¹(u)) (mean and sd of the logarithm); triangular its
//! inverse CDF. Integer parameters take the nearest integer.

use crate::error::InputError;
use crate::experiment::design::{self, Design, SOBOL_MAX_DIMENSIONS, SOBOL_MAX_SAMPLES};
use crate::model::metrics::METRICS;
use crate::model::params::Params;
use crate::model::rng::{self, StreamKind};
use crate::model::scenario::Scenario;
use crate::scenario;
use crate::study::compare::metric_index;
use serde::Deserialize;
use statrs::distribution::{ContinuousCDF, Normal};
use std::path::{Path, PathBuf};

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

/// `[design]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignSpec {
    pub kind: DesignKind,
    /// LHS points or Sobol base samples.
    pub n: Option<usize>,
    /// Grid levels for range and distribution factors; Morris grid levels p.
    pub levels: Option<usize>,
    /// Morris trajectories r.
    pub trajectories: Option<usize>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_bootstrap")]
    pub bootstrap: usize,
}

fn default_seed() -> u64 {
    1
}

fn default_bootstrap() -> usize {
    1000
}

/// One `[[factors]]` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FactorSpec {
    path: String,
    name: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    values: Option<Vec<f64>>,
    distribution: Option<String>,
    mean: Option<f64>,
    sd: Option<f64>,
    mode: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    name: Option<String>,
    description: Option<String>,
    scenarios: Vec<String>,
    reference: Option<String>,
    metrics: Option<Vec<String>>,
    population_scale: Option<f64>,
    design: DesignSpec,
    #[serde(default)]
    factors: Vec<FactorSpec>,
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

/// Line of the `k`-th `[[factors]]` header (1-based), for error messages.
fn factor_line(text: &str, k: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[factors]]"))
        .nth(k)
        .map(|(i, _)| i + 1)
}

fn factor(spec: &FactorSpec) -> Result<Factor, String> {
    let name = spec.name.clone().unwrap_or_else(|| spec.path.clone());
    let need = |v: Option<f64>, what: &str| v.ok_or_else(|| format!("`{what}` is required for this form"));
    let finite = |v: f64, what: &str| {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(format!("`{what}` must be a finite number"))
        }
    };
    let form = match (spec.distribution.as_deref(), &spec.values) {
        (None, Some(v)) => {
            if v.is_empty() || v.iter().any(|x| !x.is_finite()) {
                return Err("`values` must be a non-empty list of finite numbers".into());
            }
            Form::Values(v.clone())
        }
        (Some(_), Some(_)) => return Err("give either `values` or `distribution`, not both".into()),
        (None | Some("uniform"), None) => {
            let (min, max) = (
                finite(need(spec.min, "min")?, "min")?,
                finite(need(spec.max, "max")?, "max")?,
            );
            if max < min {
                return Err(format!("max ({max}) must be ≥ min ({min})"));
            }
            Form::Range { min, max }
        }
        (Some("normal"), None) => {
            let sd = finite(need(spec.sd, "sd")?, "sd")?;
            if sd < 0.0 {
                return Err("`sd` must be ≥ 0".into());
            }
            Form::Normal {
                mean: finite(need(spec.mean, "mean")?, "mean")?,
                sd,
                min: spec.min.unwrap_or(f64::NEG_INFINITY),
                max: spec.max.unwrap_or(f64::INFINITY),
            }
        }
        (Some("lognormal"), None) => {
            let sd = finite(need(spec.sd, "sd")?, "sd")?;
            if sd < 0.0 {
                return Err("`sd` must be ≥ 0".into());
            }
            Form::LogNormal {
                mean: finite(need(spec.mean, "mean")?, "mean")?,
                sd,
            }
        }
        (Some("triangular"), None) => {
            let min = finite(need(spec.min, "min")?, "min")?;
            let mode = finite(need(spec.mode, "mode")?, "mode")?;
            let max = finite(need(spec.max, "max")?, "max")?;
            if !(min <= mode && mode <= max) {
                return Err(format!("need min ≤ mode ≤ max, got {min}, {mode}, {max}"));
            }
            Form::Triangular { min, mode, max }
        }
        (Some(other), None) => {
            return Err(format!(
                "unknown distribution `{other}` (valid: uniform, normal, lognormal, triangular)"
            ))
        }
    };
    Ok(Factor {
        path: spec.path.clone(),
        name,
        form,
    })
}

/// Sets `path` to `value` in `params` (through its TOML form) and checks
/// the result's ranges and cross-field rules.
pub fn set_param(params: &Params, path: &str, value: f64) -> Result<Params, String> {
    let mut v = toml::Value::try_from(params).map_err(|e| e.to_string())?;
    let mut node = &mut v;
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
    let p: Params = v.try_into().map_err(|e: toml::de::Error| e.message().to_string())?;
    if let Some(bad) = p.describe().into_iter().find(|i| !i.valid) {
        return Err(format!(
            "{} = {} is outside its valid range [{}, {}]",
            bad.path, bad.value, bad.min, bad.max
        ));
    }
    if let Some((key, msg)) = p.cross_checks().into_iter().next() {
        return Err(format!("{key}: {msg}"));
    }
    Ok(p)
}

/// Reads and checks an experiment file and the scenarios it names.
pub fn load(path: &Path) -> Result<Experiment, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::new(path, format!("cannot read file: {e}")))?;
    let file: ExperimentFile = toml::from_str(&text).map_err(|e| scenario::toml_error(path, &text, &e))?;
    let at_key = |key: &str, msg: String| {
        let mut e = InputError::new(path, msg).key(key);
        if let Some((l, c)) = scenario::locate_key(&text, key) {
            e = e.at(l, c);
        }
        e
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    if file.scenarios.is_empty() {
        return Err(at_key("scenarios", "list at least one scenario file".into()));
    }
    let mut scenarios = Vec::new();
    for s in &file.scenarios {
        let p = dir.join(s);
        let mut sc = scenario::load(&p)?;
        if scenarios.iter().any(|o: &Scenario| o.name == sc.name) {
            return Err(at_key(
                "scenarios",
                format!("two scenarios are named `{}`: names key every output", sc.name),
            ));
        }
        if let Some(scale) = file.population_scale {
            if !(scale > 0.0 && scale <= 1.0) {
                return Err(at_key("population_scale", format!("must be in (0, 1], got {scale}")));
            }
            sc.params.simulation.population_scale = scale;
        }
        scenarios.push(sc);
    }
    let reference = match &file.reference {
        None => 0,
        Some(r) => scenarios.iter().position(|s| &s.name == r).ok_or_else(|| {
            let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
            at_key(
                "reference",
                format!("`{r}` is not among the scenarios ({})", names.join(", ")),
            )
        })?,
    };
    let metrics = match &file.metrics {
        None => (0..METRICS.len()).collect(),
        Some(names) => names
            .iter()
            .map(|m| {
                metric_index(m).ok_or_else(|| at_key("metrics", format!("unknown metric `{m}` (see `shequ metrics`)")))
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let mut factors = Vec::new();
    for (k, spec) in file.factors.iter().enumerate() {
        let locate = |msg: String| {
            let mut e = InputError::new(path, msg).key(format!("factors[{k}] ({})", spec.path));
            if let Some(l) = factor_line(&text, k) {
                e = e.at(l, 1);
            }
            e
        };
        let f = factor(spec).map_err(&locate)?;
        let root = f.path.split('.').next().unwrap_or("");
        if root == "world" || root == "generator" {
            return Err(locate(
                "the world's structure cannot be a factor (it fixes the random streams); use separate scenarios".into(),
            ));
        }
        if factors.iter().any(|o: &Factor| o.path == f.path || o.name == f.name) {
            return Err(locate("this parameter is already a factor".into()));
        }
        // Every corner of the factor's support must give valid parameters.
        for u in [0.0, 0.5, 1.0] {
            for s in &scenarios {
                set_param(&s.params, &f.path, f.value(u))
                    .map_err(|m| locate(format!("in scenario `{}`: {m}", s.name)))?;
            }
        }
        factors.push(f);
    }
    if factors.is_empty() {
        return Err(at_key("factors", "list at least one [[factors]] entry".into()));
    }
    let d = &file.design;
    let k = factors.len();
    let need = |v: Option<usize>, key: &str, lo: usize, hi: usize| match v {
        Some(x) if (lo..=hi).contains(&x) => Ok(x),
        Some(x) => Err(at_key(
            &format!("design.{key}"),
            format!("must be in [{lo}, {hi}], got {x}"),
        )),
        None => Err(at_key(
            "design",
            format!(
                "`{key}` is required for kind = \"{}\" (range [{lo}, {hi}])",
                d.kind.name()
            ),
        )),
    };
    let plan = match d.kind {
        DesignKind::Grid => {
            let levels = if factors.iter().all(|f| matches!(f.form, Form::Values(_))) {
                d.levels.unwrap_or(1)
            } else {
                need(d.levels, "levels", 1, 1000)?
            };
            DesignPlan {
                kind: d.kind,
                n: 0,
                levels,
                trajectories: 0,
                seed: d.seed,
                bootstrap: d.bootstrap,
            }
        }
        DesignKind::Lhs => DesignPlan {
            kind: d.kind,
            n: need(d.n, "n", 2, 1_000_000)?,
            levels: 0,
            trajectories: 0,
            seed: d.seed,
            bootstrap: d.bootstrap,
        },
        DesignKind::Sobol => {
            if 2 * k > SOBOL_MAX_DIMENSIONS {
                return Err(at_key(
                    "factors",
                    format!("a Sobol design takes at most {} factors", SOBOL_MAX_DIMENSIONS / 2),
                ));
            }
            DesignPlan {
                kind: d.kind,
                n: need(d.n, "n", 2, SOBOL_MAX_SAMPLES)?,
                levels: 0,
                trajectories: 0,
                seed: d.seed,
                bootstrap: d.bootstrap,
            }
        }
        DesignKind::Morris => {
            let levels = need(d.levels, "levels", 2, 1000)?;
            if levels % 2 != 0 {
                return Err(at_key(
                    "design.levels",
                    format!("Morris needs an even number of levels, got {levels}"),
                ));
            }
            DesignPlan {
                kind: d.kind,
                n: 0,
                levels,
                trajectories: need(d.trajectories, "trajectories", 2, 100_000)?,
                seed: d.seed,
                bootstrap: d.bootstrap,
            }
        }
    };
    let name = file.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or_else(|| "experiment".into(), |s| s.to_string_lossy().into_owned())
    });
    Ok(Experiment {
        name,
        description: file.description.clone().unwrap_or_default(),
        path: path.to_path_buf(),
        sha256: scenario::hash_hex(text.as_bytes()),
        scenarios,
        reference,
        metrics,
        plan,
        factors,
    })
}

impl Experiment {
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
    }
}
