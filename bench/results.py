#!/usr/bin/env python3
"""Writes docs/results.md from finished experiment farms (conf/experiments/, issue 17).

Usage: python3 bench/results.py RUNS_DIR > docs/results.md

RUNS_DIR holds the farm directories that bench/results.sh ran (a-sqrt-n-over-k or
a-sqrt-n-over-k-quick, ...) and its timing file results-meta.tsv. Every number comes from a farm's
results.json (the report's own slope fits, ScalingAnalysis) or results.csv (per-run values); the
per-group slopes that the report does not fit (per d, per data model, per label rule) use the
report's method: least squares of log y on the log axes over the interpolating runs, 95%
percentile bootstrap over whole seed groups, 1000 resamples, fixed seed. Hand-written
interpretation is read from docs/results/notes/<experiment>.md when present and printed with the
variant it was written for. Standard library only.
"""
import csv
import json
import math
import os
import random
import shutil
import sys
from collections import defaultdict

EXPERIMENTS = [
    ("a-sqrt-n-over-k", "a. Two-layer √(n/k) sweep on the sphere"),
    ("b-weight-bounded", "b. Weight-bounded two-layer nets (per-neuron α, β)"),
    ("c-depth-vs-n", "c. Depth against n under per-layer Frobenius bounds (withdrawn claim)"),
    ("d-bubeck-sellke", "d. Bubeck–Sellke √(nd/p): d at fixed n/k"),
    ("e-low-dimension", "e. Low-dimensional data: growth against n^{1/d}"),
    ("f-fashion-mnist", "f. Fashion-MNIST: random and noisy labels"),
]
RESAMPLES = 1000
BOOT_SEED = 20261129
LOWER = "lip_lower_certified"
UPPER = "lip_upper_certified"
# results.csv columns that are results, not parameters (everything up to the last of these).
RESULT_COLUMNS_LAST = "estimate_seconds"

CHANGE = {
    "a-sqrt-n-over-k": "A smoother interpolant than Adam's at the same (n, k) (the min-lipschitz objective, or "
    "another optimiser) whose certified lower bound falls faster in k; a certified lower bound that is loose "
    "(a large gap to the upper bound) at small k; more seeds (intervals from 5 seed groups are indicative only).",
    "b-weight-bounded": "More epochs or another optimiser fitting at a smaller c (the measured boundary is an upper "
    "bound on the true one); any interpolating run below the F2 threshold would contradict the derived floor "
    "(it holds with probability ≥ 1 − δ) and point to a bug.",
    "c-depth-vs-n": "Shallower nets that fit under the same cap with more epochs or restarts (the measured depth is an "
    "upper bound); a larger n range, since F9 changes by one layer only over a factor of about e^{2 ln M₀} ≈ 9 in n. "
    "The claim itself was withdrawn by its author: no result here confirms or refutes a published theorem.",
    "d-bubeck-sellke": "A slope in d whose interval excludes 0 at fixed n/k with a much wider d range; interpolants "
    "closer to the smallest Lipschitz constant (the law bounds every interpolant from below, the optimiser's may sit "
    "far above it).",
    "e-low-dimension": "Interpolants at larger n (the fitted range is small because Adam fails to fit beyond it); a "
    "slope of the certified lower bound below 1/d would contradict Wu–Huang–Zhang only for the smallest interpolant, "
    "which the farm does not find.",
    "f-fashion-mnist": "Other class pairs, projections, or the full training set; the theory's assumptions (i.i.d. "
    "isoperimetric data) are not known to hold for images, so no bound is tested here, only the scaling shape.",
}


RESULT_COLUMNS = set()


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return float("nan")


def stamp(iso):
    """Seconds of an event's ISO-8601 UTC time (nanoseconds cut to microseconds)."""
    from datetime import datetime

    date, frac = (iso.rstrip("Z").split(".") + ["0"])[:2]
    return datetime.fromisoformat(date).timestamp() + float("0." + frac)


