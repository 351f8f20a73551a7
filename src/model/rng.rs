//! Random streams. Every draw in a replication comes from a stream named by
//! `(seed, replication, kind, index)`, so a change in one committee never
//! shifts the draws of another, and replication r of every scenario sees the
//! same streams (common random numbers).
//!
//! Derivation (documented in the manifest): with SplitMix64's finaliser `mix`,
//! `r = mix(mix(seed) ^ replication)` is the replication seed;
//! `h = mix(mix(r ^ kind) ^ index)`; the generator is PCG-XSL-RR 128/64 MCG
//! (`rand_pcg::Pcg64Mcg`, value-stable across releases) with state
//! `(mix(h ^ 1) << 64 | mix(h ^ 2)) | 1`.

use rand::Rng as _;

/// The generator every stream uses.
pub type Rng = rand_pcg::Pcg64Mcg;

pub const SEED_DERIVATION: &str = "replication_seed = mix(mix(seed) ^ replication); stream h = mix(mix(replication_seed ^ kind) ^ index); Pcg64Mcg (rand_pcg, PCG-XSL-RR 128/64 MCG) with state = (mix(h^1)<<64 | mix(h^2)) | 1; mix = SplitMix64 finaliser; kinds: 2 jurisdiction (index = data-file row), 3 committee and 4 committee residents (index = committee order in the data file), 5 uncertain factor of a probabilistic run (index = factor order in the --uncertainty file; unit coordinate u = (next_u64 >> 11) / 2^53), 6 parameter row of --parameters (index 0; row = first i with u < cumulative normalised weight_i)";

/// What a stream belongs to.
#[derive(Debug, Clone, Copy)]
pub enum StreamKind {
    // 1 is reserved (a district stream is not needed: the district draws nothing).
    Jurisdiction = 2,
    Committee = 3,
    /// A second stream for a committee's residents: two independent
    /// generators interleaved let the CPU overlap their multiplications.
    Residents = 4,
    /// A probabilistic run's uncertain factor (index = the factor's position
    /// in the `--uncertainty` file): its unit coordinate in replication r.
    /// Drawn from the replication seed alone, so every scenario of
    /// replication r gets the same parameter values.
    Uncertainty = 5,
    /// The row of a `--parameters` table that replication r uses (index 0).
    ParameterRow = 6,
}

/// SplitMix64 finaliser.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of replication `replication` under master seed `seed`.
pub fn replication_seed(seed: u64, replication: u64) -> u64 {
    mix(mix(seed) ^ replication)
}

/// The stream for one entity of one replication.
pub fn stream(replication_seed: u64, kind: StreamKind, index: u64) -> Rng {
    let h = mix(mix(replication_seed ^ kind as u64) ^ index);
    Rng::new((u128::from(mix(h ^ 1)) << 64) | u128::from(mix(h ^ 2)))
}

/// A generator that counts its 64-bit draws, so `shequ calibrate` can state
/// the draws per person-month exactly. Counting is one register add per
/// draw; the stream is the wrapped generator's, unchanged.
pub struct Counted<'a> {
    inner: &'a mut Rng,
    pub draws: u64,
}

impl<'a> Counted<'a> {
    pub fn new(inner: &'a mut Rng) -> Self {
        Counted { inner, draws: 0 }
    }
}

impl rand::TryRng for Counted<'_> {
    type Error = std::convert::Infallible;

    #[inline(always)]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.draws += 1;
        Ok(self.inner.next_u32())
    }

    #[inline(always)]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.draws += 1;
        Ok(self.inner.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.draws += dst.len().div_ceil(8) as u64;
        self.inner.fill_bytes(dst);
        Ok(())
    }
}

/// Two 32-bit uniforms from one 64-bit draw.
#[inline(always)]
pub fn two_u32<R: rand::Rng + ?Sized>(rng: &mut R) -> (u32, u32) {
    let x = rng.next_u64();
    (x as u32, (x >> 32) as u32)
}

/// Integer threshold for a probability: `u < threshold(p)` with `u` uniform
/// on u32 happens with probability p (to 2^-32).
#[inline]
pub fn threshold(p: f64) -> u32 {
    if p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        u32::MAX
    } else {
        (p * 4_294_967_296.0) as u32
    }
}

/// Uniform in [0, 1).
#[inline]
pub fn unit<R: rand::Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// Monthly hazard from an annual probability: h = 1 − (1 − a)^(1/12).
pub fn monthly(annual: f64) -> f64 {
    1.0 - (1.0 - annual.clamp(0.0, 1.0)).powf(1.0 / 12.0)
}

/// Poisson draw; 0 for a non-positive or non-finite mean.
pub fn poisson<R: rand::Rng + ?Sized>(rng: &mut R, mean: f64) -> u64 {
    if !(mean.is_finite() && mean > 0.0) {
        return 0;
    }
    use rand_distr::{Distribution, Poisson};
    match Poisson::new(mean) {
        Ok(d) => d.sample(rng) as u64,
        Err(_) => 0,
    }
}

/// Binomial draw; 0 when p ≤ 0 or n = 0.
pub fn binomial<R: rand::Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    use rand_distr::{Binomial, Distribution};
    match Binomial::new(n, p) {
        Ok(d) => d.sample(rng),
        Err(_) => 0,
    }
}
