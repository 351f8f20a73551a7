//! Reading fit files (`shequ fit`): the scenario to calibrate, priors on
//! its uncertain parameters in the factor syntax of experiment files, the
//! targets (facts) to fit, and the algorithm's settings; checked and
//! located like scenario and experiment files. Example (see
//! `scenarios/fit/tianqiao.toml`):
//!
//! ```toml
//! name = "tianqiao"
//! scenario = "../baseline.toml"      # relative to this file
//!
//! [algorithm]
//! particles = 300                    # N
//! alpha = 0.5                        # next ε = α-quantile of the last distances
//! target_epsilon = 0.1               # stop once ε ≤ this
//! min_acceptance = 0.02              # stop when a generation accepts less
//! max_simulations = 30000
//! max_generations = 15
//! seed = 1
//! population_scale = 0.2             # overrides the scenario's
//! replications = 1                   # per candidate (statistics averaged)
//! predictive_draws = 100             # K for predictive.csv
//!
//! [[priors]]
//! path = "cadres.quit_annual_local"  # any numeric parameter outside world/generator/simulation
//! min = 0.03                         # uniform; or values = [..] (equally likely);
//! max = 0.12                         # or distribution = "normal" | "lognormal" | "triangular" | "gamma"
//!
//! [[targets]]
//! metric = "committee_admin_share"   # see `shequ metrics`
//! statistic = "window_mean"          # | "value_at" (month = m) | "trend_per_year"; months = [a, b]
//! interval = [0.5, 0.8]              # or observed = x with tolerance = t
//! weight = 1.0
//! source = "report, problem 1: 'the government's legs'"
//! provenance = "interpretation"
//! ```
//!
//! Distribution priors: `normal` (mean, sd), `lognormal` (mean and sd of the
//! logarithm), `triangular` (min, mode, max), `gamma` (shape, rate). In a
//! fit file `min`/`max` of a normal, log-normal or gamma prior *truncate*
//! it (the density is renormalised; an experiment file clamps instead), and
//! every prior is truncated to the parameter's valid range.

use crate::experiment::fit::prior::{Dist, Marginal};
use crate::experiment::fit::smc::SmcConfig;
use crate::experiment::fit::spec::{Algorithm, Fit, FitParam, FitTarget, Statistic, TARGET_PROVENANCE};
use crate::experiment::fit::target::{Criterion, Target, Targets};
use crate::experiment::spec::{set_param, Form};
use crate::files::error::InputError;
use crate::files::experiment_file::{factor, FactorSpec};
use crate::files::scenario_file;
use crate::study::compare::metric_index;
use serde::Deserialize;
use std::path::Path;

/// Top-level keys only a fit file has (how `shequ validate` tells one).
pub const FIT_KEYS: [&str; 3] = ["priors", "targets", "algorithm"];

/// Whether a TOML text is a fit file.
pub fn is_fit_text(text: &str) -> bool {
    toml::from_str::<toml::Table>(text).is_ok_and(|t| FIT_KEYS.iter().any(|k| t.contains_key(*k)))
}

/// `[algorithm]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlgorithmSpec {
    particles: Option<usize>,
    alpha: Option<f64>,
    target_epsilon: Option<f64>,
    min_acceptance: Option<f64>,
    max_simulations: Option<u64>,
    max_generations: Option<u32>,
    seed: Option<u64>,
    population_scale: Option<f64>,
    replications: Option<u32>,
    predictive_draws: Option<usize>,
    initial_quantile: Option<f64>,
    kernel_scale: Option<f64>,
    min_batch: Option<usize>,
    max_batch: Option<usize>,
}

/// One `[[priors]]` entry: an experiment file's factor, plus gamma.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriorSpec {
    path: String,
    name: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    values: Option<Vec<f64>>,
    distribution: Option<String>,
    mean: Option<f64>,
    sd: Option<f64>,
    mode: Option<f64>,
    shape: Option<f64>,
    rate: Option<f64>,
}

/// One `[[targets]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetSpec {
    name: Option<String>,
    metric: String,
    statistic: Option<String>,
    months: Option<Vec<u32>>,
    month: Option<u32>,
    observed: Option<f64>,
    tolerance: Option<f64>,
    interval: Option<Vec<f64>>,
    weight: Option<f64>,
    source: Option<String>,
    provenance: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FitFile {
    name: Option<String>,
    description: Option<String>,
    scenario: String,
    #[serde(default)]
    algorithm: AlgorithmSpec,
    #[serde(default)]
    priors: Vec<PriorSpec>,
    #[serde(default)]
    targets: Vec<TargetSpec>,
}