def fmt(x, digits=3):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def solve(a, b):
    """Gaussian elimination with partial pivoting; None if singular."""
    m = len(b)
    a = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(m):
        p = max(range(c, m), key=lambda r: abs(a[r][c]))
        if abs(a[p][c]) < 1e-12:
            return None
        a[c], a[p] = a[p], a[c]
        for r in range(m):
            if r != c:
                f = a[r][c] / a[c][c]
                for j in range(c, m + 1):
                    a[r][j] -= f * a[c][j]
    return [a[i][m] / a[i][i] for i in range(m)]


def ols(xs, ys):
    """Coefficients [intercept, b1, ...] of y on x (rows), or None."""
    k = len(xs[0]) + 1
    ata = [[0.0] * k for _ in range(k)]
    aty = [0.0] * k
    for x, y in zip(xs, ys):
        row = [1.0] + list(x)
        for i in range(k):
            aty[i] += row[i] * y
            for j in range(k):
                ata[i][j] += row[i] * row[j]
    return solve(ata, aty)


def fit(rows, covariates, value=LOWER):
    """Slope of log(value) on the log covariates (functions of a row) with a seed-cluster bootstrap.

    Returns {name: (slope, low, high)} with low/high None for fewer than two seed groups, or None
    when the model is not identifiable."""
    data = []
    for r in rows:
        y = num(r[value])
        xs = [c(r) for _, c in covariates]
        if y > 0 and all(x > 0 and math.isfinite(x) for x in xs):
            data.append((r["seed"], [math.log(x) for x in xs], math.log(y)))
    if len(data) < len(covariates) + 2:
        return None
    beta = ols([d[1] for d in data], [d[2] for d in data])
    if beta is None:
        return None
    groups = defaultdict(list)
    for d in data:
        groups[d[0]].append(d)
    keys = sorted(groups)
    boots = []
    if len(keys) >= 2:
        rng = random.Random(BOOT_SEED)
        for _ in range(RESAMPLES):
            sample = [d for _ in keys for d in groups[rng.choice(keys)]]
            b = ols([d[1] for d in sample], [d[2] for d in sample])
            if b is not None:
                boots.append(b)
    out = {}
    for i, (name, _) in enumerate(covariates):
        if len(boots) >= 0.9 * RESAMPLES:
            s = sorted(b[i + 1] for b in boots)
            out[name] = (beta[i + 1], s[int(0.025 * len(s))], s[min(len(s) - 1, int(0.975 * len(s)))])
        else:
            out[name] = (beta[i + 1], None, None)
    out["_runs"] = len(data)
    out["_groups"] = len(keys)
    return out


def slope_text(s, pred=None, at_least=False):
    """The slope with its interval and whether the interval contains the prediction (pred =
    (value, words)); with at_least, the prediction is a floor and the verdict says on which side."""
    slope, low, high = s
    ci = f", 95% CI [{low:.3f}, {high:.3f}]" if low is not None else " (no interval)"
    verdict = ""
    if pred is not None and low is not None:
        if low <= pred[0] <= high:
            verdict = "; contains " + pred[1]
        elif at_least:
            verdict = ("; entirely above " if low > pred[0] else "; entirely below ") + pred[1]
        else:
            verdict = "; excludes " + pred[1]
    return f"**{slope:.3f}**{ci}{verdict}"


