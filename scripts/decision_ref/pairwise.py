# Reference for pairwise::matches_scipy_and_statsmodels (python3 pairwise.py)
import numpy as np, scipy.stats as st
from statsmodels.stats.multitest import multipletests
v = [[10.2, 11.1, 9.8, 10.5, 10.9, 10.0],
     [10.9, 11.6, 10.1, 11.4, 11.2, 10.8],
     [10.1, 11.5, 9.2, 10.4, 11.6, 10.3]]
rows = []
for i in range(3):
    for j in range(i + 1, 3):
        d = np.array(v[j]) - np.array(v[i])
        p = st.ttest_rel(v[j], v[i]).pvalue
        lo, hi = st.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=st.sem(d))
        rows.append([d.mean(), d.std(ddof=1), p, lo, hi])
holm = multipletests([r[2] for r in rows], method='holm')[1]
out = []
for r, h in zip(rows, holm):
    out += [*r, h]
print("const PW: [f64; 18] = [" + ", ".join(repr(float(x)) for x in out) + "];")
