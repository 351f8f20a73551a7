//! What every parameter carries besides its value: its provenance
//! (`Provenance`), the listing `shequ params` prints (`ParamInfo`), how a
//! value is shown and range-checked (`ParamValue`), and the `section!` macro
//! that declares a section of parameters with all of it.

use std::fmt;

/// Where a default comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    Report,
    Firm,
    Secondary,
    Derived,
    Estimate,
    Setting,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provenance::Report => "report",
            Provenance::Firm => "firm",
            Provenance::Secondary => "secondary",
            Provenance::Derived => "derived",
            Provenance::Estimate => "estimate",
            Provenance::Setting => "setting",
        })
    }
}

/// One documented parameter, as listed by `shequ params`.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    pub path: String,
    pub value: String,
    pub default: String,
    pub unit: &'static str,
    pub min: f64,
    pub max: f64,
    pub provenance: Provenance,
    pub description: &'static str,
    /// False when the value lies outside `[min, max]` or is not finite.
    pub valid: bool,
}

/// Values a parameter may hold: how to show them and check their range.
pub trait ParamValue {
    fn show(&self) -> String;
    fn in_range(&self, lo: f64, hi: f64) -> bool;
}

impl ParamValue for f64 {
    fn show(&self) -> String {
        format!("{self}")
    }
    fn in_range(&self, lo: f64, hi: f64) -> bool {
        self.is_finite() && *self >= lo && *self <= hi
    }
}

impl ParamValue for u32 {
    fn show(&self) -> String {
        format!("{self}")
    }
    fn in_range(&self, lo: f64, hi: f64) -> bool {
        f64::from(*self) >= lo && f64::from(*self) <= hi
    }
}

impl ParamValue for bool {
    fn show(&self) -> String {
        format!("{self}")
    }
    fn in_range(&self, _: f64, _: f64) -> bool {
        true
    }
}

impl ParamValue for String {
    fn show(&self) -> String {
        self.clone()
    }
    fn in_range(&self, _: f64, _: f64) -> bool {
        true
    }
}

impl ParamValue for Vec<f64> {
    fn show(&self) -> String {
        let parts: Vec<String> = self.iter().map(|v| format!("{v}")).collect();
        format!("[{}]", parts.join(", "))
    }
    fn in_range(&self, lo: f64, hi: f64) -> bool {
        !self.is_empty() && self.iter().all(|v| v.in_range(lo, hi))
    }
}

/// Declares a parameter section: the struct (serde, unknown keys rejected,
/// every key defaulted) and its metadata visitor.
macro_rules! section {
    ($(#[$meta:meta])* $name:ident {
        $( $field:ident : $ty:ty = $default:expr ; $unit:literal, [$lo:expr, $hi:expr], $prov:ident, $desc:literal ; )*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $( #[doc = $desc] pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $name {
            /// Appends one `ParamInfo` per field, under `prefix`.
            pub fn visit(&self, prefix: &str, out: &mut Vec<ParamInfo>) {
                let d = Self::default();
                $(
                    out.push(ParamInfo {
                        path: format!("{}.{}", prefix, stringify!($field)),
                        value: self.$field.show(),
                        default: d.$field.show(),
                        unit: $unit,
                        min: $lo as f64,
                        max: $hi as f64,
                        provenance: Provenance::$prov,
                        description: $desc,
                        valid: self.$field.in_range($lo as f64, $hi as f64),
                    });
                )*
            }
        }
    };
}
pub(super) use section;

/// Upper bound of money ranges (yuan).
pub(super) const BIG: f64 = 1e12;