class Farm:
    def __init__(self, runs_dir, exp, only=None):
        """The full farm if it has results, else the quick one; only = "full" or "quick" picks one."""
        self.exp = exp
        self.dir = None
        self.variant = None
        for suffix, variant in (("", "full"), ("-quick", "quick")):
            d = os.path.join(runs_dir, exp + suffix)
            if only is not None and variant != only:
                continue
            if os.path.isfile(os.path.join(d, "results.json")):
                self.dir, self.variant = d, variant
                break
        if self.dir is None:
            return
        self.json = json.load(open(os.path.join(self.dir, "results.json"), encoding="utf-8"))
        reader = csv.DictReader(open(os.path.join(self.dir, "results.csv"), encoding="utf-8"))
        self.rows = list(reader)
        # Parameters follow the result columns; run_id, n, d, k, depth and seed lead the file.
        names = reader.fieldnames
        RESULT_COLUMNS.update(names[6: names.index(RESULT_COLUMNS_LAST) + 1] + ["run_id"])
        for r in self.rows:
            for k in ("n", "d", "k", "depth", "seed"):
                r[k] = int(r[k])
        self.fitted = [r for r in self.rows if r["fitted"] == "true"]
        times = []
        finished = False
        self.total = None
        # Wall time: the sum of the farm's sessions (each from its FarmStarted to the last event
        # before the next one), so the pauses of a farm stopped and resumed do not count.
        self.sessions = 0
        self.wall = 0.0
        session_start = None
        for line in open(os.path.join(self.dir, "events.ndjson"), encoding="utf-8"):
            if line.strip():
                try:
                    e = json.loads(line)
                except ValueError:
                    continue  # a line torn by a kill
                if e["type"] == "FarmStarted":
                    if session_start is not None:
                        self.wall += stamp(times[-1]) - stamp(session_start)
                    session_start = e["time"]
                    self.sessions += 1
                    self.total = e.get("totalRuns", self.total)
                times.append(e["time"])
                finished |= e["type"] == "FarmFinished"
        if session_start is not None:
            self.wall += stamp(times[-1]) - stamp(session_start)
        self.first, self.last, self.finished = (times[0], times[-1], finished) if times else ("?", "?", False)
        if not times:
            self.wall = float("nan")
        self.cpu = sum(num(r["train_seconds"]) + num(r["estimate_seconds"]) for r in self.rows)

    def report_fit(self, quantity, axis, model):
        for f in self.json["scaling"]["fits"]:
            if f["quantity"] == quantity and f["axis"] == axis and f["model"] == model:
                return f
        return None

    def report_slope(self, quantity, axis, model):
        f = self.report_fit(quantity, axis, model)
        if f is None:
            return "not fitted"
        low, high, predicted = num(f.get("ciLow")), num(f.get("ciHigh")), num(f.get("predicted"))
        s = (f["slope"], None if math.isnan(low) else low, None if math.isnan(high) else high)
        pred = None if math.isnan(predicted) else (predicted, f"the predicted {predicted:+.2f}")
        return slope_text(s, pred) + f" ({f['runs']} runs, {f['seedGroups']} seed groups, report's {model} model)"

    def groups(self, key):
        g = defaultdict(list)
        for r in self.fitted:
            g[r.get(key, "")].append(r)
        return dict(sorted(g.items()))


def objective_key(farm):
    return "objective" if farm.rows and "objective" in farm.rows[0] else None


def header(farm, meta):
    m = meta.get(os.path.basename(farm.dir), {})
    conf = f"conf/experiments/{farm.exp}{'.quick' if farm.variant == 'quick' else ''}.conf"
    out = [
        f"**Numbers from the {farm.variant.upper()} variant** (`{conf}`)"
        + (" — quick numbers, not the experiment as the issue states it; the full runs are still to do."
           if farm.variant == "quick" else "."),
        ("" if farm.finished else
         f"**PARTIAL: the farm has not finished; {len(farm.rows)} of {farm.total or '?'} configurations are in. "
         f"Continue it with `bash bench/results.sh {farm.exp}` (resumes it and adds any grid points the file "
         "gained since).** ")
        + f"{len(farm.rows)} runs, {len(farm.fitted)} interpolated; events {farm.first} to {farm.last}"
        + f"; training and estimation {farm.cpu / 60:.1f} CPU-minutes"
        + f"; wall time from the events {farm.wall / 60:.1f} min"
        + (f" over {farm.sessions} sessions (stopped and resumed; pauses not counted)" if farm.sessions > 1 else "")
        + ".",
    ]
    if m.get("command"):
        out.append(f"Run with `{m['command']}`.")
    return out


MAX_PLOT_BYTES = 200_000


def plot_links(farm, names):
    """Copies the named plots of the farm (small PNGs only) to docs/results/<farm>/ and links them."""
    target = os.path.join("docs", "results", os.path.basename(farm.dir))
    for stale in (farm.exp, farm.exp + "-quick"):  # the other variant's plots, and old copies
        shutil.rmtree(os.path.join("docs", "results", stale), ignore_errors=True)
    links = []
    for name in names:
        src = os.path.join(farm.dir, "plots", name)
        if os.path.isfile(src) and os.path.getsize(src) <= MAX_PLOT_BYTES:
            os.makedirs(target, exist_ok=True)
            shutil.copyfile(src, os.path.join(target, name))
            links.append(f"[{name}](results/{os.path.basename(farm.dir)}/{name})")
    return "Plots: " + ", ".join(links) + "." if links else "Plots: in the farm directory's plots/ (not committed)."


