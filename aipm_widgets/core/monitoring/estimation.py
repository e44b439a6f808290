"""Model performance per window: realized (where labels arrived) and estimated from scores (no labels).

*Realized* metrics use the rows whose label has arrived. *Estimated* metrics follow confidence-based
performance estimation (CBPE, as NannyML does): the scores are calibrated on the reference (isotonic
regression), so each production row carries a probability ``p`` of being positive; at the threshold the
expected confusion matrix is ``E[TP] = sum of p over alerted rows``, ``E[FP] = sum of 1 - p over alerted
rows``, and so on, and recall, precision and F1 follow. The expected ROC curve comes from the same sums
at every score, giving an estimated ROC AUC. The estimate stays right while only the *inputs* move
(covariate shift); when the relation between inputs and outcome changes (concept drift) it does not, so
a realized metric well below its estimate is the signature of concept drift.

Sampling error: each metric's spread over random reference samples of ``base_n`` rows, scaled by
``sqrt(base_n / n)`` for a window of ``n`` rows (NannyML's approach); an estimate adds the same error at
the reference's size (the calibration was fitted there); bands are +/- 1.96 of it. Realized
recall and precision use Wilson intervals on their own counts.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> s = rng.random(4000); y = (rng.random(4000) < s).astype(int)
>>> est = PerformanceEstimator.fit(y, s, threshold=0.5)
>>> real = realized_metrics(y, s, 0.5)
>>> bool(abs(est.estimate(s)["recall"]["value"] - real["recall"]) < 0.03)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..stats.intervals import wilson_interval

__all__ = ["METRICS", "realized_metrics", "expected_metrics", "ratios", "PerformanceEstimator", "auc_standard_error"]

METRICS = ("roc_auc", "recall", "precision", "f1")
Z95 = 1.959963984540054


def _auc_from_curve(pos: np.ndarray, neg: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve from (expected) positive and negative weights per row, ties handled."""
    order = np.argsort(-score, kind="stable")
    s = score[order]
    tp = np.cumsum(pos[order])
    fp = np.cumsum(neg[order])
    last = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]  # one point per distinct score
    tp, fp = np.r_[0.0, tp[last]], np.r_[0.0, fp[last]]
    if tp[-1] <= 0 or fp[-1] <= 0:
        return float("nan")
    return float(np.trapezoid(tp / tp[-1], fp / fp[-1]))


def ratios(tp: float, fp: float, fn: float) -> dict[str, float]:
    """Recall, precision and F1 from (expected or counted) confusion counts; NaN where undefined."""
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = tp / (tp + fn) if tp + fn > 0 else float("nan")
        precision = tp / (tp + fp) if tp + fp > 0 else float("nan")
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn > 0 else float("nan")
    return {"recall": float(recall), "precision": float(precision), "f1": float(f1)}


def realized_metrics(y: np.ndarray, score: np.ndarray, threshold: float, predicted: np.ndarray | None = None) -> dict:
    """Recall, precision, F1 at the threshold and ROC AUC, plus the confusion counts, from labels."""
    y = np.asarray(y).astype(int)
    score = np.asarray(score, float)
    pred = score >= threshold if predicted is None else np.asarray(predicted).astype(bool)
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    tn = int(np.sum(~pred & (y == 0)))
    out = ratios(tp, fp, fn)
    out["roc_auc"] = _auc_from_curve((y == 1).astype(float), (y == 0).astype(float), score)
    out.update(tp=tp, fp=fp, fn=fn, tn=tn)
    return out


def expected_metrics(p: np.ndarray, score: np.ndarray, threshold: float, predicted: np.ndarray | None = None) -> dict:
    """CBPE: recall, precision, F1 and ROC AUC from calibrated probabilities ``p`` (no labels)."""
    p = np.asarray(p, float)
    score = np.asarray(score, float)
    pred = score >= threshold if predicted is None else np.asarray(predicted).astype(bool)
    tp, fp = float(p[pred].sum()), float((1 - p[pred]).sum())
    fn, tn = float(p[~pred].sum()), float((1 - p[~pred]).sum())
    out = ratios(tp, fp, fn)
    out["roc_auc"] = _auc_from_curve(p, 1 - p, score)
    out.update(tp=tp, fp=fp, fn=fn, tn=tn)
    return out


def auc_standard_error(auc: float, n_pos: int, n_neg: int) -> float:
    """Hanley and McNeil's (1982) standard error of a ROC AUC."""
    if not np.isfinite(auc) or n_pos < 1 or n_neg < 1:
        return float("nan")
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2) + (n_neg - 1) * (q2 - auc**2)) / (n_pos * n_neg)
    return float(np.sqrt(max(var, 0.0)))