/// Line of the `k`-th `header` (e.g. `[[priors]]`, 1-based line), and the
/// line and column of `key` inside that entry when it is written there.
fn entry_position(text: &str, header: &str, k: usize, key: Option<&str>) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with(header))
        .nth(k)
        .map(|(i, _)| i)?;
    if let Some(key) = key {
        for (i, line) in lines.iter().enumerate().skip(start + 1) {
            let t = line.trim_start();
            if t.starts_with('[') {
                break;
            }
            if t.split_once('=').is_some_and(|(k, _)| k.trim() == key) {
                return Some((i + 1, line.len() - t.len() + 1));
            }
        }
    }
    Some((start + 1, 1))
}

/// Reads and checks a fit file and the scenario it names.
pub fn load(path: &Path) -> Result<Fit, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::new(path, format!("cannot read file: {e}")))?;
    let file: FitFile = toml::from_str(&text).map_err(|e| scenario_file::toml_error(path, &text, &e))?;
    let at_key = |key: &str, msg: String| {
        let mut e = InputError::new(path, msg).key(key);
        if let Some((l, c)) = scenario_file::locate_key(&text, key) {
            e = e.at(l, c);
        }
        e
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut scenario = scenario_file::load(&dir.join(&file.scenario))?;
    let a = &file.algorithm;
    let algorithm = algorithm(a, &at_key)?;
    if let Some(scale) = algorithm.population_scale {
        scenario.params.simulation.population_scale = scale;
    }
    let info = scenario.params.describe();

    if file.priors.is_empty() {
        return Err(at_key("priors", "list at least one [[priors]] entry".into()));
    }
    let mut params: Vec<FitParam> = Vec::new();
    for (k, spec) in file.priors.iter().enumerate() {
        let locate = |key: Option<&str>, msg: String| {
            let mut e = InputError::new(path, msg).key(match key {
                Some(key) => format!("priors[{k}].{key} ({})", spec.path),
                None => format!("priors[{k}] ({})", spec.path),
            });
            if let Some((l, c)) = entry_position(&text, "[[priors]]", k, key) {
                e = e.at(l, c);
            }
            e
        };
        if spec.name.is_some() {
            return Err(locate(
                Some("name"),
                "a fit's parameters are named by their paths (posterior.csv's columns, read by `run --parameters`): remove `name`".into(),
            ));
        }
        let root = spec.path.split('.').next().unwrap_or("");
        if matches!(root, "world" | "generator" | "simulation") {
            return Err(locate(
                Some("path"),
                format!("`{}` cannot be fitted: world, generator and simulation settings fix the world's structure and the run, not its behaviour", spec.path),
            ));
        }
        let Some(p_info) = info.iter().find(|i| i.path == spec.path) else {
            return Err(locate(
                Some("path"),
                format!("no parameter `{}` (see `shequ params`)", spec.path),
            ));
        };
        if params.iter().any(|o| o.path == spec.path) {
            return Err(locate(Some("path"), "this parameter already has a prior".into()));
        }
        let valid = (p_info.min, p_info.max);
        let fp = prior(spec, valid).map_err(|(key, msg)| locate(key, msg))?;
        // The prior's bulk and ends must give valid parameters.
        let probes: Vec<f64> = match &fp.values {
            Some(v) => v.clone(),
            None => [0.001, 0.5, 0.999].iter().map(|&u| fp.marginal.quantile(u)).collect(),
        };
        for x in probes {
            set_param(&scenario.params, &fp.path, x)
                .map_err(|m| locate(None, format!("in scenario `{}`: {m}", scenario.name)))?;
        }
        params.push(fp);
    }

    if file.targets.is_empty() {
        return Err(at_key("targets", "list at least one [[targets]] entry".into()));
    }
    let horizon = scenario.params.simulation.months;
    let window = scenario.params.simulation.outcome_window_months.min(horizon);
    let mut targets: Vec<FitTarget> = Vec::new();
    for (k, spec) in file.targets.iter().enumerate() {
        let locate = |key: Option<&str>, msg: String| {
            let mut e = InputError::new(path, msg).key(match key {
                Some(key) => format!("targets[{k}].{key} ({})", spec.metric),
                None => format!("targets[{k}] ({})", spec.metric),
            });
            if let Some((l, c)) = entry_position(&text, "[[targets]]", k, key) {
                e = e.at(l, c);
            }
            e
        };
        let t = target(spec, horizon, window).map_err(|(key, msg)| locate(key, msg))?;
        if targets.iter().any(|o| o.target.name == t.target.name) {
            return Err(locate(
                Some("name"),
                format!("two targets are named `{}`: give one a different `name`", t.target.name),
            ));
        }
        targets.push(t);
    }
    // The engine's own checks, as a last line (they cannot fail after the above).
    Targets::new(targets.iter().map(|t| t.target.clone()).collect()).map_err(|e| at_key("targets", e.to_string()))?;

    let name = file.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or_else(|| "fit".into(), |s| s.to_string_lossy().into_owned())
    });
    Ok(Fit {
        name,
        description: file.description.clone().unwrap_or_default(),
        path: path.to_path_buf(),
        sha256: scenario_file::hash_hex(text.as_bytes()),
        scenario,
        params,
        targets,
        algorithm,
    })
}