def section_a(f):
    lines = [
        "Question: does the certified lower bound on Lip of the interpolants grow like √(n/k) (slope +½ in n/k, "
        "BLN conjecture F4, theory.md §2.2)?",
        "",
        f"- Report, all runs: slope of the certified lower bound vs log(n/k): {f.report_slope('LOWER', 'n/k', 'n/k')}.",
        f"- Report, joint model: vs n {f.report_slope('LOWER', 'n', 'joint')}; vs k {f.report_slope('LOWER', 'k', 'joint')}"
        " (predicted +½ and −½).",
        f"- Certified upper bound vs log(n/k): {f.report_slope('UPPER', 'n/k', 'n/k')} (a norm bound; F3 already makes it "
        "grow like √(n/k)).",
    ]
    obj = objective_key(f)
    for (o, d), rows in sorted(group2(f.fitted, obj, "d").items()):
        s = fit(rows, [("n/k", lambda r: r["n"] / r["k"])])
        label = (f"objective = {o}, " if obj else "") + f"d = {d}"
        if s:
            lines.append(f"- {label}: lower bound vs log(n/k) {slope_text(s['n/k'], (0.5, 'the predicted +½'))} "
                         f"({s['_runs']} runs, {s['_groups']} seed groups)")
    if not obj:
        lines.append("- Objective min-lipschitz: not run (the farm parameter had not landed when these runs were made).")
        return lines
    lines += paired_objectives(f)
    return lines


def paired_objectives(f):
    """Both objectives on the same configurations: each min-lipschitz run with its fit twin (same
    parameters but the objective; the objective starts from the twin's network)."""
    params = [c for c in f.rows[0] if c not in RESULT_COLUMNS and c != "objective"]
    twins = defaultdict(dict)
    for r in f.fitted:
        twins[tuple(str(r[c]) for c in params)][r["objective"]] = r
    pairs = [(t["fit"], t["min-lipschitz"]) for t in twins.values() if "fit" in t and "min-lipschitz" in t]
    if not pairs:
        return ["- No configuration has both objectives interpolating."]
    out = [f"- Paired: {len(pairs)} configurations where both objectives interpolated (the min-lipschitz run "
           "starts from its fit twin's network)."]
    for col, what in ((UPPER, "certified upper bound"), (LOWER, "certified lower bound")):
        ratios = sorted(num(m[col]) / num(p[col]) for p, m in pairs if num(p[col]) > 0)
        out.append(f"  - {what}, min-lipschitz / fit: median {fmt(ratios[len(ratios) // 2])} "
                   f"(min {fmt(ratios[0])}, max {fmt(ratios[-1])})")
    for which, idx in (("fit", 0), ("min-lipschitz", 1)):
        rows = [p[idx] for p in pairs]
        for col, what in ((LOWER, "lower"), (UPPER, "upper")):
            s = fit(rows, [("n/k", lambda r: r["n"] / r["k"])] + ([("d", lambda r: r["d"])]
                                                                   if len({r["d"] for r in rows}) > 1 else []),
                    value=col)
            if s:
                out.append(f"  - {which}, certified {what} bound vs log(n/k) on these configurations: "
                           f"{slope_text(s['n/k'], (0.5, 'the predicted +½'))}")
    return out


def group2(rows, k1, k2):
    g = defaultdict(list)
    for r in rows:
        g[(r.get(k1, "") if k1 else "", r[k2])].append(r)
    return g


