#!/usr/bin/env python3
"""Prints the README's result tables from the committed reference results.

Usage: scripts/readme_tables.py [results/report_comparison] [results/probabilistic]

1. Headline effects: the paired difference of each scenario from the baseline
   over the outcome window (mean [95% CI]) for a few metrics, with the net
   fiscal cost and the gross reform flows (M yuan over the horizon).
2. Baseline levels: the baseline's mean of every metric the README quotes.
3. With a probabilistic run: the sd of the paired difference per replication
   in both studies (Monte Carlo noise only against noise + lever priors).

Only the standard library: the CSV files are plain.
"""
import csv
import sys
from collections import defaultdict

HEADLINE = [
    ("satisfaction_mean", "Δ satisfaction"),
    ("unmet_need_hours_per_1k", "Δ unmet need h/1k"),
    ("committee_admin_share", "Δ admin share"),
    ("cadre_turnover_rate", "Δ turnover"),
    ("informal_intensity", "Δ informal"),
    ("enforcement_resolution_rate", "Δ resolution"),
]
BASELINE = [
    "satisfaction_mean",
    "needs_met_share",
    "unmet_need_hours_per_1k",
    "committee_admin_share",
    "cadre_turnover_rate",
    "informal_intensity",
    "streets_with_informal_share",
    "committees_with_informal_share",
    "unemployment_rate",
    "migrant_registration_rate",
    "elderly_share",
    "district_reserve_months",
    "stipend_arrears_months",
]


def g(x):
    """Three significant digits, plain notation."""
    v = float(x)
    if v == 0:
        return "0"
    s = f"{v:.3g}"
    if "e" in s:
        s = f"{v:.6f}".rstrip("0").rstrip(".")
    return s


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def headline(folder):
    cmp = rows(f"{folder}/compare.csv")
    by = defaultdict(dict)
    order = []
    for r in cmp:
        if r["scenario"] not in by:
            order.append(r["scenario"])
        by[r["scenario"]][r["metric"]] = r
    head = ["scenario"] + [h for _, h in HEADLINE] + ["net fiscal cost, M yuan [95% CI]", "gross flows, M yuan"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for s in order:
        cells = [s]
        for m, _ in HEADLINE:
            r = by[s][m]
            cells.append(f"{g(r['diff_mean'])} [{g(r['ci95_low'])}, {g(r['ci95_high'])}]")
        r = by[s][HEADLINE[0][0]]
        net = float(r["fiscal_cost_net_mean"]) / 1e6
        lo = float(r["fiscal_cost_net_ci95_low"]) / 1e6
        hi = float(r["fiscal_cost_net_ci95_high"]) / 1e6
        cells.append(f"{g(net)} [{g(lo)}, {g(hi)}]")
        cells.append(g(float(r["reform_cost_gross_mean"]) / 1e6))
        print("| " + " | ".join(cells) + " |")


def baseline(folder):
    summ = rows(f"{folder}/summary.csv")
    base = summ[0]["scenario"]
    print("| metric | baseline mean [95% CI] |")
    print("|---|---|")
    for r in summ:
        if r["scenario"] == base and r["metric"] in BASELINE:
            print(f"| {r['metric']} | {g(r['mean'])} [{g(r['ci95_low'])}, {g(r['ci95_high'])}] |")


def spread(fixed, prob):
    a = {(r["scenario"], r["metric"]): r for r in rows(f"{fixed}/compare.csv")}
    b = {(r["scenario"], r["metric"]): r for r in rows(f"{prob}/compare.csv")}
    print("| scenario | metric | sd of Δ, fixed parameters | sd of Δ, lever priors drawn | ratio |")
    print("|---|---|---|---|---|")
    for key in b:
        if key not in a or key[1] not in dict(HEADLINE):
            continue
        sa, sb = float(a[key]["diff_sd"] or 0), float(b[key]["diff_sd"] or 0)
        ratio = f"{sb / sa:.1f}×" if sa > 0 else ""
        print(f"| {key[0]} | {key[1]} | {g(sa)} | {g(sb)} | {ratio} |")


if __name__ == "__main__" and sys.argv[1:2] != ["--experiments"]:
    folder = sys.argv[1] if len(sys.argv) > 1 else "results/report_comparison"
    headline(folder)
    print()
    baseline(folder)
    if len(sys.argv) > 2:
        print()
        spread(folder, sys.argv[2])


def drivers(sens_csv, metrics, target="baseline"):
    """The two largest total-order Sobol indices per metric, with S and ST."""
    rs = [r for r in rows(sens_csv) if r["target"] == target and r["metric"] in metrics]
    print("| metric | first driver | second driver |")
    print("|---|---|---|")
    for m in metrics:
        mine = [r for r in rs if r["metric"] == m and r["total_order"] != ""]
        mine.sort(key=lambda r: -float(r["total_order"]))
        cells = []
        for r in mine[:2]:
            cells.append(
                f"{r['factor']}: S {float(r['first_order']):.2f} [{float(r['first_order_ci95_low']):.2f}, "
                f"{float(r['first_order_ci95_high']):.2f}], ST {float(r['total_order']):.2f} "
                f"[{float(r['total_order_ci95_low']):.2f}, {float(r['total_order_ci95_high']):.2f}]"
                + (f" ({r['note']})" if r.get("note") else "")
            )
        print(f"| {m} | " + " | ".join(cells) + " |")


def experiments(folder="results/experiments"):
    ms = ["satisfaction_mean", "needs_met_share", "committee_admin_share", "cadre_turnover_rate",
          "informal_intensity", "unemployment_rate"]
    drivers(f"{folder}/baseline_sobol/sensitivity.csv", ms)
    print()
    eff = "report_full - baseline"
    drivers(f"{folder}/report_package_sobol/sensitivity.csv", ["satisfaction_mean", "cadre_turnover_rate"], eff)
    print()
    # The package's effect at each design point: summary.csv is not committed
    # for the Sobol studies, so read the design's effect rows if present.
    for name in ["stipend_grid", "uncertainty_lhs"]:
        summ = rows(f"{folder}/{name}/summary.csv")
        effects = [r for r in summ if r.get("effect_of") or " - " in r.get("scenario", "")]
        print(name, len(summ), "rows;", len(effects), "effect rows")


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--experiments":
    experiments()