/// `[algorithm]` checked key by key, each against its documented range.
fn algorithm(a: &AlgorithmSpec, at_key: &dyn Fn(&str, String) -> InputError) -> Result<Algorithm, InputError> {
    let d = SmcConfig::default();
    let key = |k: &str| format!("algorithm.{k}");
    let check_f = |k: &str, v: Option<f64>, default: f64, ok: &dyn Fn(f64) -> bool, range: &str| match v {
        Some(x) if !ok(x) => Err(at_key(&key(k), format!("must be in {range}, got {x}"))),
        Some(x) => Ok(x),
        None => Ok(default),
    };
    let particles = a.particles.unwrap_or(d.particles);
    if particles == 0 {
        return Err(at_key(&key("particles"), "must be ≥ 1".into()));
    }
    let alpha = check_f("alpha", a.alpha, d.alpha, &|x| x > 0.0 && x < 1.0, "(0, 1)")?;
    let target_epsilon = check_f(
        "target_epsilon",
        a.target_epsilon,
        d.target_epsilon,
        &|x| x.is_finite() && x >= 0.0,
        "[0, ∞)",
    )?;
    let min_acceptance = check_f(
        "min_acceptance",
        a.min_acceptance,
        d.min_acceptance_rate,
        &|x| (0.0..1.0).contains(&x),
        "[0, 1)",
    )?;
    let initial_quantile = check_f(
        "initial_quantile",
        a.initial_quantile,
        d.initial_quantile,
        &|x| x > 0.0 && x <= 1.0,
        "(0, 1]",
    )?;
    let kernel_scale = check_f(
        "kernel_scale",
        a.kernel_scale,
        d.kernel_scale,
        &|x| x.is_finite() && x > 0.0,
        "(0, ∞)",
    )?;
    let max_simulations = a.max_simulations.unwrap_or(d.max_simulations);
    if max_simulations == 0 {
        return Err(at_key(&key("max_simulations"), "must be ≥ 1".into()));
    }
    let max_generations = a.max_generations.unwrap_or(d.max_generations);
    if max_generations == 0 {
        return Err(at_key(&key("max_generations"), "must be ≥ 1".into()));
    }
    let min_batch = a.min_batch.unwrap_or(d.min_batch);
    if min_batch == 0 {
        return Err(at_key(&key("min_batch"), "must be ≥ 1".into()));
    }
    let max_batch = a.max_batch.unwrap_or(d.max_batch.max(min_batch));
    if max_batch < min_batch {
        return Err(at_key(
            &key("max_batch"),
            format!("must be ≥ min_batch ({min_batch}), got {max_batch}"),
        ));
    }
    let replications = a.replications.unwrap_or(1);
    if replications == 0 {
        return Err(at_key(&key("replications"), "must be ≥ 1".into()));
    }
    if let Some(s) = a.population_scale {
        if !(s > 0.0 && s <= 1.0) {
            return Err(at_key(&key("population_scale"), format!("must be in (0, 1], got {s}")));
        }
    }
    let smc = SmcConfig {
        seed: a.seed.unwrap_or(1),
        particles,
        alpha,
        target_epsilon,
        min_acceptance_rate: min_acceptance,
        max_simulations,
        max_generations,
        initial_quantile,
        kernel_scale,
        min_batch,
        max_batch,
        ..d
    };
    smc.validate().map_err(|e| at_key("algorithm", e.to_string()))?;
    Ok(Algorithm {
        smc,
        replications,
        predictive_draws: a.predictive_draws.unwrap_or(100),
        population_scale: a.population_scale,
    })
}