def section_b(f):
    lines = [
        "Question: where does interpolation stop as c = k·α·β/√n shrinks, against the F2 floor (an interpolating net "
        "has path norm ≥ F2, and path norm ≤ k·α·β, so c ≥ F2/√n is necessary w.p. ≥ 1 − δ; DERIVED, theory.md §1.3)? "
        "And does the spectral proxy ‖a‖₂‖W‖_op stay above F3?",
        "",
        "Share of runs that interpolated, per (n, k) and c (columns), and the F2 threshold on c:",
        "",
    ]
    cs = sorted({num(r["bound_beta"]) for r in f.rows})
    lines.append("| n | k | F2/√n | " + " | ".join(f"c={c:.3g}" for c in cs) + " | smallest c with all seeds fitted |")
    lines.append("|---:|---:|---:|" + "---:|" * len(cs) + "---:|")
    cells = defaultdict(list)
    for r in f.rows:
        cells[(r["n"], r["k"], num(r["bound_beta"]))].append(r["fitted"] == "true")
    below = 0
    for n, k in sorted({(r["n"], r["k"]) for r in f.rows}):
        f2 = [num(r["theory_F2"]) for r in f.rows if r["n"] == n and r["k"] == k]
        thr = f2[0] / math.sqrt(n) if f2 and not math.isnan(f2[0]) else float("nan")
        row, smallest = [], "none"
        for c in cs:
            v = cells.get((n, k, c), [])
            row.append(f"{sum(v)}/{len(v)}" if v else "")
            if v and all(v) and smallest == "none":
                smallest = f"{c:.3g}"
            if v and any(v) and c < thr:
                below += 1
        lines.append(f"| {n} | {k} | {fmt(thr)} | " + " | ".join(row) + f" | {smallest} |")
    lines.append("")
    lines.append(f"- Cells with an interpolating run below the F2 threshold: {below} (0 expected w.h.p.).")
    ratios = [num(r["spectral_proxy_measured"]) / num(r["F3_spectral_proxy_floor"]) for r in f.fitted
              if num(r["F3_spectral_proxy_floor"]) > 0]
    viol = sum(r["spectral_proxy_ge_F3"] == "false" for r in f.fitted)
    if ratios:
        ratios.sort()
        lines.append(f"- Spectral proxy ‖a‖₂‖W‖_op / F3 over the {len(ratios)} interpolating runs: min {fmt(ratios[0])}, "
                     f"median {fmt(ratios[len(ratios) // 2])}, max {fmt(ratios[-1])}; runs below F3: {viol}.")
    lines.append(f"- Spectral proxy vs log(n/k) (report): {f.report_slope('SPECTRAL_PROXY', 'n/k', 'n/k')}.")
    lines.append(f"- Certified lower bound vs log(n/k) (report): {f.report_slope('LOWER', 'n/k', 'n/k')}.")
    return lines


def section_c(f):
    lines = [
        "Question (a claim its author withdrew, theory.md §0, §1.4): with every ‖W_j‖_F ≤ M₀, does the smallest depth "
        "that interpolates grow with n, and how does it compare with the derived floor F9?",
        "",
        "| n | F9 (floor, withdrawn claim) | depths run | smallest depth with all seeds fitted | smallest with any seed | share fitted per depth |",
        "|---:|---:|---|---:|---:|---|",
    ]
    for n in sorted({r["n"] for r in f.rows}):
        rows = [r for r in f.rows if r["n"] == n]
        depths = sorted({r["depth"] for r in rows})
        f9 = {r["theory_F9"] for r in rows}
        share = {dp: [r["fitted"] == "true" for r in rows if r["depth"] == dp] for dp in depths}
        alls = [dp for dp in depths if all(share[dp])]
        anys = [dp for dp in depths if any(share[dp])]
        lines.append(f"| {n} | {', '.join(sorted(f9))} | {', '.join(map(str, depths))} | "
                     f"{alls[0] if alls else 'none'} | {anys[0] if anys else 'none'} | "
                     + ", ".join(f"{dp}: {sum(v)}/{len(v)}" for dp, v in share.items()) + " |")
    viol = sum(r["frobenius_product_ge_F8"] == "false" for r in f.fitted)
    lines.append("")
    lines.append(f"- Interpolating runs with Π‖W_j‖_F below F8: {viol} (0 expected w.h.p.).")
    lines.append(f"- Certified lower bound vs depth (report, joint): {f.report_slope('LOWER', 'depth', 'joint')}.")
    return lines