@dataclass
class PerformanceEstimator:
    """Calibration fitted on the reference plus each metric's sampling error at ``base_n`` rows."""

    calibrator: object
    threshold: float
    reference: dict
    base_n: int
    base_sd: dict
    n_reference: int = 0

    @classmethod
    def fit(cls, y, score, *, threshold: float, predicted=None, base_n: int = 2000, n_samples: int = 60, seed: int = 0):
        """Calibrate ``score`` on the reference labels ``y`` (isotonic) and measure sampling errors.

        ``predicted`` (0/1 decisions) replaces ``score >= threshold`` when the model's decisions are logged.
        """
        from ..stats.isotonic import IsotonicCalibration  # scikit-learn's isotonic fit, without its import

        y = np.asarray(y).astype(int)
        score = np.asarray(score, float)
        iso = IsotonicCalibration().fit(score, y)
        pred = None if predicted is None else np.asarray(predicted).astype(bool)
        reference = realized_metrics(y, score, threshold, pred)
        rng = np.random.default_rng(seed)
        base_n = int(min(base_n, len(y)))
        draws = {m: [] for m in METRICS}
        for _ in range(n_samples):
            idx = rng.integers(0, len(y), base_n)
            r = realized_metrics(y[idx], score[idx], threshold, None if pred is None else pred[idx])
            for m in METRICS:
                draws[m].append(r[m])
        base_sd = {m: float(np.nanstd(v, ddof=1)) for m, v in draws.items()}
        return cls(iso, float(threshold), reference, base_n, base_sd, len(y))

    def calibrate(self, score) -> np.ndarray:
        return np.clip(self.calibrator.predict(np.asarray(score, float)), 0.0, 1.0)

    def sampling_error(self, metric: str, n: int) -> float:
        """Standard error of ``metric`` for a window of ``n`` rows."""
        if n <= 0:
            return float("nan")
        return self.base_sd[metric] * np.sqrt(self.base_n / n)

    def estimate(self, score, predicted=None) -> dict[str, dict[str, float]]:
        """Estimated metrics for one window, each ``{"value", "lower", "upper", "se"}``; also the expected counts."""
        score = np.asarray(score, float)
        if len(score) == 0:
            return {}
        return self.estimate_from_expected(expected_metrics(self.calibrate(score), score, self.threshold, predicted),
                                           len(score))

    def estimate_from_expected(self, e: dict, n: int) -> dict[str, dict[str, float]]:
        """:meth:`estimate` from a window's expected metrics and counts (``expected_metrics``' dict) and its rows.

        The out-of-core engines aggregate those sums in the database and finish here, on the driver.
        """
        out: dict[str, dict[str, float]] = {}
        for m in METRICS:
            # The window's own sampling error plus the calibration's (fitted on n_reference rows).
            se = float(np.hypot(self.sampling_error(m, n), self.sampling_error(m, self.n_reference)))
            v = e[m]
            out[m] = {"value": v, "lower": max(0.0, v - Z95 * se), "upper": min(1.0, v + Z95 * se), "se": se}
        out["expected_counts"] = {k: e[k] for k in ("tp", "fp", "fn", "tn")}
        return out

    def realized(self, y, score, predicted=None) -> dict[str, dict[str, float]]:
        """Realized metrics for one window's labeled rows with their intervals (Wilson, Hanley-McNeil, scaled)."""
        y = np.asarray(y).astype(int)
        if len(y) == 0 or y.min() == y.max():
            return {}
        r = realized_metrics(y, score, self.threshold, predicted)
        return self.realized_from_counts(r)

    def realized_from_counts(self, r: dict) -> dict[str, dict[str, float]]:
        """:meth:`realized` from ``realized_metrics``' dict (counts tp/fp/fn/tn and the four metrics)."""
        n_pos, n_neg = int(r["tp"] + r["fn"]), int(r["fp"] + r["tn"])
        if n_pos == 0 or n_neg == 0:
            return {}
        out: dict[str, dict[str, float]] = {}
        lo, hi = wilson_interval(r["tp"], r["tp"] + r["fn"])
        out["recall"] = {"value": r["recall"], "lower": lo, "upper": hi}
        lo, hi = wilson_interval(r["tp"], r["tp"] + r["fp"])
        out["precision"] = {"value": r["precision"], "lower": lo, "upper": hi}
        se = auc_standard_error(r["roc_auc"], n_pos, n_neg)
        out["roc_auc"] = {"value": r["roc_auc"], "lower": max(0.0, r["roc_auc"] - Z95 * se),
                          "upper": min(1.0, r["roc_auc"] + Z95 * se), "se": se}
        se = self.sampling_error("f1", n_pos + n_neg)
        out["f1"] = {"value": r["f1"], "lower": max(0.0, r["f1"] - Z95 * se), "upper": min(1.0, r["f1"] + Z95 * se),
                     "se": se}
        out["counts"] = {k: r[k] for k in ("tp", "fp", "fn", "tn")}
        return out
