# Reference values for the Rust tests (run: python3 refs.py). numpy/scipy/statsmodels versions printed.
import numpy as np, scipy, statsmodels, scipy.stats as st
from statsmodels.stats.multitest import multipletests
from types import SimpleNamespace
print("numpy", np.__version__, "scipy", scipy.__version__, "statsmodels", statsmodels.__version__)
R = lambda v: repr(float(v))
# 1. paired t
d1 = [0.12, -0.05, 0.33, 0.08, 0.21, -0.02, 0.15, 0.09]
r = st.ttest_1samp(d1, 0.0); print("t d1", R(r.statistic), R(r.pvalue))
d2 = [1.5, -0.3, 2.2]
r = st.ttest_1samp(d2, 0.0); print("t d2", R(r.statistic), R(r.pvalue))
d3 = [-3.1, -2.9, -3.4, -2.2, -4.0, -3.3, -2.8, -3.0, -3.6, -2.5]
r = st.ttest_1samp(d3, 0.0); print("t d3", R(r.statistic), R(r.pvalue))
# sign test
for k, m in [(8, 10), (0, 5), (1, 1), (400, 1000), (900, 2000), (3, 6), (12, 20)]:
    print("binom", k, m, R(st.binomtest(k, m, 0.5).pvalue))
# 2. multiplicity
for p in [[0.01, 0.04, 0.03, 0.005, 0.04, 0.2, 0.5],
          [0.001, 0.001, 0.02, 0.02, 0.02, 0.9, 1.0, 0.049],
          [0.02, 0.01, 0.03]]:
    print("holm", p, [R(v) for v in multipletests(p, method='holm')[1]])
    print("bh  ", p, [R(v) for v in multipletests(p, method='fdr_bh')[1]])
# 3. t interval
x = [0.12, -0.05, 0.33, 0.08, 0.21, -0.02, 0.15, 0.09]
m = np.mean(x); se = st.sem(x)
print("tint95", [R(v) for v in st.t.interval(0.95, len(x)-1, loc=m, scale=se)])
print("tint90", [R(v) for v in st.t.interval(0.90, len(x)-1, loc=m, scale=se)])
s = [0.0, 0.0, 0.0, 0.02, 0.0, 0.01]
print("tint share", [R(v) for v in st.t.interval(0.95, len(s)-1, loc=np.mean(s), scale=st.sem(s))])
# common helpers
print("norm.ppf(0.975)", R(st.norm.ppf(0.975)), "t.ppf(0.975, 7)", R(st.t.ppf(0.975, 7)), "norm.ppf(0.95)", R(st.norm.ppf(0.95)))
# 9. sizing: n = ceil((z * sd / h)^2), z = norm.ppf(0.975)
import math
z = st.norm.ppf(0.975)
for p, h in [([1, 2, 3], 0.5), ([10, 12, 17], 1.0), ([0.2, 0.25, 0.31], 0.01)]:
    s = np.std(p, ddof=1); raw = (z * s / h) ** 2
    print("sizing", p, h, "sd", R(s), "raw", R(raw), "n", math.ceil(raw), "(t-based would be", math.ceil((st.t.ppf(0.975, 2) * s / h) ** 2), ")")
print("sizing 90%", R((st.norm.ppf(0.95) * 1 / 0.5) ** 2))