def section_d(f):
    lines = [
        "Question: at fixed n/k, does Lip depend on d (BS √(nd/p) with p ≈ kd predicts slope 0 in d, +½ in n/k; "
        "Theorem 3 VERIFIED, theory.md §3)?",
        "",
        f"- Report, both data models: vs log d (joint model, n and k fixed) {f.report_slope('LOWER', 'd', 'joint')}; vs log(n/k) "
        f"{f.report_slope('LOWER', 'n/k', 'n/k')}.",
    ]
    for data, rows in f.groups("data").items():
        s = fit(rows, [("n/k", lambda r: r["n"] / r["k"]), ("d", lambda r: r["d"])])
        if s:
            lines.append(f"- {data}: vs log d {slope_text(s['d'], (0.0, 'the predicted 0'))}; vs log(n/k) "
                         f"{slope_text(s['n/k'], (0.5, 'the predicted +½'))} ({s['_runs']} runs, {s['_groups']} seed groups)")
    return lines


def section_e(f):
    lines = [
        "Question: in d = 2, 3, does Lip grow at least like n^{1/d} (WHZ, F7b; rate VERIFIED), and how does it compare "
        "with the data bound F10 ≈ n^{2/d}?",
        "",
    ]
    for d in sorted({r["d"] for r in f.rows}):
        rows = [r for r in f.rows if r["d"] == d]
        fitted = [r for r in rows if r["fitted"] == "true"]
        ns = sorted({r["n"] for r in rows})
        share = ", ".join(f"n={n}: {sum(r['fitted'] == 'true' for r in rows if r['n'] == n)}/"
                          f"{sum(1 for r in rows if r['n'] == n)}" for n in ns)
        lines.append(f"- d = {d}: interpolated {share}.")
        covs = [("n", lambda r: r["n"])]
        if len({r["k"] for r in fitted}) > 1:
            covs.append(("k", lambda r: r["k"]))
        s = fit(fitted, covs)
        if s:
            lines.append(f"  - certified lower bound vs log n: {slope_text(s['n'], (1 / d, f'1/d = {1 / d:.3f}'), True)} "
                         f"({s['_runs']} interpolating runs, {s['_groups']} seed groups)")
        s10 = fit(rows, [("n", lambda r: r["n"])], value="F10_data_lower")
        if s10:
            lines.append(f"  - F10 (data bound, every run) vs log n: {slope_text(s10['n'], (2 / d, f'2/d = {2 / d:.3f}'))}")
    return lines


def section_f(f):
    lines = [
        "Question: on real images, does the certified lower bound grow like √(n/k) for random labels, and for noisy "
        "class labels?",
        "",
        f"- Report, both label rules: vs log(n/k) {f.report_slope('LOWER', 'n/k', 'n/k')}.",
    ]
    for labels, rows in f.groups("labels").items():
        s = fit(rows, [("n/k", lambda r: r["n"] / r["k"])])
        if s:
            lines.append(f"- labels = {labels}: vs log(n/k) {slope_text(s['n/k'], (0.5, 'the BLN +½'))} "
                         f"({s['_runs']} runs, {s['_groups']} seed groups)")
    return lines


SECTIONS = {
    "a-sqrt-n-over-k": (section_a, ["sqrt_n_over_k.png"]),
    "b-weight-bounded": (section_b, ["sqrt_n_over_k.png"]),
    "c-depth-vs-n": (section_c, ["lip_vs_depth.png"]),
    "d-bubeck-sellke": (section_d, ["lip_vs_d.png"]),
    "e-low-dimension": (section_e, ["lip_vs_n.png"]),
    "f-fashion-mnist": (section_f, ["sqrt_n_over_k.png"]),
}


def expected_time(exp):
    """The "Expected wall time (full): ..." sentence of the experiment file's header."""
    path = os.path.join("conf", "experiments", exp + ".conf")
    text, keep = [], False
    for line in open(path, encoding="utf-8"):
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if body.startswith("Expected wall time"):
            keep = True
        if keep:
            if not body or "Quick variant" in body:
                text.append(body.split("Quick variant")[0])
                break
            text.append(body)
    sentence = " ".join(text).split("Quick variant")[0].strip()
    return sentence.replace("Expected wall time (full): ", "") or "see the file"


