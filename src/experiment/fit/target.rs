//! Targets (facts from the report) and the distance between a simulation's
//! summaries and them.

use serde::{Deserialize, Serialize};

use super::error::FitError;

/// How a summary is compared with a target.
///
/// Serialised with a `kind` tag, e.g. `{"kind":"point","tolerance":0.05}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Criterion {
    /// A point fact: `d = |s − observed| / tolerance`, `tolerance > 0`.
    /// A distance of 1 means "off by one tolerance".
    Point { tolerance: f64 },
    /// A range fact `[lo, hi]` (`lo ≤ hi`): `d = 0` for `lo ≤ s ≤ hi`,
    /// otherwise the distance to the nearer bound divided by the scale,
    /// `d = (lo − s) / scale` below and `d = (s − hi) / scale` above.
    /// `scale = tolerance` when given (`> 0`), else `scale = hi − lo`, which
    /// must then be positive.
    Interval {
        lo: f64,
        hi: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tolerance: Option<f64>,
    },
}

fn default_weight() -> f64 {
    1.0
}

/// One summary statistic's target.
///
/// The simulator's summary vector is matched to targets by position.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub name: String,
    /// The reported value. It defines a point target; for an interval target
    /// it is informational only (the distance uses `lo` and `hi`).
    pub observed: f64,
    pub criterion: Criterion,
    /// Relative importance `w ≥ 0` in the combined distance (default 1).
    #[serde(default = "default_weight")]
    pub weight: f64,
}

impl Target {
    /// A point target with tolerance τ and weight 1.
    pub fn point(name: impl Into<String>, observed: f64, tolerance: f64) -> Self {
        Target {
            name: name.into(),
            observed,
            criterion: Criterion::Point { tolerance },
            weight: 1.0,
        }
    }

    /// An interval target scaled by its width, with weight 1.
    pub fn interval(name: impl Into<String>, observed: f64, lo: f64, hi: f64) -> Self {
        Target {
            name: name.into(),
            observed,
            criterion: Criterion::Interval {
                lo,
                hi,
                tolerance: None,
            },
            weight: 1.0,
        }
    }

    /// Sets the tolerance: τ of a point target, the scale of an interval target.
    pub fn with_tolerance(mut self, tolerance: f64) -> Self {
        match &mut self.criterion {
            Criterion::Point { tolerance: t } => *t = tolerance,
            Criterion::Interval { tolerance: t, .. } => *t = Some(tolerance),
        }
        self
    }

    pub fn with_weight(mut self, weight: f64) -> Self {
        self.weight = weight;
        self
    }

