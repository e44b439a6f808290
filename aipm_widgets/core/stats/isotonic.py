"""Isotonic calibration of scores, as ``sklearn.isotonic.IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)``.

Stage 5 calibrates the reference's scores on every page load (performance estimation without labels). scikit-learn's
import costs about a second there (it pulls in scipy.stats), and ``scipy.optimize.isotonic_regression`` 0.3 to 0.9 s
(all of scipy.optimize and scipy.linalg load with it), against milliseconds for the fit itself: the
pool-adjacent-violators algorithm (:func:`pool_adjacent_violators`, a dozen lines) runs here instead, on the distinct
scores (a few thousand at most for a page's reference). This class is that fit with scikit-learn's conventions:
equal scores pooled first (weighted mean of their labels), the fitted step clipped to [0, 1], the points kept where
the step changes (``X_thresholds_``, ``y_thresholds_``, which the SQL engines turn into a lookup table), and linear
interpolation between them, clipped at both ends. tests/test_monitoring_core.py checks it against scikit-learn and
against scipy's ``isotonic_regression``.

>>> import numpy as np
>>> iso = IsotonicCalibration().fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
>>> iso.predict(np.array([0.0, 0.25, 1.0])).round(3).tolist()
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["IsotonicCalibration", "pool_adjacent_violators"]


def pool_adjacent_violators(values: Any, weights: Any) -> np.ndarray:
    """The non-decreasing sequence closest to ``values`` in weighted least squares (``weights`` > 0).

    Blocks are kept on a stack; a new value that is lower than the block before it is pooled into it (weighted
    mean), and again while the pooled block is lower than the one before, so each value is pooled at most once.
    """
    means: list[float] = []
    totals: list[float] = []
    sizes: list[int] = []
    for v, w in zip(np.asarray(values, dtype=float).tolist(), np.asarray(weights, dtype=float).tolist()):
        m, t, c = v, w, 1
        while means and means[-1] > m:
            pm, pt = means.pop(), totals.pop()
            t_new = pt + t
            m = (pm * pt + m * t) / t_new
            t = t_new
            c += sizes.pop()
        means.append(m)
        totals.append(t)
        sizes.append(c)
    return np.repeat(np.asarray(means, dtype=float), sizes)


class IsotonicCalibration:
    """A non-decreasing map from score to the observed positive rate (see the module docstring)."""

    X_thresholds_: np.ndarray
    y_thresholds_: np.ndarray

    def fit(self, score: Any, y: Any) -> "IsotonicCalibration":
        x = np.asarray(score, dtype=float).ravel()
        target = np.asarray(y, dtype=float).ravel()
        if len(x) != len(target) or len(x) == 0:
            raise ValueError(f"score and y must have the same, non-zero length; got {len(x)} and {len(target)}.")
        order = np.argsort(x, kind="mergesort")
        x, target = x[order], target[order]
        unique_x, start, counts = np.unique(x, return_index=True, return_counts=True)
        sums = np.add.reduceat(target, start)
        fitted = pool_adjacent_violators(sums / counts, counts)
        fitted = np.clip(fitted, 0.0, 1.0)
        keep = np.ones(len(fitted), dtype=bool)
        if len(fitted) > 2:  # drop the inner points of a flat run: interpolation is the same without them
            keep[1:-1] = (fitted[:-2] != fitted[1:-1]) | (fitted[1:-1] != fitted[2:])
        self.X_thresholds_, self.y_thresholds_ = unique_x[keep], fitted[keep]
        return self

    def predict(self, score: Any) -> np.ndarray:
        """The calibrated probability of each score (scores outside the reference's range take the end values)."""
        return np.interp(np.asarray(score, dtype=float), self.X_thresholds_, self.y_thresholds_)
