//! Reading experiment files (`shequ sweep`): base scenarios, uncertain
//! factors and a design, checked and located like scenario files. Example
//! (see `scenarios/experiments/`):
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

use crate::experiment::design::{SOBOL_MAX_DIMENSIONS, SOBOL_MAX_SAMPLES};
use crate::experiment::spec::{set_param, DesignKind, DesignPlan, Experiment, Factor, Form, MAX_DESIGN_POINTS};
use crate::files::error::{InputError, InputWarning};
use crate::files::scenario_file;
use crate::model::metrics::METRICS;
use crate::model::scenario::Scenario;
use crate::study::compare::metric_index;
use serde::Deserialize;
use std::path::Path;

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

/// One `[[factors]]` entry as written (experiment and uncertainty files).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FactorSpec {
    pub(crate) path: String,
    pub(crate) name: Option<String>,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
    pub(crate) values: Option<Vec<f64>>,
    pub(crate) distribution: Option<String>,
    pub(crate) mean: Option<f64>,
    pub(crate) sd: Option<f64>,
    pub(crate) mode: Option<f64>,
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

/// The `[[factors]]` of a file (`text` read from `path`): each one's form,
/// not `world.*` or `generator.*` (the world's structure fixes the random
/// streams), no parameter twice, and whatever `check` says; errors located
/// at the entry's header.
pub(crate) fn factors_of(
    path: &Path,
    text: &str,
    specs: &[FactorSpec],
    check: impl Fn(&Factor) -> Result<(), String>,
) -> Result<Vec<Factor>, InputError> {
    let mut factors: Vec<Factor> = Vec::new();
    for (k, spec) in specs.iter().enumerate() {
        let locate = |msg: String| {
            let mut e = InputError::new(path, msg).key(format!("factors[{k}] ({})", spec.path));
            if let Some(l) = factor_line(text, k) {
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
        if factors.iter().any(|o| o.path == f.path || o.name == f.name) {
            return Err(locate("this parameter is already a factor".into()));
        }
        check(&f).map_err(&locate)?;
        factors.push(f);
    }
    Ok(factors)
}

/// Line of the `k`-th `[[factors]]` header (1-based), for error messages.
pub(crate) fn factor_line(text: &str, k: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[factors]]"))
        .nth(k)
        .map(|(i, _)| i + 1)
}

/// A factor from its entry (also a fit file's prior, `files/fit_file.rs`).
pub(crate) fn factor(spec: &FactorSpec) -> Result<Factor, String> {
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

/// Reads and checks an experiment file and the scenarios it names (their
/// warnings are dropped: see `load_with_warnings`).
pub fn load(path: &Path) -> Result<Experiment, InputError> {
    load_with_warnings(path).map(|(e, _)| e)
}

/// Reads and checks an experiment file and the scenarios it names, with the
/// scenarios' warnings.
pub fn load_with_warnings(path: &Path) -> Result<(Experiment, Vec<InputWarning>), InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::new(path, format!("cannot read file: {e}")))?;
    let file: ExperimentFile = toml::from_str(&text).map_err(|e| scenario_file::toml_error(path, &text, &e))?;
    let at_key = |key: &str, msg: String| {
        let mut e = InputError::new(path, msg).key(key);
        if let Some((l, c)) = scenario_file::locate_key(&text, key) {
            e = e.at(l, c);
        }
        e
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    if file.scenarios.is_empty() {
        return Err(at_key("scenarios", "list at least one scenario file".into()));
    }
    let mut scenarios = Vec::new();
    let mut warnings: Vec<InputWarning> = Vec::new();
    for s in &file.scenarios {
        let p = dir.join(s);
        let (mut sc, w) = scenario_file::load_with_warnings(&p)?;
        warnings.extend(w.into_iter().filter(|x| !warnings.contains(x)).collect::<Vec<_>>());
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
    let factors = factors_of(path, &text, &file.factors, |f| {
        // Every corner of the factor's support must give valid parameters.
        for u in [0.0, 0.5, 1.0] {
            for s in &scenarios {
                set_param(&s.params, &f.path, f.value(u)).map_err(|m| format!("in scenario `{}`: {m}", s.name))?;
            }
        }
        Ok(())
    })?;
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
    let experiment = Experiment {
        name,
        description: file.description.clone().unwrap_or_default(),
        path: path.to_path_buf(),
        sha256: scenario_file::hash_hex(text.as_bytes()),
        scenarios,
        reference,
        metrics,
        plan,
        factors,
    };
    match experiment.point_count() {
        Some(n) if n <= MAX_DESIGN_POINTS => {}
        n => {
            return Err(at_key(
                "design",
                format!(
                    "the design has {} points, more than {MAX_DESIGN_POINTS}: use fewer levels, samples, \
                     trajectories or factors",
                    n.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string())
                ),
            ))
        }
    }
    Ok((experiment, warnings))
}