    /// Checks finiteness, `τ > 0`, `lo ≤ hi`, a positive scale and `w ≥ 0`.
    pub fn validate(&self) -> Result<(), FitError> {
        let err = |m: String| Err(FitError::Target(format!("`{}`: {m}", self.name)));
        if !self.observed.is_finite() {
            return err(format!("observed value must be finite, got {}", self.observed));
        }
        if !(self.weight.is_finite() && self.weight >= 0.0) {
            return err(format!("weight must be finite and ≥ 0, got {}", self.weight));
        }
        match self.criterion {
            Criterion::Point { tolerance } => {
                if !(tolerance.is_finite() && tolerance > 0.0) {
                    return err(format!("tolerance must be finite and > 0, got {tolerance}"));
                }
            }
            Criterion::Interval { lo, hi, tolerance } => {
                if !(lo.is_finite() && hi.is_finite()) {
                    return err(format!("interval bounds must be finite, got [{lo}, {hi}]"));
                }
                if lo > hi {
                    return err(format!("interval needs lo ≤ hi, got [{lo}, {hi}]"));
                }
                match tolerance {
                    Some(t) if !(t.is_finite() && t > 0.0) => {
                        return err(format!("tolerance must be finite and > 0, got {t}"));
                    }
                    None if hi - lo <= 0.0 => {
                        return err(format!(
                            "a zero-width interval [{lo}, {hi}] needs a tolerance as its scale"
                        ));
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The per-target distance `d ≥ 0` of summary `s` (see [`Criterion`]);
    /// `∞` for a non-finite `s`.
    pub fn distance(&self, s: f64) -> f64 {
        if !s.is_finite() {
            return f64::INFINITY;
        }
        match self.criterion {
            Criterion::Point { tolerance } => (s - self.observed).abs() / tolerance,
            Criterion::Interval { lo, hi, tolerance } => {
                let scale = tolerance.unwrap_or(hi - lo);
                if s < lo {
                    (lo - s) / scale
                } else if s > hi {
                    (s - hi) / scale
                } else {
                    0.0
                }
            }
        }
    }
}

/// A validated, non-empty list of targets with the combined distance.
///
/// Serialised as the list of targets; reading one back validates it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Target>", into = "Vec<Target>")]
pub struct Targets {
    targets: Vec<Target>,
    #[serde(skip)]
    total_weight: f64,
}

impl TryFrom<Vec<Target>> for Targets {
    type Error = FitError;
    fn try_from(t: Vec<Target>) -> Result<Self, FitError> {
        Targets::new(t)
    }
}

impl From<Targets> for Vec<Target> {
    fn from(t: Targets) -> Self {
        t.targets
    }
}

impl Targets {
    /// Validates each target; the list must be non-empty, names unique, and
    /// the weights must not all be 0.
    pub fn new(targets: Vec<Target>) -> Result<Self, FitError> {
        if targets.is_empty() {
            return Err(FitError::Target("no targets".into()));
        }
        for (i, t) in targets.iter().enumerate() {
            t.validate()?;
            if targets[..i].iter().any(|u| u.name == t.name) {
                return Err(FitError::Target(format!("duplicate target name `{}`", t.name)));
            }
        }
        let total_weight: f64 = targets.iter().map(|t| t.weight).sum();
        if !(total_weight > 0.0 && total_weight.is_finite()) {
            return Err(FitError::Target("the target weights sum to 0".into()));
        }
        Ok(Targets { targets, total_weight })
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Always false: a `Targets` is never empty.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    pub fn names(&self) -> Vec<String> {
        self.targets.iter().map(|t| t.name.clone()).collect()
    }

    /// The per-target distances `d_i` of a summary vector (matched by
    /// position); an error if its length differs from the number of targets.
    pub fn distances(&self, summaries: &[f64]) -> Result<Vec<f64>, FitError> {
        if summaries.len() != self.len() {
            return Err(FitError::Results(format!(
                "simulator returned {} summaries for {} targets",
                summaries.len(),
                self.len()
            )));
        }
        Ok(self
            .targets
            .iter()
            .zip(summaries)
            .map(|(t, &s)| t.distance(s))
            .collect())
    }

    /// The combined distance `D = sqrt(Σ w_i d_i² / Σ w_i)`: a weighted
    /// root-mean-square, so D = 1 when every target is off by one tolerance.
    /// Any non-finite `d_i` gives `D = ∞`, whatever its weight.
    pub fn combine(&self, distances: &[f64]) -> f64 {
        let mut s = 0.0;
        for (t, &d) in self.targets.iter().zip(distances) {
            if !d.is_finite() {
                return f64::INFINITY;
            }
            s += t.weight * d * d;
        }
        (s / self.total_weight).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_and_interval_distances() {
        let p = Target::point("p", 10.0, 2.0);
        assert_eq!(p.distance(13.0), 1.5);
        assert_eq!(p.distance(7.0), 1.5);
        let i = Target::interval("i", 0.4, 0.3, 0.5);
        assert_eq!(i.distance(0.45), 0.0);
        assert!((i.distance(0.6) - 0.5).abs() < 1e-12, "0.1 above / width 0.2");
        assert!((i.distance(0.1) - 1.0).abs() < 1e-12);
        let j = i.clone().with_tolerance(0.05);
        assert!((j.distance(0.6) - 2.0).abs() < 1e-12);
        assert_eq!(p.distance(f64::NAN), f64::INFINITY);
    }

    #[test]
    fn combined_distance_is_weighted_rms() {
        let t = Targets::new(vec![
            Target::point("a", 0.0, 1.0),
            Target::point("b", 0.0, 1.0).with_weight(3.0),
        ])
        .expect("valid");
        let d = t.distances(&[2.0, 1.0]).expect("right length");
        // sqrt((1·4 + 3·1) / 4)
        assert!((t.combine(&d) - (7.0f64 / 4.0).sqrt()).abs() < 1e-15);
        assert_eq!(t.combine(&[f64::INFINITY, 0.0]), f64::INFINITY);
        assert!(t.distances(&[1.0]).is_err());
    }

    #[test]
    fn bad_targets_are_errors() {
        assert!(Targets::new(vec![]).is_err());
        assert!(Targets::new(vec![Target::point("a", 0.0, 0.0)]).is_err());
        assert!(Targets::new(vec![Target::point("a", 0.0, -1.0)]).is_err());
        assert!(Targets::new(vec![Target::interval("a", 0.0, 1.0, 0.0)]).is_err());
        assert!(Targets::new(vec![Target::interval("a", 0.0, 0.0, 0.0)]).is_err());
        assert!(Targets::new(vec![Target::interval("a", 0.0, 0.0, 0.0).with_tolerance(0.1)]).is_ok());
        assert!(Targets::new(vec![Target::point("a", 0.0, 1.0).with_weight(0.0)]).is_err());
        assert!(Targets::new(vec![Target::point("a", 0.0, 1.0).with_weight(-1.0)]).is_err());
        assert!(Targets::new(vec![Target::point("a", 0.0, 1.0), Target::point("a", 1.0, 1.0)]).is_err());
    }
}