/// Error of one entry: the key it concerns (if one) and the message.
type EntryError = (Option<&'static str>, String);

fn finite(key: &'static str, v: f64) -> Result<f64, EntryError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err((Some(key), format!("`{key}` must be a finite number")))
    }
}

/// A prior from its entry; `valid` is the parameter's valid range.
fn prior(spec: &PriorSpec, valid: (f64, f64)) -> Result<FitParam, EntryError> {
    let (vmin, vmax) = valid;
    let range = format!(
        "the valid range [{vmin}, {vmax}] of `{}` (see `shequ params`)",
        spec.path
    );
    // Truncation bounds: the parameter's range, narrowed by min/max when given.
    let bounds = || -> Result<(f64, f64), EntryError> {
        let lo = spec
            .min
            .map(|v| finite("min", v))
            .transpose()?
            .unwrap_or(vmin)
            .max(vmin);
        let hi = spec
            .max
            .map(|v| finite("max", v))
            .transpose()?
            .unwrap_or(vmax)
            .min(vmax);
        if lo >= hi {
            return Err((
                Some("min"),
                format!("the truncation [{lo}, {hi}] is empty within {range}"),
            ));
        }
        Ok((lo, hi))
    };
    let inside = |lo: f64, hi: f64| -> Result<(), EntryError> {
        if lo < vmin || hi > vmax {
            let key = if lo < vmin { "min" } else { "max" };
            return Err((Some(key), format!("the prior [{lo}, {hi}] reaches outside {range}")));
        }
        Ok(())
    };
    let marginal = |dist: Dist, truncate: Option<(f64, f64)>| -> Result<Marginal, EntryError> {
        let m = Marginal::new(dist).map_err(|e| (None, e.to_string()))?;
        match truncate {
            Some((lo, hi)) => m.truncated(lo, hi).map_err(|e| (None, format!("{e}; {range}"))),
            None => Ok(m),
        }
    };
    let is_gamma = spec.distribution.as_deref() == Some("gamma");
    if !is_gamma {
        for (key, v) in [("shape", spec.shape), ("rate", spec.rate)] {
            if v.is_some() {
                return Err((Some(key), format!("`{key}` belongs to distribution = \"gamma\" only")));
            }
        }
    }
    let (marginal, values, description) = if is_gamma {
        for (key, v) in [
            ("values", spec.values.is_some()),
            ("mean", spec.mean.is_some()),
            ("sd", spec.sd.is_some()),
            ("mode", spec.mode.is_some()),
        ] {
            if v {
                return Err((
                    Some(key),
                    format!("a gamma prior takes shape, rate and optional min/max, not `{key}`"),
                ));
            }
        }
        let need = |key: &'static str, v: Option<f64>| -> Result<f64, EntryError> {
            let x = finite(
                key,
                v.ok_or((Some(key), format!("`{key}` is required for a gamma prior")))?,
            )?;
            if x <= 0.0 {
                return Err((Some(key), format!("`{key}` must be > 0, got {x}")));
            }
            Ok(x)
        };
        let (shape, rate) = (need("shape", spec.shape)?, need("rate", spec.rate)?);
        let b = bounds()?;
        (
            marginal(Dist::Gamma { shape, rate }, Some(b))?,
            None,
            format!("gamma(shape {shape}, rate {rate}) truncated to [{}, {}]", b.0, b.1),
        )
    } else {
        let as_factor = FactorSpec {
            path: spec.path.clone(),
            name: None,
            min: spec.min,
            max: spec.max,
            values: spec.values.clone(),
            distribution: spec.distribution.clone(),
            mean: spec.mean,
            sd: spec.sd,
            mode: spec.mode,
        };
        let f = factor(&as_factor).map_err(|m| {
            let m = m.replace(
                "(valid: uniform, normal, lognormal, triangular)",
                "(valid: uniform, normal, lognormal, triangular, gamma)",
            );
            (None, m)
        })?;
        match f.form {
            Form::Range { min, max } => {
                if min >= max {
                    return Err((
                        Some("max"),
                        format!(
                            "a prior range needs min < max, got [{min}, {max}]; a fixed value belongs in the scenario"
                        ),
                    ));
                }
                inside(min, max)?;
                (
                    marginal(Dist::Uniform { lo: min, hi: max }, None)?,
                    None,
                    format!("uniform [{min}, {max}]"),
                )
            }
            Form::Values(v) => {
                if v.len() < 2 {
                    return Err((
                        Some("values"),
                        "a list prior needs at least 2 values; a fixed value belongs in the scenario".into(),
                    ));
                }
                if let Some(x) = v.iter().find(|&&x| x < vmin || x > vmax) {
                    return Err((Some("values"), format!("{x} lies outside {range}")));
                }
                let d = format!("values {v:?}, equally likely (θ = latent U(0, 1))");
                (marginal(Dist::Uniform { lo: 0.0, hi: 1.0 }, None)?, Some(v), d)
            }
            Form::Normal { mean, sd, .. } => {
                if sd <= 0.0 {
                    return Err((Some("sd"), "`sd` must be > 0 for a prior".into()));
                }
                let b = bounds()?;
                (
                    marginal(Dist::Normal { mean, sd }, Some(b))?,
                    None,
                    format!("normal(mean {mean}, sd {sd}) truncated to [{}, {}]", b.0, b.1),
                )
            }
            Form::LogNormal { mean, sd } => {
                if sd <= 0.0 {
                    return Err((Some("sd"), "`sd` must be > 0 for a prior".into()));
                }
                let b = bounds()?;
                (
                    marginal(Dist::LogNormal { mu: mean, sigma: sd }, Some(b))?,
                    None,
                    format!(
                        "lognormal(log-mean {mean}, log-sd {sd}) truncated to [{}, {}]",
                        b.0, b.1
                    ),
                )
            }
            Form::Triangular { min, mode, max } => {
                if min >= max {
                    return Err((
                        Some("max"),
                        format!("a triangular prior needs min < max, got [{min}, {max}]"),
                    ));
                }
                inside(min, max)?;
                (
                    marginal(Dist::Triangular { lo: min, mode, hi: max }, None)?,
                    None,
                    format!("triangular({min}, {mode}, {max})"),
                )
            }
        }
    };
    Ok(FitParam {
        path: spec.path.clone(),
        marginal,
        values,
        description,
        valid,
    })
}