def notes(exp, variant):
    path = os.path.join("docs", "results", "notes", exp + ".md")
    if not os.path.isfile(path):
        return []
    text = open(path, encoding="utf-8").read().strip().splitlines()
    written_for = text[0].split(":", 1)[1].strip() if text and text[0].startswith("variant:") else "?"
    body = text[1:] if text and text[0].startswith("variant:") else text
    warn = "" if written_for == variant else (
        f" **Written for the {written_for} numbers; the numbers above are from the {variant} variant: re-read before trusting it.**")
    return ["", f"*Interpretation (written by hand for the {written_for} variant).*{warn}", ""] + body


def main():
    runs_dir = sys.argv[1]
    meta = {}
    meta_path = os.path.join(runs_dir, "results-meta.tsv")
    if os.path.isfile(meta_path):
        for line in open(meta_path, encoding="utf-8"):
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3 and parts[0] != "farm":
                meta[parts[0]] = {"wall_seconds": parts[1], "command": parts[2]}
    machine = {}
    info_path = os.path.join(runs_dir, "results-machine.txt")
    if os.path.isfile(info_path):
        for line in open(info_path, encoding="utf-8"):
            if "=" in line:
                key, value = line.rstrip("\n").split("=", 1)
                machine[key] = value
    out = [
        "# Results of the experiments (conf/experiments/)",
        "",
        "Generated by `bash bench/results.sh` (which runs the farms and then `python3 bench/results.py`); do not edit "
        "by hand except the notes in `docs/results/notes/`. Each section says which variant its numbers come from: "
        "**quick** variants are the CI-sized farms, not the experiments as issue 17 states them.",
        "",
        f"- Command: `{machine.get('command', '?')}`",
        f"- Date: {machine.get('date', '?')}",
        f"- Machine: {machine.get('nproc', '?')} cores ({machine.get('cpu', '?')}); {machine.get('note', '')}",
        f"- Wall time of the invocation that wrote this file: {machine.get('wall_seconds', '?')} s (each farm's own "
        "wall time, from its events, is in its section)",
        "",
        "Slopes are log-log least-squares slopes over the interpolating runs with 95% percentile bootstrap intervals "
        "over whole seed groups (the report's method, `lipfarm.analysis`); with fewer than about 10 seed groups the "
        "intervals are indicative only. Only the **certified lower bound** tests a lower-bound law; the upper bound "
        "is a norm bound.",
        "",
    ]
    todo = []
    for exp, _ in EXPERIMENTS:
        farm = Farm(runs_dir, exp)
        if farm.dir is None or farm.variant != "full" or not farm.finished:
            todo.append(f"- `bash bench/results.sh {exp}`: {expected_time(exp)}"
                        + (f" ({len(farm.rows)} of {farm.total} configurations already in, resumed)"
                           if farm.dir is not None and farm.variant == "full" else ""))
    if todo:
        out += ["**Full runs still to do** (expected wall time on 2 otherwise idle cores, from each file's header):",
                ""] + todo + [""]
    for exp, title in EXPERIMENTS:
        out.append(f"## {title}")
        out.append("")
        full, quick = Farm(runs_dir, exp, "full"), Farm(runs_dir, exp, "quick")
        # A finished full farm answers alone; a partial one is shown after the quick farm, if any.
        farm = full if full.dir is not None and (full.finished or quick.dir is None) else quick
        if farm.dir is None:
            out += [f"**Not run yet**: no finished `{exp}` or `{exp}-quick` farm in `{runs_dir}`. Run "
                    f"`bash bench/results.sh {exp}` (full) or `bash bench/results.sh --quick {exp}`.", ""]
            continue
        section, plots = SECTIONS[exp]
        out += header(farm, meta) + [""] + section(farm) + ["", plot_links(farm, plots), "",
                                                              "What would change the conclusion: " + CHANGE[exp]]
        out += notes(exp, farm.variant) + [""]
        if farm is quick and full.dir is not None:
            out += [f"### {exp}: the partial full variant so far", ""] + header(full, meta) + [""] + section(full)
            out += ["", f"Plots: `{full.dir}/plots/` (not committed while the farm is partial).", ""]
    print("\n".join(out).rstrip() + "\n")


if __name__ == "__main__":
    main()
