# Reference for ranking::bootstrap_p_best_matches_reference (python3 rank.py)
import numpy as np
d = np.array([0.7, -0.5, 0.3, 1.1, -0.9, 0.1, 0.5, -0.3, 0.9, 0.1, -0.7])  # 11 odd multiples of 0.1: a resample sum is never 0
rng = np.random.default_rng(7); B = 1_000_000; n = len(d)
hits = 0.0
for _ in range(10):
    idx = rng.integers(0, n, size=(B // 10, n))
    m = d[idx].mean(axis=1)
    hits += (m > 0).sum() + 0.5 * (m == 0).sum()
print("P(A best)", hits / B)