/// A target from its entry, for a horizon of `horizon` months whose
/// outcome window is the last `window`.
fn target(spec: &TargetSpec, horizon: u32, window: u32) -> Result<FitTarget, EntryError> {
    let metric = metric_index(&spec.metric).ok_or_else(|| {
        (
            Some("metric"),
            format!("unknown metric `{}` (see `shequ metrics`)", spec.metric),
        )
    })?;
    let span = |key: &'static str, v: &[u32], strict: bool| -> Result<(u32, u32), EntryError> {
        let [a, b] = v else {
            return Err((
                Some(key),
                format!("`{key}` is [first, last] horizon months, got {} numbers", v.len()),
            ));
        };
        let ok = *a >= 1 && *b <= horizon && if strict { a < b } else { a <= b };
        if !ok {
            let rule = if strict {
                "1 ≤ first < last"
            } else {
                "1 ≤ first ≤ last"
            };
            return Err((
                Some(key),
                format!("months [{a}, {b}] must satisfy {rule} ≤ {horizon} (the scenario's simulation.months)"),
            ));
        }
        Ok((*a, *b))
    };
    let kind = spec.statistic.as_deref().unwrap_or("window_mean");
    let (statistic, default_name) = match kind {
        "window_mean" | "value_at" | "trend_per_year" => {
            if kind != "value_at" && spec.month.is_some() {
                return Err((
                    Some("month"),
                    format!("`month` belongs to statistic = \"value_at\"; {kind} takes `months = [first, last]`"),
                ));
            }
            if kind == "value_at" && spec.months.is_some() {
                return Err((
                    Some("months"),
                    "statistic = \"value_at\" takes one `month`, not `months`".into(),
                ));
            }
            match kind {
                "window_mean" => {
                    let (from, to) = match &spec.months {
                        Some(m) => span("months", m, false)?,
                        None => (horizon - window + 1, horizon),
                    };
                    let name = if spec.months.is_some() {
                        format!("{}_m{from}_{to}", spec.metric)
                    } else {
                        spec.metric.clone()
                    };
                    (Statistic::WindowMean { from, to }, name)
                }
                "value_at" => {
                    let month = spec
                        .month
                        .ok_or((Some("month"), "statistic = \"value_at\" needs `month`".into()))?;
                    if month < 1 || month > horizon {
                        return Err((
                            Some("month"),
                            format!("month {month} must be in [1, {horizon}] (the scenario's simulation.months)"),
                        ));
                    }
                    (Statistic::ValueAt { month }, format!("{}_m{month}", spec.metric))
                }
                _ => {
                    let (from, to) = match &spec.months {
                        Some(m) => span("months", m, true)?,
                        None if horizon >= 2 => (1, horizon),
                        None => return Err((Some("statistic"), "a trend needs a horizon of at least 2 months".into())),
                    };
                    (Statistic::TrendPerYear { from, to }, format!("{}_trend", spec.metric))
                }
            }
        }
        other => {
            return Err((
                Some("statistic"),
                format!("unknown statistic `{other}` (valid: window_mean, value_at, trend_per_year)"),
            ))
        }
    };
    let name = spec.name.clone().unwrap_or(default_name);
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err((
            Some("name"),
            format!("target name `{name}` must be letters, digits, `_`, `-` or `.` (it names a column d_<name>)"),
        ));
    }
    let weight = match spec.weight {
        Some(w) if !(w.is_finite() && w >= 0.0) => {
            return Err((Some("weight"), format!("must be a finite number ≥ 0, got {w}")))
        }
        Some(w) => w,
        None => 1.0,
    };
    let positive = |key: &'static str, v: f64| -> Result<f64, EntryError> {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err((Some(key), format!("`{key}` must be a finite number > 0, got {v}")))
        }
    };
    let (observed, criterion) = match &spec.interval {
        Some(iv) => {
            let [lo, hi] = iv[..] else {
                return Err((
                    Some("interval"),
                    format!("`interval` is [lo, hi], got {} numbers", iv.len()),
                ));
            };
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err((
                    Some("interval"),
                    format!("`interval` needs finite lo ≤ hi, got [{lo}, {hi}]"),
                ));
            }
            let tolerance = spec.tolerance.map(|t| positive("tolerance", t)).transpose()?;
            if tolerance.is_none() && lo == hi {
                return Err((
                    Some("tolerance"),
                    "a zero-width interval needs a `tolerance` (its distance scale)".into(),
                ));
            }
            let observed = match spec.observed {
                Some(o) => finite("observed", o)?,
                None => 0.5 * (lo + hi),
            };
            (observed, Criterion::Interval { lo, hi, tolerance })
        }
        None => {
            let observed = finite(
                "observed",
                spec.observed.ok_or((
                    Some("observed"),
                    "give `observed` with `tolerance`, or `interval = [lo, hi]`".into(),
                ))?,
            )?;
            let tolerance = positive(
                "tolerance",
                spec.tolerance.ok_or((
                    Some("tolerance"),
                    "a point target needs `tolerance` (> 0: the distance scale, one tolerance off = distance 1)".into(),
                ))?,
            )?;
            (observed, Criterion::Point { tolerance })
        }
    };
    let source = spec.source.clone().unwrap_or_default();
    if source.trim().is_empty() {
        return Err((
            Some("source"),
            "every target needs a `source`: where the fact comes from".into(),
        ));
    }
    let provenance = spec.provenance.clone().unwrap_or_default();
    if !TARGET_PROVENANCE.contains(&provenance.as_str()) {
        return Err((
            Some("provenance"),
            format!(
                "`provenance` must be one of {} (got `{provenance}`)",
                TARGET_PROVENANCE.join(", ")
            ),
        ));
    }
    let target = Target {
        name,
        observed,
        criterion,
        weight,
    };
    target.validate().map_err(|e| (None, e.to_string()))?;
    Ok(FitTarget {
        target,
        metric,
        statistic,
        source,
        provenance,
    })
}
