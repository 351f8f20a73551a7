# Bootstrap references (python3 boot.py)
import numpy as np, scipy.stats as st
from types import SimpleNamespace
R = lambda v: repr(float(v))
rng = np.random.default_rng(20240611)
x = np.round(rng.lognormal(0.0, 1.3, 20), 4)
print("x =", [R(v) for v in x])
x = np.array([float(v) for v in x])
print("mean", R(x.mean()))
dev = x - x.mean(); print("a_hat (closed form)", R((dev**3).sum() / (6 * ((dev**2).sum())**1.5)))
for method in ["BCa", "percentile"]:
    r = st.bootstrap((x,), np.mean, n_resamples=4_000_000, batch=200_000, method=method,
                     confidence_level=0.95, rng=np.random.default_rng(1))
    print(method, "B=4e6", R(r.confidence_interval.low), R(r.confidence_interval.high), "boot se", R(r.standard_error))
# Monte Carlo spread of endpoints at B=20000 (200 independent runs)
for method in ["BCa", "percentile"]:
    lo, hi = [], []
    for s in range(200):
        r = st.bootstrap((x,), np.mean, n_resamples=20_000, method=method, rng=np.random.default_rng(1000 + s))
        lo.append(r.confidence_interval.low); hi.append(r.confidence_interval.high)
    print(method, "B=2e4 MC sd of low/high", R(np.std(lo, ddof=1)), R(np.std(hi, ddof=1)), "means", R(np.mean(lo)), R(np.mean(hi)))
# Exact formula check: BCa on a given replicate vector
xs = np.array([0.8, 1.1, 0.3, 2.9, 0.5, 1.7, 0.9, 4.2, 0.6, 1.3, 0.2, 0.7])
theta = np.array([1.05, 1.21, 0.98, 1.44, 1.12, 1.31, 1.27, 0.91, 1.66, 1.18, 1.02, 1.39, 1.25, 1.08, 1.51, 1.15, 0.95, 1.35, 1.22, 1.29])
print("xs mean", R(xs.mean()))
for lvl in [0.95, 0.80]:
    r = st.bootstrap((xs,), np.mean, n_resamples=0, method="BCa", confidence_level=lvl,
                     bootstrap_result=SimpleNamespace(bootstrap_distribution=theta))
    rp = st.bootstrap((xs,), np.mean, n_resamples=0, method="percentile", confidence_level=lvl,
                     bootstrap_result=SimpleNamespace(bootstrap_distribution=theta))
    print("given-replicates", lvl, "BCa", R(r.confidence_interval.low), R(r.confidence_interval.high),
          "pct", R(rp.confidence_interval.low), R(rp.confidence_interval.high))
