//! Exact serde encodings for floats.
//!
//! serde_json writes the shortest decimal that round-trips, but its default
//! parser (without the `float_roundtrip` feature) is not correctly rounded:
//! about one random f64 in five comes back one ulp off. Anything that must be
//! bit-exact after a JSON round trip — checkpoints, and candidates and results
//! shipped to shards — therefore stores `f64::to_bits` as a JSON integer
//! (which serde_json parses exactly); this also keeps ±∞ and NaN.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One `f64` as its IEEE-754 bit pattern.
pub mod bits {
    use super::*;

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(x.to_bits())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        u64::deserialize(d).map(f64::from_bits)
    }
}

/// A `Vec<f64>` as a list of bit patterns.
pub mod bits_vec {
    use super::*;

    pub fn serialize<S: Serializer>(x: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(x.iter().map(|v| v.to_bits()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<u64>::deserialize(d).map(|v| v.into_iter().map(f64::from_bits).collect())
    }
}

/// A simulation outcome, `{"ok":[bits…]}` or `{"err":"message"}`.
pub mod outcome_bits {
    use super::*;

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Wire {
        Ok(#[serde(with = "super::bits_vec")] Vec<f64>),
        Err(String),
    }

    pub fn serialize<S: Serializer>(x: &Result<Vec<f64>, String>, s: S) -> Result<S::Ok, S::Error> {
        match x {
            Ok(v) => Wire::Ok(v.clone()),
            Err(e) => Wire::Err(e.clone()),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Vec<f64>, String>, D::Error> {
        Ok(match Wire::deserialize(d)? {
            Wire::Ok(v) => Ok(v),
            Wire::Err(e) => Err(e),
        })
    }
}

/// A human-readable `f64` that may be +∞: a JSON number, or `null` for ∞
/// (plain serde_json would write `null` and then fail to read it back).
pub mod inf_as_null {
    use super::*;

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            s.serialize_some(x)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
    }
}

/// FNV-1a, 64-bit: a stable fingerprint (not a cryptographic hash).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Probe {
        #[serde(with = "bits")]
        x: f64,
        #[serde(with = "bits_vec")]
        v: Vec<f64>,
        #[serde(with = "inf_as_null")]
        e: f64,
    }

    /// 0.41015236758081597 is one of the values serde_json's default parser
    /// reads back as 0.410152367580816; through `bits` it survives.
    #[test]
    fn bits_round_trip_exactly() {
        let p = Probe {
            x: 0.410_152_367_580_815_97,
            v: vec![f64::INFINITY, -0.0, 1e-310, 0.1 + 0.2],
            e: f64::INFINITY,
        };
        let json = serde_json::to_string(&p).expect("serialisable");
        let back: Probe = serde_json::from_str(&json).expect("readable");
        assert_eq!(back.x.to_bits(), p.x.to_bits());
        assert!(back.v.iter().zip(&p.v).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(back.e, f64::INFINITY);
        assert!(json.contains("\"e\":null"));
    }
}
